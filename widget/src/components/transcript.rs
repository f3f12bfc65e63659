//! "Download transcript": the whole conversation as the visitor may see
//! it (never internal notes), fetched from the edge with the visitor's
//! token (the widget may hold only part of a long log), saved as plain
//! text or JSON through a `blob:` URL.

use crate::i18n::t;
use porchlight_protocol::notice::Reader;
use porchlight_protocol::{ticket, SessionId, TranscriptExport};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub edge: AttrValue,
    pub site: AttrValue,
    /// The site's name, for the text's header.
    pub site_name: AttrValue,
    pub session_id: SessionId,
    pub token: AttrValue,
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    Json,
}

/// `porchlight-{site}-{yyyy-mm-dd}-{first 8 of the session id}.{txt|json}`.
fn file_name(site: &str, export: &TranscriptExport, ext: &str) -> String {
    let day = porchlight_protocol::clock::utc_stamp(export.session.created_at);
    let day = day.split(' ').next().unwrap_or_default();
    let id: String = export.session.id.to_string().chars().take(8).collect();
    format!("porchlight-{site}-{day}-{id}.{ext}")
}

#[function_component(TranscriptDownload)]
pub fn transcript_download(props: &Props) -> Html {
    let error = use_state(|| false);
    let busy = use_state(|| false);
    let start = |format: Format| {
        let (props_edge, site, site_name, id, token) =
            (props.edge.clone(), props.site.clone(), props.site_name.clone(), props.session_id.clone(), props.token.clone());
        let (error, busy) = (error.clone(), busy.clone());
        Callback::from(move |_: MouseEvent| {
            let url = format!("{props_edge}/api/v1/sites/{site}/sessions/{id}/visitor/transcript");
            let (site, site_name, token, error, busy) = (site.clone(), site_name.clone(), token.clone(), error.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let saved = match porchlight_browser::text_with_bearer(&url, &token).await {
                    Ok(json) => match (format, serde_json::from_str::<TranscriptExport>(&json)) {
                        (Format::Json, Ok(export)) => {
                            let pretty = serde_json::to_string_pretty(&export).unwrap_or(json);
                            porchlight_browser::save_text(&pretty, &file_name(&site, &export, "json"), "application/json").is_ok()
                        }
                        (Format::Text, Ok(export)) => {
                            // Labels and system lines in the visitor's language ("you").
                            let lang = crate::i18n::lang();
                            let text = ticket::describe_in(
                                lang,
                                Reader::Visitor,
                                &site_name,
                                &export.session.visitor,
                                &export.messages,
                                export.session.rating.as_ref(),
                            );
                            porchlight_browser::save_text(&text, &file_name(&site, &export, "txt"), "text/plain;charset=utf-8").is_ok()
                        }
                        (_, Err(_)) => false,
                    },
                    Err(_) => false,
                };
                error.set(!saved);
                busy.set(false);
            });
        })
    };
    html! {
        <div class="pl-transcript" role="group" aria-label={t().transcript}>
            <span>{ t().transcript }</span>
            <button type="button" class="pl-link" disabled={*busy} onclick={start(Format::Text)}
                aria-label={t().transcript_as_text}>{ t().transcript_text }</button>
            <button type="button" class="pl-link" disabled={*busy} onclick={start(Format::Json)}
                aria-label={t().transcript_as_json}>{ t().transcript_json }</button>
            if *error { <p class="pl-error" role="alert">{ t().transcript_failed }</p> }
        </div>
    }
}
