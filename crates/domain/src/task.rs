use async_trait::async_trait;
use serde::Serialize;

use crate::{TaskDescription, TaskId, TaskTitle, Timestamp, UserId, ValidationError};

/// A user's to-do item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    pub id: TaskId,
    #[serde(skip)]
    pub user_id: UserId,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: Timestamp,
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: Timestamp,
}

/// What a new task holds before the store gives it an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub title: TaskTitle,
    pub description: Option<TaskDescription>,
}

/// A partial update: `None` leaves a field alone; `description: Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskPatch {
    pub title: Option<TaskTitle>,
    pub description: Option<Option<TaskDescription>>,
}

impl TaskPatch {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.description.is_none()
    }
}

/// Which tasks a listing returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TaskStatusFilter {
    #[default]
    All,
    Pending,
    Completed,
}

impl TaskStatusFilter {
    /// # Errors
    /// [`ValidationError`] for anything but `all`, `pending` or `completed`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "all" => Ok(Self::All),
            "pending" => Ok(Self::Pending),
            "completed" => Ok(Self::Completed),
            _ => Err(ValidationError::new(
                "status",
                "must be one of all, pending, completed",
            )),
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Pending => "pending",
            Self::Completed => "completed",
        }
    }

    #[must_use]
    pub fn matches(self, completed: bool) -> bool {
        match self {
            Self::All => true,
            Self::Pending => !completed,
            Self::Completed => completed,
        }
    }
}

/// Why a [`TaskRepository`] call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskRepositoryError {
    /// No task with that id belongs to that user (whether or not another user has one).
    #[error("task not found")]
    NotFound,
    /// The store cannot be reached or timed out; the caller may retry later.
    #[error("the task store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else the store reported; a bug or a broken invariant.
    #[error("unexpected task store error: {0}")]
    Unexpected(String),
}

/// The port through which the core reads and writes tasks. Every method is scoped to one
/// user: a task of another user behaves exactly as a missing one.
#[async_trait]
pub trait TaskRepository: Send + Sync {
    /// Stores a new task, not completed, and returns it with its id and timestamps.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn insert_task(&self, user: &UserId, task: NewTask) -> Result<Task, TaskRepositoryError>;

    /// The user's tasks matching `filter`, oldest first (by id, which follows insertion order).
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn list_tasks(
        &self,
        user: &UserId,
        filter: TaskStatusFilter,
    ) -> Result<Vec<Task>, TaskRepositoryError>;

    /// One task of the user.
    ///
    /// # Errors
    /// `NotFound` when the user has no such task; `Unavailable`, `Unexpected` as above.
    async fn get_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError>;

    /// Applies `patch` (an empty patch changes nothing but is still checked for existence)
    /// and returns the task as stored afterwards; `updated_at` moves when a field changes.
    ///
    /// # Errors
    /// `NotFound` when the user has no such task; `Unavailable`, `Unexpected` as above.
    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: TaskPatch,
    ) -> Result<Task, TaskRepositoryError>;

    /// Sets `completed` to the given value, or flips it when `None`, and returns the task.
    ///
    /// # Errors
    /// `NotFound` when the user has no such task; `Unavailable`, `Unexpected` as above.
    async fn set_completed(
        &self,
        user: &UserId,
        id: TaskId,
        completed: Option<bool>,
    ) -> Result<Task, TaskRepositoryError>;

    /// Deletes the task and returns it as it was.
    ///
    /// # Errors
    /// `NotFound` when the user has no such task; `Unavailable`, `Unexpected` as above.
    async fn delete_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError>;

    /// Answers when the store is reachable (readiness).
    ///
    /// # Errors
    /// `Unavailable` when it is not.
    async fn ping(&self) -> Result<(), TaskRepositoryError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_filter_parses_and_matches() {
        assert_eq!(
            TaskStatusFilter::parse("pending"),
            Ok(TaskStatusFilter::Pending)
        );
        assert!(TaskStatusFilter::parse("done").is_err());
        assert!(TaskStatusFilter::Pending.matches(false));
        assert!(!TaskStatusFilter::Pending.matches(true));
        assert!(TaskStatusFilter::Completed.matches(true));
        assert!(TaskStatusFilter::All.matches(true) && TaskStatusFilter::All.matches(false));
    }
}
