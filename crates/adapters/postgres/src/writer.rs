//! [`Writer`]: where the repositories' writes run.
//!
//! On PostgreSQL each write is one statement on the pool, as before: many connections write
//! at once and the server orders them.
//!
//! SQLite admits one writer at a time, and its single writer connection is the service's
//! bottleneck under load. Handing that connection from one request to the next costs several
//! wake-ups each time (acquire, the sqlx worker thread and back, sqlx's ping on release, the
//! next waiter), each queued behind every other task of the busy runtime: in the `new` load
//! scenario a write waited 17 ms (p50) for the connection while its own work took well under
//! one. So on SQLite one task owns the writer connection and runs the writes queued meanwhile
//! together, in one `BEGIN IMMEDIATE … COMMIT` (group commit), answering each caller only
//! once the transaction is committed: a caller never sees a write that could still be lost,
//! and readers see it as soon as its caller does.
//!
//! A batch is one command to the connection's worker thread (`run_batch`, added to the vendored
//! sqlx-sqlite: see vendor/README.md): the thread runs `BEGIN IMMEDIATE`, each write's
//! statement to its last row, and `COMMIT` without handing back to this task in between, so
//! a batch costs one round trip between threads instead of one per statement and two more for
//! its BEGIN and COMMIT. That is why a write is a statement built up front (`rows`) rather than
//! code run against a transaction: a write of several dependent statements is several
//! statements in one string (`START_CONVERSATION_SQLITE`).
//!
//! A write that fails ends its batch early: what ran before it is committed (SQLite rolls back
//! the failed statement alone, or, for the worst errors, the whole transaction, in which case
//! the commit fails and those callers get that error), and the writes after it start a new
//! batch. A batch that cannot begin or commit fails each of its writes with that error, and a
//! failed commit is rolled back, so the connection never stays inside the transaction.

use std::collections::VecDeque;
use std::sync::Arc;

use sea_orm::sqlx::sqlite::{
    Sqlite, SqliteArguments, SqliteBatch, SqliteBatchStatement, SqlitePool,
};
use sea_orm::sqlx::{self, AssertSqlSafe, IntoArguments, SqlSafeStr};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, FromQueryResult,
    QueryResult, RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::{mpsc, oneshot};

use crate::checkpoint::Checkpoints;

/// Writes taken into one transaction at most.
const MAX_BATCH: usize = 64;

/// How the SQLite writer begins a batch: taking the write lock at once, so that no statement
/// of the batch waits for it halfway.
const BEGIN: &str = "BEGIN IMMEDIATE";

/// The error of one write: its own, or its batch's (shared by every write of the batch).
pub(crate) type WriteError = Arc<DbErr>;

/// Where writes run: see the module documentation.
#[derive(Clone)]
pub(crate) enum Writer {
    /// Each write on the pool, by itself.
    Direct(DatabaseConnection),
    /// Writes queued for the task that owns the SQLite writer connection.
    Queued(mpsc::UnboundedSender<Job>, DbBackend),
}

/// A queued write: its statement, and where its answer goes.
pub(crate) struct Job {
    statement: SqliteBatchStatement,
    answer: oneshot::Sender<Result<Vec<QueryResult>, WriteError>>,
}

impl Writer {
    /// Writes straight to `connection` (PostgreSQL).
    pub(crate) fn direct(connection: DatabaseConnection) -> Self {
        Self::Direct(connection)
    }

    /// Starts the task that owns `connection` (the SQLite writer) and runs queued writes in
    /// batches, nudging `checkpoints` after each commit. The task ends when the last `Writer`
    /// clone is dropped.
    pub(crate) fn queued(connection: DatabaseConnection, checkpoints: Option<Checkpoints>) -> Self {
        let backend = connection.get_database_backend();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run_batches(connection, rx, checkpoints));
        Self::Queued(tx, backend)
    }

    pub(crate) fn backend(&self) -> DbBackend {
        match self {
            Self::Direct(connection) => connection.get_database_backend(),
            Self::Queued(_, backend) => *backend,
        }
    }

    /// Runs one write, `statement` (built for [`Self::backend`]), and returns every row it
    /// returns, read to the end (see "Writes run to completion" in the crate docs). On SQLite
    /// `statement` may hold several statements separated by `;` that run back to back in the
    /// same batch, their `?NNN` parameters numbered across all of them; the rows are those of
    /// all of them.
    pub(crate) async fn rows(&self, statement: Statement) -> Result<Vec<QueryResult>, WriteError> {
        match self {
            Self::Direct(connection) => connection.query_all_raw(statement).await.map_err(Arc::new),
            Self::Queued(queue, _) => {
                let Statement { sql, values, .. } = statement;
                let arguments: Option<SqliteArguments> = values
                    .map(|values| IntoArguments::<Sqlite>::into_arguments(SqlxValues(values)));
                let (answer, rx) = oneshot::channel();
                let job = Job {
                    statement: (AssertSqlSafe(sql).into_sql_str(), arguments),
                    answer,
                };
                queue.send(job).map_err(|_| stopped())?;
                rx.await.map_err(|_| stopped())?
            }
        }
    }

    /// [`Self::rows`], each read as an `M`.
    pub(crate) async fn models<M: FromQueryResult>(
        &self,
        statement: Statement,
    ) -> Result<Vec<M>, WriteError> {
        self.rows(statement)
            .await?
            .iter()
            .map(|row| M::from_query_result(row, "").map_err(Arc::new))
            .collect()
    }
}

