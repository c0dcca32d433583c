//! Drift over HTTP: answers that hold what the description does not say
//! (a field it lacks, a status it does not list) decode as usual and are
//! counted in `Client::drift()` per operation, with where in the answer
//! and which schema to change; an answer looked at for drift that is over
//! the size cap is still refused as too large; with drift off, nothing is
//! counted.

use kie_suno::drift::DriftKind;
use kie_suno::mock::MockServer;
use kie_suno::{ApiKey, Client, Error};

const RECORD: &str = r#"{"code":200,"msg":"success","data":{"taskId":"t1","status":"SUCCESS",
  "type":"chirp-fenix","operationType":"generate","param":"{}","errorCode":null,"errorMessage":null,
  "response":{"taskId":"t1","sunoData":[]},"brandNewField":{"x":1}}}"#;

/// A client builder of `server` with its key.
fn keyed(server: &MockServer) -> kie_suno::ClientBuilder {
    Client::builder()
        .api_key(ApiKey::new(server.api_key()).unwrap())
        .base_url(server.url())
}

fn client(server: &MockServer, drift: bool) -> Client {
    keyed(server)
        .max_body_bytes(64 * 1024)
        .drift(drift)
        .build()
        .unwrap()
}

#[tokio::test]
async fn answers_the_description_lacks_are_counted_per_operation() {
    let server = MockServer::start().await.unwrap();
    server.answer_with("t1", RECORD);
    let client = client(&server, true);
    for _ in 0..3 {
        let record = client
            .task("t1")
            .await
            .expect("drift does not stop decoding");
        assert_eq!(record.task_id(), "t1");
    }
    let report = client.drift();
    assert_eq!(report.compared.get("get_music_task_details"), Some(&3));
    let field = report
        .entries
        .iter()
        .find(|e| e.path == "$.data.brandNewField")
        .unwrap_or_else(|| panic!("{report:#?}"));
    assert_eq!(field.kind, DriftKind::UnknownField);
    assert_eq!(field.seen, "object");
    assert_eq!(field.count, 3);
    assert_eq!(field.operation, "get_music_task_details");
    let schema: serde_json::Value =
        serde_json::from_str(kie_suno_sdk::OPENAPI_JSON).expect("the description");
    assert!(
        schema
            .pointer(&field.schema)
            .is_some_and(|s| s.get("properties").is_some()),
        "the schema to change is where the record's fields are: {}",
        field.schema
    );
    assert!(field.first <= field.last);
}

