//! `cargo xtask update-spec` on temporary copies of the workspace's spec
//! inputs, one fixture per kind of provider update. Each change report is a
//! reviewed snapshot.

use std::path::{Path, PathBuf};

use kie_suno_tests::{spec_scratch, workspace_root};
use xtask::{SpecError, changes::Impact, update};

fn fixture(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/spec-updates")
        .join(name)
}

fn snapshot_of(update: &update::Update) -> String {
    update.to_string()
}

#[test]
fn upstream_fixing_create_time_makes_its_fixup_a_noop_and_breaks_nothing() {
    let (_dir, layout) = spec_scratch();
    let update = update::plan(&layout, &[fixture("createtime-fixed")]).expect("plans");
    assert!(
        update.report.to_string().contains(
            "fix-up track-create-time: no-op (already fixed upstream: consider deleting)"
        )
    );
    assert!(
        update
            .changes
            .iter()
            .all(|c| c.impact == Impact::Compatible)
    );
    insta::assert_snapshot!("createtime_fixed", snapshot_of(&update));
}

#[test]
fn new_status_value_and_optional_field_are_compatible_and_reported() {
    let (_dir, layout) = spec_scratch();
    let update = update::plan(&layout, &[fixture("new-status-and-field")]).expect("plans");
    let text = update.to_string();
    assert!(
        text.contains("$.data.status: enum value \"MASTERING\" added (absorbed by the fix-ups)"),
        "{text}"
    );
    assert!(
        text.contains("$.data.response.sunoData[].lyricsUrl: optional field added"),
        "{text}"
    );
    // Beside the two changes, the form-A fixture differs from the vendored
    // form-C page in its operationId and its 500 body, both absorbed.
    assert!(text.contains("\n4 compatible, 0 breaking\n"), "{text}");
    insta::assert_snapshot!("new_status_and_field", snapshot_of(&update));
}

#[test]
fn removed_field_is_breaking() {
    let (_dir, layout) = spec_scratch();
    let update = update::plan(&layout, &[fixture("field-removed")]).expect("plans");
    let breaking: Vec<_> = update
        .changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .collect();
    assert_eq!(breaking.len(), 1);
    assert!(
        breaking[0].location.ends_with("$.data.parentMusicId")
            && breaking[0].what == "field removed"
    );
    insta::assert_snapshot!("field_removed", snapshot_of(&update));
}

#[test]
fn page_whose_fixup_target_is_gone_is_reported_then_refused_and_nothing_is_written() {
    let (dir, layout) = spec_scratch();
    let before = tree(dir.path());
    // The report is still computed: the maintainer sees which change took
    // each fix-up's target away.
    let update = update::plan(&layout, &[fixture("target-gone")]).expect("reported");
    assert!(update.refused());
    let report = update.to_string();
    assert!(
        report.contains("fix-up type-names: target not found"),
        "{report}"
    );
    let removal = report
        .lines()
        .find(|l| l.contains("$.data.response.sunoData: field removed"))
        .expect("the removal is reported");
    assert!(removal.starts_with("  breaking"), "{removal}");
    assert!(
        removal.contains("fix-up live-nullability lost its target")
            && removal.contains("fix-up type-names lost its target"),
        "{removal}"
    );
    insta::assert_snapshot!("target_gone", report);

    let mut out = Vec::new();
    let error =
        update::run(&layout, &[fixture("target-gone")], false, &mut out).expect_err("refused");
    assert!(
        matches!(error, SpecError::FixupTargetsNotFound { .. }),
        "{error}"
    );
    assert!(String::from_utf8_lossy(&out).contains("refused: "));
    assert_eq!(before, tree(dir.path()), "nothing written");
}

#[test]
fn openapi_31_document_is_down_converted() {
    let (_dir, layout) = spec_scratch();
    let update = update::plan(&layout, &[fixture("openapi-31")]).expect("converts");
    let text = update.to_string();
    assert!(
        text.contains(
            "spec/upstream/openapi-31/lyrics.json: OpenAPI 3.1.0 down-converted to 3.0.3"
        ),
        "{text}"
    );
    update::apply(&layout, &update).expect("writes");
    let stored: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(layout.upstream.join("openapi-31/lyrics.json")).expect("stored"),
    )
    .expect("json");
    assert_eq!(stored["openapi"], "3.0.3");
    let schema = &stored["paths"]["/api/v1/lyrics/history"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        schema["properties"]["msg"],
        serde_json::json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        schema["properties"]["kind"],
        serde_json::json!({"enum": ["lyrics"]})
    );
    assert_eq!(
        schema["properties"]["data"]["example"],
        serde_json::json!({"taskId": "t"})
    );
    xtask::check(&layout)
        .map(|(_, diff)| assert_eq!(diff, None))
        .expect("consistent");
    insta::assert_snapshot!("openapi_31", snapshot_of(&update));
}

