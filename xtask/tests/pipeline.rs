//! The spec pipeline on temporary copies of the workspace's spec inputs:
//! bad inputs give errors naming the file and the problem, output is
//! deterministic, and a failed run never touches `sdk/openapi.json`.

use std::fs;
use std::path::Path;

use xtask::{Layout, Outcome, SpecError};

const PAGE: &str = include_str!("../../spec/history/get-music-details.md");
const FIXES: &str = include_str!("../../spec/fixes.yaml");

/// A temporary workspace holding the vendored pages of every endpoint but
/// record-info (whose seed page the tests vary), `pages` beside them in
/// spec/upstream, the real fix-ups and the generated document.
fn workspace(pages: &[(&str, &str)]) -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = Layout::under(dir.path());
    fs::create_dir_all(&layout.upstream).expect("upstream dir");
    fs::create_dir_all(layout.output.parent().expect("sdk dir")).expect("sdk dir");
    fs::write(&layout.fixes, FIXES).expect("fixes");
    // The generated document too: it records which pages keep the shared
    // component names.
    fs::copy(Layout::workspace().output, &layout.output).expect("openapi.json");
    let vendored = Layout::workspace().upstream;
    for family in ["suno-api", "common-api"] {
        fs::create_dir_all(layout.upstream.join(family)).expect("dir");
        for entry in fs::read_dir(vendored.join(family)).expect("vendored") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("name");
            if name == "get-music-details.md" {
                continue; // record-info: the seed page the tests vary
            }
            fs::copy(&path, layout.upstream.join(family).join(name)).expect("copy");
        }
    }
    for (name, text) in pages {
        fs::write(layout.upstream.join(name), text).expect("page");
    }
    (dir, layout)
}

fn error_of(pages: &[(&str, &str)]) -> String {
    let (_dir, layout) = workspace(pages);
    match xtask::generate(&layout) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn running_spec_twice_writes_identical_bytes() {
    let (_dir, layout) = workspace(&[("get-music-details.md", PAGE)]);
    xtask::write(&layout).expect("first run");
    let first = fs::read(&layout.output).expect("output");
    xtask::write(&layout).expect("second run");
    assert_eq!(first, fs::read(&layout.output).expect("output"));
    assert!(first.ends_with(b"}\n"), "trailing newline");
}

#[test]
fn checked_in_openapi_json_is_what_the_inputs_produce() {
    let (_, diff) = xtask::check(&Layout::workspace()).expect("pipeline runs");
    assert_eq!(diff, None, "run `cargo xtask spec`");
}

#[test]
fn every_fixup_applies_to_the_vendored_page() {
    let generated = xtask::generate(&Layout::workspace()).expect("pipeline runs");
    assert!(!generated.report.fixups.is_empty());
    for (id, outcome) in &generated.report.fixups {
        assert_eq!(outcome, &Outcome::Applied, "fix-up {id}");
    }
}

#[test]
fn page_claiming_an_endpoint_without_its_yaml_fence_is_refused_by_name_and_line() {
    let e = error_of(&[
        ("get-music-details.md", PAGE),
        (
            "empty.md",
            "# Title\n\n## OpenAPI Specification\n\nNo endpoint here.\n",
        ),
    ]);
    assert!(
        e.contains("empty.md:3:") && e.contains("no ```yaml fence"),
        "{e}"
    );
}

#[test]
fn page_without_any_endpoint_is_prose_and_adds_nothing() {
    let (_dir, layout) = workspace(&[
        ("get-music-details.md", PAGE),
        (
            "notes.md",
            "# Title\n\nNo endpoint here.\n\n```json\n{\"a\": 1}\n```\n",
        ),
    ]);
    let with_prose = xtask::generate(&layout).expect("prose is skipped").json;
    fs::remove_file(layout.upstream.join("notes.md")).expect("remove");
    assert_eq!(with_prose, xtask::generate(&layout).expect("runs").json);
}

#[test]
fn invalid_yaml_is_refused_with_its_location() {
    let page = "# T\n\n````yaml f get /x\npaths: [unclosed\n````\n";
    let e = error_of(&[("bad.md", page)]);
    assert!(
        e.contains("bad.md") && e.contains("invalid YAML") && e.contains("line"),
        "{e}"
    );
}

#[test]
fn unknown_construct_in_rendered_form_is_refused() {
    let page = PAGE.replace(
        "  deprecated: false\n",
        "  deprecated: false\n  webhooks: {}\n",
    );
    let e = error_of(&[("page.md", &page)]);
    assert!(
        e.contains("page.md") && e.contains("unknown field `webhooks`"),
        "{e}"
    );
}

#[test]
fn unclosed_yaml_block_is_refused() {
    let page = &PAGE[..PAGE.rfind("````").expect("closing fence")];
    let e = error_of(&[("page.md", page)]);
    assert!(e.contains("page.md") && e.contains("not closed"), "{e}");
}

#[test]
fn openapi_31_document_is_refused_naming_the_version() {
    let doc = r#"{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {}}"#;
    let e = error_of(&[("api.json", doc)]);
    assert!(
        e.contains("api.json") && e.contains("OpenAPI 3.1.0") && e.contains("3.0.x is required"),
        "{e}"
    );
}

#[test]
fn swagger_20_document_is_refused_naming_the_version() {
    let e = error_of(&[(
        "api.yaml",
        "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n",
    )]);
    assert!(
        e.contains("api.yaml") && e.contains("Swagger (OpenAPI) 2.0"),
        "{e}"
    );
}

#[test]
fn empty_upstream_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let layout = Layout::under(dir.path());
    fs::create_dir_all(&layout.upstream).expect("upstream dir");
    fs::write(&layout.fixes, FIXES).expect("fixes");
    let e = xtask::generate(&layout).expect_err("empty").to_string();
    assert!(
        e.contains("spec/upstream") && e.contains("no spec inputs"),
        "{e}"
    );
}

