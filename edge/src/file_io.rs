//! What a session's files and team chat's files share in the edge: reading
//! the bearer token, checking an upload into its metadata, storing it in
//! R2, serving it back with headers that never let the browser sniff or run
//! it, and erasing objects. Who may do what stays with each object.

use crate::crypto;
use porchlight_protocol::attachment::{self, Attachment};
use porchlight_protocol::{ErrorBody, ErrorCode};
use worker::{Bucket, Headers, HttpMetadata, Object, Request, Response, Result};

/// The R2 binding (edge/wrangler.toml).
pub const BUCKET: &str = "ATTACHMENTS";

/// A typed JSON refusal (`{"error":{"code":…,"message":…}}`).
pub fn refuse(status: u16, code: ErrorCode, message: impl Into<String>) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(code, message))?.with_status(status))
}

/// The token of `Authorization: Bearer <token>`, if any.
pub fn bearer(req: &Request) -> Result<Option<String>> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    Ok(header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned))
}

/// Checks the bytes and names them: the metadata a message carries, with
/// a fresh id, or the refusal to answer with.
pub fn check(bytes: &[u8], raw_name: &str) -> Result<std::result::Result<Attachment, Response>> {
    let checked = match attachment::check(bytes) {
        Ok(c) => c,
        Err(e) => {
            let (status, code) = e.status();
            return Ok(Err(refuse(status, code, e.message())?));
        }
    };
    Ok(Ok(Attachment {
        id: format!("att_{}", crypto::random_hex(16)?),
        name: attachment::clean_name(raw_name, checked.kind),
        content_type: checked.kind.content_type().into(),
        size: bytes.len() as u64,
        width: checked.dimensions.map(|d| d.0),
        height: checked.dimensions.map(|d| d.1),
    }))
}

/// Stores the bytes under `key` with the file's type and name.
pub async fn put(bucket: &Bucket, key: String, meta: &Attachment, bytes: Vec<u8>) -> Result<()> {
    let http = HttpMetadata { content_type: Some(meta.content_type.clone()), ..HttpMetadata::default() };
    bucket.put(key, bytes).http_metadata(http).custom_metadata([("name".to_owned(), meta.name.clone())]).execute().await?;
    Ok(())
}

/// The object as a download: images inline, anything else as an
/// attachment, the type from the bytes again (never the stored label
/// alone), never sniffed, cached nowhere, sandboxed if opened.
pub async fn serve(object: Option<Object>) -> Result<Response> {
    let Some(object) = object else { return refuse(404, ErrorCode::NotFound, "Attachment not found.") };
    let name = object.custom_metadata()?.get("name").cloned().unwrap_or_else(|| "attachment".into());
    let bytes = match object.body() {
        Some(body) => body.bytes().await?,
        None => Vec::new(),
    };
    let kind = attachment::sniff(&bytes);
    let headers = Headers::new();
    headers.set("content-type", kind.map_or("application/octet-stream", |k| k.content_type()))?;
    headers.set("x-content-type-options", "nosniff")?;
    headers.set("cache-control", "private, no-store")?;
    headers.set("content-security-policy", "default-src 'none'; sandbox")?;
    let disposition = if kind.is_some_and(|k| k.is_image()) { "inline" } else { "attachment" };
    headers.set("content-disposition", &format!("{disposition}; filename=\"{}\"", attachment::header_name(&name)))?;
    Ok(Response::from_bytes(bytes)?.with_headers(headers))
}

/// Every object under `prefix` (a session erased, a channel deleted).
pub async fn delete_prefix(bucket: &Bucket, prefix: &str) -> Result<()> {
    loop {
        let listed = bucket.list().prefix(prefix.to_owned()).limit(1000).execute().await?;
        let keys: Vec<String> = listed.objects().iter().map(|o| o.key()).collect();
        if keys.is_empty() {
            return Ok(());
        }
        bucket.delete_multiple(keys).await?;
        if !listed.truncated() {
            return Ok(());
        }
    }
}
