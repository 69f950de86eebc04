//! The five task tools. Arguments are checked here, against the same domain rules the HTTP
//! API uses (the newtypes), so a model gets the same answer a person would.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value, json};
use todo_domain::{
    NewTask, TaskDescription, TaskId, TaskPatch, TaskRepository, TaskStatusFilter, TaskTitle,
};

use crate::{Tool, ToolContext, ToolDefinition, ToolError, ToolOutput};

fn object(arguments: Value) -> Result<Map<String, Value>, ToolError> {
    match arguments {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(ToolError::InvalidArguments(format!(
            "arguments must be a JSON object, got {}",
            kind(&other)
        ))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `task_id` as a positive integer; a string of digits is accepted too, as models send both.
fn task_id(args: &Map<String, Value>) -> Result<TaskId, ToolError> {
    let raw = match args.get("task_id") {
        None | Some(Value::Null) => {
            return Err(ToolError::InvalidArguments("task_id is required".into()));
        }
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().trim_start_matches('#').parse::<i64>().ok(),
        Some(_) => None,
    };
    raw.and_then(|n| TaskId::new(n).ok())
        .ok_or_else(|| ToolError::InvalidArguments("task_id must be a positive integer".into()))
}

fn optional_str<'a>(
    args: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<&'a str>, ToolError> {
    match args.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ToolError::InvalidArguments(format!(
            "{field} must be a string, got {}",
            kind(other)
        ))),
    }
}

fn invalid(e: todo_domain::ValidationError) -> ToolError {
    ToolError::InvalidArguments(e.to_string())
}

fn not_found(id: TaskId) -> impl FnOnce() -> String {
    move || format!("task {id} not found")
}

macro_rules! repo_tool {
    ($name:ident) => {
        pub struct $name {
            repo: Arc<dyn TaskRepository>,
        }

        impl $name {
            #[must_use]
            pub fn new(repo: Arc<dyn TaskRepository>) -> Self {
                Self { repo }
            }
        }
    };
}

repo_tool!(AddTask);
repo_tool!(ListTasks);
repo_tool!(CompleteTask);
repo_tool!(UpdateTask);
repo_tool!(DeleteTask);

#[async_trait]
impl Tool for AddTask {
    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "add_task",
            description: "Create a new task on the user's to-do list.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": TaskTitle::MAX_CHARS,
                              "description": "Short title of the task"},
                    "description": {"type": ["string", "null"], "maxLength": TaskDescription::MAX_CHARS,
                                    "description": "Optional longer description"}
                },
                "required": ["title"],
                "additionalProperties": false
            }),
        }
    }

    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args = object(arguments)?;
        let title = match optional_str(&args, "title")? {
            Some(t) => TaskTitle::parse(t).map_err(invalid)?,
            None => return Err(ToolError::InvalidArguments("title is required".into())),
        };
        let description = TaskDescription::parse_optional(optional_str(&args, "description")?)
            .map_err(invalid)?;
        let task = self
            .repo
            .insert_task(&ctx.user_id, NewTask { title, description })
            .await
            .map_err(|e| ToolError::from_repo(e, String::new))?;
        Ok(ToolOutput::changed(&task, "created"))
    }
}

#[async_trait]
impl Tool for ListTasks {
    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "list_tasks",
            description: "List the user's tasks, optionally only pending or only completed ones.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "status": {"type": "string", "enum": ["all", "pending", "completed"],
                               "default": "all", "description": "Which tasks to list"}
                },
                "additionalProperties": false
            }),
        }
    }

    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args = object(arguments)?;
        let filter = match optional_str(&args, "status")? {
            Some(s) => TaskStatusFilter::parse(s).map_err(invalid)?,
            None => TaskStatusFilter::All,
        };
        let tasks = self
            .repo
            .list_tasks(&ctx.user_id, filter)
            .await
            .map_err(|e| ToolError::from_repo(e, String::new))?;
        Ok(ToolOutput::Tasks(tasks.into()))
    }
}

fn task_id_schema() -> Value {
    json!({"type": "integer", "minimum": 1, "description": "The task's id"})
}

#[async_trait]
impl Tool for CompleteTask {
    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "complete_task",
            description: "Mark one of the user's tasks as completed.",
            parameters: json!({
                "type": "object",
                "properties": { "task_id": task_id_schema() },
                "required": ["task_id"],
                "additionalProperties": false
            }),
        }
    }

    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError> {
        let id = task_id(&object(arguments)?)?;
        let task = self
            .repo
            .set_completed(&ctx.user_id, id, Some(true))
            .await
            .map_err(|e| ToolError::from_repo(e, not_found(id)))?;
        Ok(ToolOutput::changed(&task, "completed"))
    }
}

#[async_trait]
impl Tool for UpdateTask {
    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "update_task",
            description: "Change the title and/or the description of one of the user's tasks. \
                          A null description clears it.",
            parameters: json!({
                "type": "object",
                "properties": {
                    "task_id": task_id_schema(),
                    "title": {"type": "string", "minLength": 1, "maxLength": TaskTitle::MAX_CHARS,
                              "description": "New title"},
                    "description": {"type": ["string", "null"], "maxLength": TaskDescription::MAX_CHARS,
                                    "description": "New description, or null to clear it"}
                },
                "required": ["task_id"],
                "additionalProperties": false
            }),
        }
    }

    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args = object(arguments)?;
        let id = task_id(&args)?;
        let title = optional_str(&args, "title")?
            .map(TaskTitle::parse)
            .transpose()
            .map_err(invalid)?;
        let description = if args.contains_key("description") {
            Some(
                TaskDescription::parse_optional(optional_str(&args, "description")?)
                    .map_err(invalid)?,
            )
        } else {
            None
        };
        let patch = TaskPatch { title, description };
        if patch.is_empty() {
            return Err(ToolError::InvalidArguments(
                "nothing to update: give a title or a description".into(),
            ));
        }
        let task = self
            .repo
            .update_task(&ctx.user_id, id, patch)
            .await
            .map_err(|e| ToolError::from_repo(e, not_found(id)))?;
        Ok(ToolOutput::changed(&task, "updated"))
    }
}

#[async_trait]
impl Tool for DeleteTask {
    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: "delete_task",
            description: "Delete one of the user's tasks.",
            parameters: json!({
                "type": "object",
                "properties": { "task_id": task_id_schema() },
                "required": ["task_id"],
                "additionalProperties": false
            }),
        }
    }

    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError> {
        let id = task_id(&object(arguments)?)?;
        let task = self
            .repo
            .delete_task(&ctx.user_id, id)
            .await
            .map_err(|e| ToolError::from_repo(e, not_found(id)))?;
        Ok(ToolOutput::changed(&task, "deleted"))
    }
}
