//! Fingerprints of requests: a keyed MAC of a create's body, so that a
//! journal tells two requests apart without holding either, and a fresh
//! id per create.

use serde::Serialize;

/// The key of a journal's request fingerprints: 32 random bytes made
/// when the journal is created and kept in it, so that fingerprints of
/// one journal compare across processes, while a leaked journal does not
/// confirm a guessed prompt without its key. Never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    /// A new random key.
    pub fn random() -> Self {
        let mut key = [0; 32];
        key.iter_mut().for_each(|b| *b = fastrand::u8(..));
        FingerprintKey(key)
    }

    /// A key as a journal stores it (`None` unless 32 bytes).
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(FingerprintKey)
    }

    /// The bytes to store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The fingerprint of a request body: HMAC-SHA256 of its JSON under
    /// this key, its first 8 bytes in hex. Enough to tell two requests
    /// apart in a journal; it holds no part of the request.
    pub fn fingerprint(&self, body: &[u8]) -> String {
        use hmac::{KeyInit, Mac};
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(body);
        let tag = mac.finalize().into_bytes();
        crate::hex::hex(&tag[..8])
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(<redacted>)")
    }
}

/// The key of journals that keep none of their own: random, once per
/// process.
pub(crate) fn process_key() -> &'static FingerprintKey {
    static KEY: std::sync::OnceLock<FingerprintKey> = std::sync::OnceLock::new();
    KEY.get_or_init(FingerprintKey::random)
}

/// The JSON of a request body, as fingerprints are taken of it.
pub(crate) fn request_json(body: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

/// A fresh id for a create: 128 random bits in hex.
pub(crate) fn new_intent() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_keyed_tell_requests_apart_and_repeat() {
        let key = FingerprintKey::from_bytes(&[7; 32]).expect("32 bytes");
        let a = br#"{"prompt":"calm piano"}"#;
        let b = br#"{"prompt":"calm piano!"}"#;
        assert_eq!(key.fingerprint(a), key.fingerprint(a));
        assert_ne!(key.fingerprint(a), key.fingerprint(b));
        assert_ne!(
            key.fingerprint(a),
            FingerprintKey::random().fingerprint(a),
            "keyed"
        );
        // HMAC-SHA256 under 32 bytes of 7, computed with
        // `printf '{"prompt":"calm piano"}' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0707...07`
        // (32 bytes of 07), its first 8 bytes.
        assert_eq!(key.fingerprint(a), "29e15a586d54d64a");
        assert!(!format!("{key:?}").contains('7'));
    }
}
