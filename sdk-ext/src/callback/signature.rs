//! The provider's callback signature: `X-Webhook-Signature` is
//! `base64(HMAC-SHA256(task_id + "." + timestamp, webhook key))`, with the
//! Unix-seconds `X-Webhook-Timestamp` beside it. It covers the task id and
//! the time, not the body.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The account's webhook HMAC key. Never shown: `Debug` and `Display`
/// print `<redacted>`.
#[derive(Clone)]
pub struct WebhookKey(Vec<u8>);

impl WebhookKey {
    /// The key as the provider's settings page shows it (used as bytes).
    /// `None` for an empty or blank key.
    pub fn new(key: &str) -> Option<Self> {
        let key = key.trim();
        (!key.is_empty()).then(|| WebhookKey(key.as_bytes().to_vec()))
    }

    /// The key from `KIE_WEBHOOK_HMAC_KEY`, if set and not blank.
    pub fn from_env() -> Option<Self> {
        std::env::var("KIE_WEBHOOK_HMAC_KEY")
            .ok()
            .and_then(|k| WebhookKey::new(&k))
    }

    fn mac(&self, task_id: &str, timestamp: &str) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(task_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.as_bytes());
        mac
    }

    /// The signature the provider sends for `task_id` at `timestamp`
    /// (what a mock or a test sends).
    pub fn sign(&self, task_id: &str, timestamp: &str) -> String {
        STANDARD.encode(self.mac(task_id, timestamp).finalize().into_bytes())
    }

    /// Whether `signature` is the provider's for `task_id` at `timestamp`,
    /// compared in constant time.
    pub fn verify(&self, task_id: &str, timestamp: &str, signature: &str) -> bool {
        let Ok(tag) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        self.mac(task_id, timestamp).verify_slice(&tag).is_ok()
    }
}

impl fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookKey(<redacted>)")
    }
}

impl fmt::Display for WebhookKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_for_its_task_time_and_key() {
        let key = WebhookKey::new("secret").expect("key");
        let signature = key.sign("t1", "1700000000");
        assert!(key.verify("t1", "1700000000", &signature));
        assert!(!key.verify("t2", "1700000000", &signature));
        assert!(!key.verify("t1", "1700000001", &signature));
        let other = WebhookKey::new("other").expect("key");
        assert!(!other.verify("t1", "1700000000", &signature));
        assert!(!key.verify("t1", "1700000000", "not base64!"));
        assert!(!key.verify("t1", "1700000000", ""));
    }

    #[test]
    fn the_signature_is_the_documented_hmac() {
        // base64(HMAC-SHA256("t1.1700000000", "secret")), computed with
        // `printf 't1.1700000000' | openssl dgst -sha256 -hmac secret -binary | base64`.
        let key = WebhookKey::new("secret").expect("key");
        assert_eq!(
            key.sign("t1", "1700000000"),
            "c/ttoTFH+mM/kCJ2sdGtg/eq3IKiIHqrXJ6h19vH51s="
        );
    }

    #[test]
    fn the_key_is_never_shown() {
        let key = WebhookKey::new("hunter2-webhook").expect("key");
        assert!(!format!("{key:?} {key}").contains("hunter2"));
        assert!(WebhookKey::new("  ").is_none());
    }
}
