//! PostgreSQL: message texts are compressed with lz4 instead of pglz where the server has lz4
//! (PostgreSQL 14 and later, built `--with-lz4`, as Debian's and the official images are).
//!
//! A reply that lists a few hundred tasks is over PostgreSQL's 2 kB TOAST threshold and is
//! compressed when stored: `pglz_compress` was 7% of PostgreSQL's CPU in the `new` load
//! scenario (`perf record -a` during `bench/profile.sh postgres on new 15`; BENCHMARKS.md, "The
//! fifth pass"). Only values written from now on are affected; both methods read back alike.
//! SQLite does not compress and needs nothing here.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::{
    DbErr, MigrationName, MigrationTrait, SchemaManager, async_trait,
};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261129_000004_postgres_message_lz4"
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
        if manager.get_database_backend() != DbBackend::Postgres || !has_lz4(manager).await? {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                r#"ALTER TABLE "message" ALTER COLUMN "content" SET COMPRESSION lz4"#,
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres || !has_lz4(manager).await? {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                r#"ALTER TABLE "message" ALTER COLUMN "content" SET COMPRESSION default"#,
            )
            .await
            .map(|_| ())
    }
}
