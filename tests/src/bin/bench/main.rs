//! The SDK's costs against what a user would write by hand. Each figure is
//! the median of interleaved rounds, printed as `name=median [min..max]
//! n=rounds`, each ratio taken per round against a baseline doing the same
//! work by the same means:
//!
//! - `decode_vs_value_ratio`, `decode_vs_scan_ratio`: a two-track SUCCESS
//!   body into a `MusicRecord` vs into a `serde_json::Value`, and vs
//!   `IgnoredAny` (reading only); all three check UTF-8 once and parse with
//!   `from_str`;
//! - `call_overhead_ratio`: `client.task(id)` over keep-alive loopback vs a
//!   bare reqwest GET decoding the same body into the same generated type
//!   (`MusicRecordResponse`), same server;
//! - `wait_polls_ratio`, `wait_delay_ratio`: the default `PollPolicy` vs a
//!   fixed 5 s loop, per seeded mix of lifecycles, on simulated time;
//! - `hybrid_delay_excess_s`, `hybrid_polls_per_task`: waits that wake on
//!   callbacks delivered 0.2-5 s late, 10% twice, reordered: what the SDK
//!   adds to the callback's latency, and its polls; `hybrid_lossy_*` with
//!   30% of them lost too, vs the same fixed 5 s loop, same mixes;
//! - `create_burst_ratio`: 100 creates at once under the client's create
//!   limit vs the ideal (windows at 0, 10, 20, 30, 40 s: the last at 40 s),
//!   on simulated time;
//! - `download_ratio`: the SDK's download of a 256 MiB loopback file vs a
//!   plain reqwest stream-to-file (buffered, flushed, synced, renamed);
//!   `download_verify_ratio`: the same download vs the SDK's of the same
//!   bytes served as a type whose length is not read;
//!   `download_vs_checksummed_ratio`: vs the plain loop hashing each chunk
//!   (SHA-256), and `download_checksum_cost_ratio`: that loop vs the plain;
//!   `download_peak_rss_mib`: a process downloading 1 GiB;
//! - `wait_rss_per_task_kib`: resident memory per waiting task with the mock
//!   server in another process, sampled once every wait has made a
//!   successful first poll;
//! - `fleet_efficiency`: tasks reported per second by 3 `suno worker`
//!   processes following at most 8 tasks at once each vs 1 following 24,
//!   the same concurrency in one process, on the same seeded workload over
//!   one PostgreSQL journal (what spreading over processes costs);
//!   `fleet_takeover_s`: from
//!   a worker's SIGKILL until every task it held is claimed again (lease
//!   3 s). Needs PostgreSQL (as the tests find it) and the release `suno`
//!   beside this binary;
//! - `journal_*`: claims and the unfinished list on both engines at a
//!   million rows;
//! - `e2e_ratio`: 200 songs created at the account's limit and followed to
//!   their files by 3 workers on one PostgreSQL journal, vs the ideal.
//!
//! A measured call that fails is counted; any failure prints `failures=N`
//! and exits 1, so no figure stands on failed calls. `--quick` runs each
//! briefly (CI smoke).
//! `cargo run --release -p kie-suno-tests --bin bench [-- --quick]`

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;
use kie_suno::mock::{MockServer, Script};
use kie_suno::music::{Stage, TaskEvent};
use kie_suno::wait::PollPolicy;
use kie_suno::{ApiKey, Client, MusicRecord};
use kie_suno_sdk::types::MusicRecordResponse;
use kie_suno_tests::record_fixture;
use kie_suno_tests::sim::{
    Delivery, create_burst, lifecycle_mix, measure, measure_hybrid, paused_runtime,
};
use kie_suno_tests::soak::rss_mib;
use xtask::stats::{Line, Spread};

mod database;

#[derive(Parser)]
struct Args {
    /// Run each figure briefly (smoke test; figures are noisy).
    #[arg(long)]
    quick: bool,
    /// Run only these groups of figures (comma-separated): decode, call,
    /// wait, create, download, rss, fleet, journal, e2e.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Internal: serve the mock with this many long tasks, print its URL
    /// and key, and run until standard input closes.
    #[arg(long, hide = true)]
    serve_mock: Option<usize>,
    /// Internal: download this URL with the SDK and print the process's
    /// peak resident memory.
    #[arg(long, hide = true)]
    download_rss: Option<String>,
}

