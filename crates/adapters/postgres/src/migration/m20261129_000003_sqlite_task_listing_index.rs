//! SQLite: a user's tasks are listed from an index that holds every column of the task, so a
//! listing reads the few index pages where that user's tasks sit next to each other instead of
//! one table page per task.
//!
//! Tasks of many users are inserted interleaved, so a user's rows are spread over the whole
//! table: listing 400 tasks through `(user_id, id)` looked up 400 table pages. In WAL mode an
//! SQLite connection drops its page cache whenever another connection has written, which under
//! load is before nearly every read, so each of those pages was read from the file again
//! (BENCHMARKS.md, "The fifth pass"). PostgreSQL keeps its buffers across writes and needs
//! nothing here; its index row size limit (a sixth of a page) would not take a description of
//! 1000 characters in the key anyway.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

use super::only_on;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000003_sqlite_task_listing_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Sqlite,
            &[
                // The covering index serves every lookup the (user_id, id) index served.
                r#"CREATE INDEX IF NOT EXISTS "idx_task_listing" ON "task"
("user_id", "id", "completed", "title", "description", "created_at", "updated_at")"#,
                r#"DROP INDEX IF EXISTS "idx_task_user_id_id""#,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Sqlite,
            &[
                r#"CREATE INDEX IF NOT EXISTS "idx_task_user_id_id" ON "task" ("user_id", "id")"#,
                r#"DROP INDEX IF EXISTS "idx_task_listing""#,
            ],
        )
        .await
    }
}
