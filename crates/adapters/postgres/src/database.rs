use std::path::Path;
use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

use crate::checkpoint::{Checkpoints, WRITER_AUTOCHECKPOINT};
use crate::error::scrub;
use crate::migration::Migrator;
use crate::writer::Writer;
use crate::{
    Backend, DatabaseSettings, SeaConversationRepository, SeaTaskRepository, StorageError,
};

/// An idle pooled connection is pinged before use only past this idle time. Pinging on every
/// acquire would add a round trip to each query (sqlx also pings a connection released with
/// work in flight, see vendor/README.md); a connection idle this long may have been dropped by
/// the server or a proxy, so that one is checked.
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(30);

/// The connection pools to one database, and the repositories over them.
///
/// On PostgreSQL there is one pool. On SQLite there are three: readers (up to
/// `max_connections` but at most two per CPU, concurrent thanks to WAL), a single writer
/// connection, and for a file one connection that checkpoints the WAL beside the writer (see
/// [`Checkpoints`]). SQLite admits one writer at a time anyway; queueing the writes for the one
/// task that owns the writer connection (see [`Writer`]: first come, first served, committed
/// in batches) instead of letting them race for the file lock means no write waits in
/// SQLite's busy handler, whose back-off sleeps (up to 100 ms) would dominate latency under
/// load. The busy timeout still covers other processes writing to the same file.
pub struct Database {
    backend: Backend,
    reader: DatabaseConnection,
    writer: DatabaseConnection,
    /// Where the repositories' writes run: see [`Writer`].
    write: Writer,
    /// A SQLite file's connection for WAL checkpoints: see [`Checkpoints`].
    checkpoints: Option<DatabaseConnection>,
    url: String,
}

