//! The task journal: every create written down before it is sent, then
//! its task id or why there is none, the status changes its waits see,
//! how it ended and the files saved; several writers at once lose nothing.

use std::sync::Arc;
use std::time::Duration;

use kie_suno::journal::{EntryState, Journal, JournalEvent, LeaseQueue, SqliteJournal};
use kie_suno::mock::{Fault, Faults, MockBuilder, Script};
use kie_suno::music::GenerateMusic;
use kie_suno::{ApiKey, Client, Error, TaskKind};

const HOOK: &str = "https://hooks.example.com/suno?team=7";

/// A client of `server` that journals into `journal`.
/// A client of `server` writing to `journal`, its callbacks to `HOOK`.
pub(crate) fn journaling(server: &kie_suno::mock::MockServer, journal: Arc<dyn Journal>) -> Client {
    Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
        .callback_url(HOOK)
        .journal(journal)
        .build()
        .unwrap()
}

fn journal_in(dir: &tempfile::TempDir) -> SqliteJournal {
    SqliteJournal::open(dir.path().join("journal.sqlite3")).expect("journal")
}

#[tokio::test]
async fn a_create_and_its_wait_are_written_down() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(journal_in(&dir));
    let server = MockBuilder::default()
        .lifecycle(Script::success(Duration::from_secs(2)))
        .start()
        .await
        .unwrap();
    let client = journaling(&server, journal.clone());
    let task = client
        .music()
        .generate(GenerateMusic::from_description("calm piano"))
        .await
        .expect("created");
    let entries = journal.entries(false).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].task_id.as_deref(), Some(task.id()));
    assert_eq!(entries[0].state, EntryState::Created);
    assert_eq!(entries[0].operation, "generate-music");
    assert_eq!(entries[0].fingerprint.len(), 16);

    task.wait().await.expect("completes");
    assert!(
        journal.entries(false).await.unwrap().is_empty(),
        "nothing unfinished"
    );
    let all = journal.entries(true).await.unwrap();
    assert_eq!(all[0].state, EntryState::Completed);
    assert_eq!(all[0].status.as_deref(), Some("SUCCESS"));
}

#[tokio::test]
async fn a_lost_answer_is_written_down_as_unknown_and_a_refusal_as_refused() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(journal_in(&dir));
    for (faults, credits) in [
        (Faults::always(Fault::CloseMidBody), 1000),
        (Faults::default(), 0),
    ] {
        let server = MockBuilder::default()
            .faults(faults)
            .credits(credits)
            .start()
            .await
            .unwrap();
        let client = journaling(&server, journal.clone());
        let _ = client
            .music()
            .generate(GenerateMusic::from_description("x"))
            .await
            .expect_err("no task id");
    }
    let all = journal.entries(true).await.unwrap();
    let states: Vec<EntryState> = all.iter().map(|e| e.state).collect();
    assert!(states.contains(&EntryState::Unknown), "{states:?}");
    assert!(states.contains(&EntryState::Refused), "{states:?}");
    let unfinished = journal.entries(false).await.unwrap();
    assert_eq!(unfinished.len(), 1, "the unknown one stays listed");
    assert!(
        unfinished[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("may have been"))
    );
}

#[tokio::test]
async fn a_create_the_journal_cannot_write_is_not_sent() {
    /// A journal whose store is gone.
    #[derive(Debug)]
    struct Broken;
    impl Journal for Broken {
        fn record(&self, _: JournalEvent) -> kie_suno::journal::JournalFuture<'_, ()> {
            Box::pin(async {
                Err(kie_suno::journal::JournalError::Store {
                    location: "nowhere".into(),
                    message: "disk full".into(),
                })
            })
        }
        fn entries(
            &self,
            _: bool,
        ) -> kie_suno::journal::JournalFuture<'_, Vec<kie_suno::journal::JournalEntry>> {
            Box::pin(async { Ok(Vec::new()) })
        }
    }
    let server = MockBuilder::default().start().await.unwrap();
    let client = journaling(&server, Arc::new(Broken));
    let e = client
        .music()
        .generate(GenerateMusic::from_description("x"))
        .await
        .expect_err("not sent");
    assert!(matches!(e, Error::Journal(_)), "{e}");
    assert!(server.requests().is_empty());
}

#[test]
fn two_writers_at_once_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.sqlite3");
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                // Each writer its own connection, as two processes have.
                let journal = SqliteJournal::open(&path).expect("journal");
                runtime.block_on(async {
                    for i in 0..150 {
                        let event = JournalEvent::CreateStarted {
                            intent: format!("w{w}-{i}"),
                            kind: TaskKind::Music,
                            operation: "generate-music".into(),
                            fingerprint: "0".repeat(16),
                        };
                        journal.record(event).await.expect("written");
                    }
                });
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let entries = runtime
        .block_on(SqliteJournal::open(&path).unwrap().entries(true))
        .unwrap();
    assert_eq!(entries.len(), 300);
}

