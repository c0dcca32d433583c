//! `suno worker` on a PostgreSQL journal: a task `suno generate` left in
//! the journal (no `--wait`) is claimed, followed and reported once by a
//! worker, `suno tasks` shows who reported it, and the database password
//! in the URL is printed nowhere.

mod common;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_reports_a_task_generate_left_in_a_postgres_journal() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let journal = with_password(&url);
    let server = MockServer::builder()
        .lifecycle(Script::success(Duration::from_secs(1)))
        .start()
        .await
        .unwrap();
    let suno = |args: &[&str]| {
        let mut command = common::suno();
        command
            .args(args)
            .args(["--journal", &journal])
            .env("KIE_BASE_URL", server.url())
            .env("KIE_API_KEY", server.api_key());
        command
    };

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
    let stdout = worker.stdout.take().unwrap();
    let first = tokio::time::timeout(Duration::from_secs(60), async {
        BufReader::new(stdout).lines().next_line().await
    })
    .await
    .expect("a report within a minute")
    .unwrap()
    .expect("a line");
    worker.start_kill().unwrap();
    let stderr = worker.wait_with_output().await.unwrap().stderr;
    let report: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(report["task_id"], task_id.as_str());
    assert_eq!(report["outcome"], "completed");
    assert_eq!(report["worker"], "solo");

    let listed = suno(&["tasks", "--all", "--json"]).output().await.unwrap();
    let entry: serde_json::Value =
        serde_json::from_slice(listed.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(entry["task_id"], task_id.as_str());
    assert_eq!(entry["reported"][1], "solo");
    let plain = suno(&["tasks", "--all"]).output().await.unwrap();
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(plain.contains("reported by solo"), "{plain}");

    for output in [&stderr, &listed.stdout, &listed.stderr] {
        let text = String::from_utf8_lossy(output);
        assert!(!text.contains("hunter2"), "the password leaked: {text}");
    }
}
