//! The mock server answers as `sdk/openapi.json` says: every kind of answer
//! it gives, fetched raw over HTTP, validates against the 200 response
//! schema. The fixtures written from the live API's facts validate too, so
//! the spec's fix-ups cover what the live API sends.

use std::time::Duration;

use kie_suno::mock::{Fault, Faults, KindScript, MockServer, Script, UnknownTask};
use kie_suno::{TaskKind, TaskStatus};
use kie_suno_tests::{page_example, record_fixture, workspace_root};
use serde_json::{Map, Value};

fn spec() -> Value {
    let text = std::fs::read_to_string(workspace_root().join("sdk/openapi.json")).expect("spec");
    serde_json::from_str(&text).expect("json")
}

/// The 200 response schema of music's details endpoint.
fn validator() -> jsonschema::Validator {
    validator_of(&spec(), "get", "/api/v1/generate/record-info")
}

/// An operation's 200 response schema, with OpenAPI 3.0's `nullable`
/// turned into JSON Schema's `null` alternative and the components it
/// refers to alongside.
fn validator_of(spec: &Value, method: &str, path: &str) -> jsonschema::Validator {
    let pointer = format!(
        "/paths/{}/{method}/responses/200/content/application~1json/schema",
        path.replace('/', "~1")
    );
    let mut schema = spec.pointer(&pointer).expect("response schema").clone();
    if let Some(map) = schema.as_object_mut() {
        map.insert("components".into(), spec["components"].clone());
    }
    jsonschema::validator_for(&to_json_schema(schema)).expect("valid JSON Schema")
}

fn to_json_schema(schema: Value) -> Value {
    match schema {
        Value::Object(map) => {
            let nullable = map.get("nullable") == Some(&Value::Bool(true));
            let converted: Map<String, Value> = map
                .into_iter()
                .filter(|(k, _)| k != "nullable" && k != "example")
                .map(|(k, v)| (k, to_json_schema(v)))
                .collect();
            if nullable {
                serde_json::json!({ "anyOf": [Value::Object(converted), { "type": "null" }] })
            } else {
                Value::Object(converted)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(to_json_schema).collect()),
        other => other,
    }
}

fn assert_conforms(validator: &jsonschema::Validator, what: &str, body: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not conform: {errors:?}\n{body}"
    );
}

async fn raw(server: &MockServer, key: &str, task_id: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/generate/record-info", server.url()))
        .query(&[("taskId", task_id)])
        .header("Authorization", format!("Bearer {key}"))
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    serde_json::from_slice(&response.bytes().await.expect("body")).expect("json")
}

#[tokio::test]
async fn every_scripted_status_conforms() {
    let validator = validator();
    let server = MockServer::start().await.expect("mock");
    let statuses = TaskStatus::KNOWN
        .iter()
        .cloned()
        .chain([TaskStatus::Unknown("MASTERING".into())]);
    for status in statuses {
        let id = format!("task-{status}");
        server.add_task(&id, Script::pending().then(Duration::ZERO, status.clone()));
        let body = raw(&server, server.api_key(), &id).await;
        assert_eq!(body["data"]["status"], status.as_str());
        assert_conforms(&validator, &format!("record at {status}"), &body);
    }
}

#[tokio::test]
async fn refusals_and_unknown_tasks_conform() {
    let validator = validator();
    let server = MockServer::start().await.expect("mock");
    assert_conforms(
        &validator,
        "unknown task",
        &raw(&server, server.api_key(), "nope").await,
    );
    assert_conforms(&validator, "401", &raw(&server, "wrong", "x").await);

    let server = MockServer::builder()
        .unknown_task(UnknownTask::Code422)
        .start()
        .await
        .expect("mock");
    assert_conforms(
        &validator,
        "422",
        &raw(&server, server.api_key(), "nope").await,
    );
}

#[tokio::test]
async fn envelope_faults_conform() {
    let validator = validator();
    // RateLimited is the limiter's own answer (one function in the mock
    // gives both), injected so that no real second has to be beaten.
    for fault in [
        Fault::Maintenance455,
        Fault::ServerError500,
        Fault::RateLimited,
    ] {
        let faults = Faults::always(fault);
        let server = MockServer::builder()
            .faults(faults)
            .start()
            .await
            .expect("mock");
        assert_conforms(
            &validator,
            &format!("{fault:?}"),
            &raw(&server, server.api_key(), "t").await,
        );
    }
}

