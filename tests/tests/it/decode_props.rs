//! Decoding never panics: JSON shaped like a record, with random types,
//! nulls, missing and extra fields, huge numbers, long strings and odd
//! Unicode, and raw random bytes, all go through `MusicRecord::from_body`
//! (the client's own decoding path) and every accessor. The result must be
//! a record or a typed error; proptest reports any panic as a failure.

use kie_suno_tests::decode::exercise;
use proptest::collection::{hash_map, vec};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Cases per property; bounded so the suite stays fast.
const CASES: u32 = 1500;

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        Just(json!(1.7976931348623157e308)),
        Just(json!(-1e300)),
        Just(json!(1772624679694u64)),
        Just(json!(0)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9_ :.-]{0,24}",
        Just(String::new()),
        Just("2025-01-01 00:00:00".to_owned()),
        Just("2026-03-04T11:44:39.694Z".to_owned()),
        Just("https://example.cn/****.mp3".to_owned()),
        Just("\u{202e}\u{0}\u{feff}𝄞".to_owned()),
        Just("x".repeat(10_000)),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number(),
        text().prop_map(Value::from)
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            hash_map("[a-zA-Z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A field: usually the right type, sometimes null, sometimes anything.
fn field(right: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        4 => right.prop_map(Some),
        1 => Just(Some(Value::Null)),
        1 => Just(None),
        1 => any_json().prop_map(Some),
    ]
    .boxed()
}

fn object(
    fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>,
) -> impl Strategy<Value = Value> {
    let extra = hash_map("[a-zA-Z]{1,12}", any_json(), 0..3);
    (
        fields
            .into_iter()
            .map(|(k, s)| s.prop_map(move |v| (k, v)))
            .collect::<Vec<_>>(),
        extra,
    )
        .prop_map(|(pairs, extra)| {
            let mut map: Map<String, Value> = extra.into_iter().collect();
            for (key, value) in pairs {
                if let Some(value) = value {
                    map.insert(key.to_owned(), value);
                }
            }
            Value::Object(map)
        })
}

fn string() -> BoxedStrategy<Option<Value>> {
    field(text().prop_map(Value::from))
}

fn track() -> impl Strategy<Value = Value> {
    object(vec![
        ("id", string()),
        ("audioUrl", string()),
        ("streamAudioUrl", string()),
        ("imageUrl", string()),
        ("sourceAudioUrl", string()),
        ("prompt", string()),
        ("modelName", string()),
        ("title", string()),
        ("tags", string()),
        (
            "createTime",
            field(prop_oneof![number(), text().prop_map(Value::from)]),
        ),
        ("duration", field(number())),
    ])
}

fn param() -> impl Strategy<Value = Value> {
    prop_oneof![
        text().prop_map(Value::from),
        object(vec![
            ("prompt", string()),
            (
                "model",
                field(prop_oneof![
                    Just(json!("V4_5")),
                    text().prop_map(Value::from)
                ])
            ),
            ("customMode", field(any::<bool>().prop_map(Value::from))),
            ("instrumental", field(any::<bool>().prop_map(Value::from))),
        ])
        .prop_map(|v| Value::from(v.to_string())),
    ]
}

fn record() -> impl Strategy<Value = Value> {
    let status = prop_oneof![
        Just(json!("PENDING")),
        Just(json!("SUCCESS")),
        Just(json!("CALLBACK_EXCEPTION")),
        Just(json!("GENERATE_AUDIO_FAILED")),
        text().prop_map(Value::from),
    ];
    let response = object(vec![
        ("taskId", string()),
        ("sunoData", field(vec(track(), 0..4).prop_map(Value::Array))),
        ("errorMessage", string()),
    ]);
    object(vec![
        ("taskId", string()),
        ("parentMusicId", string()),
        ("param", field(param())),
        ("response", field(response)),
        ("status", field(status)),
        ("type", string()),
        ("operationType", string()),
        ("errorCode", field(number())),
        ("errorMessage", string()),
        ("createTime", field(number())),
    ])
}

fn envelope() -> impl Strategy<Value = Value> {
    object(vec![
        (
            "code",
            field(prop_oneof![Just(json!(200)), Just(json!(422)), number()]),
        ),
        ("msg", string()),
        ("data", field(record())),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn record_shaped_json_decodes_or_errors(body in envelope()) {
        exercise(&serde_json::to_vec(&body).expect("json"));
    }

    #[test]
    fn arbitrary_json_decodes_or_errors(body in any_json()) {
        exercise(&serde_json::to_vec(&body).expect("json"));
    }

    #[test]
    fn random_and_truncated_bytes_decode_or_error(bytes in vec(any::<u8>(), 0..512), cut in 0usize..2000) {
        exercise(&bytes);
        let real = serde_json::to_vec(&json!({"code":200,"data":{"taskId":"t","status":"SUCCESS","response":{"sunoData":[{"id":"a","createTime":1772624679694u64}]}}})).expect("json");
        exercise(&real[..cut.min(real.len())]);
    }

    #[test]
    fn time_and_param_parsers_never_panic(text in text(), ms in any::<f64>()) {
        let _ = kie_suno::time::parse_time(&text);
        let _ = kie_suno::time::from_epoch_millis(ms);
        let _ = kie_suno::GenerationParams::parse(&text);
    }
}
