//! [`ToolOutput`]: a tool's result, typed, in the contract's JSON shapes (CONTRACT.md §3).

use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
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
    Tasks(TaskList),
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

/// The tasks of a `list_tasks` result, and the result's JSON text, written the first time it
/// is wanted and kept: a chat that lists hundreds of tasks needs that text for the model (the
/// offline model's token count, the OpenAI adapter's tool message) and again for the chat
/// answer, and writing it was, twice, an eighth of the server's CPU under load (BENCHMARKS.md,
/// "The sixth pass"). Serialized as that text through `serde_json`'s `RawValue`: the JSON
/// serializers (`to_writer`, `to_string`, `to_vec`, `to_value`) take it as it is; the
/// service serializes a result with nothing else.
#[derive(Debug, Clone, Default)]
pub struct TaskList {
    tasks: Vec<Task>,
    json: OnceLock<Box<RawValue>>,
}

impl TaskList {
    /// `{"tasks": [...]}`, compact.
    #[must_use]
    pub fn json(&self) -> &RawValue {
        self.json.get_or_init(|| {
            struct Listing<'a>(&'a [Task]);
            impl Serialize for Listing<'_> {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    let mut map = serializer.serialize_map(Some(1))?;
                    map.serialize_entry("tasks", self.0)?;
                    map.end()
                }
            }
            // Tasks always serialize (strings, numbers, booleans and timestamps; map keys
            // are strings): this cannot fail.
            serde_json::value::to_raw_value(&Listing(&self.tasks)).unwrap_or_default()
        })
    }

    /// The tasks.
    #[must_use]
    pub fn into_vec(self) -> Vec<Task> {
        self.tasks
    }
}

impl From<Vec<Task>> for TaskList {
    fn from(tasks: Vec<Task>) -> Self {
        Self {
            tasks,
            json: OnceLock::new(),
        }
    }
}

impl std::ops::Deref for TaskList {
    type Target = [Task];

    fn deref(&self) -> &[Task] {
        &self.tasks
    }
}

/// Two listings are equal when their tasks are (the text follows from them).
impl PartialEq for TaskList {
    fn eq(&self, other: &Self) -> bool {
        self.tasks == other.tasks
    }
}

impl Eq for TaskList {}

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
            Self::Tasks(tasks) => tasks.json().serialize(serializer),
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

    /// A listing's text is written once and is what every JSON serializer writes, inside a
    /// larger document too (as the chat answer is written); a clone keeps it.
    #[test]
    fn a_listing_is_written_once_and_the_same_everywhere() {
        #[derive(serde::Serialize)]
        struct Answer<'a> {
            response: &'a str,
            result: &'a ToolOutput,
        }
        let tasks: Vec<Task> = (1..=300)
            .map(|i| task(i, (i % 3 == 0).then_some("a\tb")))
            .collect();
        let listing = ToolOutput::Tasks(tasks.clone().into());
        let ToolOutput::Tasks(list) = &listing else {
            unreachable!("a listing")
        };
        assert_eq!(list.len(), 300);
        let text = list.json();
        assert!(std::ptr::eq(text, list.json()), "written once");
        let tree = json!({ "tasks": tasks });
        assert_eq!(
            serde_json::from_str::<Value>(text.get()).expect("json"),
            tree
        );
        assert_eq!(listing.to_string(), text.get());
        let answer = serde_json::to_vec(&Answer {
            response: "Here are your tasks.",
            result: &listing,
        })
        .expect("json");
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).expect("json"),
            json!({"response": "Here are your tasks.", "result": tree})
        );
        let mut written = Vec::new();
        serde_json::to_writer(&mut written, &listing).expect("json");
        assert_eq!(written, text.get().as_bytes());
        let copy = listing.clone();
        assert_eq!(copy, listing);
        assert_eq!(copy.to_string(), text.get());
        let ToolOutput::Tasks(copy) = copy else {
            unreachable!("a listing")
        };
        assert_eq!(copy.into_vec(), tasks);
    }

    /// The contract's shapes, and the same JSON a tree of the tasks' serde form would give.
    #[test]
    fn serializes_as_the_contract_says() {
        let tasks = vec![task(1, None), task(2, Some("before the 5th"))];
        let listing = ToolOutput::Tasks(tasks.clone().into());
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
            ToolOutput::Tasks(Vec::new().into()).to_value(),
            json!({"tasks": []})
        );
    }
}
