use sea_orm::entity::prelude::*;
use todo_conversation::ConversationRepositoryError;
use todo_domain::{ConversationId, Message, MessageContent, Role, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "message")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub conversation_id: i64,
    pub role: String,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub created_at: DateTimeUtc,
}

/// What an insert of a message returns: the rest of the row is what the insert wrote.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct Inserted {
    pub id: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An unknown role or an invalid id in a row is a broken invariant, not a missing message.
/// The content is trusted: the length rule applies to what users send, not to what is stored.
impl TryFrom<Model> for Message {
    type Error = ConversationRepositoryError;

    fn try_from(row: Model) -> Result<Self, Self::Error> {
        let invalid = |e: todo_domain::ValidationError| {
            ConversationRepositoryError::Unexpected(format!("invalid message row {}: {e}", row.id))
        };
        Ok(Message {
            id: row.id,
            conversation_id: ConversationId::new(row.conversation_id).map_err(invalid)?,
            user_id: UserId::parse(row.user_id.as_str()).map_err(invalid)?,
            role: Role::parse(&row.role).map_err(invalid)?,
            content: MessageContent::from_trusted(row.content),
            created_at: row.created_at,
        })
    }
}
