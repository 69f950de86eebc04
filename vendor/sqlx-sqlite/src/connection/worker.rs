use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use futures_channel::oneshot;
use futures_intrusive::sync::{Mutex, MutexGuard};
use sqlx_core::sql_str::SqlStr;
use tracing::span::Span;

use sqlx_core::error::Error;
use sqlx_core::transaction::{
    begin_ansi_transaction_sql, commit_ansi_transaction_sql, rollback_ansi_transaction_sql,
};
use sqlx_core::Either;

use crate::connection::establish::EstablishParams;
use crate::connection::execute;
use crate::connection::ConnectionState;
use crate::{SqliteArguments, SqliteQueryResult, SqliteRow, SqliteRowRef, SqliteStatement};

#[cfg(feature = "deserialize")]
use crate::connection::deserialize::{deserialize, serialize, SchemaName, SqliteOwnedBuf};

// Each SQLite connection has a dedicated thread.

// TODO: Tweak this so that we can use a thread pool per pool of SQLite3 connections to reduce
//       OS resource usage. Low priority because a high concurrent load for SQLite3 is very
//       unlikely.

pub(crate) struct ConnectionWorker {
    command_tx: flume::Sender<(Command, tracing::Span)>,
    /// Mutex for locking access to the database.
    pub(crate) shared: Arc<WorkerSharedState>,
}

pub(crate) struct WorkerSharedState {
    transaction_depth: AtomicUsize,
    cached_statements_size: AtomicUsize,
    /// todo-chatbot's vendored copy (see vendor/README.md): a BEGIN, COMMIT or ROLLBACK was
    /// answered and its caller has not acknowledged it yet (see [`Deferred`]).
    unacknowledged: AtomicBool,
    pub(crate) conn: Mutex<ConnectionState>,
}

impl WorkerSharedState {
    pub(crate) fn get_transaction_depth(&self) -> usize {
        self.transaction_depth.load(Ordering::Acquire)
    }

    pub(crate) fn get_cached_statements_size(&self) -> usize {
        self.cached_statements_size.load(Ordering::Acquire)
    }
}

enum Command {
    Prepare {
        query: SqlStr,
        tx: oneshot::Sender<Result<SqliteStatement, Error>>,
    },
    #[cfg(feature = "offline")]
    Describe {
        query: SqlStr,
        tx: oneshot::Sender<Result<sqlx_core::describe::Describe<crate::Sqlite>, Error>>,
    },
    Execute {
        query: SqlStr,
        arguments: Option<SqliteArguments>,
        persistent: bool,
        tx: flume::Sender<Result<Either<SqliteQueryResult, SqliteRow>, Error>>,
        limit: Option<usize>,
    },
    #[cfg(feature = "deserialize")]
    Serialize {
        schema: Option<SchemaName>,
        tx: oneshot::Sender<Result<SqliteOwnedBuf, Error>>,
    },
    #[cfg(feature = "deserialize")]
    Deserialize {
        schema: Option<SchemaName>,
        data: SqliteOwnedBuf,
        read_only: bool,
        tx: oneshot::Sender<Result<(), Error>>,
    },
    Begin {
        tx: rendezvous_oneshot::Sender<Result<(), Error>>,
        statement: Option<SqlStr>,
    },
    Commit {
        tx: rendezvous_oneshot::Sender<Result<(), Error>>,
    },
    Rollback {
        tx: Option<rendezvous_oneshot::Sender<Result<(), Error>>>,
    },
    /// todo-chatbot's vendored copy (see vendor/README.md): a transaction of several statements
    /// run as one command, see [`SqliteConnection::run_batch`](super::SqliteConnection::run_batch).
    Batch {
        begin: SqlStr,
        statements: Vec<super::SqliteBatchStatement>,
        tx: oneshot::Sender<Result<super::SqliteBatch, Error>>,
    },
    /// todo-chatbot's vendored copy (see vendor/README.md): a query whose rows are read in
    /// place by the caller's function, see
    /// [`SqliteConnection::fetch_with`](super::SqliteConnection::fetch_with).
    Fetch {
        query: SqlStr,
        arguments: Option<SqliteArguments>,
        rows: Box<dyn RowCollector>,
    },
    UnlockDb,
    ClearCache {
        tx: oneshot::Sender<()>,
    },
    Ping {
        tx: oneshot::Sender<()>,
    },
    Shutdown {
        tx: oneshot::Sender<()>,
    },
}

