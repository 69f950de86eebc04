//! PostgreSQL: a conversation's latest messages are read from an index that holds the user too.
//!
//! A chat reads its history as "the latest 50 messages of conversation C of user U": equality
//! on `conversation_id` and `user_id`, order by `created_at DESC, id DESC`. The index was
//! `(conversation_id, created_at, id)`, which leaves `user_id` to be checked row by row, and
//! PostgreSQL's planner takes the two conditions as independent: it expects 1/20th of a
//! conversation's rows to match (75 of 1,500) and, to sort so few, fetches every message of the
//! conversation (a bitmap scan) and sorts them instead of reading 50 backwards along the
//! index. For a conversation of 1,500 messages that is 860 buffers and 1.3 ms against 33 and
//! 0.08 ms (`EXPLAIN (ANALYZE, BUFFERS)`), growing with the conversation. A prepared statement
//! gets such custom plans for its first executions and keeps them while they look cheaper than
//! its generic plan (which reads the index backwards, the limit being unknown): which one each
//! pooled connection ends up with depends on the statistics at the time, and under
//! `make bench`'s `reuse` scenario PostgreSQL served 641 req/s in one run and 1088 in another
//! with the same binary (BENCHMARKS.md, "The seventh pass").
//!
//! With `user_id` in the index both conditions are index conditions and the order is the
//! index's: the latest 50 are read backwards, whatever the estimates. The index still leads
//! with `conversation_id` (the foreign key's cascade uses it). SQLite reads the old index in
//! order already and keeps it.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

use super::only_on;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000006_postgres_message_history_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Postgres,
            &[
                r#"CREATE INDEX IF NOT EXISTS "idx_message_conversation_id_user_id_created_at" ON "message" ("conversation_id", "user_id", "created_at", "id")"#,
                r#"DROP INDEX IF EXISTS "idx_message_conversation_id_created_at""#,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Postgres,
            &[
                r#"CREATE INDEX IF NOT EXISTS "idx_message_conversation_id_created_at" ON "message" ("conversation_id", "created_at", "id")"#,
                r#"DROP INDEX IF EXISTS "idx_message_conversation_id_user_id_created_at""#,
            ],
        )
        .await
    }
}
