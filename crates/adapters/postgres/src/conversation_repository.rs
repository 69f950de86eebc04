use async_trait::async_trait;
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use todo_conversation::{ConversationRepository, ConversationRepositoryError as E};
use todo_domain::{Conversation, ConversationId, Message, MessageContent, Role, Timestamp, UserId};

use crate::entity::{conversation, message};
use crate::error::conversation_error;
use crate::now;
use crate::writer::Writer;

/// [`ConversationRepository`] over sea-orm, for PostgreSQL and SQLite alike.
#[derive(Clone)]
pub struct SeaConversationRepository {
    reader: DatabaseConnection,
    writer: Writer,
}

/// Not derived: the pools' sqlx options would print the password of the URL.
impl std::fmt::Debug for SeaConversationRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaConversationRepository")
            .finish_non_exhaustive()
    }
}

impl SeaConversationRepository {
    pub(crate) fn new(reader: DatabaseConnection, writer: Writer) -> Self {
        Self { reader, writer }
    }
}

/// PostgreSQL: moving the conversation's `updated_at` (which also checks that it is the
/// user's) and inserting the message, as one statement. A single statement is atomic, and the
/// row lock taken by the UPDATE orders concurrent messages of one conversation; when the
/// UPDATE matches nothing, nothing is inserted and no row comes back. One round trip instead
/// of four (BEGIN, UPDATE, INSERT, COMMIT). `GREATEST` keeps `updated_at` from going back
/// when a message stamped earlier commits after a later one.
const INSERT_MESSAGE_PG: &str = r#"WITH touched AS (
    UPDATE "conversation" SET "updated_at" = GREATEST("updated_at", $1)
    WHERE "id" = $2 AND "user_id" = $3
    RETURNING "id"
)
INSERT INTO "message" ("user_id", "conversation_id", "role", "content", "created_at")
SELECT $3, "touched"."id", $4, $5, $1 FROM touched
RETURNING "id", "created_at""#;

const INSERT_MESSAGE_SQLITE: &str = r#"INSERT INTO "message" ("user_id", "conversation_id", "role", "content", "created_at")
SELECT ?1, ?2, ?3, ?4, ?5
WHERE EXISTS (SELECT 1 FROM "conversation" WHERE "id" = ?2 AND "user_id" = ?1)
RETURNING "id", "created_at""#;

/// The latest messages within a budget of bytes, newest first: the latest `$3` read backwards
/// along the (conversation_id, created_at, id) index as without a budget, their running size
/// counted from the newest, and those up to `$4` bytes. `OCTET_LENGTH` takes a text's size
/// from its header (PostgreSQL: the TOAST pointer or the compressed value's header; SQLite
/// 3.43+: the record header), so no text over the budget is read or sent.
///
/// PostgreSQL: the window runs in the index's order, and the texts travel as they are stored
/// (pointers, while not detoasted): no sort at all (the plan test holds it).
pub const HISTORY_WITHIN_PG: &str = r#"SELECT "id", "user_id", "conversation_id", "role", "content", "created_at" FROM (
    SELECT "latest".*, SUM(OCTET_LENGTH("content")) OVER (
        ORDER BY "created_at" DESC, "id" DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "seen"
    FROM (
        SELECT "id", "user_id", "conversation_id", "role", "content", "created_at" FROM "message"
        WHERE "conversation_id" = $1 AND "user_id" = $2
        ORDER BY "created_at" DESC, "id" DESC LIMIT $3
    ) AS "latest"
) AS "counted"
WHERE "seen" <= $4
ORDER BY "created_at" DESC, "id" DESC"#;

