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
//! A write that fails ends its batch early: what ran before it is committed (SQLite rolls back
//! the failed statement alone, or, for the worst errors, the whole transaction, in which case
//! the commit fails and those callers get that error), and the writes after it start a new
//! batch. A batch that cannot begin or commit fails each of its writes with that error.

use std::collections::VecDeque;
use std::sync::Arc;

use sea_orm::{
    DatabaseConnection, DatabaseExecutor, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{mpsc, oneshot};

/// A boxed future that borrows for `'a`.
pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Writes taken into one transaction at most.
const MAX_BATCH: usize = 64;

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

/// A queued write: given the batch's transaction, runs its statement and returns how to
/// answer its caller once the batch's fate is known (the commit error, if any). Given no
/// transaction, it answers at once with the error it is then called with.
pub(crate) type Job = Box<
    dyn for<'a> FnOnce(Option<&'a sea_orm::DatabaseTransaction>) -> BoxFuture<'a, Completion>
        + Send,
>;

/// Sends one caller its answer, given the batch's error (begin or commit) or `None`.
type Answer = Box<dyn FnOnce(Option<&WriteError>) + Send>;

/// What a queued write did: whether its own statement failed, and how to answer its caller.
pub(crate) struct Completion {
    failed: bool,
    answer: Answer,
}

impl Writer {
    /// Writes straight to `connection` (PostgreSQL).
    pub(crate) fn direct(connection: DatabaseConnection) -> Self {
        Self::Direct(connection)
    }

    /// Starts the task that owns `connection` (the SQLite writer) and runs queued writes in
    /// batches. The task ends when the last `Writer` clone is dropped.
    pub(crate) fn queued(connection: DatabaseConnection) -> Self {
        let backend = connection.get_database_backend();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run_batches(connection, rx));
        Self::Queued(tx, backend)
    }

    pub(crate) fn backend(&self) -> DbBackend {
        match self {
            Self::Direct(connection) => connection.get_database_backend(),
            Self::Queued(_, backend) => *backend,
        }
    }

    /// Runs one write: `work` gets the executor to run its statement on.
    pub(crate) async fn run<T, F>(&self, work: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: for<'a> FnOnce(DatabaseExecutor<'a>) -> BoxFuture<'a, Result<T, DbErr>> + Send + 'static,
    {
        match self {
            Self::Direct(connection) => work(DatabaseExecutor::Connection(connection))
                .await
                .map_err(Arc::new),
            Self::Queued(queue, _) => {
                let (tx, rx) = oneshot::channel::<Result<T, WriteError>>();
                let job: Job = Box::new(move |txn| {
                    Box::pin(async move {
                        let Some(txn) = txn else {
                            return Completion {
                                failed: true,
                                answer: Box::new(move |batch: Option<&WriteError>| {
                                    let err = batch.cloned().unwrap_or_else(|| {
                                        Arc::new(DbErr::Custom("the write was not run".into()))
                                    });
                                    let _ = tx.send(Err(err));
                                }),
                            };
                        };
                        let own = work(DatabaseExecutor::Transaction(txn)).await;
                        Completion {
                            failed: own.is_err(),
                            answer: Box::new(move |batch: Option<&WriteError>| {
                                let answer = match (own, batch) {
                                    // Its own failure says most about this write.
                                    (Err(e), _) => Err(Arc::new(e)),
                                    (Ok(_), Some(batch)) => Err(batch.clone()),
                                    (Ok(value), None) => Ok(value),
                                };
                                let _ = tx.send(answer);
                            }),
                        }
                    })
                });
                queue.send(job).map_err(|_| stopped())?;
                rx.await.map_err(|_| stopped())?
            }
        }
    }
}

/// The writer task is gone (the runtime is shutting down).
fn stopped() -> WriteError {
    Arc::new(DbErr::ConnectionAcquire(
        sea_orm::ConnAcquireErr::ConnectionClosed,
    ))
}

async fn run_batches(connection: DatabaseConnection, mut rx: mpsc::UnboundedReceiver<Job>) {
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
        run_batch(&connection, &mut pending).await;
    }
}

/// Runs writes from the front of `pending` in one transaction, until one fails or
/// [`MAX_BATCH`] ran; leaves the rest in `pending`.
async fn run_batch(connection: &DatabaseConnection, pending: &mut VecDeque<Job>) {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = match connection.begin_with_options(options).await {
        Ok(txn) => txn,
        Err(e) => {
            // Nothing can run: every write waiting now gets the reason.
            let err = Arc::new(e);
            while let Some(job) = pending.pop_front() {
                (job(None).await.answer)(Some(&err));
            }
            return;
        }
    };
    let mut done = Vec::with_capacity(pending.len().min(MAX_BATCH));
    while done.len() < MAX_BATCH {
        let Some(job) = pending.pop_front() else {
            break;
        };
        let completion = job(Some(&txn)).await;
        let failed = completion.failed;
        done.push(completion);
        if failed {
            break;
        }
    }
    let outcome = txn.commit().await.err().map(Arc::new);
    for completion in done {
        (completion.answer)(outcome.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Database, Statement};

    use super::*;

    fn sql(db: &DatabaseExecutor<'_>, text: &str) -> Statement {
        Statement::from_string(db.get_database_backend(), text.to_owned())
    }

    /// Many writes queued at once share transactions; the one that fails gets its own error,
    /// every other is committed and told so, and each caller hears only after its commit.
    #[tokio::test]
    async fn queued_writes_commit_together_and_a_failure_stays_its_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/w.db?mode=rwc", dir.path().display());
        let connection = Database::connect(url.as_str()).await.expect("connect");
        connection
            .execute_unprepared("CREATE TABLE t (n INTEGER NOT NULL)")
            .await
            .expect("table");
        let writer = Writer::queued(connection.clone());
        let writes: Vec<_> = (0..40)
            .map(|n| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    writer
                        .run(move |db| {
                            Box::pin(async move {
                                let text = if n == 7 {
                                    "INSERT INTO missing (n) VALUES (7)".to_owned()
                                } else {
                                    format!("INSERT INTO t (n) VALUES ({n})")
                                };
                                db.execute_raw(sql(&db, &text)).await.map(|_| n)
                            })
                        })
                        .await
                })
            })
            .collect();
        for (n, write) in writes.into_iter().enumerate() {
            let result = write.await.expect("task");
            if n == 7 {
                let err = result.expect_err("the failing write fails");
                assert!(err.to_string().contains("missing"), "{err}");
            } else {
                assert_eq!(result.expect("write"), n);
            }
        }
        let row = connection
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT count(*), sum(n) FROM t",
            ))
            .await
            .expect("count")
            .expect("row");
        assert_eq!(row.try_get_by_index::<i64>(0).expect("count"), 39);
        assert_eq!(
            row.try_get_by_index::<i64>(1).expect("sum"),
            (0..40).sum::<i64>() - 7
        );
    }

    /// A batch that cannot begin (the pool is closed) fails each of its writes with that
    /// error instead of leaving callers waiting.
    #[tokio::test]
    async fn a_batch_that_cannot_begin_fails_each_write() {
        let connection = Database::connect("sqlite::memory:").await.expect("connect");
        let writer = Writer::queued(connection.clone());
        connection.close_by_ref().await.expect("close");
        let result = writer
            .run(|db| {
                Box::pin(async move { db.execute_raw(sql(&db, "SELECT 1")).await.map(|_| ()) })
            })
            .await;
        let err = result.expect_err("no connection");
        assert_eq!(
            crate::error::classify(&err),
            crate::error::Failure::Unavailable,
            "{err}"
        );
    }
}
