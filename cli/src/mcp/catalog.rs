//! The tools `suno mcp` offers: one per thing a user asks for, each with
//! a description an agent can act on (what it costs, what it returns,
//! what to call next), its MCP annotations, and its input schema: the
//! request type's own (`kie_suno::request_json`) for the creates, the
//! argument types below for the rest.

use std::sync::Arc;

use rmcp::model::{JsonObject, Tool, ToolAnnotations};
use schemars::JsonSchema;
use serde::Deserialize;

/// The kinds and stages the tools take are the ones `suno` takes
/// (`--kind`, `--until`), by the same names.
pub use crate::kinds::{Kind, Until};

fn music() -> Kind {
    Kind::Music
}

/// `get_task`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskArgs {
    /// The task id a create tool returned.
    #[schemars(length(min = 1))]
    pub task_id: String,
    /// The kind of task (the id alone does not say).
    #[serde(default = "music")]
    pub kind: Kind,
}

/// `wait_task`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitArgs {
    /// The task id a create tool returned.
    #[schemars(length(min = 1))]
    pub task_id: String,
    /// The kind of task.
    #[serde(default = "music")]
    pub kind: Kind,
    /// How far the task must get.
    #[serde(default)]
    pub until: Until,
    /// The longest to wait, in seconds (default 600; music takes 1 to 5
    /// minutes). A wait that runs out can be called again.
    #[serde(default = "ten_minutes")]
    #[schemars(range(min = 0, max = 3600))]
    pub timeout_secs: u64,
}

fn ten_minutes() -> u64 {
    600
}

/// `download_task`'s arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DownloadArgs {
    /// The task id.
    #[schemars(length(min = 1))]
    pub task_id: String,
    /// The kind of task.
    #[serde(default = "music")]
    pub kind: Kind,
    /// A folder inside the download directory to save into (relative; no
    /// `..`). Default: the download directory itself.
    #[serde(default)]
    pub subdir: Option<String>,
}

/// `list_tasks`' arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// Finished tasks too (default: only those not finished).
    #[serde(default)]
    pub all: bool,
}

/// `resume_tasks`' arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResumeArgs {
    /// Save each completed task's files into the download directory.
    #[serde(default = "yes")]
    pub download: bool,
    /// The longest to wait for each task, in seconds (default 600).
    #[serde(default = "ten_minutes")]
    #[schemars(range(min = 0, max = 3600))]
    pub timeout_secs: u64,
}

fn yes() -> bool {
    true
}

/// No arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// What a create tool adds to its request's schema.
const NEW_FIELD: &str = "new";

/// What every create tool's description ends with, after its request's
/// own description (what it makes and that it costs credits) and before
/// the kind of task it makes.
const AFTER_CREATE: &str = "Returns the task id at once (the task runs for 1 to 5 minutes): \
    call wait_task, then download_task, with it and kind";

/// The rules every create follows, as its description says them.
const CREATE_RULES: &str = "The create is journaled before it is sent. An identical call \
    within 10 minutes returns the first call's task instead of paying again, unless `new` \
    is true. If the answer is lost, the result says so: the task may exist, do not call \
    again; list_tasks shows it.";

/// One create tool: its name, its title, and the request type that is
/// its input (whose description says what it makes).
pub struct CreateTool {
    pub name: &'static str,
    pub title: &'static str,
    /// The kind of task it makes.
    pub kind: Kind,
    pub schema: fn() -> schemars::Schema,
}

macro_rules! create_tool {
    ($name:literal, $title:literal, $kind:ident, $request:ty) => {
        CreateTool {
            name: $name,
            title: $title,
            kind: Kind::$kind,
            schema: || schemars::schema_for!($request),
        }
    };
}

