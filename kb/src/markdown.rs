//! A small Markdown parser to a tree of plain text and vetted links, for
//! showing articles inside the widget. There is no raw-HTML node at all:
//! `<b>` in an article is text. Links keep their target only when it is
//! `http:`, `https:`, `mailto:` or a bare article slug; anything else
//! (`javascript:`, `data:`, relative paths) becomes plain text.
//!
//! Covered: ATX headings, paragraphs, `-`/`*`/`1.` lists, pipe tables,
//! `>` quotes, fenced code, `---` rules; inline `**strong**`, `*em*`/`_em_`,
//! `` `code` `` and `[text](target)`.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Heading(u8, Vec<Inline>),
    Paragraph(Vec<Inline>),
    List { ordered: bool, items: Vec<Vec<Inline>> },
    Table { head: Vec<Vec<Inline>>, rows: Vec<Vec<Vec<Inline>>> },
    Quote(Vec<Inline>),
    Code(String),
    Rule,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Emph(String),
    Code(String),
    Link { text: String, target: Link },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// `http:`, `https:` or `mailto:`: opened in a new tab.
    External(String),
    /// A bare slug: another article of the same help center.
    Article(String),
}

pub fn parse(md: &str) -> Vec<Block> {
    let lines: Vec<&str> = md.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        let t = line.trim_start();
        if t.is_empty() {
            i += 1;
        } else if t.starts_with("```") {
            let mut code = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with("```") {
                code.push(lines[i]);
                i += 1;
            }
            i += 1;
            blocks.push(Block::Code(code.join("\n")));
        } else if let Some((level, text)) = heading(t) {
            blocks.push(Block::Heading(level, inlines(text)));
            i += 1;
        } else if t == "---" || t == "***" || t == "___" {
            blocks.push(Block::Rule);
            i += 1;
        } else if t.starts_with('|') {
            let mut rows: Vec<Vec<Vec<Inline>>> = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('|') {
                let row = lines[i].trim();
                let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
                let is_separator = cells.iter().all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
                if !is_separator {
                    rows.push(cells.into_iter().map(inlines).collect());
                }
                i += 1;
            }
            let head = if rows.is_empty() { Vec::new() } else { rows.remove(0) };
            blocks.push(Block::Table { head, rows });
        } else if t.starts_with('>') {
            let mut text = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('>') {
                text.push(lines[i].trim_start().trim_start_matches('>').trim());
                i += 1;
            }
            blocks.push(Block::Quote(inlines(&text.join(" "))));
        } else if let Some((ordered, _)) = list_item(t) {
            let mut items: Vec<String> = Vec::new();
            while i < lines.len() {
                let l = lines[i].trim();
                if let Some((o, text)) = list_item(l) {
                    if o != ordered {
                        break;
                    }
                    items.push(text.to_owned());
                } else if !l.is_empty() && lines[i].starts_with(' ') && !items.is_empty() {
                    // a continuation line of the previous item
                    let last = items.last_mut().expect("non-empty");
                    last.push(' ');
                    last.push_str(l);
                } else {
                    break;
                }
                i += 1;
            }
            blocks.push(Block::List { ordered, items: items.iter().map(|s| inlines(s)).collect() });
        } else {
            let mut text = Vec::new();
            while i < lines.len() {
                let l = lines[i].trim();
                if l.is_empty()
                    || heading(l).is_some()
                    || l.starts_with('|')
                    || l.starts_with("```")
                    || l.starts_with('>')
                    || list_item(l).is_some()
                {
                    break;
                }
                text.push(l);
                i += 1;
            }
            blocks.push(Block::Paragraph(inlines(&text.join(" "))));
        }
    }
    blocks
}

fn heading(t: &str) -> Option<(u8, &str)> {
    let level = t.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&level).then(|| t[level..].strip_prefix(' ').map(|rest| (level as u8, rest.trim()))).flatten()
}

fn list_item(t: &str) -> Option<(bool, &str)> {
    if let Some(rest) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).or_else(|| t.strip_prefix("+ ")) {
        return Some((false, rest));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        if let Some(rest) = t[digits..].strip_prefix(". ").or_else(|| t[digits..].strip_prefix(") ")) {
            return Some((true, rest));
        }
    }
    None
}