#[test]
fn fixtures_and_page_example_conform_to_the_fixed_spec() {
    let validator = validator();
    for name in [
        "pending",
        "text_success",
        "generate_audio_failed",
        "unknown_task_null_data",
        "unknown_task_422",
        "success_epoch_ms",
        "unknown_status",
        "extra_fields",
    ] {
        let body: Value = serde_json::from_str(&record_fixture(name)).expect("fixture json");
        assert_conforms(&validator, name, &body);
    }
    assert_conforms(&validator, "page example", &page_example());
}

#[test]
fn validator_rejects_what_the_spec_forbids() {
    let validator = validator();
    for bad in [
        serde_json::json!({ "code": "200" }),
        serde_json::json!({ "code": 200, "data": { "status": 3 } }),
        serde_json::json!({ "code": 200, "data": { "response": { "sunoData": [{ "createTime": true }] } } }),
    ] {
        assert!(!validator.is_valid(&bad), "accepted {bad}");
    }
}

#[test]
fn fields_always_present_are_required() {
    let validator = validator();
    let track = serde_json::json!({ "id": "a1" });
    let record = serde_json::json!({ "taskId": "t", "status": "PENDING", "response": { "sunoData": [track] } });
    let full = serde_json::json!({ "code": 200, "msg": "success", "data": record });
    assert_conforms(&validator, "the minimal record", &full);
    let without = |pointer: &str, field: &str| {
        let mut body = full.clone();
        body.pointer_mut(pointer)
            .and_then(Value::as_object_mut)
            .expect("object")
            .remove(field);
        body
    };
    for (pointer, field) in [
        ("", "code"),
        ("", "msg"),
        ("/data", "taskId"),
        ("/data", "status"),
        ("/data/response/sunoData/0", "id"),
    ] {
        let body = without(pointer, field);
        assert!(
            !validator.is_valid(&body),
            "accepted a body without {pointer}/{field}"
        );
    }
    // What the live API may leave out or null stays optional.
    assert_conforms(
        &validator,
        "no data",
        &serde_json::json!({ "code": 200, "msg": "success" }),
    );
    assert_conforms(
        &validator,
        "null data",
        &serde_json::json!({ "code": 200, "msg": "success", "data": null }),
    );
}

/// Every create operation the mock serves, with the request example of its
/// page.
fn create_examples(spec: &Value) -> Vec<(String, Value)> {
    // Checked in the_synchronous_calls_conform.
    const SYNCHRONOUS: [&str; 4] = [
        "/api/v1/common/download-url",
        "/api/v1/generate/generate-persona",
        "/api/v1/generate/get-timestamped-lyrics",
        "/api/v1/style/generate",
    ];
    spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, item)| item.get("post").is_some() && !SYNCHRONOUS.contains(&path.as_str()))
        .map(|(path, item)| {
            let example =
                item["post"]["requestBody"]["content"]["application/json"]["example"].clone();
            (path.clone(), example)
        })
        .collect()
}

/// The kind of task a create path makes, from the pages' families.
fn kind_made_by(path: &str) -> TaskKind {
    let prefixes = [
        ("/api/v1/lyrics", TaskKind::Lyrics),
        ("/api/v1/wav/", TaskKind::Wav),
        ("/api/v1/vocal-removal/", TaskKind::VocalSeparation),
        ("/api/v1/midi/", TaskKind::Midi),
        ("/api/v1/mp4/", TaskKind::Video),
        ("/api/v1/suno/cover/", TaskKind::Cover),
    ];
    prefixes
        .into_iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or(TaskKind::Music, |(_, kind)| kind)
}

async fn post(server: &MockServer, path: &str, body: &Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", server.url()))
        .header("Authorization", format!("Bearer {}", server.api_key()))
        .json(body)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    serde_json::from_slice(&response.bytes().await.expect("body")).expect("json")
}

