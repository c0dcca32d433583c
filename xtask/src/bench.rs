//! `cargo xtask bench`: runs the benchmark binary (ratios against baselines
//! measured in the same run, each the median of interleaved rounds with its
//! spread), measures the build-time ratio of a small app on `kie-suno`
//! against one on reqwest + serde_json over alternating clean builds, judges
//! each figure against its goal by its whole spread, and writes
//! `BENCHMARKS.md`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One figure: the median, and the smallest and largest round when the
/// figure was measured in rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub name: String,
    pub value: String,
    pub spread: Option<(String, String)>,
    pub rounds: Option<usize>,
}

/// Figures in the order printed.
pub type Figures = Vec<Figure>;

/// A goal from the issues, shown next to its figure. A `report` goal is
/// a target to report on, not a promise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub at_most: bool,
    pub limit: f64,
    pub report: bool,
}

const fn at_most(limit: f64) -> Goal {
    Goal {
        at_most: true,
        limit,
        report: false,
    }
}

const fn at_least(limit: f64) -> Goal {
    Goal {
        at_most: false,
        limit,
        report: false,
    }
}

const fn report_at_most(limit: f64) -> Goal {
    Goal {
        report: true,
        ..at_most(limit)
    }
}

/// The goals, by figure.
pub const GOALS: &[(&str, Goal)] = &[
    ("call_overhead_ratio", at_most(1.05)),
    ("drift_overhead_ratio", report_at_most(1.02)),
    // decode_vs_value_ratio and decode_vs_scan_ratio are report lines
    // without goals: 3 us per record is not what users wait on.
    ("wait_polls_ratio", at_most(1.0)),
    ("wait_delay_ratio", at_most(0.6)),
    ("hybrid_delay_excess_s", at_most(0.3)),
    ("hybrid_polls_per_task", at_most(3.0)),
    ("hybrid_lossy_delay_ratio", at_most(0.5)),
    ("wait_rss_per_task_kib", at_most(4.0)),
    ("wait_rss_per_task_kib_large", at_most(4.0)),
    ("wait_open_fds_large", at_most(1000.0)),
    ("create_burst_ratio", at_most(1.05)),
    ("download_ratio", at_least(0.95)),
    ("download_verify_ratio", at_least(0.9)),
    // The SDK reads the audio's length too (`download_verify_ratio`).
    ("download_vs_checksummed_ratio", at_least(0.9)),
    ("late_task_polls_ratio", at_most(1.0)),
    ("download_peak_rss_mib", at_most(32.0)),
    ("build_ratio", report_at_most(1.6)),
    ("fleet_efficiency", at_least(0.9)),
    // The lease (3 s) plus 1 s.
    ("fleet_takeover_s", at_most(4.0)),
    ("journal_claim_p99_ms_sqlite", at_most(20.0)),
    ("journal_claim_p99_ms_postgres", at_most(20.0)),
    ("journal_list_unfinished_ms_sqlite", at_most(500.0)),
    ("journal_list_unfinished_ms_postgres", at_most(500.0)),
    ("e2e_ratio", at_most(1.1)),
];

