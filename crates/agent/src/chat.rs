use std::sync::Arc;

use async_trait::async_trait;
use todo_conversation::{ConversationRepositoryError, Conversations};
use todo_domain::{ConversationId, MessageContent, Role, UserId};
use todo_tools::ToolError;

use crate::agent::{AgentError, AgentRunner, ToolCallRecord};
use crate::model::ChatModelError;

/// What a chat turn returns.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatOutcome {
    pub conversation_id: ConversationId,
    pub response: String,
    pub tool_calls: Vec<ToolCallRecord>,
}

/// Why a chat turn failed. The user's message is stored whenever the failure comes after the
/// conversation was opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The conversation does not exist for this user.
    #[error("conversation not found")]
    ConversationNotFound,
    /// The store cannot be reached.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// The model did not answer in time.
    #[error("the model did not answer in time")]
    ModelTimeout,
    /// The model's server failed.
    #[error("the model failed: {0}")]
    ModelFailed(String),
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl From<ConversationRepositoryError> for ChatError {
    fn from(e: ConversationRepositoryError) -> Self {
        match e {
            ConversationRepositoryError::NotFound => Self::ConversationNotFound,
            ConversationRepositoryError::Unavailable(m) => Self::Unavailable(m),
            ConversationRepositoryError::Unexpected(m) => Self::Unexpected(m),
        }
    }
}

impl From<AgentError> for ChatError {
    fn from(e: AgentError) -> Self {
        match e {
            AgentError::Model(ChatModelError::Timeout) => Self::ModelTimeout,
            AgentError::Model(ChatModelError::Upstream(m)) => Self::ModelFailed(m),
            AgentError::Model(ChatModelError::Unexpected(m)) => Self::Unexpected(m),
            AgentError::Tool(ToolError::Unavailable(m)) => Self::Unavailable(m),
            AgentError::Tool(other) => Self::Unexpected(other.to_string()),
        }
    }
}

/// The chat use case as the driving adapters see it. A trait so that the composition root can
/// time the whole turn (`chat_endpoint`) around it.
#[async_trait]
pub trait Chat: Send + Sync {
    /// One turn: open (or create) the conversation, load its history, store the user's
    /// message, run the agent, store and return the reply.
    ///
    /// # Errors
    /// See [`ChatError`]; the user's message is stored once the conversation is open, the
    /// reply only on success.
    async fn chat(
        &self,
        user: &UserId,
        conversation_id: Option<ConversationId>,
        message: MessageContent,
    ) -> Result<ChatOutcome, ChatError>;
}

/// The chat use case. Stateless: everything it knows comes from the store on each call.
#[derive(Clone)]
pub struct ChatService {
    conversations: Arc<dyn Conversations>,
    agent: Arc<dyn AgentRunner>,
    history_limit: u32,
    history_max_bytes: Option<u32>,
}

impl ChatService {
    #[must_use]
    pub fn new(
        conversations: Arc<dyn Conversations>,
        agent: Arc<dyn AgentRunner>,
        history_limit: u32,
    ) -> Self {
        Self {
            conversations,
            agent,
            history_limit,
            history_max_bytes: None,
        }
    }

    /// The history the agent sees holds at most `max` bytes of text: the newest messages that fit
    /// (see `ConversationRepository::list_messages`). A model's context is finite, and a long
    /// conversation of task listings can hold megabytes; without a budget every later turn of
    /// it would fail at the model, and load and hold all of it first.
    #[must_use]
    pub fn with_history_max_bytes(mut self, max: Option<u32>) -> Self {
        self.history_max_bytes = max;
        self
    }
}

#[async_trait]
impl Chat for ChatService {
    async fn chat(
        &self,
        user: &UserId,
        conversation_id: Option<ConversationId>,
        message: MessageContent,
    ) -> Result<ChatOutcome, ChatError> {
        let (conversation, history) = match conversation_id {
            // A new conversation is stored together with its first message.
            None => (self.conversations.start(user, &message).await?, Vec::new()),
            Some(id) => {
                let conversation = self.conversations.open(user, Some(id)).await?;
                let history = self
                    .conversations
                    .history(
                        user,
                        conversation.id,
                        self.history_limit,
                        self.history_max_bytes,
                    )
                    .await?;
                self.conversations
                    .add_message(user, conversation.id, Role::User, &message)
                    .await?;
                (conversation, history)
            }
        };
        let outcome = self
            .agent
            .run(user, conversation.id, history, &message)
            .await?;
        let reply = MessageContent::from_trusted(outcome.response);
        self.conversations
            .add_message(user, conversation.id, Role::Assistant, &reply)
            .await?;
        Ok(ChatOutcome {
            conversation_id: conversation.id,
            response: reply.into_inner(),
            tool_calls: outcome.tool_calls,
        })
    }
}