/// SQLite copies whole rows into the sorters and temporary tables of a window and a subquery:
/// the window sees ids and sizes only, and the texts of the rows kept are read by primary key.
const HISTORY_WITHIN_SQLITE: &str = r#"SELECT "m"."id", "m"."user_id", "m"."conversation_id", "m"."role", "m"."content", "m"."created_at"
FROM (
    SELECT "id", SUM("size") OVER (
        ORDER BY "created_at" DESC, "id" DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS "seen"
    FROM (
        SELECT "id", "created_at", OCTET_LENGTH("content") AS "size" FROM "message"
        WHERE "conversation_id" = ?1 AND "user_id" = ?2
        ORDER BY "created_at" DESC, "id" DESC LIMIT ?3
    ) AS "latest"
) AS "counted"
JOIN "message" AS "m" ON "m"."id" = "counted"."id"
WHERE "counted"."seen" <= ?4
ORDER BY "m"."created_at" DESC, "m"."id" DESC"#;

/// PostgreSQL: a new conversation and its first message, as one statement. The message's
/// foreign key is checked at the end of the statement, when the conversation row exists.
const START_CONVERSATION_PG: &str = r#"WITH started AS (
    INSERT INTO "conversation" ("user_id", "created_at", "updated_at") VALUES ($1, $2, $2)
    RETURNING "id"
)
INSERT INTO "message" ("user_id", "conversation_id", "role", "content", "created_at")
SELECT $1, "started"."id", $3, $4, $2 FROM started
RETURNING "id", "user_id", "conversation_id", "role", "content", "created_at""#;

/// SQLite has no INSERT inside WITH: two statements in one string, run as one write (see
/// [`Writer::rows`]); the message takes the conversation's id from `last_insert_rowid()`,
/// which on the writer connection is the conversation just inserted. The
/// `message_touches_conversation` trigger sets the conversation's `updated_at` to what it
/// already is.
const START_CONVERSATION_SQLITE: &str = r#"INSERT INTO "conversation" ("user_id", "created_at", "updated_at") VALUES (?1, ?2, ?2);
INSERT INTO "message" ("user_id", "conversation_id", "role", "content", "created_at")
VALUES (?1, last_insert_rowid(), ?3, ?4, ?2)
RETURNING "id", "user_id", "conversation_id", "role", "content", "created_at""#;

impl SeaConversationRepository {
    /// Runs a write whose RETURNING rows are message rows, reading them all (see "Writes run
    /// to completion" in the crate docs).
    async fn write_message_rows(&self, statement: Statement) -> Result<Vec<message::Model>, E> {
        self.writer
            .models(statement)
            .await
            .map_err(conversation_error)
    }

    /// Runs an insert of one message whose RETURNING row is its id and time (an ownership
    /// check that fails returns none: `NotFound`).
    async fn write_inserted(&self, statement: Statement) -> Result<message::Inserted, E> {
        self.writer
            .models(statement)
            .await
            .map_err(conversation_error)?
            .pop()
            .ok_or(E::NotFound)
    }

    async fn insert_message_pg(
        &self,
        user: &UserId,
        conversation: ConversationId,
        role: Role,
        content: &MessageContent,
        at: Timestamp,
    ) -> Result<message::Inserted, E> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            INSERT_MESSAGE_PG,
            [
                at.into(),
                conversation.get().into(),
                user.as_str().into(),
                role.as_str().into(),
                content.as_str().into(),
            ],
        );
        self.write_inserted(statement).await
    }

    /// SQLite has no UPDATE inside WITH: one `INSERT … SELECT … WHERE EXISTS` that checks
    /// ownership, and the `message_touches_conversation` trigger (migration 2) moves the
    /// conversation's `updated_at` in the same implicit transaction. One round trip.
    async fn insert_message_sqlite(
        &self,
        user: &UserId,
        conversation: ConversationId,
        role: Role,
        content: &MessageContent,
        at: Timestamp,
    ) -> Result<message::Inserted, E> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            INSERT_MESSAGE_SQLITE,
            [
                user.as_str().into(),
                conversation.get().into(),
                role.as_str().into(),
                content.as_str().into(),
                at.into(),
            ],
        );
        self.write_inserted(statement).await
    }
}