/// Every create tool, in the order they are listed.
pub const CREATES: &[CreateTool] = &[
    create_tool!(
        "generate_music",
        "Generate music",
        Music,
        kie_suno::music::GenerateMusic
    ),
    create_tool!(
        "extend_music",
        "Extend a track",
        Music,
        kie_suno::music::ExtendMusic
    ),
    create_tool!(
        "cover_music",
        "Cover an uploaded track",
        Music,
        kie_suno::music::CoverUpload
    ),
    create_tool!(
        "add_vocals",
        "Add vocals",
        Music,
        kie_suno::music::AddVocals
    ),
    create_tool!(
        "add_instrumental",
        "Add an instrumental",
        Music,
        kie_suno::music::AddInstrumental
    ),
    create_tool!(
        "generate_lyrics",
        "Write lyrics",
        Lyrics,
        kie_suno::lyrics::GenerateLyrics
    ),
    create_tool!(
        "convert_to_wav",
        "Convert to WAV",
        Wav,
        kie_suno::wav::ConvertToWav
    ),
    create_tool!(
        "separate_vocals",
        "Separate vocals or stems",
        Vocals,
        kie_suno::separation::SeparateVocals
    ),
    create_tool!(
        "generate_midi",
        "Make MIDI",
        Midi,
        kie_suno::midi::GenerateMidi
    ),
    create_tool!(
        "create_music_video",
        "Make a music video",
        Video,
        kie_suno::video::CreateMusicVideo
    ),
    create_tool!(
        "generate_cover_art",
        "Make cover art",
        Cover,
        kie_suno::cover::GenerateCover
    ),
];

/// The kind of task the create tool `create` makes.
pub fn kind_of(create: &str) -> Kind {
    CREATES
        .iter()
        .find(|c| c.name == create)
        .map_or(Kind::Music, |c| c.kind)
}

/// The input schema of a create tool: its request's, with `new`.
fn create_schema(create: &CreateTool) -> JsonObject {
    let mut schema = object_of((create.schema)());
    if let Some(serde_json::Value::Object(properties)) = schema.get_mut("properties") {
        properties.insert(
            NEW_FIELD.to_owned(),
            serde_json::json!({
                "type": "boolean",
                "default": false,
                "description": "Create even if an identical call was made within 10 minutes \
                                (that call's task is returned otherwise). Costs credits again."
            }),
        );
    }
    schema
}

/// The field a create tool's arguments carry besides the request.
pub fn take_new(arguments: &mut JsonObject) -> Result<bool, String> {
    match arguments.remove(NEW_FIELD) {
        None => Ok(false),
        Some(serde_json::Value::Bool(new)) => Ok(new),
        Some(other) => Err(format!("`new` must be true or false, not {other}")),
    }
}

fn object_of(schema: schemars::Schema) -> JsonObject {
    match schema.to_value() {
        serde_json::Value::Object(mut object) => {
            // The tool says its name; the schema's own title and dialect
            // line say nothing more.
            object.remove("$schema");
            object.remove("title");
            object
        }
        _ => JsonObject::new(),
    }
}

fn schema_of<T: JsonSchema>() -> Arc<JsonObject> {
    Arc::new(object_of(schemars::schema_for!(T)))
}

fn annotations(title: &str, read_only: bool, spends: bool, idempotent: bool) -> ToolAnnotations {
    let annotations = ToolAnnotations::with_title(title)
        .read_only(read_only)
        .idempotent(idempotent)
        .open_world(true);
    if read_only {
        annotations
    } else {
        // Spending credits cannot be undone: clients that ask before a
        // destructive call ask before these.
        annotations.destructive(spends)
    }
}

