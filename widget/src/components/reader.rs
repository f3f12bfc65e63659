//! An article from the help center, read inside the widget.
//!
//! The body is Markdown parsed by [`porchlight_kb::markdown`] into a tree
//! with no HTML node: every string lands in the page as text, and links
//! keep only vetted targets (http/https/mailto, or another article).

use porchlight_kb::markdown::{self, Block, Inline, Link};
use porchlight_kb::Article;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub edge: AttrValue,
    pub site: AttrValue,
    pub id: AttrValue,
    /// The language the visitor writes in (`es`, …), for a translation;
    /// empty: the browser's language.
    #[prop_or_default]
    pub lang: AttrValue,
    /// Another article linked from this one.
    pub on_open: Callback<String>,
    pub on_back: Callback<()>,
}

#[function_component(Reader)]
pub fn reader(props: &Props) -> Html {
    let article = use_state(|| None::<Result<Article, String>>);
    {
        let article = article.clone();
        // The visitor's own language when the help center has a translation.
        let lang = if props.lang.is_empty() {
            web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_default()
        } else {
            props.lang.to_string()
        };
        let lang = lang.split('-').next().unwrap_or("en").to_ascii_lowercase();
        let url = format!("{}/api/v1/sites/{}/kb/articles/{}?lang={lang}", props.edge, props.site, props.id);
        use_effect_with(props.id.clone(), move |_| {
            article.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                article.set(Some(porchlight_browser::get_json::<Article>(&url).await.map_err(|e| e.message)));
            });
        });
    }
    // Opening an article moves focus to its title (a screen reader reads it,
    // the keyboard continues from there); until it loads, to "Back".
    let (title, back_button) = (use_node_ref(), use_node_ref());
    {
        let (title, back_button) = (title.clone(), back_button.clone());
        let loaded = matches!(&*article, Some(Ok(_)));
        use_effect_with((props.id.clone(), loaded), move |(_, loaded)| {
            let target = if *loaded { &title } else { &back_button };
            if let Some(el) = target.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    let back = {
        let on_back = props.on_back.clone();
        Callback::from(move |_: MouseEvent| on_back.emit(()))
    };
    let body = match &*article {
        None => html! { <p class="pl-note">{ crate::i18n::t().loading }</p> },
        Some(Err(message)) => html! { <p class="pl-error" role="alert">{ format!("{} ({message})", crate::i18n::t().article_failed) }</p> },
        Some(Ok(a)) => html! {
            <>
                <h2 class="pl-article-title" tabindex="-1" ref={title.clone()}>{ &a.title }</h2>
                { for markdown::parse(a.body_without_title()).iter().map(|b| block(b, &props.on_open)) }
            </>
        },
    };
    html! {
        <section class="pl-reader" aria-label={crate::i18n::t().article}>
            <button type="button" class="pl-back" onclick={back} ref={back_button}>{ crate::i18n::t().back_to_chat }</button>
            <article class="pl-article">{ body }</article>
        </section>
    }
}

fn block(b: &Block, open: &Callback<String>) -> Html {
    let line = |inl: &[Inline]| -> Html { inl.iter().map(|i| inline(i, open)).collect() };
    match b {
        Block::Heading(level, inl) => match level {
            1 | 2 => html! { <h3>{ line(inl) }</h3> },
            _ => html! { <h4>{ line(inl) }</h4> },
        },
        Block::Paragraph(inl) => html! { <p>{ line(inl) }</p> },
        Block::List { ordered: true, items } => html! { <ol>{ for items.iter().map(|i| html! { <li>{ line(i) }</li> }) }</ol> },
        Block::List { ordered: false, items } => html! { <ul>{ for items.iter().map(|i| html! { <li>{ line(i) }</li> }) }</ul> },
        Block::Table { head, rows } => html! {
            <table>
                <thead><tr>{ for head.iter().map(|c| html! { <th>{ line(c) }</th> }) }</tr></thead>
                <tbody>{ for rows.iter().map(|r| html! { <tr>{ for r.iter().map(|c| html! { <td>{ line(c) }</td> }) }</tr> }) }</tbody>
            </table>
        },
        Block::Quote(inl) => html! { <blockquote>{ line(inl) }</blockquote> },
        Block::Code(code) => html! { <pre><code>{ code }</code></pre> },
        Block::Rule => html! { <hr /> },
    }
}

fn inline(i: &Inline, open: &Callback<String>) -> Html {
    match i {
        Inline::Text(t) => html! { { t } },
        Inline::Strong(t) => html! { <strong>{ t }</strong> },
        Inline::Emph(t) => html! { <em>{ t }</em> },
        Inline::Code(t) => html! { <code>{ t }</code> },
        Inline::Link { text, target: Link::External(href) } => {
            html! { <a href={href.clone()} target="_blank" rel="noopener noreferrer nofollow">{ text }</a> }
        }
        Inline::Link { text, target: Link::Article(id) } => {
            let (open, id) = (open.clone(), id.clone());
            html! { <button type="button" class="pl-link" onclick={Callback::from(move |_| open.emit(id.clone()))}>{ text }</button> }
        }
    }
}
