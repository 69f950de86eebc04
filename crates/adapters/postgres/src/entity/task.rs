use sea_orm::entity::prelude::*;
use todo_domain::{Task, TaskId, TaskRepositoryError, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: String,
    pub title: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub completed: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// A row that breaks a domain rule (a non-positive id, an invalid user id) was written by
/// something other than this adapter: that is a broken invariant, not a missing task.
impl TryFrom<Model> for Task {
    type Error = TaskRepositoryError;

    fn try_from(row: Model) -> Result<Self, Self::Error> {
        let invalid = |e: todo_domain::ValidationError| {
            TaskRepositoryError::Unexpected(format!("invalid task row {}: {e}", row.id))
        };
        Ok(Task {
            id: TaskId::new(row.id).map_err(invalid)?,
            user_id: UserId::parse(row.user_id.as_str()).map_err(invalid)?,
            title: row.title,
            description: row.description,
            completed: row.completed,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}