#[test]
fn openapi_31_document_with_non_mechanical_parts_is_refused_naming_them() {
    let (_dir, layout) = spec_scratch();
    let error = update::plan(&layout, &[fixture("openapi-31-refused")])
        .expect_err("refused")
        .to_string();
    assert!(error.contains("cannot down-convert OpenAPI 3.1"), "{error}");
    assert!(
        error.contains("`prefixItems` at") && error.contains("several types"),
        "{error}"
    );
}

#[test]
fn dry_run_writes_nothing() {
    let (dir, layout) = spec_scratch();
    let before = tree(dir.path());
    let mut out = Vec::new();
    update::run(&layout, &[fixture("new-status-and-field")], true, &mut out).expect("plans");
    let printed = String::from_utf8(out).expect("utf-8");
    assert!(
        printed.contains("breaking") || printed.contains("compatible"),
        "the report is printed: {printed}"
    );
    assert!(printed.ends_with("dry run: nothing written\n"), "{printed}");
    assert_eq!(before, tree(dir.path()), "the tree is unchanged");

    // The same update without --dry-run does change it: the comparison
    // above can fail.
    update::run(
        &layout,
        &[fixture("new-status-and-field")],
        false,
        &mut Vec::new(),
    )
    .expect("writes");
    assert_ne!(before, tree(dir.path()));
}

/// Every file below `root`, recursively, with its bytes.
fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut all = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                all.push((path, bytes));
            }
        }
    }
    all.sort();
    all
}

#[test]
fn new_endpoint_pages_regenerate_an_sdk_that_compiles_and_exposes_them() {
    let (dir, layout) = spec_scratch();
    let update = update::plan(&layout, &[fixture("lyrics-endpoint")]).expect("plans");
    assert!(
        update
            .to_string()
            .contains("GET /api/v1/lyrics/history: operation added")
    );
    insta::assert_snapshot!("lyrics_endpoint", snapshot_of(&update));
    update::apply(&layout, &update).expect("writes");
    assert!(
        layout
            .upstream
            .join("lyrics-endpoint/get-lyrics-history.md")
            .exists()
    );
    // A page whose schemas use every format typify maps to a crate of its
    // own (chrono, uuid, regress) or to a map or a binary body.
    let formats = update::plan(&layout, &[fixture("formats")]).expect("plans");
    let report = formats.to_string();
    assert!(
        report.contains("GET /api/v1/example/formats: operation added")
            && report.contains("POST /api/v1/example/upload: operation added"),
        "{report}"
    );
    update::apply(&layout, &formats).expect("writes");

    // Build a copy of the sdk crate from the regenerated openapi.json, in a
    // workspace of its own with this workspace's lock file (offline).
    let openapi = std::fs::read_to_string(&layout.output).expect("regenerated");
    kie_suno_tests::scratch_sdk::write_copy(
        dir.path(),
        "sdk",
        &openapi,
        "pub fn lyrics(client: &crate::Client) -> crate::builder::GetLyricsHistory<'_> { client.get_lyrics_history() }\n\
         pub fn formats(client: &crate::Client) -> crate::builder::GetExampleFormats<'_> { client.get_example_formats() }\n\
         pub fn upload(client: &crate::Client) -> crate::builder::UploadExampleFile<'_> { client.upload_example_file() }\n\
         pub fn at(r: &crate::types::GetExampleFormatsResponse) -> Option<chrono::DateTime<chrono::Utc>> { r.at }\n\
         pub fn id(r: &crate::types::GetExampleFormatsResponse) -> Option<uuid::Uuid> { r.id }\n\
         pub fn labels(r: &crate::types::GetExampleFormatsResponse) -> &std::collections::HashMap<String, String> { &r.labels }\n",
    );
    assert!(
        kie_suno_tests::scratch_sdk::check(dir.path(), &["sdk"]),
        "the regenerated sdk compiles and exposes get_lyrics_history and every format"
    );
}

#[test]
fn a_written_update_says_the_version_it_needs_and_adds_its_changes_to_the_changelog() {
    let (dir, layout) = spec_scratch();
    std::fs::write(
        &layout.manifest,
        "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"0.1.0\"\n",
    )
    .expect("manifest");
    let update = update::plan(&layout, &[fixture("field-removed")]).expect("plans");
    let report = update.to_string();
    assert!(
        report.contains(
            "version: kie-suno-sdk and kie-suno need a minor release (breaking, while 0.x), 0.1.0 -> 0.2.0: 1 breaking change, 0 compatible changes"
        ),
        "{report}"
    );
    assert!(!layout.changelog.exists(), "planning writes nothing");
    update::apply(&layout, &update).expect("writes");
    let changelog = std::fs::read_to_string(&layout.changelog).expect("written");
    assert!(
        changelog.contains(
            "## [Unreleased]\n\n### Removed\n- **Breaking:** `GET /api/v1/generate/record-info 200 application/json $.data.parentMusicId`: field removed\n"
        ),
        "{changelog}"
    );

    // Compatible changes alone need a patch.
    let (_dir, layout) = spec_scratch();
    std::fs::copy(dir.path().join("Cargo.toml"), &layout.manifest).expect("manifest");
    let update = update::plan(&layout, &[fixture("new-status-and-field")]).expect("plans");
    assert!(
        update
            .to_string()
            .contains("need a patch release, 0.1.0 -> 0.1.1"),
        "{update}"
    );
}

