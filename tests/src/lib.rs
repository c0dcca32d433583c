//! Shared helpers for the workspace's tests and measurements: where the
//! fixtures are, and wait-policy simulations.
#![forbid(unsafe_code)]

pub mod canned;
pub mod decode;
pub mod download_bench;
pub mod e2e;
pub mod fleet;
pub mod forms;
pub mod journal_contract;
pub mod journal_scale;
pub mod postgres;
pub mod scratch_sdk;
pub mod sim;
pub mod soak;
pub mod surface;

use std::path::PathBuf;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
}

/// A temporary copy of `spec/` and `sdk/openapi.json`, and its layout: for
/// running the spec pipeline and `update-spec` without touching the
/// workspace.
pub fn spec_scratch() -> (tempfile::TempDir, xtask::Layout) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = workspace_root();
    let layout = xtask::Layout::under(dir.path());
    copy_tree(&root.join("spec"), &dir.path().join("spec"));
    std::fs::create_dir_all(dir.path().join("sdk")).expect("sdk");
    std::fs::copy(root.join("sdk/openapi.json"), &layout.output).expect("openapi.json");
    (dir, layout)
}

/// Copies a directory tree.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// The text of `tests/fixtures/records/<name>.json`: envelopes written from
/// what the live API is known to send (see ../shared/docs/api-facts.md).
pub fn record_fixture(name: &str) -> String {
    let path = workspace_root().join(format!("tests/fixtures/records/{name}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The example of the vendored page's 200 response, read from the page
/// itself (through the xtask's page parser), not retyped.
pub fn page_example() -> serde_json::Value {
    let path = workspace_root().join("spec/upstream/suno-api/get-music-details.md");
    let text = std::fs::read_to_string(&path).expect("vendored page");
    let page = xtask::page::read(&path, &text).expect("page parses");
    page.endpoints[0].operation["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

/// `None`, after printing that the test is skipped and why; in CI (`CI`
/// set) a failure instead: there nothing is skipped.
pub fn skipped<T>(why: &str) -> Option<T> {
    if std::env::var_os("CI").is_some() {
        panic!("needed in CI: {why}");
    }
    eprintln!("skipped: {why}");
    None
}
