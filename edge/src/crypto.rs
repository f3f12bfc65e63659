//! Randomness and hashing.
//!
//! Randomness comes from the runtime's CSPRNG (`crypto.getRandomValues`);
//! tokens are stored only as SHA-256 hashes. HMAC is RustCrypto's, in
//! `porchlight_protocol::identity` (identity tokens and webhook signatures).

use porchlight_protocol::identity::hex;
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