/// What was measured on each side of each ratio, for BENCHMARKS.md.
pub const BASELINES: &[(&str, &str)] = &[
    (
        "e2e_ratio",
        "time from the first of 200 `client.music().generate` calls (the default create limit, a PostgreSQL journal) until 3 `suno worker` processes on that journal have reported the last song with its files saved, against a mock holding to the live 20 creates per 10 s whose songs take 20-40 s (seeded) and whose callbacks reach the first worker up to 5 s late, 10% twice; vs the ideal for the same songs: each create in the earliest window the live limit allows (the 200th at 90 s), each song reported when its lifecycle ends plus one song's download (measured after the run); one run (over two minutes)",
    ),
    (
        "decode_vs_value_ratio",
        "a two-track SUCCESS body into `MusicRecord` vs into `serde_json::Value`; both check UTF-8 once and parse with `from_str`",
    ),
    (
        "decode_vs_scan_ratio",
        "the same body into `MusicRecord` vs into `serde::de::IgnoredAny` (reading only), same UTF-8 check and `from_str`",
    ),
    (
        "call_overhead_ratio",
        "`client.task(id)` vs a bare reqwest GET with the bearer key that decodes the same body into the same generated `MusicRecordResponse` (UTF-8 check, `from_str`, code checked); same loopback server, keep-alive, sides alternating first",
    ),
    (
        "drift_overhead_ratio",
        "the same `client.task(id)` calls (drift on, the default: the first 16 answers compared with openapi.json, then one in 64) vs a client with `drift(false)`; same server, the three call sides in turn first",
    ),
    (
        "wait_polls_ratio",
        "polls per task of the default `PollPolicy` vs a fixed 5 s loop, per seeded lifecycle mix (median of the mixes), simulated time",
    ),
    (
        "wait_delay_ratio",
        "mean detection delay, same mixes and sides as `wait_polls_ratio`",
    ),
    (
        "hybrid_delay_excess_s",
        "waits for just-created tasks woken by the provider's callbacks through one `Wakeups::new()` per mix, as one receiver serves a service (default safety net: 30 s then 60 s once callbacks have earned trust); each callback 0.2-5 s late (uniform), 10% delivered twice, reordered by their latencies (seeded): mean detection delay minus the mean latency of the callback of the change waited for, i.e. what the SDK adds (`hybrid_callback_latency_s` is that latency)",
    ),
    (
        "hybrid_polls_per_task",
        "polls per task of the same waits; the floor is 2 (the first look, and the confirmation of the end the callback claimed)",
    ),
    (
        "hybrid_lossy_delay_ratio",
        "mean detection delay of the same waits with 30% of the callbacks lost too vs the fixed 5 s loop, same mixes (`hybrid_lossy_polls_ratio`: their polls)",
    ),
    (
        "late_task_polls_ratio",
        "polls of the default wait for a just-created task the API does not know for 90 s (\"recordInfo is null\"), done at 120 s, vs a fixed 5 s loop that looks through the same answers, simulated time (`late_task_polls`, `late_task_fixed_5s_polls`)",
    ),
    (
        "create_burst_ratio",
        "simulated time until the last of 100 music creates sent at once through one client (default create limit) is created, against the live account limit of 20 per 10 s, vs the ideal 40 s (20 creates in each window, windows starting at 0, 10, 20, 30 and 40 s; the last create goes at the fifth window's start); a refused or failed create counts as a failure",
    ),
    (
        "download_ratio",
        "throughput of `client.downloads().file(..)` saving 256 MiB of MP3 frames (128 kbps, 417-byte frames, the live files' rate) from a loopback server, its length read from the frames, vs a plain reqwest GET streamed into a file through the same 256 KiB buffer, flushed, synced and renamed; 5 rounds, the four download sides in turn first",
    ),
    (
        "download_verify_ratio",
        "the same SDK download of the same 256 MiB of MP3 frames, its length read from the frames as they arrive, vs the SDK saving the same bytes served as `application/octet-stream` (no length read); same rounds",
    ),
    (
        "download_vs_checksummed_ratio",
        "the same SDK download vs the plain reqwest loop that also hashes each chunk with SHA-256 as it writes it (`sha2`, as the SDK) and writes the digest beside the file: the hand-written alternative with what the SDK records; same rounds, the four sides in turn first",
    ),
    (
        "download_checksum_cost_ratio",
        "the plain reqwest loop vs the same loop hashing each chunk: what SHA-256 alone costs a download on this machine, the bound it puts on `download_ratio`; same rounds; no goal",
    ),
    (
        "download_peak_rss_mib",
        "peak resident memory of a process that only downloads a 1 GiB loopback file with the SDK (the server in another process); no baseline",
    ),
    (
        "wait_rss_per_task_kib",
        "resident memory of the waiting process after every wait's first successful poll, minus before, per task, at 10,000 waits (`_large`: 100,000); the mock in another process; no baseline",
    ),
    (
        "wait_open_fds_large",
        "file descriptors the waiting process holds while its 100,000 waits sleep between polls (`wait_open_fds`: at 10,000); at most 64 API requests are in flight at once by default",
    ),
    (
        "build_ratio",
        "clean release build of a one-call app on `kie-suno` vs the same app on reqwest + serde_json, each into an empty target dir, alternating which builds first, offline with the workspace's lock file",
    ),
    (
        "fleet_efficiency",
        "tasks reported per second (creates done beforehand; from the workers' start to the last report) by 3 `suno worker` processes following at most 8 tasks at once each vs 1 following at most 24 (the same concurrency in one process), on the same seeded mix of every kind (120 tasks, lifecycles of 0.3-4 s, 2% faults on polls and downloads, callbacks to one worker, 10% lost) over one fresh PostgreSQL database per run; sides alternating first",
    ),
    (
        "fleet_takeover_s",
        "3 workers, lease 3 s, one killed with SIGKILL 3 s in: time from the kill until every task it held is claimed by another worker (or reported), read from the journal every 50 ms; no baseline (goal: the lease + 1 s)",
    ),
    (
        "journal_claim_p99_ms_sqlite",
        "a journal of 1,000,000 finished tasks (reported, two saved files each) and 100,000 made tasks waiting for a worker, loaded by SQL; 8 workers, each its own connection as 8 processes, claiming 8 tasks at once, 25 claims each per round: the 99th percentile of every claim's latency; on an SQLite file (`_postgres`: PostgreSQL 15, a fresh database); no baseline",
    ),
    (
        "journal_list_unfinished_ms_sqlite",
        "`entries(false)` (what `suno tasks` lists: the 100,000 unfinished tasks, with their files) on the same journal after each round's claims; `journal_bytes_per_task_*` is the store's size over the tasks it holds",
    ),
];

