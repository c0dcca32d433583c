//! The parameters a task was created with. The API returns them as a JSON
//! object serialized into the record's `param` string; [`GenerationParams`]
//! is that object, parsed when asked for (not on every decode).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::open_enum::string_enum;

string_enum! {
    /// The generation model named in the parameters (`model`).
    pub enum Model {
        V3_5 = "V3_5",
        V4 = "V4",
        V4_5 = "V4_5",
        V4_5Plus = "V4_5PLUS",
        V4_5All = "V4_5ALL",
        V5 = "V5",
        V5_5 = "V5_5",
        V6 = "V6",
        V6Mini = "V6_MINI",
        V6Wild = "V6_WILD",
    }
}

/// The parameters of a generation task.
///
/// Read from the API's camelCase keys; written with snake_case keys (the
/// CLI's `--json`). Keys this SDK does not know are kept in `other`.
///
/// ```
/// use kie_suno::{GenerationParams, Model};
/// let p = GenerationParams::parse(r#"{"prompt":"calm piano","model":"V4_5","seed":7}"#).unwrap();
/// assert_eq!(p.model, Some(Model::V4_5));
/// assert_eq!(p.other["seed"], 7);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"))]
#[non_exhaustive]
pub struct GenerationParams {
    /// The prompt, or the lyrics in custom mode.
    pub prompt: Option<String>,
    /// The music style (custom mode).
    pub style: Option<String>,
    /// The title (custom mode).
    pub title: Option<String>,
    /// Whether style and title were given explicitly.
    pub custom_mode: Option<bool>,
    /// Whether the music has no vocals.
    pub instrumental: Option<bool>,
    /// The generation model.
    pub model: Option<Model>,
    /// Every other key, as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Why the `param` string could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParamsError {
    /// The record has no `param` string.
    #[error("the record has no generation parameters")]
    Missing,
    /// The `param` string is not a JSON object of the expected shape.
    #[error("the record's generation parameters are not the expected JSON object: {0}")]
    Malformed(#[source] serde_json::Error),
}

impl GenerationParams {
    /// Parses the `param` string of a record. The record echoes the
    /// whole request, its `callBackUrl` too: that one is kept without its
    /// query or userinfo (which can carry tokens, and this SDK's create
    /// reference), as every URL this SDK shows.
    pub fn parse(param: &str) -> Result<Self, ParamsError> {
        if param.trim().is_empty() {
            return Err(ParamsError::Missing);
        }
        let mut params: GenerationParams =
            serde_json::from_str(param).map_err(ParamsError::Malformed)?;
        if let Some(Value::String(url)) = params.other.get_mut("callBackUrl") {
            *url = crate::redact::url_str(url);
        }
        Ok(params)
    }
}