impl ConnectionWorker {
    pub(crate) async fn establish(params: EstablishParams) -> Result<Self, Error> {
        let (establish_tx, establish_rx) = oneshot::channel();

        thread::Builder::new()
            .name(params.thread_name.clone())
            .spawn(move || {
                let (command_tx, command_rx) = flume::bounded(params.command_channel_size);

                let conn = match params.establish() {
                    Ok(conn) => conn,
                    Err(e) => {
                        establish_tx.send(Err(e)).ok();
                        return;
                    }
                };

                let shared = Arc::new(WorkerSharedState {
                    transaction_depth: AtomicUsize::new(0),
                    cached_statements_size: AtomicUsize::new(0),
                    unacknowledged: AtomicBool::new(false),
                    // note: must be fair because in `Command::UnlockDb` we unlock the mutex
                    // and then immediately try to relock it; an unfair mutex would immediately
                    // grant us the lock even if another task is waiting.
                    conn: Mutex::new(conn, true),
                });
                let mut conn = shared.conn.try_lock().unwrap();

                if establish_tx
                    .send(Ok(Self {
                        command_tx,
                        shared: Arc::clone(&shared),
                    }))
                    .is_err()
                {
                    return;
                }

                // If COMMIT or ROLLBACK is processed but not acknowledged, there would be another
                // ROLLBACK sent when the `Transaction` drops. We need to ignore it otherwise we
                // would rollback an already completed transaction.
                let mut ignore_next_start_rollback = false;
                // todo-chatbot's vendored copy (see vendor/README.md): the answer of the last
                // BEGIN, COMMIT or ROLLBACK whose acknowledgement is looked at when the next
                // command comes, instead of waiting for it before taking that command.
                let mut deferred: Option<Deferred> = None;

                for (cmd, span) in command_rx {
                    if let Some(answered) = deferred.take() {
                        if !answered.settle(&mut conn, &shared, &mut ignore_next_start_rollback) {
                            break;
                        }
                    }
                    let _guard = span.enter();
                    match cmd {
                        Command::Prepare { query, tx } => {
                            tx.send(prepare(&mut conn, query)).ok();

                            // This may issue an unnecessary write on failure,
                            // but it doesn't matter in the grand scheme of things.
                            update_cached_statements_size(
                                &conn,
                                &shared.cached_statements_size,
                            );
                        }
                        #[cfg(feature = "offline")]
                        Command::Describe { query, tx } => {
                            tx.send(crate::connection::describe::describe(&mut conn, query)).ok();
                        }
                        Command::Execute {
                            query,
                            arguments,
                            persistent,
                            tx,
                            limit
                        } => {
                            let iter = match execute::iter(&mut conn, query, arguments, persistent)
                            {
                                Ok(iter) => iter,
                                Err(e) => {
                                    tx.send(Err(e)).ok();
                                    continue;
                                }
                            };

                            match limit {
                                None => {
                                    for res in iter {
                                        let has_error = res.is_err();
                                        if tx.send(res).is_err() || has_error {
                                            break;
                                        }
                                    }
                                },
                                Some(limit) => {
                                    let mut iter = iter;
                                    let mut rows_returned = 0;

                                    while let Some(res) = iter.next() {
                                        if let Ok(ok) = &res {
                                            if ok.is_right() {
                                                rows_returned += 1;
                                                if rows_returned >= limit {
                                                    drop(iter);
                                                    let _ = tx.send(res);
                                                    break;
                                                }
                                            }
                                        }
                                        let has_error = res.is_err();
                                        if tx.send(res).is_err() || has_error {
                                            break;
                                        }
                                    }
                                },
                            }

                            update_cached_statements_size(&conn, &shared.cached_statements_size);
                        }
                        Command::Begin { tx, statement } => {
                            let depth = shared.transaction_depth.load(Ordering::Acquire);

                            let is_custom_statement = statement.is_some();
                            let statement = match statement {
                                // custom `BEGIN` statements are not allowed if
                                // we're already in a transaction (we need to
                                // issue a `SAVEPOINT` instead)
                                Some(_) if depth > 0 => {
                                    if tx.blocking_send(Err(Error::InvalidSavePointStatement)).is_err() {
                                        break;
                                    }
                                    continue;
                                },
                                Some(statement) => statement,
                                None => begin_ansi_transaction_sql(depth),
                            };
                            let res =
                                conn.handle
                                    .exec(statement.as_str())
                                    .and_then(|res| {
                                        if is_custom_statement && !conn.handle.in_transaction() {
                                            return Err(Error::BeginFailed)
                                        }

                                        shared.transaction_depth.fetch_add(1, Ordering::Release);

                                        Ok(res)
                                    });
                            let undo = if res.is_ok() {
                                Undo::RollBackBegin { depth }
                            } else {
                                Undo::Nothing
                            };
                            match Deferred::send(tx, res, undo, &shared) {
                                Ok(answered) => deferred = Some(answered),
                                Err(undo) => {
                                    if !undo.run(&mut conn, &shared, &mut ignore_next_start_rollback) {
                                        break;
                                    }
                                }
                            }
                        }
                        Command::Commit { tx } => {
                            let depth = shared.transaction_depth.load(Ordering::Acquire);

                            let res = if depth > 0 {
                                conn.handle
                                    .exec(commit_ansi_transaction_sql(depth).as_str())
                                    .map(|_| {
                                        shared.transaction_depth.fetch_sub(1, Ordering::Release);
                                    })
                            } else {
                                Ok(())
                            };
                            // The COMMIT was processed but not acknowledged. This means that
                            // the `Transaction` doesn't know it was committed and will try to
                            // rollback on drop. We need to ignore that rollback.
                            let undo = if res.is_ok() {
                                Undo::IgnoreNextRollback
                            } else {
                                Undo::Nothing
                            };
                            match Deferred::send(tx, res, undo, &shared) {
                                Ok(answered) => deferred = Some(answered),
                                Err(undo) => {
                                    undo.run(&mut conn, &shared, &mut ignore_next_start_rollback);
                                }
                            }
                        }
                        Command::Rollback { tx } => {
                            if ignore_next_start_rollback && tx.is_none() {
                                ignore_next_start_rollback = false;
                                continue;
                            }

                            let depth = shared.transaction_depth.load(Ordering::Acquire);

                            let res = if depth > 0 {
                                conn.handle
                                    .exec(rollback_ansi_transaction_sql(depth).as_str())
                                    .map(|_| {
                                        shared.transaction_depth.fetch_sub(1, Ordering::Release);
                                    })
                            } else {
                                Ok(())
                            };

                            if let Some(tx) = tx {
                                // The ROLLBACK was processed but not acknowledged. This means
                                // that the `Transaction` doesn't know it was rolled back and
                                // will try to rollback again on drop. We need to ignore that
                                // rollback.
                                let undo = if res.is_ok() {
                                    Undo::IgnoreNextRollback
                                } else {
                                    Undo::Nothing
                                };
                                match Deferred::send(tx, res, undo, &shared) {
                                    Ok(answered) => deferred = Some(answered),
                                    Err(undo) => {
                                        undo.run(&mut conn, &shared, &mut ignore_next_start_rollback);
                                    }
                                }
                            }
                        }
                        #[cfg(feature = "deserialize")]
                        Command::Serialize { schema, tx } => {
                            tx.send(serialize(&mut conn, schema)).ok();
                        }
                        #[cfg(feature = "deserialize")]
                        Command::Deserialize { schema, data, read_only, tx } => {
                            tx.send(deserialize(&mut conn, schema, data, read_only)).ok();
                        }
                        Command::Batch { begin, statements, tx } => {
                            tx.send(run_batch(&mut conn, &shared, begin, statements)).ok();
                            update_cached_statements_size(&conn, &shared.cached_statements_size);
                        }
                        Command::Fetch { query, arguments, mut rows } => {
                            let result = fetch_with(&mut conn, query, arguments, &mut *rows);
                            rows.answer(result);
                            update_cached_statements_size(&conn, &shared.cached_statements_size);
                        }
                        Command::ClearCache { tx } => {
                            conn.statements.clear();
                            update_cached_statements_size(&conn, &shared.cached_statements_size);
                            tx.send(()).ok();
                        }
                        Command::UnlockDb => {
                            drop(conn);
                            conn = futures_executor::block_on(shared.conn.lock());
                        }
                        Command::Ping { tx } => {
                            tx.send(()).ok();
                        }
                        Command::Shutdown { tx } => {
                            // drop the connection references before sending confirmation
                            // and ending the command loop
                            drop(conn);
                            drop(shared);
                            let _ = tx.send(());
                            return;
                        }
                    }
                }
            })?;

        establish_rx.await.map_err(|_| Error::WorkerCrashed)?
    }

