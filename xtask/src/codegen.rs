//! The client the generator writes for a document, as `sdk/build.rs` runs
//! it (the same settings; a test holds the two to the same output), so
//! that tests can compare the code two documents give without building a
//! crate.

use serde_json::Value;

/// The generated client's source for `doc`, formatted; an error says why
/// the generator refused (the limits it asserts on are checked before,
/// by [`crate::generator`]).
pub fn client_source(doc: &Value) -> Result<String, String> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .map_err(|e| format!("not an OpenAPI 3.0 document: {e}"))?;
    let mut settings = progenitor::GenerationSettings::default();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_inner_type(quote::quote!(crate::RequestOptions))
        .with_hooks(progenitor::HooksMode::Expected);
    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor cannot generate: {e}"))?;
    let file = syn::parse2(tokens).map_err(|e| format!("unparsable output: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
