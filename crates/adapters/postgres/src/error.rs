//! Driver errors translated into the ports' error enums, and the URL redaction that keeps
//! passwords out of every message.

use sea_orm::sqlx::error::DatabaseError as _;
use sea_orm::{DbErr, RuntimeErr, sqlx};
use todo_conversation::ConversationRepositoryError;
use todo_domain::TaskRepositoryError;

/// Why opening, migrating or closing the database failed.
///
/// No variant's message ever contains the password of the URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The URL names no supported backend or does not parse. Retrying will not help.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// The database cannot be reached (refused, timed out, shutting down, locked). The
    /// binary retries on this at start.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A migration failed to apply.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// Anything else: rejected credentials, a missing database, an I/O error on a local path.
    #[error("database error: {0}")]
    Unexpected(String),
}

impl StorageError {
    /// Whether trying again later may succeed.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }

    /// Classifies a driver error met while connecting to `url`, scrubbing its secrets.
    pub(crate) fn from_connect(err: &DbErr, url: &str) -> Self {
        let message = scrub(&err.to_string(), url);
        match classify(err) {
            Failure::Unavailable => Self::Unavailable(message),
            // sea-orm reports a URL it cannot parse as a connection error with no driver
            // error inside; sqlx reports it as a configuration error.
            _ if is_configuration(err) => Self::InvalidUrl(message),
            _ => Self::Unexpected(message),
        }
    }

    pub(crate) fn from_migration(err: &DbErr, url: &str) -> Self {
        let message = scrub(&err.to_string(), url);
        match classify(err) {
            Failure::Unavailable => Self::Unavailable(message),
            _ => Self::Migration(message),
        }
    }
}

/// What a driver error means to a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    NotFound,
    Unavailable,
    Unexpected,
}

pub(crate) fn classify(err: &DbErr) -> Failure {
    match err {
        // The pool had no connection to give within the acquire timeout, or was closed: the
        // database is unreachable or saturated, either way the caller should retry later.
        DbErr::ConnectionAcquire(_) => Failure::Unavailable,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            if matches!(**e, sqlx::Error::RowNotFound) {
                Failure::NotFound
            } else if sqlx_is_unavailable(e) {
                Failure::Unavailable
            } else {
                Failure::Unexpected
            }
        }
        DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => Failure::NotFound,
        _ => Failure::Unexpected,
    }
}

fn sqlx_is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        // A socket that failed or closed, a TLS handshake that failed, a pool that timed out
        // or was closed, SQLite's worker thread gone: all are "cannot reach the store".
        // A protocol error is a stream cut mid-message: while connecting, a peer that accepts
        // and closes at once answers the SSL request with EOF ("unexpected response from
        // SSLRequest"); the connection is dropped and a later attempt can succeed.
        sqlx::Error::Io(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            if let Some(sqlite) = db.try_downcast_ref::<sea_orm::SqlxSqliteError>() {
                sqlite_code_is_unavailable(sqlite.code().as_deref())
            } else {
                db.code().is_some_and(|code| pg_code_is_unavailable(&code))
            }
        }
        _ => false,
    }
}

/// PostgreSQL SQLSTATEs that mean the server is going away, not accepting connections, out
/// of connection slots or cancelled the statement on a timeout. Everything else (syntax,
/// constraint, authentication, missing database) is not fixed by waiting.
fn pg_code_is_unavailable(code: &str) -> bool {
    code.starts_with("08") // connection_exception
        || matches!(
            code,
            "53300" // too_many_connections
                | "57014" // query_canceled (statement_timeout)
                | "57P01" // admin_shutdown
                | "57P02" // crash_shutdown
                | "57P03" // cannot_connect_now (starting up, shutting down)
                | "57P05" // idle_session_timeout
        )
}

/// SQLite result codes (sqlx reports extended codes; the primary code is the low byte).
/// BUSY and LOCKED mean another writer held the lock past the busy timeout; IOERR, FULL and
/// CANTOPEN mean the file cannot be used right now.
fn sqlite_code_is_unavailable(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6 | 10 | 13 | 14))
}

fn is_configuration(err: &DbErr) -> bool {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) => matches!(**e, sqlx::Error::Configuration(_)),
        DbErr::Conn(RuntimeErr::Internal(_)) => true,
        _ => false,
    }
}

/// A driver error's message for a repository error. sqlx's messages carry no SQL text and no
/// bound values (only the server's own message), so they are kept for diagnosis.
fn message(err: &DbErr) -> String {
    err.to_string()
}

// Functions rather than `From` impls: both types are foreign to this crate.
/// Takes the error owned or shared (a batch of queued SQLite writes shares one failure).
pub(crate) fn task_error(err: impl std::borrow::Borrow<DbErr>) -> TaskRepositoryError {
    let err = err.borrow();
    match classify(err) {
        Failure::NotFound => TaskRepositoryError::NotFound,
        Failure::Unavailable => TaskRepositoryError::Unavailable(message(err)),
        Failure::Unexpected => TaskRepositoryError::Unexpected(message(err)),
    }
}

