//! The `suno` binary against the mock server over loopback: output, exit
//! codes, and that the API key never appears in what it prints.

use std::process::Output;
use std::time::Duration;

use kie_suno::mock::{Fault, Faults, MockServer, Script};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const KEY: &str = "sk-cli-secret-5f1e2d3c4b5a";

fn suno() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_suno"));
    command
        .env_remove("KIE_API_KEY")
        .env_remove("KIE_BASE_URL")
        .kill_on_drop(true);
    command
}

async fn run(server: &MockServer, key: &str, args: &[&str]) -> Output {
    suno()
        .args(["--base-url", server.url(), "--api-key", key])
        .args(args)
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

async fn server() -> MockServer {
    let server = MockServer::builder()
        .api_key(KEY)
        .start()
        .await
        .expect("mock");
    server.add_task(
        "done",
        Script::pending().then(Duration::ZERO, kie_suno::TaskStatus::Success),
    );
    server
}

#[tokio::test]
async fn task_prints_a_summary_with_each_track() {
    let server = server().await;
    let output = run(&server, KEY, &["task", "done"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("task done  SUCCESS\n"), "{stdout}");
    assert!(
        stdout.contains("track 1  Peaceful Piano  (3:00)"),
        "{stdout}"
    );
    assert!(stdout.contains("track 2  "), "{stdout}");
    assert!(
        stdout.contains("audio      https://files.mock.invalid/done-0.mp3"),
        "{stdout}"
    );
}

#[tokio::test]
async fn task_json_is_one_object_with_documented_fields() {
    let server = server().await;
    let output = run(&server, KEY, &["task", "done", "--json"]).await;
    let (stdout, _) = text(&output);
    assert_eq!(stdout.lines().count(), 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    for field in [
        "task_id",
        "status",
        "operation",
        "model",
        "error_code",
        "error_message",
        "params",
        "tracks",
    ] {
        assert!(json.get(field).is_some(), "missing {field}: {json}");
    }
    let track = &json["tracks"][0];
    for field in [
        "id",
        "title",
        "tags",
        "audio_url",
        "stream_audio_url",
        "image_url",
        "created_at",
        "duration_secs",
    ] {
        assert!(track.get(field).is_some(), "missing track {field}: {track}");
    }
    assert_eq!(json["status"], "SUCCESS");
    assert!(
        chrono::DateTime::parse_from_rfc3339(track["created_at"].as_str().expect("time")).is_ok()
    );
}

#[tokio::test]
async fn unknown_task_exits_3_with_one_line() {
    let server = server().await;
    let output = run(&server, KEY, &["task", "nope"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(3));
    assert!(stdout.is_empty());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: task \"nope\" was not found"),
        "{stderr}"
    );
}

#[tokio::test]
async fn proxy_error_exits_4() {
    let faults = Faults {
        kinds: vec![Fault::Http502Html],
        ..Faults::at_rate(1.0, 1)
    };
    let server = MockServer::builder()
        .api_key(KEY)
        .faults(faults)
        .start()
        .await
        .expect("mock");
    let output = run(&server, KEY, &["task", "t"]).await;
    assert_eq!(output.status.code(), Some(4), "{:?}", text(&output));
}

#[tokio::test]
async fn configuration_and_usage_errors_exit_2() {
    let missing_key = suno().args(["task", "t"]).output().await.expect("runs");
    assert_eq!(missing_key.status.code(), Some(2));
    assert!(text(&missing_key).1.contains("KIE_API_KEY"));

    let plain_http = suno()
        .args([
            "--api-key",
            KEY,
            "--base-url",
            "http://example.com",
            "task",
            "t",
        ])
        .output()
        .await
        .expect("runs");
    assert_eq!(plain_http.status.code(), Some(2));

    let no_id = suno()
        .args(["--api-key", KEY, "task"])
        .output()
        .await
        .expect("runs");
    assert_eq!(no_id.status.code(), Some(2));
}

#[tokio::test]
async fn key_appears_in_no_output() {
    let server = server().await;
    let faults = Faults {
        kinds: vec![Fault::MalformedJson],
        ..Faults::at_rate(1.0, 1)
    };
    let faulty = MockServer::builder()
        .api_key(KEY)
        .faults(faults)
        .start()
        .await
        .expect("mock");
    let runs = [
        run(&server, KEY, &["task", "done"]).await,
        run(&server, KEY, &["task", "done", "--json"]).await,
        run(&server, KEY, &["task", "nope"]).await,
        run(&faulty, KEY, &["task", "x"]).await,
        suno()
            .args([
                "--api-key",
                KEY,
                "--base-url",
                "http://example.com",
                "task",
                "t",
            ])
            .output()
            .await
            .expect("runs"),
        suno()
            .env("KIE_API_KEY", KEY)
            .arg("--help")
            .output()
            .await
            .expect("runs"),
        suno()
            .env("KIE_API_KEY", KEY)
            .args(["task", "--help"])
            .output()
            .await
            .expect("runs"),
    ];
    for output in &runs {
        let (stdout, stderr) = text(output);
        assert!(
            !stdout.contains(KEY) && !stderr.contains(KEY),
            "key leaked:\n{stdout}\n{stderr}"
        );
    }
    // A wrong key is not echoed either.
    let wrong = run(&server, "sk-wrong-key-999", &["task", "done"]).await;
    let (stdout, stderr) = text(&wrong);
    assert_eq!(wrong.status.code(), Some(3));
    assert!(!stdout.contains("sk-wrong-key-999") && !stderr.contains("sk-wrong-key-999"));
}

#[tokio::test]
async fn mock_command_serves_its_scripted_tasks() {
    let mut child = suno()
        .args(["mock", "--task", "t1:SUCCESS@0s", "--key", "k"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("mock starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next_line().await.expect("read").expect("a line");
    let url = first.rsplit(' ').next().expect("url").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");

    let client = kie_suno::Client::builder()
        .api_key(kie_suno::ApiKey::new("k").expect("key"))
        .base_url(&url)
        .build()
        .expect("client");
    let record = client.task("t1").await.expect("served");
    assert_eq!(record.status(), kie_suno::TaskStatus::Success);
    child.kill().await.expect("stops");
}