    pub(crate) async fn prepare(&mut self, query: SqlStr) -> Result<SqliteStatement, Error> {
        self.oneshot_cmd(|tx| Command::Prepare { query, tx })
            .await?
    }

    #[cfg(feature = "offline")]
    pub(crate) async fn describe(
        &mut self,
        query: SqlStr,
    ) -> Result<sqlx_core::describe::Describe<crate::Sqlite>, Error> {
        self.oneshot_cmd(|tx| Command::Describe { query, tx })
            .await?
    }

    pub(crate) async fn execute(
        &mut self,
        query: SqlStr,
        args: Option<SqliteArguments>,
        chan_size: usize,
        persistent: bool,
        limit: Option<usize>,
    ) -> Result<flume::Receiver<Result<Either<SqliteQueryResult, SqliteRow>, Error>>, Error> {
        let (tx, rx) = flume::bounded(chan_size);

        self.command_tx
            .send_async((
                Command::Execute {
                    query,
                    arguments: args,
                    persistent,
                    tx,
                    limit,
                },
                Span::current(),
            ))
            .await
            .map_err(|_| Error::WorkerCrashed)?;

        Ok(rx)
    }

    pub(crate) async fn begin(&mut self, statement: Option<SqlStr>) -> Result<(), Error> {
        self.oneshot_cmd_with_ack(|tx| Command::Begin { tx, statement })
            .await?
    }

