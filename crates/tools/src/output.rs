//! [`ToolOutput`]: a tool's result, typed, in the contract's JSON shapes (CONTRACT.md §3).

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use todo_domain::{Task, TaskId};

/// What a tool answers. Kept typed rather than as a `serde_json::Value`: a `list_tasks` result
/// holds every task of the user, and building it as a JSON tree (a map and owned keys per
/// task), writing it out twice and dropping it cost more of the server's CPU in the `new` load
/// scenario than reading the tasks from the database (BENCHMARKS.md, "The fifth pass").
/// [`Serialize`] writes the contract's object; [`ToolOutput::to_value`] gives it as a tree
/// where one is wanted (MCP's structured content, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOutput {
    /// `list_tasks`: `{"tasks": [Task]}`, oldest first.
    Tasks(Vec<Task>),
    /// A task added, completed, updated or deleted: `{"task_id", "status", "title"}`.
    Changed {
        task_id: TaskId,
        /// `created`, `completed`, `updated` or `deleted`.
        status: &'static str,
        title: String,
    },
    /// A call the model can correct (bad arguments, no such task, no such tool):
    /// `{"error": message}`.
    Error(String),
}

impl ToolOutput {
    /// The outcome of a change to `task`.
    #[must_use]
    pub fn changed(task: &Task, status: &'static str) -> Self {
        Self::Changed {
            task_id: task.id,
            status,
            title: task.title.clone(),
        }
    }

    /// The error message of an `{"error": …}` result.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Error(message) => Some(message),
            _ => None,
        }
    }

    /// The result as a JSON tree, as [`Serialize`] writes it.
    #[must_use]
    pub fn to_value(&self) -> Value {
        // A map with string keys of values that serialize: this cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The result's JSON text, compact (as the model and the content capture get it).
impl std::fmt::Display for ToolOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for ToolOutput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Tasks(tasks) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("tasks", tasks)?;
                map.end()
            }
            Self::Changed {
                task_id,
                status,
                title,
            } => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("task_id", task_id)?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("title", title)?;
                map.end()
            }
            Self::Error(message) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("error", message)?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use todo_domain::UserId;

    use super::*;

    fn task(id: i64, description: Option<&str>) -> Task {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:15:30.123456Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        Task {
            id: TaskId::new(id).expect("id"),
            user_id: UserId::parse("alice").expect("user"),
            title: format!("buy \"milk\" {id} \u{2615}"),
            description: description.map(str::to_owned),
            completed: id % 2 == 0,
            created_at: at,
            updated_at: at,
        }
    }

    /// The contract's shapes, and the same JSON a tree of the tasks' serde form would give.
    #[test]
    fn serializes_as_the_contract_says() {
        let tasks = vec![task(1, None), task(2, Some("before the 5th"))];
        let listing = ToolOutput::Tasks(tasks.clone());
        assert_eq!(listing.to_value(), json!({ "tasks": tasks }));
        assert_eq!(
            listing.to_value()["tasks"][1],
            json!({"id": 2, "title": "buy \"milk\" 2 \u{2615}", "description": "before the 5th",
                   "completed": true, "created_at": "2026-11-29T10:15:30.123456Z",
                   "updated_at": "2026-11-29T10:15:30.123456Z"})
        );
        assert_eq!(
            serde_json::from_str::<Value>(&listing.to_string()).expect("json"),
            listing.to_value()
        );
        let changed = ToolOutput::changed(&task(3, None), "completed");
        assert_eq!(
            changed.to_value(),
            json!({"task_id": 3, "status": "completed", "title": "buy \"milk\" 3 \u{2615}"})
        );
        assert_eq!(changed.error(), None);
        let error = ToolOutput::Error("task 9 not found".into());
        assert_eq!(error.to_value(), json!({"error": "task 9 not found"}));
        assert_eq!(error.error(), Some("task 9 not found"));
        assert_eq!(
            ToolOutput::Tasks(Vec::new()).to_value(),
            json!({"tasks": []})
        );
    }
}
