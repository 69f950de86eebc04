//! SQLite: a message insert moves its conversation's `updated_at` by trigger, so that
//! `insert_message` is one statement (one round trip to the writer) instead of a four-step
//! `BEGIN IMMEDIATE; UPDATE; INSERT; COMMIT`. PostgreSQL does the same in one statement with
//! a data-modifying CTE and needs nothing here.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_sqlite_message_trigger"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                r#"CREATE TRIGGER IF NOT EXISTS "message_touches_conversation"
AFTER INSERT ON "message"
BEGIN
    UPDATE "conversation" SET "updated_at" = max("updated_at", NEW."created_at")
    WHERE "id" = NEW."conversation_id";
END"#,
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(r#"DROP TRIGGER IF EXISTS "message_touches_conversation""#)
            .await
            .map(|_| ())
    }
}
