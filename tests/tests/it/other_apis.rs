//! The pipeline on the provider's other APIs, each alone with fix-ups of
//! its own (`tests/fixtures/other-apis-fixes/`, not the product's): a
//! client that compiles, with a typed request per model where one endpoint
//! serves many, or a refusal naming the page's `file:line` and why.

use std::path::PathBuf;

use kie_suno_tests::{scratch_sdk, workspace_root};
use xtask::SpecError;
use xtask::fixes::Fixes;
use xtask::naming::Names;

fn pages(api: &str, form: &str) -> Vec<(PathBuf, String)> {
    let dir = workspace_root()
        .join("tests/fixtures/other-apis")
        .join(api)
        .join(form);
    xtask::document::read_dir(&dir).expect("pages")
}

fn fixes(api: &str) -> Fixes {
    let path = workspace_root().join(format!("tests/fixtures/other-apis-fixes/{api}.yaml"));
    Fixes::load(&path).expect("fix-ups")
}

fn run(api: &str, form: &str, fixes: &Fixes) -> Result<xtask::Generated, SpecError> {
    xtask::generate_from(&pages(api, form), fixes, &Names::default())
}

#[test]
fn the_jobs_apis_and_veo_give_clients_that_compile_with_a_typed_request_per_model() {
    let dir = tempfile::tempdir().expect("dir");
    let cases: &[(&str, &str, &str)] = &[
        (
            "market-kling",
            "C",
            "pub fn create(c: &crate::Client) -> crate::builder::CreateTask<'_> { c.create_task() }\n\
             pub fn model(b: &crate::types::CreateTaskBody) -> bool { matches!(b, crate::types::CreateTaskBody::KlingV25TurboImageToVideoPro { .. }) }\n",
        ),
        (
            "market-elevenlabs",
            "C",
            "pub fn create(c: &crate::Client) -> crate::builder::CreateTask<'_> { c.create_task() }\n\
             pub fn model(b: &crate::types::CreateTaskBody) -> bool { matches!(b, crate::types::CreateTaskBody::ElevenlabsTextToDialogueV3 { .. }) }\n",
        ),
        ("market-common", "C", ""),
        ("veo3", "C", ""),
    ];
    let mut members = Vec::new();
    for (api, form, probe) in cases {
        let generated = run(api, form, &fixes(api)).unwrap_or_else(|e| panic!("{api}: {e}"));
        assert_eq!(generated.report.missing(), 0, "{api}: {}", generated.report);
        let source = xtask::codegen::client_source(&generated.fixed).expect("generates");
        if api.starts_with("market-") && *api != "market-common" {
            // One operation, one variant per page, tagged by the model.
            let models = pages(api, form)
                .iter()
                .filter(|(_, text)| text.contains("/api/v1/jobs/createTask"))
                .count();
            let enum_at = source
                .find("pub enum CreateTaskBody")
                .expect("a body per model");
            let body =
                &source[enum_at..enum_at + source[enum_at..].find("\n    }\n").expect("end")];
            let variants = body.matches("\n        #[serde(rename = ").count();
            assert_eq!(variants, models, "{body}");
            assert!(
                source[..enum_at].ends_with("#[serde(tag = \"model\")]\n    "),
                "tagged by model"
            );
        }
        let name = format!("other-{api}");
        scratch_sdk::write_copy(dir.path(), &name, &generated.json, probe);
        members.push(name);
    }
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    assert!(
        scratch_sdk::check(dir.path(), &members),
        "the clients compile"
    );
}

#[test]
fn a_model_page_that_claims_another_pages_model_is_refused_naming_both_pages() {
    // The Kling set without its page fix-up: the v2.5 turbo page's enum
    // says the v2.1 master model.
    let only_bearer = Fixes::parse(
        std::path::Path::new("only-bearer.yaml"),
        "overlay: 1.0.0\ninfo: {title: t, version: '1'}\nactions:\n\
         - x-fixup: bearer-scheme-type\n  description: d\n  target: $.components.securitySchemes.BearerAuth\n  update: {type: http}\n",
    )
    .expect("fix-ups");
    let error = run("market-kling", "C", &only_bearer)
        .expect_err("refused")
        .to_string();
    assert!(
        error.contains("POST /api/v1/jobs/createTask is defined twice, differently")
            && error.contains("v2-1-master-image-to-video.md:5")
            && error.contains("v25-turbo-image-to-video-pro.md:5")
            && error.contains("both accept the model \"kling/v2-1-master-image-to-video\""),
        "{error}"
    );
}

#[test]
fn a_multipart_upload_is_refused_naming_its_page_and_line() {
    let error = run("file-upload", "C", &fixes("file-upload")).expect_err("refused");
    assert!(
        matches!(error, SpecError::GeneratorLimits { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains(
            "file-upload/C/upload-file-stream.md:5: POST /api/file-stream-upload: a request body of type multipart/form-data"
        ) && message.contains("no fix-up mends it"),
        "{message}"
    );
}

#[test]
fn the_same_pages_in_another_export_form_are_one_operation_or_named_where_they_differ() {
    // The file-upload pages in forms B and C: the form-B copies move the
    // responses into components (the canonical form inlines them) but also
    // say `requestBody.required: true`, which the form-C ones do not.
    let mut both = pages("file-upload", "B");
    both.extend(pages("file-upload", "C"));
    let error = xtask::document::assemble(
        &both,
        &Names::default(),
        &fixes("file-upload"),
        &mut Default::default(),
        &mut Default::default(),
    )
    .expect_err("they differ")
    .to_string();
    assert!(
        error.contains("is defined twice, differently")
            && error.contains("(requestBody.required: true vs none)"),
        "{error}"
    );
}
