use std::fmt;
use std::time::Duration;

use crate::StorageError;
use crate::error::redact_url;

/// How to reach the database and size its pool.
///
/// `Debug` prints the URL with its password masked, so the settings can be logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// `postgres://…` (or `postgresql://…`) or `sqlite://…`.
    pub url: String,
    /// Most connections the pool opens. On SQLite this sizes the pool of readers, capped at
    /// two per CPU; writes go through one connection of their own (see [`crate::Database`]).
    pub max_connections: u32,
    /// Connections the pool keeps open even when idle.
    pub min_connections: u32,
    /// Bound on [`crate::Database::connect`] establishing its first connection (sqlx retries a
    /// refused connection until then).
    pub connect_timeout: Duration,
    /// Bound on waiting for a pooled connection; past it a call fails as unavailable.
    pub acquire_timeout: Duration,
    /// Idle connections above `min_connections` are closed after this long.
    pub idle_timeout: Option<Duration>,
    /// How long a SQLite statement waits for another writer's lock before failing.
    pub sqlite_busy_timeout: Duration,
}

impl DatabaseSettings {
    /// The SQLite file the binary uses when nothing else is configured.
    pub const DEFAULT_URL: &'static str = "sqlite://data/todo.db?mode=rwc";

    /// Default settings for another URL.
    #[must_use]
    pub fn with_url(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// The URL with its password replaced by `***`, for logs and messages.
    #[must_use]
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }

    /// Which backend the URL names.
    ///
    /// # Errors
    /// [`StorageError::InvalidUrl`] for any other scheme.
    pub fn backend(&self) -> Result<Backend, StorageError> {
        Backend::from_url(&self.url)
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: Self::DEFAULT_URL.to_owned(),
            max_connections: 16,
            min_connections: 1,
            connect_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            idle_timeout: Some(Duration::from_secs(600)),
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.redacted_url())
            .field("max_connections", &self.max_connections)
            .field("min_connections", &self.min_connections)
            .field("connect_timeout", &self.connect_timeout)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("sqlite_busy_timeout", &self.sqlite_busy_timeout)
            .finish()
    }
}

/// The database behind a [`crate::Database`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// The OpenTelemetry `db.system.name` of the backend: `postgresql` or `sqlite`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Postgres => "postgresql",
            Self::Sqlite => "sqlite",
        }
    }

    /// # Errors
    /// [`StorageError::InvalidUrl`] unless the URL starts with `postgres:`, `postgresql:` or
    /// `sqlite:`.
    pub fn from_url(url: &str) -> Result<Self, StorageError> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Ok(Self::Postgres),
            Some("sqlite") => Ok(Self::Sqlite),
            _ => Err(StorageError::InvalidUrl(format!(
                "`{}` is neither a postgres:// nor a sqlite:// URL",
                redact_url(url)
            ))),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::from_url("sqlite://data/todo.db?mode=rwc").ok(),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::from_url("sqlite::memory:").ok(),
            Some(Backend::Sqlite)
        );
        let err = Backend::from_url("mysql://root:hunter2@h/db").expect_err("mysql");
        assert!(matches!(err, StorageError::InvalidUrl(_)));
        assert!(!err.to_string().contains("hunter2"));
        assert_eq!(Backend::Postgres.as_str(), "postgresql");
        assert_eq!(Backend::Sqlite.as_str(), "sqlite");
    }

    #[test]
    fn debug_masks_the_password() {
        let settings = DatabaseSettings::with_url("postgres://app:s3cr3t@db:5432/todo");
        let printed = format!("{settings:?}");
        assert!(!printed.contains("s3cr3t"), "{printed}");
        assert!(
            printed.contains("postgres://app:***@db:5432/todo"),
            "{printed}"
        );
    }

    #[test]
    fn defaults() {
        let d = DatabaseSettings::default();
        assert_eq!(d.url, "sqlite://data/todo.db?mode=rwc");
        assert_eq!(d.max_connections, 16);
        assert_eq!(d.sqlite_busy_timeout, Duration::from_secs(5));
    }
}
