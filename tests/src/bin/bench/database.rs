//! The groups that need PostgreSQL (as the tests find it): the journal at
//! scale on both engines, the fleet of `suno worker` processes, and the
//! end-to-end run at the account's limit. The fleet and the end-to-end run
//! need the release `suno` beside the bench binary.

use std::time::Duration;

use kie_suno_tests::e2e::{self, EndToEndConfig};
use kie_suno_tests::fleet::{self, FleetConfig};
use xtask::stats::Spread;

use crate::print;

/// The journal at scale on both engines: claims by 8 workers at once and
/// the list of unfinished tasks, over `unfinished` made tasks and
/// `finished` reported ones with two files each.
pub fn journal_figures(quick: bool) -> std::io::Result<usize> {
    use kie_suno_tests::journal_scale::{self, Size};
    let (size, rounds, claims) = match quick {
        // Enough unfinished tasks for every claim to get its 8: one
        // worker's 4 x `claims` alone, then 8 workers' `claims` per round.
        true => (
            Size {
                unfinished: 2_000,
                finished: 10_000,
            },
            3,
            5,
        ),
        false => (
            Size {
                unfinished: 100_000,
                finished: 1_000_000,
            },
            5,
            25,
        ),
    };
    println!(
        "journal_unfinished={} journal_finished={} journal_workers={}",
        size.unfinished,
        size.finished,
        journal_scale::WORKERS
    );
    let runtime = tokio::runtime::Runtime::new()?;
    let dir = tempfile::tempdir()?;
    let sqlite = runtime.block_on(journal_scale::sqlite(dir.path(), size, rounds, claims))?;
    let database = runtime
        .block_on(kie_suno_tests::postgres::fresh_database())
        .ok_or_else(|| std::io::Error::other("the journal figures need PostgreSQL"))?;
    let postgres = runtime.block_on(journal_scale::postgres(&database, size, rounds, claims))?;
    for (engine, figures) in [("sqlite", &sqlite), ("postgres", &postgres)] {
        print(
            &format!("journal_claim_p99_ms_{engine}"),
            Spread::of(&figures.claim_p99_ms),
            2,
        )?;
        print(
            &format!("journal_list_unfinished_ms_{engine}"),
            Spread::of(&figures.list_unfinished_ms),
            1,
        )?;
        println!(
            "journal_claim_p99_ms_one_worker_{engine}={:.2} journal_bytes_per_task_{engine}={:.0}",
            figures.claim_p99_ms_alone, figures.bytes_per_task
        );
    }
    Ok(sqlite.failures + postgres.failures)
}

/// Fleet efficiency (3 workers x 8 tasks vs 1 worker x 24, sides
/// alternating first) and takeover time after a SIGKILL.
pub fn fleet_figures(quick: bool) -> std::io::Result<usize> {
    let suno = suno()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (rounds, tasks) = if quick { (1, 48) } else { (3, 120) };
    let mut failures = 0;
    let run = |workers: usize, concurrency: usize, kill_after: Option<Duration>, seed: u64| {
        runtime.block_on(async {
            let url = kie_suno_tests::postgres::fresh_database()
                .await
                .ok_or_else(|| std::io::Error::other("no PostgreSQL on this machine"))?;
            let config = FleetConfig {
                tasks,
                workers,
                concurrency,
                kill_after,
                fault_rate: 0.02,
                seed,
                ..FleetConfig::default()
            };
            let report = fleet::run(&suno, &url, &config).await?;
            eprintln!("fleet of {workers} x {concurrency}: {report}");
            Ok::<_, std::io::Error>(report)
        })
    };
    let (mut three, mut one) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // The same 24 tasks at once, over three processes or in one.
        let mut sides = [(3, 8, &mut three), (1, 24, &mut one)];
        if round % 2 == 1 {
            sides.reverse();
        }
        for (workers, concurrency, samples) in sides {
            let report = run(workers, concurrency, None, 100 + round)?;
            failures += (report.tasks - report.journal_reported.min(report.tasks))
                + report.reported_twice
                + report.unprinted
                + report.bad_files
                + report.rate_violations as usize;
            samples.push(report.tasks as f64 / report.wall.as_secs_f64());
        }
    }
    print("fleet_efficiency", Spread::of_ratios(&three, &one), 2)?;
    print("fleet_tasks_per_s_3_workers_x8", Spread::of(&three), 1)?;
    print("fleet_tasks_per_s_1_worker_x24", Spread::of(&one), 1)?;
    let mut takeovers = Vec::new();
    for round in 0..rounds {
        let report = run(3, 8, Some(Duration::from_secs(3)), 200 + round)?;
        failures += (report.tasks - report.journal_reported.min(report.tasks))
            + report.reported_twice
            + report.unprinted_by_the_living
            + report.bad_files;
        match report.takeover {
            Some(t) if report.orphaned > 0 => takeovers.push(t.as_secs_f64()),
            _ => failures += 1,
        }
    }
    print("fleet_takeover_s", Spread::of(&takeovers), 2)?;
    print("fleet_lease_s", Spread::of(&[3.0]), 0)?;
    Ok(failures)
}

/// Songs created at the account's limit and followed to their files by 3
/// workers, against the ideal for the same songs (one run: 200 songs of
/// 20-40 s take over two minutes).
pub fn e2e_figures(quick: bool) -> std::io::Result<usize> {
    let suno = suno()?;
    let config = match quick {
        // One window of creates, songs of seconds.
        true => EndToEndConfig {
            creates: 20,
            song_takes: (Duration::from_secs(2), Duration::from_secs(4)),
            callback_delay: Duration::from_secs(1),
            ..EndToEndConfig::default()
        },
        false => EndToEndConfig::default(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(async {
        let url = kie_suno_tests::postgres::fresh_database()
            .await
            .ok_or_else(|| std::io::Error::other("the e2e figure needs PostgreSQL"))?;
        e2e::run(&suno, &url, &config).await
    })?;
    eprintln!("e2e of {} songs: {report}", config.creates);
    print("e2e_ratio", Spread::of(&[report.ratio()]), 3)?;
    println!(
        "e2e_songs={} e2e_wall_s={:.1} e2e_ideal_s={:.1} e2e_lost={} e2e_refused={} e2e_rate_violations={}",
        config.creates,
        report.wall.as_secs_f64(),
        report.ideal.as_secs_f64(),
        report.lost,
        report.refused,
        report.rate_violations
    );
    Ok(report.failures())
}

/// The release `suno` beside this binary.
fn suno() -> std::io::Result<std::path::PathBuf> {
    let suno = std::env::current_exe()?.with_file_name("suno");
    if !suno.exists() {
        return Err(std::io::Error::other(format!(
            "{} is missing: `cargo build --release -p kie-suno-cli` first",
            suno.display()
        )));
    }
    Ok(suno)
}
