//! What a page gives: one operation ([`Endpoint`]) with what it needs
//! from its document, and the export form it came in ([`Form`]).

use serde_json::{Map, Value};

/// One operation read from a page, with what it needs from its document.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Lower-case HTTP method.
    pub method: String,
    pub route: String,
    pub operation: Value,
    pub servers: Vec<Value>,
    /// The document's `components` (schemas, responses, security schemes).
    pub components: Map<String, Value>,
    /// The document's top-level `security`, if any.
    pub security: Option<Value>,
    /// The line of the file where the endpoint's fence opens (none for a
    /// document file).
    pub line: Option<usize>,
    pub form: Form,
}

impl Endpoint {
    /// `POST /api/v1/generate`.
    pub fn name(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.route)
    }
}

/// Which export form an endpoint came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A: the fence header and the rendered form.
    Rendered,
    /// B: the fence header and a whole OpenAPI document.
    HeaderedDocument,
    /// C: a `## OpenAPI` section and a whole OpenAPI document.
    OpenApiSection,
    /// A `.json`/`.yaml` file that is an OpenAPI document.
    Document,
}

impl std::fmt::Display for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Form::Rendered => "form A",
            Form::HeaderedDocument => "form B",
            Form::OpenApiSection => "form C",
            Form::Document => "OpenAPI document",
        })
    }
}
