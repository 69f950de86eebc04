//! The initial schema: `task`, `conversation`, `message`, and an index for every access path.
//!
//! Table and column names are part of the contract with the benchmark, whose SQL writes rows
//! directly and relies on the defaults of `completed`, `created_at` and `updated_at`.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::{
    DbErr, DeriveIden, Expr, ForeignKey, ForeignKeyAction, Index, IndexOrder, IntoIden,
    MigrationName, MigrationTrait, SchemaManager, Table, async_trait,
};
// Both preludes export a `ColumnDef`; this is sea-query's, the schema builder.
use sea_orm_migration::sea_query::ColumnDef;

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000001_initial"
    }
}

#[derive(DeriveIden)]
enum Task {
    Table,
    Id,
    UserId,
    Title,
    Description,
    Completed,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Conversation {
    Table,
    Id,
    UserId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Message {
    Table,
    Id,
    UserId,
    ConversationId,
    Role,
    Content,
    CreatedAt,
}

/// The database's own "now" in UTC, for rows written by plain SQL.
///
/// On SQLite, `CURRENT_TIMESTAMP` would give `2026-01-01 10:00:00`, which sorts before the
/// RFC 3339 text sqlx writes (`2026-01-01T09:00:00.123456+00:00`) whatever the time: the
/// default uses the same shape so that ordering by the column stays chronological.
fn now(backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Sqlite => Expr::cust("strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')"),
        _ => Expr::current_timestamp(),
    }
}

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

fn user_id(name: impl IntoIden) -> ColumnDef {
    // Sized for `UserId::MAX_CHARS`.
    ColumnDef::new(name).string_len(128).not_null().take()
}

fn timestamp(name: impl IntoIden, backend: DbBackend) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .default(now(backend))
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();

        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .if_not_exists()
                    .col(id(Task::Id))
                    .col(user_id(Task::UserId))
                    .col(ColumnDef::new(Task::Title).string_len(200).not_null())
                    .col(ColumnDef::new(Task::Description).text().null())
                    .col(
                        ColumnDef::new(Task::Completed)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(timestamp(Task::CreatedAt, backend))
                    .col(timestamp(Task::UpdatedAt, backend))
                    .to_owned(),
            )
            .await?;
        // Listing a user's tasks oldest first (by id) and every lookup by (id, user).
        manager
            .create_index(
                Index::create()
                    .name("idx_task_user_id_id")
                    .table(Task::Table)
                    .if_not_exists()
                    .col(Task::UserId)
                    .col(Task::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Conversation::Table)
                    .if_not_exists()
                    .col(id(Conversation::Id))
                    .col(user_id(Conversation::UserId))
                    .col(timestamp(Conversation::CreatedAt, backend))
                    .col(timestamp(Conversation::UpdatedAt, backend))
                    .to_owned(),
            )
            .await?;
        // Listing a user's conversations most recently active first, read in index order.
        manager
            .create_index(
                Index::create()
                    .name("idx_conversation_user_id_updated_at")
                    .table(Conversation::Table)
                    .if_not_exists()
                    .col(Conversation::UserId)
                    .col((Conversation::UpdatedAt, IndexOrder::Desc))
                    .col((Conversation::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Message::Table)
                    .if_not_exists()
                    .col(id(Message::Id))
                    .col(user_id(Message::UserId))
                    .col(
                        ColumnDef::new(Message::ConversationId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Message::Role).string_len(16).not_null())
                    .col(ColumnDef::new(Message::Content).text().not_null())
                    .col(timestamp(Message::CreatedAt, backend))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_message_conversation_id")
                            .from(Message::Table, Message::ConversationId)
                            .to(Conversation::Table, Conversation::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The latest N messages of a conversation (read backwards), and the foreign key.
        manager
            .create_index(
                Index::create()
                    .name("idx_message_conversation_id_created_at")
                    .table(Message::Table)
                    .if_not_exists()
                    .col(Message::ConversationId)
                    .col(Message::CreatedAt)
                    .col(Message::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Message::Table.into_iden(),
            Conversation::Table.into_iden(),
            Task::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
