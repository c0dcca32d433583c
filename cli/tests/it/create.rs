//! `suno generate`, `lyrics`, `wav`, `separate`, `extend` and `credits`
//! against the mock over loopback: what they print, their exit codes, and
//! that nothing is sent when the arguments break a rule.

use crate::common::suno;

use std::process::Output;
use std::time::Duration;

use kie_suno::mock::{Fault, Faults, KindScript, MockBuilder, MockServer, Script};

const KEY: &str = "sk-cli-create-9a8b7c";
const HOOK: &str = "https://example.com/suno/callback";

async fn server(builder: MockBuilder) -> MockServer {
    builder
        .api_key(KEY)
        .lifecycle(Script::success(Duration::from_secs(3)))
        .kind_lifecycle(KindScript::done_after(Duration::from_secs(2)))
        .start()
        .await
        .expect("mock")
}

async fn run(server: &MockServer, args: &[&str]) -> Output {
    suno()
        .args(["--base-url", server.url(), "--api-key", KEY])
        .args(args)
        .env("KIE_CALLBACK_URL", HOOK)
        .output()
        .await
        .expect("suno runs")
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn generate_prints_the_new_task_id() {
    let server = server(MockBuilder::default()).await;
    let output = run(&server, &["generate", "--prompt", "calm piano"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let made = server.created_tasks();
    assert_eq!(stdout.trim(), made[0].0);

    let output = run(&server, &["generate", "--prompt", "calm piano", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(text(&output).0.trim()).expect("json");
    assert_eq!(json["task_id"], server.created_tasks()[1].0.as_str());
    assert_eq!(json["operation"], "generate");
}

#[tokio::test]
async fn generate_and_wait_prints_what_wait_prints() {
    let server = server(MockBuilder::default()).await;
    let output = run(
        &server,
        &[
            "generate",
            "--style",
            "jazz",
            "--title",
            "Blue",
            "--instrumental",
            "--wait",
            "--json",
        ],
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let record: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one record");
    assert_eq!(record["status"], "SUCCESS");
    assert_eq!(record["tracks"].as_array().map(Vec::len), Some(2));
    let id = record["task_id"].as_str().expect("id");
    assert!(
        stderr.contains(&format!("created music task {id}")),
        "{stderr}"
    );
    // The record shows what was asked for.
    assert_eq!(record["params"]["style"], "jazz");
}

#[tokio::test]
async fn without_a_callback_url_generate_exits_2_saying_why_and_sends_nothing() {
    let server = server(MockBuilder::default()).await;
    let output = suno()
        .args([
            "--base-url",
            server.url(),
            "--api-key",
            KEY,
            "generate",
            "--prompt",
            "x",
        ])
        .output()
        .await
        .expect("runs");
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("KIE_CALLBACK_URL"), "{stderr}");
    assert!(stderr.contains("posts the task's results"), "{stderr}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_request_breaking_a_rule_exits_2_and_sends_nothing() {
    let server = server(MockBuilder::default()).await;
    let long = "x".repeat(501);
    for args in [
        vec!["generate", "--prompt", long.as_str()],
        vec!["generate", "--style", "jazz", "--title", "Blue"],
        vec!["generate", "--prompt", "x", "--style-weight", "1.5"],
        vec!["lyrics", "--prompt", long.as_str()],
        vec!["wav", "", "track"],
    ] {
        let output = run(&server, &args).await;
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("nothing was sent"), "{args:?}: {stderr}");
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[tokio::test]
async fn a_lost_answer_exits_7_and_says_the_task_may_exist() {
    let server = server(MockBuilder::default().faults(Faults::always(Fault::CloseMidBody))).await;
    let output = run(&server, &["generate", "--prompt", "calm piano"]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    assert!(stderr.contains("may have been carried out"), "{stderr}");
    assert!(stderr.contains("not resent"), "{stderr}");
    assert!(stderr.contains(HOOK), "{stderr}");
    assert_eq!(server.requests().len(), 1, "not resent");
    assert_eq!(server.created_tasks().len(), 1, "the task exists");
}

#[tokio::test]
async fn no_credits_exits_3() {
    let server = server(MockBuilder::default().credits(0)).await;
    let output = run(&server, &["generate", "--prompt", "calm piano"]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("credits"), "{stderr}");
}

#[tokio::test]
async fn credits_prints_the_balance() {
    let server = server(MockBuilder::default().credits(77)).await;
    let output = run(&server, &["credits"]).await;
    assert_eq!(text(&output).0, "77 credits\n");
    let output = run(&server, &["credits", "--json"]).await;
    assert_eq!(text(&output).0.trim(), r#"{"credits":77}"#);
}

#[tokio::test]
async fn credits_prints_a_fractional_balance_as_sent() {
    let body = r#"{"code":200,"msg":"success","data":1234.5}"#.to_owned();
    let url = kie_suno_tests::canned::serve_json("/api/v1/chat/credit", body)
        .await
        .unwrap();
    for (json, expected) in [(false, "1234.5 credits"), (true, r#"{"credits":1234.5}"#)] {
        let mut command = suno();
        command.args(["--api-key", "k", "--base-url", &url, "credits"]);
        if json {
            command.arg("--json");
        }
        let output = command.output().await.unwrap();
        let (stdout, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert_eq!(stdout.trim(), expected);
    }
}

#[tokio::test]
async fn lyrics_wav_and_separate_wait_for_their_own_kind() {
    let server = server(MockBuilder::default()).await;
    let output = run(&server, &["lyrics", "--prompt", "the sea", "--wait"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("lyrics 1  Mock lyrics 0"), "{stdout}");

    let output = run(&server, &["wav", "music-1", "track-1", "--wait", "--json"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let record: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!(record["status"], "SUCCESS");
    assert!(
        record["result"]
            .as_str()
            .is_some_and(|u| u.ends_with(".wav")),
        "{record}"
    );

    let output = run(&server, &["separate", "music-1", "track-1", "--wait"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("vocal "), "{stdout}");
    assert!(stdout.contains("instrumental "), "{stdout}");
}

#[tokio::test]
async fn task_and_wait_take_the_kind_of_the_task() {
    let server = server(MockBuilder::default()).await;
    let output = run(&server, &["lyrics", "--prompt", "rain"]).await;
    let id = text(&output).0.trim().to_owned();
    let output = run(&server, &["wait", &id, "--kind", "lyrics"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stdout.starts_with(&format!("task {id}  SUCCESS")),
        "{stdout}"
    );
    // As a music task the id is unknown.
    let output = run(&server, &["task", &id]).await;
    assert_eq!(output.status.code(), Some(3), "{:?}", text(&output));
    // Only music has a streamable stage.
    let output = run(
        &server,
        &["wait", &id, "--kind", "lyrics", "--until", "streamable"],
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "{:?}", text(&output));
}

#[tokio::test]
async fn extend_sends_the_tracks_model() {
    let server = server(MockBuilder::default()).await;
    let output = run(&server, &["extend", "track-1", "--model", "V4_5"]).await;
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output));
    assert_eq!(server.created_tasks()[0].1, "extend-music");
    let missing = run(&server, &["extend", "track-1"]).await;
    assert_eq!(missing.status.code(), Some(2), "the model is required");
}

#[tokio::test]
async fn download_saves_each_tracks_audio_and_cover_image_once() {
    let server = server(MockBuilder::default()).await;
    server.add_task(
        "done",
        Script::pending().then(Duration::ZERO, kie_suno::TaskStatus::Success),
    );
    let dir = tempfile::tempdir().expect("dir");
    let dir_arg = dir.path().to_str().expect("utf-8");
    let output = run(&server, &["download", "done", "--dir", dir_arg]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "two tracks, audio and image each: {stdout}");
    // Each line: path, bytes, then how long it plays and where it came from.
    let audio: Vec<&&str> = lines.iter().filter(|l| l.contains(".mp3  ")).collect();
    assert_eq!(audio.len(), 2, "{stdout}");
    assert!(
        audio.iter().all(|l| l.contains(" s; from file http://")),
        "{stdout}"
    );
    assert!(audio.iter().any(|l| l.contains("(180.5 s;")), "{stdout}");
    let images: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains(".jpeg  49152  (from file"))
        .collect();
    assert_eq!(images.len(), 2, "{stdout}");
    let mut names = saved_files(dir.path());
    names.sort();
    assert_eq!(
        names,
        [
            "Peaceful Piano-done-0-cover.jpeg",
            "Peaceful Piano-done-0.mp3",
            "Peaceful Piano-done-1-cover.jpeg",
            "Peaceful Piano-done-1.mp3"
        ]
    );
    let files_before = server.requests().len();
    let again = run(&server, &["download", "done", "--dir", dir_arg, "--json"]).await;
    let (stdout, _) = text(&again);
    assert!(
        stdout.lines().all(|l| l.contains("\"already_there\":true")),
        "{stdout}"
    );
    assert_eq!(
        server.requests().len(),
        files_before + 1,
        "only the record was asked for"
    );
}

#[tokio::test]
async fn generate_wait_download_does_it_all() {
    let server = server(MockBuilder::default()).await;
    let dir = tempfile::tempdir().expect("dir");
    let dir_arg = dir.path().to_str().expect("utf-8");
    let output = run(
        &server,
        &[
            "generate",
            "--prompt",
            "rain",
            "--wait",
            "--download",
            dir_arg,
        ],
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("SUCCESS"), "{stdout}");
    assert_eq!(saved_files(dir.path()).len(), 4, "{stdout}");
}

/// The files in `dir`, but the completion records beside them.
fn saved_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !(name.starts_with('.') && name.ends_with(".done")))
        .collect()
}

#[tokio::test]
async fn a_download_that_fails_after_a_create_exits_4_naming_the_task() {
    let server = server(MockBuilder::default()).await;
    // A directory that cannot be made: under a file.
    let dir = tempfile::tempdir().expect("dir");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"x").expect("write");
    let target = blocker.join("songs");
    let output = run(
        &server,
        &[
            "generate",
            "--prompt",
            "rain",
            "--wait",
            "--download",
            target.to_str().expect("utf-8"),
        ],
    )
    .await;
    let (stdout, stderr) = text(&output);
    assert_eq!(
        output.status.code(),
        Some(4),
        "credits were spent: never 2\n{stdout}\n{stderr}"
    );
    let created = stderr
        .lines()
        .find_map(|l| l.strip_prefix("created music task "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the task id comes first");
    let failures: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(failures.len(), 4, "each file named: {stderr}");
    assert!(
        failures
            .iter()
            .all(|l| l.contains(&format!("task {created}")) && l.contains("not saved")),
        "{stderr}"
    );
    assert!(!stderr.contains("nothing was sent"), "{stderr}");
}

#[tokio::test]
async fn a_plain_http_callback_url_to_a_public_host_exits_2_unless_allowed() {
    let server = server(MockBuilder::default()).await;
    let hook = ["--callback-url", "http://hooks.example.com/suno"];
    let mut refused = suno();
    refused
        .args(["--api-key", server.api_key(), "--base-url", server.url()])
        .args(["--no-journal", "generate", "--prompt", "calm piano"])
        .args(hook);
    let output = refused.output().await.unwrap();
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("clear text"), "{stderr}");
    assert!(server.requests().is_empty(), "nothing was sent");
    let mut allowed = suno();
    allowed
        .args(["--api-key", server.api_key(), "--base-url", server.url()])
        .args(["--no-journal", "generate", "--prompt", "calm piano"])
        .args(hook)
        .arg("--allow-insecure-callback");
    let output = allowed.output().await.unwrap();
    assert_eq!(output.status.code(), Some(0), "{:?}", text(&output).1);
    assert_eq!(server.created_tasks().len(), 1);
}