#[test]
fn openapi_30_document_merges_beside_a_page() {
    let doc = r#"
openapi: 3.0.3
info: {title: other, version: '1'}
paths:
  /api/v1/example/record-info:
    get:
      operationId: get_example_details
      responses:
        '200': {description: ok}
"#;
    let (_dir, layout) = workspace(&[("get-music-details.md", PAGE), ("lyrics.yaml", doc)]);
    let generated = xtask::generate(&layout).expect("merges");
    let json: serde_json::Value = serde_json::from_str(&generated.json).expect("json");
    assert!(json["paths"]["/api/v1/example/record-info"]["get"].is_object());
    assert!(json["paths"]["/api/v1/generate/record-info"]["get"].is_object());
}

#[test]
fn two_files_defining_one_operation_differently_are_both_named() {
    // `msg` a number on the second page: a shape, not words.
    let other = PAGE.replacen(
        "                  - type: string\n                    description: Error message",
        "                  - type: number\n                    description: Error message",
        1,
    );
    assert_ne!(other, PAGE);
    let e = error_of(&[("a.md", PAGE), ("b.md", &other)]);
    assert!(
        e.contains("GET /api/v1/generate/record-info")
            && e.contains("a.md:")
            && e.contains("b.md:")
            && e.contains("(responses.200.content.application/json.schema.properties.msg.type: \"string\" vs \"number\")"),
        "{e}"
    );
}

#[test]
fn two_files_whose_operation_differs_in_words_only_count_once() {
    let reworded = PAGE.replacen("> ", "> Changed: ", 1);
    assert_ne!(reworded, PAGE);
    let (_dir, layout) = workspace(&[("a.md", PAGE), ("b.md", &reworded)]);
    xtask::generate(&layout).expect("one operation");
}

#[test]
fn the_same_page_twice_counts_once() {
    // The whole pipeline, the generator's check included: a first page
    // named `a.md` no longer takes the shared bearer scheme's name from
    // the vendored pages (issue 23). Only the record of which pages give
    // each component differs.
    let fixed = |pages: &[(&str, &str)]| {
        let (_dir, layout) = workspace(pages);
        let mut doc = xtask::generate(&layout).expect("generates").fixed;
        doc.as_object_mut()
            .expect("document")
            .remove(xtask::naming::RECORD_KEY);
        xtask::document::to_canonical_json(&doc)
    };
    assert_eq!(
        fixed(&[("a.md", PAGE), ("b.md", PAGE)]),
        fixed(&[("a.md", PAGE)])
    );
}

