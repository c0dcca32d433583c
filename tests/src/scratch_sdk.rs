//! Copies of the generated crate built from other documents: a scratch
//! workspace (this workspace's manifest and lock file, its own members)
//! whose packages are `sdk/` with another `openapi.json`, checked offline,
//! so that a test proves a document gives a client that compiles.

use std::path::Path;
use std::process::Command;

/// Writes the package `name` into `workspace/<name>/`: `sdk/`'s manifest,
/// build script and `lib.rs`, `openapi.json`, and `probe` as the module
/// `probe` (code that uses what the document must give).
pub fn write_copy(workspace: &Path, name: &str, openapi_json: &str, probe: &str) {
    let root = crate::workspace_root();
    let package = workspace.join(name);
    std::fs::create_dir_all(package.join("src")).expect("src");
    for file in ["build.rs", "src/lib.rs"] {
        std::fs::copy(root.join("sdk").join(file), package.join(file)).expect("copy sdk");
    }
    let manifest = std::fs::read_to_string(root.join("sdk/Cargo.toml")).expect("manifest");
    let manifest = manifest.replacen("name = \"kie-suno-sdk\"", &format!("name = \"{name}\""), 1);
    std::fs::write(package.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::write(package.join("openapi.json"), openapi_json).expect("openapi.json");
    std::fs::write(package.join("src/probe.rs"), probe).expect("probe");
    let mut lib = std::fs::read_to_string(package.join("src/lib.rs")).expect("lib");
    lib.push_str("\npub mod probe;\n");
    std::fs::write(package.join("src/lib.rs"), lib).expect("lib");
}

/// Makes `workspace` a workspace of `members` (this workspace's manifest
/// and lock file otherwise) and runs `cargo check --offline` on them;
/// whether it passed.
pub fn check(workspace: &Path, members: &[&str]) -> bool {
    let root = crate::workspace_root();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("manifest");
    let start = manifest.find("members").expect("members");
    let end = manifest.find("\n[workspace.package]").expect("package");
    let listed: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    let manifest = manifest.replace(
        &manifest[start..end],
        &format!("members = [{}]\n", listed.join(", ")),
    );
    std::fs::write(workspace.join("Cargo.toml"), manifest).expect("manifest");
    std::fs::copy(root.join("Cargo.lock"), workspace.join("Cargo.lock")).expect("lock");
    let mut command = Command::new(env!("CARGO"));
    command.args(["check", "--offline", "--quiet"]);
    for member in members {
        command.args(["-p", member]);
    }
    command
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", root.join("target/spec-update-check"))
        .status()
        .expect("cargo runs")
        .success()
}
