//! The journal through `suno`: a `suno generate --wait` killed mid-wait
//! leaves its task in the journal, `suno tasks` lists it, and `suno
//! resume` completes it; a create whose answer was lost is listed as
//! unknown; two `suno` processes creating at once lose nothing; drift one
//! command saw is printed from the journal by `suno drift`.

use std::process::Stdio;
use std::time::Duration;

use kie_suno::mock::{Fault, Faults, MockBuilder, MockServer, Script};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const KEY: &str = "sk-cli-journal-4d5e6f";
const HOOK: &str = "https://example.com/suno/callback";

fn suno(server: &MockServer, journal: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suno"));
    command
        .env_remove("KIE_BASE_URL")
        .env("KIE_API_KEY", KEY)
        .env("KIE_CALLBACK_URL", HOOK)
        .env("KIE_JOURNAL", journal)
        .args(["--base-url", server.url()])
        .kill_on_drop(true);
    command
}

async fn server(builder: MockBuilder) -> MockServer {
    builder.api_key(KEY).start().await.expect("mock")
}

fn entries(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON entry per line"))
        .collect()
}

#[tokio::test]
async fn a_killed_wait_leaves_its_task_listed_and_resume_completes_it() {
    let server =
        server(MockBuilder::default().lifecycle(Script::success(Duration::from_secs(6)))).await;
    let dir = tempfile::tempdir().expect("dir");
    let journal = dir.path().join("journal.sqlite3");
    let mut child = suno(&server, &journal)
        .args(["generate", "--prompt", "rain", "--wait"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawns");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let task_id = loop {
        let line = lines
            .next_line()
            .await
            .expect("reads")
            .expect("a line before exiting");
        if let Some(rest) = line.strip_prefix("created music task ") {
            break rest.split_whitespace().next().expect("id").to_owned();
        }
    };
    // Mid-wait: no chance to clean up.
    child.start_kill().expect("SIGKILL");
    child.wait().await.expect("reaped");

    let listed = suno(&server, &journal)
        .args(["tasks", "--json"])
        .output()
        .await
        .expect("runs");
    let entries_now = entries(&listed.stdout);
    assert_eq!(entries_now.len(), 1, "{entries_now:?}");
    assert_eq!(entries_now[0]["task_id"], task_id.as_str());
    assert_eq!(entries_now[0]["state"], "created");

    let resumed = suno(&server, &journal)
        .args(["resume"])
        .output()
        .await
        .expect("runs");
    let stdout = String::from_utf8_lossy(&resumed.stdout);
    assert_eq!(
        resumed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(
        stdout.starts_with(&format!("task {task_id}  SUCCESS")),
        "{stdout}"
    );

    let after = suno(&server, &journal)
        .args(["tasks", "--json"])
        .output()
        .await
        .expect("runs");
    assert!(entries(&after.stdout).is_empty(), "nothing unfinished");
    let all = suno(&server, &journal)
        .args(["tasks", "--all", "--json"])
        .output()
        .await
        .expect("runs");
    assert_eq!(entries(&all.stdout)[0]["state"], "completed");
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_listed_as_unknown() {
    let server = server(MockBuilder::default().faults(Faults::always(Fault::CloseMidBody))).await;
    let dir = tempfile::tempdir().expect("dir");
    let journal = dir.path().join("journal.sqlite3");
    let created = suno(&server, &journal)
        .args(["generate", "--prompt", "rain"])
        .output()
        .await
        .expect("runs");
    assert_eq!(created.status.code(), Some(7));
    let listed = suno(&server, &journal)
        .args(["tasks", "--json"])
        .output()
        .await
        .expect("runs");
    let entries = entries(&listed.stdout);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["state"], "unknown");
    assert_eq!(entries[0]["operation"], "generate-music");
    let resumed = suno(&server, &journal)
        .args(["resume"])
        .output()
        .await
        .expect("runs");
    assert_eq!(
        resumed.status.code(),
        Some(7),
        "an unknown create is reported"
    );
    assert!(String::from_utf8_lossy(&resumed.stderr).contains("may exist"));
}

#[tokio::test]
async fn two_processes_creating_at_once_lose_nothing() {
    let server = server(MockBuilder::default()).await;
    let dir = tempfile::tempdir().expect("dir");
    let journal = dir.path().join("journal.sqlite3");
    let run = |tag: usize| {
        let (server, journal) = (&server, &journal);
        async move {
            for i in 0..4 {
                let out = suno(server, journal)
                    .args(["generate", "--prompt"])
                    .arg(format!("piece {tag}-{i}"))
                    .output()
                    .await
                    .expect("runs");
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(0), "{stderr}");
            }
        }
    };
    futures_util::future::join_all([run(0), run(1)]).await;
    let listed = suno(&server, &journal)
        .args(["tasks", "--all", "--json"])
        .output()
        .await
        .expect("runs");
    let entries = entries(&listed.stdout);
    assert_eq!(entries.len(), 8);
    assert_eq!(server.created_tasks().len(), 8);
}

#[tokio::test]
async fn drift_seen_by_one_command_is_printed_from_the_journal_by_suno_drift() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal.sqlite3");
    let server = server(MockBuilder::default()).await;
    server.answer_with(
        "t1",
        r#"{"code":200,"msg":"success","data":{"taskId":"t1","status":"PENDING","param":"{}",
           "response":null,"errorCode":null,"errorMessage":null,"brandNewField":7}}"#,
    );
    let shown = suno(&server, &journal)
        .args(["task", "t1"])
        .output()
        .await
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    let drift = suno(&server, &journal).arg("drift").output().await.unwrap();
    let stdout = String::from_utf8_lossy(&drift.stdout);
    assert!(drift.status.success(), "{drift:?}");
    assert!(
        stdout.contains("get_music_task_details $.data.brandNewField: a field the description lacks (integer); in 1 of 1 answers"),
        "{stdout}"
    );
    let json = suno(&server, &journal)
        .args(["drift", "--json"])
        .output()
        .await
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("a report");
    assert_eq!(report["compared"]["get_music_task_details"], 1);
    assert_eq!(
        server.requests().len(),
        1,
        "the table is read, nothing asked"
    );
}
