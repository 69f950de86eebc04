//! The stdio transport, driven by rmcp's client over an in-process pipe: `serve_io` is what
//! `serve_stdio` runs on stdin/stdout.

mod common;

use common::{Client, tool_set};
use rmcp::ServiceExt;
use todo_domain::UserId;
use todo_tools::ToolSet;

/// A client connected to a stdio server for `user`.
async fn connect(tools: ToolSet, user: &str) -> Client {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let user = UserId::parse(user).expect("a valid user id");
    tokio::spawn(async move {
        todo_mcp::serve_io(tools, user, server_read, server_write)
            .await
            .expect("the server ends cleanly");
    });
    let (client_read, client_write) = tokio::io::split(client_io);
    ().serve((client_read, client_write))
        .await
        .expect("initialize")
}

#[tokio::test]
async fn initialize_names_the_server_and_offers_tools() {
    let (tools, _) = tool_set();
    let client = connect(tools, "alice").await;
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
    let client = connect(tools, "alice").await;
    common::assert_lists_definitions(&client, &definitions).await;
}

#[tokio::test]
async fn each_tool_works() {
    let (tools, _) = tool_set();
    let client = connect(tools, "alice").await;
    common::assert_each_tool_works(&client).await;
}

#[tokio::test]
async fn failures_are_tool_errors_and_an_unknown_tool_is_a_protocol_error() {
    let (tools, _) = tool_set();
    let client = connect(tools, "alice").await;
    common::assert_errors(&client).await;
}

#[tokio::test]
async fn the_store_being_down_is_a_tool_error() {
    let (tools, repo) = tool_set();
    let client = connect(tools, "alice").await;
    common::assert_store_down_is_a_tool_error(&client, &repo).await;
}

#[tokio::test]
async fn each_server_acts_for_its_own_user_only() {
    let (tools, _) = tool_set();
    let alice = connect(tools.clone(), "alice").await;
    let bob = connect(tools, "bob").await;
    common::assert_isolated(&alice, &bob).await;
}

#[tokio::test]
async fn the_server_ends_when_the_client_goes_away() {
    let (tools, _) = tool_set();
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let (server_read, server_write) = tokio::io::split(server_io);
    let user = UserId::parse("alice").expect("a valid user id");
    let server = tokio::spawn(todo_mcp::serve_io(tools, user, server_read, server_write));
    let (client_read, client_write) = tokio::io::split(client_io);
    let client = ().serve((client_read, client_write)).await.expect("initialize");
    client.cancel().await.expect("closes");
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), server)
        .await
        .expect("the server stops within 5 s")
        .expect("no panic");
    assert!(outcome.is_ok(), "{outcome:?}");
}
