//! `suno worker` on a PostgreSQL journal and on a journal file: a task
//! `suno generate` left in the journal (no `--wait`) is claimed, followed
//! and reported once by a worker, `suno tasks` shows who reported it, and
//! the database password in the URL is printed nowhere; a create whose
//! answer was lost is found through its callback by a listening worker.

use std::process::Stdio;
use std::time::Duration;

use kie_suno::mock::{MockServer, Script};
use kie_suno_tests::postgres::fresh_database;
use tokio::io::{AsyncBufReadExt, BufReader};

/// `url` with a password in it (the test cluster trusts loopback, so it
/// is not checked, but it must never be shown).
fn with_password(url: &str) -> String {
    url.replacen("postgres://kie@", "postgres://kie:hunter2-db-secret@", 1)
}

/// `suno generate` (no wait) into `journal`, then `suno worker`: the
/// worker's first report, and what `suno tasks --all` prints (JSON, then
/// plain), and everything the worker printed on stderr.
async fn generate_then_work(
    journal: &str,
) -> (
    String,
    serde_json::Value,
    serde_json::Value,
    String,
    Vec<u8>,
) {
    let server = MockServer::builder()
        .lifecycle(Script::success(Duration::from_secs(1)))
        .start()
        .await
        .unwrap();
    let suno = suno_on(&server, journal);
    let created = suno(&[
        "generate",
        "--prompt",
        "calm piano",
        "--callback-url",
        "http://127.0.0.1:9/hook",
    ])
    .output()
    .await
    .unwrap();
    assert!(created.status.success(), "{created:?}");
    let task_id = String::from_utf8(created.stdout).unwrap().trim().to_owned();
    assert_eq!(server.created_tasks().len(), 1);

    let mut worker = suno(&["worker", "--lease", "2s", "--name", "solo"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = first_report(&mut worker).await;
    worker.start_kill().unwrap();
    let mut printed = worker.wait_with_output().await.unwrap().stderr;
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();

    let listed = suno(&["tasks", "--all", "--json"]).output().await.unwrap();
    let entry = newest_entry(&listed.stdout);
    printed.extend(&listed.stderr);
    let plain = suno(&["tasks", "--all"]).output().await.unwrap();
    printed.extend(&plain.stderr);
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    (task_id, report, entry, plain, printed)
}

/// `suno` with `args`, on `journal` and the mock `server`.
fn suno_on<'a>(
    server: &'a MockServer,
    journal: &'a str,
) -> impl Fn(&[&str]) -> tokio::process::Command + 'a {
    move |args| {
        let mut command = crate::common::suno();
        command
            .args(args)
            .args(["--journal", journal])
            .env("KIE_BASE_URL", server.url())
            .env("KIE_API_KEY", server.api_key());
        command
    }
}

/// The first line a worker prints (its first report), within a minute.
async fn first_report(worker: &mut tokio::process::Child) -> String {
    let stdout = worker.stdout.take().expect("piped stdout");
    tokio::time::timeout(Duration::from_secs(60), async {
        BufReader::new(stdout).lines().next_line().await
    })
    .await
    .expect("a report within a minute")
    .unwrap()
    .expect("a line")
}

/// The first (newest) entry `suno tasks --json` printed.
fn newest_entry(stdout: &[u8]) -> serde_json::Value {
    let line = stdout.split(|b| *b == b'\n').next().unwrap_or_default();
    serde_json::from_slice(line).expect("a JSON entry")
}

/// The report and the journal both say `solo` saw `task_id` through.
fn assert_reported_once_by_solo(
    task_id: &str,
    report: &serde_json::Value,
    entry: &serde_json::Value,
    plain: &str,
) {
    assert_eq!(report["task_id"], task_id);
    assert_eq!(report["outcome"], "completed");
    assert_eq!(report["worker"], "solo");
    assert_eq!(entry["task_id"], task_id);
    assert_eq!(entry["reported"][1], "solo");
    assert!(plain.contains("reported by solo"), "{plain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reports_a_task_generate_left_in_a_postgres_journal() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let (task_id, report, entry, plain, printed) = generate_then_work(&with_password(&url)).await;
    assert_reported_once_by_solo(&task_id, &report, &entry, &plain);
    let printed = String::from_utf8_lossy(&printed);
    assert!(
        !printed.contains("hunter2") && !plain.contains("hunter2"),
        "the password leaked: {printed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reports_a_task_generate_left_in_a_journal_file() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("fleet.sqlite3");
    let (task_id, report, entry, plain, _) =
        generate_then_work(&journal.display().to_string()).await;
    assert_reported_once_by_solo(&task_id, &report, &entry, &plain);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_was_lost_is_found_and_reported_by_a_listening_worker() {
    use kie_suno::callback::WebhookKey;
    use kie_suno::mock::{CallbackDelivery, Fault, Faults};
    const KEY: &str = "whk-cli-lost-create";
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite3").display().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let server = MockServer::builder()
        .faults(Faults::on_requests(1..2, Fault::CloseMidBody))
        .lifecycle(Script::success(Duration::from_secs(6)))
        .callbacks(CallbackDelivery {
            url: format!("http://127.0.0.1:{port}/kie"),
            key: WebhookKey::new(KEY),
            faults: Default::default(),
        })
        .start()
        .await
        .unwrap();
    let suno = |args: &[&str]| {
        let mut command = suno_on(&server, &journal)(args);
        command.env("KIE_WEBHOOK_HMAC_KEY", KEY);
        command
    };
    let mut worker = suno(&[
        "worker",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--lease",
        "2s",
        "--name",
        "solo",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let created = suno(&[
        "generate",
        "--prompt",
        "calm piano",
        "--callback-url",
        "https://hooks.example.com/suno",
    ])
    .output()
    .await
    .unwrap();
    assert_eq!(created.status.code(), Some(7), "{created:?}");
    let made = server.created_tasks();
    assert_eq!(made.len(), 1, "the mock made the task");
    let first = first_report(&mut worker).await;
    worker.start_kill().unwrap();
    let _ = worker.wait().await;
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(report["task_id"], made[0].0.as_str(), "{report}");
    assert_eq!(report["outcome"], "completed");
    let listed = suno(&["tasks", "--all", "--json"]).output().await.unwrap();
    let entry = newest_entry(&listed.stdout);
    assert_eq!(entry["task_id"], made[0].0.as_str(), "{entry}");
    assert_eq!(entry["reported"][1], "solo");
}
