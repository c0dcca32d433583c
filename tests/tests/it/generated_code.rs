//! Guards on the generated crate: its complete source and the xtask report
//! are snapshots (a regenerated spec shows up as a reviewed diff), and
//! `sdk/openapi.json` is an OpenAPI 3.0.3 document progenitor accepts.

use xtask::Layout;

#[test]
fn generated_source_matches_snapshot() {
    insta::assert_snapshot!("generated_source", kie_suno_sdk::GENERATED_SOURCE);
}

/// The API surface in one screen: each operation, its inputs and response.
#[test]
fn api_surface_matches_snapshot() {
    let surface = kie_suno_tests::surface::operations(kie_suno_sdk::GENERATED_SOURCE);
    assert_eq!(surface.lines().count(), 27, "{surface}");
    insta::assert_snapshot!("api_surface", surface);
}

#[test]
fn xtask_report_matches_snapshot() {
    let generated = xtask::generate(&Layout::workspace()).expect("pipeline runs");
    insta::assert_snapshot!("xtask_report", generated.report.to_string());
}

#[test]
fn openapi_json_is_an_openapi_303_document() {
    let path = kie_suno_tests::workspace_root().join("sdk/openapi.json");
    let text = std::fs::read_to_string(path).expect("sdk/openapi.json");
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text).expect("OpenAPI 3.0 structure");
    assert_eq!(spec.openapi, "3.0.3");
    let op = spec
        .paths
        .paths
        .get("/api/v1/generate/record-info")
        .and_then(|item| item.as_item())
        .and_then(|item| item.get.as_ref())
        .expect("GET record-info");
    assert_eq!(op.operation_id.as_deref(), Some("get_music_task_details"));
}