/// Where a figure stands against its goal, by its whole spread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The whole spread is on the right side.
    Met,
    /// The spread straddles the goal: within noise of it.
    WithinNoise,
    /// The whole spread is on the wrong side.
    NotMet,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Met => "met",
            Verdict::WithinNoise => "within noise",
            Verdict::NotMet => "not met",
        })
    }
}

impl Figure {
    /// The goal of this figure, if it has one.
    pub fn goal(&self) -> Option<Goal> {
        GOALS
            .iter()
            .find(|(name, _)| *name == self.name)
            .map(|(_, goal)| *goal)
    }

    /// The figure against its goal; `None` without a goal or a number.
    pub fn verdict(&self) -> Option<Verdict> {
        let goal = self.goal()?;
        let number = |s: &str| s.parse::<f64>().ok();
        let (lo, hi) = match &self.spread {
            Some((lo, hi)) => (number(lo)?, number(hi)?),
            None => (number(&self.value)?, number(&self.value)?),
        };
        let ok = |x: f64| {
            if goal.at_most {
                x <= goal.limit
            } else {
                x >= goal.limit
            }
        };
        Some(match (ok(lo), ok(hi)) {
            (true, true) => Verdict::Met,
            (false, false) => Verdict::NotMet,
            _ => Verdict::WithinNoise,
        })
    }
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.at_most { "<=" } else { ">=" };
        if self.report {
            write!(f, "report; {op} {}", self.limit)
        } else {
            write!(f, "{op} {}", self.limit)
        }
    }
}

impl fmt::Display for Figure {
    /// `name=median [min..max] n=rounds`, then the verdict if it has a goal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some((lo, hi)) = &self.spread {
            write!(f, " [{lo}..{hi}]")?;
        }
        if let Some(n) = self.rounds {
            write!(f, " n={n}")?;
        }
        if let (Some(goal), Some(verdict)) = (self.goal(), self.verdict()) {
            write!(f, "  goal {goal}: {verdict}")?;
        }
        Ok(())
    }
}

/// Reads the benchmark binary's lines: `name=median [min..max] n=rounds`,
/// or plain `name=value` pairs.
pub fn parse_figures(output: &str) -> Figures {
    let mut figures = Vec::new();
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let spread = words.get(1).and_then(|w| {
            let (lo, hi) = w.strip_prefix('[')?.strip_suffix(']')?.split_once("..")?;
            Some((lo.to_owned(), hi.to_owned()))
        });
        if let (Some(spread), Some((name, value))) = (spread, words[0].split_once('=')) {
            let rounds = words
                .get(2)
                .and_then(|w| w.strip_prefix("n="))
                .and_then(|n| n.parse().ok());
            figures.push(Figure {
                name: name.to_owned(),
                value: value.to_owned(),
                spread: Some(spread),
                rounds,
            });
            continue;
        }
        for (name, value) in words.iter().filter_map(|w| w.split_once('=')) {
            figures.push(Figure {
                name: name.to_owned(),
                value: value.to_owned(),
                spread: None,
                rounds: None,
            });
        }
    }
    figures
}

