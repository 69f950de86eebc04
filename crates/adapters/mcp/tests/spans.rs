//! The `tools/call {tool}` server span: its name and attributes (with its operation and
//! status, as on every timed span) on both transports, and its place in the trace (a root on
//! stdio, the HTTP request's child over HTTP). Each test acts for a user of its own, to find
//! its spans in the process-wide capture.

#[path = "support/capture.rs"]
mod capture;

use std::sync::Arc;

use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Route, Server};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use todo_domain::UserId;
use todo_domain::testing::InMemoryTaskRepository;
use todo_tools::ToolSet;
use tracing::Instrument;

fn tool_set() -> ToolSet {
    ToolSet::task_tools(Arc::new(InMemoryTaskRepository::new()), |tool| tool)
}

async fn call(
    client: &RunningService<RoleClient, ()>,
    name: &str,
    arguments: Value,
) -> Result<CallToolResult, ServiceError> {
    let Value::Object(arguments) = arguments else {
        panic!("arguments must be an object");
    };
    client
        .call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments))
        .await
}

#[tokio::test]
async fn stdio_calls_are_server_spans_each_a_trace_of_its_own() {
    let capture = capture::global();
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let user = UserId::parse("span-stdio").expect("valid");
    tokio::spawn(todo_mcp::serve_io(
        tool_set(),
        user,
        server_read,
        server_write,
    ));
    let (client_read, client_write) = tokio::io::split(client_io);
    let client = ().serve((client_read, client_write)).await.expect("initialize");

    let added = call(&client, "add_task", json!({"title": "x"}))
        .await
        .expect("a result");
    assert_eq!(added.is_error, Some(false));
    let failed = call(&client, "complete_task", json!({"task_id": 42}))
        .await
        .expect("a result");
    assert_eq!(failed.is_error, Some(true));

    let spans = capture.tool_calls("span-stdio");
    assert_eq!(spans.len(), 2, "{spans:#?}");
    assert!(
        spans.iter().all(|s| s.parent.is_none()),
        "each call is a trace of its own: {spans:#?}"
    );
    let add = &spans[0].fields;
    assert_eq!(add["otel.name"], "tools/call add_task");
    assert_eq!(add["otel.kind"], "server");
    assert_eq!(add["mcp.method.name"], "tools/call");
    assert_eq!(add["gen_ai.tool.name"], "add_task");
    assert_eq!(add["enduser.id"], "span-stdio");
    assert_eq!(add["network.transport"], "pipe");
    assert!(!add["jsonrpc.request.id"].is_empty());
    assert!(add.contains_key("mcp.protocol.version"), "{add:?}");
    assert!(!add.contains_key("error.type"), "{add:?}");
    assert!(!add.contains_key("mcp.session.id"), "no session on stdio");
    assert_eq!(add["operation"], "mcp_tools_call");
    assert_eq!(add["status"], "success");
    assert!(!add.contains_key("error"), "{add:?}");
    let complete = &spans[1].fields;
    assert_eq!(complete["otel.name"], "tools/call complete_task");
    assert_eq!(complete["error.type"], "tool_error");
    assert_eq!(complete["operation"], "mcp_tools_call");
    assert_eq!(complete["status"], "error");
    assert_eq!(complete["otel.status_code"], "ERROR");
    assert!(complete["error"].contains("42"), "{complete:?}");
    assert_ne!(complete["jsonrpc.request.id"], add["jsonrpc.request.id"]);
}

#[tokio::test]
async fn http_calls_carry_the_session_and_are_children_of_the_request_span() {
    let capture = capture::global();
    let mcp = todo_mcp::http_endpoint(tool_set(), vec!["127.0.0.1".into()]);
    let app = Route::new()
        .nest("/mcp", mcp)
        .around(|ep, mut req: Request| async move {
            req.set_data(UserId::parse("span-http").expect("valid"));
            ep.call(req)
                .instrument(tracing::info_span!("http request"))
                .await
                .map(IntoResponse::into_response)
        });
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("binds");
    let addr = *acceptor.local_addr()[0]
        .as_socket_addr()
        .expect("a socket address");
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    let transport = StreamableHttpClientTransport::with_client(
        client(),
        StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp")),
    );
    let client = ().serve(transport).await.expect("initialize");

    let listed = call(&client, "list_tasks", json!({}))
        .await
        .expect("a result");
    assert_eq!(listed.is_error, Some(false));
    assert!(call(&client, "no_such_tool", json!({})).await.is_err());

    let spans = capture.tool_calls("span-http");
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let list = &spans[0];
    assert_eq!(list.parent.as_deref(), Some("http request"), "{spans:#?}");
    assert_eq!(list.fields["otel.name"], "tools/call list_tasks");
    assert_eq!(list.fields["network.transport"], "tcp");
    assert!(!list.fields["mcp.session.id"].is_empty(), "{list:?}");
    assert!(list.fields.contains_key("mcp.protocol.version"), "{list:?}");
    let unknown = &spans[1].fields;
    assert_eq!(
        unknown["otel.name"], "tools/call",
        "a client's name stays out"
    );
    assert!(!unknown.contains_key("gen_ai.tool.name"), "{unknown:?}");
    assert_eq!(unknown["error.type"], "-32602");
    assert!(
        spans.iter().all(|s| s.entered),
        "every call's span is entered, the refused one too, so that its log line carries \
         its trace and span ids: {spans:#?}"
    );
    assert_eq!(unknown["status"], "error");
    assert_eq!(
        unknown["error"], "unknown tool",
        "a client's name stays out"
    );
    assert_eq!(list.fields["operation"], "mcp_tools_call");
    assert_eq!(list.fields["status"], "success");
}

/// A reqwest client. The workspace builds reqwest with rustls and no crypto provider of its
/// own (the binary installs ring's at start); a test process installs it here.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
