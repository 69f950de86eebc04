//! The schema, as sea-orm-migration migrations. Applied by [`crate::Database::migrate`];
//! the applied ones are recorded in `seaql_migrations`, so running it again changes nothing.

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