impl Database {
    /// Opens the pool(s) and checks that one connection can be made.
    ///
    /// For a SQLite URL with `mode=rwc`, the file's directory is created when missing. Every
    /// SQLite connection runs in WAL mode with `synchronous=NORMAL`, foreign keys on and
    /// `settings.sqlite_busy_timeout` as busy timeout.
    ///
    /// # Errors
    /// [`StorageError::InvalidUrl`] for a URL of another scheme or one that does not parse,
    /// [`StorageError::Unavailable`] when no connection could be made within
    /// `settings.connect_timeout` (or the acquire timeout), [`StorageError::Unexpected`] for
    /// anything else (rejected credentials, a missing database, a directory that cannot be
    /// created).
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, StorageError> {
        let backend = settings.backend()?;
        let url = settings.url.clone();
        match backend {
            Backend::Postgres => {
                let mut options = pool_options(settings);
                options
                    .max_connections(settings.max_connections.max(1))
                    .min_connections(settings.min_connections)
                    .set_application_name("todo-chatbot");
                let pool = open(options, settings).await?;
                Ok(Self {
                    backend,
                    reader: pool.clone(),
                    write: Writer::direct(pool.clone()),
                    writer: pool,
                    checkpoints: None,
                    url,
                })
            }
            Backend::Sqlite if sqlite_in_memory(&url) => {
                // Each parse of `:memory:` is a new database and closing its last connection
                // drops it: one pool of one connection that never expires holds it.
                let mut options = pool_options(settings);
                options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
                sqlite_pragmas(&mut options, settings.sqlite_busy_timeout);
                let pool = open(options, settings).await?;
                Ok(Self {
                    backend,
                    reader: pool.clone(),
                    write: Writer::direct(pool.clone()),
                    writer: pool,
                    checkpoints: None,
                    url,
                })
            }
            Backend::Sqlite => {
                create_parent_directory(&url)?;
                // The writer opens first: its first connection turns the file to WAL, which
                // needs an exclusive lock that the busy timeout cannot wait for.
                let mut options = pool_options(settings);
                options.max_connections(1).min_connections(1);
                // Every connection's options (`sqlite_pragmas`'s) and the writer's checkpoint
                // backstop, in one function: sea-orm keeps the last one given.
                let busy_timeout = settings.sqlite_busy_timeout;
                options.map_sqlx_sqlite_opts(move |o| {
                    sqlite_options(o, busy_timeout)
                        .pragma("wal_autocheckpoint", WRITER_AUTOCHECKPOINT.to_string())
                });
                let writer = open(options, settings).await?;
                // The connection of the writer's checkpoints (see `Checkpoints`), opened once
                // the file is in WAL mode.
                let mut options = pool_options(settings);
                options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None);
                sqlite_pragmas(&mut options, settings.sqlite_busy_timeout);
                let checkpoints = match open(options, settings).await {
                    Ok(checkpoints) => checkpoints,
                    Err(e) => {
                        let _ = writer.close().await;
                        return Err(e);
                    }
                };

                let readers = sqlite_readers(settings.max_connections, cpus());
                let mut options = pool_options(settings);
                options
                    .max_connections(readers)
                    .min_connections(settings.min_connections.min(readers));
                sqlite_pragmas(&mut options, settings.sqlite_busy_timeout);
                let reader = match open(options, settings).await {
                    Ok(reader) => reader,
                    Err(e) => {
                        let _ = writer.close().await;
                        let _ = checkpoints.close().await;
                        return Err(e);
                    }
                };
                Ok(Self {
                    backend,
                    reader,
                    write: Writer::queued(
                        writer.clone(),
                        Some(Checkpoints::start(checkpoints.clone())),
                    ),
                    writer,
                    checkpoints: Some(checkpoints),
                    url,
                })
            }
        }
    }

    /// Applies the migrations not applied yet; running it again changes nothing.
    ///
    /// Two processes may migrate one database at once (a second replica, `migrate` while
    /// `serve` starts). On PostgreSQL the run holds an advisory lock, on a connection of its
    /// own, so the second one waits (up to [`MIGRATION_LOCK_WAIT`]) and then finds nothing
    /// pending. A SQLite file belongs to one process.
    ///
    /// # Errors
    /// [`StorageError::Unavailable`] when the database cannot be reached,
    /// [`StorageError::Migration`] when a migration fails or the lock is not granted in time.
    pub async fn migrate(&self) -> Result<(), StorageError> {
        self.migrate_waiting(MIGRATION_LOCK_WAIT).await
    }

    /// [`migrate`](Self::migrate), waiting at most `wait` for another process's migrations
    /// on PostgreSQL (whole milliseconds; at least one).
    ///
    /// # Errors
    /// As [`migrate`](Self::migrate); [`StorageError::Migration`] saying so when another
    /// process held the lock for all of `wait`.
    pub async fn migrate_waiting(&self, wait: Duration) -> Result<(), StorageError> {
        let lock = match self.backend {
            Backend::Postgres => Some(migration_lock(&self.url, wait).await.map_err(|e| {
                if is_lock_timeout(&e) {
                    StorageError::Migration(format!(
                        "another process has been migrating this database for longer than \
                         {wait:?}; try again when it is done"
                    ))
                } else {
                    StorageError::from_migration(&e, &self.url)
                }
            })?),
            Backend::Sqlite => None,
        };
        let result = self.apply_migrations().await;
        if let Some(lock) = lock {
            // Ending the session releases the lock as well; unlocking first does not wait
            // for the close.
            let _ = lock
                .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .await;
            let _ = lock.close().await;
        }
        result.map_err(|e| StorageError::from_migration(&e, &self.url))
    }

    async fn apply_migrations(&self) -> Result<(), sea_orm::DbErr> {
        let pending = Migrator::get_pending_migrations(&self.writer).await?;
        if pending.is_empty() {
            tracing::debug!("database schema up to date");
            return Ok(());
        }
        Migrator::up(&self.writer, None).await?;
        tracing::info!(
            applied = pending.len(),
            backend = self.backend.as_str(),
            "database migrated"
        );
        Ok(())
    }

    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The [`todo_domain::TaskRepository`] over these pools.
    #[must_use]
    pub fn task_repository(&self) -> SeaTaskRepository {
        SeaTaskRepository::new(self.reader.clone(), self.write.clone())
    }

    /// The [`todo_conversation::ConversationRepository`] over these pools.
    #[must_use]
    pub fn conversation_repository(&self) -> SeaConversationRepository {
        SeaConversationRepository::new(self.reader.clone(), self.write.clone())
    }

    /// Closes the pools, waiting for connections in use to come back. Repositories made from
    /// this database answer `Unavailable` from then on.
    pub async fn close(self) {
        // Closing is best effort: a pool that fails to close cleanly is dropped all the same.
        let _ = self.reader.close_by_ref().await;
        let _ = self.writer.close_by_ref().await;
        if let Some(checkpoints) = &self.checkpoints {
            let _ = checkpoints.close_by_ref().await;
        }
    }
}

