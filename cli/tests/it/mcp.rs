//! `suno mcp` driven by an MCP client nobody here wrote: the official
//! Python `mcp` package (pinned in `cli/tests/mcp/requirements.txt`,
//! installed into a virtual environment under the target directory on
//! first use), over stdio and over Streamable HTTP. The client script
//! (`cli/tests/mcp/client.py`) checks the tools, their schemas and
//! results; this side checks what the mocks saw: what the agent's calls
//! cost (two creates, none for the refused, repeated or unauthorized
//! calls), and that a lost create was sent once.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kie_suno::mock::{Fault, Faults, KindScript, MockServer, Script};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const KEY: &str = "mcp-test-key";
const TOKEN: &str = "a-token-of-the-users-choosing";

/// The virtual environment with the pinned client, made once per run of
/// this test binary (and kept between runs: pip is not run again when
/// the client imports).
async fn python() -> PathBuf {
    static VENV: tokio::sync::OnceCell<PathBuf> = tokio::sync::OnceCell::const_new();
    VENV.get_or_init(|| async {
        let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mcp-venv");
        let python = venv.join("bin").join("python");
        let requirements = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/requirements.txt");
        let stamp = venv.join("requirements.txt");
        let wanted = std::fs::read(&requirements).expect("the pinned requirements");
        if std::fs::read(&stamp).ok().as_ref() != Some(&wanted) {
            let _ = std::fs::remove_dir_all(&venv);
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).await;
            run(Command::new(&python)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&requirements))
            .await;
            std::fs::write(&stamp, &wanted).expect("stamp the environment");
        }
        python
    })
    .await
    .clone()
}

async fn run(command: &mut Command) {
    let out = command
        .output()
        .await
        .expect("python3 (CPython 3.10+) runs");
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The mock an agent makes music on (tasks done in 3 s), and one that
/// cuts every answer (a create whose answer is lost).
async fn mocks() -> (MockServer, MockServer) {
    let quick = "TEXT_SUCCESS@1s,FIRST_SUCCESS@2s,SUCCESS@3s"
        .parse::<Script>()
        .unwrap();
    let main = MockServer::builder()
        .api_key(KEY)
        .lifecycle(quick)
        .kind_lifecycle(KindScript::done_after(Duration::from_secs(2)))
        .start()
        .await
        .unwrap();
    let lossy = MockServer::builder()
        .api_key(KEY)
        .faults(Faults::always(Fault::CloseMidBody))
        .start()
        .await
        .unwrap();
    (main, lossy)
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("mcp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `suno mcp --http 127.0.0.1:0` on `mock`, and the URL it serves at.
async fn http_server(
    mock: &MockServer,
    work: &Path,
    name: &str,
) -> (tokio::process::Child, String) {
    let mut child = crate::common::suno()
        .args(["mcp", "--http", "127.0.0.1:0", "--journal"])
        .arg(work.join(format!("{name}.sqlite3")))
        .arg("--download")
        .arg(work.join("files"))
        .env("KIE_BASE_URL", mock.url())
        .env("KIE_API_KEY", KEY)
        .env("KIE_CALLBACK_URL", "http://127.0.0.1:9/callback")
        .env("KIE_MCP_TOKEN", TOKEN)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("suno mcp says where it serves")
            .unwrap()
            .expect("suno mcp stopped before serving");
        if let Some(url) = line.strip_prefix("suno mcp: serving MCP at ") {
            break url.to_owned();
        }
    };
    // Keep reading, so that the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, url)
}

/// Runs the client script; the findings it printed.
async fn client(env: &[(&str, String)]) -> serde_json::Value {
    let mut command = Command::new(python().await);
    command
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py"))
        .env("SUNO", env!("CARGO_BIN_EXE_suno"))
        .env("KIE_API_KEY", KEY)
        .env("KIE_CALLBACK_URL", "http://127.0.0.1:9/callback")
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let out = tokio::time::timeout(Duration::from_secs(300), command.output())
        .await
        .expect("the client finishes")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the MCP client's checks failed:\n{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("findings: {e}: {stdout}"))
}

/// What the mocks saw: two creates on the main one (the first call and
/// `new: true`; nothing for the bad inputs, the repeat or the refused
/// key), one create sent to the lossy one (its repeat was not sent).
fn check_costs(main: &MockServer, lossy: &MockServer, findings: &serde_json::Value) {
    let created: Vec<String> = main.created_tasks().into_iter().map(|(id, _)| id).collect();
    assert_eq!(created.len(), 2, "creates at the mock: {created:?}");
    let ids: Vec<String> = serde_json::from_value(findings["task_ids"].clone()).unwrap();
    assert_eq!(created.iter().filter(|id| ids.contains(id)).count(), 2);
    let sent = lossy
        .requests()
        .iter()
        .filter(|r| r.operation == "generate-music")
        .count();
    assert_eq!(sent, 1, "a create whose answer was lost is sent once");
    assert_eq!(main.rate_violations(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_over_stdio_makes_music_and_pays_once_per_task() {
    let (main, lossy) = mocks().await;
    let work = scratch("stdio");
    let findings = client(&[
        ("TRANSPORT", "stdio".into()),
        ("MOCK_URL", main.url().to_owned()),
        ("LOSSY_URL", lossy.url().to_owned()),
        ("WORK", work.display().to_string()),
    ])
    .await;
    check_costs(&main, &lossy, &findings);
    assert_eq!(findings["revoked_key_refused"], true);
    assert!(findings["files"].as_u64().unwrap() >= 2, "{findings}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_over_http_with_the_token_makes_music_and_one_without_is_refused() {
    let (main, lossy) = mocks().await;
    let work = scratch("http");
    let (_server, url) = http_server(&main, &work, "journal").await;
    let (_lossy_server, lossy_url) = http_server(&lossy, &work, "lossy").await;

    let refused = kie_suno::reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        401,
        "a client without the token is refused"
    );

    let findings = client(&[
        ("TRANSPORT", "http".into()),
        ("MCP_URL", url),
        ("MCP_TOKEN", TOKEN.into()),
        ("LOSSY_MCP_URL", lossy_url),
        ("MOCK_URL", main.url().to_owned()),
        ("LOSSY_URL", lossy.url().to_owned()),
        ("WORK", work.display().to_string()),
    ])
    .await;
    check_costs(&main, &lossy, &findings);
}
