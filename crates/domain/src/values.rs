use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{ConversationId, Timestamp, UserId};

/// A value that broke a domain rule: which field, and why, in words for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct ValidationError {
    pub field: &'static str,
    pub reason: String,
}

impl ValidationError {
    #[must_use]
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

fn bounded(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    let n = trimmed.chars().count();
    if n < min {
        return Err(ValidationError::new(
            field,
            "must not be empty or only whitespace",
        ));
    }
    if n > max {
        return Err(ValidationError::new(
            field,
            format!("must be at most {max} characters (got {n})"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A task title: 1..=200 characters once surrounding whitespace is trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TaskTitle(String);

impl TaskTitle {
    pub const MAX_CHARS: usize = 200;

    /// # Errors
    /// [`ValidationError`] when empty after trimming or longer than 200 characters.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        bounded("title", raw, 1, Self::MAX_CHARS).map(Self)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A task description: at most 1000 characters once trimmed. An empty description is stored
/// as none by the caller, never as an empty string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct TaskDescription(String);

impl TaskDescription {
    pub const MAX_CHARS: usize = 1000;

    /// Parses an optional description; whitespace-only becomes `None`.
    ///
    /// # Errors
    /// [`ValidationError`] when longer than 1000 characters.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, ValidationError> {
        match raw {
            None => Ok(None),
            Some(s) if s.trim().is_empty() => Ok(None),
            Some(s) => bounded("description", s, 1, Self::MAX_CHARS).map(|v| Some(Self(v))),
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A chat message's text: 1..=4000 characters, not only whitespace. Kept as sent (not trimmed).
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MessageContent(String);

impl MessageContent {
    pub const MAX_CHARS: usize = 4000;

    /// # Errors
    /// [`ValidationError`] when empty, whitespace-only or longer than 4000 characters.
    pub fn parse(raw: impl Into<String>) -> Result<Self, ValidationError> {
        let raw = raw.into();
        if raw.trim().is_empty() {
            return Err(ValidationError::new(
                "message",
                "must not be empty or only whitespace",
            ));
        }
        let n = raw.chars().count();
        if n > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "message",
                format!("must be at most {} characters (got {n})", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw))
    }

    /// Wraps text that came from the store or a model, where the length rule was already
    /// enforced or does not apply (an assistant's reply may be longer than a user's message).
    #[must_use]
    pub fn from_trusted(raw: String) -> Self {
        Self(raw)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// Message text is user content: it never appears in a debug print (and so never in a log).
impl fmt::Debug for MessageContent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageContent({} chars)", self.0.chars().count())
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }

    /// # Errors
    /// [`ValidationError`] for anything but `user` or `assistant`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw {
            "user" => Ok(Self::User),
            "assistant" => Ok(Self::Assistant),
            _ => Err(ValidationError::new("role", "must be user or assistant")),
        }
    }
}

/// A conversation between one user and the agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: ConversationId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One stored message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub conversation_id: ConversationId,
    pub user_id: UserId,
    pub role: Role,
    pub content: MessageContent,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_is_trimmed_and_bounded() {
        assert_eq!(
            TaskTitle::parse("  milk ").map(TaskTitle::into_inner),
            Ok("milk".into())
        );
        assert!(TaskTitle::parse("   ").is_err());
        assert!(TaskTitle::parse("").is_err());
        assert!(TaskTitle::parse(&"é".repeat(200)).is_ok());
        assert!(TaskTitle::parse(&"é".repeat(201)).is_err());
    }

    #[test]
    fn description_is_optional_and_bounded() {
        assert_eq!(TaskDescription::parse_optional(None), Ok(None));
        assert_eq!(TaskDescription::parse_optional(Some("  ")), Ok(None));
        assert!(TaskDescription::parse_optional(Some(&"x".repeat(1000))).is_ok());
        assert!(TaskDescription::parse_optional(Some(&"x".repeat(1001))).is_err());
    }

    #[test]
    fn message_rules_and_no_text_in_debug() {
        assert!(MessageContent::parse("").is_err());
        assert!(MessageContent::parse(" \n\t").is_err());
        assert!(MessageContent::parse("x".repeat(4000)).is_ok());
        assert!(MessageContent::parse("x".repeat(4001)).is_err());
        let m = MessageContent::parse("secret plans").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{m:?}").contains("secret"));
    }

    #[test]
    fn role_round_trips() {
        for r in [Role::User, Role::Assistant] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("system").is_err());
    }
}
