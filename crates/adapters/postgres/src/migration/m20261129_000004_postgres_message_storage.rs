//! PostgreSQL: how long message texts are stored.
//!
//! A reply that lists a few hundred tasks (13 kB of text) is over PostgreSQL's 2 kB TOAST
//! threshold: it is compressed and, still over 2 kB, moved to the TOAST table, a second heap
//! row and index entry per chunk. Two changes (BENCHMARKS.md, "The fifth pass"):
//! - lz4 instead of pglz where the server has it (PostgreSQL 14 and later, built `--with-lz4`,
//!   as Debian's and the official images are): `pglz_compress` was 7% of PostgreSQL's CPU in
//!   the `new` load scenario (`perf record -a` during `bench/profile.sh postgres on new 15`);
//! - `toast_tuple_target` of 8160 (a page's worth) instead of 2032: a row whose compressed text
//!   fits the page stays in it (a 400-task listing compresses to ~3 kB with lz4).
//!
//! Only rows written from now on are affected; both read back alike. SQLite does not compress
//! and needs nothing here.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_postgres_message_storage"
    }
}

/// Whether the server can compress with lz4: `default_toast_compression` offers it then
/// (the setting itself is there from PostgreSQL 14 on).
async fn has_lz4(manager: &SchemaManager<'_>) -> Result<bool, DbErr> {
    let row = manager
        .get_connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM pg_settings \
             WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
        ))
        .await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()? == Some(1))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(r#"ALTER TABLE "message" SET (toast_tuple_target = 8160)"#)
            .await?;
        if has_lz4(manager).await? {
            db.execute_unprepared(
                r#"ALTER TABLE "message" ALTER COLUMN "content" SET COMPRESSION lz4"#,
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(r#"ALTER TABLE "message" RESET (toast_tuple_target)"#)
            .await?;
        if has_lz4(manager).await? {
            db.execute_unprepared(
                r#"ALTER TABLE "message" ALTER COLUMN "content" SET COMPRESSION default"#,
            )
            .await?;
        }
        Ok(())
    }
}
