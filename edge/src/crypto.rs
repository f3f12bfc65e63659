//! Randomness and hashing.
//!
//! Randomness comes from the runtime's CSPRNG (`crypto.getRandomValues`);
//! tokens are stored only as SHA-256 hashes.

use sha2::{Digest, Sha256};
use wasm_bindgen::JsCast;
use worker::{Error, Result};

/// `n` random bytes as lowercase hex (2n characters).
pub fn random_hex(n: usize) -> Result<String> {
    let crypto: web_sys::Crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into())
        .map_err(Error::from)?
        .dyn_into()
        .map_err(|_| Error::RustError("globalThis.crypto is not a Crypto".into()))?;
    let mut buf = vec![0u8; n];
    crypto.get_random_values_with_u8_array(&mut buf).map_err(Error::from)?;
    Ok(hex(&buf))
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// HMAC-SHA256 (RFC 2104) of `message` under `key`, as lowercase hex:
/// the webhook signature.
pub fn hmac_sha256_hex(key: &str, message: &str) -> String {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key.as_bytes()));
    } else {
        k[..key.len()].copy_from_slice(key.as_bytes());
    }
    let pad = |byte: u8| k.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new().chain_update(pad(0x36)).chain_update(message.as_bytes()).finalize();
    hex(&Sha256::new().chain_update(pad(0x5c)).chain_update(inner).finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}
