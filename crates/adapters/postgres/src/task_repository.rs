use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::sqlx::postgres::{PgArguments, Postgres};
use sea_orm::sqlx::sqlite::{Sqlite, SqliteArguments, SqliteRowRef};
use sea_orm::sqlx::{self, AssertSqlSafe, IntoArguments, SqlSafeStr};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement, Value,
    Values,
};
use sea_query_sqlx::SqlxValues;
use todo_domain::{
    NewTask, Task, TaskDescription, TaskId, TaskPatch, TaskRepository, TaskRepositoryError,
    TaskStatusFilter, TaskTitle, UserId,
};

use crate::entity::task::{ActiveModel, Column, Entity, Model};
use crate::error::task_error;
use crate::writer::{Writer, acquire_error, query_error};
use crate::{database, now};

/// [`TaskRepository`] over sea-orm, for PostgreSQL and SQLite alike. Every call is one
/// statement (one round trip): writes return the row with `RETURNING`.
#[derive(Clone)]
pub struct SeaTaskRepository {
    reader: DatabaseConnection,
    writer: Writer,
    listings: Listings,
}

/// Not derived: the pools' sqlx options would print the password of the URL.
impl std::fmt::Debug for SeaTaskRepository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaTaskRepository").finish_non_exhaustive()
    }
}

impl SeaTaskRepository {
    pub(crate) fn new(reader: DatabaseConnection, writer: Writer) -> Self {
        let listings = Listings::new(reader.get_database_backend());
        Self {
            reader,
            writer,
            listings,
        }
    }

    /// Runs a write whose RETURNING rows are task rows, reading them all (see "Writes run to
    /// completion" in the crate docs).
    async fn write(&self, statement: Statement) -> Result<Vec<Model>, TaskRepositoryError> {
        self.writer.models(statement).await.map_err(task_error)
    }
}

fn one(rows: Vec<Model>) -> Result<Task, TaskRepositoryError> {
    // The filter is on the primary key, so there is at most one row; none means the user
    // has no such task (another user's task is filtered out just the same).
    rows.into_iter()
        .next()
        .ok_or(TaskRepositoryError::NotFound)?
        .try_into()
}

/// A user's tasks, oldest first. Ids are handed out in insertion order, so id order is creation
/// order; it is also the order of the index that starts with `(user_id, id)` (on SQLite one
/// that holds every column, migration 3), which spares a sort. The columns of [`ListedRow`],
/// in its order: not `user_id`, which the filter makes the user asked for (each row's copy
/// of it was read, sent and dropped unread).
fn listing(user: &str, filter: TaskStatusFilter) -> Select<Entity> {
    let query = Entity::find()
        .select_only()
        .columns([
            Column::Id,
            Column::Title,
            Column::Description,
            Column::Completed,
            Column::CreatedAt,
            Column::UpdatedAt,
        ])
        .filter(Column::UserId.eq(user));
    match filter {
        TaskStatusFilter::All => query,
        TaskStatusFilter::Pending => query.filter(Column::Completed.eq(false)),
        TaskStatusFilter::Completed => query.filter(Column::Completed.eq(true)),
    }
    .order_by_asc(Column::Id)
}

/// The SQL of [`listing`] for each filter, written once for the reader's backend: sea-query
/// built it again on every listing: 21,000 instructions, 13% of a bare `GET /tasks`
/// (BENCHMARKS.md, "The nineteenth pass"). Only the values change from one listing to the
/// next: the user, then the filter's `completed`, in the order [`listing`] binds them.
#[derive(Clone)]
struct Listings {
    all: Arc<str>,
    pending: Arc<str>,
    completed: Arc<str>,
}

impl Listings {
    fn new(backend: DbBackend) -> Self {
        let sql = |filter| Arc::from(listing("", filter).build(backend).sql);
        Self {
            all: sql(TaskStatusFilter::All),
            pending: sql(TaskStatusFilter::Pending),
            completed: sql(TaskStatusFilter::Completed),
        }
    }

