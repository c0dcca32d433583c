//! What every [`Journal`] must do, as functions over any journal: the
//! SQLite and PostgreSQL journals run the same ones
//! (`tests/tests/it/journal_contract.rs`).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use kie_suno::TaskKind;
use kie_suno::journal::{CreateOutcome, EntryState, Journal, JournalEvent, LeaseQueue};

/// Writes down a create of a music task and its outcome; returns its
/// intent.
pub async fn created(journal: &dyn Journal, task_id: &str) -> String {
    let intent = format!("intent-{task_id}");
    journal
        .record(JournalEvent::CreateStarted {
            intent: intent.clone(),
            kind: TaskKind::Music,
            operation: "generate-music".into(),
            fingerprint: "0123456789abcdef".into(),
        })
        .await
        .expect("create started");
    journal
        .record(JournalEvent::CreateFinished {
            intent: intent.clone(),
            outcome: CreateOutcome::Created {
                task_id: task_id.into(),
            },
        })
        .await
        .expect("create finished");
    intent
}

pub async fn a_create_is_written_down_from_start_to_end(journal: Arc<dyn LeaseQueue>) {
    let intent = created(&*journal, "t1").await;
    let entries = journal.entries(false).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].intent, intent);
    assert_eq!(entries[0].state, EntryState::Created);
    assert_eq!(entries[0].task_id.as_deref(), Some("t1"));
    for event in [
        JournalEvent::StatusChanged {
            kind: TaskKind::Music,
            task_id: "t1".into(),
            status: "FIRST_SUCCESS".into(),
        },
        JournalEvent::Ended {
            kind: TaskKind::Music,
            task_id: "t1".into(),
            failed: false,
        },
        JournalEvent::FileSaved {
            task_id: "t1".into(),
            path: "/music/a.mp3".into(),
            bytes: 1234,
        },
    ] {
        journal.record(event).await.unwrap();
    }
    assert!(journal.entries(false).await.unwrap().is_empty());
    let all = journal.entries(true).await.unwrap();
    assert_eq!(all[0].state, EntryState::Completed);
    assert_eq!(all[0].status.as_deref(), Some("FIRST_SUCCESS"));
    assert_eq!(all[0].files, vec![("/music/a.mp3".to_owned(), 1234)]);
}

pub async fn creates_without_a_task_are_never_claimed(journal: Arc<dyn LeaseQueue>) {
    for (intent, outcome) in [
        (
            "refused",
            Some(CreateOutcome::Refused {
                reason: "no credits".into(),
            }),
        ),
        (
            "unknown",
            Some(CreateOutcome::Unknown {
                reason: "timed out".into(),
            }),
        ),
        ("sending", None),
    ] {
        sending(&*journal, intent).await;
        if let Some(outcome) = outcome {
            journal
                .record(JournalEvent::CreateFinished {
                    intent: intent.into(),
                    outcome,
                })
                .await
                .unwrap();
        }
    }
    let claimed = journal
        .claim("w1", Duration::from_secs(30), 10)
        .await
        .unwrap();
    assert!(claimed.is_empty(), "{claimed:?}");
}

pub async fn holders_claiming_at_once_never_get_the_same_task(journal: Arc<dyn LeaseQueue>) {
    for i in 0..30 {
        created(&*journal, &format!("t{i:02}")).await;
    }
    // Five holders on one journal, two tasks a claim.
    claim_all(vec![journal; 5], 30, 2).await;
}

