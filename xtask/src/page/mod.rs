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

pub mod openapi;
mod rendered;

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Place, SpecError};

pub use rendered::operation_id;

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

/// A fenced block and what stands above it.
#[derive(Debug)]
pub(crate) struct Fence<'a> {
    /// The words after the backticks (```` ```yaml a b c ```` -> `yaml a b c`).
    pub info: &'a str,
    pub body: &'a str,
    /// The line of the opening backticks, 1-based.
    pub line: usize,
    /// The nearest `# ` heading above.
    pub title: Option<&'a str>,
    /// The `> ` paragraph under that heading.
    pub summary: Option<String>,
    /// The nearest `## ` heading above.
    pub section: Option<&'a str>,
    /// The nearest heading of any level above.
    pub heading: Option<&'a str>,
}

impl Fence<'_> {
    pub(crate) fn place(&self, path: &Path) -> Place {
        Place::line(path, self.line)
    }

    pub(crate) fn unsupported(&self, path: &Path, what: impl Into<String>) -> SpecError {
        SpecError::Unsupported {
            place: self.place(path),
            what: what.into(),
        }
    }

    /// A YAML error at its line in the file (the body starts one line
    /// below the fence).
    pub(crate) fn yaml_error(&self, path: &Path, error: &serde_norway::Error) -> SpecError {
        let line = error.location().map_or(self.line, |l| self.line + l.line());
        SpecError::Yaml {
            place: Place::line(path, line),
            message: error.to_string(),
        }
    }

    /// The line in the file of the first body line that starts with `key:`
    /// (after indentation), for errors about a key; the fence's own line if
    /// none does.
    pub(crate) fn line_of_key(&self, key: &str) -> usize {
        self.body
            .lines()
            .position(|l| {
                let l = l.trim_start().trim_start_matches("- ");
                l.strip_prefix(key)
                    .or_else(|| l.strip_prefix(&format!("'{key}'")))
                    .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
                    .is_some_and(|rest| rest.starts_with(':'))
            })
            .map_or(self.line, |i| self.line + 1 + i)
    }

    /// The `<file> <method> <path>` words of a form A/B fence header.
    fn header(&self) -> Option<(&str, &str)> {
        let words: Vec<&str> = self.info.split_whitespace().collect();
        match words[..] {
            ["yaml", _file, method, route] => Some((method, route)),
            _ => None,
        }
    }

    /// Fails unless the fence header (when there is one) names `method` and
    /// `route`: a mismatch means the page was assembled wrongly, and
    /// trusting either half would be a guess.
    pub(crate) fn check_header(
        &self,
        path: &Path,
        method: &str,
        route: &str,
    ) -> Result<(), SpecError> {
        let Some((fence_method, fence_route)) = self.header() else {
            return Ok(());
        };
        if fence_method.eq_ignore_ascii_case(method) && same_route(fence_route, route) {
            return Ok(());
        }
        Err(self.unsupported(
            path,
            format!(
                "the fence names {} {fence_route} but the block holds {} {route}",
                fence_method.to_ascii_uppercase(),
                method.to_ascii_uppercase()
            ),
        ))
    }
}

/// Routes compare with or without their leading `/`.
fn same_route(a: &str, b: &str) -> bool {
    a.trim_start_matches('/') == b.trim_start_matches('/')
}

pub(crate) fn is_method(method: &str) -> bool {
    matches!(
        method,
        "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
    )
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
            add_once(path, &mut page.endpoints, endpoint)?;
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

/// Adds `endpoint` unless the same operation is there already: an identical
/// copy counts once, a different one is an error naming both lines.
fn add_once(
    path: &Path,
    endpoints: &mut Vec<Endpoint>,
    endpoint: Endpoint,
) -> Result<(), SpecError> {
    let same = endpoints
        .iter()
        .find(|e| e.method == endpoint.method && e.route == endpoint.route);
    match same {
        None => endpoints.push(endpoint),
        Some(first) if first.operation == endpoint.operation => {}
        Some(first) => {
            return Err(SpecError::DuplicateOperation {
                method: endpoint.method.to_ascii_uppercase(),
                route: endpoint.route,
                first: Box::new(Place {
                    path: path.to_path_buf(),
                    line: first.line,
                }),
                second: Box::new(Place {
                    path: path.to_path_buf(),
                    line: endpoint.line,
                }),
            });
        }
    }
    Ok(())
}

/// Every fenced block of a Markdown text, with the headings above it.
/// Headings inside fences are not headings.
fn fences<'a>(path: &Path, text: &'a str) -> Result<Vec<Fence<'a>>, SpecError> {
    let mut out = Vec::new();
    let mut title: Option<&str> = None;
    let mut title_line = 0;
    let mut section: Option<&str> = None;
    let mut heading: Option<&str> = None;
    let lines: Vec<(usize, &str)> = text
        .split_inclusive('\n')
        .scan(0usize, |offset, line| {
            let start = *offset;
            *offset += line.len();
            Some((start, line))
        })
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let (start, raw) = lines[i];
        let line = raw.trim_end();
        let unindented = line.trim_start_matches(' ');
        let ticks = unindented.len() - unindented.trim_start_matches('`').len();
        // Any indentation opens a fence: MDX pages indent them inside tabs.
        if ticks >= 3 {
            let indent = line.len() - unindented.len();
            let fence = &unindented[..ticks];
            let info = unindented[ticks..].trim();
            let body_start = start + raw.len();
            let close = lines[i + 1..]
                .iter()
                .position(|(_, l)| {
                    // As in CommonMark: indented at most 3 spaces (or as
                    // much as the opening), at least as many backticks,
                    // nothing after them. Deeper ones are inside the block
                    // (a YAML description quoting a fence).
                    let l = l.trim_end();
                    let bare = l.trim_start_matches(' ');
                    l.len() - bare.len() <= indent.max(3)
                        && bare.starts_with(fence)
                        && bare.trim_start_matches('`').is_empty()
                })
                .map(|k| i + 1 + k)
                .ok_or_else(|| SpecError::UnclosedFence {
                    place: Place::line(path, i + 1),
                })?;
            let body_end = lines[close].0;
            out.push(Fence {
                info,
                body: &text[body_start..body_end],
                line: i + 1,
                title,
                summary: title.and_then(|_| blockquote(&lines[title_line + 1..i])),
                section,
                heading,
            });
            i = close + 1;
            continue;
        }
        if let Some(t) = line.strip_prefix("# ") {
            title = Some(t.trim());
            title_line = i;
            section = None;
        } else if line.starts_with("## ") {
            section = Some(line);
        }
        if line.starts_with('#') {
            heading = Some(line.trim_start_matches('#').trim());
        }
        i += 1;
    }
    Ok(out)
}

/// The `> ` paragraph among `lines` (those under a title), joined.
fn blockquote(lines: &[(usize, &str)]) -> Option<String> {
    let quoted: Vec<&str> = lines
        .iter()
        .map(|(_, l)| l.trim_end())
        .skip_while(|l| !l.starts_with("> "))
        .take_while(|l| l.starts_with('>'))
        .map(|l| l.trim_start_matches('>').trim())
        .collect();
    let joined = quoted.join(" ").trim().to_owned();
    (!joined.is_empty()).then_some(joined)
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
