//! "Suggested articles": what the help center has for the draft being
//! typed, ranked in the browser. Titles are text.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    /// (article id, title), best first.
    pub articles: Vec<(String, String)>,
    pub on_open: Callback<String>,
}

#[function_component(Suggestions)]
pub fn suggestions(props: &Props) -> Html {
    if props.articles.is_empty() {
        return html! {};
    }
    html! {
        <nav class="pl-suggestions">
            <div class="pl-suggestions-label" id="pl-suggested">{ crate::i18n::t().suggested_articles }</div>
            <ul aria-label={crate::i18n::t().suggested_articles}>
                { for props.articles.iter().map(|(id, title)| {
                    let (open, id) = (props.on_open.clone(), id.clone());
                    html! {
                        <li><button type="button" class="pl-article-link" data-article={id.clone()}
                            onclick={Callback::from(move |_| open.emit(id.clone()))}>{ title }</button></li>
                    }
                }) }
            </ul>
        </nav>
    }
}
