use serde_json::json;

use crate::Model;
use crate::cover::GenerateCover;
use crate::lyrics::GenerateLyrics;
use crate::midi::GenerateMidi;
use crate::music::{
    AddInstrumental, AddVocals, CoverUpload, ExtendMusic, GenerateMusic, VocalGender,
};
use crate::separation::SeparateVocals;
use crate::video::CreateMusicVideo;
use crate::wav::ConvertToWav;

fn read<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn a_description_reads_as_the_request_built_in_rust() {
    let read: GenerateMusic = read(json!({"description": "calm piano", "model": "V4_5"})).unwrap();
    assert_eq!(
        read,
        GenerateMusic::from_description("calm piano").model(Model::V4_5)
    );
}

#[test]
fn custom_mode_reads_every_shaping_field() {
    let read: GenerateMusic = read(json!({
        "style": "jazz", "title": "Blue", "lyrics": "la la", "persona_id": "p1",
        "negative_tags": "metal", "vocal_gender": "f", "style_weight": 0.5,
        "weirdness": 0.25, "audio_weight": 0.75
    }))
    .unwrap();
    let built = GenerateMusic::custom("jazz", "Blue")
        .lyrics("la la")
        .persona_id("p1")
        .negative_tags("metal")
        .vocal_gender(VocalGender::Female)
        .style_weight(0.5)
        .weirdness(0.25)
        .audio_weight(0.75);
    assert_eq!(read, built);
}

#[test]
fn a_request_naming_both_modes_or_neither_is_refused_in_the_inputs_own_words() {
    let both = read::<GenerateMusic>(json!({"description": "x", "style": "s", "title": "t"}));
    assert!(both.unwrap_err().contains("not both"));
    let neither = read::<GenerateMusic>(json!({"instrumental": true})).unwrap_err();
    assert!(neither.contains("`description`"), "{neither}");
    let half = read::<GenerateMusic>(json!({"style": "s"})).unwrap_err();
    assert!(half.contains("both `style` and `title`"), "{half}");
}

#[test]
fn unknown_fields_and_wrong_types_are_refused_naming_the_field() {
    let typo = read::<GenerateMusic>(json!({"description": "x", "instrumentl": true})).unwrap_err();
    assert!(typo.contains("instrumentl"), "{typo}");
    let wrong = read::<ConvertToWav>(json!({"task_id": 7, "audio_id": "a"})).unwrap_err();
    assert!(wrong.contains("invalid type"), "{wrong}");
    let missing = read::<ConvertToWav>(json!({"task_id": "t"})).unwrap_err();
    assert!(missing.contains("audio_id"), "{missing}");
    let voice =
        read::<GenerateMusic>(json!({"description": "x", "vocal_gender": "x"})).unwrap_err();
    assert!(
        voice.contains("vocal_gender") || voice.contains("variant"),
        "{voice}"
    );
}

#[test]
fn extending_with_new_parameters_takes_all_four_or_none() {
    let own: ExtendMusic = read(json!({"audio_id": "a1", "model": "V5"})).unwrap();
    assert_eq!(own, ExtendMusic::from_original("a1", Model::V5));
    let new: ExtendMusic = read(json!({
        "audio_id": "a1", "model": "V5", "lyrics": "l", "style": "s", "title": "t",
        "continue_at": 30.0
    }))
    .unwrap();
    assert_eq!(
        new,
        ExtendMusic::custom("a1", Model::V5, "l", "s", "t", 30.0)
    );
    let partial = read::<ExtendMusic>(json!({"audio_id": "a1", "model": "V5", "lyrics": "l"}));
    assert!(partial.unwrap_err().contains("all four"));
}

#[test]
fn the_upload_and_track_forms_read_as_their_requests() {
    let cover: CoverUpload =
        read(json!({"upload_url": "https://f.example/a.mp3", "description": "rock"})).unwrap();
    assert_eq!(
        cover,
        CoverUpload::from_description("https://f.example/a.mp3", "rock")
    );
    let vocals: AddVocals = read(json!({
        "upload_url": "https://f.example/i.mp3", "lyrics": "l", "title": "t", "style": "s",
        "negative_tags": "n"
    }))
    .unwrap();
    assert_eq!(
        vocals,
        AddVocals::new("https://f.example/i.mp3", "l", "t", "s").negative_tags("n")
    );
    let inst: AddInstrumental = read(json!({
        "upload_url": "https://f.example/v.mp3", "title": "t", "tags": "g", "negative_tags": "n",
        "model": "V5"
    }))
    .unwrap();
    assert_eq!(
        inst,
        AddInstrumental::new("https://f.example/v.mp3", "t", "g")
            .negative_tags("n")
            .model(Model::V5)
    );
    let lyrics: GenerateLyrics = read(json!({"description": "rain"})).unwrap();
    assert_eq!(lyrics, GenerateLyrics::new("rain"));
    let stems: SeparateVocals =
        read(json!({"task_id": "t", "audio_id": "a", "split_stems": true})).unwrap();
    assert_eq!(stems, SeparateVocals::new("t", "a").split_stems());
    let midi: GenerateMidi = read(json!({"task_id": "s"})).unwrap();
    assert_eq!(midi, GenerateMidi::new("s"));
    let video: CreateMusicVideo =
        read(json!({"task_id": "t", "audio_id": "a", "author": "me"})).unwrap();
    assert_eq!(video, CreateMusicVideo::new("t", "a").author("me"));
    let art: GenerateCover = read(json!({"task_id": "t"})).unwrap();
    assert_eq!(art, GenerateCover::new("t"));
}

#[test]
fn schemas_say_the_rules_json_schema_can_say() {
    let schema = serde_json::to_value(schemars::schema_for!(GenerateMusic)).unwrap();
    let props = &schema["properties"];
    assert_eq!(props["description"]["maxLength"], 500);
    assert_eq!(props["title"]["maxLength"], 80);
    assert_eq!(props["style_weight"]["maximum"], 1.0);
    assert_eq!(props["style_weight"]["multipleOf"], 0.01);
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(schema["dependentRequired"]["style"], json!(["title"]));
    let wav = serde_json::to_value(schemars::schema_for!(ConvertToWav)).unwrap();
    assert_eq!(wav["required"], json!(["task_id", "audio_id"]));
    assert!(
        wav["description"]
            .as_str()
            .unwrap()
            .contains("costs credits")
    );
}
