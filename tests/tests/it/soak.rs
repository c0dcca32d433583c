//! A small soak in the test suite: 300 tasks of every family, created
//! and waited for at 5 % faults.

use kie_suno_tests::soak::{SoakConfig, count_panics, soak};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_creates_through_faults_make_no_duplicate_and_each_task_ends_as_scripted() {
    count_panics();
    let report = soak(&SoakConfig {
        tasks: 300,
        concurrency: 100,
        fault_rate: 0.05,
        seed: 7,
    })
    .await
    .expect("mock starts");
    println!("{report}");
    assert!(report.passed(), "{report}\n{:?}", report.examples);
    // Each create either returned its task, which then ended as scripted,
    // or was reported: an unknown outcome (answer lost) or a refusal.
    assert_eq!(
        report.completed
            + report.failed_as_scripted
            + report.unknown_outcomes
            + report.refused_creates,
        300
    );
    assert!(report.unknown_outcomes > 0, "some answers were lost");
    assert!(report.faults_injected > 0, "faults were injected");
}
