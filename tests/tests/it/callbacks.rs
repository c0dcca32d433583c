//! Callbacks: every JSON example of the provider's callback pages decodes
//! as its family, read from the vendored pages themselves; and the checks
//! that keep a forged, stale, replayed or oversized delivery out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kie_suno::callback::{Callback, CallbackStage, Payload, Rejection, Verifier, WebhookKey};
use kie_suno::reqwest::header::HeaderMap;
use kie_suno::{ApiCode, TaskKind};
use kie_suno_tests::workspace_root;

/// The family whose callbacks a page documents, from its file name.
fn family_of(page: &str) -> Option<TaskKind> {
    let name = page.rsplit('/').next()?.strip_suffix("-callbacks.md")?;
    Some(match name {
        "generate-lyrics" => TaskKind::Lyrics,
        "convert-to-wav" => TaskKind::Wav,
        "separate-vocals" => TaskKind::VocalSeparation,
        "generate-midi" => TaskKind::Midi,
        "create-music-video" => TaskKind::Video,
        "cover-suno" => TaskKind::Cover,
        _ => TaskKind::Music,
    })
}

#[test]
fn every_example_of_the_callback_pages_decodes_as_its_family() {
    let examples = xtask::prose_examples(&[workspace_root().join("spec/upstream")]).expect("pages");
    let mut decoded = 0;
    for (path, example) in &examples {
        let page = path.to_string_lossy();
        let Some(family) = family_of(&page) else {
            continue;
        };
        let value = example.value.as_ref().expect("JSON");
        let body = value.to_string();
        let callback = Callback::decode(family, body.as_bytes())
            .unwrap_or_else(|e| panic!("{page}:{}: {e}", example.line));
        assert!(!callback.task_id.is_empty(), "{page}:{}", example.line);
        let succeeded = value["code"] == 200;
        assert_eq!(!callback.is_failure(), succeeded, "{page}:{}", example.line);
        // A successful final callback carries its family's results.
        let done = succeeded
            && callback
                .stage
                .as_ref()
                .is_none_or(|s| *s == CallbackStage::Complete);
        if done {
            let has_results = match &callback.payload {
                Payload::Music(tracks) => {
                    tracks.iter().all(|t| t.audio_url.is_some()) && !tracks.is_empty()
                }
                Payload::Lyrics(texts) => texts.iter().any(|t| t.text.is_some()),
                Payload::Wav { url } | Payload::Video { url } => url.is_some(),
                Payload::Stems(stems) => {
                    stems.contains_key("vocal") || stems.contains_key("instrumental")
                }
                Payload::Midi(instruments) => instruments.iter().any(|i| !i.notes.is_empty()),
                Payload::Cover(images) => !images.is_empty(),
                other => panic!("unexpected payload {other:?}"),
            };
            assert!(
                has_results,
                "{page}:{}: {:?}",
                example.line, callback.payload
            );
        }
        decoded += 1;
    }
    // 13 callback pages, 1 to 4 examples each.
    assert!(decoded >= 30, "{decoded} examples decoded");
}

#[test]
fn midi_note_times_decode_whether_numbers_or_strings() {
    let body = br#"{"code":200,"msg":"ok","data":{"taskId":"m","instruments":[{"name":"Drums","notes":[{"pitch":73,"start":"0.25","end":0.5,"velocity":1}]}]}}"#;
    let callback = Callback::decode(TaskKind::Midi, body).expect("decodes");
    let Payload::Midi(instruments) = callback.payload else {
        panic!("midi");
    };
    let note = instruments[0].notes[0];
    assert_eq!(
        (note.start, note.end, note.pitch),
        (Some(0.25), Some(0.5), Some(73.0))
    );
}

