//! Test support: tool results written as the contract's JSON, turned into [`ToolOutput`]s.

use serde_json::Value;
use todo_domain::{Task, TaskId, Timestamp, UserId};
use todo_tools::ToolOutput;

/// The [`ToolOutput`] whose JSON is `value` (`{"tasks": …}`, `{"task_id", "status", "title"}`
/// or `{"error": …}`); a listed task may leave out `description` and `completed`.
///
/// # Panics
/// On JSON of no such shape.
pub(crate) fn output(value: &Value) -> ToolOutput {
    if let Some(message) = value.get("error") {
        return ToolOutput::Error(message.as_str().expect("an error text").to_owned());
    }
    if let Some(tasks) = value.get("tasks") {
        let task = |t: &Value| Task {
            id: TaskId::new(t["id"].as_i64().expect("an id")).expect("a task id"),
            user_id: UserId::parse("alice").expect("user"),
            title: t["title"].as_str().expect("a title").to_owned(),
            description: t
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            completed: t.get("completed").and_then(Value::as_bool).unwrap_or(false),
            created_at: Timestamp::default(),
            updated_at: Timestamp::default(),
        };
        return ToolOutput::Tasks(
            tasks
                .as_array()
                .expect("a list")
                .iter()
                .map(task)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let status = match value["status"].as_str().expect("a status") {
        "created" => "created",
        "completed" => "completed",
        "updated" => "updated",
        "deleted" => "deleted",
        other => panic!("no tool answers status {other}"),
    };
    ToolOutput::Changed {
        task_id: TaskId::new(value["task_id"].as_i64().expect("a task_id")).expect("a task id"),
        status,
        title: value["title"].as_str().expect("a title").to_owned(),
    }
}
