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

    /// Appends a message and moves the conversation's `updated_at` to the message's time, in
    /// one transaction.
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
    /// # Errors
    /// `Unavailable` when the store cannot be reached, `Unexpected` otherwise.
    async fn list_messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>, ConversationRepositoryError>;
}

/// The conversation steps of the chat use case, over the port.
#[derive(Clone)]
pub struct ConversationService {
    repo: Arc<dyn ConversationRepository>,
}

impl ConversationService {
    #[must_use]
    pub fn new(repo: Arc<dyn ConversationRepository>) -> Self {
        Self { repo }
    }

    /// Loads the user's conversation, or creates one when `id` is `None`.
    ///
    /// # Errors
    /// `NotFound` when `id` names no conversation of this user.
    pub async fn open(
        &self,
        user: &UserId,
        id: Option<ConversationId>,
    ) -> Result<Conversation, ConversationRepositoryError> {
        match id {
            Some(id) => self.repo.get_conversation(user, id).await,
            None => self.repo.insert_conversation(user).await,
        }
    }

    /// The history the agent sees: the latest `limit` messages, oldest first.
    ///
    /// # Errors
    /// As [`ConversationRepository::list_messages`].
    pub async fn history(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        self.repo.list_messages(user, id, limit).await
    }

    /// Stores one message.
    ///
    /// # Errors
    /// As [`ConversationRepository::insert_message`].
    pub async fn add_message(
        &self,
        user: &UserId,
        id: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError> {
        self.repo.insert_message(user, id, role, content).await
    }

    /// The user's conversations, most recent first.
    ///
    /// # Errors
    /// As [`ConversationRepository::list_conversations`].
    pub async fn list(
        &self,
        user: &UserId,
    ) -> Result<Vec<Conversation>, ConversationRepositoryError> {
        self.repo.list_conversations(user).await
    }

    /// The latest `limit` messages of a conversation the user owns.
    ///
    /// # Errors
    /// `NotFound` when the user has no such conversation.
    pub async fn messages(
        &self,
        user: &UserId,
        id: ConversationId,
        limit: u32,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        self.repo.get_conversation(user, id).await?;
        self.repo.list_messages(user, id, limit).await
    }
}