    pub(crate) async fn commit(&mut self) -> Result<(), Error> {
        self.oneshot_cmd_with_ack(|tx| Command::Commit { tx })
            .await?
    }

    pub(crate) async fn rollback(&mut self) -> Result<(), Error> {
        self.oneshot_cmd_with_ack(|tx| Command::Rollback { tx: Some(tx) })
            .await?
    }

    pub(crate) fn start_rollback(&mut self) -> Result<(), Error> {
        self.command_tx
            .send((Command::Rollback { tx: None }, Span::current()))
            .map_err(|_| Error::WorkerCrashed)
    }

    pub(crate) async fn ping(&mut self) -> Result<(), Error> {
        self.oneshot_cmd(|tx| Command::Ping { tx }).await
    }

    /// Whether the worker thread still takes commands. (todo-chatbot's vendored copy: see
    /// vendor/README.md.)
    pub(crate) fn is_alive(&self) -> bool {
        !self.command_tx.is_disconnected()
    }

    /// Whether the worker thread still takes commands and has no answer to a BEGIN, COMMIT or
    /// ROLLBACK whose caller may have gone without it (todo-chatbot's vendored copy: see
    /// vendor/README.md). Such a connection goes back through a ping, which settles it.
    pub(crate) fn is_settled(&self) -> bool {
        self.is_alive() && !self.shared.unacknowledged.load(Ordering::Acquire)
    }

    #[cfg(feature = "deserialize")]
    pub(crate) async fn deserialize(
        &mut self,
        schema: Option<SchemaName>,
        data: SqliteOwnedBuf,
        read_only: bool,
    ) -> Result<(), Error> {
        self.oneshot_cmd(|tx| Command::Deserialize {
            schema,
            data,
            read_only,
            tx,
        })
        .await?
    }

    #[cfg(feature = "deserialize")]
    pub(crate) async fn serialize(
        &mut self,
        schema: Option<SchemaName>,
    ) -> Result<SqliteOwnedBuf, Error> {
        self.oneshot_cmd(|tx| Command::Serialize { schema, tx })
            .await?
    }

    async fn oneshot_cmd<F, T>(&mut self, command: F) -> Result<T, Error>
    where
        F: FnOnce(oneshot::Sender<T>) -> Command,
    {
        let (tx, rx) = oneshot::channel();

        self.command_tx
            .send_async((command(tx), Span::current()))
            .await
            .map_err(|_| Error::WorkerCrashed)?;

        rx.await.map_err(|_| Error::WorkerCrashed)
    }

    async fn oneshot_cmd_with_ack<F, T>(&mut self, command: F) -> Result<T, Error>
    where
        F: FnOnce(rendezvous_oneshot::Sender<T>) -> Command,
    {
        let (tx, rx) = rendezvous_oneshot::channel();

        self.command_tx
            .send_async((command(tx), Span::current()))
            .await
            .map_err(|_| Error::WorkerCrashed)?;

        let answer = rx.recv().await.map_err(|_| Error::WorkerCrashed)?;
        // todo-chatbot's vendored copy (see vendor/README.md): acknowledged, so nothing is
        // left for the worker to settle (it looks at the acknowledgement at its next command).
        self.shared.unacknowledged.store(false, Ordering::Release);
        Ok(answer)
    }

