//! The MCP server's handler: what `suno mcp` holds (the client, its
//! journal, the download directory, the memory of recent creates) and
//! how each request is answered. Every tool call gets a result; a call
//! that cannot be carried out gets a tool error that says why, and the
//! server goes on serving.

use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, Implementation, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde::de::DeserializeOwned;

use super::catalog::{self, CREATES};
use super::reply::{bad_arguments, failed};
use super::state::State;
use super::{follow, resources};

/// The handler; clones share one [`State`] (the HTTP transport makes one
/// per session).
#[derive(Clone)]
pub struct SunoServer {
    state: Arc<State>,
}

const INSTRUCTIONS: &str = "Make music with the kie.ai Suno API. Create tools (generate_music, \
    ...) cost credits and return a task id at once; wait_task follows the task to its end \
    (1 to 5 minutes), download_task saves its files. Never repeat a create whose answer was \
    lost: the task may exist, and list_tasks shows it. credits shows the balance.";

impl SunoServer {
    pub fn new(state: State) -> Self {
        SunoServer {
            state: Arc::new(state),
        }
    }

    /// Runs one tool call; every outcome is a result.
    pub async fn call(
        &self,
        name: &str,
        arguments: rmcp::model::JsonObject,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let state = &self.state;
        if CREATES.iter().any(|c| c.name == name) {
            return super::creates::create(state, name, arguments).await;
        }
        match name {
            "credits" => match read::<catalog::NoArgs>(name, arguments) {
                Ok(_) => follow::credits(state).await,
                Err(e) => e,
            },
            "get_task" => match read(name, arguments) {
                Ok(args) => follow::get_task(state, args).await,
                Err(e) => e,
            },
            "wait_task" => match read(name, arguments) {
                Ok(args) => follow::wait_task(state, args, context).await,
                Err(e) => e,
            },
            "download_task" => match read(name, arguments) {
                Ok(args) => follow::download_task(state, args).await,
                Err(e) => e,
            },
            "list_tasks" => match read(name, arguments) {
                Ok(args) => follow::list_tasks(state, args).await,
                Err(e) => e,
            },
            "resume_tasks" => match read(name, arguments) {
                Ok(args) => follow::resume_tasks(state, args).await,
                Err(e) => e,
            },
            _ => failed(
                format!(
                    "there is no tool {name:?}; the tools are: {}",
                    catalog::tools()
                        .iter()
                        .map(|t| t.name.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                false,
            ),
        }
    }
}

/// A tool's arguments as its argument type.
fn read<T: DeserializeOwned>(
    tool: &str,
    arguments: rmcp::model::JsonObject,
) -> Result<T, CallToolResult> {
    serde_json::from_value(serde_json::Value::Object(arguments))
        .map_err(|problem| bad_arguments(tool, problem))
}

impl ServerHandler for SunoServer {
    fn get_info(&self) -> ServerConfig {
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_resources()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("suno", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(catalog::tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        Ok(self.call(&request.name, arguments, &context).await.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        resources::list(&self.state)
            .await
            .map(ListResourcesResult::with_all_items)
            .map_err(|e| McpError::internal_error(e, None))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        resources::read(&self.state, &request.uri)
            .await
            .map(Into::into)
            .map_err(|e| McpError::resource_not_found(e, None))
    }
}
