//! The MCP server handler: `tools/list` and `tools/call` over a [`ToolSet`], for the one user
//! a request is authenticated as.

use std::sync::Arc;

use poem::http::request::Parts;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ErrorCode, Implementation, JsonObject,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool as McpTool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::Value;
use todo_domain::UserId;
use todo_tools::{ToolContext, ToolDefinition, ToolError, ToolOutput, ToolSet, error_result};
use tracing::Instrument;

/// The header the streamable HTTP transport names its session with.
pub(crate) const SESSION_HEADER: &str = "mcp-session-id";

/// What a client is told when the store is down or a tool failed unexpectedly: no detail,
/// which would only be internals (the log line has them).
pub(crate) const UNAVAILABLE_MESSAGE: &str =
    "the task service is unavailable right now; try again later";

const INSTRUCTIONS: &str = "Manage the authenticated user's to-do list: add, list, complete, \
update and delete tasks. The user is fixed by the connection; it is never an argument.";

/// Who the calls act for.
#[derive(Clone)]
pub(crate) enum Identity {
    /// stdio: the `--user` the process was started for.
    Fixed(UserId),
    /// streamable HTTP: the [`UserId`] the bearer guard put into the request data, read again
    /// on every request, so that nothing about a user is kept in a session.
    PerRequest,
}

/// The span the HTTP layer was in when the request arrived; the `tools/call` span is its
/// child, so that an MCP call over HTTP continues the request's trace.
#[derive(Clone)]
pub(crate) struct HttpSpan(pub(crate) tracing::Span);

/// The MCP face of a [`ToolSet`]. Cheap to clone: the HTTP transport makes one per session.
#[derive(Clone)]
pub(crate) struct TaskToolsServer {
    tools: ToolSet,
    /// `tools/list`, converted once from [`ToolSet::definitions`].
    listed: Arc<[McpTool]>,
    identity: Identity,
    /// `network.transport` of the spans: `pipe` (stdio) or `tcp` (HTTP).
    transport: &'static str,
}

impl TaskToolsServer {
    pub(crate) fn new(tools: ToolSet, identity: Identity, transport: &'static str) -> Self {
        let listed = tools
            .definitions()
            .iter()
            .cloned()
            .map(to_mcp_tool)
            .collect();
        Self {
            tools,
            listed,
            identity,
            transport,
        }
    }

    fn user(&self, parts: Option<&Parts>) -> Option<UserId> {
        match &self.identity {
            Identity::Fixed(user) => Some(user.clone()),
            Identity::PerRequest => parts.and_then(|p| p.extensions.get::<UserId>()).cloned(),
        }
    }
}

/// A tool definition as MCP lists it: the same name, description and JSON schema.
pub(crate) fn to_mcp_tool(definition: ToolDefinition) -> McpTool {
    let schema = match definition.parameters {
        Value::Object(map) => map,
        other => {
            // Every input schema must be an object schema in MCP; a tool that declares
            // something else is a bug, but listing it beats failing the whole list.
            tracing::warn!(tool = definition.name, schema = %other, "tool input schema is not an object");
            let mut map = JsonObject::new();
            map.insert("type".into(), Value::from("object"));
            map
        }
    };
    McpTool::new(definition.name, definition.description, Arc::new(schema))
}

/// The result of a tool that ran: the JSON object as structured content and as text.
pub(crate) fn tool_result(outcome: Result<ToolOutput, ToolError>) -> CallToolResult {
    match outcome {
        Ok(output) => CallToolResult::structured(output.to_value()),
        Err(e) if e.is_recoverable() => {
            CallToolResult::structured_error(error_result(&e.to_string()).to_value())
        }
        Err(_) => CallToolResult::structured_error(error_result(UNAVAILABLE_MESSAGE).to_value()),
    }
}

