//! Names that are stable: pages of other APIs added beside the vendored
//! ones, and every page's file moved so that it sorts elsewhere, leave the
//! generated client of every vendored operation as it was, item by item.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kie_suno_tests::workspace_root;
use quote::ToTokens;
use xtask::document;
use xtask::fixes::Fixes;
use xtask::naming::Names;

/// Pages of other APIs that bring their own `ApiResponse` and `BearerAuth`
/// (a security scheme of another shape), byte for byte as published
/// (`tests/fixtures/other-apis/MANIFEST.tsv` says where from).
const OTHER_APIS: &[&str] = &[
    "veo3/B/veo-3-1.md",
    "veo3/C/get-veo-3-video-details.md",
    "market-elevenlabs/C/text-to-speech-multilingual-v2.md",
];

fn fixed(sources: &[(PathBuf, String)]) -> serde_json::Value {
    let root = workspace_root();
    let fixes = Fixes::load(&root.join("spec/fixes.yaml")).expect("fix-ups");
    let names = Names::recorded_at(&root.join("sdk/openapi.json"));
    xtask::build(sources, &fixes, &names)
        .unwrap_or_else(|e| panic!("{e}"))
        .fixed
}

/// The items of the generated `types` module (and its `builder` module),
/// by what they define, as token text.
fn type_items(source: &str) -> BTreeMap<String, String> {
    let file = syn::parse_file(source).expect("generated code parses");
    let mut out = BTreeMap::new();
    for item in &file.items {
        if let syn::Item::Mod(module) = item
            && module.ident == "types"
        {
            collect(&module.ident.to_string(), module, &mut out);
        }
    }
    out
}

fn collect(prefix: &str, module: &syn::ItemMod, out: &mut BTreeMap<String, String>) {
    for item in module.content.iter().flat_map(|(_, items)| items) {
        let key = match item {
            syn::Item::Struct(s) => format!("{prefix}::struct {}", s.ident),
            syn::Item::Enum(e) => format!("{prefix}::enum {}", e.ident),
            syn::Item::Impl(i) => format!(
                "{prefix}::impl {} for {}",
                i.trait_
                    .as_ref()
                    .map(|(_, path, _)| path.to_token_stream().to_string())
                    .unwrap_or_default(),
                i.self_ty.to_token_stream()
            ),
            syn::Item::Mod(inner) => {
                collect(&format!("{prefix}::{}", inner.ident), inner, out);
                continue;
            }
            other => format!("{prefix}::{}", other.to_token_stream()),
        };
        let text = item.to_token_stream().to_string();
        // Impls of one type for one trait can repeat (From<&T>, From<T>).
        let mut key = key;
        while out.get(&key).is_some_and(|t| *t != text) {
            key.push('\'');
        }
        out.insert(key, text);
    }
}

#[test]
fn the_generator_here_writes_what_the_sdk_build_writes() {
    let text = std::fs::read_to_string(workspace_root().join("sdk/openapi.json")).expect("doc");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let source = xtask::codegen::client_source(&doc).expect("generates");
    assert!(
        source == kie_suno_sdk::GENERATED_SOURCE,
        "xtask::codegen and sdk/build.rs must use the same settings"
    );
}

#[test]
fn other_apis_pages_and_a_new_page_order_leave_every_vendored_operations_code_unchanged() {
    let root = workspace_root();
    let vendored = document::read_dir(&root.join("spec/upstream")).expect("pages");
    let base_doc = fixed(&vendored);
    let base = xtask::codegen::client_source(&base_doc).expect("generates");

    // Every vendored page moved below `zz/`, so that it sorts after the
    // other APIs' pages, which come first (`0-other/`); and the list
    // shuffled.
    let mut variant: Vec<(PathBuf, String)> = vendored
        .iter()
        .map(|(path, text)| {
            let below = path
                .strip_prefix(root.join("spec/upstream"))
                .expect("below");
            (root.join("spec/upstream/zz").join(below), text.clone())
        })
        .collect();
    for (i, page) in OTHER_APIS.iter().enumerate() {
        let path = root.join("tests/fixtures/other-apis").join(page);
        let text = std::fs::read_to_string(&path).expect("other API's page");
        // The form-B page, whose scheme differs, first of all.
        let name = format!("{i}-{}", page.replace('/', "-"));
        variant.push((root.join("spec/upstream/0-other").join(name), text));
    }
    fastrand::Rng::with_seed(23).shuffle(&mut variant);
    let doc = fixed(&variant);
    // The document first: every vendored operation (its security
    // requirement included) and every component it had, as they were.
    for (route, item) in base_doc["paths"].as_object().expect("paths") {
        assert_eq!(&doc["paths"][route], item, "{route} changed");
    }
    for (kind, entries) in base_doc["components"].as_object().expect("components") {
        for (name, value) in entries.as_object().expect("entries") {
            assert_eq!(
                &doc["components"][kind][name], value,
                "{kind} {name} changed"
            );
        }
    }
    let scopes = doc["components"]["securitySchemes"]
        .as_object()
        .expect("schemes");
    assert_eq!(
        scopes.keys().collect::<Vec<_>>(),
        ["BearerAuth", "BearerAuth_0_veo3_B_veo_3_1"],
        "the vendored scheme keeps its name, the other API's is scoped to its page"
    );
    let source = xtask::codegen::client_source(&doc).expect("generates");

    let surface = kie_suno_tests::surface::operations(&source);
    for line in kie_suno_tests::surface::operations(&base).lines() {
        assert!(
            surface.contains(line),
            "operation changed: {line}\n{surface}"
        );
    }
    let (before, after) = (type_items(&base), type_items(&source));
    assert!(before.len() > 100, "{} items", before.len());
    let changed: Vec<&String> = before
        .iter()
        .filter(|(key, text)| after.get(*key) != Some(text))
        .map(|(key, _)| key)
        .collect();
    assert!(changed.is_empty(), "items changed or gone: {changed:#?}");
    assert!(
        after.len() > before.len(),
        "the other APIs' types were added"
    );
}
