use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ValidationError;

/// The authenticated user, as the verified token's subject names it.
///
/// Shared, not copied: every task of a listing carries its user, and a clone of a `String` was
/// an allocation and a copy a task (BENCHMARKS.md, "The twenty-fourth pass").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(Arc<str>);

/// As the id's text (what `#[serde(transparent)]` over its `String` wrote).
impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// From the id's text, unchecked as `#[serde(transparent)]` over its `String` read it.
impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|id| Self(Arc::from(id)))
    }
}

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
        Ok(Self(Arc::from(raw)))
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
    fn user_id_is_written_and_read_as_its_text() {
        let id = UserId::parse("alice-ü_1").expect("id");
        let json = serde_json::to_string(&id).expect("write");
        assert_eq!(json, "\"alice-ü_1\"");
        let back: UserId = serde_json::from_str(&json).expect("read");
        assert_eq!(back, id);
        assert_eq!(back.as_str(), "alice-ü_1");
        let clone = id.clone();
        assert_eq!(clone.as_str(), id.as_str());
        assert!(serde_json::from_str::<UserId>("1").is_err(), "not a string");
        assert_eq!(
            serde_json::to_string(&[&id, &clone]).expect("write"),
            "[\"alice-ü_1\",\"alice-ü_1\"]"
        );
    }

    #[test]
    fn ids_must_be_positive() {
        assert!(TaskId::new(0).is_err());
        assert!(TaskId::new(-3).is_err());
        assert_eq!(TaskId::new(3).map(TaskId::get), Ok(3));
        assert!(ConversationId::new(0).is_err());
    }
}
