//! Attachments: what a file really is (sniffed from its bytes, never its
//! name), whether it is whole, and the limits on size.
//!
//! "Images re-checked to decode" is a structural check, not a full decode
//! (a decoder in the Worker would cost far more than the rest of it): each
//! image's header must parse to sane dimensions and the file must end where
//! its format says it ends (PNG's `IEND`, JPEG's EOI after a frame header,
//! GIF's trailer, WebP's RIFF length), so a truncated or spliced upload,
//! or HTML named `.png`, is refused. PDFs need `%PDF-` and a final `%%EOF`.

use serde::{Deserialize, Serialize};

/// Largest file accepted, in bytes (10 MiB).
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Most bytes of attachments one session may hold (50 MiB).
pub const MAX_SESSION_BYTES: u64 = 50 * 1024 * 1024;
/// Largest width or height an image may claim.
pub const MAX_DIMENSION: u32 = 16_384;
/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 120;

/// The formats accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Pdf,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
        }
    }

    pub fn is_image(self) -> bool {
        self != Kind::Pdf
    }

    /// The extension a downloaded file gets.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Png => "png",
            Kind::Jpeg => "jpg",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
        }
    }
}

/// What a message says about its file (never the bytes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// Opaque id; the file is `GET …/attachments/{id}`.
    pub id: String,
    /// The file name as cleaned ([`clean_name`]), with the sniffed extension.
    pub name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// Why a file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refused {
    Empty,
    TooLarge,
    /// Not one of the accepted formats, whatever its name says.
    WrongType,
    /// It starts like an accepted format but is cut short or inconsistent.
    Damaged(&'static str),
}

impl Refused {
    /// The HTTP status and error code an upload refused for this is answered with.
    pub fn status(&self) -> (u16, crate::ErrorCode) {
        match self {
            Refused::TooLarge => (413, crate::ErrorCode::FileTooLarge),
            _ => (415, crate::ErrorCode::UnsupportedFile),
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refused::Empty => "The file is empty.".into(),
            Refused::TooLarge => format!("Files can be at most {} MB.", MAX_BYTES / (1024 * 1024)),
            Refused::WrongType => "Only images (PNG, JPEG, GIF, WebP) and PDF files can be attached.".into(),
            Refused::Damaged(why) => format!("The file is damaged or incomplete ({why})."),
        }
    }
}

/// A file that passed: its format and, for images, its size in pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    pub kind: Kind,
    pub dimensions: Option<(u32, u32)>,
}

/// The format the bytes begin with, if any accepted one.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Kind::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else {
        None
    }
}

/// Sniffs and checks a whole file.
pub fn check(bytes: &[u8]) -> Result<Checked, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(Refused::TooLarge);
    }
    let kind = sniff(bytes).ok_or(Refused::WrongType)?;
    let dimensions = match kind {
        Kind::Png => Some(png(bytes)?),
        Kind::Jpeg => Some(jpeg(bytes)?),
        Kind::Gif => Some(gif(bytes)?),
        Kind::Webp => Some(webp(bytes)?),
        Kind::Pdf => {
            pdf(bytes)?;
            None
        }
    };
    if let Some((w, h)) = dimensions {
        if w == 0 || h == 0 || w > MAX_DIMENSION || h > MAX_DIMENSION {
            return Err(Refused::Damaged("impossible dimensions"));
        }
    }
    Ok(Checked { kind, dimensions })
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn le16(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 2).map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])))
}

fn le24(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 3).map(|s| u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16)
}

