//! # todo-domain: the innermost layer
//!
//! Identifiers, validated values, the `Task`, `Conversation` and `Message` entities, and the
//! [`TaskRepository`] port. It depends on no workspace crate and on no framework: only serde,
//! chrono, thiserror and async-trait. Every other crate may depend on it.

mod ids;
mod task;
pub mod timestamp;
mod values;

#[cfg(feature = "testing")]
pub mod testing;

pub use ids::{ConversationId, TaskId, UserId};
pub use task::{NewTask, Task, TaskPatch, TaskRepository, TaskRepositoryError, TaskStatusFilter};
pub use values::{
    Conversation, Message, MessageContent, Role, TaskDescription, TaskTitle, ValidationError,
};

/// The instant type used for every timestamp: UTC.
pub type Timestamp = chrono::DateTime<chrono::Utc>;
