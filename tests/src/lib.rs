//! Shared helpers for the workspace's tests and measurements: where the
//! fixtures are, and wait-policy simulations.
#![forbid(unsafe_code)]

pub mod decode;
pub mod forms;
pub mod sim;
pub mod soak;
pub mod surface;

use std::path::PathBuf;

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(PathBuf::from).unwrap_or(here)
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
    let path = workspace_root().join("spec/upstream/get-music-details.md");
    let text = std::fs::read_to_string(&path).expect("vendored page");
    let page = xtask::page::read(&path, &text).expect("page parses");
    page.endpoints[0].operation["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}