/// IHDR first, then chunks whose lengths add up exactly to an IEND at the end.
fn png(b: &[u8]) -> Result<(u32, u32), Refused> {
    let cut = Refused::Damaged("PNG chunks");
    if be32(b, 8) != Some(13) || b.get(12..16) != Some(b"IHDR") {
        return Err(Refused::Damaged("PNG header"));
    }
    let (w, h) = (be32(b, 16).ok_or(cut.clone())?, be32(b, 20).ok_or(cut.clone())?);
    let mut at = 8usize;
    let mut saw_data = false;
    loop {
        let len = be32(b, at).ok_or(cut.clone())? as usize;
        let kind = b.get(at + 4..at + 8).ok_or(cut.clone())?;
        let end = at.checked_add(12).and_then(|x| x.checked_add(len)).ok_or(cut.clone())?;
        if end > b.len() {
            return Err(cut);
        }
        saw_data |= kind == b"IDAT";
        if kind == b"IEND" {
            return if end == b.len() && saw_data { Ok((w, h)) } else { Err(cut) };
        }
        at = end;
    }
}

/// Segments up to a frame header (SOFn) for the size; the file must end with EOI.
fn jpeg(b: &[u8]) -> Result<(u32, u32), Refused> {
    if !b.ends_with(&[0xFF, 0xD9]) {
        return Err(Refused::Damaged("JPEG end"));
    }
    let cut = Refused::Damaged("JPEG segments");
    let mut at = 2usize;
    loop {
        if b.get(at) != Some(&0xFF) {
            return Err(cut);
        }
        let marker = *b.get(at + 1).ok_or(cut.clone())?;
        match marker {
            0xFF => at += 1, // fill byte
            0xD8 | 0x01 | 0xD0..=0xD7 => at += 2,
            0xD9 | 0xDA => return Err(Refused::Damaged("JPEG without a frame header")),
            _ => {
                let len = b.get(at + 2..at + 4).map(|s| usize::from(u16::from_be_bytes([s[0], s[1]]))).ok_or(cut.clone())?;
                if len < 2 || at + 2 + len > b.len() {
                    return Err(cut);
                }
                // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
                if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                    if len < 7 {
                        return Err(cut);
                    }
                    let h = u32::from(u16::from_be_bytes([b[at + 5], b[at + 6]]));
                    let w = u32::from(u16::from_be_bytes([b[at + 7], b[at + 8]]));
                    return Ok((w, h));
                }
                at += 2 + len;
            }
        }
    }
}

/// The logical screen's size; the last byte is the trailer (`;`).
fn gif(b: &[u8]) -> Result<(u32, u32), Refused> {
    if b.len() < 14 || b.last() != Some(&0x3B) {
        return Err(Refused::Damaged("GIF end"));
    }
    Ok((le16(b, 6).unwrap_or(0), le16(b, 8).unwrap_or(0)))
}

/// The RIFF length must be the file's; the first chunk gives the size.
fn webp(b: &[u8]) -> Result<(u32, u32), Refused> {
    let riff = b.get(4..8).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize);
    if riff.and_then(|n| n.checked_add(8)) != Some(b.len()) || b.len() < 30 {
        return Err(Refused::Damaged("WebP length"));
    }
    match &b[12..16] {
        b"VP8 " if b.get(23..26) == Some(&[0x9D, 0x01, 0x2A]) => Ok((le16(b, 26).unwrap_or(0) & 0x3FFF, le16(b, 28).unwrap_or(0) & 0x3FFF)),
        b"VP8L" if b.get(20) == Some(&0x2F) => {
            let bits = b.get(21..25).map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]])).unwrap_or(0);
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Ok((le24(b, 24).unwrap_or(0) + 1, le24(b, 27).unwrap_or(0) + 1)),
        _ => Err(Refused::Damaged("WebP header")),
    }
}

/// `%%EOF` in the last kilobyte (after it, only whitespace is usual).
fn pdf(b: &[u8]) -> Result<(), Refused> {
    let tail = &b[b.len().saturating_sub(1024)..];
    if tail.windows(5).any(|w| w == b"%%EOF") {
        Ok(())
    } else {
        Err(Refused::Damaged("PDF end"))
    }
}

