//! Generates the client from `openapi.json` with progenitor at build time.
//! The output lands in `$OUT_DIR/codegen.rs`; nobody edits it by hand.

use std::path::Path;

fn main() {
    let spec_path = Path::new("openapi.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());

    let text = std::fs::read_to_string(spec_path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", spec_path.display())));
    let spec: openapiv3::OpenAPI = serde_json::from_str(&text).unwrap_or_else(|e| {
        fail(&format!(
            "{} is not an OpenAPI 3.0 document: {e}; regenerate it with `cargo xtask spec`",
            spec_path.display()
        ))
    });

    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        // The client carries per-client request options (the API key's
        // header, a body size limit), applied by the ClientHooks impl in
        // lib.rs. Hooks rather than the reqwest client's default headers, so
        // that a caller's own reqwest::Client is authenticated too.
        .with_inner_type(quote::quote!(crate::RequestOptions))
        .with_hooks(progenitor::HooksMode::Expected);
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).unwrap_or_else(|e| {
        fail(&format!(
            "progenitor cannot generate from openapi.json: {e}"
        ))
    });
    let ast = syn::parse2(tokens)
        .unwrap_or_else(|e| fail(&format!("progenitor produced unparsable code: {e}")));
    let code = prettyplease::unparse(&ast);

    let out_dir = std::env::var_os("OUT_DIR").unwrap_or_else(|| fail("OUT_DIR is not set"));
    let out = Path::new(&out_dir).join("codegen.rs");
    std::fs::write(&out, code)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
}

/// A build script reports errors by failing; say what and where first.
fn fail(message: &str) -> ! {
    eprintln!("kie-suno-sdk build: {message}");
    std::process::exit(1)
}
