//! # todo-agent: the agent loop and the chat use case (core layer)
//!
//! The [`ChatModel`] port (what any model, remote or offline, must do), the [`Agent`] loop that
//! lets a model call the task tools round after round, and [`ChatService`], the chat use case:
//! open the conversation, store the user's message, run the agent on the history, store the
//! reply. Depends on `todo-domain`, `todo-conversation` and `todo-tools`; on `tracing` only to
//! name its own inner phases.

mod agent;
mod chat;
mod model;

pub use agent::{Agent, AgentConfig, AgentError, AgentOutcome, AgentRunner, ToolCallRecord};
pub use chat::{Chat, ChatError, ChatOutcome, ChatService};
pub use model::{
    ChatMessage, ChatModel, ChatModelError, ChatRequest, ChatResponse, TokenUsage, ToolCallRequest,
};
