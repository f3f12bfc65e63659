//! Attachments in both apps: the paperclip button (with paste and drop on the
//! composer), uploads with progress (XMLHttpRequest's upload events), and
//! a message's file fetched with `Authorization` (never a token in a URL)
//! and shown through a `blob:` URL: images as thumbnails, PDFs as a download.

use crate::icons::{icon, Icon};
use crate::ui::{english, words};
use crate::RequestError;
use js_sys::{Function, Promise, Uint8Array};
use porchlight_protocol::attachment::{Attachment, MAX_BYTES};
use porchlight_protocol::i18n::fill;
use porchlight_protocol::{ErrorBody, Message};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, HtmlInputElement, ProgressEvent, XmlHttpRequest};
use yew::prelude::*;

const ACCEPT: &str = "image/png,image/jpeg,image/gif,image/webp,application/pdf";
/// Only a developer reads why a file did not load; the person sees `file_not_loaded`.
const NOT_LOADED: &str = "This file could not be loaded.";

/// Where a session's files live: `{edge}/api/v1/sites/{site}/sessions/{id}/attachments`.
pub fn files_url(edge: &str, site: &str, session: &str) -> String {
    format!("{edge}/api/v1/sites/{site}/sessions/{session}/attachments")
}

/// Where a team channel's files live: `{edge}/api/v1/sites/{site}/team/channels/{id}/attachments`.
pub fn team_files_url(edge: &str, site: &str, channel: &str) -> String {
    format!("{edge}/api/v1/sites/{site}/team/channels/{channel}/attachments")
}

/// What an upload answers with: a session's or a channel's `message`
/// frame, both carrying the committed message under `message`.
#[derive(serde::Deserialize)]
struct Committed {
    message: Message,
}

/// Uploads `file` as a new message; `progress` hears the fraction sent.
pub async fn upload(base: &str, bearer: &str, file: &File, progress: impl Fn(f64) + 'static) -> Result<Message, RequestError> {
    let failed = |_| RequestError { status: 0, message: words().err_unreachable.into() };
    let name: String = js_sys::encode_uri_component(&file.name()).into();
    let url = format!("{base}?client_id={}&name={name}", crate::new_client_id().0);
    let xhr = XmlHttpRequest::new().map_err(failed)?;
    xhr.open("POST", &url).map_err(failed)?;
    xhr.set_request_header("authorization", &format!("Bearer {bearer}")).map_err(failed)?;
    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
        if e.length_computable() && e.total() > 0.0 {
            progress(e.loaded() / e.total());
        }
    });
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    let done = Promise::new(&mut |resolve: Function, reject: Function| {
        xhr.set_onload(Some(&resolve));
        xhr.set_onerror(Some(&reject));
    });
    xhr.send_with_opt_blob(Some(file)).map_err(failed)?;
    let outcome = JsFuture::from(done).await;
    drop(on_progress);
    outcome.map_err(failed)?;
    let status = xhr.status().unwrap_or(0);
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    if status == 201 {
        if let Ok(Committed { message }) = serde_json::from_str::<Committed>(&text) {
            return Ok(message);
        }
    }
    // The widget words a refusal by its code in the visitor's language; the
    // console (English) keeps the edge's own message.
    let message = match serde_json::from_str::<ErrorBody>(&text) {
        Ok(b) if english() => b.error.message,
        Ok(b) => words().error(b.error.code).to_owned(),
        Err(_) if english() => format!("The chat service answered {status}."),
        Err(_) => words().err_generic.to_owned(),
    };
    Err(RequestError { status, message })
}

#[derive(Properties, PartialEq)]
pub struct AttachProps {
    /// [`files_url`] of the session.
    pub base: AttrValue,
    pub bearer: AttrValue,
    #[prop_or_default]
    pub disabled: bool,
    /// The composer: files pasted into it or dropped on it are sent too.
    pub target: NodeRef,
    /// A larger place that takes dropped files too (the widget's whole
    /// conversation); the composer alone when absent.
    #[prop_or_default]
    pub drop_zone: Option<NodeRef>,
}

