//! The same endpoint page in each of the docs site's export forms, for
//! fixtures that must mean the same whatever form they come in: a form-A
//! page (the seed's) rewritten as form B, form C, and a whole-site dump with
//! the noise real copies carry.

use std::path::Path;

use serde_json::{Value, json};
use xtask::page::{self, Endpoint};

/// The one endpoint of a form-A page, and the page's title.
fn endpoint_of(path: &Path, text: &str) -> (Endpoint, String) {
    let page = page::read(path, text).expect("a readable form-A page");
    let [endpoint] = &page.endpoints[..] else {
        panic!(
            "{} holds {} endpoints",
            path.display(),
            page.endpoints.len()
        );
    };
    let title = endpoint.operation["summary"]
        .as_str()
        .unwrap_or("Endpoint")
        .to_owned();
    (endpoint.clone(), title)
}

/// The endpoint as a whole OpenAPI 3.0 document, in YAML.
fn document_yaml(endpoint: &Endpoint) -> String {
    let mut paths = serde_json::Map::new();
    paths.insert(
        endpoint.route.clone(),
        json!({ endpoint.method.clone(): endpoint.operation }),
    );
    let doc = json!({
        "openapi": "3.0.3",
        "info": { "title": "kie.ai", "version": "1.0.0" },
        "servers": endpoint.servers,
        "paths": Value::Object(paths),
        "components": Value::Object(endpoint.components.clone()),
    });
    serde_norway::to_string(&doc).expect("YAML")
}

/// Form B: the fence header and a whole document.
pub fn form_b(path: &Path, text: &str) -> String {
    let (endpoint, title) = endpoint_of(path, text);
    format!(
        "# {title}\n\n## OpenAPI\n\n````yaml suno-api/suno-api.json {} {}\n{}````\n",
        endpoint.method,
        endpoint.route,
        document_yaml(&endpoint)
    )
}

/// Form C: a `## OpenAPI Specification` section and a plain yaml fence.
pub fn form_c(path: &Path, text: &str) -> String {
    let (endpoint, title) = endpoint_of(path, text);
    format!(
        "# {title}\n\n## OpenAPI Specification\n\n```yaml\n{}```\n",
        document_yaml(&endpoint)
    )
}

/// A whole-site dump: a preamble, the page with an upper-case method and a
/// leading `/` in its fence header, a `---` and an llms.txt note, a
/// callback page, and the same page again (an identical copy counts once).
pub fn multi_page(path: &Path, text: &str) -> String {
    let (endpoint, _) = endpoint_of(path, text);
    let header = format!(
        "suno-api/suno-api.json {} {}",
        endpoint.method, endpoint.route
    );
    let shouting = text.replacen(
        &header,
        &format!(
            "/suno-api/suno-api.json {} {}",
            endpoint.method.to_ascii_uppercase(),
            endpoint.route
        ),
        1,
    );
    format!(
        "> ## Documentation Index\n> Fetch the complete documentation index at: https://docs.kie.ai/llms.txt\n\n\
         {shouting}\n---\n\n> To find navigation and other pages in this documentation, fetch the llms.txt file.\n\n\
         # Callbacks\n\n## Success\n\n```json\n{{\"code\": 200, \"msg\": \"ok\", \"data\": {{\"task_id\": \"t\"}}}}\n```\n\n\
         {text}"
    )
}