/// Failed measured calls, by figure.
#[derive(Default)]
struct Failures(Vec<(&'static str, usize)>);

impl Failures {
    fn add(&mut self, figure: &'static str, count: usize) {
        if count > 0 {
            self.0.push((figure, count));
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match (args.serve_mock, args.download_rss) {
        (Some(tasks), _) => serve_mock(tasks),
        (None, Some(url)) => download_rss(&url),
        (None, None) => run(args.quick, &args.only),
    };
    match result {
        Ok(failures) if failures.0.is_empty() => ExitCode::SUCCESS,
        Ok(failures) => {
            let total: usize = failures.0.iter().map(|(_, n)| n).sum();
            println!("failures={total}");
            for (figure, count) in failures.0 {
                eprintln!("error: {count} measured calls failed in {figure}");
            }
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print(name: &str, spread: Option<Spread>, precision: usize) -> std::io::Result<()> {
    let spread = spread.ok_or_else(|| std::io::Error::other(format!("{name}: no samples")))?;
    println!(
        "{}",
        Line {
            name,
            spread,
            precision
        }
    );
    Ok(())
}

fn run(quick: bool, only: &[String]) -> std::io::Result<Failures> {
    let wanted = |group: &str| only.is_empty() || only.iter().any(|g| g == group);
    let mut failures = Failures::default();
    let rounds = if quick { 3 } else { 15 };
    let body = compact(&record_fixture("success_epoch_ms"))?;
    if wanted("decode") {
        decode_figures(&body, quick, rounds, &mut failures)?;
    }
    if wanted("call") {
        call_figures(body, quick, rounds, &mut failures)?;
    }
    if wanted("wait") {
        failures.add("wait", wait_figures(quick)?);
    }
    if wanted("create") {
        failures.add("create_burst", create_burst_figure()?);
    }
    if wanted("download") {
        failures.add("download", download_figures(quick)?);
    }
    if wanted("rss") {
        let (sizes, samples): (&[usize], usize) = match quick {
            true => (&[1_000, 2_000], 3),
            false => (&[10_000, 100_000], 7),
        };
        for (i, &waiting) in sizes.iter().enumerate() {
            // The first size under the figure's plain name, the larger
            // one as `_large`.
            let suffix = if i == 0 { "" } else { "_large" };
            failures.add("wait_rss", rss_per_wait(waiting, samples, suffix)?);
        }
    }
    if wanted("fleet") {
        failures.add("fleet", database::fleet_figures(quick)?);
    }
    if wanted("journal") {
        failures.add("journal", database::journal_figures(quick)?);
    }
    if wanted("e2e") {
        failures.add("e2e", database::e2e_figures(quick)?);
    }
    Ok(failures)
}

fn decode_figures(
    body: &str,
    quick: bool,
    rounds: usize,
    failures: &mut Failures,
) -> std::io::Result<()> {
    let decode = decode_rounds(body.as_bytes(), if quick { 2_000 } else { 20_000 }, rounds);
    failures.add("decode", decode.failures);
    print(
        "decode_vs_value_ratio",
        Spread::of_ratios(&decode.record, &decode.value),
        3,
    )?;
    print(
        "decode_vs_scan_ratio",
        Spread::of_ratios(&decode.record, &decode.scan),
        3,
    )?;
    print("decode_record_ns", Spread::of(&decode.record), 0)?;
    Ok(())
}

fn call_figures(
    body: String,
    quick: bool,
    rounds: usize,
    failures: &mut Failures,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let calls = runtime.block_on(call_rounds(body, if quick { 200 } else { 2_000 }, rounds))?;
    failures.add("call_overhead", calls.failures);
    print(
        "call_overhead_ratio",
        Spread::of_ratios(&calls.sdk, &calls.raw),
        3,
    )?;
    print(
        "drift_overhead_ratio",
        Spread::of_ratios(&calls.sdk, &calls.without_drift),
        3,
    )?;
    let call_us: Vec<f64> = calls.sdk.iter().map(|ns| ns / 1000.0).collect();
    print("call_us", Spread::of(&call_us), 1)?;
    Ok(())
}

/// 100 creates under the client's limit, in simulated time, against the
/// ideal: 20 go in each 10 s window, the first window at 0 s, so the last
/// of 100 can go at the start of the fifth window, at 40 s.
fn create_burst_figure() -> std::io::Result<usize> {
    const CREATES: usize = 100;
    const PER_WINDOW: usize = 20;
    let ideal = (CREATES.div_ceil(PER_WINDOW) - 1) as f64 * 10.0;
    let (elapsed, failures) = paused_runtime()?.block_on(create_burst(CREATES));
    let ratio = elapsed.as_secs_f64() / ideal;
    print("create_burst_ratio", Spread::of(&[ratio]), 3)?;
    print("create_burst_s", Spread::of(&[elapsed.as_secs_f64()]), 1)?;
    Ok(failures)
}

/// The SDK's download of a large loopback file against a plain reqwest
/// stream-to-file (throughput ratio, sides alternating first), and the
/// peak memory of a process downloading a larger one.
fn download_figures(quick: bool) -> std::io::Result<usize> {
    use kie_suno_tests::download_bench::{download_client, file_server, raw_side, sdk_side};
    let (size, rounds, big) = if quick {
        (32u64 << 20, 3, 128u64 << 20)
    } else {
        (256u64 << 20, 5, 1u64 << 30)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let base = runtime.block_on(file_server())?;
    let url = format!("{base}/bytes/{size}");
    let unchecked_url = format!("{base}/unchecked/{size}");
    let client = download_client()?;
    let http = kie_suno::reqwest::Client::new();
    let scratch = tempfile::tempdir()?;
    // Four sides, each round in another order: the SDK (length read from
    // the frames), the SDK on the same bytes of no checked type, reqwest,
    // reqwest hashing each chunk as it writes it.
    const SIDES: usize = 4;
    let mut times: [Vec<f64>; SIDES] = Default::default();
    let mut failures = 0;
    for round in 0..rounds {
        let dir = |side: &str| scratch.path().join(format!("{side}-{round}"));
        for turn in 0..SIDES {
            let side = (round + turn) % SIDES;
            let (took, ok) = runtime.block_on(async {
                match side {
                    0 => sdk_side(&client, &url, &dir("sdk"), size).await,
                    1 => sdk_side(&client, &unchecked_url, &dir("unverified"), size).await,
                    2 => raw_side(&http, &url, &dir("raw"), size, false).await,
                    _ => raw_side(&http, &url, &dir("raw-sha"), size, true).await,
                }
            });
            failures += usize::from(!ok);
            times[side].push(took);
        }
    }
    let [sdk, unverified, raw, raw_checksummed] = times;
    // Throughput ratios: the baseline's time over the SDK's.
    print("download_ratio", Spread::of_ratios(&raw, &sdk), 3)?;
    print(
        "download_vs_checksummed_ratio",
        Spread::of_ratios(&raw_checksummed, &sdk),
        3,
    )?;
    // What hashing alone costs the hand-written loop: the bound a
    // checksum puts on `download_ratio`.
    print(
        "download_checksum_cost_ratio",
        Spread::of_ratios(&raw, &raw_checksummed),
        3,
    )?;
    print(
        "download_verify_ratio",
        Spread::of_ratios(&unverified, &sdk),
        3,
    )?;
    let mib_s: Vec<f64> = sdk.iter().map(|s| (size >> 20) as f64 / s).collect();
    print("download_mib_per_s", Spread::of(&mib_s), 0)?;

    let big_url = format!("{base}/bytes/{big}");
    let child = std::process::Command::new(std::env::current_exe()?)
        .args(["--download-rss", &big_url])
        .output()?;
    let line = String::from_utf8_lossy(&child.stdout);
    match line
        .trim()
        .strip_prefix("peak_rss_mib=")
        .and_then(|v| v.parse::<f64>().ok())
    {
        Some(peak) if child.status.success() => {
            print("download_peak_rss_mib", Spread::of(&[peak]), 1)?;
            println!("download_peak_rss_file_mib={}", big >> 20);
        }
        _ => failures += 1,
    }
    Ok(failures)
}

/// `--download-rss URL`: downloads it here, prints `peak_rss_mib=X`.
fn download_rss(url: &str) -> std::io::Result<Failures> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let scratch = tempfile::tempdir()?;
    let dir = scratch.path().join("big");
    let peak = runtime.block_on(kie_suno_tests::download_bench::peak_rss_of_download(
        url, &dir,
    ))?;
    println!("peak_rss_mib={peak:.1}");
    Ok(Failures::default())
}

/// The fixture on one line, as the API sends it.
fn compact(json: &str) -> std::io::Result<String> {
    serde_json::from_str::<serde_json::Value>(json)
        .map(|v| v.to_string())
        .map_err(std::io::Error::other)
}

/// ns per iteration of `work`; `work` says whether the call succeeded.
fn time_per_iteration(iterations: u32, failed: &mut usize, mut work: impl FnMut() -> bool) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        if !work() {
            *failed += 1;
        }
    }
    start.elapsed().as_nanos() as f64 / f64::from(iterations)
}

struct DecodeRounds {
    record: Vec<f64>,
    value: Vec<f64>,
    scan: Vec<f64>,
    failures: usize,
}

/// The same UTF-8 check and `from_str` as the SDK, into another target.
fn parse_as<T: serde::de::DeserializeOwned>(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str::<T>(text).ok())
        .map(black_box)
        .is_some()
}

fn decode_rounds(body: &[u8], iterations: u32, rounds: usize) -> DecodeRounds {
    let mut out = DecodeRounds {
        record: Vec::new(),
        value: Vec::new(),
        scan: Vec::new(),
        failures: 0,
    };
    let failed = &mut out.failures;
    for round in 0..rounds {
        // Each side runs first in turn.
        let mut sides = [0, 1, 2];
        sides.rotate_left(round % 3);
        for side in sides {
            match side {
                0 => out.record.push(time_per_iteration(iterations, failed, || {
                    black_box(MusicRecord::from_body("t", black_box(body))).is_ok()
                })),
                1 => out.value.push(time_per_iteration(iterations, failed, || {
                    parse_as::<serde_json::Value>(black_box(body))
                })),
                _ => out.scan.push(time_per_iteration(iterations, failed, || {
                    parse_as::<serde::de::IgnoredAny>(black_box(body))
                })),
            }
        }
    }
    out
}

/// A minimal server on its own thread: every request gets `body`.
fn minimal_server(body: String) -> std::io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                return;
            };
            let app = axum::Router::new().fallback(move || {
                let body = body.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                }
            });
            let _ = axum::serve(listener, app).await;
        });
    });
    Ok(url)
}

