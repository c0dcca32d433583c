//! Polls and detection delay of the default `PollPolicy` next to a fixed
//! 5-second loop, on simulated time, for the demo lifecycle and for
//! lifecycles of about three minutes.
//!
//! `cargo run -p kie-suno-tests --bin wait-sim`

use std::time::Duration;

use kie_suno::mock::Script;
use kie_suno::music::Stage;
use kie_suno::wait::PollPolicy;
use kie_suno_tests::sim::{measure, paused_runtime};

fn main() -> std::io::Result<()> {
    let lifecycles = [
        (
            "demo (lyrics 3s, stream 7s, done 15s)",
            "TEXT_SUCCESS@3s,FIRST_SUCCESS@7s,SUCCESS@15s",
        ),
        (
            "typical (8s, 35s, done 2m31s)",
            "TEXT_SUCCESS@8s,FIRST_SUCCESS@35s,SUCCESS@151s",
        ),
        (
            "3 minutes (8s, 35s, done 3m)",
            "TEXT_SUCCESS@8s,FIRST_SUCCESS@35s,SUCCESS@180s",
        ),
        (
            "3 minutes, off-grid (8s, 37s, done 3m3s)",
            "TEXT_SUCCESS@8s,FIRST_SUCCESS@37s,SUCCESS@183s",
        ),
    ];
    let policies = [
        ("default policy", PollPolicy::default()),
        ("fixed 5 s loop", PollPolicy::fixed(Duration::from_secs(5))),
    ];
    let runtime = paused_runtime()?;
    println!(
        "{:<42} {:<16} {:>10} {:>12} {:>10} {:>12}",
        "lifecycle", "policy", "polls", "delay", "polls", "delay"
    );
    println!(
        "{:<42} {:<16} {:>23} {:>23}",
        "", "", "until complete", "until streamable"
    );
    for (name, script) in lifecycles {
        let script: Script = script.parse().expect("valid script");
        // Twenty task ids: the jitter is seeded per id.
        let tasks: Vec<_> = (0..20)
            .map(|i| (format!("task-{i}"), script.clone()))
            .collect();
        for (policy_name, policy) in &policies {
            let complete = runtime.block_on(measure(policy, Stage::Complete, &tasks));
            let stream = runtime.block_on(measure(policy, Stage::Streamable, &tasks));
            if complete.failures + stream.failures > 0 {
                return Err(std::io::Error::other(format!(
                    "{name}, {policy_name}: {} waits did not end as scripted",
                    complete.failures + stream.failures
                )));
            }
            println!(
                "{name:<42} {policy_name:<16} {:>10.1} {:>11.2}s {:>10.1} {:>11.2}s",
                complete.polls,
                complete.delay.as_secs_f64(),
                stream.polls,
                stream.delay.as_secs_f64()
            );
        }
    }
    Ok(())
}
