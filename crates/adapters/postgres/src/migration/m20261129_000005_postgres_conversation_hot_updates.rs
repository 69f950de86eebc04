//! PostgreSQL: a chat's update of its conversation (`updated_at`) becomes a HOT update.
//!
//! Every chat sets its conversation's `updated_at`. With `updated_at` in an index
//! (`idx_conversation_user_id_updated_at`) no such update can be HOT: each one leaves a dead
//! row version and a new entry in both of the table's indexes, and until autovacuum comes by
//! (once a minute at best) every later lookup of that conversation walks past all of them.
//! Under `make bench`'s `reuse` scenario (each of 20 conversations updated ~25 times a
//! second) a 20 s run left ~30,000 dead versions and no autovacuum ran (`pg_stat_user_tables`:
//! 29,675 updates, 173 HOT), and PostgreSQL's CPU per chat went from ~1.2 to ~2.1 ms depending
//! on when autovacuum had last been (BENCHMARKS.md, "The sixth pass").
//!
//! So the index that sorts a user's conversations holds `(user_id, id)` only: listing them
//! most recently active first reads the user's conversations by that index and sorts them
//! (a user has tens or hundreds, not millions), and `fillfactor = 50` leaves room on each
//! page for the new versions, which PostgreSQL then prunes as it reads the page. SQLite
//! updates rows in place and keeps its index.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

use super::only_on;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000005_postgres_conversation_hot_updates"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Postgres,
            &[
                r#"CREATE INDEX IF NOT EXISTS "idx_conversation_user_id_id" ON "conversation" ("user_id", "id")"#,
                r#"DROP INDEX IF EXISTS "idx_conversation_user_id_updated_at""#,
                r#"ALTER TABLE "conversation" SET (fillfactor = 50)"#,
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        only_on(
            manager,
            DbBackend::Postgres,
            &[
                r#"ALTER TABLE "conversation" RESET (fillfactor)"#,
                r#"CREATE INDEX IF NOT EXISTS "idx_conversation_user_id_updated_at" ON "conversation" ("user_id", "updated_at" DESC, "id" DESC)"#,
                r#"DROP INDEX IF EXISTS "idx_conversation_user_id_id""#,
            ],
        )
        .await
    }
}