    /// todo-chatbot's vendored copy (see vendor/README.md).
    pub(crate) async fn batch(
        &mut self,
        begin: SqlStr,
        statements: Vec<super::SqliteBatchStatement>,
    ) -> Result<super::SqliteBatch, Error> {
        self.oneshot_cmd(|tx| Command::Batch {
            begin,
            statements,
            tx,
        })
        .await?
    }

    /// todo-chatbot's vendored copy (see vendor/README.md).
    pub(crate) async fn fetch_with<T, F>(
        &mut self,
        query: SqlStr,
        arguments: Option<SqliteArguments>,
        f: F,
    ) -> Result<Vec<T>, Error>
    where
        T: Send + 'static,
        F: FnMut(&SqliteRowRef<'_>) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let rows = Box::new(Collector {
            f,
            rows: Vec::new(),
            tx,
        });
        self.command_tx
            .send_async((
                Command::Fetch {
                    query,
                    arguments,
                    rows,
                },
                Span::current(),
            ))
            .await
            .map_err(|_| Error::WorkerCrashed)?;
        rx.await.map_err(|_| Error::WorkerCrashed)?
    }

    pub(crate) async fn clear_cache(&mut self) -> Result<(), Error> {
        self.oneshot_cmd(|tx| Command::ClearCache { tx }).await
    }

    pub(crate) async fn unlock_db(&mut self) -> Result<MutexGuard<'_, ConnectionState>, Error> {
        let (guard, res) = futures_util::future::join(
            // we need to join the wait queue for the lock before we send the message
            self.shared.conn.lock(),
            self.command_tx
                .send_async((Command::UnlockDb, Span::current())),
        )
        .await;

        res.map_err(|_| Error::WorkerCrashed)?;

        Ok(guard)
    }

    /// Send a command to the worker to shut down the processing thread.
    ///
    /// A `WorkerCrashed` error may be returned if the thread has already stopped.
    pub(crate) fn shutdown(&mut self) -> impl Future<Output = Result<(), Error>> {
        let (tx, rx) = oneshot::channel();

        let send_res = self
            .command_tx
            .send((Command::Shutdown { tx }, Span::current()))
            .map_err(|_| Error::WorkerCrashed);

        async move {
            send_res?;

            // wait for the response
            rx.await.map_err(|_| Error::WorkerCrashed)
        }
    }
}

fn prepare(conn: &mut ConnectionState, query: SqlStr) -> Result<SqliteStatement, Error> {
    // prepare statement object (or checkout from cache)
    let statement = conn.statements.get(query.as_str(), true)?;

    let mut parameters = 0;
    let mut columns = None;
    let mut column_names = None;

    while let Some(statement) = statement.prepare_next(&mut conn.handle)? {
        parameters += statement.handle.bind_parameter_count();

        // the first non-empty statement is chosen as the statement we pull columns from
        if !statement.columns.is_empty() && columns.is_none() {
            columns = Some(Arc::clone(statement.columns));
            column_names = Some(Arc::clone(statement.column_names));
        }
    }

    Ok(SqliteStatement {
        sql: query,
        columns: columns.unwrap_or_default(),
        column_names: column_names.unwrap_or_default(),
        parameters,
    })
}

fn update_cached_statements_size(conn: &ConnectionState, size: &AtomicUsize) {
    size.store(conn.statements.len(), Ordering::Release);
}

