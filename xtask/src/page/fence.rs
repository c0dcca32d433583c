//! The fenced blocks of a page: each block's words, body and line, and
//! the headings and summary above it, which say what the block is; the
//! checks every reader makes of a block's header.

use std::path::Path;

use crate::error::{Place, SpecError};

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
    pub(crate) fn header(&self) -> Option<(&str, &str)> {
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

/// Every fenced block of a Markdown text, with the headings above it.
/// Headings inside fences are not headings.
pub(super) fn fences<'a>(path: &Path, text: &'a str) -> Result<Vec<Fence<'a>>, SpecError> {
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
