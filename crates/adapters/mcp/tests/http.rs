//! The streamable HTTP transport in a real poem server, driven by rmcp's client. A small
//! guard stands in for `todo-http`'s: `Authorization: Bearer <user>` becomes the request's
//! `UserId` data; no header, no data. It runs the request in a span, as the HTTP server's
//! telemetry does.

mod common;

use std::net::SocketAddr;

use common::{Client, tool_set};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Route, Server, http::header};
use rmcp::ServiceExt;
use rmcp::model::ProtocolVersion;
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};
use todo_domain::UserId;
use todo_tools::ToolSet;
use tracing::Instrument;

/// Serves `http_endpoint` at `/mcp` on a free port, behind the stand-in guard.
async fn spawn_server(tools: ToolSet) -> SocketAddr {
    let mcp = todo_mcp::http_endpoint(tools, vec!["localhost".into(), "127.0.0.1".into()]);
    let app = Route::new()
        .nest("/mcp", mcp)
        .around(|ep, mut req: Request| async move {
            let user = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(|u| UserId::parse(u).expect("a valid user id"));
            if let Some(user) = user {
                req.set_data(user);
            }
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
    addr
}

fn transport(addr: SocketAddr, user: &str) -> StreamableHttpClientTransport<reqwest::Client> {
    StreamableHttpClientTransport::with_client(
        client(),
        StreamableHttpClientTransportConfig::with_uri(format!("http://{addr}/mcp"))
            .auth_header(user),
    )
}

/// A client with a session (the `initialize` handshake, as today's clients do).
async fn connect(addr: SocketAddr, user: &str) -> Client {
    ().serve(transport(addr, user)).await.expect("initialize")
}

#[tokio::test]
async fn initialize_names_the_server_and_offers_tools() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let client = connect(addr, "alice").await;
    let info = client.peer_info().expect("the server's initialize result");
    assert_eq!(
        info.server_info.as_ref().map(|i| i.name.as_str()),
        Some("todo-chatbot")
    );
    assert!(info.capabilities.tools.is_some());
    client.cancel().await.expect("closes");
}

#[tokio::test]
async fn lists_the_tool_set_definitions() {
    let (tools, _) = tool_set();
    let definitions = tools.definitions();
    let addr = spawn_server(tools).await;
    let client = connect(addr, "alice").await;
    common::assert_lists_definitions(&client, &definitions).await;
}

#[tokio::test]
async fn each_tool_works() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let client = connect(addr, "alice").await;
    common::assert_each_tool_works(&client).await;
}

#[tokio::test]
async fn failures_are_tool_errors_and_an_unknown_tool_is_a_protocol_error() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let client = connect(addr, "alice").await;
    common::assert_errors(&client).await;
}

#[tokio::test]
async fn the_store_being_down_is_a_tool_error() {
    let (tools, repo) = tool_set();
    let addr = spawn_server(tools).await;
    let client = connect(addr, "alice").await;
    common::assert_store_down_is_a_tool_error(&client, &repo).await;
}

#[tokio::test]
async fn each_session_acts_for_its_own_user_only() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let alice = connect(addr, "alice").await;
    let bob = connect(addr, "bob").await;
    common::assert_isolated(&alice, &bob).await;
}

#[tokio::test]
async fn stateless_clients_of_the_newest_protocol_act_for_their_own_user() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let modern = |user| {
        ().serve_with_lifecycle(
            transport(addr, user),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
    };
    let alice = modern("alice").await.expect("discover");
    let bob = modern("bob").await.expect("discover");
    common::assert_isolated(&alice, &bob).await;
}

fn initialize_body() -> Value {
    json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}
        }
    })
}

fn post(addr: SocketAddr, user: Option<&str>, body: &Value) -> reqwest::RequestBuilder {
    let req = client()
        .post(format!("http://{addr}/mcp"))
        .header(header::ACCEPT, "application/json, text/event-stream")
        .json(body);
    match user {
        Some(user) => req.bearer_auth(user),
        None => req,
    }
}

#[tokio::test]
async fn a_request_without_a_user_is_401_in_the_contract_shape() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let resp = post(addr, None, &initialize_body())
        .send()
        .await
        .expect("answers");
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.headers()
            .get(header::WWW_AUTHENTICATE)
            .map(|v| v.to_str().unwrap()),
        Some("Bearer")
    );
    let body: Value = resp.json().await.expect("a JSON body");
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(body["error"]["message"].is_string());

    let get = client()
        .get(format!("http://{addr}/mcp"))
        .header(header::ACCEPT, "text/event-stream")
        .send()
        .await
        .expect("answers");
    assert_eq!(get.status(), 401);
}

#[tokio::test]
async fn a_session_answers_only_the_user_who_opened_it() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let session = open_session(addr, "alice").await;
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});

    let hijack = post(addr, Some("bob"), &list)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .send()
        .await
        .expect("answers");
    assert_eq!(hijack.status(), 404, "as if the session did not exist");
    let body: Value = hijack.json().await.expect("a JSON body");
    assert_eq!(body["error"]["code"], "not_found");

    for (body, status) in [(&initialized, 202), (&list, 200)] {
        let own = post(addr, Some("alice"), body)
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-06-18")
            .send()
            .await
            .expect("answers");
        assert_eq!(own.status(), status, "{body}");
    }
}

/// A session for `user`, opened with a raw `initialize`; its id.
async fn open_session(addr: SocketAddr, user: &str) -> String {
    let opened = post(addr, Some(user), &initialize_body())
        .send()
        .await
        .expect("answers");
    assert_eq!(opened.status(), 200);
    opened
        .headers()
        .get("mcp-session-id")
        .expect("a session id")
        .to_str()
        .expect("ASCII")
        .to_owned()
}

#[tokio::test]
async fn closing_a_session_answers_204_and_ends_it() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let session = open_session(addr, "alice").await;
    let delete = |user: &'static str| {
        client()
            .delete(format!("http://{addr}/mcp"))
            .bearer_auth(user)
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-06-18")
            .send()
    };
    let bobs = delete("bob").await.expect("answers");
    assert_eq!(bobs.status(), 404, "bob cannot close alice's session");
    let closed = delete("alice").await.expect("answers");
    assert_eq!(closed.status(), 204);
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let after = post(addr, Some("alice"), &list)
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .send()
        .await
        .expect("answers");
    assert_eq!(after.status(), 404, "the session is gone");
}

#[tokio::test]
async fn hosts_outside_the_allowed_list_are_refused() {
    let (tools, _) = tool_set();
    let addr = spawn_server(tools).await;
    let resp = post(addr, Some("alice"), &initialize_body())
        .header(header::HOST, "evil.example")
        .send()
        .await
        .expect("answers");
    assert_eq!(resp.status(), 403);
}

/// A reqwest client. The workspace builds reqwest with rustls and no crypto provider of its
/// own (the binary installs ring's at start); a test process installs it here.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
