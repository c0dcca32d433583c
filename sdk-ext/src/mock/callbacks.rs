//! The mock's callbacks: for each scripted task, a POST of the provider's
//! callback of its family to a URL (music: at every status change; the
//! other families: once, when the task ends), signed with a key as the
//! provider signs, with seeded faults: deliveries duplicated, delayed (so
//! reordered), dropped, forged (another key), stale (an old timestamp) and
//! lying (validly signed, claiming completion before it happened).
//!
//! Deliveries go to the receiver's URL with the query of the create's own
//! `callBackUrl`, as the provider posts to the whole URL the create named
//! (so a create's reference, [`crate::journal::reference`], reaches the
//! receiver).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::kinds::KindScript;
use super::script::{Script, status_record};
use crate::callback::WebhookKey;
use crate::kind::TaskKind;
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
    /// Plays `script`'s callbacks for the music task `task_id` from now;
    /// `request` is its create's body, when a create made it.
    pub(crate) fn play(
        &self,
        task_id: &str,
        script: &Script,
        created: SystemTime,
        request: Option<&Value>,
    ) {
        let mut steps: Vec<(Duration, Value)> = script
            .steps()
            .iter()
            .map(|(at, status)| (*at, body(task_id, status, created)))
            .collect();
        let mut rng = fastrand::Rng::with_seed(self.faults.seed ^ seed_of(task_id));
        if rng.f64() < self.faults.lying {
            steps.push((Duration::ZERO, body(task_id, &TaskStatus::Success, created)));
        }
        self.send(task_id, steps, rng, request);
    }

    /// Plays the callback of a task of another kind: one, when it ends (a
    /// lie: the same, at once).
    pub(crate) fn play_kind(
        &self,
        kind: TaskKind,
        task_id: &str,
        script: KindScript,
        request: Option<&Value>,
    ) {
        let mut steps = vec![(script.ends_after, kind_body(kind, task_id, script.fails))];
        let mut rng = fastrand::Rng::with_seed(self.faults.seed ^ seed_of(task_id));
        if rng.f64() < self.faults.lying {
            steps.push((Duration::ZERO, kind_body(kind, task_id, false)));
        }
        self.send(task_id, steps, rng, request);
    }

    /// Sends each step's body at its time, with the faults drawn from
    /// `rng`, in a task of the current tokio runtime; does nothing outside
    /// one, or when the URL is not loopback.
    fn send(
        &self,
        task_id: &str,
        steps: Vec<(Duration, Value)>,
        mut rng: fastrand::Rng,
        request: Option<&Value>,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Ok(mut url) = url::Url::parse(&self.url) else {
            return;
        };
        let own = request
            .and_then(|r| r.get("callBackUrl")?.as_str())
            .and_then(|u| url::Url::parse(u).ok());
        if let Some(query) = own.as_ref().and_then(|u| u.query()) {
            url.set_query(Some(query));
        }
        if !crate::host::is_loopback(&url) {
            return;
        }
        let faults = &self.faults;
        let mut sends = Vec::new();
        for (at, body) in steps {
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
        let key = self.key.clone();
        let task_id = task_id.to_owned();
        runtime.spawn(async move {
            let client = reqwest::Client::new();
            let start = tokio::time::Instant::now();
            sends.sort_by_key(|(at, _, _)| *at);
            for (at, body, signing) in sends {
                tokio::time::sleep_until(start + at).await;
                let mut request = client
                    .post(url.clone())
                    .header("content-type", "application/json");
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
    let data = status_record(task_id, status, created);
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

/// The provider's callback of a task of another kind when it ends, in the
/// shape of its family's callback page.
fn kind_body(kind: TaskKind, task_id: &str, failed: bool) -> Value {
    if failed {
        return json!({
            "code": 501,
            "msg": "Generation failed",
            "data": { "task_id": task_id, "callbackType": "error" },
        });
    }
    let files = "https://files.mock.invalid";
    let data = match kind {
        TaskKind::Lyrics => json!({
            "callbackType": "complete",
            "task_id": task_id,
            "data": [{ "text": "[Verse]\nMock lyrics", "title": "Mock lyrics 0", "status": "complete", "error_message": "" }],
        }),
        TaskKind::Wav => {
            json!({ "task_id": task_id, "audioWavUrl": format!("{files}/{task_id}.wav") })
        }
        TaskKind::VocalSeparation => json!({
            "task_id": task_id,
            "vocal_separation_info": {
                "vocal_url": format!("{files}/{task_id}_Vocals.mp3"),
                "instrumental_url": format!("{files}/{task_id}_Instrumental.mp3"),
            },
        }),
        TaskKind::Midi => json!({
            "task_id": task_id,
            "state": "complete",
            "instruments": [{ "name": "Acoustic Grand Piano", "notes": [
                { "pitch": 60, "start": 0.0, "end": 0.5, "velocity": 1 },
            ]}],
        }),
        TaskKind::Video => {
            json!({ "task_id": task_id, "video_url": format!("{files}/{task_id}.mp4") })
        }
        TaskKind::Cover => {
            json!({ "task_id": task_id, "images": [format!("{files}/{task_id}-0.png")] })
        }
        TaskKind::Music => json!({ "task_id": task_id, "callbackType": "complete", "data": [] }),
    };
    json!({ "code": 200, "msg": "success", "data": data })
}