#[test]
fn two_inputs_with_the_same_operation_are_refused_naming_both_and_nothing_is_written() {
    let (dir, layout) = spec_scratch();
    let before = tree(dir.path());
    let first = fixture("field-removed");
    let second = fixture("createtime-fixed");
    let error = update::run(
        &layout,
        &[first.clone(), second.clone()],
        false,
        &mut Vec::new(),
    )
    .expect_err("refused");
    let message = error.to_string();
    assert!(
        message.contains("GET /api/v1/generate/record-info")
            && message.contains(&first.display().to_string())
            && message.contains("createtime-fixed"),
        "names the operation and both inputs: {message}"
    );
    assert_eq!(before, tree(dir.path()), "nothing written");
}

#[test]
fn a_page_the_generator_cannot_take_is_refused_naming_why_instead_of_breaking_the_sdk_build() {
    // The provider's market "get task detail" page: three error bodies,
    // which progenitor asserts on.
    let (dir, layout) = spec_scratch();
    let before = tree(dir.path());
    let error = update::run(
        &layout,
        &[fixture("generator-limits")],
        false,
        &mut Vec::new(),
    )
    .expect_err("refused");
    assert!(
        matches!(error, SpecError::GeneratorLimits { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message
            .contains("GET /api/v1/jobs/recordInfo: its error responses have 3 different bodies"),
        "{message}"
    );
    // Its 3.1 `type: null` is converted by the canonical form, not refused.
    assert!(!message.contains("type null"), "{message}");
    assert_eq!(before, tree(dir.path()), "nothing written");
}

#[test]
fn every_input_lands_under_its_own_name_in_a_folder_per_api() {
    let (_dir, layout) = spec_scratch();
    let other = workspace_root().join("tests/fixtures/other-apis");
    let quickstarts = ["veo3/C", "file-upload/C", "market-common/C"]
        .map(|api| other.join(api).join("quickstart.md"));
    let update = update::plan(&layout, &quickstarts).expect("plans");
    let report = update.to_string();
    for api in ["veo3", "file-upload", "market-common"] {
        assert!(
            report.contains(&format!(
                "spec/upstream/{api}/quickstart.md: prose page, vendored as is"
            )),
            "{report}"
        );
    }
    update::apply(&layout, &update).expect("writes");
    for (api, input) in ["veo3", "file-upload", "market-common"]
        .iter()
        .zip(&quickstarts)
    {
        assert_eq!(
            std::fs::read(layout.upstream.join(api).join("quickstart.md")).expect("vendored"),
            std::fs::read(input).expect("input"),
            "{api}: byte for byte"
        );
    }
}

#[test]
fn the_same_page_twice_is_one_input_and_two_pages_for_one_place_are_refused() {
    let (dir, layout) = spec_scratch();
    let page =
        workspace_root().join("tests/fixtures/spec-updates/lyrics-endpoint/get-lyrics-history.md");
    let copy = dir
        .path()
        .join("elsewhere/lyrics-endpoint/get-lyrics-history.md");
    std::fs::create_dir_all(copy.parent().expect("folder")).expect("folder");
    std::fs::copy(&page, &copy).expect("copy");
    let update = update::plan(&layout, &[page.clone(), copy]).expect("plans");
    let report = update.to_string();
    assert!(report.contains("; taken once"), "{report}");
    assert_eq!(update.report.missing(), 0);

    // Two different prose pages for one place: refused, nothing lost.
    let first = workspace_root().join("tests/fixtures/other-apis/veo3/C/quickstart.md");
    let second = dir.path().join("mirror/veo3/quickstart.md");
    std::fs::create_dir_all(second.parent().expect("folder")).expect("folder");
    std::fs::copy(
        workspace_root().join("tests/fixtures/other-apis/file-upload/C/quickstart.md"),
        &second,
    )
    .expect("copy");
    let error = update::plan(&layout, &[first, second])
        .expect_err("refused")
        .to_string();
    assert!(
        error.contains("it is a prose page that would be vendored as")
            && error.contains("veo3/quickstart.md"),
        "{error}"
    );
}
