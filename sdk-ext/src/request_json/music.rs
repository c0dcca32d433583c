//! The music creates' JSON forms: Generate Music, Extend Music, Upload
//! and Cover, Add Vocals and Add Instrumental.

use super::{MODELS, read_through, shape, with_sound};
use crate::Model;
use crate::music::{AddInstrumental, AddVocals, CoverUpload, ExtendMusic, GenerateMusic};

/// Defines the JSON form of a request in either mode of Generate Music
/// (`description`, or custom mode's `style`, `title` and `lyrics`): its
/// own fields, then the mode's, then the shaping fields.
macro_rules! with_mode {
    (
        title: $title_max:literal, $title_doc:literal;
        $(#[$meta:meta])* struct $name:ident { $($fields:tt)* }
    ) => {
        with_sound! {
            $(#[$meta])*
            #[schemars(extend("dependentRequired" = {
                "style": ["title"], "title": ["style"],
                "lyrics": ["style", "title"], "persona_id": ["style", "title"]
            }))]
            struct $name {
                $($fields)*
                /// Description mode: what the music should be, at most 500
                /// characters. Leave out in custom mode.
                #[serde(default)]
                #[schemars(length(min = 1, max = 500))]
                description: Option<String>,
                /// Custom mode: the music's style (with `title`).
                #[serde(default)]
                #[schemars(length(min = 1))]
                style: Option<String>,
                #[doc = $title_doc]
                #[serde(default)]
                #[schemars(length(min = 1, max = $title_max))]
                title: Option<String>,
                /// Custom mode: the lyrics, sung as written (required unless
                /// `instrumental`; at most 3000 characters for V4, 5000 for
                /// the newer models).
                #[serde(default)]
                lyrics: Option<String>,
                /// No vocals.
                #[serde(default)]
                instrumental: bool,
                /// Custom mode: a persona to sing.
                #[serde(default)]
                persona_id: Option<String>,
                /// The model (default V5).
                #[serde(default)]
                #[schemars(description = MODELS)]
                model: Option<String>,
                /// Styles to avoid.
                #[serde(default)]
                negative_tags: Option<String>,
            }
        }
    };
}

/// What a JSON form lacks or holds too many of, said in its own field
/// names.
type Problem = String;

/// The mode a form's `description`, `style` and `title` name.
enum Mode {
    Description(String),
    Custom { style: String, title: String },
}

/// Description mode or custom mode, never both, never neither.
fn mode(
    description: &Option<String>,
    style: &Option<String>,
    title: &Option<String>,
) -> Result<Mode, Problem> {
    match (description.clone(), style.clone(), title.clone()) {
        (Some(description), None, None) => Ok(Mode::Description(description)),
        (None, Some(style), Some(title)) => Ok(Mode::Custom { style, title }),
        (Some(_), _, _) => Err(
            "give either `description` (description mode) or `style` and \
                                `title` (custom mode), not both"
                .to_owned(),
        ),
        (None, None, None) => Err("give `description` (description mode), or `style` and \
                                   `title` (custom mode)"
            .to_owned()),
        (None, _, _) => Err("custom mode needs both `style` and `title`".to_owned()),
    }
}

with_mode! {
    title: 80, "Custom mode: the title, at most 80 characters (with `style`).";
    /// Generate music (costs credits): from a `description` (the API
    /// writes lyrics, style and title), or in custom mode with your
    /// `style` and `title`, and `lyrics` unless `instrumental`. Makes two
    /// tracks.
    struct GenerateMusicJson {}
}

read_through!(GenerateMusic, GenerateMusicJson);

impl TryFrom<GenerateMusicJson> for GenerateMusic {
    type Error = Problem;

    fn try_from(json: GenerateMusicJson) -> Result<Self, Problem> {
        let mut request = match mode(&json.description, &json.style, &json.title)? {
            Mode::Description(description) => GenerateMusic::from_description(description),
            Mode::Custom { style, title } => GenerateMusic::custom(style, title),
        };
        if let Some(lyrics) = json.lyrics.clone() {
            request = request.lyrics(lyrics);
        }
        if json.instrumental {
            request = request.instrumental();
        }
        if let Some(persona) = json.persona_id.clone() {
            request = request.persona_id(persona);
        }
        let (model, tags) = (json.model.clone(), json.negative_tags.clone());
        Ok(shape!(request, json, model, tags))
    }
}

with_sound! {
    /// Extend a track (costs credits): with its own parameters, or with
    /// new `lyrics`, `style` and `title` from `continue_at` seconds into
    /// it. Makes two tracks.
    #[schemars(extend("dependentRequired" = {
        "lyrics": ["style", "title", "continue_at"],
        "style": ["lyrics", "title", "continue_at"],
        "title": ["lyrics", "style", "continue_at"],
        "continue_at": ["lyrics", "style", "title"]
    }))]
    struct ExtendMusicJson {
        /// The track to extend: its audio id (a track's `id` in a music
        /// task's result).
        #[schemars(length(min = 1))]
        audio_id: String,
        /// The model the track was made with.
        #[schemars(description = MODELS)]
        model: String,
        /// New lyrics from `continue_at`.
        #[serde(default)]
        lyrics: Option<String>,
        /// The extension's style.
        #[serde(default)]
        style: Option<String>,
        /// The extension's title.
        #[serde(default)]
        title: Option<String>,
        /// Seconds into the track to continue from.
        #[serde(default)]
        #[schemars(range(min = 0.0))]
        continue_at: Option<f64>,
        /// A persona to sing.
        #[serde(default)]
        persona_id: Option<String>,
        /// Styles to avoid.
        #[serde(default)]
        negative_tags: Option<String>,
    }
}

