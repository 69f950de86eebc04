//! The five tools and the ToolSet against the in-memory repository (which passes the same
//! contract suite as the real adapters).

use std::sync::Arc;

use serde_json::{Value, json};
use todo_domain::UserId;
use todo_domain::testing::InMemoryTaskRepository;
use todo_tools::{ToolContext, ToolError, ToolSet};

fn ctx(user: &str) -> ToolContext {
    ToolContext {
        user_id: UserId::parse(user).expect("user"),
        conversation_id: None,
        call_id: Some("call_1".into()),
    }
}

fn set() -> (ToolSet, Arc<InMemoryTaskRepository>) {
    let repo = Arc::new(InMemoryTaskRepository::new());
    (ToolSet::task_tools(repo.clone(), |t| t), repo)
}

async fn call(set: &ToolSet, user: &str, name: &str, args: Value) -> Value {
    set.dispatch(&ctx(user), name, args)
        .await
        .expect("dispatch")
        .to_value()
}

#[tokio::test]
async fn definitions_list_the_five_tools_with_object_schemas() {
    let (set, _) = set();
    let defs = set.definitions();
    let names: Vec<_> = defs.iter().map(|d| d.name).collect();
    assert_eq!(
        names,
        [
            "add_task",
            "list_tasks",
            "complete_task",
            "update_task",
            "delete_task"
        ]
    );
    for d in defs.iter() {
        assert_eq!(d.parameters["type"], "object", "{}", d.name);
        assert!(!d.description.is_empty());
    }
    assert_eq!(defs[0].parameters["required"], json!(["title"]));
    for d in &defs[2..] {
        assert_eq!(d.parameters["required"], json!(["task_id"]), "{}", d.name);
    }
}

#[tokio::test]
async fn the_contract_results() {
    let (set, _) = set();
    let added = call(
        &set,
        "alice",
        "add_task",
        json!({"title": " buy milk ", "description": "2 l"}),
    )
    .await;
    assert_eq!(
        added,
        json!({"task_id": 1, "status": "created", "title": "buy milk"})
    );

    let listed = call(&set, "alice", "list_tasks", json!({})).await;
    let tasks = listed["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0]["id"], 1);
    assert_eq!(tasks[0]["title"], "buy milk");
    assert_eq!(tasks[0]["description"], "2 l");
    assert_eq!(tasks[0]["completed"], false);
    assert!(tasks[0]["created_at"].is_string() && tasks[0]["updated_at"].is_string());
    assert!(
        tasks[0].get("user_id").is_none(),
        "the owner is not part of a task's shape"
    );

    let done = call(&set, "alice", "complete_task", json!({"task_id": 1})).await;
    assert_eq!(
        done,
        json!({"task_id": 1, "status": "completed", "title": "buy milk"})
    );
    let pending = call(&set, "alice", "list_tasks", json!({"status": "pending"})).await;
    assert_eq!(pending, json!({"tasks": []}));
    let completed = call(&set, "alice", "list_tasks", json!({"status": "completed"})).await;
    assert_eq!(completed["tasks"].as_array().map(Vec::len), Some(1));

    let updated = call(
        &set,
        "alice",
        "update_task",
        json!({"task_id": "1", "title": "buy oat milk"}),
    )
    .await;
    assert_eq!(
        updated,
        json!({"task_id": 1, "status": "updated", "title": "buy oat milk"})
    );
    let cleared = call(
        &set,
        "alice",
        "update_task",
        json!({"task_id": 1, "description": null}),
    )
    .await;
    assert_eq!(cleared["status"], "updated");
    let listed = call(&set, "alice", "list_tasks", json!(null)).await;
    assert_eq!(listed["tasks"][0]["description"], Value::Null);

    let deleted = call(&set, "alice", "delete_task", json!({"task_id": 1})).await;
    assert_eq!(
        deleted,
        json!({"task_id": 1, "status": "deleted", "title": "buy oat milk"})
    );
    assert_eq!(
        call(&set, "alice", "list_tasks", json!({})).await,
        json!({"tasks": []})
    );
}

#[tokio::test]
async fn failures_become_error_results() {
    let (set, _) = set();
    call(&set, "bob", "add_task", json!({"title": "bob's"})).await;
    let cases = [
        ("add_task", json!({}), "title is required"),
        (
            "add_task",
            json!({"title": "   "}),
            "title must not be empty",
        ),
        ("add_task", json!({"title": "x".repeat(201)}), "at most 200"),
        (
            "add_task",
            json!({"title": "ok", "description": "d".repeat(1001)}),
            "at most 1000",
        ),
        ("add_task", json!({"title": 5}), "title must be a string"),
        ("add_task", json!([1, 2]), "must be a JSON object"),
        (
            "list_tasks",
            json!({"status": "done"}),
            "status must be one of",
        ),
        ("complete_task", json!({}), "task_id is required"),
        ("complete_task", json!({"task_id": 0}), "positive integer"),
        (
            "complete_task",
            json!({"task_id": "abc"}),
            "positive integer",
        ),
        ("complete_task", json!({"task_id": 99}), "task 99 not found"),
        ("complete_task", json!({"task_id": 1}), "task 1 not found"),
        (
            "update_task",
            json!({"task_id": 1, "title": "mine now"}),
            "task 1 not found",
        ),
        ("update_task", json!({"task_id": 1}), "nothing to update"),
        ("delete_task", json!({"task_id": 1}), "task 1 not found"),
        ("drop_database", json!({}), "unknown tool 'drop_database'"),
    ];
    for (name, args, expected) in cases {
        let result = call(&set, "alice", name, args.clone()).await;
        let message = result["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} {args}: {result}"));
        assert!(message.contains(expected), "{name} {args}: {message}");
        assert_eq!(result.as_object().map(|o| o.len()), Some(1), "{result}");
    }
    // bob's task is untouched by alice's attempts.
    let bobs = call(&set, "bob", "list_tasks", json!({})).await;
    assert_eq!(bobs["tasks"][0]["title"], "bob's");
    assert_eq!(bobs["tasks"][0]["completed"], false);
}

#[tokio::test]
async fn a_store_outage_is_an_error_of_the_request_not_a_result() {
    let (set, repo) = set();
    repo.set_unavailable(true);
    let err = set.dispatch(&ctx("alice"), "list_tasks", json!({})).await;
    assert!(matches!(err, Err(ToolError::Unavailable(_))), "{err:?}");
    let tool = set.get("add_task").expect("tool");
    let err = tool.call(&ctx("alice"), json!({"title": "x"})).await;
    assert!(matches!(err, Err(ToolError::Unavailable(_))));
    assert!(!ToolError::Unavailable(String::new()).is_recoverable());
}

#[tokio::test]
async fn a_tool_reports_its_failure_to_a_wrapper() {
    // The ToolSet turns NotFound into a result, but the tool itself returns Err, so that a
    // decorator around it can count the operation as an error.
    let (set, _) = set();
    let tool = set.get("delete_task").expect("tool");
    let err = tool.call(&ctx("alice"), json!({"task_id": 5})).await;
    assert_eq!(err, Err(ToolError::NotFound("task 5 not found".into())));
}