/// The paperclip button, its hidden file input, the upload's progress and errors.
#[function_component(AttachButton)]
pub fn attach_button(props: &AttachProps) -> Html {
    let input = use_node_ref();
    let progress = use_state(|| None::<(String, f64)>);
    let error = use_state(|| None::<String>);
    let send = {
        let (base, bearer, progress, error) = (props.base.clone(), props.bearer.clone(), progress.clone(), error.clone());
        std::rc::Rc::new(move |files: Vec<File>| {
            for file in files {
                if file.size() > MAX_BYTES as f64 {
                    error.set(Some(fill(words().file_too_large, &[("name", &file.name())])));
                    continue;
                }
                let (base, bearer, progress, error) = (base.clone(), bearer.clone(), progress.clone(), error.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let name = file.name();
                    progress.set(Some((name.clone(), 0.0)));
                    error.set(None);
                    let shown = progress.setter();
                    let label = name.clone();
                    let sent = upload(&base, &bearer, &file, move |f| shown.set(Some((label.clone(), f)))).await;
                    progress.set(None);
                    if let Err(e) = sent {
                        error.set(Some(format!("{name}: {}", e.message)));
                    }
                });
            }
        })
    };
    {
        // Paste on the composer; drop on it or on the drop zone. Listeners
        // that may cancel the event are not passive (no console warning).
        let (target, send) = (props.target.clone(), send.clone());
        let zone = props.drop_zone.clone().unwrap_or_else(|| props.target.clone());
        use_effect_with((props.target.clone(), zone.clone()), move |_| {
            let mut listeners = Vec::new();
            if let Some(el) = target.cast::<web_sys::Element>() {
                let on_paste = send.clone();
                let active = gloo::events::EventListenerOptions::enable_prevent_default();
                listeners.push(gloo::events::EventListener::new_with_options(&el, "paste", active, move |e| {
                    let files = e.dyn_ref::<web_sys::ClipboardEvent>().and_then(|c| c.clipboard_data()).and_then(|d| d.files());
                    if let Some(files) = files.filter(|f| f.length() > 0) {
                        e.prevent_default();
                        on_paste(list(&files));
                    }
                }));
            }
            if let Some(el) = zone.cast::<web_sys::Element>() {
                listeners.push(gloo::events::EventListener::new_with_options(
                    &el,
                    "dragover",
                    gloo::events::EventListenerOptions::enable_prevent_default(),
                    |e| e.prevent_default(),
                ));
                let on_drop = send.clone();
                listeners.push(gloo::events::EventListener::new_with_options(
                    &el,
                    "drop",
                    gloo::events::EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let files = e.dyn_ref::<web_sys::DragEvent>().and_then(|d| d.data_transfer()).and_then(|d| d.files());
                        if let Some(files) = files.filter(|f| f.length() > 0) {
                            e.prevent_default();
                            on_drop(list(&files));
                        }
                    },
                ));
            }
            move || drop(listeners)
        });
    }
    let onchange = {
        let send = send.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(files) = input.files() {
                send(list(&files));
            }
            input.set_value("");
        })
    };
    let open = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(i) = input.cast::<HtmlInputElement>() {
                i.click();
            }
        })
    };
    html! {
        <>
            <input ref={input} type="file" class="pl-file-input" accept={ACCEPT} multiple=true {onchange} tabindex="-1" aria-hidden="true" />
            <button type="button" class="pl-attach" aria-label={words().attach} title={words().attach} disabled={props.disabled} onclick={open}>{ icon(Icon::Attach, 20) }</button>
            if let Some((name, f)) = &*progress {
                // A percentage, seen and heard (the bar itself is decoration).
                { upload_progress(name, *f) }
            }
            if let Some(e) = &*error { <p class="pl-error pl-upload-error" role="alert">{ e }</p> }
        </>
    }
}