#[test]
fn a_body_that_is_not_a_callback_is_refused_with_why() {
    for (body, why) in [
        (&b"<html>"[..], "not a JSON object"),
        (b"[1,2]", "not a JSON object"),
        (
            br#"{"code":200,"data":{"callbackType":"text"}}"#,
            "names no task",
        ),
        (br#"{"code":200,"data":null}"#, "names no task"),
    ] {
        let e = Callback::decode(TaskKind::Music, body).expect_err("refused");
        assert!(e.to_string().contains(why), "{e}");
    }
}

const KEY: &str = "whk-7f3e0d2c-secret";
const BODY: &[u8] =
    br#"{"code":200,"msg":"ok","data":{"callbackType":"complete","task_id":"t1","data":[]}}"#;

fn signed(key: &WebhookKey, task_id: &str, at: SystemTime) -> HeaderMap {
    let ts = at
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
        .to_string();
    let mut headers = HeaderMap::new();
    headers.insert("x-webhook-timestamp", ts.parse().expect("header"));
    headers.insert(
        "x-webhook-signature",
        key.sign(task_id, &ts).parse().expect("header"),
    );
    headers
}

fn key() -> WebhookKey {
    WebhookKey::new(KEY).expect("key")
}

#[test]
fn signature_from_another_key_or_for_another_task_is_refused() {
    let now = SystemTime::now();
    let verifier = Verifier::new(key());
    let forged = signed(&WebhookKey::new("guess").expect("key"), "t1", now);
    assert_eq!(
        verifier.check(TaskKind::Music, &forged, BODY, now),
        Err(Rejection::BadSignature)
    );
    // A valid signature for t2 does not vouch for a body about t1.
    let other_task = signed(&key(), "t2", now);
    assert_eq!(
        verifier.check(TaskKind::Music, &other_task, BODY, now),
        Err(Rejection::BadSignature)
    );
    let good = signed(&key(), "t1", now);
    let delivery = verifier
        .check(TaskKind::Music, &good, BODY, now)
        .expect("valid");
    assert_eq!(delivery.callback.code, ApiCode::Success);
    assert_eq!(Rejection::BadSignature.http_status(), 401);
}

#[test]
fn window_refuses_stale_and_future_timestamps() {
    let now = SystemTime::now();
    let verifier = Verifier::new(key());
    for offset in [Duration::from_secs(301), Duration::from_secs(3600)] {
        let stale = signed(&key(), "t1", now - offset);
        assert!(
            matches!(
                verifier.check(TaskKind::Music, &stale, BODY, now),
                Err(Rejection::OutsideWindow {
                    window_secs: 300,
                    ..
                })
            ),
            "{offset:?} old"
        );
        let future = signed(&key(), "t1", now + offset);
        assert!(matches!(
            verifier.check(TaskKind::Music, &future, BODY, now),
            Err(Rejection::OutsideWindow { .. })
        ));
    }
    let inside = signed(&key(), "t1", now - Duration::from_secs(299));
    assert!(verifier.check(TaskKind::Music, &inside, BODY, now).is_ok());
    let narrow = Verifier::new(key()).window(Duration::from_secs(10));
    let eleven = signed(&key(), "t1", now - Duration::from_secs(11));
    assert!(narrow.check(TaskKind::Music, &eleven, BODY, now).is_err());
}

#[test]
fn replay_of_an_accepted_delivery_is_recognised_as_a_repeat() {
    let now = SystemTime::now();
    let verifier = Verifier::new(key());
    let headers = signed(&key(), "t1", now);
    let first = verifier
        .check(TaskKind::Music, &headers, BODY, now)
        .expect("valid");
    assert!(!first.repeat);
    let again = verifier
        .check(
            TaskKind::Music,
            &headers,
            BODY,
            now + Duration::from_secs(5),
        )
        .expect("still valid");
    assert!(again.repeat, "the same delivery twice is one event");
    // The provider retrying the same callback signs it anew: still one event.
    let later = now + Duration::from_secs(20);
    let retried = verifier
        .check(TaskKind::Music, &signed(&key(), "t1", later), BODY, later)
        .expect("valid");
    assert!(retried.repeat);
    // Another stage of the same task is news.
    let first_stage =
        br#"{"code":200,"msg":"ok","data":{"callbackType":"first","task_id":"t1","data":[]}}"#;
    let next = verifier
        .check(
            TaskKind::Music,
            &signed(&key(), "t1", later),
            first_stage,
            later,
        )
        .expect("valid");
    assert!(!next.repeat);
}

#[test]
fn missing_or_malformed_signature_headers_are_refused() {
    let now = SystemTime::now();
    let verifier = Verifier::new(key());
    assert_eq!(
        verifier.check(TaskKind::Music, &HeaderMap::new(), BODY, now),
        Err(Rejection::Unsigned("x-webhook-timestamp"))
    );
    let mut headers = signed(&key(), "t1", now);
    headers.insert("x-webhook-timestamp", "yesterday".parse().expect("header"));
    assert_eq!(
        verifier.check(TaskKind::Music, &headers, BODY, now),
        Err(Rejection::BadTimestamp)
    );
    headers.remove("x-webhook-signature");
    headers.insert("x-webhook-timestamp", "1".parse().expect("header"));
    assert_eq!(
        verifier.check(TaskKind::Music, &headers, BODY, now),
        Err(Rejection::Unsigned("x-webhook-signature"))
    );
}

#[test]
fn body_over_the_cap_is_refused_before_it_is_parsed() {
    let now = SystemTime::now();
    let verifier = Verifier::new(key()).max_body_bytes(64);
    let headers = signed(&key(), "t1", now);
    let e = verifier
        .check(TaskKind::Music, &headers, BODY, now)
        .expect_err("too large");
    assert_eq!(e, Rejection::BodyTooLarge { limit: 64 });
    assert_eq!(e.http_status(), 413);
}

#[test]
fn without_a_key_only_an_explicit_opt_out_accepts_unsigned_deliveries() {
    let now = SystemTime::now();
    let insecure = Verifier::insecure_without_signatures();
    assert!(!insecure.checks_signatures());
    let delivery = insecure
        .check(TaskKind::Music, &HeaderMap::new(), BODY, now)
        .expect("accepted");
    assert!(!delivery.repeat);
    assert!(
        insecure
            .check(TaskKind::Music, &HeaderMap::new(), BODY, now)
            .expect("again")
            .repeat
    );
    assert!(Verifier::new(key()).checks_signatures());
}

#[test]
fn the_webhook_key_appears_in_no_rejection_or_debug_output() {
    let now = SystemTime::now();
    let verifier = Verifier::new(key());
    let mut texts = vec![
        format!("{verifier:?}"),
        format!("{:?}", key()),
        key().to_string(),
    ];
    let forged = signed(&WebhookKey::new("guess").expect("key"), "t1", now);
    for rejection in [
        verifier.check(TaskKind::Music, &forged, BODY, now),
        verifier.check(TaskKind::Music, &HeaderMap::new(), BODY, now),
        verifier.check(
            TaskKind::Music,
            &signed(&key(), "t1", now - Duration::from_secs(900)),
            BODY,
            now,
        ),
    ] {
        let e = rejection.expect_err("refused");
        texts.push(format!("{e} {e:?}"));
    }
    for text in texts {
        assert!(!text.contains(KEY) && !text.contains("secret"), "{text}");
    }
}