/// A file name safe to show and to offer as a download: no path, no
/// control or reordering characters, at most [`MAX_NAME_CHARS`], and the
/// sniffed format's extension (so `invoice.pdf.exe` cannot be what it says).
pub fn clean_name(name: &str, kind: Kind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '"'))
        .collect();
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim().to_owned(),
        _ => cleaned.trim().to_owned(),
    };
    let stem = if stem.is_empty() { "attachment".to_owned() } else { stem };
    let ext = kind.extension();
    let room = MAX_NAME_CHARS - ext.len() - 1;
    format!("{}.{ext}", stem.chars().take(room).collect::<String>())
}

/// Whether `id` can name a stored file (`att_` and hex, as the edge makes
/// them): anything else is not looked up at all.
pub fn valid_id(id: &str) -> bool {
    id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The name as a `Content-Disposition` `filename` can carry it: ASCII letters,
/// digits and `._- `, anything else `_` (the message shows the real name).
pub fn header_name(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "._- ".contains(c) { c } else { '_' }).collect()
}

/// Whether a session holding `held` bytes may take `size` more.
pub fn fits_session(held: u64, size: u64) -> bool {
    held.saturating_add(size) <= MAX_SESSION_BYTES
}

/// A file's size as a person reads it: "12 KB" (rounded up), or "1.5 MB"
/// from a megabyte on (one decimal, rounded half up). Integers only: float
/// formatting would add its tables to the widget's WASM.
pub fn size_label(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10 + MB / 2) / MB;
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Test and fixture files, built byte by byte (no image crate needed).
pub mod samples {
    /// A valid `w`×`h` PNG (one IDAT with placeholder data: structure, not pixels).
    pub fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            out.extend_from_slice(kind);
            out.extend_from_slice(data);
            out.extend_from_slice(&crc32(&[kind, data].concat()).to_be_bytes());
        };
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        chunk(&mut out, b"IEND", &[]);
        out
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A small valid PDF.
    pub fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_kilobytes_then_megabytes_with_one_decimal() {
        assert_eq!(size_label(1), "1 KB");
        assert_eq!(size_label(1024), "1 KB");
        assert_eq!(size_label(1025), "2 KB");
        assert_eq!(size_label(1024 * 1024 - 1), "1024 KB");
        assert_eq!(size_label(1024 * 1024), "1.0 MB");
        assert_eq!(size_label(1_572_864), "1.5 MB");
        assert_eq!(size_label(10 * 1024 * 1024 - 1), "10.0 MB");
        // Matches what `{:.1}` printed before for ordinary sizes.
        for b in [1_100_000u64, 2_345_678, 4_999_999, 7_654_321] {
            assert_eq!(size_label(b), format!("{:.1} MB", b as f64 / 1048576.0), "{b}");
        }
    }

    fn jpeg(w: u16, h: u16) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        b.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        b.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
        b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xD9]);
        b
    }

    fn gif(w: u16, h: u16) -> Vec<u8> {
        let mut b = b"GIF89a".to_vec();
        b.extend_from_slice(&w.to_le_bytes());
        b.extend_from_slice(&h.to_le_bytes());
        b.extend_from_slice(&[0, 0, 0, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B]);
        b
    }

    fn webp_vp8x(w: u32, h: u32) -> Vec<u8> {
        let mut body = b"WEBPVP8X".to_vec();
        body.extend_from_slice(&10u32.to_le_bytes());
        body.extend_from_slice(&[0, 0, 0, 0]);
        body.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        body.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        let mut b = b"RIFF".to_vec();
        b.extend_from_slice(&(body.len() as u32).to_le_bytes());
        b.extend_from_slice(&body);
        b
    }

    #[test]
    fn each_format_is_known_by_its_bytes_with_its_size() {
        assert_eq!(check(&samples::png(64, 32)), Ok(Checked { kind: Kind::Png, dimensions: Some((64, 32)) }));
        assert_eq!(check(&jpeg(640, 480)), Ok(Checked { kind: Kind::Jpeg, dimensions: Some((640, 480)) }));
        assert_eq!(check(&gif(3, 5)), Ok(Checked { kind: Kind::Gif, dimensions: Some((3, 5)) }));
        assert_eq!(check(&webp_vp8x(300, 200)), Ok(Checked { kind: Kind::Webp, dimensions: Some((300, 200)) }));
        assert_eq!(check(&samples::pdf()), Ok(Checked { kind: Kind::Pdf, dimensions: None }));
        assert_eq!(Kind::Pdf.content_type(), "application/pdf");
        assert!(!Kind::Pdf.is_image() && Kind::Webp.is_image());
    }

    #[test]
    fn html_named_png_and_other_types_are_refused() {
        assert_eq!(check(b"<!doctype html><script>alert(1)</script>"), Err(Refused::WrongType));
        assert_eq!(check(b"PK\x03\x04zip"), Err(Refused::WrongType));
        assert_eq!(check(b""), Err(Refused::Empty));
        assert_eq!(check(&vec![0u8; MAX_BYTES + 1]), Err(Refused::TooLarge));
    }

    #[test]
    fn truncated_or_inconsistent_images_are_refused() {
        let png = samples::png(10, 10);
        for cut in [9, 20, 33, png.len() - 1] {
            assert!(matches!(check(&png[..cut]), Err(Refused::Damaged(_))), "png cut at {cut}");
        }
        let mut trailing = png.clone();
        trailing.extend_from_slice(b"<html>");
        assert!(matches!(check(&trailing), Err(Refused::Damaged(_))), "bytes after IEND");
        assert!(matches!(check(&samples::png(0, 10)), Err(Refused::Damaged(_))));
        assert!(matches!(check(&samples::png(100_000, 10)), Err(Refused::Damaged(_))));
        let j = jpeg(8, 8);
        assert!(matches!(check(&j[..j.len() - 2]), Err(Refused::Damaged(_))));
        assert!(matches!(check(&[0xFF, 0xD8, 0xFF, 0xD9]), Err(Refused::Damaged(_))));
        let g = gif(2, 2);
        assert!(matches!(check(&g[..g.len() - 1]), Err(Refused::Damaged(_))));
        let w = webp_vp8x(4, 4);
        assert!(matches!(check(&w[..w.len() - 1]), Err(Refused::Damaged(_))));
        assert!(matches!(check(b"%PDF-1.4 no end"), Err(Refused::Damaged(_))));
    }

    #[test]
    fn names_lose_paths_and_tricks_and_get_the_real_extension() {
        assert_eq!(clean_name("C:\\Users\\jo\\receipt.PNG", Kind::Png), "receipt.png");
        assert_eq!(clean_name("../../etc/passwd", Kind::Pdf), "passwd.pdf");
        assert_eq!(clean_name("invoice.pdf.exe", Kind::Pdf), "invoice.pdf.pdf");
        assert_eq!(clean_name("pic\u{202E}gnp.exe", Kind::Png), "picgnp.png");
        assert_eq!(clean_name("", Kind::Jpeg), "attachment.jpg");
        assert_eq!(clean_name(".hidden", Kind::Gif), ".hidden.gif");
        assert!(clean_name(&"a".repeat(500), Kind::Webp).chars().count() <= MAX_NAME_CHARS);
        assert!(fits_session(MAX_SESSION_BYTES - 10, 10) && !fits_session(MAX_SESSION_BYTES - 10, 11));
        assert_eq!(header_name("reçu \"1\".pdf"), "re_u _1_.pdf");
    }

    #[test]
    fn ids_and_refusals_map_to_what_the_edge_answers() {
        assert!(valid_id("att_0123abcd") && !valid_id("../x") && !valid_id(&"a".repeat(65)));
        assert_eq!(Refused::TooLarge.status(), (413, crate::ErrorCode::FileTooLarge));
        assert_eq!(Refused::WrongType.status(), (415, crate::ErrorCode::UnsupportedFile));
    }
}
