//! The page reader on the provider's own pages, in every export form: each
//! vendored page, the sister service's form-B page and whole-site dump, and
//! each update fixture rewritten in forms B and C and as a multi-page file,
//! which must report exactly what its form-A original reports.

use std::path::{Path, PathBuf};

use kie_suno_tests::{forms, spec_scratch, workspace_root};
use xtask::page::{self, Form};
use xtask::{SpecError, update};

fn read(path: &Path) -> page::Page {
    let text = std::fs::read_to_string(path).expect("page");
    page::read(path, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn pages_in(dir: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(workspace_root().join(dir))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    paths
}

#[test]
fn every_vendored_endpoint_page_is_one_form_c_operation_and_the_rest_are_prose() {
    let mut endpoints = Vec::new();
    let mut prose = Vec::new();
    for path in pages_in("spec/upstream/suno-api")
        .into_iter()
        .chain(pages_in("spec/upstream/common-api"))
    {
        let page = read(&path);
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if page.is_prose() {
            prose.push((name, page.examples.len()));
        } else {
            assert_eq!(page.endpoints.len(), 1, "{name}");
            assert_eq!(page.endpoints[0].form, Form::OpenApiSection, "{name}");
            endpoints.push(page.endpoints[0].name());
        }
    }
    // The seed page, kept as the pipeline's first input, is not an input
    // of the build: the provider's form-C page supplies record-info.
    let seed = read(&workspace_root().join("spec/history/get-music-details.md"));
    assert_eq!(seed.endpoints[0].form, Form::Rendered);
    assert!(
        endpoints.contains(&seed.endpoints[0].name()),
        "{endpoints:#?}"
    );
    endpoints.sort();
    endpoints.dedup();
    assert_eq!(endpoints.len(), 27, "{endpoints:#?}");
    // 13 callback pages, webhook verification and two quickstarts.
    assert_eq!(prose.len(), 16, "{prose:?}");
    for (name, examples) in &prose {
        if name.ends_with("-callbacks.md") {
            assert!(*examples > 0, "{name} has JSON examples");
        }
    }
}

#[test]
fn every_json_example_of_the_callback_pages_is_json() {
    let examples = xtask::prose_examples(&[workspace_root().join("spec/upstream")]).expect("reads");
    let callbacks: Vec<_> = examples
        .iter()
        .filter(|(path, _)| path.to_string_lossy().ends_with("-callbacks.md"))
        .collect();
    assert!(callbacks.len() >= 13, "{}", callbacks.len());
    for (path, example) in callbacks {
        assert!(
            example.value.is_ok(),
            "{}:{}: {:?}",
            path.display(),
            example.line,
            example.value
        );
    }
}

#[test]
fn form_b_page_of_the_sister_service_reads_as_its_one_operation() {
    let page = read(&workspace_root().join("tests/fixtures/pages/generate-music.sister-form-b.md"));
    let [endpoint] = &page.endpoints[..] else {
        panic!("{} endpoints", page.endpoints.len());
    };
    assert_eq!(endpoint.name(), "POST /api/v1/generate");
    assert_eq!(endpoint.form, Form::HeaderedDocument);
    assert_eq!(endpoint.servers[0]["url"], "https://api.sunoapi.org");
    assert!(endpoint.components.contains_key("schemas"));
    assert!(endpoint.components.contains_key("responses"));
}

#[test]
fn a_whole_site_dump_gives_every_one_of_its_operations() {
    let page = read(&workspace_root().join("tests/fixtures/pages/sister-docs-dump.form-a.md"));
    let names: Vec<String> = page.endpoints.iter().map(page::Endpoint::name).collect();
    assert_eq!(names.len(), 16, "{names:#?}");
    assert!(page.endpoints.iter().all(|e| e.form == Form::Rendered));
    assert!(names.contains(&"POST /api/v1/generate".to_owned()));
    assert!(names.contains(&"GET /api/v1/mp4/record-info".to_owned()));
    // Each operation is titled by its own page, not by the dump's first.
    let titles: Vec<&str> = page
        .endpoints
        .iter()
        .filter_map(|e| e.operation["summary"].as_str())
        .collect();
    assert!(titles.contains(&"Get Music Video Details"), "{titles:?}");
}

#[test]
fn a_page_of_the_sister_service_is_never_merged_into_the_kie_pages() {
    let (_dir, layout) = spec_scratch();
    let error = update::plan(
        &layout,
        &[workspace_root().join("tests/fixtures/pages/generate-music.sister-form-b.md")],
    )
    .expect_err("another service");
    assert!(matches!(error, SpecError::ServerMismatch { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("https://api.sunoapi.org") && text.contains("https://api.kie.ai"),
        "{text}"
    );
}

/// The change report of the switch this workspace made: from the seed page
/// (form A, `spec/history/`) to the provider's current record-info page
/// (form C). Compared in the canonical form, they differ only in what
/// really differs, and the fix-ups cover both.
#[test]
fn the_seed_page_and_the_providers_page_differ_only_in_what_really_differs() {
    let (dir, layout) = spec_scratch();
    let upstream = dir.path().join("spec/upstream");
    std::fs::remove_file(upstream.join("suno-api/get-music-details.md")).expect("provider page");
    std::fs::copy(
        workspace_root().join("spec/history/get-music-details.md"),
        upstream.join("get-music-details.md"),
    )
    .expect("seed page");
    let page = workspace_root().join("tests/fixtures/spec-updates/form-c-record-info");
    let update = update::plan(&layout, &[page]).expect("reads");
    let report = update.to_string();
    assert!(!report.contains("refused"), "{report}");
    assert!(
        !report.contains("allOf"),
        "no presentational change: {report}"
    );
    insta::assert_snapshot!("form_c_record_info", report);
}

/// The form-A update fixtures and where their companions live.
const FIXTURES: &[&str] = &[
    "createtime-fixed",
    "field-removed",
    "new-status-and-field",
    "target-gone",
    "lyrics-endpoint",
];

fn form_a_page(fixture: &str) -> PathBuf {
    pages_in(&format!("tests/fixtures/spec-updates/{fixture}"))
        .into_iter()
        .next()
        .expect("one page")
}

/// `KIE_WRITE_COMPANIONS=1 cargo test -p kie-suno-tests --test pages`
/// rewrites the companions after a fixture changed.
#[test]
fn each_update_fixture_says_the_same_in_forms_b_and_c_and_in_a_multi_page_file() {
    for fixture in FIXTURES {
        let original = form_a_page(fixture);
        let text = std::fs::read_to_string(&original).expect("fixture");
        let dir = workspace_root().join(format!("tests/fixtures/spec-updates/forms/{fixture}"));
        let companions = [
            ("form-b.md", forms::form_b(&original, &text)),
            ("form-c.md", forms::form_c(&original, &text)),
            ("multi-page.md", forms::multi_page(&original, &text)),
        ];
        let (_dir, layout) = spec_scratch();
        let expected = update::plan(&layout, std::slice::from_ref(&original)).expect("form A");
        for (name, made) in companions {
            let path = dir.join(name);
            if std::env::var_os("KIE_WRITE_COMPANIONS").is_some() {
                std::fs::create_dir_all(&dir).expect("dir");
                std::fs::write(&path, &made).expect("write");
            }
            let stored = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                stored == made,
                "{} is stale: run with KIE_WRITE_COMPANIONS=1",
                path.display()
            );
            let (_dir, layout) = spec_scratch();
            let update = update::plan(&layout, std::slice::from_ref(&path)).expect("companion");
            assert_eq!(update.changes, expected.changes, "{fixture}/{name}");
            assert_eq!(update.refused(), expected.refused(), "{fixture}/{name}");
            assert_eq!(
                update.report.lost_targets(),
                expected.report.lost_targets(),
                "{fixture}/{name}"
            );
        }
    }
}