    /// The statement [`listing`] builds for this user and filter, as SQL and values.
    fn statement(&self, user: &UserId, filter: TaskStatusFilter) -> (Arc<str>, Values) {
        let user = Value::from(user.as_str());
        match filter {
            TaskStatusFilter::All => (self.all.clone(), Values(vec![user])),
            TaskStatusFilter::Pending => {
                (self.pending.clone(), Values(vec![user, Value::from(false)]))
            }
            TaskStatusFilter::Completed => (
                self.completed.clone(),
                Values(vec![user, Value::from(true)]),
            ),
        }
    }
}

/// A row of [`listing`], read by column position straight from the driver's row: a listing
/// of a few hundred tasks spent 12% of the server's CPU in the derived decoder of [`Model`]
/// (the PostgreSQL `new` load scenario, `perf record --call-graph dwarf`), which looks every
/// column up by name and turns each NULL description into a formatted error first.
///
/// [`Model`]: crate::entity::task::Model
struct ListedRow {
    id: i64,
    title: String,
    description: Option<String>,
    completed: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl ListedRow {
    /// Decodes the columns of [`listing`], in its order. With `check_types` the
    /// type of each value is checked against the field's before it is decoded (sqlx's
    /// `try_get`); without, it is only decoded (`try_get_unchecked`: a NULL where none may be
    /// is still an error).
    fn decode<'r, R>(row: &'r R, check_types: bool) -> Result<Self, sea_orm::sqlx::Error>
    where
        R: sea_orm::sqlx::Row,
        usize: sea_orm::sqlx::ColumnIndex<R>,
        i64: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
        String: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
        bool: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
        DateTime<Utc>: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
    {
        fn get<'r, R, T>(row: &'r R, column: usize, check: bool) -> Result<T, sea_orm::sqlx::Error>
        where
            R: sea_orm::sqlx::Row,
            usize: sea_orm::sqlx::ColumnIndex<R>,
            T: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
        {
            if check {
                row.try_get(column)
            } else {
                row.try_get_unchecked(column)
            }
        }
        Ok(Self {
            id: get(row, 0, check_types)?,
            title: get(row, 1, check_types)?,
            description: get(row, 2, check_types)?,
            completed: get(row, 3, check_types)?,
            created_at: get(row, 4, check_types)?,
            updated_at: get(row, 5, check_types)?,
        })
    }

    /// A row of [`listing`] as SQLite's statement stands on it (see
    /// [`SeaTaskRepository::list_sqlite`]): each value's type checked, as sqlx's `try_get`.
    fn read(row: &SqliteRowRef<'_>) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get(0)?,
            title: row.try_get(1)?,
            description: row.try_get(2)?,
            completed: row.try_get(3)?,
            created_at: row.try_get(4)?,
            updated_at: row.try_get(5)?,
        })
    }

    /// The task of this row; `Err` says which row breaks which rule.
    fn into_task(self, user: &UserId) -> Result<Task, String> {
        Ok(Task {
            id: TaskId::new(self.id).map_err(|e| format!("invalid task row {}: {e}", self.id))?,
            user_id: user.clone(),
            title: self.title,
            description: self.description,
            completed: self.completed,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A listing's row that is not a task row (a value of another type, a NULL where none may be).
fn decode_error(err: sqlx::Error) -> DbErr {
    DbErr::Type(format!("a task row could not be decoded: {err}"))
}

impl SeaTaskRepository {
    /// [`TaskRepository::list_tasks`] on SQLite: each row made into a task on the connection's
    /// worker thread while SQLite's statement stands on it (the vendored sqlx-sqlite's
    /// `fetch_with`), where sea-orm's `query_all` copied every row's texts into a row of their
    /// own, sent the rows one at a time to this task to be decoded here and dropped: for a
    /// listing of hundreds of tasks, more of the server's instructions than SQLite's own
    /// (BENCHMARKS.md, "The sixteenth pass").
    async fn list_sqlite(
        &self,
        sql: Arc<str>,
        values: Values,
        user: &UserId,
    ) -> Result<Vec<Task>, TaskRepositoryError> {
        let arguments: SqliteArguments =
            IntoArguments::<Sqlite>::into_arguments(SqlxValues(values));
        let mut connection = self
            .reader
            .get_sqlite_connection_pool()
            .acquire()
            .await
            .map_err(|e| task_error(acquire_error(e)))?;
        // Each row becomes a task right there: a vector of rows turned into a vector of tasks
        // afterwards held both at once, and grew the first by doubling (a listing of 1,800
        // tasks: ~180 kB of rows beside ~200 kB of tasks, per listing chat in flight).
        let owner = user.clone();
        connection
            .fetch_with(
                AssertSqlSafe(sql).into_sql_str(),
                Some(arguments),
                move |row| {
                    ListedRow::read(row)?
                        .into_task(&owner)
                        .map_err(|e| sqlx::Error::Decode(e.into()))
                },
            )
            .await
            .map_err(|e| match e {
                sqlx::Error::ColumnDecode { .. }
                | sqlx::Error::ColumnIndexOutOfBounds { .. }
                | sqlx::Error::Decode(_) => task_error(decode_error(e)),
                other => task_error(query_error(other)),
            })
    }

    /// [`TaskRepository::list_tasks`] on PostgreSQL: each row made into a task as it comes off
    /// the connection (the vendored sqlx-postgres's `fetch_with`), where sea-orm's `query_all`
    /// collected every row first and decoded the tasks in a second pass (BENCHMARKS.md, "The
    /// sixteenth pass"), and sqlx's row stream passed each row through a generator and two
    /// streams around it (BENCHMARKS.md, "The twenty-fourth pass").
    ///
    /// PostgreSQL describes a result's columns once, for every row of it (one RowDescription),
    /// so their types are checked on the first row and the rows after it are only decoded:
    /// sqlx's check of every value of every row was ~7% of the instructions of a chat that
    /// lists 400 tasks (BENCHMARKS.md, "The seventh pass").
    async fn list_postgres(
        &self,
        sql: Arc<str>,
        values: Values,
        user: &UserId,
    ) -> Result<Vec<Task>, TaskRepositoryError> {
        let arguments: PgArguments = IntoArguments::<Postgres>::into_arguments(SqlxValues(values));
        let mut connection = self
            .reader
            .get_postgres_connection_pool()
            .acquire()
            .await
            .map_err(|e| task_error(acquire_error(e)))?;
        let mut first = true;
        connection
            .fetch_with(AssertSqlSafe(sql).into_sql_str(), Some(arguments), |row| {
                let listed = ListedRow::decode(row, std::mem::take(&mut first))
                    .map_err(|e| task_error(decode_error(e)))?;
                listed
                    .into_task(user)
                    .map_err(TaskRepositoryError::Unexpected)
            })
            .await
            .map_err(|e| task_error(query_error(e)))?
    }
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
        let mut insert = Entity::insert(row).into_query();
        insert.returning_all();
        let rows = self.write(self.writer.backend().build(&insert)).await?;
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
        let (sql, values) = self.listings.statement(user, filter);
        match self.reader.get_database_backend() {
            DbBackend::Sqlite => self.list_sqlite(sql, values, user).await,
            DbBackend::Postgres => self.list_postgres(sql, values, user).await,
            other => Err(TaskRepositoryError::Unexpected(format!(
                "no task listing for {other:?}"
            ))),
        }
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
        let mut update = update.into_query();
        update.returning_all();
        one(self.write(self.writer.backend().build(&update)).await?)
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
        let mut update = update.into_query();
        update.returning_all();
        one(self.write(self.writer.backend().build(&update)).await?)
    }

    async fn delete_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        let delete = Entity::delete_many()
            .filter(Column::Id.eq(id.get()))
            .filter(Column::UserId.eq(user.as_str()));
        let mut delete = delete.into_query();
        delete.returning_all();
        one(self.write(self.writer.backend().build(&delete)).await?)
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

    /// The SQL written once is what sea-query builds for each listing, and the values bound
    /// to it are the ones it binds, in its order, on both backends.
    #[test]
    fn a_listing_is_the_statement_sea_query_builds() {
        let user = UserId::parse("alice").expect("user");
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let listings = Listings::new(backend);
            for filter in [
                TaskStatusFilter::All,
                TaskStatusFilter::Pending,
                TaskStatusFilter::Completed,
            ] {
                let built = listing(user.as_str(), filter).build(backend);
                let (sql, values) = listings.statement(&user, filter);
                assert_eq!(&*sql, built.sql, "{backend:?} {filter:?}");
                assert_eq!(Some(values), built.values, "{backend:?} {filter:?}");
            }
        }
    }

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
            let query = listing(user.as_str(), filter).build(sea_orm::DbBackend::Sqlite);
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
