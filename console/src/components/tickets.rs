//! The site's helpdesk tickets (`GET /api/v1/sites/{site}/tickets`),
//! newest first; each opens the conversation it was made from.

use crate::Agent;
use porchlight_browser::{ago, now_ms};
use porchlight_protocol::ticket::TicketList;
use porchlight_protocol::SessionId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub agent: Agent,
    pub on_open: Callback<SessionId>,
}

#[function_component(Tickets)]
pub fn tickets(props: &Props) -> Html {
    let list = use_state(|| None::<Result<TicketList, String>>);
    let reload = use_state(|| 0u32);
    {
        let (list, agent) = (list.clone(), props.agent.clone());
        use_effect_with(*reload, move |_| {
            let url = format!("{}/api/v1/sites/{}/tickets", agent.edge, agent.login.site);
            wasm_bindgen_futures::spawn_local(async move {
                let got = porchlight_browser::get_json_as::<TicketList>(&url, &agent.token).await;
                list.set(Some(got.map_err(|e| e.message)));
            });
        });
    }
    let now = now_ms();
    html! {
        <section class="tickets" aria-label="Tickets">
            <div class="tickets-head">
                <h2>{ "Tickets" }</h2>
                <button onclick={{ let r = reload.clone(); Callback::from(move |_| r.set(*r + 1)) }}>{ "Refresh" }</button>
            </div>
            { match &*list {
                None => html! { <p class="note">{ "Loading…" }</p> },
                Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
                Some(Ok(l)) if l.tickets.is_empty() => html! {
                    <p class="note">{ "No tickets yet. \"Create ticket\" in a conversation makes one." }</p>
                },
                Some(Ok(l)) => html! {
                    <table>
                        <thead><tr><th>{ "#" }</th><th>{ "Subject" }</th><th>{ "Requester" }</th><th>{ "By" }</th><th>{ "Created" }</th><th>{ "Rating" }</th><th>{ "Reply" }</th><th>{ "Status" }</th></tr></thead>
                        <tbody>
                            { for l.tickets.iter().map(|t| {
                                let (on_open, session) = (props.on_open.clone(), t.session.clone());
                                // A team ticket has no conversation to open.
                                let title = if session.is_some() { "Open the conversation" } else { "Opened in team chat" };
                                html! {
                                    <tr data-ticket={t.number.to_string()} {title}
                                        onclick={Callback::from(move |_| if let Some(s) = &session { on_open.emit(s.clone()) })}>
                                        <td>{ t.number }</td>
                                        // Wrapped between words, at most a few lines; the whole text in the title.
                                        <td><div class="subject" title={t.subject.clone()}>{ &t.subject }</div></td>
                                        <td><div class="requester" title={t.requester.name.clone()}>{ &t.requester.name }</div>
                                            if let Some(e) = &t.requester.email { <div class="email" title={e.clone()}>{ e }</div> }</td>
                                        <td>{ match &t.source {
                                            porchlight_protocol::ticket::TicketSource::OfflineMessage => "Message left out of hours".to_owned(),
                                            porchlight_protocol::ticket::TicketSource::Chat => t.created_by.name.clone(),
                                            porchlight_protocol::ticket::TicketSource::Team { .. } => format!("{} (team chat)", t.created_by.name),
                                        } }</td>
                                        <td>{ format!("{} ago", ago(t.created_at, now)) }</td>
                                        // Not rated: a dash, not an empty pill.
                                        <td class="score">{ t.rating.as_ref().map_or_else(|| html! { <span class="none" title="Not rated">{ "—" }</span> }, super::csat::score) }</td>
                                        <td onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                                            if t.closed_at.is_none() { <Reply agent={props.agent.clone()} number={t.number} /> }</td>
                                        <td onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                                            if t.closed_at.is_some() { { "Closed" } } else {
                                                <CloseTicket agent={props.agent.clone()} number={t.number}
                                                    on_closed={{ let r = reload.clone(); Callback::from(move |()| r.set(*r + 1)) }} />
                                            }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                },
            } }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CloseProps {
    agent: Agent,
    number: u64,
    on_closed: Callback<()>,
}

/// Closes a ticket (`POST …/tickets/{number}/close`): its conversation
/// then takes no more messages, from anyone.
#[function_component(CloseTicket)]
fn close_ticket(props: &CloseProps) -> Html {
    let error = use_state(|| None::<String>);
    let onclick = {
        let (agent, number, error, on_closed) = (props.agent.clone(), props.number, error.clone(), props.on_closed.clone());
        Callback::from(move |_: MouseEvent| {
            let (agent, error, on_closed) = (agent.clone(), error.clone(), on_closed.clone());
            let url = format!("{}/api/v1/sites/{}/tickets/{number}/close", agent.edge, agent.login.site);
            wasm_bindgen_futures::spawn_local(async move {
                match porchlight_browser::post_json::<_, serde_json::Value>(&url, &(), Some(&agent.token)).await {
                    Ok(_) => on_closed.emit(()),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! { <>
        <button type="button" {onclick} aria-label={format!("Close ticket #{}", props.number)}
            title="No more messages in its conversation, from anyone">{ "Close" }</button>
        if let Some(e) = &*error { <p class="error" role="alert">{ e }</p> }
    </> }
}

#[derive(Properties, PartialEq)]
struct ReplyProps {
    agent: Agent,
    number: u64,
}

/// Answers a ticket (`POST …/tickets/{number}/replies`): the reply is kept
/// on the ticket, shown to the visitor in their conversation on their next
/// visit, and sent as `ticket.replied` (for the site's email).
#[function_component(Reply)]
fn reply(props: &ReplyProps) -> Html {
    let open = use_state(|| false);
    let state = use_state(|| None::<Result<(), String>>);
    let text = use_node_ref();
    if !*open {
        let open = open.clone();
        return html! { <button type="button" onclick={Callback::from(move |_| open.set(true))}
        aria-label={format!("Reply to ticket #{}", props.number)}>{ "Reply" }</button> };
    }
    let onsubmit = {
        let (text, state, agent, number) = (text.clone(), state.clone(), props.agent.clone(), props.number);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(area) = text.cast::<web_sys::HtmlTextAreaElement>() else { return };
            let body = porchlight_protocol::ticket::ReplyToTicket { text: area.value() };
            let (state, agent) = (state.clone(), agent.clone());
            let url = format!("{}/api/v1/sites/{}/tickets/{number}/replies", agent.edge, agent.login.site);
            wasm_bindgen_futures::spawn_local(async move {
                let sent = porchlight_browser::post_json::<_, serde_json::Value>(&url, &body, Some(&agent.token)).await;
                state.set(Some(sent.map(|_| ()).map_err(|e| e.message)));
            });
        })
    };
    html! {
        <form class="ticket-reply" {onsubmit}>
            <textarea ref={text} rows="3" aria-label={format!("Reply to ticket #{}", props.number)} />
            <button type="submit" class="primary">{ "Send reply" }</button>
            { match &*state {
                Some(Ok(())) => html! { <p class="note" role="status">{ "Reply sent." }</p> },
                Some(Err(e)) => html! { <p class="error" role="alert">{ e }</p> },
                None => html! {},
            } }
        </form>
    }
}
