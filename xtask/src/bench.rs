//! `cargo xtask bench`: runs the benchmark binary (ratios against baselines
//! measured in the same run), measures the build-time ratio of a small app
//! on `kie-suno` against one on reqwest + serde_json, and writes the table
//! to `BENCHMARKS.md`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// `(name, value)` figures, in the order printed.
pub type Figures = Vec<(String, String)>;

/// Goals from the benchmark issue, shown next to each figure.
const GOALS: &[(&str, &str)] = &[
    ("call_overhead_ratio", "<= 1.05"),
    ("decode_vs_value_ratio", "<= 0.6"),
    ("decode_vs_scan_ratio", "report; <= 2.0"),
    ("wait_polls_ratio", "<= 1.0"),
    ("wait_delay_ratio", "<= 0.6"),
    ("wait_rss_per_task_kib", "report; <= 8"),
    ("build_ratio", "report; <= 1.6"),
];

/// Runs the benchmark binary and parses its `name=value` lines.
pub fn run_benchmarks(root: &Path, quick: bool) -> Result<Figures, String> {
    let mut command = Command::new(cargo());
    command
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "kie-suno-tests",
            "--bin",
            "bench",
            "--",
        ])
        .current_dir(root);
    if quick {
        command.arg("--quick");
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the benchmark failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect())
}

const SDK_APP: &str = r#"#[tokio::main(flavor = "current_thread")]
async fn main() {
    let record = async { kie_suno::Client::from_env()?.task("t").await };
    match record.await {
        Ok(r) => println!("{}", r.status()),
        Err(e) => eprintln!("{e}"),
    }
}
"#;

const REQWEST_APP: &str = r#"#[tokio::main(flavor = "current_thread")]
async fn main() {
    let key = std::env::var("KIE_API_KEY").unwrap_or_default();
    let sent = reqwest::Client::new()
        .get("https://api.kie.ai/api/v1/generate/record-info")
        .query(&[("taskId", "t")])
        .bearer_auth(key)
        .send()
        .await;
    match sent {
        Ok(r) => match r.bytes().await.map(|b| serde_json::from_slice::<serde_json::Value>(&b)) {
            Ok(Ok(v)) => println!("{}", v["data"]["status"]),
            Ok(Err(e)) => eprintln!("{e}"),
            Err(e) => eprintln!("{e}"),
        },
        Err(e) => eprintln!("{e}"),
    }
}
"#;

/// Clean release builds of the two apps, each into an empty target dir;
/// returns (seconds with kie-suno, seconds with reqwest).
pub fn build_times(root: &Path) -> Result<(f64, f64), String> {
    let base = root.join("target/build-bench");
    let _ = std::fs::remove_dir_all(&base);
    let sdk_ext = root.join("sdk-ext");
    let sdk_deps = format!(
        "kie-suno = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n",
        sdk_ext.display().to_string()
    );
    let reqwest_deps = "reqwest = { version = \"0.13\", default-features = false, features = [\"rustls\", \"query\"] }\n\
        serde_json = \"1\"\ntokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n";
    let sdk = build_app(root, &base.join("with-kie-suno"), &sdk_deps, SDK_APP)?;
    let plain = build_app(root, &base.join("with-reqwest"), reqwest_deps, REQWEST_APP)?;
    Ok((sdk, plain))
}

fn build_app(root: &Path, dir: &Path, dependencies: &str, main: &str) -> Result<f64, String> {
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    std::fs::create_dir_all(dir.join("src")).map_err(io)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n{dependencies}\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(io)?;
    std::fs::write(dir.join("src/main.rs"), main).map_err(io)?;
    // The workspace's lock file pins the same versions for both apps.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(io)?;
    let start = Instant::now();
    let status = Command::new(cargo())
        .args(["build", "--release", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building {} failed", dir.display()));
    }
    Ok(start.elapsed().as_secs_f64())
}

fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// The machine, for the table: cores and memory.
pub fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or_else(
            || "unknown memory".to_owned(),
            |kib| format!("{:.0} GiB", kib / 1024.0 / 1024.0),
        );
    format!("{cores} cores, {memory}")
}

/// The BENCHMARKS.md table.
pub fn markdown(figures: &Figures, date: &str, command: &str) -> String {
    let mut out = format!(
        "# Benchmarks\n\nMeasured {date} on {} with `{command}`. Each ratio is against a baseline \
         measured in the same run (see `tests/src/bin/bench.rs` and `xtask/src/bench.rs`).\n\n\
         | figure | value | goal |\n|---|---|---|\n",
        machine()
    );
    for (name, value) in figures {
        let goal = GOALS
            .iter()
            .find(|(g, _)| g == name)
            .map_or("", |(_, goal)| goal);
        out.push_str(&format!("| `{name}` | {value} | {goal} |\n"));
    }
    out
}