struct CallRounds {
    sdk: Vec<f64>,
    raw: Vec<f64>,
    /// The SDK with drift off (`ClientBuilder::drift(false)`).
    without_drift: Vec<f64>,
    failures: usize,
}

/// What a user would write without the SDK: GET, bearer key, body, the
/// same UTF-8 check and `from_str` into the same generated type, and the
/// envelope's code checked.
async fn raw_task(raw: &kie_suno::reqwest::Client, endpoint: &str) -> bool {
    let Ok(response) = raw
        .get(endpoint)
        .query(&[("taskId", "t")])
        .bearer_auth("bench-key")
        .send()
        .await
    else {
        return false;
    };
    let Ok(bytes) = response.bytes().await else {
        return false;
    };
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| serde_json::from_str::<MusicRecordResponse>(text).ok())
        .is_some_and(|envelope| envelope.code == 200 && black_box(envelope).data.is_some())
}

async fn call_rounds(body: String, calls: u32, rounds: usize) -> std::io::Result<CallRounds> {
    let url = minimal_server(body)?;
    let sdk = |drift: bool| {
        Client::builder()
            .api_key(ApiKey::new("bench-key").map_err(std::io::Error::other)?)
            .base_url(&url)
            .drift(drift)
            .build()
            .map_err(std::io::Error::other)
    };
    let (client, without_drift) = (sdk(true)?, sdk(false)?);
    let raw = kie_suno::reqwest::Client::new();
    let endpoint = format!("{url}/api/v1/generate/record-info");
    let mut out = CallRounds {
        sdk: Vec::new(),
        raw: Vec::new(),
        without_drift: Vec::new(),
        failures: 0,
    };
    // Warm the connections up; these count too.
    for sdk in [&client, &without_drift] {
        if sdk.task("t").await.is_err() {
            out.failures += 1;
        }
    }
    if !raw_task(&raw, &endpoint).await {
        out.failures += 1;
    }
    for round in 0..rounds {
        // The three sides, each round in another order.
        for turn in 0..3 {
            let side = (round + turn) % 3;
            let start = Instant::now();
            for _ in 0..calls {
                let ok = match side {
                    0 => black_box(client.task("t").await).is_ok(),
                    1 => raw_task(&raw, &endpoint).await,
                    _ => black_box(without_drift.task("t").await).is_ok(),
                };
                if !ok {
                    out.failures += 1;
                }
            }
            let ns = start.elapsed().as_nanos() as f64 / f64::from(calls);
            match side {
                0 => out.sdk.push(ns),
                1 => out.raw.push(ns),
                _ => out.without_drift.push(ns),
            }
        }
    }
    Ok(out)
}

