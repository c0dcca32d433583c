//! The `suno` binary against the mock server over loopback: output, exit
//! codes, and that the API key never appears in what it prints.

use crate::common::suno;

use std::process::Output;
use std::time::Duration;

use kie_suno::mock::{Fault, Faults, MockServer, Script};
use tokio::io::{AsyncBufReadExt, BufReader};

const KEY: &str = "sk-cli-secret-5f1e2d3c4b5a";

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
    // The mock serves the files its records name.
    let audio = format!("audio      {}/files/done-0.mp3", server.url());
    assert!(stdout.contains(&audio), "{stdout}");
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
    let faults = Faults::always(Fault::Http502Html);
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
    let faults = Faults::always(Fault::MalformedJson);
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

/// `suno mock --key k ARGS`, its remaining lines and its URL (from the
/// first line it prints).
async fn suno_mock(
    args: &[&str],
) -> (
    tokio::process::Child,
    tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    String,
) {
    let mut child = suno()
        .args(["mock", "--key", "k"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("mock starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next_line().await.expect("read").expect("a line");
    let url = first.rsplit(' ').next().expect("url").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    (child, lines, url)
}

#[tokio::test]
async fn mock_command_serves_its_scripted_tasks() {
    let (mut child, _lines, url) = suno_mock(&["--task", "t1:SUCCESS@0s"]).await;

    let client = kie_suno::Client::builder()
        .api_key(kie_suno::ApiKey::new("k").expect("key"))
        .base_url(&url)
        .build()
        .expect("client");
    let record = client.task("t1").await.expect("served");
    assert_eq!(record.status(), kie_suno::TaskStatus::Success);
    child.kill().await.expect("stops");
}

#[tokio::test]
async fn wait_prints_each_result_and_exits_0() {
    let server = server().await;
    server.add_task(
        "soon",
        "TEXT_SUCCESS@300ms,FIRST_SUCCESS@600ms,SUCCESS@1s"
            .parse::<Script>()
            .expect("script"),
    );
    let output = run(&server, KEY, &["wait", "soon", "--timeout", "20s"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("task soon  SUCCESS\n"), "{stdout}");
    assert!(
        stderr.contains("soon: SUCCESS"),
        "a plain progress line when stderr is not a terminal: {stderr}"
    );
}

#[tokio::test]
async fn wait_for_a_failing_task_exits_5_and_prints_its_record() {
    let server = server().await;
    server.add_task(
        "bad",
        "GENERATE_AUDIO_FAILED@500ms"
            .parse::<Script>()
            .expect("script"),
    );
    let output = run(&server, KEY, &["wait", "bad"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    assert!(
        stdout.contains("error      501: Generation failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("error: bad: task \"bad\" failed with GENERATE_AUDIO_FAILED"),
        "{stderr}"
    );
}

#[tokio::test]
async fn wait_past_its_timeout_exits_6_and_prints_the_last_record() {
    let server = server().await;
    server.add_task("slow", Script::success(Duration::from_secs(120)));
    let output = run(&server, KEY, &["wait", "slow", "--timeout", "3s"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(stdout.starts_with("task slow  PENDING"), "{stdout}");
}

#[tokio::test]
async fn wait_json_prints_one_line_per_task_in_completion_order() {
    let server = server().await;
    // "sooner" is done at once; "later" does not exist until the command
    // has read "sooner" (an unknown id is retried for 30 s), so the order
    // does not depend on how long the process takes to start.
    server.add_task("sooner", "SUCCESS@0s".parse::<Script>().expect("script"));
    let command = run(&server, KEY, &["wait", "later", "sooner", "--json"]);
    let add_later = async {
        while !server
            .requests()
            .iter()
            .any(|r| r.task_id.as_deref() == Some("sooner"))
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.add_task("later", "SUCCESS@0s".parse::<Script>().expect("script"));
    };
    let (output, ()) = tokio::join!(command, add_later);
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let ids: Vec<String> = stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("json")["task_id"]
                .as_str()
                .expect("id")
                .to_owned()
        })
        .collect();
    assert_eq!(ids, ["sooner", "later"]);
}

#[tokio::test]
async fn wait_until_streamable_returns_before_completion() {
    let server = server().await;
    server.add_task(
        "t",
        "FIRST_SUCCESS@500ms,SUCCESS@60s"
            .parse::<Script>()
            .expect("script"),
    );
    let output = run(
        &server,
        KEY,
        &["wait", "t", "--until", "streamable", "--json"],
    )
    .await;
    let json: serde_json::Value = serde_json::from_str(&text(&output).0).expect("json");
    assert_eq!(json["status"], "FIRST_SUCCESS");
    assert!(json["tracks"][0]["stream_audio_url"].is_string());
}

#[tokio::test]
async fn verbose_wait_logs_polls_but_never_the_key() {
    let server = server().await;
    server.add_task("v", "SUCCESS@500ms".parse::<Script>().expect("script"));
    let output = run(&server, KEY, &["--verbose", "wait", "v"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("polled") || stderr.contains("wait over"),
        "debug logs: {stderr}"
    );
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}

#[tokio::test]
async fn demo_completes_against_the_embedded_mock_without_a_key() {
    let output = suno()
        .args(["demo", "--json"])
        .output()
        .await
        .expect("demo runs");
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!(json["status"], "SUCCESS");
    assert_eq!(json["tracks"].as_array().map(Vec::len), Some(2));
    assert!(
        stderr.contains("0 requests over the API's limit"),
        "{stderr}"
    );
    // "Woken by its callbacks, the wait made N requests; polling alone, its twin made M."
    let counts: Vec<usize> = stderr
        .lines()
        .find(|l| l.starts_with("Woken by its callbacks"))
        .expect("the saving is reported")
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    assert!(
        matches!(counts[..], [woken, twin] if woken < twin),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_answer_larger_than_the_body_cap_exits_4_as_a_transport_failure() {
    let server = server().await;
    // 9 MiB, above the default 8 MiB cap.
    server.answer_with(
        "huge",
        format!("{{\"code\":200,\"msg\":\"{}\"}}", "x".repeat(9 << 20)),
    );
    let output = run(&server, KEY, &["task", "huge"]).await;
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("longer than"), "{stderr}");
}

const WEBHOOK_KEY: &str = "whk-cli-4b5a6c7d";

/// `suno listen` on a free port, and the URL it listens on.
async fn listen() -> (tokio::process::Child, String) {
    let mut child = suno()
        .args(["listen", "--addr", "127.0.0.1:0"])
        .env("KIE_WEBHOOK_HMAC_KEY", WEBHOOK_KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("suno listen runs");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next_line().await.expect("reads").expect("a line");
    let url = first.rsplit(' ').next().expect("the url").to_owned();
    // Keep reading stderr so the child never blocks on it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

async fn deliver(url: &str, body: &str, timestamp: u64, signature: &str) -> u16 {
    kie_suno::reqwest::Client::new()
        .post(format!("{url}/kie/callback"))
        .header("x-webhook-timestamp", timestamp.to_string())
        .header("x-webhook-signature", signature)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("answered")
        .status()
        .as_u16()
}

#[tokio::test]
async fn listen_prints_each_verified_callback_once_and_refuses_forged_and_stale_ones() {
    use kie_suno::callback::WebhookKey;
    let key = WebhookKey::new(WEBHOOK_KEY).expect("key");
    let (mut child, url) = listen().await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let text = r#"{"code":200,"msg":"ok","data":{"callbackType":"text","task_id":"t1","data":[]}}"#;
    let wav = r#"{"code":200,"msg":"ok","data":{"audioWavUrl":"https://f.example/a.wav","task_id":"w1"}}"#;
    let sign = |task: &str, at: u64| key.sign(task, &at.to_string());
    assert_eq!(deliver(&url, text, now, &sign("t1", now)).await, 200);
    assert_eq!(
        deliver(&url, text, now + 1, &sign("t1", now + 1)).await,
        200,
        "a retry"
    );
    assert_eq!(deliver(&url, wav, now, &sign("w1", now)).await, 200);
    assert_eq!(deliver(&url, text, now, "Zm9yZ2Vk").await, 401, "forged");
    let stale = now - 3600;
    assert_eq!(
        deliver(&url, text, stale, &sign("t1", stale)).await,
        401,
        "stale"
    );
    // The two new deliveries, in order; the retry and the refused ones
    // print nothing (had the retry printed, the second line would be t1).
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut lines = Vec::new();
    for _ in 0..2 {
        let line = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
            .await
            .expect("printed in time")
            .expect("reads")
            .expect("a line");
        lines.push(serde_json::from_str::<serde_json::Value>(&line).expect("a JSON line"));
    }
    child.start_kill().expect("stops");
    let rest = stdout.next_line().await.ok().flatten();
    assert_eq!(rest, None, "nothing more");
    assert_eq!(lines[0]["task_id"], "t1");
    assert_eq!(lines[0]["kind"], "music");
    assert_eq!(lines[0]["stage"], "text");
    assert_eq!(lines[1]["task_id"], "w1");
    assert_eq!(lines[1]["kind"], "wav");
    assert!(lines.iter().all(|l| !l.to_string().contains(WEBHOOK_KEY)));
}

#[tokio::test]
async fn listen_without_a_webhook_key_exits_2_saying_why() {
    let output = suno()
        .args(["listen", "--addr", "127.0.0.1:0"])
        .env_remove("KIE_WEBHOOK_HMAC_KEY")
        .output()
        .await
        .expect("runs");
    let (_, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("KIE_WEBHOOK_HMAC_KEY") && stderr.contains("--insecure-no-verify"),
        "{stderr}"
    );
}

#[tokio::test]
async fn wait_with_listen_wakes_on_a_signed_callback_and_polls_to_confirm() {
    use kie_suno::callback::WebhookKey;
    let server = server().await;
    // Pending until the test says otherwise.
    server.add_task("cb", Script::pending());
    let mut child = suno()
        .args(["--base-url", server.url(), "--api-key", KEY])
        .args(["wait", "cb", "--listen", "127.0.0.1:0", "--json"])
        .env("KIE_WEBHOOK_HMAC_KEY", WEBHOOK_KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("suno wait runs");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let first = stderr.next_line().await.expect("reads").expect("a line");
    let url = first.rsplit(' ').next().expect("url").to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });
    let polls = || {
        server
            .requests()
            .iter()
            .filter(|r| r.task_id.as_deref() == Some("cb"))
            .count()
    };
    // After its first poll (PENDING), the wait's next poll is the 30 s
    // safety net: only the callback can make it look sooner.
    while polls() == 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let finished = serde_json::json!({
        "code": 200, "msg": "success",
        "data": {"taskId": "cb", "status": "SUCCESS", "response": {"sunoData": []}}
    });
    server.answer_with("cb", finished.to_string());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let key = WebhookKey::new(WEBHOOK_KEY).expect("key");
    let body =
        r#"{"code":200,"msg":"ok","data":{"callbackType":"complete","task_id":"cb","data":[]}}"#;
    assert_eq!(
        deliver(&url, body, now, &key.sign("cb", &now.to_string())).await,
        200
    );
    let output = tokio::time::timeout(Duration::from_secs(20), child.wait_with_output())
        .await
        .expect("ends long before the 30 s safety poll")
        .expect("exits");
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim()).expect("json");
    assert_eq!(json["status"], "SUCCESS");
    assert_eq!(polls(), 2, "the first poll and the confirming one");
}

/// The polls `server` was sent for `task_id`.
fn polls_of(server: &MockServer, task_id: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.task_id.as_deref() == Some(task_id))
        .count()
}

#[tokio::test]
async fn wait_with_timeout_0_polls_once_then_exits_6_or_0() {
    let server = server().await;
    server.add_task("slow", Script::success(Duration::from_secs(120)));
    let output = run(&server, KEY, &["wait", "slow", "--timeout", "0s"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(6), "{stderr}");
    assert!(stdout.starts_with("task slow  PENDING"), "{stdout}");
    assert_eq!(polls_of(&server, "slow"), 1, "one poll, then the timeout");

    let output = run(&server, KEY, &["wait", "done", "--timeout", "0s"]).await;
    let (stdout, stderr) = text(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stdout.starts_with("task done  SUCCESS"), "{stdout}");
    assert_eq!(polls_of(&server, "done"), 1);
}

#[tokio::test]
async fn read_only_commands_name_a_journal_that_is_not_there_and_create_none() {
    let server = server().await;
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("typo.sqlite3");
    for command in ["tasks", "resume"] {
        let output = suno()
            .args(["--base-url", server.url(), "--api-key", KEY])
            .args(["--journal", missing.to_str().expect("utf-8"), command])
            .output()
            .await
            .expect("suno runs");
        let (_, stderr) = text(&output);
        assert_eq!(output.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!("no journal at {}", missing.display())),
            "{command}: {stderr}"
        );
        assert!(!missing.exists(), "{command} created the journal");
    }
    assert!(server.requests().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn mock_command_plays_the_created_lifecycle_it_is_given() {
    let (mut child, mut lines, url) = suno_mock(&["--created-lifecycle", "SUCCESS@0s"]).await;
    let mut said = String::new();
    while !said.contains("created music tasks play") {
        said = lines.next_line().await.expect("read").expect("a line");
    }
    assert!(said.contains("play SUCCESS@0"), "{said}");

    let client = kie_suno::Client::builder()
        .api_key(kie_suno::ApiKey::new("k").expect("key"))
        .base_url(&url)
        .callback_url("http://127.0.0.1:9/callbacks")
        .build()
        .expect("client");
    let created = client
        .music()
        .generate(kie_suno::music::GenerateMusic::from_description(
            "rain on a tin roof",
        ))
        .await
        .expect("created");
    let record = client.task(created.id()).await.expect("served");
    assert_eq!(record.status(), kie_suno::TaskStatus::Success);
    child.kill().await.expect("stops");
}

#[tokio::test]
async fn a_journal_database_that_cannot_be_reached_is_named_with_its_cause() {
    // Port 1 on loopback: nothing listens there.
    let output = suno()
        .args([
            "--journal",
            "postgres://kie:hunter2@127.0.0.1:1/kie",
            "tasks",
        ])
        .output()
        .await
        .expect("suno runs");
    let (_, stderr) = text(&output);
    assert_ne!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "says where: {stderr}");
    assert!(stderr.contains("refused"), "says why: {stderr}");
    assert!(!stderr.contains("hunter2"), "never the password: {stderr}");
}

#[tokio::test]
async fn options_show_only_where_they_apply_and_work_before_or_after_the_command() {
    for (command, absent) in [
        ("mock", "--api-key"),
        ("demo", "--base-url"),
        ("tasks", "--no-journal"),
        ("tasks", "--api-key"),
    ] {
        let output = suno()
            .args([command, "--help"])
            .output()
            .await
            .expect("runs");
        let (stdout, _) = text(&output);
        assert!(
            !stdout.contains(absent),
            "`suno {command} --help` shows {absent}:\n{stdout}"
        );
    }
    let output = suno()
        .args(["generate", "--help"])
        .output()
        .await
        .expect("runs");
    let (stdout, _) = text(&output);
    for present in ["--api-key", "--base-url", "--journal", "--no-journal"] {
        assert!(
            stdout.contains(present),
            "generate takes {present}:\n{stdout}"
        );
    }

    let server = server().await;
    let before = run(&server, KEY, &["task", "done"]).await;
    let after = suno()
        .args(["task", "done", "--base-url", server.url(), "--api-key", KEY])
        .output()
        .await
        .expect("runs");
    assert_eq!(before.status.code(), Some(0), "{}", text(&before).1);
    assert_eq!(after.status.code(), Some(0), "{}", text(&after).1);
    assert_eq!(before.stdout, after.stdout);

    // A command's own option wins over `suno`'s.
    let wrong_first = suno()
        .args(["--api-key", "wrong-key", "task", "done"])
        .args(["--base-url", server.url(), "--api-key", KEY])
        .output()
        .await
        .expect("runs");
    assert_eq!(
        wrong_first.status.code(),
        Some(0),
        "{}",
        text(&wrong_first).1
    );
}

#[tokio::test]
async fn a_reader_who_left_never_makes_suno_panic() {
    // Pipes whose reading ends are gone before `suno` starts: every line it
    // writes, to either stream, fails with a broken pipe.
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("typo.sqlite3");
    for args in [
        vec!["--journal", missing.to_str().expect("utf-8"), "tasks"],
        vec!["mock", "--help"],
    ] {
        let (reader, stdout) = std::io::pipe().expect("pipe");
        let (error_reader, stderr) = std::io::pipe().expect("pipe");
        drop((reader, error_reader));
        let status = suno()
            .args(&args)
            .stdout(stdout)
            .stderr(stderr)
            .status()
            .await
            .expect("suno runs");
        // 101 is a panic's exit code; the missing journal is a usage error (2).
        let expected = if args[0] == "mock" { 0 } else { 2 };
        assert_eq!(status.code(), Some(expected), "suno {args:?}");
    }
}
