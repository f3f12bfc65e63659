//! Customer satisfaction in the console: a session's rating (conversation
//! and ticket), and the site's and each agent's figures over the last 7
//! and 30 days (the queue pushes them; `porchlight_protocol::csat` counts).

use porchlight_browser::icons::face;
use porchlight_protocol::csat::{Figures, Rating, Tally};
use yew::prelude::*;

const HEADING: &str = "Satisfaction";
const NO_RATINGS: &str = "No ratings in the last 30 days.";

/// The face (drawn: no emoji font needed) and "Good (4/5)".
pub fn score(r: &Rating) -> Html {
    html! { <>{ face(r.score, 16) }{ format!(" {} ({}/5)", r.label(), r.score) }</> }
}

/// The visitor's rating of this conversation, with their comment as text.
pub fn rating_panel(r: &Rating) -> Html {
    html! {
        <aside class="rating" aria-label="Visitor rating">
            <div><span class="k">{ "Rating" }</span><span class="v" data-score={r.score.to_string()}>{ score(r) }</span></div>
            if let Some(c) = &r.comment {
                <div><span class="k">{ "Comment" }</span><span class="v comment">{ c }</span></div>
            }
        </aside>
    }
}

fn cell(t: &Tally) -> Html {
    html! { <td>{ format!("{} ({})", t.average(), t.count) }</td> }
}

/// The site's row and one per rated agent: average and count per window.
pub fn figures(f: &Figures) -> Html {
    html! {
        <section class="csat" aria-label={HEADING}>
            <h2>{ HEADING }</h2>
            if f.site.last_30_days.count == 0 {
                <p class="note">{ NO_RATINGS }</p>
            } else {
                <table>
                    <caption class="sr">{ "Average rating out of 5 (number of ratings)" }</caption>
                    <thead><tr><th scope="col">{ "Who" }</th><th scope="col">{ "Last 7 days" }</th><th scope="col">{ "Last 30 days" }</th></tr></thead>
                    <tbody>
                        <tr data-csat="site"><th scope="row">{ "Whole site" }</th>{ cell(&f.site.last_7_days) }{ cell(&f.site.last_30_days) }</tr>
                        { for f.agents.iter().map(|a| html! {
                            <tr data-csat={a.agent.id.to_string()}><th scope="row">{ &a.agent.name }</th>
                                { cell(&a.windows.last_7_days) }{ cell(&a.windows.last_30_days) }</tr>
                        }) }
                    </tbody>
                </table>
            }
        </section>
    }
}
