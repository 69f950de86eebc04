//! # todo-postgres: storage over sea-orm (driven adapter)
//!
//! Implements the storage ports of the core, [`todo_domain::TaskRepository`] and
//! [`todo_conversation::ConversationRepository`], for PostgreSQL and SQLite with one code
//! path, and owns the schema (sea-orm-migration) and the connection pools.
//!
//! It depends on the core crates it serves (`todo-domain`, `todo-conversation`) and on
//! sea-orm / sqlx; nothing in the core depends on it, and only the composition root names its
//! types. Entities stay private: every public signature holds domain types, [`StorageError`]
//! or the settings of this crate, and driver errors are translated into the ports' error
//! enums (`Unavailable` for what waiting may fix, `NotFound`, `Unexpected`).
//!
//! ```no_run
//! # async fn run() -> Result<(), todo_postgres::StorageError> {
//! use todo_postgres::{Database, DatabaseSettings};
//! let db = Database::connect(&DatabaseSettings::with_url("sqlite://data/todo.db?mode=rwc")).await?;
//! db.migrate().await?;
//! let tasks = db.task_repository();
//! let conversations = db.conversation_repository();
//! # drop((tasks, conversations));
//! db.close().await;
//! # Ok(()) }
//! ```
//!
//! Timestamps are UTC (`timestamptz` on PostgreSQL, RFC 3339 text on SQLite), set by the
//! application and truncated to microseconds, the precision both backends store, so that a
//! row read back equals the one an insert returned.
//!
//! ## Writes run to completion
//!
//! Every write reads its `RETURNING` rows to the end (the writer's `rows` on both backends:
//! `query_all` on PostgreSQL, the vendored `run_batch` on SQLite), never stops at the first
//! (`one`, `ActiveModel::insert`). SQLite runs its WAL hook, the
//! automatic checkpoint, only when a statement steps to its end; a write whose statement is
//! reset after its first row commits all the same but never checkpoints, and under load the
//! `-wal` file then grows without bound (430 MB in 8 s of the `new` load scenario, with every
//! read searching it). The writer's own checkpoint is now the backstop behind a connection
//! that checkpoints beside it (`checkpoint.rs`), which a write left open would hold back just
//! the same. A test in `tests/repositories.rs` checks that every page of the WAL can be
//! checkpointed after each kind of write, and holds the WAL to its size.

mod checkpoint;
mod conversation_repository;
mod database;
mod entity;
mod error;
mod migration;
mod settings;
mod task_repository;
mod writer;

/// The statement of a history within a budget of bytes, for the test that holds its plan.
#[doc(hidden)]
pub use conversation_repository::HISTORY_WITHIN_PG;
pub use conversation_repository::SeaConversationRepository;
pub use database::Database;
pub use error::{StorageError, redact_url};
pub use settings::{Backend, DatabaseSettings};
pub use task_repository::SeaTaskRepository;

/// Now, to the microsecond.
fn now() -> todo_domain::Timestamp {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}