/// Runs the benchmark binary and reads its figures. A benchmark whose
/// measured calls failed exits non-zero, and so fails here.
pub fn run_benchmarks(root: &Path, quick: bool) -> Result<Figures, String> {
    // Figures come from release builds. The quick smoke (CI) runs the
    // debug builds the tests left: it proves every figure can be made, not
    // what it is, and spares CI a release build of the whole tree.
    let profile: &[&str] = if quick { &[] } else { &["--release"] };
    // The fleet figures run `suno` of the same profile beside the bench.
    let built = Command::new(cargo())
        .args(["build", "--quiet", "-p", "kie-suno-cli"])
        .args(profile)
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() {
        return Err("cannot build `suno` for the fleet figures".into());
    }
    let mut command = Command::new(cargo());
    command
        .args(["run", "--quiet", "-p", "kie-suno-tests", "--bin", "bench"])
        .args(profile)
        .arg("--")
        .current_dir(root);
    if quick {
        command.arg("--quick");
    }
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the benchmark failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(parse_figures(&String::from_utf8_lossy(&output.stdout)))
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

/// Build times over `rounds` rounds of clean release builds of the two
/// apps, each into an empty target dir, alternating which side builds
/// first: (seconds with kie-suno, seconds with reqwest) per round.
pub fn build_times(root: &Path, rounds: usize) -> Result<Vec<(f64, f64)>, String> {
    let base = root.join("target/build-bench");
    let sdk_ext = root.join("sdk-ext");
    let sdk_deps = format!(
        "kie-suno = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n",
        sdk_ext.display().to_string()
    );
    let reqwest_deps = "reqwest = { version = \"0.13\", default-features = false, features = [\"rustls\", \"query\"] }\n\
        serde_json = \"1\"\ntokio = { version = \"1\", features = [\"rt\", \"macros\"] }\n";
    let mut times = Vec::new();
    for round in 0..rounds {
        let _ = std::fs::remove_dir_all(&base);
        let sdk = || build_app(root, &base.join("with-kie-suno"), &sdk_deps, SDK_APP);
        let plain = || build_app(root, &base.join("with-reqwest"), reqwest_deps, REQWEST_APP);
        times.push(if round % 2 == 0 {
            let sdk = sdk()?;
            (sdk, plain()?)
        } else {
            let plain = plain()?;
            (sdk()?, plain)
        });
    }
    Ok(times)
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

pub(crate) fn cargo() -> PathBuf {
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

/// The BENCHMARKS.md page: the table with spreads and verdicts, then what
/// each baseline is.
pub fn markdown(figures: &Figures, date: &str, command: &str) -> String {
    let mut out = format!(
        "# Benchmarks\n\nMeasured {date} on {} with `{command}`. Each figure is the median of \
         its rounds (n), with the smallest and largest round; each ratio is taken per round \
         against a baseline measured back to back in the same run (see \
         `tests/src/bin/bench/` and `xtask/src/bench.rs`). A goal is met only when the whole \
         spread is on its right side.\n\n\
         | figure | median | spread (min..max) | n | goal | verdict |\n|---|---|---|---|---|---|\n",
        machine()
    );
    for figure in figures {
        let spread = figure
            .spread
            .as_ref()
            .map_or_else(String::new, |(lo, hi)| format!("{lo}..{hi}"));
        let rounds = figure.rounds.map_or_else(String::new, |n| n.to_string());
        let goal = figure.goal().map_or_else(String::new, |g| g.to_string());
        let verdict = figure.verdict().map_or_else(String::new, |v| v.to_string());
        out.push_str(&format!(
            "| `{}` | {} | {spread} | {rounds} | {goal} | {verdict} |\n",
            figure.name, figure.value
        ));
    }
    out.push_str("\n## Baselines\n\n");
    for (name, what) in BASELINES {
        out.push_str(&format!("- `{name}`: {what}.\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure(line: &str) -> Figure {
        parse_figures(line).remove(0)
    }

    #[test]
    fn a_figure_line_reads_back_with_its_spread() {
        let f = figure("call_overhead_ratio=1.010 [0.990..1.070] n=15");
        assert_eq!(f.value, "1.010");
        assert_eq!(f.spread, Some(("0.990".into(), "1.070".into())));
        assert_eq!(f.rounds, Some(15));
        assert_eq!(
            f.to_string(),
            "call_overhead_ratio=1.010 [0.990..1.070] n=15  goal <= 1.05: within noise"
        );
    }

    #[test]
    fn plain_pairs_read_as_figures_without_spread() {
        let all = parse_figures("wait_rss_tasks=10000 wait_rss_fd_limit=20000\nfailures=0");
        let names: Vec<_> = all.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["wait_rss_tasks", "wait_rss_fd_limit", "failures"]);
        assert!(all.iter().all(|f| f.spread.is_none()));
    }

    #[test]
    fn a_goal_is_met_only_by_the_whole_spread() {
        let at = |line: &str| figure(line).verdict();
        assert_eq!(
            at("wait_polls_ratio=0.9 [0.8..0.99] n=5"),
            Some(Verdict::Met)
        );
        assert_eq!(
            at("wait_polls_ratio=0.9 [0.8..1.01] n=5"),
            Some(Verdict::WithinNoise)
        );
        assert_eq!(
            at("wait_polls_ratio=1.2 [1.1..1.3] n=5"),
            Some(Verdict::NotMet)
        );
        assert_eq!(at("build_ratio=1.5"), Some(Verdict::Met));
        assert_eq!(at("call_us=200 [190..210] n=15"), None);
    }
}
