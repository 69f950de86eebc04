//! Helpers for tests that need a real database: a migrated SQLite file in a temporary
//! directory, and a fresh PostgreSQL database per test, named by a UUID and dropped when the
//! helper is dropped (best effort, even when the test panics).
//!
//! PostgreSQL tests need `TEST_DATABASE_URL`, an admin URL of a server where databases may be
//! created (e.g. `postgres://postgres@127.0.0.1:5432/postgres`). Without it they print
//! `SKIPPED` and pass, except under `CI=true`, where they fail.
//!
//! Other crates' tests can reuse this file with
//! `#[path = "…/crates/adapters/postgres/tests/common/mod.rs"] mod common;`.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::ConnectionTrait;
use tempfile::TempDir;
use todo_postgres::{Database, DatabaseSettings};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// The variable naming the PostgreSQL admin URL.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// Settings for tests: a small pool and timeouts short enough for failures to be quick but
/// long enough for a loaded 2-core machine.
pub fn test_settings(url: impl Into<String>) -> DatabaseSettings {
    DatabaseSettings {
        max_connections: 5,
        min_connections: 0,
        connect_timeout: Duration::from_secs(10),
        acquire_timeout: Duration::from_secs(10),
        ..DatabaseSettings::with_url(url)
    }
}

/// Connects with `settings` and applies the migrations.
///
/// # Panics
/// When either fails.
pub async fn connect_migrated(settings: &DatabaseSettings) -> Database {
    let db = Database::connect(settings)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    db.migrate()
        .await
        .unwrap_or_else(|e| panic!("migrate: {e}"));
    db
}

/// A SQLite file in its own temporary directory, removed on drop.
pub struct SqliteTestDatabase {
    pub dir: TempDir,
    pub url: String,
}

impl SqliteTestDatabase {
    /// # Panics
    /// When no temporary directory can be made.
    #[must_use]
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}/todo.db?mode=rwc", dir.path().display());
        Self { dir, url }
    }

    #[must_use]
    pub fn settings(&self) -> DatabaseSettings {
        test_settings(self.url.clone())
    }

    /// A migrated [`Database`] on the file.
    pub async fn connect(&self) -> Database {
        connect_migrated(&self.settings()).await
    }
}

impl Default for SqliteTestDatabase {
    fn default() -> Self {
        Self::new()
    }
}

/// The admin URL from `TEST_DATABASE_URL`, or `None` (with a loud notice on stderr) when it
/// is unset.
///
/// # Panics
/// When it is unset and `CI=true`: CI must not pass without running the PostgreSQL tests.
#[must_use]
pub fn pg_admin_url() -> Option<String> {
    match std::env::var(TEST_DATABASE_URL) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => panic!(
            "{TEST_DATABASE_URL} is not set but CI=true: the PostgreSQL tests must run in CI \
             (e.g. {TEST_DATABASE_URL}=postgres://postgres@127.0.0.1:5432/postgres)"
        ),
        _ => {
            // Straight to the process's stderr: the test harness captures `eprintln!` and
            // would hide the notice of a test that passes.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: PostgreSQL tests need {TEST_DATABASE_URL} \
                 (e.g. postgres://postgres@127.0.0.1:5432/postgres) ***\n"
            );
            None
        }
    }
}

/// `url` with its database (the path) replaced by `database`, query kept.
#[must_use]
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

/// A PostgreSQL database of its own for one test.
pub struct PgTestDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl PgTestDatabase {
    /// Creates `todo_test_<uuid>` through the admin URL. `None` when PostgreSQL tests are
    /// skipped (see [`pg_admin_url`]).
    ///
    /// # Panics
    /// When the server cannot be reached or refuses to create the database.
    pub async fn create() -> Option<Self> {
        let admin_url = pg_admin_url()?;
        let name = format!("todo_test_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(admin_url.as_str())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {TEST_DATABASE_URL}: {e}"));
        admin
            .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        let _ = admin.close().await;
        let url = url_with_database(&admin_url, &name);
        Some(Self {
            name,
            url,
            admin_url,
        })
    }

    #[must_use]
    pub fn settings(&self) -> DatabaseSettings {
        test_settings(self.url.clone())
    }

    /// A migrated [`Database`] on this database.
    pub async fn connect(&self) -> Database {
        connect_migrated(&self.settings()).await
    }
}

impl Drop for PgTestDatabase {
    /// Drops the database on a thread of its own (with its own runtime), so that it works
    /// from async tests and during a panic; `WITH (FORCE)` ends sessions still open.
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let admin = sea_orm::Database::connect(admin_url.as_str()).await.ok()?;
                let done = admin
                    .execute_unprepared(&format!(
                        r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#
                    ))
                    .await;
                let _ = admin.close().await;
                done.ok()
            })
        })
        .join();
        if !matches!(dropped, Ok(Some(_))) {
            eprintln!("warning: could not drop test database {}", self.name);
        }
    }
}

/// A TCP proxy to a server, which a test can stop (every connection cut, new ones refused)
/// and start again on the same port, to play a database that goes away and comes back.
pub struct TcpProxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl TcpProxy {
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let proxy = Self {
            addr,
            target,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = Arc::clone(&self.tasks);
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks
                    .lock()
                    .expect("proxy tasks")
                    .push(relay.abort_handle());
            }
        });
        self.tasks
            .lock()
            .expect("proxy tasks")
            .push(accept.abort_handle());
    }

    /// Cuts every connection and stops listening.
    pub async fn stop(&self) {
        for task in self.tasks.lock().expect("proxy tasks").drain(..) {
            task.abort();
        }
        // Let the aborted tasks drop their sockets.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    /// Listens again on the same port.
    ///
    /// # Panics
    /// When the port cannot be bound again.
    pub async fn restart(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("rebind proxy");
        self.serve(listener);
    }
}

/// The `host:port` of a `postgres://` URL, resolved.
///
/// # Panics
/// When the URL has no resolvable host.
pub async fn pg_socket_addr(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    tokio::net::lookup_host(host_port.as_str())
        .await
        .expect("resolve host")
        .next()
        .expect("an address")
}

/// Runs `test` against a fresh migrated PostgreSQL database, or skips (see [`pg_admin_url`]).
pub async fn with_pg<F, Fut>(test: F)
where
    F: FnOnce(PgTestDatabase) -> Fut,
    Fut: Future<Output = ()>,
{
    if let Some(pg) = PgTestDatabase::create().await {
        test(pg).await;
    }
}