pub async fn a_lease_that_runs_out_goes_to_another_holder(journal: Arc<dyn LeaseQueue>) {
    let intent = created(&*journal, "t1").await;
    let lease = Duration::from_millis(600);
    assert_eq!(journal.claim("w1", lease, 5).await.unwrap().len(), 1);
    assert!(
        journal.claim("w2", lease, 5).await.unwrap().is_empty(),
        "held"
    );
    let renewed = journal
        .renew("w1", std::slice::from_ref(&intent), lease)
        .await
        .unwrap();
    assert_eq!(renewed, vec![intent.clone()], "the holder renews");
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    let taken = journal.claim("w2", lease, 5).await.unwrap();
    assert_eq!(taken.len(), 1, "the lease ran out: w2 takes the task over");
    assert!(
        journal
            .renew("w1", std::slice::from_ref(&intent), lease)
            .await
            .unwrap()
            .is_empty(),
        "w1 learns it lost the task"
    );
    assert!(
        !journal.report("w1", &intent).await.unwrap(),
        "and cannot report it"
    );
}

pub async fn a_task_is_reported_once(journal: Arc<dyn LeaseQueue>) {
    let intent = created(&*journal, "t1").await;
    journal
        .claim("w1", Duration::from_secs(30), 5)
        .await
        .unwrap();
    assert!(journal.report("w1", &intent).await.unwrap());
    let first = journal.entries(true).await.unwrap()[0].reported.clone();
    assert!(
        journal.report("w1", &intent).await.unwrap(),
        "a retry (its first answer lost) recognises its own report"
    );
    assert!(
        !journal.report("w2", &intent).await.unwrap(),
        "no one else's"
    );
    assert_eq!(
        journal.entries(true).await.unwrap()[0].reported,
        first,
        "reported once: the retry changed nothing"
    );
    assert!(
        journal
            .claim("w2", Duration::from_secs(30), 5)
            .await
            .unwrap()
            .is_empty(),
        "a reported task needs no worker"
    );
    let all = journal.entries(true).await.unwrap();
    let (_, by) = all[0].reported.clone().expect("reported");
    assert_eq!(by, "w1");
    assert_eq!(all[0].holder, None);
}

pub async fn a_released_task_goes_back_to_the_pool_at_once(journal: Arc<dyn LeaseQueue>) {
    let intent = created(&*journal, "t1").await;
    journal
        .claim("w1", Duration::from_secs(300), 5)
        .await
        .unwrap();
    journal.release("w1", &[intent]).await.unwrap();
    let taken = journal
        .claim("w2", Duration::from_secs(300), 5)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].holder.as_deref(), Some("w2"));
}

pub async fn writers_at_once_lose_nothing(journal: Arc<dyn LeaseQueue>) {
    let writers = (0..8).map(|w| {
        let journal = journal.clone();
        tokio::spawn(async move {
            for i in 0..10 {
                created(&*journal, &format!("w{w}-t{i}")).await;
            }
        })
    });
    let writers: Vec<_> = writers.collect();
    for writer in writers {
        writer.await.unwrap();
    }
    assert_eq!(journal.entries(true).await.unwrap().len(), 80);
}

/// Seeds `tasks` made tasks through `seed`.
pub async fn seeded(seed: &dyn Journal, tasks: usize) {
    for i in 0..tasks {
        created(seed, &format!("t{i:05}")).await;
    }
}

/// Each claimer (a journal of its own: its own connection or file
/// handle) claims until nothing is left; every task is claimed once, none
/// twice, none left. Returns what each claimer got.
pub async fn claimers_of_their_own_share_nothing(
    claimers: Vec<Arc<dyn LeaseQueue>>,
    tasks: usize,
) -> Vec<Vec<String>> {
    claim_all(claimers, tasks, 16).await
}