/// Polls and detection delay of the default policy against a fixed 5 s
/// loop, one ratio per seeded mix; returns the waits that did not end as
/// scripted.
fn wait_figures(quick: bool) -> std::io::Result<usize> {
    let (mixes, per_mix) = if quick { (2, 20) } else { (5, 80) };
    let paused = paused_runtime()?;
    let fixed_policy = PollPolicy::fixed(Duration::from_secs(5));
    let mut failures = 0;
    let (mut ours_polls, mut ours_delay, mut fixed_polls, mut fixed_delay) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for seed in 0..mixes {
        let tasks = lifecycle_mix(per_mix, 42 + seed);
        let ours = paused.block_on(measure(&PollPolicy::default(), Stage::Complete, &tasks));
        let fixed = paused.block_on(measure(&fixed_policy, Stage::Complete, &tasks));
        failures += ours.failures + fixed.failures;
        ours_polls.push(ours.polls);
        ours_delay.push(ours.delay.as_secs_f64());
        fixed_polls.push(fixed.polls);
        fixed_delay.push(fixed.delay.as_secs_f64());
    }
    print(
        "wait_polls_ratio",
        Spread::of_ratios(&ours_polls, &fixed_polls),
        3,
    )?;
    print(
        "wait_delay_ratio",
        Spread::of_ratios(&ours_delay, &fixed_delay),
        3,
    )?;
    // Callbacks as they come: 0.2-5 s late, 10% twice, reordered; the
    // lossy mix loses 30% of them too.
    let (mut hybrid_polls, mut hybrid_excess, mut hybrid_latency) =
        (Vec::new(), Vec::new(), Vec::new());
    let (mut lossy_delay, mut lossy_polls) = (Vec::new(), Vec::new());
    for seed in 0..mixes {
        let tasks = lifecycle_mix(per_mix, 42 + seed);
        let hybrid = paused.block_on(measure_hybrid(
            Stage::Complete,
            &tasks,
            Delivery::realistic(0.0),
            seed,
        ));
        let lossy = paused.block_on(measure_hybrid(
            Stage::Complete,
            &tasks,
            Delivery::realistic(0.3),
            seed,
        ));
        failures += hybrid.figures.failures + lossy.figures.failures;
        hybrid_polls.push(hybrid.figures.polls);
        hybrid_excess.push(hybrid.excess.as_secs_f64());
        hybrid_latency.push(hybrid.latency.as_secs_f64());
        lossy_polls.push(lossy.figures.polls);
        lossy_delay.push(lossy.figures.delay.as_secs_f64());
    }
    print("hybrid_delay_excess_s", Spread::of(&hybrid_excess), 3)?;
    print("hybrid_callback_latency_s", Spread::of(&hybrid_latency), 3)?;
    print("hybrid_polls_per_task", Spread::of(&hybrid_polls), 2)?;
    print(
        "hybrid_lossy_polls_ratio",
        Spread::of_ratios(&lossy_polls, &fixed_polls),
        3,
    )?;
    print(
        "hybrid_lossy_delay_ratio",
        Spread::of_ratios(&lossy_delay, &fixed_delay),
        3,
    )?;
    // A task not queryable for its first 90 s, done at 120 s.
    let (late, late_fixed) = paused.block_on(kie_suno_tests::sim::measure_late(
        Duration::from_secs(90),
        Duration::from_secs(120),
        &fixed_policy,
    ));
    failures += late.failures + late_fixed.failures;
    print("late_task_polls", Spread::of(&[late.polls]), 0)?;
    print(
        "late_task_fixed_5s_polls",
        Spread::of(&[late_fixed.polls]),
        0,
    )?;
    print(
        "late_task_polls_ratio",
        Spread::of(&[late.polls / late_fixed.polls]),
        3,
    )?;
    print(
        "late_task_delay_s",
        Spread::of(&[late.delay.as_secs_f64()]),
        1,
    )?;
    print("wait_polls_per_task", Spread::of(&ours_polls), 1)?;
    print("fixed_5s_polls_per_task", Spread::of(&fixed_polls), 1)?;
    print("wait_delay_s", Spread::of(&ours_delay), 2)?;
    print("fixed_5s_delay_s", Spread::of(&fixed_delay), 2)?;
    Ok(failures)
}

