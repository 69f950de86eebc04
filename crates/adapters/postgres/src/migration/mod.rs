//! The schema, as sea-orm-migration migrations. Applied by [`crate::Database::migrate`];
//! the applied ones are recorded in `seaql_migrations`, so running it again changes nothing.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::prelude::{DbErr, SchemaManager};
use sea_orm_migration::{MigrationTrait, MigratorTrait};

mod m20260101_000001_initial;
mod m20261128_000002_sqlite_message_trigger;
mod m20261129_000003_sqlite_task_listing_index;
mod m20261129_000004_postgres_message_storage;
mod m20261129_000005_postgres_conversation_hot_updates;
mod m20261129_000006_postgres_message_history_index;

pub(crate) struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_initial::Migration),
            Box::new(m20261128_000002_sqlite_message_trigger::Migration),
            Box::new(m20261129_000003_sqlite_task_listing_index::Migration),
            Box::new(m20261129_000004_postgres_message_storage::Migration),
            Box::new(m20261129_000005_postgres_conversation_hot_updates::Migration),
            Box::new(m20261129_000006_postgres_message_history_index::Migration),
        ]
    }
}

/// Runs `statements` in order, on `backend` only: a change that one backend's schema needs and
/// the other's does not (an index shape, a trigger, a storage parameter).
async fn only_on(
    manager: &SchemaManager<'_>,
    backend: DbBackend,
    statements: &[&str],
) -> Result<(), DbErr> {
    if manager.get_database_backend() != backend {
        return Ok(());
    }
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{Database, Statement};

    use super::*;

    /// The names of the schema's indexes and triggers on SQLite.
    async fn schema(db: &sea_orm::DatabaseConnection) -> Vec<String> {
        db.query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ))
        .await
        .expect("schema")
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).expect("name"))
        .collect()
    }

    /// Each backend-specific migration runs on its backend only, both ways: undone one at a
    /// time down to the initial schema, each step leaves what the migration before it made,
    /// and done again the schema is the one it was.
    #[tokio::test]
    async fn migrations_undo_and_redo_on_sqlite() {
        let db = Database::connect("sqlite::memory:").await.expect("connect");
        Migrator::up(&db, None).await.expect("up");
        let full = schema(&db).await;
        assert!(full.contains(&"idx_task_listing".to_owned()), "{full:?}");
        assert!(
            full.contains(&"message_touches_conversation".to_owned()),
            "{full:?}"
        );
        assert!(
            !full.contains(&"idx_task_user_id_id".to_owned()),
            "{full:?}"
        );
        Migrator::down(&db, Some(5)).await.expect("down");
        let initial = schema(&db).await;
        assert!(
            initial.contains(&"idx_task_user_id_id".to_owned()),
            "{initial:?}"
        );
        assert!(
            !initial.contains(&"idx_task_listing".to_owned()),
            "{initial:?}"
        );
        assert!(
            !initial.contains(&"message_touches_conversation".to_owned()),
            "{initial:?}"
        );
        Migrator::up(&db, None).await.expect("up again");
        assert_eq!(schema(&db).await, full);
    }
}
