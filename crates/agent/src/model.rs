use std::sync::Arc;

use async_trait::async_trait;
use todo_domain::{ConversationId, UserId};
use todo_tools::{ToolDefinition, ToolOutput};

/// A tool call a model asks for. `arguments` is the raw JSON text the model produced: it may
/// not parse, and the agent loop, not the adapter, decides what to do then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCallRequest {
    pub id: String,
    pub name: String,
    pub arguments: String,
}

/// One message of the exchange with a model, in the shape every chat-completions API shares.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatMessage {
    System(String),
    User(String),
    Assistant {
        content: Option<String>,
        tool_calls: Vec<ToolCallRequest>,
    },
    /// A tool's result, shared: the agent keeps the same value for its record of the call,
    /// and a `list_tasks` result can hold hundreds of tasks.
    Tool {
        call_id: String,
        name: String,
        result: Arc<ToolOutput>,
    },
}

/// What the agent sends a model for one round.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub user_id: UserId,
    pub conversation_id: ConversationId,
    pub messages: Vec<ChatMessage>,
    /// Shared: the same definitions go out every round.
    pub tools: Arc<[ToolDefinition]>,
}

/// Tokens a model reports for one call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A model's answer to one round: text, or tool calls (or both), plus what telemetry needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatResponse {
    pub content: Option<String>,
    pub tool_calls: Vec<ToolCallRequest>,
    /// The model that answered, as the server names it.
    pub model: String,
    pub finish_reasons: Vec<String>,
    pub usage: Option<TokenUsage>,
}

/// Why a model call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatModelError {
    /// The model did not answer within the configured time (504).
    #[error("the model did not answer in time")]
    Timeout,
    /// The model's server failed or refused, retries included (502).
    #[error("the model server failed: {0}")]
    Upstream(String),
    /// Anything else.
    #[error("unexpected model failure: {0}")]
    Unexpected(String),
}

/// The port every model implements: one round of chat completion with tools.
#[async_trait]
pub trait ChatModel: Send + Sync {
    /// `openai`, `offline`, …: the GenAI provider name.
    fn provider(&self) -> &str;

    /// The model requested.
    fn model(&self) -> &str;

    /// # Errors
    /// `Timeout` when the model took too long, `Upstream` when its server failed after
    /// retries, `Unexpected` otherwise.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ChatModelError>;
}
