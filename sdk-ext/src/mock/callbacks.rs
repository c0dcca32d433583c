//! The mock's callbacks: for each scripted task, a POST of the provider's
//! music callback at every status change to a URL, signed with a key as
//! the provider signs, with seeded faults: deliveries duplicated, delayed
//! (so reordered), dropped, forged (another key), stale (an old timestamp)
//! and lying (validly signed, claiming completion before it happened).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::script::{Script, record};
use crate::callback::WebhookKey;
use crate::status::TaskStatus;

/// Where and how the mock calls back.
#[derive(Debug, Clone)]
pub struct CallbackDelivery {
    /// The receiver's URL (loopback only: the mock posts nowhere else).
    pub url: String,
    /// The key deliveries are signed with (`None`: unsigned).
    pub key: Option<WebhookKey>,
    /// What goes wrong, and how often.
    pub faults: CallbackFaults,
}

/// Seeded callback faults; each rate is a probability per delivery.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallbackFaults {
    /// Sent twice.
    pub duplicate: f64,
    /// Never sent.
    pub drop: f64,
    /// Sent up to this much late (late ones overtake the next stage).
    pub max_delay: Duration,
    /// Also sent signed with another key.
    pub forged: f64,
    /// Also sent with a timestamp an hour old, validly signed for it.
    pub stale: f64,
    /// A validly signed "complete" sent at the task's start, before
    /// anything is done.
    pub lying: f64,
    /// Seed of the draws.
    pub seed: u64,
}

impl CallbackDelivery {
    /// Plays `script`'s callbacks for `task_id` from now, in a task of the
    /// current tokio runtime; does nothing outside one.
    pub(crate) fn play(&self, task_id: &str, script: &Script, created: SystemTime) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(url) = url::Url::parse(&self.url) else {
            return;
        };
        let loopback = url.host_str().is_some_and(|h| {
            h == "localhost"
                || h.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        if !loopback {
            return;
        }
        let mut rng = fastrand::Rng::with_seed(self.faults.seed ^ seed_of(task_id));
        let faults = &self.faults;
        let mut sends = Vec::new();
        let mut steps: Vec<(Duration, TaskStatus)> = script.steps().to_vec();
        if rng.f64() < faults.lying {
            steps.push((Duration::ZERO, TaskStatus::Success));
        }
        for (at, status) in steps {
            let body = body(task_id, &status, created);
            let delay = faults.max_delay.mul_f64(rng.f64());
            if rng.f64() < faults.drop {
                continue;
            }
            let copies = if rng.f64() < faults.duplicate { 2 } else { 1 };
            for _ in 0..copies {
                sends.push((at + delay, body.clone(), Signing::Valid));
            }
            if rng.f64() < faults.forged {
                sends.push((at + delay, body.clone(), Signing::Forged));
            }
            if rng.f64() < faults.stale {
                sends.push((at + delay, body.clone(), Signing::Stale));
            }
        }
        let (key, url) = (self.key.clone(), self.url.clone());
        let task_id = task_id.to_owned();
        runtime.spawn(async move {
            let client = reqwest::Client::new();
            let start = tokio::time::Instant::now();
            sends.sort_by_key(|(at, _, _)| *at);
            for (at, body, signing) in sends {
                tokio::time::sleep_until(start + at).await;
                let mut request = client.post(&url).header("content-type", "application/json");
                if let Some(key) = &key {
                    let now = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    let (timestamp, signer) = match signing {
                        Signing::Valid => (now, key.clone()),
                        Signing::Stale => (now.saturating_sub(3600), key.clone()),
                        Signing::Forged => (
                            now,
                            WebhookKey::new("forged-by-someone-else")
                                .unwrap_or_else(|| key.clone()),
                        ),
                    };
                    let timestamp = timestamp.to_string();
                    request = request
                        .header("x-webhook-timestamp", &timestamp)
                        .header("x-webhook-signature", signer.sign(&task_id, &timestamp));
                }
                let _ = request.body(body.to_string()).send().await;
            }
        });
    }
}

#[derive(Debug, Clone, Copy)]
enum Signing {
    Valid,
    Forged,
    Stale,
}

fn seed_of(task_id: &str) -> u64 {
    task_id.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The provider's music callback for `status` (snake_case tracks).
fn body(task_id: &str, status: &TaskStatus, created: SystemTime) -> Value {
    let stage = match status {
        TaskStatus::TextSuccess => "text",
        TaskStatus::FirstSuccess => "first",
        s if s.is_failure() => "error",
        _ => "complete",
    };
    let data = record(task_id, status, created);
    let tracks: Vec<Value> = data["response"]["sunoData"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            json!({
                "id": t["id"],
                "audio_url": t["audioUrl"],
                "stream_audio_url": t["streamAudioUrl"],
                "image_url": t["imageUrl"],
                "title": t["title"],
                "tags": t["tags"],
                "model_name": t["modelName"],
                "duration": t["duration"],
            })
        })
        .collect();
    let failed = status.is_failure();
    json!({
        "code": if failed { 501 } else { 200 },
        "msg": if failed { "Audio generation failed" } else { "success" },
        "data": {
            "callbackType": stage,
            "task_id": task_id,
            "data": if failed { Value::Null } else { Value::Array(tracks) },
        },
    })
}
