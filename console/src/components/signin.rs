//! Sign-in with an agent token.

use porchlight_protocol::AgentLogin;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub edge: AttrValue,
    pub remembered: Option<String>,
    pub on_signed_in: Callback<(String, AgentLogin)>,
}

#[function_component(SignIn)]
pub fn sign_in(props: &Props) -> Html {
    let input = use_node_ref();
    let error = use_state(|| None::<String>);
    let sign_in = {
        let (error, edge, done) = (error.clone(), props.edge.clone(), props.on_signed_in.clone());
        Callback::from(move |token: String| {
            let (error, done, url) = (error.clone(), done.clone(), format!("{edge}/api/v1/agent/login"));
            wasm_bindgen_futures::spawn_local(async move {
                match porchlight_browser::post_json::<_, AgentLogin>(&url, &serde_json::json!({}), Some(token.trim())).await {
                    Ok(login) => done.emit((token.trim().to_owned(), login)),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    // A token remembered in this tab signs in again after a reload.
    {
        let (sign_in, remembered) = (sign_in.clone(), props.remembered.clone());
        use_effect_with((), move |_| {
            if let Some(token) = remembered {
                sign_in.emit(token);
            }
        });
    }
    let onsubmit = {
        let input = input.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(i) = input.cast::<HtmlInputElement>() {
                sign_in.emit(i.value());
            }
        })
    };
    html! {
        <form class="signin" {onsubmit}>
            <h1>{ "Porchlight agent console" }</h1>
            <label>
                <span>{ "Agent token" }</span>
                <input ref={input} type="password" aria-label="Agent token" autocomplete="current-password" required=true />
            </label>
            if let Some(err) = &*error { <p class="error" role="alert">{ err }</p> }
            <button type="submit" class="primary">{ "Sign in" }</button>
        </form>
    }
}
