//! The canonical form's rules, each on the smallest page that shows it.

use super::*;
use crate::page::Form;

fn canonical(operation: Value, schemas: Value) -> Result<Endpoint, SpecError> {
    let mut endpoint = Endpoint {
        method: "get".into(),
        route: "/r".into(),
        operation,
        servers: Vec::new(),
        components: [("schemas".to_owned(), schemas)].into_iter().collect(),
        security: None,
        line: Some(7),
        form: Form::OpenApiSection,
    };
    super::endpoint(Path::new("page.md"), &mut endpoint)?;
    Ok(endpoint)
}

fn body(schema: Value) -> Value {
    json!({"responses": {"200": {"content": {"application/json": {"schema": schema}}}}})
}

fn schema_of(endpoint: &Endpoint) -> &Value {
    &endpoint.operation["responses"]["200"]["content"]["application/json"]["schema"]
}

#[test]
fn an_allof_of_objects_becomes_one_object_with_the_union_of_fields() {
    let envelope = json!({"type": "object", "required": ["code"],
        "properties": {"code": {"type": "integer"}, "msg": {"type": "string", "examples": ["ok"]}}});
    let page = body(json!({"title": "Record", "allOf": [
        {"$ref": "#/components/schemas/Envelope"},
        {"type": "object", "required": ["data", "code"], "description": "the task",
         "properties": {"data": {"type": "object", "properties": {"id": {"type": "string"}}}}}
    ]}));
    let endpoint = canonical(page, json!({"Envelope": envelope})).expect("canonical");
    assert_eq!(
        schema_of(&endpoint),
        &json!({"title": "Record", "type": "object", "description": "the task",
        "required": ["code", "data"],
        "properties": {
            "code": {"type": "integer"},
            "msg": {"type": "string", "example": "ok"},
            "data": {"type": "object", "properties": {"id": {"type": "string"}}}
        }})
    );
}

#[test]
fn one_member_compositions_are_unwrapped_but_an_annotated_reference_stays() {
    let page = body(json!({"type": "object", "properties": {
        "a": {"allOf": [{"type": "string"}], "description": "A"},
        "b": {"oneOf": [{"$ref": "#/components/schemas/B"}]},
        "c": {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true},
        "d": {"type": ["string", "null"]},
        "e": {"type": "null"}
    }}));
    let endpoint = canonical(page, json!({"B": {"type": "string"}})).expect("canonical");
    let props = &schema_of(&endpoint)["properties"];
    assert_eq!(props["a"], json!({"type": "string", "description": "A"}));
    assert_eq!(props["b"], json!({"$ref": "#/components/schemas/B"}));
    assert_eq!(
        props["c"],
        json!({"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": true})
    );
    assert_eq!(props["d"], json!({"type": "string", "nullable": true}));
    assert_eq!(props["e"], json!({"nullable": true}));
}

#[test]
fn the_same_shape_in_two_export_forms_is_one_canonical_schema() {
    let flat = body(json!({"type": "object", "properties": {
        "code": {"type": "integer"}, "data": {"type": "string"}}}));
    let wrapped = body(json!({"allOf": [
        {"type": "object", "properties": {"code": {"type": "integer"}}},
        {"allOf": [{"type": "object", "properties": {"data": {"type": "string"}}}]}
    ]}));
    let (a, b) = (
        canonical(flat, json!({})).expect("flat"),
        canonical(wrapped, json!({})).expect("wrapped"),
    );
    assert_eq!(schema_of(&a), schema_of(&b));
}

#[test]
fn a_field_two_members_define_differently_is_an_error_naming_both() {
    let page = body(json!({"allOf": [
        {"type": "object", "properties": {"data": {"type": "string"}}},
        {"type": "object", "properties": {"data": {"type": "integer"}}}
    ]}));
    let error = canonical(page, json!({}))
        .expect_err("conflict")
        .to_string();
    assert!(
        error.starts_with("page.md:7: cannot bring the page into the canonical form"),
        "{error}"
    );
    assert!(
        error.contains("`type` is \"string\" at GET /r.responses.200.content.application/json.schema.allOf[0].properties.data but \"integer\" at GET /r.responses.200.content.application/json.schema.allOf[1].properties.data"),
        "{error}"
    );
}