/// `--serve-mock N`: the mock with N hour-long tasks, in this process, for
/// [`rss_per_wait`] in another.
fn serve_mock(tasks: usize) -> std::io::Result<Failures> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let server = MockServer::start().await?;
        for i in 0..tasks {
            server.add_task(
                format!("rss-{i}"),
                Script::success(Duration::from_secs(3600)),
            );
        }
        println!("{} {}", server.url(), server.api_key());
        std::io::stdout().flush()?;
        // Until the measuring process closes our standard input.
        tokio::task::spawn_blocking(|| std::io::stdin().lines().count())
            .await
            .map_err(std::io::Error::other)?;
        Ok(Failures::default())
    })
}

/// Resident memory growth per waiting task while `count` waits are in
/// flight against a mock server in another process, sampled `samples`
/// times once every wait has made a successful first poll. Returns the
/// waits that never did.
fn rss_per_wait(count: usize, samples: usize, suffix: &str) -> std::io::Result<usize> {
    let mut mock = std::process::Command::new(std::env::current_exe()?)
        .args(["--serve-mock", &count.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut first_line = String::new();
    if let Some(stdout) = mock.stdout.take() {
        BufReader::new(stdout).read_line(&mut first_line)?;
    }
    let result = (|| {
        let (url, key) = first_line
            .trim()
            .split_once(' ')
            .ok_or_else(|| std::io::Error::other("the mock process printed no URL"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        runtime.block_on(measure_rss(url, key, count, samples, suffix))
    })();
    drop(mock.stdin.take()); // the mock exits
    mock.wait()?;
    result
}

async fn measure_rss(
    url: &str,
    key: &str,
    count: usize,
    samples: usize,
    suffix: &str,
) -> std::io::Result<usize> {
    let client = Client::builder()
        .api_key(ApiKey::new(key).map_err(std::io::Error::other)?)
        .base_url(url)
        .build()
        .map_err(std::io::Error::other)?;
    client.task("rss-0").await.map_err(std::io::Error::other)?;
    // Where a wait's bytes go, in part: the future itself (what a task
    // holding a wait carries, before anything it allocates).
    let probe = std::future::IntoFuture::into_future(client.wait("rss-0"));
    let future_bytes = std::mem::size_of_val(&probe);
    drop(probe);
    let before = rss_mib();
    let polled = Arc::new(AtomicUsize::new(0));
    let counter = polled.clone();
    let waits = futures_util::stream::iter(0..count)
        .map(move |i| {
            let polled = counter.clone();
            let wait = client
                .wait(format!("rss-{i}"))
                .deadline(Duration::from_secs(3600))
                .on_event(move |event| {
                    if let TaskEvent::StatusChanged { from: None, .. } = event {
                        polled.fetch_add(1, Ordering::Relaxed);
                    }
                });
            async move { wait.await }
        })
        .buffer_unordered(count);
    let driver = tokio::spawn(async move {
        let mut waits = waits;
        while waits.next().await.is_some() {}
    });
    // Steady waiting: every wait has read its record once (first polls are
    // jittered around 2 s), checked rather than assumed.
    let started = Instant::now();
    while polled.load(Ordering::Relaxed) < count && started.elapsed() < Duration::from_secs(240) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let reached = polled.load(Ordering::Relaxed);
    let mut per_task = Vec::new();
    let mut open_fds = Vec::new();
    for _ in 0..samples {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = rss_mib();
        if before > 0.0 && now > 0.0 {
            per_task.push((now - before) * 1024.0 / count as f64);
        }
        open_fds.push(std::fs::read_dir("/proc/self/fd").map_or(f64::NAN, |d| d.count() as f64));
    }
    driver.abort();
    print(
        &format!("wait_rss_per_task_kib{suffix}"),
        Spread::of(&per_task),
        2,
    )?;
    print(&format!("wait_open_fds{suffix}"), Spread::of(&open_fds), 0)?;
    println!(
        "wait_rss_tasks{suffix}={reached} wait_rss_fd_limit={} wait_future_bytes={future_bytes}",
        fd_limit()
    );
    Ok(count - reached)
}

/// The soft limit on open files, as /proc/self/limits states it.
fn fd_limit() -> String {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
