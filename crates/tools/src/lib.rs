//! # todo-tools: the task tools the agent and MCP expose (core layer)
//!
//! The [`Tool`] port, the five task tools over a [`TaskRepository`], and the [`ToolSet`] that
//! lists their definitions for a model and dispatches a call by name. Depends on `todo-domain`
//! only (plus serde, serde_json, thiserror, async-trait, and itoa, serde_json's own integer
//! writer, for the hand-written listing JSON).
//!
//! A tool that cannot do its work returns a [`ToolError`]; the [`ToolSet`] turns the ones the
//! model can act on into the contract's `{"error": …}` result, and lets the store being down
//! through as an error of the whole request. Results are [`ToolOutput`]s: typed, written as the
//! contract's JSON.

mod output;
mod task_tools;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use todo_domain::{ConversationId, TaskRepository, TaskRepositoryError, UserId};

pub use output::{TaskList, ToolOutput, WrittenResult};
pub use task_tools::{AddTask, CompleteTask, DeleteTask, ListTasks, UpdateTask};

/// A tool as a model (or an MCP client) sees it: name, what it does, JSON-schema parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolDefinition {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// Who a call acts for: always the authenticated user, never a model-chosen argument.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub user_id: UserId,
    pub conversation_id: Option<ConversationId>,
    /// The model's id for this call, when it gave one.
    pub call_id: Option<String>,
}

/// Why a tool could not do its work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolError {
    /// An argument is missing, of the wrong type or invalid.
    #[error("{0}")]
    InvalidArguments(String),
    /// The task named does not exist for this user.
    #[error("{0}")]
    NotFound(String),
    /// No tool has that name.
    #[error("unknown tool '{0}'")]
    UnknownTool(String),
    /// The store is unreachable: the request as a whole fails (503), the model is not asked.
    #[error("the task store is unavailable: {0}")]
    Unavailable(String),
    /// A bug or a broken invariant.
    #[error("unexpected tool failure: {0}")]
    Unexpected(String),
}

impl ToolError {
    /// Whether the model can be told and go on (`{"error": …}` result) rather than the whole
    /// request failing.
    #[must_use]
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            Self::InvalidArguments(_) | Self::NotFound(_) | Self::UnknownTool(_)
        )
    }

    pub(crate) fn from_repo(err: TaskRepositoryError, what: impl FnOnce() -> String) -> Self {
        match err {
            TaskRepositoryError::NotFound => Self::NotFound(what()),
            TaskRepositoryError::Unavailable(m) => Self::Unavailable(m),
            TaskRepositoryError::Unexpected(m) => Self::Unexpected(m),
        }
    }
}

/// The port every tool implements. `call` receives the raw JSON arguments.
#[async_trait]
pub trait Tool: Send + Sync {
    fn definition(&self) -> ToolDefinition;

    /// Runs the tool for `ctx.user_id`.
    ///
    /// # Errors
    /// `InvalidArguments` for bad arguments, `NotFound` for an unknown task, `Unavailable`
    /// when the store cannot be reached, `Unexpected` otherwise.
    async fn call(&self, ctx: &ToolContext, arguments: Value) -> Result<ToolOutput, ToolError>;
}

/// The tools available to a model, by name.
#[derive(Clone)]
pub struct ToolSet {
    tools: Vec<Arc<dyn Tool>>,
    by_name: HashMap<&'static str, usize>,
    /// Built once: every agent round offers them, and building the JSON schemas per round
    /// showed in the chat profile.
    definitions: Arc<[ToolDefinition]>,
}

impl ToolSet {
    /// A set of the given tools; a later tool with the same name replaces an earlier one.
    #[must_use]
    pub fn new(tools: Vec<Arc<dyn Tool>>) -> Self {
        let definitions: Arc<[ToolDefinition]> = tools.iter().map(|t| t.definition()).collect();
        let by_name = definitions
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name, i))
            .collect();
        Self {
            tools,
            by_name,
            definitions,
        }
    }

    /// The five task tools over `repo`, each passed through `wrap` (the composition root uses
    /// it to put the timing decorator around every tool).
    #[must_use]
    pub fn task_tools(
        repo: Arc<dyn TaskRepository>,
        wrap: impl Fn(Arc<dyn Tool>) -> Arc<dyn Tool>,
    ) -> Self {
        let tools: Vec<Arc<dyn Tool>> = vec![
            Arc::new(AddTask::new(repo.clone())),
            Arc::new(ListTasks::new(repo.clone())),
            Arc::new(CompleteTask::new(repo.clone())),
            Arc::new(UpdateTask::new(repo.clone())),
            Arc::new(DeleteTask::new(repo)),
        ];
        Self::new(tools.into_iter().map(wrap).collect())
    }

    /// The tools' definitions, in the set's order (shared, not rebuilt).
    #[must_use]
    pub fn definitions(&self) -> Arc<[ToolDefinition]> {
        self.definitions.clone()
    }

    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.by_name.get(name).map(|&i| &self.tools[i])
    }

    /// Runs the named tool and returns its result; a failure the model can act on becomes the
    /// contract's `{"error": "…"}` result.
    ///
    /// # Errors
    /// The tool's error when it is not recoverable (the store is down, a bug).
    pub async fn dispatch(
        &self,
        ctx: &ToolContext,
        name: &str,
        arguments: Value,
    ) -> Result<ToolOutput, ToolError> {
        let outcome = match self.get(name) {
            Some(tool) => tool.call(ctx, arguments).await,
            None => Err(ToolError::UnknownTool(name.to_owned())),
        };
        match outcome {
            Ok(v) => Ok(v),
            Err(e) if e.is_recoverable() => Ok(error_result(&e.to_string())),
            Err(e) => Err(e),
        }
    }
}

/// The contract's result of a tool that could not do its work.
#[must_use]
pub fn error_result(message: &str) -> ToolOutput {
    ToolOutput::Error(message.to_owned())
}