/// Every tool, as `tools/list` gives them.
pub fn tools() -> Vec<Tool> {
    let mut tools = vec![
        Tool::new(
            "credits",
            "The account's credit balance (free; creates cost credits).",
            schema_of::<NoArgs>(),
        )
        .annotate(annotations("Credit balance", true, false, true)),
    ];
    for create in CREATES {
        let schema = (create.schema)();
        let makes = schema
            .get("description")
            .and_then(|d| d.as_str())
            .unwrap_or(create.title)
            .replace('\n', " ");
        let kind = serde_json::to_value(create.kind).unwrap_or_default();
        let description = format!("{makes} {AFTER_CREATE} {kind}. {CREATE_RULES}");
        tools.push(
            Tool::new(create.name, description, Arc::new(create_schema(create)))
                .annotate(annotations(create.title, false, true, false)),
        );
    }
    tools.extend([
        Tool::new(
            "get_task",
            "A task's status and results now (free, one request): for music the tracks \
             with title, duration and URLs. Use wait_task to wait for it to finish.",
            schema_of::<TaskArgs>(),
        )
        .annotate(annotations("Look at a task", true, false, true)),
        Tool::new(
            "wait_task",
            "Wait until a task is done (or, for music, `until: streamable`: a track can be \
             played), up to timeout_secs; sends a progress notification at each status \
             change. Free (polls within the API's limits). Returns the final record, or \
             says it timed out (call again to keep waiting) or failed (with the API's \
             reason). Then call download_task.",
            schema_of::<WaitArgs>(),
        )
        .annotate(annotations("Wait for a task", true, false, true)),
        Tool::new(
            "download_task",
            "Save a finished task's files (audio, images, video, stems) into the download \
             directory; returns each file's path, size in bytes and duration. Free; files \
             already saved are skipped, so calling again is safe. Each file is checked \
             whole before it takes its name.",
            schema_of::<DownloadArgs>(),
        )
        .annotate(annotations("Save a task's files", false, false, true)),
        Tool::new(
            "list_tasks",
            "The tasks this journal created, unfinished first, with their last known \
             status and saved files; creates whose answer was lost are listed as \
             `unknown` (the task may exist). Free, no request to the API.",
            schema_of::<ListArgs>(),
        )
        .annotate(annotations("List journaled tasks", true, false, true)),
        Tool::new(
            "resume_tasks",
            "Wait for every unfinished task in the journal (and save their files unless \
             download is false): what to call after a restart. Free. Returns each task's \
             outcome.",
            schema_of::<ResumeArgs>(),
        )
        .annotate(annotations("Resume unfinished tasks", false, false, true)),
    ]);
    tools
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tools_name_description_annotations_and_schema_are_as_reviewed() {
        let listed = serde_json::to_string_pretty(&tools()).unwrap();
        insta::assert_snapshot!("tools", listed);
    }

    #[test]
    fn a_create_spends_credits_and_nothing_else_does() {
        for tool in tools() {
            let annotations = tool.annotations.clone().unwrap();
            let create = CREATES.iter().any(|c| c.name == tool.name);
            assert_eq!(
                annotations.destructive_hint == Some(true),
                create,
                "{}",
                tool.name
            );
            assert_eq!(
                annotations.idempotent_hint == Some(true),
                !create,
                "{}",
                tool.name
            );
            let description = tool.description.as_deref().unwrap_or_default();
            assert_eq!(
                description.contains("costs credits"),
                create,
                "{}",
                tool.name
            );
        }
    }

    #[test]
    fn every_create_schema_takes_new_and_refuses_unknown_fields() {
        for tool in tools()
            .iter()
            .filter(|t| CREATES.iter().any(|c| c.name == t.name))
        {
            let schema = &tool.input_schema;
            assert_eq!(schema["type"], "object", "{}", tool.name);
            assert_eq!(schema["additionalProperties"], false, "{}", tool.name);
            assert_eq!(
                schema["properties"]["new"]["type"], "boolean",
                "{}",
                tool.name
            );
            assert!(schema.get("title").is_none() && schema.get("$schema").is_none());
        }
    }

    #[test]
    fn new_must_be_a_boolean_and_is_taken_out_of_the_request() {
        let mut arguments = JsonObject::new();
        assert_eq!(take_new(&mut arguments), Ok(false));
        arguments.insert("new".into(), true.into());
        arguments.insert("description".into(), "x".into());
        assert_eq!(take_new(&mut arguments), Ok(true));
        assert!(!arguments.contains_key("new"));
        arguments.insert("new".into(), "yes".into());
        assert!(take_new(&mut arguments).is_err());
    }
}
