//! What both backends say of the files attached to documents: a SHA-256 is
//! checked before it names anything, a file over the limit is refused naming
//! it, and bytes are named by their SHA-256 in lowercase hex.

use sha2::{Digest, Sha256};

use crate::{Error, Result};
use tend_domain::{MAX_FILE_BYTES, is_sha256};

/// Refuses a text that is not a SHA-256 (it becomes part of a path or a URL).
pub fn check_hash(sha256: &str) -> Result<()> {
    if is_sha256(sha256) {
        return Ok(());
    }
    Err(Error::invalid(
        "sha256",
        format!("'{sha256}' is not a SHA-256 (64 lowercase hex digits)"),
    ))
}

/// The refusal of a file over [`MAX_FILE_BYTES`], naming it and the limit.
pub fn too_large(name: &str, size: u64) -> Error {
    Error::invalid(
        "file",
        format!(
            "{name} is {}: the file store takes files up to {} MiB",
            tend_domain::format::bytes(size),
            MAX_FILE_BYTES >> 20
        ),
    )
}

/// The SHA-256 of `bytes` in lowercase hex: the name the file store gives them.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}