impl ServerHandler for TaskToolsServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(
                Implementation::new("todo-chatbot", env!("CARGO_PKG_VERSION"))
                    .with_title("todo-chatbot task tools"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.listed.to_vec()))
    }

    fn get_tool(&self, name: &str) -> Option<McpTool> {
        self.listed.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let parts = context.extensions.get::<Parts>();
        let name = request.name.as_ref();
        let user = self.user(parts);
        let session_id = parts
            .and_then(|p| p.headers.get(SESSION_HEADER))
            .and_then(|v| v.to_str().ok());
        let protocol_version = context.protocol_version();
        // Over HTTP, a child of the request's span (which continues an incoming
        // `traceparent`); otherwise a trace of its own, not a child of rmcp's span around the
        // whole connection, which would put every call of a stdio session into one trace.
        let parent = parts
            .and_then(|p| p.extensions.get::<HttpSpan>())
            .and_then(|s| s.0.id());
        let tool = self.tools.get(name);
        // The name is the client's: only a known one goes into the span's name and attributes.
        let known = tool.map(|_| name);
        let span = tracing::info_span!(
            parent: parent,
            "tools/call",
            otel.name = %known.map_or_else(|| "tools/call".to_owned(), |n| format!("tools/call {n}")),
            otel.kind = "server",
            mcp.method.name = "tools/call",
            mcp.session.id = session_id,
            mcp.protocol.version = protocol_version.as_ref().map(|v| v.as_str()),
            gen_ai.tool.name = known,
            jsonrpc.request.id = %context.id,
            network.transport = self.transport,
            user.id = user.as_ref().map(UserId::as_str),
            enduser.id = user.as_ref().map(UserId::as_str),
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            // CONTRACT §5: every span but the HTTP server span names its operation; the tool
            // underneath is `mcp_tool_{name}`, this is the protocol request around it.
            operation = OPERATION,
            status = tracing::field::Empty,
            error = tracing::field::Empty,
        );

        let Some(user) = user else {
            // The HTTP layer answers 401 before this; only a mis-mounted endpoint gets here.
            span.record("error.type", "unauthenticated");
            failed(&span, "the request is not authenticated");
            return Err(ErrorData::invalid_request(
                "the request is not authenticated",
                None,
            ));
        };
        let Some(tool) = tool else {
            // MCP (2025-06-18 and later, "Error Handling"): an unknown tool is a protocol
            // error, -32602 invalid params, not a tool result.
            span.record("error.type", ErrorCode::INVALID_PARAMS.0.to_string());
            failed(&span, "unknown tool");
            return Err(ErrorData::invalid_params(
                format!("unknown tool '{name}'"),
                None,
            ));
        };
        let ctx = ToolContext {
            user_id: user,
            conversation_id: None,
            call_id: Some(context.id.to_string()),
        };
        let arguments = request
            .arguments
            .map_or_else(|| Value::Object(JsonObject::new()), Value::Object);
        let outcome = tool.call(&ctx, arguments).instrument(span.clone()).await;
        if let Err(e) = &outcome {
            // semconv (MCP): a result with `isError: true` is `error.type` = `tool_error`.
            span.record("error.type", "tool_error");
            failed(&span, &e.to_string());
            if !e.is_recoverable() {
                tracing::error!(parent: &span, error = %e, "MCP tool call failed");
            }
        }
        if outcome.is_ok() {
            span.record("status", "success");
        }
        Ok(tool_result(outcome).into())
    }
}

/// The operation of a `tools/call` request (its log line, histogram series and summary row).
const OPERATION: &str = "mcp_tools_call";

/// Marks the `tools/call` span failed: `status` and `error` as on every timed operation.
/// Entered while it records, so that a call refused before its tool ran (never entered
/// otherwise) still has its trace and span ids on its log line.
fn failed(span: &tracing::Span, error: &str) {
    let _entered = span.enter();
    span.record("status", "error");
    span.record("error", error);
    span.record("otel.status_code", "ERROR");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_non_object_schema_is_listed_as_an_empty_object_schema() {
        let tool = to_mcp_tool(ToolDefinition {
            name: "odd",
            description: "d",
            parameters: json!(true),
        });
        assert_eq!(
            Value::Object((*tool.input_schema).clone()),
            json!({"type": "object"})
        );
    }

    #[test]
    fn failures_the_client_cannot_fix_say_unavailable_and_nothing_more() {
        for e in [
            ToolError::Unavailable("connection refused to 10.0.0.3:5432".into()),
            ToolError::Unexpected("SELECT * FROM tasks: syntax error".into()),
        ] {
            let result = tool_result(Err(e));
            assert_eq!(result.is_error, Some(true));
            assert_eq!(
                result.structured_content,
                Some(json!({"error": UNAVAILABLE_MESSAGE}))
            );
        }
    }

    /// A server that reads its user from each HTTP request, reached without one (mounted
    /// without the bearer guard, here over a pipe): every `tools/call` is refused as an
    /// invalid request before its tool runs (a tool's own failure would be a result with
    /// `isError`, not a protocol error), with the store down or not.
    #[tokio::test]
    async fn a_call_without_a_user_is_refused_and_runs_no_tool() {
        use rmcp::ServiceExt as _;
        use rmcp::model::{CallToolRequestParams, ErrorCode};
        use rmcp::service::ServiceError;
        use todo_domain::testing::InMemoryTaskRepository;

        let repo = Arc::new(InMemoryTaskRepository::new());
        repo.set_unavailable(true);
        let tools = ToolSet::task_tools(repo, |tool| tool);
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = TaskToolsServer::new(tools, Identity::PerRequest, "tcp");
        tokio::spawn(async move {
            if let Ok(running) = server.serve(tokio::io::split(server_io)).await {
                let _ = running.waiting().await;
            }
        });
        let client = ().serve(tokio::io::split(client_io)).await.expect("initialize");
        let mut arguments = JsonObject::new();
        arguments.insert("title".into(), json!("buy milk"));
        let refused = client
            .call_tool(CallToolRequestParams::new("add_task").with_arguments(arguments))
            .await
            .expect_err("refused");
        let ServiceError::McpError(error) = refused else {
            panic!("a JSON-RPC error, not {refused:?}");
        };
        assert_eq!(error.code, ErrorCode::INVALID_REQUEST);
        assert_eq!(error.message, "the request is not authenticated");
        client.cancel().await.expect("closes");
    }

    #[test]
    fn recoverable_failures_carry_their_message() {
        let result = tool_result(Err(ToolError::NotFound("task 3 not found".into())));
        assert_eq!(result.is_error, Some(true));
        assert_eq!(
            result.structured_content,
            Some(json!({"error": "task 3 not found"}))
        );
    }
}