#[tokio::test]
async fn an_answer_over_the_size_cap_is_refused_as_too_large_when_compared() {
    let server = MockServer::start().await.unwrap();
    let padding = "x".repeat(100 * 1024);
    server.answer_with(
        "big",
        format!(r#"{{"code":200,"msg":"{padding}","data":null}}"#),
    );
    let client = client(&server, true);
    let e = client.task("big").await.unwrap_err();
    assert!(matches!(e, Error::BodyTooLarge { .. }), "{e:?}");
    assert_eq!(client.drift().compared.get("get_music_task_details"), None);
}

#[tokio::test]
async fn with_drift_off_nothing_is_compared() {
    let server = MockServer::start().await.unwrap();
    server.answer_with("t1", RECORD);
    let client = client(&server, false);
    client.task("t1").await.unwrap();
    assert!(client.drift().is_empty());
    assert!(client.drift().compared.is_empty());
}

#[tokio::test]
async fn a_drift_report_becomes_fix_ups_that_describe_what_was_seen() {
    // Live drift, through the SDK: a field the description lacks, a null
    // where it is not nullable.
    let server = MockServer::start().await.unwrap();
    server.answer_with("t1", RECORD);
    let client = client(&server, true);
    client.task("t1").await.unwrap();
    let report = client.drift();
    let field = report
        .entries
        .iter()
        .find(|e| e.path == "$.data.brandNewField")
        .expect("the new field")
        .clone();

    // `cargo xtask drift REPORT.json --out proposed.yaml`, on a copy of spec/.
    let (dir, layout) = kie_suno_tests::spec_scratch();
    let report_path = dir.path().join("drift.json");
    std::fs::write(&report_path, serde_json::to_string(&report).unwrap()).unwrap();
    let out = dir.path().join("proposed.yaml");
    let mut printed = Vec::new();
    xtask::drift::run(&layout, &report_path, Some(&out), &mut printed).expect("proposals");
    let printed = String::from_utf8(printed).unwrap();
    assert!(
        printed.contains("drift-brandnewfield-field: applied"),
        "{printed}"
    );
    assert!(printed.contains("what they would change"), "{printed}");
    assert!(printed.contains("brandNewField"), "{printed}");
    let proposed = std::fs::read_to_string(&out).unwrap();
    assert!(
        proposed.contains("get_music_task_details"),
        "a reason: {proposed}"
    );
    assert!(proposed.contains("drift report"), "{proposed}");

    // Taken into the fix-ups, the description now has the field where the
    // report said, and the pipeline's checks pass.
    let overlay: serde_json::Value = serde_norway::from_str(&proposed).unwrap();
    let fixes_text = std::fs::read_to_string(&layout.fixes).unwrap();
    let mut fixes: serde_json::Value = serde_norway::from_str(&fixes_text).unwrap();
    let actions = fixes["actions"].as_array_mut().unwrap();
    actions.extend(overlay["actions"].as_array().unwrap().iter().cloned());
    std::fs::write(&layout.fixes, serde_norway::to_string(&fixes).unwrap()).unwrap();
    let generated = xtask::write(&layout).expect("the pipeline takes the fix-ups");
    let added = generated
        .fixed
        .pointer(&format!("{}/properties/brandNewField", field.schema))
        .cloned();
    assert_eq!(
        added,
        Some(serde_json::json!({"type": "object", "nullable": true}))
    );
}

#[tokio::test]
async fn a_captured_live_record_shows_the_fields_the_pages_lack() {
    let body = std::fs::read_to_string(
        kie_suno_tests::workspace_root().join("tests/fixtures/records/extra_fields.json"),
    )
    .unwrap();
    let server = MockServer::start().await.unwrap();
    server.answer_with("a1b2c3d4e5f60718293a4b5c6d7e8f90", body);
    let client = client(&server, true);
    client
        .task("a1b2c3d4e5f60718293a4b5c6d7e8f90")
        .await
        .expect("the record decodes");
    let report = client.drift();
    let unknown: Vec<&str> = report
        .entries
        .iter()
        .filter(|e| e.kind == DriftKind::UnknownField)
        .map(|e| e.path.as_str())
        .collect();
    assert!(
        unknown.contains(&"$.data.response.sunoData[*].lyricsAligned"),
        "{report:#?}"
    );
    // Every finding names a schema of the description.
    let doc: serde_json::Value = serde_json::from_str(kie_suno_sdk::OPENAPI_JSON).unwrap();
    for entry in &report.entries {
        assert!(doc.pointer(&entry.schema).is_some(), "{entry:?}");
    }
}

#[tokio::test]
async fn a_client_with_a_journal_writes_each_finding_down_when_it_first_sees_it() {
    use kie_suno::journal::{Journal, SqliteJournal};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let journal: Arc<dyn Journal> =
        Arc::new(SqliteJournal::open(dir.path().join("j.sqlite3")).unwrap());
    let server = MockServer::start().await.unwrap();
    server.answer_with("t1", RECORD);
    let client = keyed(&server).journal(journal.clone()).build().unwrap();
    client.task("t1").await.unwrap();
    // Written on the answer that brought it, before the call returned.
    let table = journal.drift().await.unwrap();
    let field = table
        .entries
        .iter()
        .find(|e| e.path == "$.data.brandNewField")
        .unwrap_or_else(|| panic!("{table:#?}"));
    assert_eq!(field.count, 1);
    assert_eq!(table.compared.get("get_music_task_details"), Some(&1));
    // A second process's client adds to the same table.
    let again = keyed(&server).journal(journal.clone()).build().unwrap();
    again.task("t1").await.unwrap();
    let table = journal.drift().await.unwrap();
    let field = table
        .entries
        .iter()
        .find(|e| e.path == "$.data.brandNewField")
        .unwrap();
    assert_eq!(field.count, 2);
}