#[test]
fn fixup_whose_target_is_gone_fails_with_its_id() {
    // Upstream renamed sunoData: every fix-up below it loses its target.
    let page = PAGE.replace("sunoData:", "tracks:");
    let (_dir, layout) = workspace(&[("page.md", &page)]);
    let err = xtask::generate(&layout).expect_err("targets are gone");
    let SpecError::FixupTargetsNotFound { report } = &err else {
        panic!("unexpected error {err}");
    };
    let text = err.to_string();
    assert!(
        text.contains("fix-up track-create-time: target not found: $."),
        "{text}"
    );
    assert!(report.missing() >= 3, "{report}");
}

#[test]
fn removal_already_done_upstream_is_reported_as_noop() {
    // Upstream dropped the enum on `type`: the fix-up has nothing left to do.
    let page = PAGE.replace(
        "                        enum:\n                          - chirp-v3-5\n                          - chirp-v4\n",
        "",
    );
    assert_ne!(page, PAGE, "the page changed");
    let (_dir, layout) = workspace(&[("page.md", &page)]);
    let generated = xtask::generate(&layout).expect("pipeline runs");
    let line = generated.report.to_string();
    assert!(
        line.contains("fix-up open-task-type: no-op (already fixed upstream: consider deleting)"),
        "{line}"
    );
}

#[test]
fn failed_run_leaves_the_previous_output_untouched() {
    let (_dir, layout) = workspace(&[("page.md", PAGE)]);
    xtask::write(&layout).expect("first run");
    let before = fs::read(&layout.output).expect("output");
    fs::write(layout.upstream.join("page.md"), "# broken\n").expect("break the page");
    assert!(xtask::write(&layout).is_err());
    assert_eq!(before, fs::read(&layout.output).expect("output"));
    assert!(!Path::new(&layout.output.with_extension("json.tmp")).exists());
}

#[test]
fn fixup_without_a_reason_is_refused() {
    let (_dir, layout) = workspace(&[("page.md", PAGE)]);
    let start = FIXES.find("    description:").expect("a reason");
    let end = start + FIXES[start..].find('\n').expect("end of line") + 1;
    let fixes = format!("{}{}", &FIXES[..start], &FIXES[end..]);
    fs::write(&layout.fixes, fixes).expect("fixes");
    let first = FIXES[..start]
        .rsplit("x-fixup: ")
        .next()
        .and_then(|rest| rest.lines().next())
        .expect("the first fix-up's id");
    let e = xtask::generate(&layout).expect_err("no reason").to_string();
    assert!(e.contains(&format!("fix-up {first}:")), "{e}");
    assert!(e.contains("needs a one-line `description`"), "{e}");
}

#[test]
fn operation_id_comes_from_the_page_title() {
    assert_eq!(
        xtask::page::operation_id("Get Music Task Details"),
        "get_music_task_details"
    );
    assert_eq!(
        xtask::page::operation_id("Get  Lyrics-Task details!"),
        "get_lyrics_task_details"
    );
}

#[test]
fn fence_naming_another_endpoint_is_refused() {
    let page = PAGE.replace(
        "suno-api/suno-api.json get /api/v1/generate/record-info",
        "suno-api/suno-api.json get /api/v1/lyrics/record-info",
    );
    let e = error_of(&[("page.md", &page)]);
    assert!(
        e.contains("page.md:7:") && e.contains("the fence names GET /api/v1/lyrics/record-info"),
        "{e}"
    );
}

#[test]
fn unknown_key_inside_a_form_c_document_is_refused_with_its_line() {
    let page = "# X\n\n## OpenAPI Specification\n\n```yaml\nopenapi: 3.0.1\ninfo: {title: x, version: '1'}\npaths:\n  /api/v1/x:\n    get:\n      responses: {}\n      webhooks: {}\n```\n";
    let e = error_of(&[("get-music-details.md", PAGE), ("x.md", page)]);
    assert!(
        e.contains("x.md:12:") && e.contains("`webhooks` in GET /api/v1/x"),
        "{e}"
    );
}