/// Shows the backend and the URL without its password; not the pools, whose sqlx options
/// would print the password.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .field("url", &crate::redact_url(&self.url))
            .finish_non_exhaustive()
    }
}

/// The PostgreSQL advisory lock that migrations run under: "todomigr" as a big-endian i64.
const MIGRATION_LOCK: i64 = 8_390_035_060_554_295_154;

/// How long `migrate` waits for another process's migrations before it gives up.
const MIGRATION_LOCK_WAIT: Duration = Duration::from_secs(120);

/// Whether PostgreSQL gave up waiting for a lock (`lock_not_available`, after `lock_timeout`).
fn is_lock_timeout(err: &sea_orm::DbErr) -> bool {
    match err {
        sea_orm::DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e))
        | sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => match &**e {
            sea_orm::sqlx::Error::Database(db) => db.code().as_deref() == Some("55P03"),
            _ => false,
        },
        _ => false,
    }
}

/// A one-connection pool holding [`MIGRATION_LOCK`] for its session, waiting at most `wait`
/// for it.
async fn migration_lock(url: &str, wait: Duration) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let conn = sea_orm::Database::connect(options).await?;
    let millis = wait.as_millis().max(1);
    conn.execute_unprepared(&format!("SET lock_timeout = {millis}"))
        .await?;
    conn.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .await?;
    Ok(conn)
}

fn pool_options(settings: &DatabaseSettings) -> ConnectOptions {
    let mut options = ConnectOptions::new(settings.url.clone());
    // sea-orm maps both its connect and acquire timeouts to sqlx's acquire timeout (sqlx 0.9
    // has no separate connect timeout); the connect timeout bounds `connect` instead.
    options
        .acquire_timeout(settings.acquire_timeout)
        .idle_timeout(settings.idle_timeout)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR);
    options
}

/// How many SQLite reader connections to open at most: `max_connections`, but no more than
/// two per CPU. Each SQLite connection runs its statements on a thread of its own and keeps a
/// page cache of its own (up to 2 MiB), so readers beyond what the CPUs can run at once only
/// add threads and memory: in the `new` load scenario on 2 CPUs, 4 readers instead of 10 served
/// more requests with a lower peak RSS (see BENCHMARKS.md).
fn sqlite_readers(max_connections: u32, cpus: u32) -> u32 {
    max_connections.min(cpus.saturating_mul(2)).max(1)
}

fn cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

/// Rows an SQLite connection's thread hands to the calling task before it waits for them to be
/// taken (sqlx's default is 50). A listing of a few hundred tasks no longer stops the thread,
/// and wakes it, every 50 rows: in 12 s SQLite `new` runs (`bench/profile.sh sqlite on new
/// 12`, interleaved) `db_list_tasks` p95 fell from 29–34 ms to 11 ms and the server's CPU per
/// chat by 2–10%. A row waits in the buffer only while the task has not taken it.
const SQLITE_ROW_BUFFER: usize = 1024;

fn sqlite_pragmas(options: &mut ConnectOptions, busy_timeout: Duration) {
    options.map_sqlx_sqlite_opts(move |o| sqlite_options(o, busy_timeout));
}

/// The options of every SQLite connection (see [`Database::connect`]).
fn sqlite_options(options: SqliteConnectOptions, busy_timeout: Duration) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        // In WAL mode NORMAL is durable against application crashes, and loses at most
        // the last transactions on power loss, without an fsync per commit.
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(busy_timeout)
        .row_buffer_size(SQLITE_ROW_BUFFER)
}

