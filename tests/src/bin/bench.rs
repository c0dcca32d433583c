//! The SDK's costs against what a user would write by hand, each measured
//! against its baseline in the same run and printed as `name=value`:
//!
//! - `call_overhead_ratio`: `client.task(id)` over keep-alive loopback vs a
//!   bare reqwest GET + `serde_json::from_slice::<Value>`, same server, same
//!   two-track SUCCESS record;
//! - `decode_vs_value_ratio`, `decode_vs_scan_ratio`: that body into a
//!   `TaskRecord` vs into a `Value`, and vs `IgnoredAny` (reading only);
//! - `wait_polls_ratio`, `wait_delay_ratio`: the default `PollPolicy` vs a
//!   fixed 5 s loop over a seeded mix of lifecycles, on simulated time;
//! - `wait_rss_per_task_kib`: resident memory per waiting task, 10,000 in
//!   flight against the mock server.
//!
//! Timings alternate the two sides in rounds and take medians, so a noisy
//! neighbour slows both alike. `--quick` runs each briefly (CI smoke).
//! `cargo run --release -p kie-suno-tests --bin bench [-- --quick]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::StreamExt;
use kie_suno::mock::{MockServer, Script};
use kie_suno::wait::{PollPolicy, Stage};
use kie_suno::{ApiKey, Client, TaskRecord};
use kie_suno_tests::record_fixture;
use kie_suno_tests::sim::{lifecycle_mix, measure, paused_runtime};
use kie_suno_tests::soak::rss_mib;

#[derive(Parser)]
struct Args {
    /// Run each figure briefly (smoke test; figures are noisy).
    #[arg(long)]
    quick: bool,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let scale = if args.quick { 10 } else { 1 };
    let body = compact(&record_fixture("success_epoch_ms"));

    let (decode, value, scan) = decode_figures(
        body.as_bytes(),
        20_000 / scale,
        if args.quick { 3 } else { 15 },
    );
    println!("decode_vs_value_ratio={:.3}", decode / value);
    println!("decode_vs_scan_ratio={:.3}", decode / scan);
    println!("decode_record_ns={decode:.0}");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (sdk, raw) = runtime.block_on(call_figures(
        body.clone(),
        2_000 / scale,
        if args.quick { 3 } else { 15 },
    ))?;
    println!("call_overhead_ratio={:.3}", sdk / raw);
    println!("call_us={:.1}", sdk / 1000.0);

    let tasks = lifecycle_mix(if args.quick { 40 } else { 400 }, 42);
    let paused = paused_runtime()?;
    let ours = paused.block_on(measure(&PollPolicy::default(), Stage::Complete, &tasks));
    let fixed = paused.block_on(measure(
        &PollPolicy::fixed(Duration::from_secs(5)),
        Stage::Complete,
        &tasks,
    ));
    println!("wait_polls_ratio={:.3}", ours.polls / fixed.polls);
    println!(
        "wait_delay_ratio={:.3}",
        ours.delay.as_secs_f64() / fixed.delay.as_secs_f64()
    );
    println!(
        "wait_polls_per_task={:.1} fixed_5s_polls_per_task={:.1} wait_delay_s={:.2} fixed_5s_delay_s={:.2}",
        ours.polls,
        fixed.polls,
        ours.delay.as_secs_f64(),
        fixed.delay.as_secs_f64()
    );

    let waiting = if args.quick { 1_000 } else { 10_000 };
    let kib = runtime.block_on(rss_per_wait(waiting))?;
    println!("wait_rss_per_task_kib={kib:.2}");
    Ok(())
}

/// The fixture on one line, as the API sends it.
fn compact(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// Median ns per iteration of `work`, measured in `rounds` alternating with
/// the other closures by the caller.
fn time_per_iteration(iterations: u32, mut work: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iterations {
        work();
    }
    start.elapsed().as_nanos() as f64 / f64::from(iterations)
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn decode_figures(body: &[u8], iterations: u32, rounds: usize) -> (f64, f64, f64) {
    let (mut record, mut value, mut scan) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        record.push(time_per_iteration(iterations, || {
            black_box(TaskRecord::from_body("t", black_box(body)).ok());
        }));
        value.push(time_per_iteration(iterations, || {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(body)).ok());
        }));
        scan.push(time_per_iteration(iterations, || {
            black_box(serde_json::from_slice::<serde::de::IgnoredAny>(black_box(body)).ok());
        }));
    }
    (median(record), median(value), median(scan))
}

/// A minimal server on its own thread: every request gets `body`.
fn minimal_server(body: String) -> std::io::Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    listener.set_nonblocking(true)?;
    std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
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

async fn call_figures(body: String, calls: u32, rounds: usize) -> std::io::Result<(f64, f64)> {
    let url = minimal_server(body)?;
    let client = Client::builder()
        .api_key(ApiKey::new("bench-key").map_err(std::io::Error::other)?)
        .base_url(&url)
        .build()
        .map_err(std::io::Error::other)?;
    let raw = kie_suno::reqwest::Client::new();
    let endpoint = format!("{url}/api/v1/generate/record-info");
    // Warm both connections up.
    let _ = client.task("t").await;
    let _ = raw
        .get(&endpoint)
        .query(&[("taskId", "t")])
        .bearer_auth("bench-key")
        .send()
        .await;
    let (mut sdk, mut baseline) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..calls {
            black_box(client.task("t").await.ok());
        }
        sdk.push(start.elapsed().as_nanos() as f64 / f64::from(calls));
        let start = Instant::now();
        for _ in 0..calls {
            let response = raw
                .get(&endpoint)
                .query(&[("taskId", "t")])
                .bearer_auth("bench-key")
                .send()
                .await;
            if let Ok(response) = response
                && let Ok(bytes) = response.bytes().await
            {
                black_box(serde_json::from_slice::<serde_json::Value>(&bytes).ok());
            }
        }
        baseline.push(start.elapsed().as_nanos() as f64 / f64::from(calls));
    }
    Ok((median(sdk), median(baseline)))
}

/// Resident memory growth per waiting task while `count` waits are in
/// flight against the mock server (tasks added before the baseline, so the
/// mock's own task table is not counted).
async fn rss_per_wait(count: usize) -> std::io::Result<f64> {
    let server = MockServer::start().await?;
    let ids: Vec<String> = (0..count).map(|i| format!("rss-{i}")).collect();
    for id in &ids {
        server.add_task(id, Script::success(Duration::from_secs(3600)));
    }
    let client = server.client().map_err(std::io::Error::other)?;
    let _ = client.task(&ids[0]).await;
    let before = rss_mib();
    let waits = client
        .wait_all(ids)
        .concurrency(count)
        .deadline(Duration::from_secs(3600))
        .stream();
    let driver = tokio::spawn(async move {
        let mut waits = waits;
        while waits.next().await.is_some() {}
    });
    // Every wait has made its first poll (at ~2 s) and sleeps to its next.
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let during = rss_mib();
    driver.abort();
    Ok((during - before) * 1024.0 / count as f64)
}
