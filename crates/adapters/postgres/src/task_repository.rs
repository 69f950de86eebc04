use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, Select,
};
use todo_domain::{
    NewTask, Task, TaskDescription, TaskId, TaskPatch, TaskRepository, TaskRepositoryError,
    TaskStatusFilter, TaskTitle, UserId,
};

use crate::entity::task::{ActiveModel, Column, Entity};
use crate::error::task_error;
use crate::writer::Writer;
use crate::{database, now};

/// [`TaskRepository`] over sea-orm, for PostgreSQL and SQLite alike. Every call is one
/// statement (one round trip): writes return the row with `RETURNING`.
#[derive(Clone)]
pub struct SeaTaskRepository {
    reader: DatabaseConnection,
    writer: Writer,
}

/// Not derived: the pools' sqlx options would print the password of the URL.
impl std::fmt::Debug for SeaTaskRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaTaskRepository").finish_non_exhaustive()
    }
}

impl SeaTaskRepository {
    pub(crate) fn new(reader: DatabaseConnection, writer: Writer) -> Self {
        Self { reader, writer }
    }
}

fn one(rows: Vec<crate::entity::task::Model>) -> Result<Task, TaskRepositoryError> {
    // The filter is on the primary key, so there is at most one row; none means the user
    // has no such task (another user's task is filtered out just the same).
    rows.into_iter()
        .next()
        .ok_or(TaskRepositoryError::NotFound)?
        .try_into()
}

/// A user's tasks, oldest first. Ids are handed out in insertion order, so id order is creation
/// order; it is also the order of the index that starts with `(user_id, id)` (on SQLite one
/// that holds every column, migration 3), which spares a sort.
fn listing(user: &UserId, filter: TaskStatusFilter) -> Select<Entity> {
    let query = Entity::find().filter(Column::UserId.eq(user.as_str()));
    match filter {
        TaskStatusFilter::All => query,
        TaskStatusFilter::Pending => query.filter(Column::Completed.eq(false)),
        TaskStatusFilter::Completed => query.filter(Column::Completed.eq(true)),
    }
    .order_by_asc(Column::Id)
}

#[async_trait]
impl TaskRepository for SeaTaskRepository {
    async fn insert_task(&self, user: &UserId, task: NewTask) -> Result<Task, TaskRepositoryError> {
        let now = now();
        let row = ActiveModel {
            id: NotSet,
            user_id: Set(user.as_str().to_owned()),
            title: Set(task.title.into_inner()),
            description: Set(task.description.map(TaskDescription::into_inner)),
            completed: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
        };
        // `_many` reads the RETURNING rows to the end: see "Writes run to completion" in the crate docs.
        let rows = self
            .writer
            .run(move |db| {
                Box::pin(async move { Entity::insert(row).exec_with_returning_many(&db).await })
            })
            .await
            .map_err(task_error)?;
        rows.into_iter()
            .next()
            .ok_or_else(|| TaskRepositoryError::Unexpected("the insert returned no row".into()))?
            .try_into()
    }

    async fn list_tasks(
        &self,
        user: &UserId,
        filter: TaskStatusFilter,
    ) -> Result<Vec<Task>, TaskRepositoryError> {
        let rows = listing(user, filter)
            .all(&self.reader)
            .await
            .map_err(task_error)?;
        rows.into_iter().map(Task::try_from).collect()
    }

    async fn get_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        Entity::find()
            .filter(Column::Id.eq(id.get()))
            .filter(Column::UserId.eq(user.as_str()))
            .one(&self.reader)
            .await
            .map_err(task_error)?
            .ok_or(TaskRepositoryError::NotFound)?
            .try_into()
    }

    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: TaskPatch,
    ) -> Result<Task, TaskRepositoryError> {
        if patch.is_empty() {
            return self.get_task(user, id).await;
        }
        let mut update = Entity::update_many().col_expr(Column::UpdatedAt, Expr::value(now()));
        if let Some(title) = patch.title {
            update = update.col_expr(Column::Title, Expr::value(TaskTitle::into_inner(title)));
        }
        if let Some(description) = patch.description {
            update = update.col_expr(
                Column::Description,
                Expr::value(description.map(TaskDescription::into_inner)),
            );
        }
        let update = update
            .filter(Column::Id.eq(id.get()))
            .filter(Column::UserId.eq(user.as_str()));
        let rows = self
            .writer
            .run(move |db| Box::pin(async move { update.exec_with_returning(&db).await }))
            .await
            .map_err(task_error)?;
        one(rows)
    }

    async fn set_completed(
        &self,
        user: &UserId,
        id: TaskId,
        completed: Option<bool>,
    ) -> Result<Task, TaskRepositoryError> {
        // The toggle is computed by the database in the same UPDATE, so two concurrent toggles
        // flip twice instead of both reading the same old value.
        let value = match completed {
            Some(value) => Expr::value(value),
            None => Expr::col(Column::Completed).not(),
        };
        let update = Entity::update_many()
            .col_expr(Column::Completed, value)
            .col_expr(Column::UpdatedAt, Expr::value(now()))
            .filter(Column::Id.eq(id.get()))
            .filter(Column::UserId.eq(user.as_str()));
        let rows = self
            .writer
            .run(move |db| Box::pin(async move { update.exec_with_returning(&db).await }))
            .await
            .map_err(task_error)?;
        one(rows)
    }

    async fn delete_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        let delete = Entity::delete_many()
            .filter(Column::Id.eq(id.get()))
            .filter(Column::UserId.eq(user.as_str()));
        let rows = self
            .writer
            .run(move |db| Box::pin(async move { delete.exec_with_returning(&db).await }))
            .await
            .map_err(task_error)?;
        one(rows)
    }

    async fn ping(&self) -> Result<(), TaskRepositoryError> {
        // Whatever makes `SELECT 1` fail, the store cannot serve requests: not ready.
        database::ping(&self.reader)
            .await
            .map_err(|e| TaskRepositoryError::Unavailable(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, QueryTrait, Statement};

    use super::*;
    use crate::{Database, DatabaseSettings};

    /// On SQLite every listing reads the covering index alone, in its order: no table page per
    /// task, no sort (see migration 3).
    #[tokio::test]
    async fn sqlite_lists_tasks_from_the_covering_index_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/todo.db?mode=rwc", dir.path().display());
        let db = Database::connect(&DatabaseSettings::with_url(url))
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        let user = UserId::parse("alice").expect("user");
        let repo = db.task_repository();
        for filter in [
            TaskStatusFilter::All,
            TaskStatusFilter::Pending,
            TaskStatusFilter::Completed,
        ] {
            let query = listing(&user, filter).build(sea_orm::DbBackend::Sqlite);
            let plan = repo
                .reader
                .query_all_raw(Statement::from_sql_and_values(
                    sea_orm::DbBackend::Sqlite,
                    format!("EXPLAIN QUERY PLAN {}", query.sql),
                    query.values.map(|v| v.0).unwrap_or_default(),
                ))
                .await
                .expect("plan")
                .iter()
                .map(|row| row.try_get_by::<String, _>("detail").expect("detail"))
                .collect::<Vec<_>>();
            assert_eq!(
                plan,
                ["SEARCH task USING COVERING INDEX idx_task_listing (user_id=?)"],
                "{filter:?}"
            );
        }
        db.close().await;
    }
}