async fn open(
    options: ConnectOptions,
    settings: &DatabaseSettings,
) -> Result<DatabaseConnection, StorageError> {
    match tokio::time::timeout(
        settings.connect_timeout,
        sea_orm::Database::connect(options),
    )
    .await
    {
        Ok(Ok(pool)) => Ok(pool),
        Ok(Err(e)) => Err(StorageError::from_connect(&e, &settings.url)),
        Err(_) => Err(StorageError::Unavailable(format!(
            "no connection to {} within {:?}",
            settings.redacted_url(),
            settings.connect_timeout
        ))),
    }
}

/// The part of a SQLite URL after the scheme and before the query, and the query.
fn sqlite_path_and_query(url: &str) -> (&str, &str) {
    let rest = url.split_once(':').map_or(url, |(_, rest)| rest);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    rest.split_once('?').unwrap_or((rest, ""))
}

fn sqlite_in_memory(url: &str) -> bool {
    let (path, query) = sqlite_path_and_query(url);
    path == ":memory:" || query.split('&').any(|p| p == "mode=memory")
}

/// With `mode=rwc` SQLite creates the file but not its directory; the default URL points
/// into `data/`, which a fresh checkout does not have.
fn create_parent_directory(url: &str) -> Result<(), StorageError> {
    let (_, query) = sqlite_path_and_query(url);
    if !query.split('&').any(|p| p == "mode=rwc") {
        return Ok(());
    }
    let options: SqliteConnectOptions = url
        .parse()
        .map_err(|e: sea_orm::sqlx::Error| StorageError::InvalidUrl(scrub(&e.to_string(), url)))?;
    match options.get_filename().parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.exists() => create_dir(dir).map_err(|e| {
            StorageError::Unexpected(format!(
                "cannot create the directory {}: {e}",
                dir.display()
            ))
        }),
        _ => Ok(()),
    }
}

fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    tracing::info!(directory = %dir.display(), "created the directory of the SQLite database");
    Ok(())
}

