//! The fault-injection soak, e.g.
//! `cargo run --release -p kie-suno-tests --bin soak -- --tasks 10000 --concurrency 1000 --fault-rate 0.05 --seed 7`.
//! Prints one line of figures; exits 1 if anything was lost, duplicated,
//! wrong, over the rate limit or panicked.

use std::process::ExitCode;

use clap::Parser;
use kie_suno_tests::soak::{SoakConfig, count_panics, soak};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    tasks: usize,
    #[arg(long, default_value_t = 1000)]
    concurrency: usize,
    #[arg(long, default_value_t = 0.05)]
    fault_rate: f64,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    count_panics();
    let config = SoakConfig {
        tasks: args.tasks,
        concurrency: args.concurrency,
        fault_rate: args.fault_rate,
        seed: args.seed,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(soak(&config)) {
        Ok(report) => {
            for example in &report.examples {
                eprintln!("example: {example}");
            }
            eprintln!(
                "requests={} faults_injected={}",
                report.requests, report.faults_injected
            );
            println!("{report}");
            if report.passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