read_through!(ExtendMusic, ExtendMusicJson);

impl TryFrom<ExtendMusicJson> for ExtendMusic {
    type Error = Problem;

    fn try_from(json: ExtendMusicJson) -> Result<Self, Problem> {
        let model = Model::from(json.model.as_str());
        let mut request = match (
            json.lyrics.clone(),
            json.style.clone(),
            json.title.clone(),
            json.continue_at,
        ) {
            (None, None, None, None) => ExtendMusic::from_original(json.audio_id.clone(), model),
            (Some(lyrics), Some(style), Some(title), Some(at)) => {
                ExtendMusic::custom(json.audio_id.clone(), model, lyrics, style, title, at)
            }
            _ => {
                return Err(
                    "new parameters take all four of `lyrics`, `style`, `title` and \
                            `continue_at`; leave all out to extend with the track's own"
                        .to_owned(),
                );
            }
        };
        if let Some(persona) = json.persona_id.clone() {
            request = request.persona_id(persona);
        }
        let tags = json.negative_tags.clone();
        Ok(shape!(request, json, None::<String>, tags))
    }
}

with_mode! {
    title: 100, "Custom mode: the title, at most 100 characters (80 for V4 and V4_5ALL; with `style`).";
    /// Cover an uploaded track (costs credits): new music over the audio
    /// at `upload_url`, from a `description`, or in custom mode with
    /// `style` and `title` (and `lyrics` unless `instrumental`). Makes two
    /// tracks.
    struct CoverUploadJson {
        /// The audio to cover: a public http(s) URL of the file.
        #[schemars(extend("format" = "uri"))]
        upload_url: String,
    }
}

read_through!(CoverUpload, CoverUploadJson);

impl TryFrom<CoverUploadJson> for CoverUpload {
    type Error = Problem;

    fn try_from(json: CoverUploadJson) -> Result<Self, Problem> {
        let url = json.upload_url.clone();
        let mut request = match mode(&json.description, &json.style, &json.title)? {
            Mode::Description(description) => CoverUpload::from_description(url, description),
            Mode::Custom { style, title } => CoverUpload::custom(url, style, title),
        };
        if let Some(lyrics) = json.lyrics.clone() {
            request = request.lyrics(lyrics);
        }
        if json.instrumental {
            request = request.instrumental();
        }
        if let Some(persona) = json.persona_id.clone() {
            request = request.persona_id(persona);
        }
        let (model, tags) = (json.model.clone(), json.negative_tags.clone());
        Ok(shape!(request, json, model, tags))
    }
}

with_sound! {
    /// Add vocals to an uploaded instrumental (costs credits): sings
    /// `lyrics` in `style` over the audio at `upload_url`. Makes two
    /// tracks.
    struct AddVocalsJson {
        /// The instrumental: a public http(s) URL of the file.
        #[schemars(extend("format" = "uri"))]
        upload_url: String,
        /// The lyrics to sing.
        #[schemars(length(min = 1))]
        lyrics: String,
        /// The title.
        #[schemars(length(min = 1))]
        title: String,
        /// The style.
        #[schemars(length(min = 1))]
        style: String,
        /// Styles to avoid (required by the API).
        #[schemars(length(min = 1))]
        negative_tags: String,
        /// The model (default V4_5PLUS).
        #[serde(default)]
        #[schemars(description = MODELS)]
        model: Option<String>,
    }
}

read_through!(AddVocals, AddVocalsJson);

impl TryFrom<AddVocalsJson> for AddVocals {
    type Error = Problem;

    fn try_from(json: AddVocalsJson) -> Result<Self, Problem> {
        let request = AddVocals::new(
            json.upload_url.clone(),
            json.lyrics.clone(),
            json.title.clone(),
            json.style.clone(),
        );
        let (model, tags) = (json.model.clone(), Some(json.negative_tags.clone()));
        Ok(shape!(request, json, model, tags))
    }
}

with_sound! {
    /// Add an instrumental to uploaded vocals (costs credits): plays
    /// `tags` under the vocals at `upload_url`. Makes two tracks.
    struct AddInstrumentalJson {
        /// The vocals: a public http(s) URL of the file.
        #[schemars(extend("format" = "uri"))]
        upload_url: String,
        /// The title.
        #[schemars(length(min = 1))]
        title: String,
        /// The styles to play.
        #[schemars(length(min = 1))]
        tags: String,
        /// Styles to avoid (required by the API).
        #[schemars(length(min = 1))]
        negative_tags: String,
        /// The model (default V4_5PLUS).
        #[serde(default)]
        #[schemars(description = MODELS)]
        model: Option<String>,
    }
}

read_through!(AddInstrumental, AddInstrumentalJson);

impl TryFrom<AddInstrumentalJson> for AddInstrumental {
    type Error = Problem;

    fn try_from(json: AddInstrumentalJson) -> Result<Self, Problem> {
        let request = AddInstrumental::new(
            json.upload_url.clone(),
            json.title.clone(),
            json.tags.clone(),
        );
        let (model, tags) = (json.model.clone(), Some(json.negative_tags.clone()));
        Ok(shape!(request, json, model, tags))
    }
}