/// Runs `SELECT 1` on the pool.
pub(crate) async fn ping(conn: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    conn.execute_unprepared("SELECT 1").await.map(drop)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    async fn pragma(conn: &DatabaseConnection, name: &str) -> String {
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("PRAGMA {name}"),
            ))
            .await
            .expect("pragma")
            .expect("a row");
        row.try_get_by_index::<i64>(0)
            .map(|v| v.to_string())
            .or_else(|_| row.try_get_by_index::<String>(0))
            .expect("value")
    }

    #[tokio::test]
    async fn every_sqlite_connection_gets_wal_normal_fk_and_the_busy_timeout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!(
            "sqlite://{}/nested/more/todo.db?mode=rwc",
            dir.path().display()
        );
        let settings = DatabaseSettings {
            sqlite_busy_timeout: Duration::from_millis(1234),
            ..DatabaseSettings::with_url(url)
        };
        let db = Database::connect(&settings).await.expect("connect");
        assert!(
            dir.path().join("nested/more/todo.db").exists(),
            "directory and file created"
        );
        let checkpoints = db
            .checkpoints
            .as_ref()
            .expect("a file has a checkpoint connection");
        for conn in [&db.reader, &db.writer, checkpoints] {
            assert_eq!(pragma(conn, "journal_mode").await, "wal");
            assert_eq!(pragma(conn, "synchronous").await, "1", "NORMAL");
            assert_eq!(pragma(conn, "foreign_keys").await, "1");
            assert_eq!(pragma(conn, "busy_timeout").await, "1234");
        }
        assert_eq!(
            pragma(&db.writer, "wal_autocheckpoint").await,
            WRITER_AUTOCHECKPOINT.to_string(),
            "the writer checkpoints by itself only as a backstop"
        );
        db.close().await;
    }

    /// The pages a write leaves in the WAL are copied back into the database file by the
    /// checkpoint connection, soon after the commit and long before the writer's own
    /// checkpoint would (a WAL of ~700 pages, under SQLite's default 1,000 too).
    #[tokio::test]
    async fn a_sqlite_file_is_checkpointed_beside_the_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("todo.db");
        let db = Database::connect(&DatabaseSettings::with_url(format!(
            "sqlite://{}?mode=rwc",
            file.display()
        )))
        .await
        .expect("connect");
        let sql = |text: &str| Statement::from_string(db.writer.get_database_backend(), text);
        db.write
            .rows(sql("CREATE TABLE big (b BLOB NOT NULL)"))
            .await
            .expect("create");
        let before = std::fs::metadata(&file).expect("file").len();
        db.write
            .rows(sql("INSERT INTO big (b) VALUES (zeroblob(2800000))"))
            .await
            .expect("insert");
        let wal = std::fs::metadata(dir.path().join("todo.db-wal"))
            .expect("wal")
            .len();
        assert!(wal > 2_800_000, "the insert is in the WAL: {wal} bytes");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let size = std::fs::metadata(&file).expect("file").len();
            if size > before + 2_800_000 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the database file is still {size} bytes ({before} before the insert): no checkpoint ran"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        db.close().await;
    }

    /// `.cargo/config.toml` builds the bundled SQLite without memory statistics (a global mutex
    /// on every allocation; 9% of a listing chat's instructions): a build that lost the flag
    /// fails here.
    #[tokio::test]
    async fn sqlite_is_built_without_memory_statistics() {
        let db = Database::connect(&DatabaseSettings::with_url("sqlite::memory:"))
            .await
            .expect("connect");
        let options: Vec<String> = db
            .reader
            .query_all_raw(Statement::from_string(
                db.reader.get_database_backend(),
                "PRAGMA compile_options",
            ))
            .await
            .expect("compile_options")
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("text"))
            .collect();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        db.close().await;
    }

    #[test]
    fn sqlite_readers_are_capped_at_two_per_cpu() {
        assert_eq!(sqlite_readers(10, 2), 4);
        assert_eq!(sqlite_readers(3, 2), 3);
        assert_eq!(sqlite_readers(10, 8), 10);
        assert_eq!(sqlite_readers(0, 2), 1);
        assert_eq!(sqlite_readers(10, 0), 1);
    }

    #[tokio::test]
    async fn the_sqlite_reader_pool_opens_no_more_than_its_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/todo.db?mode=rwc", dir.path().display());
        let settings = DatabaseSettings {
            max_connections: 50,
            ..DatabaseSettings::with_url(url)
        };
        let db = Database::connect(&settings).await.expect("connect");
        let pool = db.reader.get_sqlite_connection_pool();
        assert_eq!(
            pool.options().get_max_connections(),
            sqlite_readers(50, cpus())
        );
        db.close().await;
    }

    #[tokio::test]
    async fn in_memory_sqlite_keeps_one_database() {
        let db = Database::connect(&DatabaseSettings::with_url("sqlite::memory:"))
            .await
            .expect("connect");
        db.migrate().await.expect("migrate");
        ping(&db.reader).await.expect("ping");
        let tables = db
            .reader
            .query_all_raw(Statement::from_string(
                db.reader.get_database_backend(),
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'task'",
            ))
            .await
            .expect("tables");
        assert_eq!(tables.len(), 1);
        db.close().await;
    }

    #[test]
    fn sqlite_url_parts() {
        assert_eq!(
            sqlite_path_and_query("sqlite://data/todo.db?mode=rwc"),
            ("data/todo.db", "mode=rwc")
        );
        assert_eq!(
            sqlite_path_and_query("sqlite:data/todo.db"),
            ("data/todo.db", "")
        );
        assert!(sqlite_in_memory("sqlite::memory:"));
        assert!(sqlite_in_memory("sqlite://:memory:"));
        assert!(sqlite_in_memory("sqlite://x?mode=memory"));
        assert!(!sqlite_in_memory("sqlite://data/todo.db?mode=rwc"));
    }
}