fn upload_progress(name: &str, fraction: f64) -> Html {
    let label = fill(words().uploading, &[("name", name)]);
    let pct = (fraction.clamp(0.0, 1.0) * 100.0).round() as u8;
    html! {
        <div class="pl-upload" role="progressbar" aria-label={label.clone()} aria-valuemin="0" aria-valuemax="100"
            aria-valuenow={pct.to_string()} aria-valuetext={format!("{pct}%")}>
            <span>{ label }</span>
            <progress max="100" value={pct.to_string()} aria-hidden="true"></progress>
            <span class="pl-upload-pct">{ format!("{pct}%") }</span>
        </div>
    }
}

fn list(files: &web_sys::FileList) -> Vec<File> {
    (0..files.length()).filter_map(|i| files.get(i)).collect()
}

#[derive(Properties, PartialEq)]
pub struct ViewProps {
    pub file: Attachment,
    /// [`files_url`] of the session.
    pub base: AttrValue,
    pub bearer: AttrValue,
}

/// A message's file: fetched with the token, shown from a `blob:` URL
/// (revoked when it leaves the screen). Images: a thumbnail; others: a download.
#[function_component(AttachmentView)]
pub fn attachment_view(props: &ViewProps) -> Html {
    let href = use_state(|| None::<Result<String, ()>>);
    {
        let (href, url, bearer, mime) =
            (href.clone(), format!("{}/{}", props.base, props.file.id), props.bearer.clone(), props.file.content_type.clone());
        use_effect_with(props.file.id.clone(), move |_| {
            let made = std::rc::Rc::new(std::cell::RefCell::new(None::<String>));
            let keep = made.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let got = fetch_blob_url(&url, &bearer, &mime).await;
                if let Ok(u) = &got {
                    *keep.borrow_mut() = Some(u.clone());
                }
                href.set(Some(got.map_err(|_| ())));
            });
            move || {
                if let Some(u) = made.borrow_mut().take() {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            }
        });
    }
    let f = &props.file;
    let size = porchlight_protocol::attachment::size_label(f.size);
    match (&*href, f.content_type.starts_with("image/")) {
        (None, _) => html! { <span class="pl-file pl-file-loading" data-attachment={f.id.clone()}>{ words().file_loading }</span> },
        (Some(Err(())), _) => {
            html! { <span class="pl-file pl-file-failed" data-attachment={f.id.clone()}>{ fill(words().file_not_loaded, &[("name", &f.name)]) }</span> }
        }
        (Some(Ok(u)), true) => html! {
            <a class="pl-file pl-thumb" href={u.clone()} download={f.name.clone()} data-attachment={f.id.clone()}
                aria-label={fill(words().file_download_named, &[("name", &f.name), ("size", &size)])}>
                <img src={u.clone()} alt={f.name.clone()} width={f.width.map(|w| w.min(220).to_string())} />
            </a>
        },
        (Some(Ok(u)), false) => html! {
            <a class="pl-file pl-doc" href={u.clone()} download={f.name.clone()} data-attachment={f.id.clone()}>
                { icon(Icon::Document, 16) }{ format!(" {} ({size}) — {}", f.name, words().file_download) }</a>
        },
    }
}

async fn fetch_blob_url(url: &str, bearer: &str, mime: &str) -> Result<String, RequestError> {
    let failed = |_| RequestError { status: 0, message: NOT_LOADED.into() };
    let resp = gloo::net::http::Request::get(url).header("authorization", &format!("Bearer {bearer}")).send().await.map_err(failed)?;
    if !resp.ok() {
        return Err(RequestError { status: resp.status(), message: NOT_LOADED.into() });
    }
    let bytes = resp.binary().await.map_err(failed)?;
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| RequestError { status: 0, message: NOT_LOADED.into() })?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| RequestError { status: 0, message: NOT_LOADED.into() })
}
