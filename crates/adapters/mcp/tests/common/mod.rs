//! What both transport tests share: the tool set over an in-memory store, and the checks any
//! connected rmcp client must pass.

use std::sync::Arc;

use rmcp::model::{CallToolRequestParams, CallToolResult, ErrorCode, JsonObject};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use serde_json::{Value, json};
use todo_domain::testing::InMemoryTaskRepository;
use todo_tools::{ToolDefinition, ToolSet};

pub type Client = RunningService<RoleClient, ()>;

/// The five task tools over a fresh in-memory store (returned too, to switch it off).
pub fn tool_set() -> (ToolSet, Arc<InMemoryTaskRepository>) {
    let repo = Arc::new(InMemoryTaskRepository::new());
    (ToolSet::task_tools(repo.clone(), |tool| tool), repo)
}

/// `tools/call`, failing the test on a protocol error.
pub async fn call(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    try_call(client, name, arguments)
        .await
        .unwrap_or_else(|e| panic!("tools/call {name} failed: {e}"))
}

pub async fn try_call(
    client: &Client,
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

/// The structured content of a successful call, checking the text rendering says the same.
pub fn ok(result: &CallToolResult) -> Value {
    assert_eq!(result.is_error, Some(false), "expected success: {result:?}");
    structured(result)
}

/// The `error` message of a failed call (`isError: true`, `{"error": "…"}`).
pub fn error_message(result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected a tool error: {result:?}"
    );
    let value = structured(result);
    let keys: Vec<_> = value.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["error"], "only the contract's error key: {value}");
    value["error"].as_str().expect("a string").to_owned()
}

fn structured(result: &CallToolResult) -> Value {
    let value = result
        .structured_content
        .clone()
        .expect("structured content");
    assert_eq!(result.content.len(), 1, "one text block: {result:?}");
    let text = &result.content[0].as_text().expect("a text block").text;
    let parsed: Value = serde_json::from_str(text).expect("the text is JSON");
    assert_eq!(parsed, value, "the text renders the structured content");
    value
}

/// `tools/list` names, descriptions and schemas are the tool set's definitions, unchanged.
pub async fn assert_lists_definitions(client: &Client, definitions: &[ToolDefinition]) {
    let listed = client.list_all_tools().await.expect("tools/list");
    assert_eq!(listed.len(), 5);
    assert_eq!(listed.len(), definitions.len());
    for (tool, def) in listed.iter().zip(definitions) {
        assert_eq!(tool.name, def.name);
        assert_eq!(tool.description.as_deref(), Some(def.description));
        assert_eq!(
            Value::Object(JsonObject::clone(&tool.input_schema)),
            def.parameters
        );
    }
}

/// add → list → complete → update → delete, each result as the contract words it.
pub async fn assert_each_tool_works(client: &Client) {
    let added = ok(&call(
        client,
        "add_task",
        json!({"title": "buy milk", "description": "two litres"}),
    )
    .await);
    assert_eq!(added["status"], "created");
    assert_eq!(added["title"], "buy milk");
    let id = added["task_id"].as_i64().expect("an integer id");

    let listed = ok(&call(client, "list_tasks", json!({})).await);
    let tasks = listed["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["id"], id);
    assert_eq!(tasks[0]["description"], "two litres");
    assert_eq!(tasks[0]["completed"], false);

    let completed = ok(&call(client, "complete_task", json!({"task_id": id})).await);
    assert_eq!(
        completed,
        json!({"task_id": id, "status": "completed", "title": "buy milk"})
    );
    let done = ok(&call(client, "list_tasks", json!({"status": "completed"})).await);
    assert_eq!(done["tasks"][0]["completed"], true);
    let pending = ok(&call(client, "list_tasks", json!({"status": "pending"})).await);
    assert_eq!(pending["tasks"], json!([]));

    let updated = ok(&call(
        client,
        "update_task",
        json!({"task_id": id, "title": "buy oat milk"}),
    )
    .await);
    assert_eq!(
        updated,
        json!({"task_id": id, "status": "updated", "title": "buy oat milk"})
    );

    let deleted = ok(&call(client, "delete_task", json!({"task_id": id})).await);
    assert_eq!(
        deleted,
        json!({"task_id": id, "status": "deleted", "title": "buy oat milk"})
    );
    let listed = ok(&call(client, "list_tasks", json!({})).await);
    assert_eq!(listed["tasks"], json!([]));
}

/// Invalid arguments and unknown tasks are tool results with `isError: true`; an unknown tool
/// is the protocol error the MCP specification names (-32602).
pub async fn assert_errors(client: &Client) {
    let missing = error_message(&call(client, "add_task", json!({})).await);
    assert_eq!(missing, "title is required");
    let blank = error_message(&call(client, "add_task", json!({"title": "   "})).await);
    assert!(blank.contains("title"), "{blank}");
    let bad_id = error_message(&call(client, "complete_task", json!({"task_id": -3})).await);
    assert_eq!(bad_id, "task_id must be a positive integer");
    let bad_status = error_message(&call(client, "list_tasks", json!({"status": "later"})).await);
    assert!(bad_status.contains("status"), "{bad_status}");
    let unknown_task =
        error_message(&call(client, "delete_task", json!({"task_id": 999_999})).await);
    assert_eq!(unknown_task, "task 999999 not found");

    match try_call(client, "drop_database", json!({})).await {
        Err(ServiceError::McpError(e)) => {
            assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
            assert!(e.message.contains("drop_database"), "{}", e.message);
        }
        other => panic!("expected a -32602 protocol error, got {other:?}"),
    }
}

/// The store being down is a tool error saying the service is unavailable, with no detail.
pub async fn assert_store_down_is_a_tool_error(client: &Client, repo: &InMemoryTaskRepository) {
    repo.set_unavailable(true);
    let result = call(client, "list_tasks", json!({})).await;
    repo.set_unavailable(false);
    let message = error_message(&result);
    assert!(message.contains("unavailable"), "{message}");
    assert!(!message.contains("in-memory"), "no internals: {message}");
}

/// `bob` neither sees nor changes `alice`'s tasks.
pub async fn assert_isolated(alice: &Client, bob: &Client) {
    let added = ok(&call(alice, "add_task", json!({"title": "alice's secret"})).await);
    let id = added["task_id"].clone();
    let bobs = ok(&call(bob, "list_tasks", json!({})).await);
    assert_eq!(bobs["tasks"], json!([]), "bob sees none of alice's tasks");
    for tool in ["complete_task", "delete_task"] {
        let message = error_message(&call(bob, tool, json!({"task_id": id})).await);
        assert!(message.contains("not found"), "{tool}: {message}");
    }
    let message =
        error_message(&call(bob, "update_task", json!({"task_id": id, "title": "x"})).await);
    assert!(message.contains("not found"), "{message}");
    let alices = ok(&call(alice, "list_tasks", json!({})).await);
    assert_eq!(alices["tasks"][0]["title"], "alice's secret");
    assert_eq!(alices["tasks"][0]["completed"], false);
}