/// Inline spans of one line of text.
pub fn inlines(s: &str) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    let flush = |text: &mut String, out: &mut Vec<Inline>| {
        if !text.is_empty() {
            out.push(Inline::Text(std::mem::take(text)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let span = if rest.starts_with("**") || rest.starts_with("__") {
            closed(&rest[2..], &rest[..2]).map(|(inner, len)| (Inline::Strong(inner.to_owned()), len + 4))
        } else if c == '`' {
            closed(&rest[1..], "`").map(|(inner, len)| (Inline::Code(inner.to_owned()), len + 2))
        } else if c == '*' || c == '_' {
            // `_` only at a word boundary, so snake_case stays text.
            let boundary = text.is_empty() || text.ends_with(|ch: char| !ch.is_alphanumeric());
            (c == '*' || boundary)
                .then(|| closed(&rest[1..], &rest[..1]))
                .flatten()
                .filter(|(inner, _)| !inner.starts_with(' '))
                .map(|(inner, len)| (Inline::Emph(inner.to_owned()), len + 2))
        } else if c == '[' {
            link(rest)
        } else {
            None
        };
        match span {
            Some((inline, len)) => {
                flush(&mut text, &mut out);
                out.push(inline);
                rest = &rest[len..];
            }
            None => {
                text.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    flush(&mut text, &mut out);
    out
}

/// The text up to the closing `delim` on the same line, and its byte length.
fn closed<'a>(s: &'a str, delim: &str) -> Option<(&'a str, usize)> {
    let end = s.find(delim)?;
    (end > 0).then(|| (&s[..end], end))
}

fn link(s: &str) -> Option<(Inline, usize)> {
    let close = s.find("](")?;
    let text = &s[1..close];
    let after = &s[close + 2..];
    let end = after.find(')')?;
    let target = after[..end].trim();
    let inline = match vet(target) {
        Some(target) => Inline::Link { text: plain_text(text), target },
        None => Inline::Text(plain_text(text)),
    };
    Some((inline, close + 2 + end + 1))
}

/// Only links a visitor can safely follow survive.
pub fn vet(target: &str) -> Option<Link> {
    let lower = target.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:") {
        if target.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>') {
            return None;
        }
        return Some(Link::External(target.to_owned()));
    }
    crate::article::valid_id(target).then(|| Link::Article(target.to_owned()))
}

/// The text of some Markdown with its markup removed (for summaries).
pub fn plain_text(md: &str) -> String {
    inlines(md)
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Strong(t) | Inline::Emph(t) | Inline::Code(t) => t,
            Inline::Link { text, .. } => text,
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::Inline;
    use super::Inline::{Code, Emph, Strong, Text};
    use super::{inlines, parse, plain_text, vet, Block};

    #[test]
    fn blocks() {
        let md = "# Title\n\nSome **bold** and *em* text\nwrapped.\n\n- one\n- two [next](track-your-order)\n\n1. first\n2. second\n\n| A | B |\n|---|---|\n| 1 | `x` |\n\n> quoted\n\n```\n<b>code</b>\n```\n---\n";
        let b = parse(md);
        assert_eq!(b[0], Block::Heading(1, vec![Text("Title".into())]));
        assert_eq!(
            b[1],
            Block::Paragraph(vec![
                Text("Some ".into()),
                Strong("bold".into()),
                Text(" and ".into()),
                Emph("em".into()),
                Text(" text wrapped.".into())
            ])
        );
        assert_eq!(
            b[2],
            Block::List {
                ordered: false,
                items: vec![
                    vec![Text("one".into())],
                    vec![
                        Text("two ".into()),
                        Inline::Link { text: "next".into(), target: super::Link::Article("track-your-order".into()) }
                    ]
                ]
            }
        );
        assert!(matches!(&b[3], Block::List { ordered: true, items } if items.len() == 2));
        assert_eq!(
            b[4],
            Block::Table {
                head: vec![vec![Text("A".into())], vec![Text("B".into())]],
                rows: vec![vec![vec![Text("1".into())], vec![Code("x".into())]]]
            }
        );
        assert_eq!(b[5], Block::Quote(vec![Text("quoted".into())]));
        assert_eq!(b[6], Block::Code("<b>code</b>".into()));
        assert_eq!(b[7], Block::Rule);
        assert_eq!(b.len(), 8);
    }

    #[test]
    fn only_safe_links_keep_their_target() {
        assert_eq!(vet("https://example.com/a?b=c"), Some(super::Link::External("https://example.com/a?b=c".into())));
        assert_eq!(vet("mailto:help@example.com"), Some(super::Link::External("mailto:help@example.com".into())));
        assert_eq!(vet("grind-size-guide"), Some(super::Link::Article("grind-size-guide".into())));
        for bad in ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "/etc/passwd", "../x", "vbscript:x", "http://a b"] {
            assert_eq!(vet(bad), None, "{bad}");
        }
        assert_eq!(inlines("[click](javascript:alert(1))"), vec![Text("click".into()), Text(")".into())]);
    }

    #[test]
    fn html_is_text() {
        assert_eq!(parse("<script>alert(1)</script>"), vec![Block::Paragraph(vec![Text("<script>alert(1)</script>".into())])]);
        assert_eq!(plain_text("Use **5 g** of [beans](x-y) in snake_case_names"), "Use 5 g of beans in snake_case_names");
    }

    #[test]
    fn every_sample_article_renders_without_losing_text() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo-site/kb");
        for entry in std::fs::read_dir(dir).unwrap() {
            let src = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let a = crate::Article::parse(&src).unwrap();
            let blocks = parse(a.body_without_title());
            assert!(blocks.len() >= 2, "{}", a.id);
        }
    }
}
