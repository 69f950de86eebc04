//! SQLite: a message insert moves its conversation's `updated_at` by trigger, so that
//! `insert_message` is one statement (one round trip to the writer) instead of a four-step
//! `BEGIN IMMEDIATE; UPDATE; INSERT; COMMIT`. PostgreSQL does the same in one statement with
//! a data-modifying CTE and needs nothing here.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

use super::only_on;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261128_000002_sqlite_message_trigger"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Sqlite,
            &[
                r#"CREATE TRIGGER IF NOT EXISTS "message_touches_conversation"
AFTER INSERT ON "message"
BEGIN
    UPDATE "conversation" SET "updated_at" = max("updated_at", NEW."created_at")
    WHERE "id" = NEW."conversation_id";
END"#,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Sqlite,
            &[r#"DROP TRIGGER IF EXISTS "message_touches_conversation""#],
        )
        .await
    }
}
