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
