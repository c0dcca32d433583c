//! A small soak in the test suite: 300 tasks at 5 % faults.

use kie_suno_tests::soak::{SoakConfig, count_panics, soak};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_tasks_through_faults_are_each_reported_once_as_scripted() {
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
    assert_eq!(report.completed + report.failed_as_scripted, 300);
    assert!(report.faults_injected > 0, "faults were injected");
}