async fn details(server: &MockServer, kind: TaskKind, task_id: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{}", server.url(), kind.details_path()))
        .query(&[("taskId", task_id)])
        .header("Authorization", format!("Bearer {}", server.api_key()))
        .send()
        .await
        .expect("answer");
    serde_json::from_slice(&response.bytes().await.expect("body")).expect("json")
}

#[tokio::test]
async fn every_create_and_every_kind_of_record_conforms() {
    let spec = spec();
    let examples = create_examples(&spec);
    assert_eq!(examples.len(), 15, "every create operation of the pages");
    let scripts = [
        (
            Script::pending(),
            KindScript::done_after(Duration::from_secs(3600)),
        ),
        (
            Script::success(Duration::ZERO),
            KindScript::done_after(Duration::ZERO),
        ),
        (
            Script::failure(Duration::ZERO, TaskStatus::GenerateAudioFailed),
            KindScript::failed_after(Duration::ZERO),
        ),
    ];
    let mut kinds_seen = std::collections::HashSet::new();
    for (music, other) in scripts {
        let server = MockServer::builder()
            .lifecycle(music)
            .kind_lifecycle(other)
            .start()
            .await
            .expect("mock");
        for (path, example) in &examples {
            let answer = post(&server, path, example).await;
            assert_eq!(answer["code"], 200, "{path}: {answer}");
            assert_conforms(&validator_of(&spec, "post", path), path, &answer);
            let task_id = answer["data"]["taskId"].as_str().expect("task id");
            let kind = kind_made_by(path);
            let record = details(&server, kind, task_id).await;
            assert_eq!(record["data"]["taskId"], task_id, "{path}: {record}");
            kinds_seen.insert(kind);
            let what = format!("{kind} record {}", record["data"]);
            assert_conforms(
                &validator_of(&spec, "get", kind.details_path()),
                &what,
                &record,
            );
        }
    }
    assert_eq!(
        kinds_seen.len(),
        TaskKind::ALL.len(),
        "a record of every kind"
    );
}

#[tokio::test]
async fn the_synchronous_calls_conform() {
    let spec = spec();
    let server = MockServer::start().await.expect("mock");
    let calls = [
        "/api/v1/generate/get-timestamped-lyrics",
        "/api/v1/style/generate",
        "/api/v1/generate/generate-persona",
        "/api/v1/common/download-url",
    ];
    for path in calls {
        let pointer = format!(
            "/paths/{}/post/requestBody/content/application~1json/example",
            path.replace('/', "~1")
        );
        let example = spec
            .pointer(&pointer)
            .cloned()
            .unwrap_or_else(|| serde_json::json!({ "url": "https://files.example/a.mp3" }));
        let answer = post(&server, path, &example).await;
        assert_eq!(answer["code"], 200, "{path}: {answer}");
        assert_conforms(&validator_of(&spec, "post", path), path, &answer);
    }
}

#[tokio::test]
async fn create_refusals_and_credits_conform() {
    let spec = spec();
    let (path, example) = create_examples(&spec).remove(0);
    let validator = validator_of(&spec, "post", &path);
    let broke = MockServer::builder()
        .credits(0)
        .start()
        .await
        .expect("mock");
    let answer = post(&broke, &path, &example).await;
    assert_eq!(answer["code"], 402);
    assert_conforms(&validator, "402", &answer);
    let mut lacking = example.clone();
    lacking
        .as_object_mut()
        .expect("object")
        .remove("callBackUrl");
    let answer = post(&broke, &path, &lacking).await;
    assert_eq!(answer["code"], 422);
    assert_conforms(&validator, "422", &answer);
    let limited = MockServer::builder()
        .faults(Faults::always(Fault::RateLimited))
        .start()
        .await
        .expect("mock");
    assert_conforms(&validator, "429", &post(&limited, &path, &example).await);

    let credits = validator_of(&spec, "get", "/api/v1/chat/credit");
    let response = reqwest::Client::new()
        .get(format!("{}/api/v1/chat/credit", broke.url()))
        .header("Authorization", format!("Bearer {}", broke.api_key()))
        .send()
        .await
        .expect("answer");
    let answer: Value =
        serde_json::from_slice(&response.bytes().await.expect("body")).expect("json");
    assert_eq!(answer["data"], 0);
    assert_conforms(&credits, "credits", &answer);
}