#[tokio::test]
async fn a_journal_file_of_the_first_schema_is_migrated_and_keeps_its_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        // The schema as version 1 wrote it, with one created task.
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE creates (intent TEXT PRIMARY KEY, kind TEXT NOT NULL,
                 operation TEXT NOT NULL, fingerprint TEXT NOT NULL, created_at TEXT NOT NULL,
                 state TEXT NOT NULL, task_id TEXT, status TEXT, detail TEXT,
                 updated_at TEXT NOT NULL);
             CREATE TABLE files (task_id TEXT NOT NULL, path TEXT NOT NULL,
                 bytes INTEGER NOT NULL, saved_at TEXT NOT NULL, PRIMARY KEY (task_id, path));
             INSERT INTO creates VALUES ('i1', 'music', 'generate-music', 'f',
                 '2026-11-01T10:00:00+00:00', 'created', 't-old', 'PENDING', NULL,
                 '2026-11-01T10:00:00+00:00');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let journal = SqliteJournal::open(&path).expect("migrated");
    let entries = journal.entries(false).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].task_id.as_deref(), Some("t-old"));
    assert_eq!(entries[0].holder, None);
    let claimed = journal
        .claim("w1", Duration::from_secs(30), 5)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "an old task can be taken by a worker");
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, 5, "migrated to the current schema");
    // Schema 4's drift table is there and empty.
    assert!(journal.drift().await.unwrap().is_empty());
    // Schema 5's partial indexes are there.
    let indexes: Vec<String> = rusqlite::Connection::open(&path)
        .unwrap()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'creates_%' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        indexes,
        ["creates_by_task", "creates_to_claim", "creates_unfinished"]
    );
}

/// A journal that refuses each create's outcome while `refusing` is set,
/// and writes everything else to an SQLite file.
#[derive(Debug)]
struct RefusesOutcomes {
    inner: SqliteJournal,
    refusing: std::sync::atomic::AtomicBool,
}

impl Journal for RefusesOutcomes {
    fn record(&self, event: JournalEvent) -> kie_suno::journal::JournalFuture<'_, ()> {
        let refuse = matches!(event, JournalEvent::CreateFinished { .. })
            && self.refusing.load(std::sync::atomic::Ordering::SeqCst);
        if refuse {
            return Box::pin(async {
                Err(kie_suno::journal::JournalError::Store {
                    location: "test".into(),
                    message: "database or disk is full".into(),
                })
            });
        }
        self.inner.record(event)
    }
    fn entries(
        &self,
        all: bool,
    ) -> kie_suno::journal::JournalFuture<'_, Vec<kie_suno::journal::JournalEntry>> {
        self.inner.entries(all)
    }
}

#[tokio::test]
async fn an_outcome_the_journal_refuses_is_kept_and_written_once_it_can_be() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(RefusesOutcomes {
        inner: journal_in(&dir),
        refusing: true.into(),
    });
    let server = MockBuilder::default().start().await.unwrap();
    let client = journaling(&server, journal.clone());
    let task = client
        .music()
        .generate(GenerateMusic::from_description("calm piano"))
        .await
        .expect("the caller gets its task id");
    let unwritten = client.unwritten_journal_events();
    assert!(
        matches!(&unwritten[..], [JournalEvent::CreateFinished { outcome: kie_suno::journal::CreateOutcome::Created { task_id }, .. }] if task_id == task.id()),
        "kept in memory: {unwritten:?}"
    );
    assert_eq!(
        journal.entries(false).await.unwrap()[0].state,
        EntryState::Sending
    );
    assert_eq!(
        client.flush_journal(Duration::from_millis(300)).await.len(),
        1,
        "still refused"
    );

    journal
        .refusing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    // Written again in the background, with no call from the caller.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let entry = journal.entries(true).await.unwrap().remove(0);
        if entry.state == EntryState::Created {
            assert_eq!(entry.task_id.as_deref(), Some(task.id()));
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never written: {entry:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(client.unwritten_journal_events().is_empty());
    assert_eq!(server.requests().len(), 1, "created once");
}

/// Mounts a tmpfs of `size` at `dir` for the life of the guard, where
/// this process may (as root); `None` (saying why) elsewhere, and a
/// failure in CI.
struct Mounted(std::path::PathBuf);

impl Mounted {
    fn tmpfs(dir: &std::path::Path, size: &str) -> Option<Mounted> {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output();
        match status {
            Ok(output) if output.status.success() => Some(Mounted(dir.to_path_buf())),
            other => kie_suno_tests::skipped(&format!(
                "cannot mount a tmpfs at {}: {other:?}",
                dir.display()
            )),
        }
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[tokio::test]
async fn on_a_full_disk_a_create_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let Some(_mounted) = Mounted::tmpfs(dir.path(), "1m") else {
        return;
    };
    let journal = Arc::new(journal_in(&dir));
    // Fill what is left.
    let filler = dir.path().join("filler");
    let mut file = std::fs::File::create(&filler).unwrap();
    let block = vec![7u8; 64 * 1024];
    while std::io::Write::write_all(&mut file, &block).is_ok() {}
    let _ = file.sync_all();
    let server = MockBuilder::default().start().await.unwrap();
    let client = journaling(&server, journal);
    let e = client
        .music()
        .generate(GenerateMusic::from_description("calm piano"))
        .await
        .expect_err("refused");
    assert!(matches!(e, Error::Journal(_)), "{e:?}");
    let message = e.to_string();
    assert!(
        message.contains("full") && message.contains("nothing was sent"),
        "{message}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn secrets_in_a_callback_url_reach_neither_the_error_nor_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Arc::new(journal_in(&dir));
    let server = MockBuilder::default()
        .faults(Faults::always(Fault::CloseMidBody))
        .start()
        .await
        .unwrap();
    let client = journaling(&server, journal.clone());
    let e = client
        .music()
        .generate(
            GenerateMusic::from_description("x")
                .callback_url("https://hook:hunter2@hooks.example/cb?token=hunter2"),
        )
        .await
        .expect_err("lost answer");
    let shown = format!("{e} {e:?}");
    assert!(
        shown.contains("https://hooks.example/cb"),
        "still says where: {shown}"
    );
    let detail = journal.entries(false).await.unwrap()[0]
        .detail
        .clone()
        .unwrap_or_default();
    for text in [shown, detail] {
        assert!(!text.contains("hunter2"), "{text}");
    }
}