/// Each claimer (holder `w0`, `w1`, ...) claims `batch` at a time until
/// nothing is left, all starting together; checks that every one of
/// `tasks` was claimed once and that they took turns. Returns what each
/// got.
async fn claim_all(
    claimers: Vec<Arc<dyn LeaseQueue>>,
    tasks: usize,
    batch: usize,
) -> Vec<Vec<String>> {
    // All start together, as the workers of a fleet do.
    let start = Arc::new(tokio::sync::Barrier::new(claimers.len()));
    let runs = claimers.into_iter().enumerate().map(|(w, journal)| {
        let start = start.clone();
        tokio::spawn(async move {
            start.wait().await;
            let holder = format!("w{w}");
            let mut mine = Vec::new();
            loop {
                let got = journal
                    .claim(&holder, Duration::from_secs(300), batch)
                    .await
                    .unwrap();
                if got.is_empty() {
                    return mine;
                }
                assert!(
                    got.iter()
                        .all(|e| e.holder.as_deref() == Some(holder.as_str()))
                );
                mine.extend(got.into_iter().filter_map(|e| e.task_id));
            }
        })
    });
    // Spawned now, all of them (a lazy map would start each only when
    // awaited, one after another).
    let runs: Vec<_> = runs.collect();
    let mut each = Vec::new();
    for run in runs {
        each.push(run.await.unwrap());
    }
    assert_claimed_once(&each, tasks);
    each
}

/// Every one of `tasks` tasks is in exactly one claimer's list.
pub fn assert_claimed_once(each: &[Vec<String>], tasks: usize) {
    let all: Vec<&String> = each.iter().flatten().collect();
    let distinct: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a task claimed twice");
    assert_eq!(all.len(), tasks, "every task claimed");
    assert!(
        each.iter().filter(|mine| !mine.is_empty()).count() > 1,
        "the claimers took turns: {:?}",
        each.iter().map(Vec::len).collect::<Vec<_>>()
    );
}

/// Starts a create and leaves it sending; returns its intent.
pub async fn sending(journal: &dyn Journal, intent: &str) -> String {
    journal
        .record(JournalEvent::CreateStarted {
            intent: intent.into(),
            kind: TaskKind::Music,
            operation: "generate-music".into(),
            fingerprint: "f".into(),
        })
        .await
        .unwrap();
    intent.to_owned()
}

pub async fn a_create_left_sending_is_reconciled_as_unknown_unless_answered(
    journal: Arc<dyn LeaseQueue>,
) {
    let stale = sending(&*journal, "stale").await;
    let answered = created(&*journal, "t1").await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let fresh = sending(&*journal, "fresh").await;
    let found = kie_suno::journal::reconcile(&*journal, Duration::from_millis(10))
        .await
        .unwrap();
    let found: Vec<&str> = found.iter().map(|e| e.intent.as_str()).collect();
    assert_eq!(found, [stale.as_str()], "only the old sending create");
    let state = |intent: &str, all: &[kie_suno::journal::JournalEntry]| {
        all.iter()
            .find(|e| e.intent == intent)
            .map(|e| (e.state, e.detail.clone()))
    };
    let all = journal.entries(true).await.unwrap();
    let (stale_state, detail) = state(&stale, &all).unwrap();
    assert_eq!(stale_state, EntryState::Unknown);
    assert!(detail.unwrap_or_default().contains("may exist"));
    assert_eq!(state(&answered, &all).unwrap().0, EntryState::Created);
    assert_eq!(state(&fresh, &all).unwrap().0, EntryState::Sending);
    // An unanswered mark never replaces an outcome, and an outcome that
    // arrives after it still replaces it.
    journal
        .record(JournalEvent::CreateUnanswered {
            intent: answered.clone(),
            reason: "x".into(),
        })
        .await
        .unwrap();
    journal
        .record(JournalEvent::CreateFinished {
            intent: stale.clone(),
            outcome: CreateOutcome::Created {
                task_id: "late".into(),
            },
        })
        .await
        .unwrap();
    let all = journal.entries(true).await.unwrap();
    assert_eq!(state(&answered, &all).unwrap().0, EntryState::Created);
    assert_eq!(state(&stale, &all).unwrap().0, EntryState::Created);
}

