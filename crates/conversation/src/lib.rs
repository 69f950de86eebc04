//! # todo-conversation: conversations and their messages (core layer)
//!
//! The [`ConversationRepository`] port and the [`ConversationService`] the chat use case drives.
//! Depends only on `todo-domain` (plus async-trait and thiserror); never on a database driver,
//! HTTP or telemetry crate.

use std::sync::Arc;

use async_trait::async_trait;
use todo_domain::{Conversation, ConversationId, Message, MessageContent, Role, UserId};

#[cfg(feature = "testing")]
pub mod testing;

/// How many messages of history the agent sees by default.
pub const DEFAULT_HISTORY_LIMIT: u32 = 50;
/// The most messages one listing returns.
pub const MAX_HISTORY_LIMIT: u32 = 200;

/// Why a [`ConversationRepository`] call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConversationRepositoryError {
    /// No conversation with that id belongs to that user.
    #[error("conversation not found")]
    NotFound,
    /// The store cannot be reached or timed out.
    #[error("the conversation store is unavailable: {0}")]
    Unavailable(String),
    /// Anything else the store reported.
    #[error("unexpected conversation store error: {0}")]
    Unexpected(String),
}

/// The port through which conversations and messages are stored. Scoped to one user: another
/// user's conversation behaves exactly as a missing one.
#[async_trait]
pub trait ConversationRepository: Send + Sync {
    /// Creates an empty conversation for the user.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn insert_conversation(
        &self,
        user: &UserId,
    ) -> Result<Conversation, ConversationRepositoryError>;

    /// Creates a conversation whose first message is the user's `content`, as one write:
    /// a new chat's first two rows cost one round trip instead of two.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn insert_conversation_with_message(
        &self,
        user: &UserId,
        content: &MessageContent,
    ) -> Result<(Conversation, Message), ConversationRepositoryError>;

    /// One conversation of the user.
    ///
    /// # Errors
    /// `NotFound` when the user has no such conversation; `Unavailable`, `Unexpected`.
    async fn get_conversation(
        &self,
        user: &UserId,
        id: ConversationId,
    ) -> Result<Conversation, ConversationRepositoryError>;

    /// The user's conversations, most recently active (`updated_at`, then id) first.
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn list_conversations(
        &self,
        user: &UserId,
    ) -> Result<Vec<Conversation>, ConversationRepositoryError>;

    /// Appends a message and moves the conversation's `updated_at` to the message's time
    /// (never backwards), atomically.
    ///
    /// # Errors
    /// `NotFound` when the user has no such conversation; `Unavailable`, `Unexpected`.
    async fn insert_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError>;

    /// The latest `limit` messages of the conversation, oldest first (by time, then id). An
    /// unknown or foreign conversation yields an empty list: callers check ownership first.
    ///
    /// With `max_bytes`, only the newest of those whose contents together hold at most that
    /// many bytes (of UTF-8, as stored): counting back from the newest, the first
    /// message that would go over the budget ends the list, so what is returned is always an
    /// unbroken run up to the newest message (empty when the newest alone is over it).
    ///
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn list_messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, ConversationRepositoryError>;
}

/// The conversation steps the chat use case and the HTTP API take. A trait so that the
/// composition root can put a timing decorator around each step (`create_conversation`,
/// `fetch_conversation_history`, `add_message`, …) without the core knowing.
#[async_trait]
pub trait Conversations: Send + Sync {
    /// Loads the user's conversation, or creates one when `id` is `None`.
    ///
    /// # Errors
    /// `NotFound` when `id` names no conversation of this user.
    async fn open(
        &self,
        user: &UserId,
        id: Option<ConversationId>,
    ) -> Result<Conversation, ConversationRepositoryError>;

    /// Creates a conversation that starts with the user's `message`, stored with it: what a
    /// chat without a conversation id does first.
    ///
    /// # Errors
    /// As [`ConversationRepository::insert_conversation_with_message`].
    async fn start(
        &self,
        user: &UserId,
        message: &MessageContent,
    ) -> Result<Conversation, ConversationRepositoryError>;

    /// The history the agent sees: the latest `limit` messages, oldest first, within
    /// `max_bytes` bytes of content when given (see [`ConversationRepository::list_messages`]).
    ///
    /// # Errors
    /// As [`ConversationRepository::list_messages`].
    async fn history(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, ConversationRepositoryError>;

    /// Stores one message.
    ///
    /// # Errors
    /// As [`ConversationRepository::insert_message`].
    async fn add_message(
        &self,
        user: &UserId,
        id: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError>;

    /// The user's conversations, most recent first.
    ///
    /// # Errors
    /// As [`ConversationRepository::list_conversations`].
    async fn list(&self, user: &UserId) -> Result<Vec<Conversation>, ConversationRepositoryError>;

    /// The latest `limit` messages of a conversation the user owns.
    ///
    /// # Errors
    /// `NotFound` when the user has no such conversation.
    async fn messages(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>, ConversationRepositoryError>;
}

/// The conversation steps over the port.
#[derive(Clone)]
pub struct ConversationService {
    repo: Arc<dyn ConversationRepository>,
}

impl ConversationService {
    #[must_use]
    pub fn new(repo: Arc<dyn ConversationRepository>) -> Self {
        Self { repo }
    }
}

#[async_trait]
impl Conversations for ConversationService {
    async fn open(
        &self,
        user: &UserId,
        id: Option<ConversationId>,
    ) -> Result<Conversation, ConversationRepositoryError> {
        match id {
            Some(id) => self.repo.get_conversation(user, id).await,
            None => self.repo.insert_conversation(user).await,
        }
    }

    async fn start(
        &self,
        user: &UserId,
        message: &MessageContent,
    ) -> Result<Conversation, ConversationRepositoryError> {
        let (conversation, _) = self
            .repo
            .insert_conversation_with_message(user, message)
            .await?;
        Ok(conversation)
    }

    async fn history(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        self.repo.list_messages(user, id, limit, max_bytes).await
    }

    async fn add_message(
        &self,
        user: &UserId,
        id: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError> {
        self.repo.insert_message(user, id, role, content).await
    }

    async fn list(&self, user: &UserId) -> Result<Vec<Conversation>, ConversationRepositoryError> {
        self.repo.list_conversations(user).await
    }

    async fn messages(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        self.repo.get_conversation(user, id).await?;
        self.repo.list_messages(user, id, limit, None).await
    }
}
