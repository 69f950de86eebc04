//! [`Checkpoints`]: a SQLite file's WAL checkpoints, off the writer's thread.
//!
//! In WAL mode a commit appends pages to the `-wal` file, and a checkpoint copies them back
//! into the database file (then `fsync`s both) so that the WAL can start over. By default the
//! connection that commits runs the checkpoint inside its `COMMIT` once the WAL holds 1,000
//! pages: on this service that is the single writer connection, the one thread every chat's
//! writes queue for. Under the `new` load scenario the writer's thread spent about a third of
//! its time in those checkpoints, most of it the copies' `pwrite`s and the kernel's writeback
//! inside `fsync`, while every queued write waited (BENCHMARKS.md, "The seventeenth pass").
//!
//! So a SQLite file gets a connection of its own for checkpoints, run by a task that the
//! writer nudges after each committed batch: it runs a `PASSIVE` checkpoint (which copies what
//! no reader still needs, takes no lock a writer or a reader waits for, and leaves the WAL to
//! grow meanwhile), then waits [`CHECKPOINT_EVERY`] before the next one, so that an idle
//! database costs nothing and a busy one a checkpoint every few dozen milliseconds. A WAL
//! starts over only when a write transaction begins with every page of it copied back, which a
//! checkpoint running beside a busy writer seldom leaves it; so the writer keeps its own
//! checkpoint, at [`WRITER_AUTOCHECKPOINT`] pages instead of 1,000: by then this task has copied
//! nearly everything, the writer's checkpoint copies the rest and the WAL starts over. Should
//! this task fall behind or fail, the writer's checkpoint still bounds the WAL as before.

use std::time::Duration;

use sea_orm::{ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbErr};
use tokio::sync::mpsc;

/// The least time between two checkpoints of the background task.
pub(crate) const CHECKPOINT_EVERY: Duration = Duration::from_millis(20);

/// The WAL's size in pages at which the writer connection checkpoints by itself
/// (`PRAGMA wal_autocheckpoint`, SQLite's default 1,000): the backstop that lets the WAL start
/// over (see the module documentation), about 16 MB of WAL with 4 KiB pages. In 20 s `new`
/// runs with the background task, the writer at 1,000 pages served no more chats than without
/// it (it still ran most checkpoints); at 4,000, 6% and 15% more in two alternated pairs
/// (BENCHMARKS.md, "The seventeenth pass").
pub(crate) const WRITER_AUTOCHECKPOINT: u32 = 4000;

const CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

/// The writer's handle on the checkpoint task: [`Self::wrote`] after each commit. The task ends
/// (and closes its connection) when this is dropped, i.e. with the writer's task.
pub(crate) struct Checkpoints {
    nudge: mpsc::Sender<()>,
}

impl Checkpoints {
    /// Starts the task that checkpoints over `connection`, a pool of one connection to the
    /// SQLite file the writer writes.
    pub(crate) fn start(connection: DatabaseConnection) -> Self {
        // One pending nudge at most: the nudges of the batches committed while a checkpoint
        // runs, or while the task waits out CHECKPOINT_EVERY, come to one more checkpoint.
        let (nudge, nudges) = mpsc::channel(1);
        tokio::spawn(run(connection, nudges));
        Self { nudge }
    }

    /// Something was committed: a checkpoint is due once the task is free.
    pub(crate) fn wrote(&self) {
        // Full: a checkpoint is already due. Closed: the runtime is shutting down.
        let _ = self.nudge.try_send(());
    }
}

async fn run(connection: DatabaseConnection, mut nudges: mpsc::Receiver<()>) {
    let mut health = Health::default();
    while nudges.recv().await.is_some() {
        match connection.execute_unprepared(CHECKPOINT).await {
            // The database was closed (`Database::close`): nothing is left to checkpoint.
            Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed)) => break,
            outcome => health.record(outcome.map(|_| ())),
        };
        tokio::time::sleep(CHECKPOINT_EVERY).await;
    }
    let _ = connection.close_by_ref().await;
}

/// Whether checkpoints are failing, so that a failure is logged when it starts and when it
/// ends instead of 50 times a second.
#[derive(Debug, Default)]
struct Health {
    failing: bool,
}

/// What [`Health::record`] logged.
#[derive(Debug, PartialEq, Eq)]
enum Logged {
    Nothing,
    Failing,
    Recovered,
}

impl Health {
    fn record(&mut self, outcome: Result<(), DbErr>) -> Logged {
        match (outcome, self.failing) {
            (Ok(()), false) => Logged::Nothing,
            (Ok(()), true) => {
                self.failing = false;
                tracing::info!("WAL checkpoints succeed again");
                Logged::Recovered
            }
            (Err(_), true) => Logged::Nothing,
            (Err(e), false) => {
                self.failing = true;
                tracing::warn!(
                    error = %e,
                    "WAL checkpoint failed; the writer's own checkpoints bound the WAL until they succeed again"
                );
                Logged::Failing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A nudge that finds the database closed (`Database::close` while the writer's last
    /// batch committed) ends the task, without logging a failure, instead of leaving it waiting
    /// for nudges that cannot help.
    #[tokio::test]
    async fn the_task_ends_when_the_database_is_closed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/c.db?mode=rwc", dir.path().display());
        let connection = sea_orm::Database::connect(url.as_str())
            .await
            .expect("connect");
        let (nudge, nudges) = mpsc::channel(1);
        nudge.try_send(()).expect("nudge");
        connection.close_by_ref().await.expect("close");
        tokio::time::timeout(Duration::from_secs(5), run(connection, nudges))
            .await
            .expect("the task ended though its nudges were still open");
        drop(nudge);
    }

    #[test]
    fn a_failure_is_logged_once_when_it_starts_and_once_when_it_ends() {
        let mut health = Health::default();
        let failed = || Err(DbErr::Custom("disk I/O error".into()));
        assert_eq!(health.record(Ok(())), Logged::Nothing);
        assert_eq!(health.record(failed()), Logged::Failing);
        assert_eq!(health.record(failed()), Logged::Nothing);
        assert_eq!(health.record(failed()), Logged::Nothing);
        assert_eq!(health.record(Ok(())), Logged::Recovered);
        assert_eq!(health.record(Ok(())), Logged::Nothing);
        assert_eq!(health.record(failed()), Logged::Failing);
    }
}