/// A create found through its callback ([`JournalEvent::CreateFound`])
/// takes its task only where the outcome was lost, and a lost answer
/// written down after it (the sender's own timeout) does not erase it.
pub async fn a_lost_create_found_again_keeps_its_task(journal: Arc<dyn LeaseQueue>) {
    let lost = sending(&*journal, "lost").await;
    let unknown = sending(&*journal, "unknown").await;
    let unknown_outcome = |intent: &str| JournalEvent::CreateFinished {
        intent: intent.to_owned(),
        outcome: CreateOutcome::Unknown {
            reason: "the answer was cut".into(),
        },
    };
    journal.record(unknown_outcome(&unknown)).await.unwrap();
    let answered = created(&*journal, "t-answered").await;
    for (intent, task) in [
        (&lost, "t-lost"),
        (&unknown, "t-unknown"),
        (&answered, "t-other"),
    ] {
        let found = JournalEvent::CreateFound {
            intent: intent.clone(),
            task_id: task.into(),
        };
        journal.record(found).await.unwrap();
    }
    // The sender of `lost` gives up after the callback came.
    journal.record(unknown_outcome(&lost)).await.unwrap();
    let all = journal.entries(true).await.unwrap();
    let of = |intent: &str| {
        all.iter()
            .find(|e| e.intent == intent)
            .map(|e| (e.state, e.task_id.clone()))
    };
    assert_eq!(
        of(&lost),
        Some((EntryState::Created, Some("t-lost".into())))
    );
    assert_eq!(
        of(&unknown),
        Some((EntryState::Created, Some("t-unknown".into())))
    );
    assert_eq!(
        of(&answered),
        Some((EntryState::Created, Some("t-answered".into()))),
        "a known task is never replaced"
    );
    let claimed = journal
        .claim("w", Duration::from_secs(30), 10)
        .await
        .unwrap();
    let claimed: BTreeSet<Option<String>> = claimed.into_iter().map(|e| e.task_id).collect();
    assert!(
        claimed.contains(&Some("t-lost".into())),
        "workers follow a found task: {claimed:?}"
    );
}

/// Drift reports written to the journal add up: per finding the counts
/// sum and the first and last times widen; per operation the compared
/// answers sum; every kind reads back as written.
pub async fn drift_reports_add_up_in_the_journal(journal: Arc<dyn LeaseQueue>) {
    use kie_suno::drift::{DriftKind, DriftReport};
    assert!(journal.drift().await.unwrap().is_empty(), "none at first");
    // Seconds of one minute, as a report writes times.
    let at = |s: i64| format!("2026-06-01T00:00:{s:02}Z");
    let report = |count: u64, first: i64, last: i64, compared: u64| {
        let mut json = serde_json::json!({"entries": [], "compared": {"get_x": compared}});
        for (path, kind) in [
            ("$.a", serde_json::json!("unknown_field")),
            (
                "$.b",
                serde_json::json!({"other_type": {"declared": "integer"}}),
            ),
            ("$.c", serde_json::json!("unknown_enum_value")),
            ("$.d", serde_json::json!("null_not_nullable")),
        ] {
            json["entries"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({
                    "operation": "get_x", "path": path, "kind": kind, "seen": "string",
                    "schema": "/paths/~1x", "count": count,
                    "first": at(first), "last": at(last),
                }));
        }
        serde_json::from_value::<DriftReport>(json).unwrap()
    };
    journal.record_drift(&report(2, 10, 20, 5)).await.unwrap();
    journal.record_drift(&report(3, 5, 15, 7)).await.unwrap();
    journal.record_drift(&DriftReport::default()).await.unwrap();
    let table = journal.drift().await.unwrap();
    assert_eq!(table.entries.len(), 4, "{table:?}");
    for entry in &table.entries {
        assert_eq!(entry.count, 5, "{entry:?}");
        let (first, last) = (entry.first.timestamp(), entry.last.timestamp());
        assert_eq!((first % 60, last % 60), (5, 20), "{entry:?}");
    }
    assert_eq!(table.compared["get_x"], 12);
    let b = table.entries.iter().find(|e| e.path == "$.b").unwrap();
    assert_eq!(
        b.kind,
        DriftKind::OtherType {
            declared: "integer".into()
        }
    );
}