#[test]
fn a_member_narrowing_the_envelopes_data_merges_field_by_field() {
    // The market pages: the envelope says `data` is an object, the
    // second member says which fields it has.
    let envelope = json!({"type": "object", "properties": {
        "code": {"type": "integer", "enum": [200, 401, 500]},
        "data": {"type": "object", "description": "the payload"}}});
    let page = body(json!({"allOf": [
        {"$ref": "#/components/schemas/ApiResponse"},
        {"type": "object", "properties": {
            "code": {"type": "integer", "enum": [200, 500, 501], "description": "code"},
            "data": {"type": "object", "required": ["taskId"],
                     "properties": {"taskId": {"type": "string"}}, "nullable": true}}}
    ]}));
    let endpoint = canonical(page, json!({"ApiResponse": envelope})).expect("canonical");
    assert_eq!(
        schema_of(&endpoint),
        &json!({"type": "object", "properties": {
            "code": {"type": "integer", "enum": [200, 401, 500, 501], "description": "code"},
            "data": {"type": "object", "description": "the payload", "nullable": true,
                     "required": ["taskId"], "properties": {"taskId": {"type": "string"}}}}})
    );
}

#[test]
fn a_wrappers_own_fields_and_its_members_fields_are_one_object() {
    // The callback pages: fields beside the allOf and inside it.
    let page = body(json!({"type": "object",
        "properties": {"data": {"type": "object", "properties": {"task_id": {"type": "string"}}}},
        "allOf": [{"type": "object", "properties": {
            "data": {"type": "object", "properties": {"taskId": {"type": "string"}}}}}]}));
    let endpoint = canonical(page, json!({})).expect("canonical");
    let data = &schema_of(&endpoint)["properties"]["data"]["properties"];
    assert_eq!(
        data,
        &json!({"task_id": {"type": "string"}, "taskId": {"type": "string"}})
    );
}

#[test]
fn an_allof_with_a_member_that_is_not_an_object_stays() {
    let schema = json!({"allOf": [
        {"type": "object", "properties": {"a": {"type": "string"}}},
        {"oneOf": [{"type": "string"}, {"type": "integer"}]}
    ]});
    let endpoint = canonical(body(schema.clone()), json!({})).expect("canonical");
    assert_eq!(schema_of(&endpoint), &schema);
}

#[test]
fn a_reference_cycle_through_allofs_is_an_error_not_a_hang() {
    let schemas = json!({
        "A": {"allOf": [{"$ref": "#/components/schemas/B"}, {"type": "object"}]},
        "B": {"allOf": [{"$ref": "#/components/schemas/A"}, {"type": "object"}]}
    });
    let page = body(json!({"$ref": "#/components/schemas/A"}));
    let error = canonical(page, schemas).expect_err("cycle").to_string();
    assert!(error.contains("a cycle?"), "{error}");
}

#[test]
fn a_response_moved_into_components_says_the_same_and_defaults_say_nothing() {
    let inline = json!({"deprecated": false, "parameters": [],
        "responses": {"200": {"description": "ok", "headers": {},
            "content": {"application/json": {"schema": {"type": "object"}}}}}});
    let flat = canonical(inline, json!({})).expect("canonical");
    let mut moved = Endpoint {
        operation: json!({"responses": {"200": {"$ref": "#/components/responses/Ok"}}}),
        components: [(
            "responses".to_owned(),
            json!({"Ok": {"description": "ok",
                "content": {"application/json": {"schema": {"type": "object"}}}}}),
        )]
        .into_iter()
        .collect(),
        ..flat.clone()
    };
    super::endpoint(Path::new("page.md"), &mut moved).expect("canonical");
    assert_eq!(moved.operation, flat.operation);
    assert!(!moved.components.contains_key("responses"), "inlined, gone");
}

#[test]
fn a_reference_to_a_response_the_page_lacks_is_named() {
    let page = json!({"responses": {"200": {"$ref": "#/components/responses/Gone"}}});
    let error = canonical(page, json!({}))
        .expect_err("undefined")
        .to_string();
    assert!(
        error.contains("#/components/responses/Gone is referenced but not defined"),
        "{error}"
    );
}
