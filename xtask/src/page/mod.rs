//! Reading provider pages, in each form the docs site exports them:
//!
//! - form A: a ```` ```yaml <file> <method> <path> ```` fence holding the
//!   site's rendered endpoint form ([`rendered`]);
//! - form B: the same fence header holding a whole OpenAPI 3.0.x document;
//! - form C: a `## OpenAPI...` section whose plain ```` ```yaml ```` fence
//!   holds a whole OpenAPI 3.0.x document ([`openapi`] reads B and C).
//!
//! A file may hold many pages (a whole-site dump): every endpoint in it is
//! read, or the file is refused. What surrounds the fences (prose,
//! preambles, `---` and notes) is skipped; what is inside is read strictly.
//! A file with no endpoint is a prose page (callbacks, quickstarts, webhook
//! verification): its JSON examples are collected instead.

mod endpoint;
mod fence;
pub mod openapi;
mod rendered;

use std::path::Path;

use serde_json::Value;

use crate::error::{Place, SpecError};

pub use endpoint::{Endpoint, Form};
use fence::fences;
pub(crate) use fence::{Fence, is_method};
pub use rendered::operation_id;

/// A JSON example in a prose page.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonExample {
    /// The line where its fence opens.
    pub line: usize,
    /// The nearest heading above it.
    pub heading: String,
    /// The example, or why it is not JSON.
    pub value: Result<Value, String>,
}

/// What one file holds.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub endpoints: Vec<Endpoint>,
    /// JSON examples, collected from prose pages only.
    pub examples: Vec<JsonExample>,
}

impl Page {
    /// A page with no endpoint: vendored, not converted.
    pub fn is_prose(&self) -> bool {
        self.endpoints.is_empty()
    }
}

/// Reads every page in a file.
pub fn read(path: &Path, text: &str) -> Result<Page, SpecError> {
    let fences = fences(path, text)?;
    let mut page = Page::default();
    for fence in &fences {
        let in_openapi_section = fence
            .section
            .is_some_and(|s| s.trim_start_matches('#').trim().starts_with("OpenAPI"));
        let endpoints = if fence.header().is_some() {
            if openapi::holds_document(fence.body) {
                openapi::endpoints(path, fence, Form::HeaderedDocument)?
            } else {
                vec![rendered::endpoint(path, fence)?]
            }
        } else if fence.info == "yaml" && in_openapi_section {
            openapi::endpoints(path, fence, Form::OpenApiSection)?
        } else {
            if fence.info == "json" {
                page.examples.push(JsonExample {
                    line: fence.line,
                    heading: fence.heading.unwrap_or_default().to_owned(),
                    value: serde_json::from_str(fence.body).map_err(|e| e.to_string()),
                });
            }
            continue;
        };
        for endpoint in endpoints {
            add_once(&mut page.endpoints, endpoint);
        }
    }
    // A `## OpenAPI` section that holds no endpoint means the page is not
    // what it claims: refuse it rather than take it as prose.
    let openapi_section = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .find(|(n, l)| l.starts_with("## OpenAPI") && !inside_fence(&fences, *n));
    if page.endpoints.is_empty()
        && let Some((line, _)) = openapi_section
    {
        return Err(SpecError::NoOpenApiFence {
            place: Place::line(path, line),
        });
    }
    if !page.is_prose() {
        page.examples.clear();
    }
    Ok(page)
}

fn inside_fence(fences: &[Fence<'_>], line: usize) -> bool {
    fences
        .iter()
        .any(|f| line > f.line && line <= f.line + f.body.lines().count() + 1)
}

/// Adds `endpoint` unless an identical copy is there already. Two
/// different ones of one operation both stay: the merge decides
/// ([`crate::document::assemble`]: two models of one endpoint, or an error
/// naming both lines).
fn add_once(endpoints: &mut Vec<Endpoint>, endpoint: Endpoint) {
    let copy = endpoints.iter().any(|e| {
        e.method == endpoint.method
            && e.route == endpoint.route
            && e.operation == endpoint.operation
    });
    if !copy {
        endpoints.push(endpoint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_inside_fences_are_not_headings() {
        let text = "# Real\n\n```yaml\n# not a title\nx: 1\n```\n\n```json\n{}\n```\n";
        let fences = fences(Path::new("p.md"), text).expect("fences");
        assert_eq!(fences.len(), 2);
        assert_eq!(fences[1].title, Some("Real"));
        assert_eq!(fences[1].line, 8);
        assert_eq!(fences[1].body, "{}\n");
    }

    #[test]
    fn an_unclosed_fence_names_its_line() {
        let e =
            fences(Path::new("p.md"), "text\n````yaml a get /x\npaths: {}\n").expect_err("open");
        assert_eq!(e.to_string(), "p.md:2: the fence opened here is not closed");
    }

    #[test]
    fn a_prose_page_gives_its_json_examples() {
        let text = "# Callbacks\n\n## Success\n\n```json\n{\"code\": 200}\n```\n\n```json\n{ // no\n}\n```\n";
        let page = read(Path::new("c.md"), text).expect("prose");
        assert!(page.is_prose());
        assert_eq!(page.examples.len(), 2);
        assert_eq!(page.examples[0].heading, "Success");
        assert_eq!(page.examples[0].value, Ok(serde_json::json!({"code": 200})));
        assert!(page.examples[1].value.is_err());
    }

    #[test]
    fn an_openapi_section_without_its_fence_is_refused() {
        let text = "# X\n\n## OpenAPI Specification\n\n```json\n{}\n```\n";
        let e = read(Path::new("x.md"), text).expect_err("no yaml");
        assert!(e.to_string().starts_with("x.md:3:"), "{e}");
    }
}