/// The writer task is gone (the runtime is shutting down).
fn stopped() -> WriteError {
    Arc::new(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))
}

/// A driver error as sea-orm reports the same error of a query.
pub(crate) fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
}

/// A failure to get the writer connection, as sea-orm reports it.
pub(crate) fn acquire_error(err: sqlx::Error) -> DbErr {
    match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        other => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(other))),
    }
}

async fn run_batches(
    connection: DatabaseConnection,
    mut rx: mpsc::UnboundedReceiver<Job>,
    checkpoints: Option<Checkpoints>,
) {
    let pool = connection.get_sqlite_connection_pool().clone();
    let mut pending: VecDeque<Job> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match rx.recv().await {
                Some(job) => pending.push_back(job),
                None => return,
            }
        }
        while pending.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => pending.push_back(job),
                Err(_) => break,
            }
        }
        if run_batch(&pool, &mut pending).await
            && let Some(checkpoints) = &checkpoints
        {
            checkpoints.wrote();
        }
    }
}

/// Runs up to [`MAX_BATCH`] writes from the front of `pending` in one transaction, one
/// command to the connection's thread, and answers each; the writes after one that failed go
/// back to the front of `pending`, unrun. `true` when the batch committed.
async fn run_batch(pool: &SqlitePool, pending: &mut VecDeque<Job>) -> bool {
    let taken = pending.len().min(MAX_BATCH);
    let (statements, answers): (Vec<_>, Vec<_>) = pending
        .drain(..taken)
        .map(|job| (job.statement, job.answer))
        .unzip();
    let outcome = match pool.acquire().await {
        Ok(mut connection) => connection
            .run_batch(AssertSqlSafe(BEGIN).into_sql_str(), statements)
            .await
            .map_err(query_error),
        Err(e) => Err(acquire_error(e)),
    };
    let SqliteBatch {
        results,
        unrun,
        commit,
    } = match outcome {
        Ok(batch) => batch,
        Err(e) => {
            // Nothing ran: every write of the batch gets the reason.
            let err = Arc::new(e);
            for answer in answers {
                let _ = answer.send(Err(err.clone()));
            }
            return false;
        }
    };
    let committed = commit.is_ok();
    let commit = commit.err().map(|e| Arc::new(query_error(e)));
    let mut answers = answers.into_iter();
    for (own, answer) in results.into_iter().zip(answers.by_ref()) {
        let reply = match (own, &commit) {
            // Its own failure says most about this write.
            (Err(e), _) => Err(Arc::new(query_error(e))),
            (Ok(_), Some(batch)) => Err(batch.clone()),
            (Ok(rows), None) => Ok(rows.into_iter().map(QueryResult::from).collect()),
        };
        let _ = answer.send(reply);
    }
    for job in unrun
        .into_iter()
        .zip(answers)
        .map(|(statement, answer)| Job { statement, answer })
        .rev()
    {
        pending.push_front(job);
    }
    committed
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};

    use super::*;

    /// A SQLite file in `dir` holding `schema`.
    async fn file_database(dir: &tempfile::TempDir, schema: &str) -> DatabaseConnection {
        let url = format!("sqlite://{}/w.db?mode=rwc", dir.path().display());
        let connection = Database::connect(url.as_str()).await.expect("connect");
        connection.execute_unprepared(schema).await.expect("schema");
        connection
    }

    fn sql(text: &str) -> Statement {
        Statement::from_string(DbBackend::Sqlite, text.to_owned())
    }

    async fn count_and_sum(connection: &DatabaseConnection, table: &str) -> (i64, i64) {
        let row = connection
            .query_one_raw(sql(&format!(
                "SELECT count(*), coalesce(sum(n), 0) FROM {table}"
            )))
            .await
            .expect("count")
            .expect("row");
        (
            row.try_get_by_index::<i64>(0).expect("count"),
            row.try_get_by_index::<i64>(1).expect("sum"),
        )
    }

    /// Writes queued at once share one batch (the test's runtime has one thread, so every
    /// caller queues before the writer task runs); the one that fails gets its own error,
    /// the writes before it are committed, those after it run in the next batch, and each
    /// caller gets its own rows.
    #[tokio::test]
    async fn queued_writes_commit_together_and_a_failure_stays_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let connection = file_database(&dir, "CREATE TABLE t (n INTEGER NOT NULL)").await;
        let writer = Writer::queued(connection.clone(), None);
        let writes: Vec<_> = (0..40)
            .map(|n| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let text = if n == 7 {
                        "INSERT INTO missing (n) VALUES (7) RETURNING n".to_owned()
                    } else {
                        format!("INSERT INTO t (n) VALUES ({n}) RETURNING n")
                    };
                    writer.rows(sql(&text)).await
                })
            })
            .collect();
        for (n, write) in writes.into_iter().enumerate() {
            let result = write.await.expect("task");
            if n == 7 {
                let err = result.expect_err("the failing write fails");
                assert!(err.to_string().contains("missing"), "{err}");
            } else {
                let rows = result.expect("write");
                assert_eq!(rows.len(), 1, "write {n}");
                assert_eq!(rows[0].try_get_by_index::<i64>(0).expect("n"), n as i64);
            }
        }
        assert_eq!(
            count_and_sum(&connection, "t").await,
            (39, (0..40).sum::<i64>() - 7)
        );
    }

    /// A write of two statements in one string runs both, their numbered parameters shared,
    /// and returns the rows of both (here the second's: the first returns none).
    #[tokio::test]
    async fn a_write_of_several_statements_runs_them_back_to_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let connection = file_database(
            &dir,
            "CREATE TABLE p (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
                 CREATE TABLE c (p_id INTEGER NOT NULL REFERENCES p (id), n INTEGER NOT NULL)",
        )
        .await;
        let writer = Writer::queued(connection.clone(), None);
        let statement = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO p (n) VALUES (?1); \
             INSERT INTO c (p_id, n) VALUES (last_insert_rowid(), ?2) RETURNING p_id, n",
            [5_i64.into(), 6_i64.into()],
        );
        let rows = writer.rows(statement).await.expect("write");
        assert_eq!(rows.len(), 1);
        let parent = rows[0].try_get_by_index::<i64>(0).expect("p_id");
        assert_eq!(rows[0].try_get_by_index::<i64>(1).expect("n"), 6);
        let row = connection
            .query_one_raw(sql("SELECT id, n FROM p"))
            .await
            .expect("select")
            .expect("row");
        assert_eq!(row.try_get_by_index::<i64>(0).expect("id"), parent);
        assert_eq!(row.try_get_by_index::<i64>(1).expect("n"), 5);
    }

    /// A batch whose COMMIT fails (a deferred foreign key left broken) fails every write that
    /// ran in it with that error, stores none of them, and leaves the connection out of the
    /// transaction, so the next batch commits.
    #[tokio::test]
    async fn a_batch_whose_commit_fails_fails_each_write_and_the_next_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let connection = file_database(
            &dir,
            "CREATE TABLE p (id INTEGER PRIMARY KEY);
                 CREATE TABLE c (n INTEGER NOT NULL,
                     p_id INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await;
        let writer = Writer::queued(connection.clone(), None);
        let writes: Vec<_> = [
            "INSERT INTO c (n) VALUES (1)",
            "INSERT INTO c (n, p_id) VALUES (2, 99)",
        ]
        .into_iter()
        .map(|text| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.rows(sql(text)).await })
        })
        .collect();
        for write in writes {
            let err = write.await.expect("task").expect_err("the commit fails");
            assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        }
        writer
            .rows(sql("INSERT INTO c (n) VALUES (3)"))
            .await
            .expect("the next batch commits");
        assert_eq!(count_and_sum(&connection, "c").await, (1, 3));
    }

    /// A batch that cannot begin (the pool is closed) fails each of its writes with that
    /// error instead of leaving callers waiting.
    #[tokio::test]
    async fn a_batch_that_cannot_begin_fails_each_write() {
        let connection = Database::connect("sqlite::memory:").await.expect("connect");
        let writer = Writer::queued(connection.clone(), None);
        connection.close_by_ref().await.expect("close");
        let err = writer
            .rows(sql("SELECT 1"))
            .await
            .expect_err("no connection");
        assert_eq!(
            crate::error::classify(&err),
            crate::error::Failure::Unavailable,
            "{err}"
        );
    }

    /// `run_batch` on a connection already inside a transaction runs nothing and says so,
    /// leaving that transaction as it was.
    #[tokio::test]
    async fn run_batch_inside_a_transaction_runs_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let connection = file_database(&dir, "CREATE TABLE t (n INTEGER NOT NULL)").await;
        let pool = connection.get_sqlite_connection_pool();
        let mut held = pool.acquire().await.expect("acquire");
        sqlx::query("BEGIN")
            .execute(&mut *held)
            .await
            .expect("begin");
        sqlx::query("INSERT INTO t (n) VALUES (1)")
            .execute(&mut *held)
            .await
            .expect("insert");
        let statement = (
            AssertSqlSafe("INSERT INTO t (n) VALUES (2)").into_sql_str(),
            None,
        );
        let err = held
            .run_batch(AssertSqlSafe(BEGIN).into_sql_str(), vec![statement])
            .await
            .expect_err("inside a transaction");
        assert!(
            matches!(err, sqlx::Error::InvalidSavePointStatement),
            "{err}"
        );
        sqlx::query("COMMIT")
            .execute(&mut *held)
            .await
            .expect("the transaction is still open");
        drop(held);
        assert_eq!(count_and_sum(&connection, "t").await, (1, 1));
    }
}
