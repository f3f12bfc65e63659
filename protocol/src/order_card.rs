//! System events a site's backend adds to a conversation
//! (`POST …/sessions/{id}/events`): a plain system line, or an **order
//! card** (order id, status, items, total, a link) that is updated in
//! place when the same order's status changes, as an edit is.
//!
//! Pure: validation, and what an update does to the card a message holds.

use crate::frames::ErrorCode;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};

pub const MAX_ORDER_ID_CHARS: usize = validate::MAX_ORDER_REF_CHARS;
pub const MAX_STATUS_CHARS: usize = 60;
pub const MAX_TOTAL_CHARS: usize = 30;
pub const MAX_ITEMS: u32 = 100_000;

/// An order as a conversation shows it: a compact card.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderCard {
    pub order_id: String,
    /// "Out for delivery", "Delivered", …: the site's own words.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<u32>,
    /// Already formatted by the site ("€24.50"): currencies are its business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<String>,
    /// An http(s) page about the order; rendered as a link element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The body of `POST …/sessions/{id}/events`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SiteEvent {
    /// A line from the site ("Your refund was issued").
    System { text: String },
    /// A new order card, or the new state of the one this conversation
    /// already has for `order.order_id`.
    Order { order: OrderCard },
}

/// `201` (a new message) or `200` (a card updated in place) of the events route.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventAdded {
    pub seq: crate::ids::Seq,
    pub updated: bool,
}

fn line(raw: &str, what: &str, max: usize) -> Result<String, Invalid> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(Invalid::new(ErrorCode::BadFrame, format!("`{what}` must be 1–{max} characters on one line.")));
    }
    Ok(s.to_owned())
}

/// Checks an event: a system text like any message; a card's fields on
/// one line each, its link http(s) only.
pub fn check(event: &SiteEvent) -> Result<SiteEvent, Invalid> {
    match event {
        SiteEvent::System { text } => Ok(SiteEvent::System { text: validate::message(text)? }),
        SiteEvent::Order { order } => {
            let total = order.total.as_deref().map(|t| line(t, "total", MAX_TOTAL_CHARS)).transpose()?;
            if order.items.is_some_and(|n| n > MAX_ITEMS) {
                return Err(Invalid::new(ErrorCode::BadFrame, format!("`items` can be at most {MAX_ITEMS}.")));
            }
            let url = match order.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                None => None,
                Some(u) => {
                    let lower = u.to_ascii_lowercase();
                    let web = lower.starts_with("https://") || lower.starts_with("http://");
                    if !web || u.chars().count() > validate::MAX_URL_CHARS || u.chars().any(|c| c.is_control() || c.is_whitespace()) {
                        return Err(Invalid::new(ErrorCode::BadFrame, "`url` must be an http:// or https:// address."));
                    }
                    Some(u.to_owned())
                }
            };
            Ok(SiteEvent::Order {
                order: OrderCard {
                    order_id: line(&order.order_id, "order_id", MAX_ORDER_ID_CHARS)?,
                    status: line(&order.status, "status", MAX_STATUS_CHARS)?,
                    items: order.items,
                    total,
                    url,
                },
            })
        }
    }
}

/// The text a card's message carries: what previews, search, webhooks
/// and screen readers get ("Order CK-1042: Out for delivery").
pub fn summary(card: &OrderCard) -> String {
    format!("Order {}: {}", card.order_id, card.status)
}

/// Applies a newer state of the same order to the card a message holds.
/// `false`: nothing changed (a retried call), nothing to store.
pub fn update(current: &mut OrderCard, newer: OrderCard) -> bool {
    if *current == newer {
        return false;
    }
    *current = newer;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> OrderCard {
        OrderCard {
            order_id: " CK-1042 ".into(),
            status: "Out for delivery".into(),
            items: Some(3),
            total: Some("€24.50".into()),
            url: Some("https://shop.example/orders/1042".into()),
        }
    }

    #[test]
    fn a_card_is_cleaned_and_its_link_must_be_web() {
        let SiteEvent::Order { order } = check(&SiteEvent::Order { order: card() }).unwrap() else { panic!() };
        assert_eq!(order.order_id, "CK-1042");
        assert_eq!(summary(&order), "Order CK-1042: Out for delivery");
        for url in ["javascript:alert(1)", "data:text/html,x", "ftp://x", "https://a b"] {
            let e = check(&SiteEvent::Order { order: OrderCard { url: Some(url.into()), ..card() } }).unwrap_err();
            assert_eq!(e.code, ErrorCode::BadFrame, "{url}");
        }
        let blank = check(&SiteEvent::Order { order: OrderCard { url: Some(" ".into()), ..card() } }).unwrap();
        assert!(matches!(blank, SiteEvent::Order { order } if order.url.is_none()));
    }

    #[test]
    fn fields_are_one_line_and_bounded() {
        for bad in [
            OrderCard { order_id: "".into(), ..card() },
            OrderCard { status: "a\nb".into(), ..card() },
            OrderCard { status: "s".repeat(61), ..card() },
            OrderCard { total: Some("".into()), ..card() },
            OrderCard { items: Some(MAX_ITEMS + 1), ..card() },
        ] {
            assert_eq!(check(&SiteEvent::Order { order: bad.clone() }).unwrap_err().code, ErrorCode::BadFrame, "{bad:?}");
        }
        assert_eq!(check(&SiteEvent::System { text: " ".into() }).unwrap_err().code, ErrorCode::MessageEmpty);
    }

    #[test]
    fn an_update_replaces_the_card_once() {
        let mut current = card();
        let delivered = OrderCard { status: "Delivered".into(), ..card() };
        assert!(update(&mut current, delivered.clone()));
        assert_eq!(current, delivered);
        assert!(!update(&mut current, delivered), "a retried call changes nothing");
    }

    #[test]
    fn the_body_has_the_documented_json() {
        let body: SiteEvent = serde_json::from_value(serde_json::json!({"kind": "order", "order": {"order_id": "CK-1042",
            "status": "Out for delivery", "items": 3, "total": "€24.50", "url": "https://shop.example/orders/1042"}}))
        .unwrap();
        assert!(matches!(body, SiteEvent::Order { .. }));
        let body: SiteEvent = serde_json::from_value(serde_json::json!({"kind": "system", "text": "Refund issued"})).unwrap();
        assert_eq!(body, SiteEvent::System { text: "Refund issued".into() });
    }
}