#[async_trait]
impl ConversationRepository for SeaConversationRepository {
    async fn insert_conversation(&self, user: &UserId) -> Result<Conversation, E> {
        let now = now();
        let row = conversation::ActiveModel {
            id: NotSet,
            user_id: Set(user.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let mut insert = conversation::Entity::insert(row).into_query();
        insert.returning_all();
        self.writer
            .models::<conversation::Model>(self.writer.backend().build(&insert))
            .await
            .map_err(conversation_error)?
            .pop()
            .ok_or_else(|| E::Unexpected("the insert returned no row".into()))?
            .try_into()
    }

    /// One write: on PostgreSQL one statement (`START_CONVERSATION_PG`), on SQLite two
    /// statements in one string (`START_CONVERSATION_SQLITE`) that run back to back in the
    /// same batch (there is no INSERT inside WITH); should the second fail, the conversation
    /// stays, empty, as it did when the two were separate calls. Both rows carry the same
    /// time, which is the conversation's `created_at` and `updated_at`.
    async fn insert_conversation_with_message(
        &self,
        user: &UserId,
        content: &MessageContent,
    ) -> Result<(Conversation, Message), E> {
        let at = now();
        let backend = self.writer.backend();
        let sql = match backend {
            DbBackend::Postgres => START_CONVERSATION_PG,
            _ => START_CONVERSATION_SQLITE,
        };
        let statement = Statement::from_sql_and_values(
            backend,
            sql,
            [
                user.as_str().into(),
                at.into(),
                Role::User.as_str().into(),
                content.as_str().into(),
            ],
        );
        let row = self
            .write_message_rows(statement)
            .await?
            .pop()
            .ok_or_else(|| E::Unexpected("the insert returned no row".into()))?;
        let message = Message::try_from(row)?;
        let conversation = Conversation {
            id: message.conversation_id,
            user_id: message.user_id.clone(),
            created_at: message.created_at,
            updated_at: message.created_at,
        };
        Ok((conversation, message))
    }

    async fn get_conversation(&self, user: &UserId, id: ConversationId) -> Result<Conversation, E> {
        conversation::Entity::find()
            .filter(conversation::Column::Id.eq(id.get()))
            .filter(conversation::Column::UserId.eq(user.as_str()))
            .one(&self.reader)
            .await
            .map_err(conversation_error)?
            .ok_or(E::NotFound)?
            .try_into()
    }

    async fn list_conversations(&self, user: &UserId) -> Result<Vec<Conversation>, E> {
        conversation::Entity::find()
            .filter(conversation::Column::UserId.eq(user.as_str()))
            .order_by_desc(conversation::Column::UpdatedAt)
            .order_by_desc(conversation::Column::Id)
            .all(&self.reader)
            .await
            .map_err(conversation_error)?
            .into_iter()
            .map(Conversation::try_from)
            .collect()
    }

    async fn insert_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, E> {
        let at = now();
        let inserted = match self.writer.backend() {
            DbBackend::Postgres => {
                self.insert_message_pg(user, conversation, role, content, at)
                    .await?
            }
            _ => {
                self.insert_message_sqlite(user, conversation, role, content, at)
                    .await?
            }
        };
        // The rest is what was written: the text is not read back (a listing chat's answer
        // is tens of kilobytes, sent back by PostgreSQL and decoded, or copied out of
        // SQLite's row, to be dropped by the chat).
        Ok(Message {
            id: inserted.id,
            conversation_id: conversation,
            user_id: user.clone(),
            role,
            content: content.clone(),
            created_at: inserted.created_at,
        })
    }

    async fn list_messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, E> {
        if let Some(max) = max_bytes {
            let backend = self.reader.get_database_backend();
            let sql = match backend {
                DbBackend::Postgres => HISTORY_WITHIN_PG,
                _ => HISTORY_WITHIN_SQLITE,
            };
            let statement = Statement::from_sql_and_values(
                backend,
                sql,
                [
                    conversation.get().into(),
                    user.as_str().into(),
                    i64::from(limit).into(),
                    i64::from(max).into(),
                ],
            );
            let mut rows = message::Entity::find()
                .from_raw_sql(statement)
                .all(&self.reader)
                .await
                .map_err(conversation_error)?;
            rows.reverse();
            return rows.into_iter().map(Message::try_from).collect();
        }
        // The latest `limit`, read backwards along the (conversation_id, created_at, id)
        // index, then put back in chronological order.
        let mut rows = message::Entity::find()
            .filter(message::Column::ConversationId.eq(conversation.get()))
            .filter(message::Column::UserId.eq(user.as_str()))
            .order_by_desc(message::Column::CreatedAt)
            .order_by_desc(message::Column::Id)
            .limit(u64::from(limit))
            .all(&self.reader)
            .await
            .map_err(conversation_error)?;
        rows.reverse();
        rows.into_iter().map(Message::try_from).collect()
    }
}