/// Takes the error owned or shared, as [`task_error`].
pub(crate) fn conversation_error(
    err: impl std::borrow::Borrow<DbErr>,
) -> ConversationRepositoryError {
    let err = err.borrow();
    match classify(err) {
        Failure::NotFound => ConversationRepositoryError::NotFound,
        Failure::Unavailable => ConversationRepositoryError::Unavailable(message(err)),
        Failure::Unexpected => ConversationRepositoryError::Unexpected(message(err)),
    }
}

/// The URL with the password of its user info, and any `password=` query parameter, replaced
/// by `***`. Anything that is not a URL comes back unchanged.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some(span) = userinfo_password_span(url)
        && !span.is_empty()
    {
        out.replace_range(span, "***");
    }
    redact_query_password(&out)
}

/// `text` with the URL and each form of its password replaced.
pub(crate) fn scrub(text: &str, url: &str) -> String {
    let mut out = text.replace(url, &redact_url(url));
    for secret in secrets(url) {
        if !secret.is_empty() {
            out = out.replace(&secret, "***");
        }
    }
    out
}

fn secrets(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(span) = userinfo_password_span(url) {
        let raw = &url[span];
        found.push(raw.to_owned());
        found.push(percent_decode(raw));
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=')
                && key.eq_ignore_ascii_case("password")
            {
                found.push(value.to_owned());
                found.push(percent_decode(value));
            }
        }
    }
    // Longest first, so a password that contains another is replaced whole.
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found.dedup();
    found
}

fn userinfo_password_span(url: &str) -> Option<std::ops::Range<usize>> {
    let start = url.find("://")? + 3;
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some(start + colon + 1..start + at)
}

fn redact_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

fn percent_decode(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = raw
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_password_of_the_user_info() {
        assert_eq!(
            redact_url("postgres://app:s3cr3t@db:5432/todo?sslmode=disable"),
            "postgres://app:***@db:5432/todo?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://app@db/todo"),
            "postgres://app@db/todo"
        );
        assert_eq!(redact_url("postgres://db/todo"), "postgres://db/todo");
        assert_eq!(
            redact_url("sqlite://data/todo.db?mode=rwc"),
            "sqlite://data/todo.db?mode=rwc"
        );
        // An '@' in the password is percent-encoded; a raw one still ends at the last '@'.
        assert_eq!(redact_url("postgres://u:p@ss@h/d"), "postgres://u:***@h/d");
        assert_eq!(
            redact_url("postgres://u@h/d?user=x&password=hunter2"),
            "postgres://u@h/d?user=x&password=***"
        );
    }

    #[test]
    fn scrubs_every_form_of_the_password() {
        let url = "postgres://u:p%40ss%21word@h/d";
        let text = format!("cannot parse '{url}', password p@ss!word rejected");
        let scrubbed = scrub(&text, url);
        assert!(!scrubbed.contains("p%40ss%21word"), "{scrubbed}");
        assert!(!scrubbed.contains("p@ss!word"), "{scrubbed}");
        assert!(scrubbed.contains("postgres://u:***@h/d"), "{scrubbed}");
    }

    #[test]
    fn sqlstates() {
        assert!(pg_code_is_unavailable("08006"));
        assert!(pg_code_is_unavailable("57P01"));
        assert!(pg_code_is_unavailable("53300"));
        assert!(!pg_code_is_unavailable("23505"));
        assert!(!pg_code_is_unavailable("28P01"));
        assert!(sqlite_code_is_unavailable(Some("5")));
        assert!(sqlite_code_is_unavailable(Some("517"))); // SQLITE_BUSY_SNAPSHOT
        assert!(!sqlite_code_is_unavailable(Some("19"))); // SQLITE_CONSTRAINT
        assert!(!sqlite_code_is_unavailable(None));
    }

    #[test]
    fn pool_errors_are_unavailable_and_missing_rows_not_found() {
        assert_eq!(
            classify(&DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)),
            Failure::Unavailable
        );
        assert_eq!(
            classify(&DbErr::RecordNotFound("task".into())),
            Failure::NotFound
        );
        assert_eq!(classify(&DbErr::Custom("boom".into())), Failure::Unexpected);
        assert!(matches!(
            task_error(DbErr::ConnectionAcquire(
                sea_orm::ConnAcquireErr::ConnectionClosed
            )),
            TaskRepositoryError::Unavailable(_)
        ));
    }

    #[test]
    fn a_cut_stream_is_unavailable() {
        assert!(sqlx_is_unavailable(&sqlx::Error::Protocol(
            "unexpected response from SSLRequest: 0x00".into()
        )));
        assert!(sqlx_is_unavailable(&sqlx::Error::Io(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset
        ))));
        assert!(!sqlx_is_unavailable(&sqlx::Error::RowNotFound));
    }
}
