//! Create requests read from JSON, with their JSON Schemas (feature
//! `schemars`): what a tool server (such as `suno mcp`), a job file or a
//! form hands to the SDK. Each request type ([`GenerateMusic`],
//! [`ConvertToWav`], ...) deserializes from an object of snake_case
//! fields, unknown fields refused, and publishes the schema of that
//! object (`schemars::schema_for!(GenerateMusic)`): the page's rules that
//! JSON Schema can say (required fields, which fields custom mode needs,
//! lengths that hold for every model, ranges, the voice's values) are in
//! it; the rest (lengths per model, two decimals for weights) are checked
//! when the request is sent, as for a request built in Rust, before
//! anything goes out.
//!
//! The callback URL is not a field: where a task's results go is the
//! client's setting ([`ClientBuilder::callback_url`](crate::ClientBuilder::callback_url)),
//! not the input's.
//!
//! [`GenerateMusic`]: crate::music::GenerateMusic
//! [`ConvertToWav`]: crate::wav::ConvertToWav

mod music;
mod tasks;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::music::VocalGender;

/// Implements `Deserialize` and `JsonSchema` for the request type
/// `$request` through its JSON form `$json` (`TryFrom<$json>`).
macro_rules! read_through {
    ($request:ty, $json:ty) => {
        impl<'de> serde::Deserialize<'de> for $request {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let json = <$json as serde::Deserialize>::deserialize(d)?;
                <$request>::try_from(json).map_err(serde::de::Error::custom)
            }
        }

        impl schemars::JsonSchema for $request {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($request).into()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                <$json as schemars::JsonSchema>::json_schema(generator)
            }
        }
    };
}
use read_through;

/// The singer's voice as JSON: `m` or `f`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
enum Voice {
    /// A male voice.
    #[serde(rename = "m")]
    Male,
    /// A female voice.
    #[serde(rename = "f")]
    Female,
}

impl From<Voice> for VocalGender {
    fn from(voice: Voice) -> Self {
        match voice {
            Voice::Male => VocalGender::Male,
            Voice::Female => VocalGender::Female,
        }
    }
}

/// Defines a music request's JSON form: its own fields, then the
/// shaping fields every music create takes (voice and weights).
macro_rules! with_sound {
    ($(#[$meta:meta])* struct $name:ident { $($fields:tt)* }) => {
        #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        $(#[$meta])*
        struct $name {
            $($fields)*
            /// The singer's voice: `m` or `f`.
            #[serde(default)]
            vocal_gender: Option<super::Voice>,
            /// How strongly the style is followed: 0 to 1, two decimals.
            #[serde(default)]
            #[schemars(range(min = 0.0, max = 1.0), extend("multipleOf" = 0.01))]
            style_weight: Option<f64>,
            /// How far the music may stray from the style: 0 to 1, two
            /// decimals.
            #[serde(default)]
            #[schemars(range(min = 0.0, max = 1.0), extend("multipleOf" = 0.01))]
            weirdness: Option<f64>,
            /// How strongly the audio input is followed: 0 to 1, two
            /// decimals.
            #[serde(default)]
            #[schemars(range(min = 0.0, max = 1.0), extend("multipleOf" = 0.01))]
            audio_weight: Option<f64>,
        }
    };
}
use with_sound;

/// Applies the shaping fields of a music request's JSON form `$json`
/// (model and negative tags given apart: not every form has them) to
/// `$request`; every music request has the same setters.
macro_rules! shape {
    ($request:expr, $json:expr, $model:expr, $negative_tags:expr) => {{
        let mut request = $request;
        let json = $json;
        if let Some(model) = $model {
            request = request.model(crate::Model::from(model.as_str()));
        }
        if let Some(tags) = $negative_tags {
            request = request.negative_tags(tags);
        }
        if let Some(voice) = json.vocal_gender {
            request = request.vocal_gender(crate::music::VocalGender::from(voice));
        }
        if let Some(weight) = json.style_weight {
            request = request.style_weight(weight);
        }
        if let Some(weight) = json.weirdness {
            request = request.weirdness(weight);
        }
        if let Some(weight) = json.audio_weight {
            request = request.audio_weight(weight);
        }
        request
    }};
}
use shape;

/// The models a request may name, for the schemas' descriptions.
const MODELS: &str = "V4, V4_5, V4_5PLUS, V4_5ALL, V5, V5_5 (others are sent as given)";

#[cfg(test)]
mod tests;
