use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The authenticated user, as the verified token's subject names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Longest accepted user id, in characters (the database column is sized for it).
    pub const MAX_CHARS: usize = 128;

    /// # Errors
    /// [`ValidationError`] when the id is empty, longer than [`Self::MAX_CHARS`] or contains
    /// whitespace or control characters.
    pub fn parse(raw: impl Into<String>) -> Result<Self, ValidationError> {
        let raw = raw.into();
        if raw.is_empty() {
            return Err(ValidationError::new("user_id", "must not be empty"));
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "user_id",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValidationError::new(
                "user_id",
                "must not contain whitespace or control characters",
            ));
        }
        Ok(Self(raw))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! positive_id {
    ($(#[$meta:meta])* $name:ident, $field:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// # Errors
            /// [`ValidationError`] unless the value is a positive integer.
            pub fn new(raw: i64) -> Result<Self, ValidationError> {
                if raw > 0 {
                    Ok(Self(raw))
                } else {
                    Err(ValidationError::new($field, "must be a positive integer"))
                }
            }

            #[must_use]
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

positive_id!(
    /// A task's id: a positive integer assigned by the store.
    TaskId,
    "task_id"
);
positive_id!(
    /// A conversation's id: a positive integer assigned by the store.
    ConversationId,
    "conversation_id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_rules() {
        assert!(UserId::parse("alice").is_ok());
        assert!(UserId::parse("").is_err());
        assert!(UserId::parse("a b").is_err());
        assert!(UserId::parse("x".repeat(129)).is_err());
        assert!(UserId::parse("x".repeat(128)).is_ok());
    }

    #[test]
    fn ids_must_be_positive() {
        assert!(TaskId::new(0).is_err());
        assert!(TaskId::new(-3).is_err());
        assert_eq!(TaskId::new(3).map(TaskId::get), Ok(3));
        assert!(ConversationId::new(0).is_err());
    }
}