/// todo-chatbot's vendored copy (see vendor/README.md): what a [`Command::Fetch`] does with
/// each row, on the worker thread, and how it answers.
pub(crate) trait RowCollector: Send {
    /// Reads a row while the statement stands on it; an error stops the query.
    fn row(&mut self, row: &SqliteRowRef<'_>) -> Result<(), Error>;
    /// Answers the caller: the rows read, or the error that stopped the query.
    fn answer(self: Box<Self>, result: Result<(), Error>);
}

/// The rows of a [`Command::Fetch`], each made by the caller's function.
struct Collector<T, F> {
    f: F,
    rows: Vec<T>,
    tx: oneshot::Sender<Result<Vec<T>, Error>>,
}

impl<T, F> RowCollector for Collector<T, F>
where
    T: Send,
    F: FnMut(&SqliteRowRef<'_>) -> Result<T, Error> + Send,
{
    fn row(&mut self, row: &SqliteRowRef<'_>) -> Result<(), Error> {
        self.rows.push((self.f)(row)?);
        Ok(())
    }

    fn answer(self: Box<Self>, result: Result<(), Error>) {
        let Collector { rows, tx, .. } = *self;
        // The caller may have gone (its future dropped): nothing to answer then.
        let _ = tx.send(result.map(|()| rows));
    }
}

/// todo-chatbot's vendored copy (see vendor/README.md): runs `query` (each of its statements, as
/// [`Command::Execute`] does) and hands every row to `rows` while the statement stands on it.
fn fetch_with(
    conn: &mut ConnectionState,
    query: SqlStr,
    arguments: Option<SqliteArguments>,
    rows: &mut dyn RowCollector,
) -> Result<(), Error> {
    let mut iter = execute::iter(conn, query, arguments, true)?;
    loop {
        let step = iter.next_with(|statement, columns, _| {
            // SAFETY: `next_with` calls this while the statement stands on the row, and the
            // `SqliteRowRef` does not outlive the call.
            rows.row(&unsafe { SqliteRowRef::new(statement, columns) })
        });
        match step {
            None => return Ok(()),
            Some(Err(e)) | Some(Ok(Either::Right(Err(e)))) => return Err(e),
            Some(Ok(_)) => {}
        }
    }
}

/// todo-chatbot's vendored copy (see vendor/README.md): runs `begin`, then `statements` in
/// order, each to its last row, until one fails, then `COMMIT` (and `ROLLBACK` should the
/// commit fail and leave the transaction open), all on this thread without a round trip to
/// the caller in between. The statements after a failed one are handed back unrun. `Err` only
/// when nothing ran: a transaction is already open or `begin` failed.
fn run_batch(
    conn: &mut ConnectionState,
    shared: &WorkerSharedState,
    begin: SqlStr,
    statements: Vec<super::SqliteBatchStatement>,
) -> Result<super::SqliteBatch, Error> {
    if shared.transaction_depth.load(Ordering::Acquire) > 0 || conn.handle.in_transaction() {
        return Err(Error::InvalidSavePointStatement);
    }
    conn.handle.exec(begin.as_str())?;
    if !conn.handle.in_transaction() {
        return Err(Error::BeginFailed);
    }
    let mut results = Vec::with_capacity(statements.len());
    let mut statements = statements.into_iter();
    for (query, arguments) in statements.by_ref() {
        let rows = execute::iter(conn, query, arguments, true).and_then(|iter| {
            iter.filter_map(|step| match step {
                Ok(Either::Right(row)) => Some(Ok(row)),
                Ok(Either::Left(_)) => None,
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<Vec<SqliteRow>, Error>>()
        });
        let failed = rows.is_err();
        results.push(rows);
        if failed {
            break;
        }
    }
    let unrun = statements.collect();
    let commit = conn.handle.exec("COMMIT");
    if commit.is_err() && conn.handle.in_transaction() {
        // Never leave the connection inside the transaction (it would hold the write lock).
        let _ = conn.handle.exec("ROLLBACK");
    }
    Ok(super::SqliteBatch {
        results,
        unrun,
        commit,
    })
}

// todo-chatbot's vendored copy (see vendor/README.md): upstream's worker waits for the caller to
// acknowledge each answer to a BEGIN, COMMIT or ROLLBACK before it takes the next command, so
// that it can undo what a cancelled caller never learnt of. That wait parks the worker thread
// and costs one more wake-up (the acknowledgement) per transaction boundary. Here the worker
// keeps the acknowledgement's channel and looks at it when its next command comes, before
// running it: every command of a connection comes from its one owner, who acknowledges (or
// drops the answer) before sending anything else, so by then the acknowledgement has come and
// the undo runs exactly where upstream's would have been observed. A connection whose answer
// is still unacknowledged is not released without a ping (`is_settled`), so a cancelled BEGIN
// never sits in the pool holding its transaction.

/// What to do when an answered BEGIN, COMMIT or ROLLBACK turns out never to have been read.
enum Undo {
    Nothing,
    /// The BEGIN at this depth (before it) ran: no `Transaction` knows of it.
    RollBackBegin { depth: usize },
    /// The `Transaction` does not know it ended and will send a ROLLBACK on drop.
    IgnoreNextRollback,
}

impl Undo {
    /// Returns `false` when the worker must stop (the rollback of a cancelled BEGIN failed).
    fn run(
        self,
        conn: &mut ConnectionState,
        shared: &WorkerSharedState,
        ignore_next_start_rollback: &mut bool,
    ) -> bool {
        match self {
            Undo::Nothing => true,
            Undo::IgnoreNextRollback => {
                *ignore_next_start_rollback = true;
                true
            }
            Undo::RollBackBegin { depth } => {
                // The BEGIN was processed but not acknowledged. This means no
                // `Transaction` was created and so there is no way to commit /
                // rollback this transaction. We need to roll it back
                // immediately otherwise it would remain started forever.
                if let Err(error) = conn
                    .handle
                    .exec(rollback_ansi_transaction_sql(depth + 1).as_str())
                    .map(|_| {
                        shared.transaction_depth.fetch_sub(1, Ordering::Release);
                    })
                {
                    // The rollback failed. To prevent leaving the connection
                    // in an inconsistent state we shutdown this worker which
                    // causes any subsequent operation on the connection to fail.
                    tracing::error!(%error, "failed to rollback cancelled transaction");
                    return false;
                }
                true
            }
        }
    }
}

/// An answer sent whose acknowledgement is looked at later.
struct Deferred {
    ack: oneshot::Receiver<()>,
    undo: Undo,
}

impl Deferred {
    /// Sends `value`; `Err(undo)` when the caller is already gone (undo at once).
    fn send<T>(
        tx: rendezvous_oneshot::Sender<T>,
        value: T,
        undo: Undo,
        shared: &WorkerSharedState,
    ) -> Result<Self, Undo> {
        shared.unacknowledged.store(true, Ordering::Release);
        match tx.send_deferred(value) {
            Ok(ack) => Ok(Self { ack, undo }),
            Err(_) => {
                shared.unacknowledged.store(false, Ordering::Release);
                Err(undo)
            }
        }
    }

    /// Runs the undo if the answer was never read; waits for the acknowledgement in the case
    /// that cannot happen (a command from someone else while the owner has not yet read it),
    /// as upstream would have. Returns `false` when the worker must stop.
    fn settle(
        mut self,
        conn: &mut ConnectionState,
        shared: &WorkerSharedState,
        ignore_next_start_rollback: &mut bool,
    ) -> bool {
        let received = match self.ack.try_recv() {
            Ok(Some(())) => true,
            Ok(None) => futures_executor::block_on(self.ack).is_ok(),
            Err(_) => false,
        };
        shared.unacknowledged.store(false, Ordering::Release);
        received || self.undo.run(conn, shared, ignore_next_start_rollback)
    }
}

// A oneshot channel where send completes only after the receiver receives the value.
mod rendezvous_oneshot {
    use super::oneshot::{self, Canceled};

    pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
        let (inner_tx, inner_rx) = oneshot::channel();
        (Sender { inner: inner_tx }, Receiver { inner: inner_rx })
    }

    pub struct Sender<T> {
        inner: oneshot::Sender<(T, oneshot::Sender<()>)>,
    }

    impl<T> Sender<T> {
        pub async fn send(self, value: T) -> Result<(), Canceled> {
            let (ack_tx, ack_rx) = oneshot::channel();
            self.inner.send((value, ack_tx)).map_err(|_| Canceled)?;
            ack_rx.await
        }

        pub fn blocking_send(self, value: T) -> Result<(), Canceled> {
            futures_executor::block_on(self.send(value))
        }

        /// Sends without waiting for the acknowledgement: the receiver of the returned
        /// channel learns later whether the value was received (`Ok`) or dropped unread
        /// (`Canceled`). (todo-chatbot's vendored copy: see vendor/README.md.)
        pub fn send_deferred(self, value: T) -> Result<oneshot::Receiver<()>, Canceled> {
            let (ack_tx, ack_rx) = oneshot::channel();
            self.inner.send((value, ack_tx)).map_err(|_| Canceled)?;
            Ok(ack_rx)
        }
    }

    pub struct Receiver<T> {
        inner: oneshot::Receiver<(T, oneshot::Sender<()>)>,
    }

    impl<T> Receiver<T> {
        pub async fn recv(self) -> Result<T, Canceled> {
            let (value, ack_tx) = self.inner.await?;
            ack_tx.send(()).map_err(|_| Canceled)?;
            Ok(value)
        }
    }
}
