//! Many workers, one ledger: three `suno worker` processes on one
//! PostgreSQL journal finish 300 tasks of every kind, with faults on polls,
//! callbacks that reach one worker only (and are lost, repeated, late),
//! and one worker killed with SIGKILL mid-run. Every task is reported
//! once, its files are whole (the sizes the journal wrote down, no partial
//! files left), no task is polled over its rate limit.

use std::path::Path;

use kie_suno_tests::fleet::{FleetConfig, run};
use kie_suno_tests::postgres::fresh_database;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_reports_every_task_once_when_a_worker_is_killed() {
    let Some(url) = fresh_database().await else {
        return;
    };
    let config = FleetConfig::default();
    let report = run(Path::new(env!("CARGO_BIN_EXE_suno")), &url, &config)
        .await
        .expect("the fleet runs");
    eprintln!("{report}");
    assert_eq!(report.journal_reported, config.tasks, "{report}");
    assert_eq!(report.reported_twice, 0, "{report}");
    // A report is the journal's; its line can only be missing when the
    // worker was killed between the two.
    assert_eq!(report.unprinted_by_the_living, 0, "{report}");
    assert_eq!(report.reported + report.unprinted, config.tasks, "{report}");
    assert_eq!(report.bad_files, 0, "{report}");
    assert!(report.files > 0, "{report}");
    assert_eq!(report.rate_violations, 0, "{report}");
    assert!(report.callbacks_passed_on > 0, "{report}");
    // How fast is the bench's figure (`fleet_takeover_s`); here, that it
    // happens at all.
    assert!(
        report.orphaned > 0,
        "the killed worker held tasks: {report}"
    );
    assert!(report.takeover.is_some(), "{report}");
}

/// Chaos: the fleet's database crashes and restarts (`pg_ctl restart -m
/// immediate`) while three workers follow 60 tasks and 10 more are
/// created: every task is reported once, every file is whole, no create
/// is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_survives_its_database_restarting_as_after_a_crash() {
    // A cluster of its own: the shared one serves other tests meanwhile.
    let Some(cluster) = kie_suno_tests::postgres::OwnCluster::start() else {
        return;
    };
    let cluster = std::sync::Arc::new(cluster);
    let config = FleetConfig {
        tasks: 60,
        // Fewer at once than there are tasks: the three share the work.
        concurrency: 8,
        // The crash is the fault here: the mock's own faults would refuse
        // some of the late creates (the other fleet test has them).
        fault_rate: 0.0,
        kill_after: None,
        restart_after: Some(std::time::Duration::from_secs(2)),
        late_creates: 10,
        ..FleetConfig::default()
    };
    let restarting = cluster.clone();
    let report = kie_suno_tests::fleet::run_with_restart(
        Path::new(env!("CARGO_BIN_EXE_suno")),
        &cluster.url,
        &config,
        move || restarting.restart(),
    )
    .await
    .expect("the fleet runs, and the database restarted");
    eprintln!("{report}");
    let total = config.tasks + config.late_creates;
    assert_eq!(report.creates_failed, 0, "{report}");
    assert_eq!(report.creates_without_task, 0, "no create lost: {report}");
    assert_eq!(report.journal_reported, total, "{report}");
    assert_eq!(report.reported, total, "every report printed: {report}");
    assert_eq!(report.reported_twice, 0, "{report}");
    assert_eq!(report.unprinted, 0, "{report}");
    assert_eq!(report.bad_files, 0, "{report}");
    assert!(report.files > 0, "{report}");
    assert!(
        report.by_worker.len() > 1,
        "the workers shared it: {report}"
    );
    assert!(
        report.wall > config.restart_after.unwrap_or_default(),
        "still at work when the database went down: {report}"
    );
}
