use sea_orm::entity::prelude::*;
use todo_conversation::ConversationRepositoryError;
use todo_domain::{Conversation, ConversationId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A row that breaks a domain rule was not written by this adapter: a broken invariant.
impl TryFrom<Model> for Conversation {
    type Error = ConversationRepositoryError;

    fn try_from(row: Model) -> Result<Self, Self::Error> {
        let invalid = |e: todo_domain::ValidationError| {
            ConversationRepositoryError::Unexpected(format!(
                "invalid conversation row {}: {e}",
                row.id
            ))
        };
        Ok(Conversation {
            id: ConversationId::new(row.id).map_err(invalid)?,
            user_id: UserId::parse(row.user_id.as_str()).map_err(invalid)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
