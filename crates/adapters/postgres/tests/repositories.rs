//! The storage adapter against real databases: SQLite in a temporary directory, and a fresh
//! PostgreSQL database per test (see `common`).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{PgTestDatabase, SqliteTestDatabase, TcpProxy, test_settings, with_pg};
use sea_orm::{ConnectionTrait, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use todo_conversation::testing::conversation_repository_contract;
use todo_conversation::{ConversationRepository, ConversationRepositoryError};
use todo_domain::testing::task_repository_contract;
use todo_domain::{
    MessageContent, NewTask, Role, TaskDescription, TaskRepository, TaskRepositoryError,
    TaskStatusFilter, TaskTitle, UserId,
};
use todo_postgres::{Backend, Database, DatabaseSettings, StorageError};

fn user(name: &str) -> UserId {
    UserId::parse(name).expect("user id")
}

fn new_task(title: &str) -> NewTask {
    NewTask {
        title: TaskTitle::parse(title).expect("title"),
        description: None,
    }
}

fn text(s: &str) -> MessageContent {
    MessageContent::parse(s).expect("message")
}

// ---------------------------------------------------------------------------------------
// Scenarios, each run on both backends.

async fn contracts(db: &Database) {
    task_repository_contract(&db.task_repository()).await;
    conversation_repository_contract(&db.conversation_repository()).await;
}

/// 200 chats at once across 10 users: each stores one message and one task. All succeed and
/// every message is stored exactly once, in its user's conversation.
async fn concurrent_writes(db: &Database) {
    const CHATS: usize = 200;
    const USERS: usize = 10;
    let tasks: Arc<dyn TaskRepository> = Arc::new(db.task_repository());
    let conversations: Arc<dyn ConversationRepository> = Arc::new(db.conversation_repository());

    let mut conversation_of = Vec::new();
    for u in 0..USERS {
        let c = conversations
            .insert_conversation(&user(&format!("user{u}")))
            .await
            .expect("conversation");
        conversation_of.push(c.id);
    }

    let started = Instant::now();
    let mut handles = Vec::new();
    for n in 0..CHATS {
        let (tasks, conversations) = (Arc::clone(&tasks), Arc::clone(&conversations));
        let u = n % USERS;
        let conversation = conversation_of[u];
        handles.push(tokio::spawn(async move {
            let who = user(&format!("user{u}"));
            conversations
                .insert_message(
                    &who,
                    conversation,
                    Role::User,
                    &text(&format!("message {n}")),
                )
                .await
                .map_err(|e| format!("insert_message {n}: {e}"))?;
            tasks
                .insert_task(&who, new_task(&format!("task {n}")))
                .await
                .map_err(|e| format!("insert_task {n}: {e}"))?;
            Ok::<(), String>(())
        }));
    }
    let mut failures = Vec::new();
    for handle in handles {
        if let Err(e) = handle.await.expect("task panicked") {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CHATS} chats failed: {failures:?}",
        failures.len()
    );
    eprintln!(
        "{}: {CHATS} concurrent chats in {:?}",
        db.backend(),
        started.elapsed()
    );

    let mut seen = BTreeMap::new();
    for (u, &conversation) in conversation_of.iter().enumerate() {
        let who = user(&format!("user{u}"));
        let messages = conversations
            .list_messages(&who, conversation, 200, None)
            .await
            .expect("messages");
        assert_eq!(messages.len(), CHATS / USERS, "user{u}'s messages");
        for m in messages {
            let n: usize = m
                .content
                .as_str()
                .trim_start_matches("message ")
                .parse()
                .expect("number");
            assert_eq!(n % USERS, u, "message {n} in the wrong conversation");
            *seen.entry(n).or_insert(0) += 1;
        }
        let listed = tasks
            .list_tasks(&who, TaskStatusFilter::All)
            .await
            .expect("tasks");
        assert_eq!(listed.len(), CHATS / USERS, "user{u}'s tasks");
        assert!(listed.windows(2).all(|w| w[0].id < w[1].id), "oldest first");
    }
    assert_eq!(seen.len(), CHATS);
    assert!(
        seen.values().all(|&count| count == 1),
        "a message stored twice"
    );
}

/// The benchmark writes rows with plain SQL and relies on the column defaults; the
/// repositories must read such rows.
/// A listed row that breaks a domain rule (written by something other than this adapter) is a
/// broken invariant: the listing fails with `Unexpected`, saying which row, and panics nowhere.
async fn rows_that_break_the_rules(db: &Database, url: &str, extra_bad_row: Option<&str>) {
    let raw = sea_orm::Database::connect(url)
        .await
        .expect("raw connection");
    let tasks = db.task_repository();
    let mallory = user("mallory");
    raw.execute_unprepared("INSERT INTO task (id, user_id, title) VALUES (-5, 'mallory', 'x')")
        .await
        .expect("insert a negative id");
    match tasks.list_tasks(&mallory, TaskStatusFilter::All).await {
        Err(TaskRepositoryError::Unexpected(m)) => {
            assert!(m.contains("invalid task row -5"), "{m}");
        }
        other => panic!("expected Unexpected, got {other:?}"),
    }
    if let Some(sql) = extra_bad_row {
        let eve = user("eve");
        raw.execute_unprepared(sql).await.expect("insert a bad row");
        match tasks.list_tasks(&eve, TaskStatusFilter::All).await {
            Err(TaskRepositoryError::Unexpected(m)) => {
                assert!(m.contains("could not be decoded"), "{m}");
            }
            other => panic!("expected Unexpected, got {other:?}"),
        }
    }
    let _ = raw.close().await;
}

async fn rows_written_by_plain_sql(db: &Database, url: &str) {
    let raw = sea_orm::Database::connect(url)
        .await
        .expect("raw connection");
    raw.execute_unprepared("INSERT INTO task (user_id, title) VALUES ('bench', 'from sql')")
        .await
        .expect("insert task");
    raw.execute_unprepared("INSERT INTO conversation (user_id) VALUES ('bench')")
        .await
        .expect("insert conversation");
    raw.execute_unprepared(
        "INSERT INTO message (user_id, conversation_id, role, content) \
         SELECT 'bench', id, 'user', 'hello from sql' FROM conversation WHERE user_id = 'bench'",
    )
    .await
    .expect("insert message");
    let _ = raw.close().await;

    let bench = user("bench");
    let tasks = db
        .task_repository()
        .list_tasks(&bench, TaskStatusFilter::All)
        .await
        .expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert!(!tasks[0].completed, "completed defaults to false");
    assert_eq!(tasks[0].created_at, tasks[0].updated_at);
    let age = chrono::Utc::now() - tasks[0].created_at;
    assert!(
        age.num_seconds().abs() < 60,
        "created_at defaults to now (UTC), got {age}"
    );

    let conversations = db.conversation_repository();
    let listed = conversations
        .list_conversations(&bench)
        .await
        .expect("conversations");
    assert_eq!(listed.len(), 1);
    let messages = conversations
        .list_messages(&bench, listed[0].id, 10, None)
        .await
        .expect("messages");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].content.as_str(), "hello from sql");

    // A message written by the app after one written by SQL sorts after it.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let later = conversations
        .insert_message(&bench, listed[0].id, Role::Assistant, &text("reply"))
        .await
        .expect("insert");
    let messages = conversations
        .list_messages(&bench, listed[0].id, 10, None)
        .await
        .expect("messages");
    assert_eq!(messages.last().map(|m| m.id), Some(later.id));
    assert_eq!(messages.len(), 2);
}

/// After `close`, repositories made from the database answer `Unavailable`.
async fn closed_pool_is_unavailable(db: Database) {
    let tasks = db.task_repository();
    let conversations = db.conversation_repository();
    db.close().await;
    let alice = user("alice");
    assert!(matches!(
        tasks.ping().await,
        Err(TaskRepositoryError::Unavailable(_))
    ));
    assert!(matches!(
        tasks.list_tasks(&alice, TaskStatusFilter::All).await,
        Err(TaskRepositoryError::Unavailable(_))
    ));
    assert!(matches!(
        tasks.insert_task(&alice, new_task("x")).await,
        Err(TaskRepositoryError::Unavailable(_))
    ));
    assert!(matches!(
        conversations.insert_conversation(&alice).await,
        Err(ConversationRepositoryError::Unavailable(_))
    ));
    let id = todo_domain::ConversationId::new(1).expect("id");
    assert!(matches!(
        conversations
            .insert_message(&alice, id, Role::User, &text("x"))
            .await,
        Err(ConversationRepositoryError::Unavailable(_))
    ));
}

// ---------------------------------------------------------------------------------------
// SQLite

#[tokio::test]
async fn sqlite_honours_the_repository_contracts() {
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    assert_eq!(db.backend(), Backend::Sqlite);
    assert_eq!(db.backend().as_str(), "sqlite");
    contracts(&db).await;
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_takes_200_concurrent_chats() {
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    concurrent_writes(&db).await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_migrations_are_idempotent() {
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    db.migrate().await.expect("second run");
    db.close().await;
    let db = file.connect().await; // a third, on a new connection
    contracts(&db).await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_data_survives_close_and_reopen() {
    let file = SqliteTestDatabase::new();
    let alice = user("alice");
    let db = file.connect().await;
    let task = db
        .task_repository()
        .insert_task(&alice, new_task("persist me"))
        .await
        .expect("task");
    let conversations = db.conversation_repository();
    let conversation = conversations
        .insert_conversation(&alice)
        .await
        .expect("conversation");
    let message = conversations
        .insert_message(&alice, conversation.id, Role::User, &text("still here?"))
        .await
        .expect("message");
    db.close().await;
    assert!(file.dir.path().join("todo.db").is_file());

    let db = file.connect().await;
    assert_eq!(
        db.task_repository()
            .get_task(&alice, task.id)
            .await
            .expect("task"),
        task
    );
    let conversations = db.conversation_repository();
    let reread = conversations
        .get_conversation(&alice, conversation.id)
        .await
        .expect("conversation");
    assert_eq!(reread.updated_at, message.created_at);
    assert_eq!(
        conversations
            .list_messages(&alice, conversation.id, 50, None)
            .await
            .expect("messages"),
        vec![message]
    );
    db.close().await;
}

/// Titles and descriptions in any script come back as written, from a listing and a single
/// read alike: ASCII and other UTF-8 of lengths around the word size (the drivers take an
/// all-ASCII text without decoding it character by character).
async fn texts_in_any_script_come_back_as_written(db: &Database) {
    let tasks = db.task_repository();
    let zoe = user("zoe");
    let texts = [
        "buy milk",
        "a",
        "exactly sixteen!",
        "caf\u{e9} au lait",
        "\u{2615} coffee",
        "\u{1f95b} milk, then \u{65e5}\u{672c}\u{8a9e}",
        "seventeen bytes \u{e9}",
    ];
    for title in texts {
        tasks
            .insert_task(
                &zoe,
                NewTask {
                    title: TaskTitle::parse(title).expect("title"),
                    description: TaskDescription::parse_optional(Some(&format!(
                        "{title} / {title}"
                    )))
                    .expect("description"),
                },
            )
            .await
            .expect("insert");
    }
    let listed = tasks
        .list_tasks(&zoe, TaskStatusFilter::All)
        .await
        .expect("list");
    let titles: Vec<&str> = listed.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, texts);
    for task in &listed {
        assert_eq!(
            task.description.as_deref(),
            Some(format!("{0} / {0}", task.title).as_str())
        );
        let read = tasks.get_task(&zoe, task.id).await.expect("get");
        assert_eq!(&read, task);
    }
}

#[tokio::test]
async fn sqlite_gives_texts_in_any_script_back_as_written() {
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    texts_in_any_script_come_back_as_written(&db).await;
    db.close().await;
}

#[tokio::test]
async fn postgres_gives_texts_in_any_script_back_as_written() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        texts_in_any_script_come_back_as_written(&db).await;
        db.close().await;
    })
    .await;
}

#[tokio::test]
async fn sqlite_refuses_listed_rows_that_break_the_rules() {
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    // SQLite takes any text in a timestamp column.
    rows_that_break_the_rules(
        &db,
        &file.url,
        Some("INSERT INTO task (user_id, title, created_at) VALUES ('eve', 'y', 'not a time')"),
    )
    .await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_reads_rows_written_by_plain_sql() {
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    rows_written_by_plain_sql(&db, &file.url).await;
    db.close().await;
}

#[tokio::test]
async fn sqlite_creates_the_missing_directory_and_uses_wal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/a/b/todo.db?mode=rwc", dir.path().display());
    let db = common::connect_migrated(&test_settings(url.clone())).await;
    db.task_repository()
        .insert_task(&user("alice"), new_task("x"))
        .await
        .expect("insert");
    assert!(dir.path().join("a/b/todo.db").is_file());
    // journal_mode is a property of the file: any connection sees it.
    let raw = sea_orm::Database::connect(url.as_str()).await.expect("raw");
    let row = raw
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "PRAGMA journal_mode",
        ))
        .await
        .expect("pragma")
        .expect("row");
    assert_eq!(row.try_get_by_index::<String>(0).expect("mode"), "wal");
    let _ = raw.close().await;
    db.close().await;
}

/// Every kind of write lets the WAL be checkpointed (see "Writes run to completion" in the
/// crate docs): after each kind has committed 1,500 times, several pages each, a checkpoint
/// from another connection copies every page of the WAL (a write that left a statement of the
/// writer open would hold its snapshot, and the pages after it, in the WAL), and the `-wal`
/// file stays within the writer's backstop of 4,000 pages (16 MB) and a few writes more: the
/// WAL starts over (each kind writes 6 MB or more, so without that the six kinds pass 24 MB).
#[tokio::test]
async fn sqlite_writes_keep_the_wal_checkpointed() {
    const N: usize = 1500;
    let file = SqliteTestDatabase::new();
    let db = file.connect().await;
    let tasks = db.task_repository();
    let conversations = db.conversation_repository();
    let alice = user("alice");
    let wal = || {
        std::fs::metadata(file.dir.path().join("todo.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    let url = file.url.clone();
    let check = |kind: &'static str| {
        let url = url.clone();
        async move {
            let other = sea_orm::Database::connect(url.as_str())
                .await
                .expect("other connection");
            // Busy (1) while the service's own checkpoint connection is at it: again.
            let (log, copied) = loop {
                let row = other
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Sqlite,
                        "PRAGMA wal_checkpoint(PASSIVE)",
                    ))
                    .await
                    .expect("checkpoint")
                    .expect("row");
                if row.try_get_by_index::<i64>(0).expect("busy") == 0 {
                    break (
                        row.try_get_by_index::<i64>(1).expect("log"),
                        row.try_get_by_index::<i64>(2).expect("checkpointed"),
                    );
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            let _ = other.close().await;
            assert_eq!(
                copied, log,
                "after {N} `{kind}` only {copied} of the WAL's {log} pages can be checkpointed"
            );
            let size = wal();
            assert!(
                size < 24 * 1024 * 1024,
                "after {N} `{kind}` the WAL holds {size} bytes: it does not start over"
            );
        }
    };

    let mut conversation_ids = Vec::with_capacity(N);
    for _ in 0..N {
        let c = conversations
            .insert_conversation(&alice)
            .await
            .expect("conversation");
        conversation_ids.push(c.id);
    }
    check("insert_conversation").await;
    let content = text("a message of ordinary length");
    for id in &conversation_ids {
        conversations
            .insert_message(&alice, *id, Role::User, &content)
            .await
            .expect("message");
    }
    check("insert_message").await;
    let mut task_ids = Vec::with_capacity(N);
    for round in 0..N {
        let task = tasks
            .insert_task(&alice, new_task(&format!("task {round}")))
            .await
            .expect("task");
        task_ids.push(task.id);
    }
    check("insert_task").await;
    for id in &task_ids {
        let patch = todo_domain::TaskPatch {
            title: Some(TaskTitle::parse("renamed").expect("title")),
            description: None,
        };
        tasks.update_task(&alice, *id, patch).await.expect("update");
    }
    check("update_task").await;
    for id in &task_ids {
        tasks
            .set_completed(&alice, *id, None)
            .await
            .expect("toggle");
    }
    check("set_completed").await;
    for id in &task_ids {
        tasks.delete_task(&alice, *id).await.expect("delete");
    }
    check("delete_task").await;
    db.close().await;
}

/// Takes the write lock of the SQLite file on a connection of its own, as another process
/// would, and gives it back after `duration`.
async fn hold_write_lock(url: &str, duration: Duration) -> tokio::task::JoinHandle<()> {
    let other = sea_orm::Database::connect(url)
        .await
        .expect("other process");
    let txn = other
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Exclusive),
            ..TransactionOptions::default()
        })
        .await
        .expect("lock");
    tokio::spawn(async move {
        tokio::time::sleep(duration).await;
        txn.rollback().await.expect("release");
        let _ = other.close().await;
    })
}

/// Another process holding the write lock makes writes wait (up to the busy timeout), not
/// fail with "database is locked"; past the timeout they fail as `Unavailable`.
#[tokio::test]
async fn sqlite_writes_wait_for_a_foreign_lock_within_the_busy_timeout() {
    let file = SqliteTestDatabase::new();
    let alice = user("alice");
    let db = file.connect().await;
    let conversation = db
        .conversation_repository()
        .insert_conversation(&alice)
        .await
        .expect("c");

    // Held 300 ms, busy timeout 5 s: the writes wait and succeed.
    let release = hold_write_lock(&file.url, Duration::from_millis(300)).await;
    let started = Instant::now();
    db.task_repository()
        .insert_task(&alice, new_task("waited"))
        .await
        .expect("task after wait");
    db.conversation_repository()
        .insert_message(&alice, conversation.id, Role::User, &text("waited"))
        .await
        .expect("message after wait");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "the write did wait for the lock"
    );
    release.await.expect("released");
    db.close().await;

    // Busy timeout 100 ms, lock held 2 s: the write gives up as Unavailable.
    let settings = DatabaseSettings {
        sqlite_busy_timeout: Duration::from_millis(100),
        ..file.settings()
    };
    let db = common::connect_migrated(&settings).await;
    let release = hold_write_lock(&file.url, Duration::from_secs(2)).await;
    let started = Instant::now();
    let result = db
        .task_repository()
        .insert_task(&alice, new_task("gives up"))
        .await;
    assert!(
        matches!(result, Err(TaskRepositoryError::Unavailable(_))),
        "{result:?}"
    );
    let result = db
        .conversation_repository()
        .insert_message(&alice, conversation.id, Role::User, &text("gives up"))
        .await;
    assert!(
        matches!(result, Err(ConversationRepositoryError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "gave up after the busy timeout"
    );
    release.await.expect("released");
    db.close().await;
}

#[tokio::test]
async fn sqlite_closed_pool_is_unavailable() {
    let file = SqliteTestDatabase::new();
    closed_pool_is_unavailable(file.connect().await).await;
}

// ---------------------------------------------------------------------------------------
// PostgreSQL (skipped without TEST_DATABASE_URL, failing under CI=true)

#[tokio::test]
async fn postgres_honours_the_repository_contracts() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        assert_eq!(db.backend(), Backend::Postgres);
        assert_eq!(db.backend().as_str(), "postgresql");
        contracts(&db).await;
        db.close().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_takes_200_concurrent_chats() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        concurrent_writes(&db).await;
        db.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_migrations_are_idempotent() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        db.migrate().await.expect("second run");
        db.close().await;
        let db = pg.connect().await;
        contracts(&db).await;
        db.close().await;
    })
    .await;
}

/// Setting a conversation's `updated_at` (what every chat does) is a HOT update on
/// PostgreSQL: no index holds `updated_at` and the table's pages keep room for new versions,
/// so a conversation updated a thousand times a minute leaves no trail of index entries for
/// its lookups to walk. Conversations still list most recently active first.
#[tokio::test]
async fn postgres_updates_a_conversation_in_place() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        let alice = user("alice");
        let conversations = db.conversation_repository();
        let older = conversations
            .insert_conversation(&alice)
            .await
            .expect("conversation");
        let newer = conversations
            .insert_conversation(&alice)
            .await
            .expect("conversation");

        let raw = sea_orm::Database::connect(pg.url.as_str())
            .await
            .expect("raw connection");
        let indexed = raw
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'conversation'",
            ))
            .await
            .expect("indexes");
        assert!(!indexed.is_empty());
        for row in &indexed {
            let def = row.try_get_by_index::<String>(0).expect("a definition");
            assert!(!def.contains("updated_at"), "{def}");
        }
        // Fifty updates of `updated_at` in one transaction: PostgreSQL counts how many were
        // HOT for the transaction itself.
        let hot = raw
            .transaction::<_, i64, sea_orm::DbErr>(|tx| {
                Box::pin(async move {
                    for i in 0..50 {
                        tx.execute_raw(sea_orm::Statement::from_string(
                            sea_orm::DbBackend::Postgres,
                            format!(
                                "UPDATE conversation SET updated_at = now() + interval '{i} seconds' \
                                 WHERE id = {}",
                                older.id.get()
                            ),
                        ))
                        .await?;
                    }
                    let row = tx
                        .query_one_raw(sea_orm::Statement::from_string(
                            sea_orm::DbBackend::Postgres,
                            "SELECT pg_stat_get_xact_tuples_hot_updated('conversation'::regclass)",
                        ))
                        .await?
                        .ok_or_else(|| sea_orm::DbErr::Custom("no row".into()))?;
                    row.try_get_by_index::<i64>(0)
                })
            })
            .await
            .expect("updates");
        assert_eq!(hot, 50);
        // The updated one is now the most recently active.
        let listed = conversations
            .list_conversations(&alice)
            .await
            .expect("list");
        let ids: Vec<_> = listed.iter().map(|c| c.id).collect();
        assert_eq!(ids, [older.id, newer.id]);
    })
    .await;
}

/// A long reply (a listing of hundreds of tasks) is compressed with lz4 where the server has it,
/// stays in its row rather than in the TOAST table, and reads back whole.
#[tokio::test]
async fn postgres_keeps_a_long_reply_compressed_in_its_row() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        let alice = user("alice");
        let conversations = db.conversation_repository();
        let conversation = conversations
            .insert_conversation(&alice)
            .await
            .expect("conversation");
        let listing = (1..=300)
            .map(|i| format!("- #{i} buy milk {i} (pending)"))
            .collect::<Vec<_>>()
            .join("\n");
        let stored = conversations
            .insert_message(
                &alice,
                conversation.id,
                Role::Assistant,
                &MessageContent::from_trusted(listing),
            )
            .await
            .expect("message");

        let raw = sea_orm::Database::connect(pg.url.as_str())
            .await
            .expect("raw connection");
        let lz4 = !raw
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT 1 FROM pg_settings \
                 WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)",
            ))
            .await
            .expect("settings")
            .is_empty();
        let method = raw
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_column_compression(content) FROM message",
            ))
            .await
            .expect("compression")
            .expect("a row")
            .try_get_by_index::<Option<String>>(0)
            .expect("a method");
        // Without lz4 the server compresses with its default, pglz.
        assert_eq!(method.as_deref(), Some(if lz4 { "lz4" } else { "pglz" }));
        // Nothing went to the TOAST table: it is still empty.
        let toast_bytes = raw
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT pg_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'message'",
            ))
            .await
            .expect("toast size")
            .expect("a row")
            .try_get_by_index::<i64>(0)
            .expect("a size");
        assert_eq!(toast_bytes, 0);
        assert_eq!(
            conversations
                .list_messages(&alice, conversation.id, 50, None)
                .await
                .expect("messages"),
            vec![stored]
        );
        let _ = raw.close().await;
        db.close().await;
    })
    .await;
}

/// Two processes starting on the same fresh database (`migrate` while `serve` starts, two
/// replicas): both migrate at once, both succeed, and the schema is there once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_migrations_wait_for_each_other() {
    with_pg(|pg| async move {
        let settings = pg.settings();
        let connect = || async { Database::connect(&settings).await.expect("connect") };
        let (a, b, c) = tokio::join!(connect(), connect(), connect());
        let (ra, rb, rc) = tokio::join!(a.migrate(), b.migrate(), c.migrate());
        ra.expect("first migration");
        rb.expect("second migration");
        rc.expect("third migration");
        contracts(&a).await;
        for db in [a, b, c] {
            db.close().await;
        }
    })
    .await;
}

/// A process that waits too long for another's migrations gives up with a message saying so,
/// and migrates once the other is done.
#[tokio::test]
async fn postgres_migrations_give_up_on_a_lock_held_too_long() {
    with_pg(|pg| async move {
        let settings = pg.settings();
        // Another process's migration: the same advisory lock ("todomigr" as a big-endian
        // i64), held by a session of its own.
        let mut options = sea_orm::ConnectOptions::new(pg.url.clone());
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let holder = sea_orm::Database::connect(options).await.expect("connect");
        holder
            .execute_unprepared("SELECT pg_advisory_lock(8390035060554295154)")
            .await
            .expect("lock");

        let db = Database::connect(&settings).await.expect("connect");
        let err = db
            .migrate_waiting(Duration::from_millis(300))
            .await
            .expect_err("the lock is held");
        match &err {
            StorageError::Migration(message) => {
                assert!(message.contains("another process"), "{message}");
                assert!(message.contains("longer than 300ms;"), "{message}");
            }
            other => panic!("expected a migration error, got {other:?}"),
        }
        assert!(
            !err.is_unavailable(),
            "waiting longer is the caller's choice"
        );

        holder.close().await.expect("close");
        // The lock goes with the holder's server process, which exits after the close has
        // returned. 10 s bounds the wait (it ends once the lock is free); 300 ms left a slow
        // exit on a loaded machine no room.
        db.migrate_waiting(Duration::from_secs(10))
            .await
            .expect("the lock is free");
        contracts(&db).await;
        db.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_refuses_listed_rows_that_break_the_rules() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        rows_that_break_the_rules(&db, &pg.url, None).await;
        db.close().await;
    })
    .await;
}

/// PostgreSQL's plan of `statement`, one line per node and detail.
async fn explain(db: &sea_orm::DatabaseConnection, statement: &str) -> String {
    db.query_all_raw(sea_orm::Statement::from_string(
        sea_orm::DatabaseBackend::Postgres,
        format!("EXPLAIN {statement}"),
    ))
    .await
    .expect("explain")
    .iter()
    .map(|row| row.try_get_by_index::<String>(0).expect("a plan line"))
    .collect::<Vec<_>>()
    .join("\n")
}

/// A chat's history (the latest 50 messages of one conversation of one user) is read backwards
/// along an index, whatever the planner estimates: with the user only filtered row by row
/// (migration 6 put it into the index) PostgreSQL fetched and sorted every message of the
/// conversation, thinking the user's condition would leave few. The statement is the one
/// sea-orm writes for `list_messages`, planned as a prepared statement's first executions are
/// (a custom plan, for the actual limit).
#[tokio::test]
async fn postgres_reads_a_long_history_backwards_along_an_index() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        // One connection: the prepared statement and its plan belong to a session.
        let mut options = sea_orm::ConnectOptions::new(pg.url.clone());
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let raw = sea_orm::Database::connect(options)
            .await
            .expect("raw connection");
        for sql in [
            "INSERT INTO conversation (user_id) SELECT 'u' || g FROM generate_series(1, 20) g",
            "INSERT INTO message (user_id, conversation_id, role, content) \
             SELECT 'u' || (g % 20 + 1), g % 20 + 1, 'assistant', \
             repeat('- #123 buy milk 1-4567 (pending) ', 800 + g % 7) \
             FROM generate_series(1, 30000) g",
            "ANALYZE message",
            "SET plan_cache_mode = force_custom_plan",
            "PREPARE history(bigint, varchar, bigint) AS \
             SELECT \"message\".\"id\", \"message\".\"user_id\", \"message\".\"conversation_id\", \
             \"message\".\"role\", \"message\".\"content\", \"message\".\"created_at\" \
             FROM \"message\" WHERE \"message\".\"conversation_id\" = $1 \
             AND \"message\".\"user_id\" = $2 \
             ORDER BY \"message\".\"created_at\" DESC, \"message\".\"id\" DESC LIMIT $3",
        ] {
            raw.execute_unprepared(sql).await.expect(sql);
        }
        let plan = explain(&raw, "EXECUTE history(3, 'u3', 50)").await;
        assert!(
            plan.contains("Index Scan Backward") && !plan.contains("Sort"),
            "{plan}"
        );
        // Within a budget of bytes: the same backward read under the limit, the window in the
        // index's order, no sort.
        raw.execute_unprepared(&format!(
            "PREPARE history_within(bigint, varchar, bigint, bigint) AS {}",
            todo_postgres::HISTORY_WITHIN_PG
        ))
        .await
        .expect("prepare");
        let plan = explain(&raw, "EXECUTE history_within(3, 'u3', 50, 32768)").await;
        assert!(
            plan.contains("Index Scan Backward")
                && plan.contains("WindowAgg")
                && !plan.contains("Sort"),
            "{plan}"
        );
        let _ = raw.close().await;
        db.close().await;
    })
    .await;
}

/// A listing checks the column types of PostgreSQL's result on its first row and only decodes
/// the rows after it (one row description covers them all): a column of another type than the
/// entity's is still refused, not read as something else (an `integer` 0 decodes as `false`
/// when nothing checks it).
#[tokio::test]
async fn postgres_refuses_a_listing_whose_column_has_another_type() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        let tasks = db.task_repository();
        let alice = user("alice");
        for n in 0..3 {
            tasks
                .insert_task(&alice, new_task(&format!("task {n}")))
                .await
                .expect("insert");
        }
        let raw = sea_orm::Database::connect(&pg.url)
            .await
            .expect("raw connection");
        raw.execute_unprepared(
            "ALTER TABLE task ALTER COLUMN completed DROP DEFAULT, \
             ALTER COLUMN completed TYPE integer USING completed::integer",
        )
        .await
        .expect("alter the column");
        match tasks.list_tasks(&alice, TaskStatusFilter::All).await {
            Err(TaskRepositoryError::Unexpected(m)) => {
                assert!(m.contains("could not be decoded"), "{m}");
            }
            other => panic!("expected Unexpected, got {other:?}"),
        }
        let _ = raw.close().await;
        db.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_reads_rows_written_by_plain_sql() {
    with_pg(|pg| async move {
        let db = pg.connect().await;
        rows_written_by_plain_sql(&db, &pg.url).await;
        db.close().await;
    })
    .await;
}

#[tokio::test]
async fn postgres_closed_pool_is_unavailable() {
    with_pg(|pg| async move { closed_pool_is_unavailable(pg.connect().await).await }).await;
}

/// Our copy of sqlx (vendor/sqlx-core, `try_stream!`) enters the span a query's row stream was
/// made in only when it is polled outside it: upstream entered and exited it once per row, and
/// every layer of the subscriber with it (a seventh of a 400-task listing chat's instructions).
/// A listing of 300 rows read inside one span enters it once per wait for the server, not once
/// per row; and a stream polled outside the span it was made in still runs in it (sqlx's
/// statement log line is in it).
#[tokio::test]
async fn postgres_reads_a_listing_without_entering_its_span_per_row() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tracing::Instrument;
    use tracing_subscriber::layer::{Context, SubscriberExt};

    const ROWS: usize = 300;

    #[derive(Clone, Default)]
    struct Enters(Arc<AtomicUsize>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Enters {
        fn on_enter(&self, _: &tracing::span::Id, _: Context<'_, S>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    with_pg(|pg| async move {
        let db = pg.connect().await;
        let tasks = db.task_repository();
        let alice = user("alice");
        for n in 0..ROWS {
            tasks
                .insert_task(&alice, new_task(&format!("task {n}")))
                .await
                .expect("insert");
        }

        let enters = Enters::default();
        let subscriber = tracing_subscriber::registry().with(enters.clone());
        let _default = tracing::subscriber::set_default(subscriber);
        let listed = tasks
            .list_tasks(&alice, TaskStatusFilter::All)
            .instrument(tracing::info_span!("listing"))
            .await
            .expect("list");
        assert_eq!(listed.len(), ROWS);
        let enters = enters.0.load(Ordering::Relaxed);
        assert!(
            enters < ROWS / 3,
            "{enters} span entries for a listing of {ROWS} rows"
        );
        drop(_default);
        db.close().await;

        // A stream polled outside the span it was made in still runs in that span: sqlx's
        // statement log line, written inside the stream, is in it.
        let in_span = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(StatementsIn {
            span: "made_in",
            count: Arc::clone(&in_span),
        });
        let _default = tracing::subscriber::set_default(subscriber);
        let pool = sea_orm::sqlx::PgPool::connect(&pg.url).await.expect("pool");
        let rows = {
            let _made_in = tracing::info_span!("made_in").entered();
            sea_orm::sqlx::query("SELECT n FROM generate_series(1, 300) AS n").fetch(&pool)
        };
        assert!(
            tracing::Span::current().is_none(),
            "polled outside any span"
        );
        let rows: Vec<_> = futures::TryStreamExt::try_collect(rows)
            .await
            .expect("rows");
        assert_eq!(rows.len(), ROWS);
        assert!(
            in_span.load(Ordering::Relaxed) >= 1,
            "sqlx's statement line in the span"
        );

        // The same for a stream made on a connection (as the listing makes its own), whose
        // rows are passed on as the connection's stream gives them (vendor/README.md).
        in_span.store(0, Ordering::Relaxed);
        let mut connection = pool.acquire().await.expect("connection");
        let rows = {
            let _made_in = tracing::info_span!("made_in").entered();
            sea_orm::sqlx::query("SELECT n FROM generate_series(1, 300) AS n")
                .fetch(&mut *connection)
        };
        let rows: Vec<sea_orm::sqlx::postgres::PgRow> = futures::TryStreamExt::try_collect(rows)
            .await
            .expect("rows");
        let rows: Vec<i32> = rows
            .iter()
            .map(|row| sea_orm::sqlx::Row::get(row, 0))
            .collect();
        assert_eq!(rows, (1..=300).collect::<Vec<i32>>(), "every row, in order");
        assert!(
            in_span.load(Ordering::Relaxed) >= 1,
            "sqlx's statement line in the span the connection's stream was made in"
        );
        // An error after some rows comes after them, and the connection still answers.
        let mut rows =
            sea_orm::sqlx::query("SELECT 1 / (n - 200) FROM generate_series(1, 300) AS n")
                .fetch(&mut *connection);
        let mut before = 0;
        let error = loop {
            match futures::TryStreamExt::try_next(&mut rows).await {
                Ok(Some(_)) => before += 1,
                Ok(None) => panic!("no error after {before} rows"),
                Err(e) => break e,
            }
        };
        drop(rows);
        assert!(before < 200, "{before} rows before the error");
        assert!(error.to_string().contains("division by zero"), "{error}");
        // Arguments that cannot be encoded fail the stream at once.
        let rows = sea_orm::sqlx::query("SELECT $1::int4")
            .bind(i64::MAX)
            .fetch(&mut *connection);
        assert!(
            futures::TryStreamExt::try_collect::<Vec<_>>(rows)
                .await
                .is_err()
        );
        let one: i32 = sea_orm::sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut *connection)
            .await
            .expect("the connection answers after the errors");
        assert_eq!(one, 1);
        drop(connection);
        pool.close().await;
    })
    .await;
}

/// The vendored sqlx-postgres's `fetch_with` (vendor/README.md), which the PostgreSQL listing
/// reads its rows with: every row in order, made into values as it comes; sqlx's statement
/// line in the caller's span; the closure's error, the server's error after some rows, an
/// argument its parameter cannot take and a future dropped midway each stop the reading and leave
/// the connection answering the next statement. (With arguments, the query is a prepared
/// statement whose rows come in binary; without, a simple query whose rows come in text.)
#[tokio::test]
async fn postgres_rows_are_made_into_values_as_they_come() {
    use sea_orm::sqlx::postgres::PgArguments;
    use sea_orm::sqlx::{Arguments, AssertSqlSafe, SqlSafeStr};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tracing::Instrument;
    use tracing_subscriber::layer::SubscriberExt;

    fn sql(text: &'static str) -> sea_orm::sqlx::SqlStr {
        AssertSqlSafe(text).into_sql_str()
    }
    async fn answers(connection: &mut sea_orm::sqlx::PgConnection) {
        let one: i32 = sea_orm::sqlx::query_scalar("SELECT 1")
            .fetch_one(&mut *connection)
            .await
            .expect("the connection answers the next statement");
        assert_eq!(one, 1);
    }

    with_pg(|pg| async move {
        let in_span = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(StatementsIn {
            span: "caller",
            count: Arc::clone(&in_span),
        });
        let _default = tracing::subscriber::set_default(subscriber);
        let pool = sea_orm::sqlx::PgPool::connect(&pg.url).await.expect("pool");
        let mut connection = pool.acquire().await.expect("connection");

        // Every row, in order, with an argument bound; twice, the second time from the
        // connection's cache of prepared statements.
        for _ in 0..2 {
            let mut arguments = PgArguments::default();
            arguments.add(300_i32).expect("argument");
            let rows = connection
                .fetch_with(
                    sql("SELECT n, 'task ' || n FROM generate_series(1, $1) AS n"),
                    Some(arguments),
                    |row| {
                        Ok::<_, sea_orm::sqlx::Error>((
                            sea_orm::sqlx::Row::try_get::<i32, _>(row, 0)?,
                            sea_orm::sqlx::Row::try_get::<String, _>(row, 1)?,
                        ))
                    },
                )
                .instrument(tracing::info_span!("caller"))
                .await
                .expect("query")
                .expect("rows");
            let expected: Vec<(i32, String)> =
                (1..=300).map(|n| (n, format!("task {n}"))).collect();
            assert_eq!(rows, expected, "every row, in order");
        }
        assert_eq!(
            in_span.load(Ordering::Relaxed),
            2,
            "sqlx's statement line, once a query, in the caller's span"
        );
        // No rows.
        let rows = connection
            .fetch_with(sql("SELECT 1 WHERE false"), None, |_| Ok::<_, ()>(()))
            .await
            .expect("query")
            .expect("rows");
        assert!(rows.is_empty());

        // The closure's first error stops the reading: no row is made after it.
        let made = AtomicUsize::new(0);
        let stopped = connection
            .fetch_with(
                sql("SELECT n FROM generate_series(1, 300) AS n"),
                None,
                |row| {
                    made.fetch_add(1, Ordering::Relaxed);
                    let n: i32 = sea_orm::sqlx::Row::try_get(row, 0).map_err(|e| e.to_string())?;
                    if n == 7 {
                        Err(format!("stopped at {n}"))
                    } else {
                        Ok(n)
                    }
                },
            )
            .await
            .expect("query");
        assert_eq!(stopped, Err("stopped at 7".to_owned()));
        assert_eq!(made.load(Ordering::Relaxed), 7);
        answers(&mut connection).await;

        // The server's error after some rows.
        let made = AtomicUsize::new(0);
        let error = connection
            .fetch_with(
                sql("SELECT 1 / (n - 200) FROM generate_series(1, 300) AS n"),
                None,
                |_| {
                    made.fetch_add(1, Ordering::Relaxed);
                    Ok::<_, ()>(())
                },
            )
            .await
            .expect_err("division by zero");
        assert!(error.to_string().contains("division by zero"), "{error}");
        assert!(made.load(Ordering::Relaxed) < 200);
        answers(&mut connection).await;

        // An argument the statement's parameter cannot take.
        let mut arguments = PgArguments::default();
        arguments.add(i64::MAX).expect("argument");
        let error = connection
            .fetch_with(sql("SELECT $1::int4"), Some(arguments), |_| Ok::<_, ()>(()))
            .await
            .expect_err("out of range");
        assert!(error.to_string().contains("out of range"), "{error}");
        answers(&mut connection).await;

        // Dropped after some rows, with the rest of the answer still coming: rows of 100 kB,
        // which PostgreSQL sends as it makes them, and a pause of half a second before the
        // twelfth. Before the eleventh: PostgreSQL 15 sends a row through its 8 kB output
        // buffer, so a row's last bytes leave with the next row's first, and a pause before
        // the eleventh held back the end of the tenth. The test then raced the rows that came
        // after the pause, and over TLS lost (all of them were read in one poll).
        let made = AtomicUsize::new(0);
        {
            let mut reading = std::pin::pin!(connection.fetch_with(
                sql("SELECT n, repeat('x', 100000), pg_sleep(CASE WHEN n = 12 THEN 0.5 ELSE 0 END)::text \
                     FROM generate_series(1, 20) AS n"),
                None,
                |_| {
                    made.fetch_add(1, Ordering::Relaxed);
                    Ok::<_, ()>(())
                },
            ));
            while made.load(Ordering::Relaxed) < 10 {
                if let std::task::Poll::Ready(outcome) = futures::poll!(reading.as_mut()) {
                    panic!(
                        "every row read before the future could be dropped: {outcome:?} after {} rows",
                        made.load(Ordering::Relaxed)
                    );
                }
                tokio::task::yield_now().await;
            }
        }
        assert!(made.load(Ordering::Relaxed) < 20, "dropped before the last row");
        answers(&mut connection).await;

        drop(connection);
        pool.close().await;
    })
    .await;
}

/// Integers decode at each size as upstream sqlx decodes them (the vendored sqlx-postgres reads
/// INT8, INT4 and INT2 at their size, vendor/README.md): each type as itself, and each smaller
/// one as an `i64` without the type check (sign-extended, as `read_int` does), at the edges of
/// every size and in between.
#[tokio::test]
async fn postgres_integers_decode_at_every_size() {
    use sea_orm::sqlx::Row;

    with_pg(|pg| async move {
        let pool = sea_orm::sqlx::PgPool::connect(&pg.url).await.expect("pool");
        let mut values: Vec<i64> = vec![
            0,
            1,
            -1,
            127,
            -128,
            255,
            256,
            -129,
            i64::from(i16::MAX),
            i64::from(i16::MIN),
            i64::from(i32::MAX),
            i64::from(i32::MIN),
            i64::MAX,
            i64::MIN,
            0x0102_0304_0506_0708,
            -0x0102_0304_0506_0708,
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x as i64 >> (x % 49));
        }
        for v in values {
            let row = sea_orm::sqlx::query(
                "SELECT $1::int8, \
                 CASE WHEN $1 BETWEEN -2147483648 AND 2147483647 THEN $1::int4 END, \
                 CASE WHEN $1 BETWEEN -32768 AND 32767 THEN $1::int2 END",
            )
            .bind(v)
            .fetch_one(&pool)
            .await
            .expect("row");
            assert_eq!(row.try_get::<i64, _>(0).expect("int8"), v);
            if let Ok(small) = i32::try_from(v) {
                assert_eq!(row.try_get::<i32, _>(1).expect("int4"), small);
                assert_eq!(row.try_get_unchecked::<i64, _>(1).expect("int4 as i64"), v);
            }
            if let Ok(small) = i16::try_from(v) {
                assert_eq!(row.try_get::<i16, _>(2).expect("int2"), small);
                assert_eq!(row.try_get_unchecked::<i64, _>(2).expect("int2 as i64"), v);
                assert_eq!(
                    row.try_get_unchecked::<i32, _>(2).expect("int2 as i32"),
                    i32::from(small)
                );
            }
        }
        // A "char" (one byte) still goes upstream's way.
        let c: i8 = sea_orm::sqlx::query_scalar("SELECT 'A'::\"char\"")
            .fetch_one(&pool)
            .await
            .expect("char");
        assert_eq!(c, 65);
        // NULL is still an error, not a zero.
        let row = sea_orm::sqlx::query("SELECT NULL::int8")
            .fetch_one(&pool)
            .await
            .expect("row");
        assert!(row.try_get::<i64, _>(0).is_err());
        pool.close().await;
    })
    .await;
}

/// Counts sqlx's statement log lines written inside the span named `span`.
struct StatementsIn {
    span: &'static str,
    count: Arc<std::sync::atomic::AtomicUsize>,
}

impl<S> tracing_subscriber::Layer<S> for StatementsIn
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_event(&self, event: &tracing::Event<'_>, ctx: tracing_subscriber::layer::Context<'_, S>) {
        let inside = ctx
            .event_scope(event)
            .is_some_and(|mut scope| scope.any(|s| s.name() == self.span));
        if event.metadata().target() == "sqlx::query" && inside {
            self.count
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// A pool of one connection on `url`, without sqlx's statement logs.
async fn one_connection(url: &str) -> sea_orm::DatabaseConnection {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    sea_orm::Database::connect(options).await.expect("connect")
}

/// What [`connections_come_back_clean`] says in each backend's SQL.
struct CleanupSql {
    /// Runs for hundreds of milliseconds at least.
    slow: &'static str,
    /// 1 when the table `left_behind` exists, else 0.
    left_behind: &'static str,
    /// Refused inside a transaction.
    vacuum: &'static str,
}

/// One connection, given back to the pool in every state a caller can leave it in: what is in
/// flight (the rest of a cancelled query, the ROLLBACK of a dropped transaction) must be done
/// before the connection serves the next caller, and no transaction may stay open on it.
async fn connections_come_back_clean(conn: sea_orm::DatabaseConnection, sql: CleanupSql) {
    let backend = conn.get_database_backend();
    let answer = |text: &'static str| {
        let conn = conn.clone();
        async move {
            let row = conn
                .query_one_raw(sea_orm::Statement::from_string(backend, text))
                .await
                .expect("query")
                .expect("a row");
            row.try_get_by_index::<i32>(0).expect("an int")
        }
    };
    assert_eq!(answer("SELECT 1").await, 1);

    // A query cancelled while the database still works on it.
    let cancelled =
        tokio::time::timeout(Duration::from_millis(20), conn.execute_unprepared(sql.slow)).await;
    assert!(cancelled.is_err(), "the query should have been cancelled");
    assert_eq!(answer("SELECT 2").await, 2);

    // A transaction dropped without commit or rollback.
    let txn = conn.begin().await.expect("begin");
    txn.execute_unprepared("CREATE TABLE left_behind (x int)")
        .await
        .expect("create");
    drop(txn);
    assert_eq!(
        answer(sql.left_behind).await,
        0,
        "the dropped transaction was rolled back"
    );
    conn.execute_unprepared("CREATE TABLE kept (x int)")
        .await
        .expect("create outside a transaction");
    conn.execute_unprepared(sql.vacuum)
        .await
        .expect("no transaction is open on the connection");
    // And the next transaction begins and commits as usual.
    let txn = conn.begin().await.expect("begin again");
    txn.execute_unprepared("INSERT INTO kept (x) VALUES (1)")
        .await
        .expect("insert");
    txn.commit().await.expect("commit");
    assert_eq!(
        answer("SELECT CAST(count(*) AS integer) FROM kept").await,
        1
    );
    conn.close().await.expect("close");
}

/// Our copy of sqlx (vendor/sqlx-postgres) skips the round trip on release when nothing is in
/// flight; what is, is drained by the release ping or by the wait for ReadyForQuery that starts
/// every statement.
#[tokio::test]
async fn postgres_connections_come_back_clean_from_cancelled_work() {
    with_pg(|pg| async move {
        let sql = CleanupSql {
            slow: "SELECT pg_sleep(0.5)",
            left_behind: "SELECT (to_regclass('left_behind') IS NOT NULL)::int",
            vacuum: "VACUUM kept",
        };
        connections_come_back_clean(one_connection(&pg.url).await, sql).await;
    })
    .await;
}

/// On SQLite sqlx (vendor/sqlx-sqlite) takes a connection back without the round trip to its
/// worker thread: the worker runs commands in the order they were sent, so the rest of a
/// cancelled query and the ROLLBACK of a dropped transaction run before the next caller's
/// first statement.
#[tokio::test]
async fn sqlite_connections_come_back_clean_from_cancelled_work() {
    let file = SqliteTestDatabase::new();
    let sql = CleanupSql {
        slow: "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1000000) \
               SELECT count(*) FROM n",
        left_behind: "SELECT count(*) FROM sqlite_master WHERE name = 'left_behind'",
        vacuum: "VACUUM",
    };
    connections_come_back_clean(one_connection(&file.url).await, sql).await;
}

/// A connection with nothing in flight is back in the pool the moment it is dropped, with no
/// task spawned and no round trip (vendor/sqlx-core's `PoolConnection::drop` and each driver's
/// `is_ready_for_release`); one with work in flight (PostgreSQL's ROLLBACK of a dropped
/// transaction, still in the write buffer) goes back after its ping, as before. The runtime
/// is single-threaded, so a spawned release could not have run between the drop and the
/// check.
async fn released_connections_go_back_at_once<DB: sea_orm::sqlx::Database>(
    pool: &sea_orm::sqlx::Pool<DB>,
    transaction_waits: bool,
) where
    for<'c> &'c mut DB::Connection: sea_orm::sqlx::Executor<'c, Database = DB>,
{
    use sea_orm::sqlx::Executor;

    let mut connection = pool.acquire().await.expect("acquire");
    connection.execute("SELECT 1").await.expect("select");
    assert_eq!(pool.num_idle(), 0, "the only connection is out");
    drop(connection);
    assert_eq!(pool.num_idle(), 1, "back in the pool at once");

    let mut txn = pool.begin().await.expect("begin");
    txn.execute("SELECT 1")
        .await
        .expect("select in a transaction");
    drop(txn);
    if transaction_waits {
        assert_eq!(pool.num_idle(), 0, "its ROLLBACK still has to go out");
        let deadline = Instant::now() + Duration::from_secs(5);
        while pool.num_idle() == 0 {
            assert!(Instant::now() < deadline, "never came back");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    } else {
        assert_eq!(
            pool.num_idle(),
            1,
            "its ROLLBACK is queued before anything else"
        );
    }
    let mut connection = pool.acquire().await.expect("acquire again");
    let open = connection
        .fetch_one("SELECT 1")
        .await
        .expect("the connection still works");
    drop(open);
    drop(connection);
}

#[tokio::test]
async fn sqlite_released_connections_go_back_at_once() {
    let file = SqliteTestDatabase::new();
    let conn = one_connection(&file.url).await;
    released_connections_go_back_at_once(conn.get_sqlite_connection_pool(), false).await;
    conn.close().await.expect("close");
}

/// Our copy of sqlx (vendor/sqlx-sqlite) answers a BEGIN, COMMIT or ROLLBACK without waiting
/// for the caller's acknowledgement, and looks at it when the next command comes (or the
/// release's ping, for a connection whose answer is unacknowledged). Whether a caller drops its
/// `begin` (as sea-orm calls it: no `Transaction` to roll back on drop) or `commit` before the
/// worker answered or after, nothing is left behind: a cancelled BEGIN the worker answered holds
/// no lock once its connection is idle again, one it had not reached yet holds none once the
/// next caller has been served (it runs first), neither leaves a transaction open; a cancelled
/// COMMIT has committed, and the ROLLBACK its dropped transaction sends is the only one ignored
/// (the next transaction dropped is still rolled back). Varying head starts let the worker
/// answer before the drop in some rounds and after it in others; both must have happened.
#[tokio::test]
async fn sqlite_transaction_boundaries_survive_cancelled_callers() {
    use sea_orm::sqlx::{Connection, Executor, SqlSafeStr};
    use sqlx_core::transaction::TransactionManager;
    type Manager = <sea_orm::sqlx::Sqlite as sea_orm::sqlx::Database>::TransactionManager;

    let file = SqliteTestDatabase::new();
    let conn = one_connection(&file.url).await;
    let pool = conn.get_sqlite_connection_pool();
    pool.execute("CREATE TABLE t (n INTEGER NOT NULL)")
        .await
        .expect("table");
    // Another connection that never waits for a lock: it fails at once if one is still held.
    let other_pool = &sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            file.url
                .parse::<sea_orm::sqlx::sqlite::SqliteConnectOptions>()
                .expect("options")
                .busy_timeout(Duration::ZERO),
        )
        .await
        .expect("connect");
    let count = || async {
        let row: (i64,) = sea_orm::sqlx::query_as("SELECT count(*) FROM t")
            .fetch_one(other_pool)
            .await
            .expect("count");
        row.0
    };
    let head_start = |round: u32| Duration::from_micros(u64::from(round % 6) * 400);

    let (mut answered_first, mut dropped_first) = (0, 0);
    for round in 0..120_u32 {
        // A BEGIN IMMEDIATE dropped after it was sent, as sea-orm begins (the transaction
        // manager itself, with no `Transaction` whose drop would roll it back).
        let mut connection = pool.acquire().await.expect("acquire");
        let cancelled = {
            let mut begin = Box::pin(Manager::begin(
                &mut connection,
                Some("BEGIN IMMEDIATE".into_sql_str()),
            ));
            let first = futures::poll!(begin.as_mut());
            if first.is_pending() {
                std::thread::sleep(head_start(round));
                drop(begin);
            } else {
                // The worker was quicker than the poll: this round is an ordinary one.
                drop(begin);
                assert!(matches!(first, std::task::Poll::Ready(Ok(()))), "{first:?}");
                Manager::rollback(&mut connection).await.expect("rollback");
            }
            first.is_pending()
        };
        drop(connection);
        // Back at once only if nothing was left to settle (the worker had not answered yet);
        // else back after the ping that settles it.
        let answered = cancelled && pool.num_idle() == 0;
        if answered {
            answered_first += 1;
        } else if cancelled {
            dropped_first += 1;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while pool.num_idle() == 0 {
            assert!(Instant::now() < deadline, "never came back");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        if !answered {
            // The worker may not have reached the BEGIN yet: it runs (and is rolled back,
            // nobody being there for its answer) before the next caller's first command.
            pool.execute("SELECT 1").await.expect("the next caller");
        }
        other_pool
            .execute(sea_orm::sqlx::query("INSERT INTO t (n) VALUES (?)").bind(-1))
            .await
            .expect("no lock is held by the cancelled BEGIN once its connection is idle");
        let mut connection = pool.acquire().await.expect("acquire again");
        connection
            .execute("VACUUM")
            .await
            .expect("no transaction is left open by the cancelled BEGIN");

        // A COMMIT dropped after it was sent: it still commits.
        let before = count().await;
        let mut txn = connection.begin().await.expect("begin");
        txn.execute(sea_orm::sqlx::query("INSERT INTO t (n) VALUES (?)").bind(round))
            .await
            .expect("insert");
        {
            let mut commit = Box::pin(txn.commit());
            let first = futures::poll!(commit.as_mut());
            std::thread::sleep(head_start(round + 3));
            drop(first);
            drop(commit);
        }
        // The next transaction dropped is still rolled back, not mistaken for the ROLLBACK
        // of the dropped commit's transaction.
        let mut txn = connection
            .begin()
            .await
            .expect("begin after a cancelled commit");
        txn.execute(sea_orm::sqlx::query("INSERT INTO t (n) VALUES (?)").bind(-2))
            .await
            .expect("insert");
        drop(txn);
        connection
            .execute("VACUUM")
            .await
            .expect("no transaction is left open after the dropped ones");
        assert_eq!(
            count().await,
            before + 1,
            "round {round}: the cancelled COMMIT committed and the dropped transaction did not"
        );
        drop(connection);
    }
    assert!(
        answered_first > 0 && dropped_first > 0,
        "both orders happened: answered first {answered_first}, dropped first {dropped_first}"
    );
    other_pool.close().await;
    conn.close().await.expect("close");
}

#[tokio::test]
async fn postgres_released_connections_go_back_at_once() {
    with_pg(|pg| async move {
        let conn = one_connection(&pg.url).await;
        released_connections_go_back_at_once(conn.get_postgres_connection_pool(), true).await;
        conn.close().await.expect("close");
    })
    .await;
}

/// The server goes away (every connection cut, new ones refused): calls answer
/// `Unavailable`; it comes back: the same repositories work again, with no restart.
#[tokio::test]
async fn postgres_lost_and_recovered() {
    with_pg(|pg: PgTestDatabase| async move {
        let proxy = TcpProxy::start(common::pg_socket_addr(&pg.url).await).await;
        let via_proxy = {
            let rest = pg.url.split_once("://").map_or(pg.url.as_str(), |(_, r)| r);
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let userinfo = authority
                .rsplit_once('@')
                .map(|(u, _)| format!("{u}@"))
                .unwrap_or_default();
            format!("postgres://{userinfo}{}/{path}", proxy.addr)
        };
        let settings = DatabaseSettings {
            acquire_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(5),
            ..test_settings(via_proxy)
        };
        let db = common::connect_migrated(&settings).await;
        let tasks = db.task_repository();
        let alice = user("alice");
        let task = tasks
            .insert_task(&alice, new_task("survives"))
            .await
            .expect("insert");

        proxy.stop().await;
        for _ in 0..3 {
            let result = tasks.get_task(&alice, task.id).await;
            assert!(
                matches!(result, Err(TaskRepositoryError::Unavailable(_))),
                "{result:?}"
            );
            let listed = tasks.list_tasks(&alice, TaskStatusFilter::All).await;
            assert!(
                matches!(listed, Err(TaskRepositoryError::Unavailable(_))),
                "{listed:?}"
            );
        }
        assert!(matches!(
            tasks.ping().await,
            Err(TaskRepositoryError::Unavailable(_))
        ));

        proxy.restart().await;
        assert_eq!(
            tasks.get_task(&alice, task.id).await.expect("recovered"),
            task
        );
        assert_eq!(
            tasks
                .list_tasks(&alice, TaskStatusFilter::All)
                .await
                .expect("listed after recovery"),
            [task]
        );
        tasks.ping().await.expect("ping after recovery");
        db.close().await;
        proxy.stop().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Connecting

#[tokio::test]
async fn a_closed_port_is_unavailable_and_the_password_stays_secret() {
    let settings = DatabaseSettings {
        connect_timeout: Duration::from_millis(500),
        acquire_timeout: Duration::from_millis(500),
        ..DatabaseSettings::with_url("postgres://postgres:s3cr3t-pw@127.0.0.1:1/x")
    };
    let started = Instant::now();
    let err = Database::connect(&settings)
        .await
        .expect_err("no server on port 1");
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    assert!(err.is_unavailable());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "bounded by the timeouts"
    );
    assert!(!err.to_string().contains("s3cr3t-pw"), "{err}");
    assert!(!format!("{err:?}").contains("s3cr3t-pw"), "{err:?}");
}

#[tokio::test]
async fn debug_output_never_shows_the_password() {
    let Some(pg) = PgTestDatabase::create().await else {
        return;
    };
    // Same server, with a password in the URL (trust authentication ignores it).
    let url = pg.url.replacen("://postgres@", "://postgres:s3cr3t-pw@", 1);
    let db = common::connect_migrated(&test_settings(url.clone())).await;
    let printed = format!(
        "{db:?} {:?} {:?}",
        db.task_repository(),
        db.conversation_repository()
    );
    assert!(!printed.contains("s3cr3t-pw"), "{printed}");
    assert!(printed.contains("Postgres"), "{printed}");
    db.close().await;
}

#[tokio::test]
async fn bad_urls_are_invalid_and_the_password_stays_secret() {
    for url in [
        "mysql://root:s3cr3t-pw@127.0.0.1/x",
        "postgres://u:s3cr3t-pw@[::1/x",
        "nonsense",
    ] {
        let err = Database::connect(&DatabaseSettings::with_url(url))
            .await
            .expect_err("invalid");
        assert!(matches!(err, StorageError::InvalidUrl(_)), "{url}: {err:?}");
        assert!(!err.is_unavailable());
        assert!(!format!("{err} {err:?}").contains("s3cr3t-pw"), "{err:?}");
    }
}

#[tokio::test]
async fn postgres_wrong_database_is_not_unavailable() {
    let Some(admin) = common::pg_admin_url() else {
        return;
    };
    let url = common::url_with_database(&admin, "todo_test_does_not_exist");
    let err = Database::connect(&test_settings(url))
        .await
        .expect_err("no such database");
    assert!(matches!(err, StorageError::Unexpected(_)), "{err:?}");
}

#[test]
fn url_with_database_replaces_the_path() {
    assert_eq!(
        common::url_with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        common::url_with_database("postgres://u:p@h/test?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        common::url_with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}

/// Every database call's future holds a pool acquire's, and every call through a boxed
/// future (`async_trait`: each repository method, each decorator) copies it whole. The vendored
/// sqlx-core boxes the rarely taken connect inside the acquire (a PostgreSQL connect holds its
/// TLS handshake), so the acquire's future stays small: in this test's build 792 bytes on
/// PostgreSQL against 4,096 with the connect inline. Callgrind counted the copies as a fifth
/// of the instructions of a PostgreSQL chat that adds a task; it counts a `rep movsb` byte by
/// byte, and in time they cost far less (vendor/README.md, "a pool's connect boxed").
#[test]
fn a_pool_acquire_future_is_small() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let _entered = runtime.enter();
    let postgres = sea_orm::sqlx::postgres::PgPoolOptions::new()
        .connect_lazy("postgres://nobody@127.0.0.1:1/none")
        .expect("lazy pool");
    let sqlite = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
        .connect_lazy("sqlite::memory:")
        .expect("lazy pool");
    let (postgres, sqlite) = (postgres.acquire(), sqlite.acquire());
    let sizes = (size_of_val(&postgres), size_of_val(&sqlite));
    println!("acquire futures, PostgreSQL and SQLite: {sizes:?} bytes");
    assert!(sizes.0 <= 2048 && sizes.1 <= 2048, "{sizes:?}");
}

/// The vendored sqlx-postgres decodes a binary `timestamptz` with the date of its day kept
/// from the time decoded before it on the thread (vendor/README.md, "a day's date decoded
/// once"): every time comes out as upstream's arithmetic makes it, whether the time before it
/// fell on the same day or not, before 2000 as after, at a day's first and last microsecond.
#[tokio::test]
async fn postgres_times_decode_as_upstream_did() {
    with_pg(|pg| async move {
        use sea_orm::sqlx::{Connection, Row};
        let mut connection = sea_orm::sqlx::PgConnection::connect(&pg.url)
            .await
            .expect("connect");
        // Steps of 7 h 13 min 1.000001 s: three or four times a day, each day entered and left.
        let rows = sea_orm::sqlx::query(
            "SELECT t, t AT TIME ZONE 'UTC' AS naive,
                ((extract(epoch FROM t) - 946684800) * 1000000)::int8 AS us FROM (
                SELECT '2026-12-07 00:00:00+00'::timestamptz
                    + s * interval '7 hours 13 minutes 1.000001 seconds' AS t
                FROM generate_series(-3000, 3000) AS s
                UNION ALL
                SELECT unnest(ARRAY['2000-01-01 00:00:00+00', '1999-12-31 23:59:59.999999+00',
                    '2000-01-01 00:00:00.000001+00', '1970-01-01 00:00:00+00',
                    '0001-01-01 00:00:00+00', '2024-02-29 12:00:00+00',
                    '9999-12-31 23:59:59.999999+00', '1900-03-01 00:00:00.5+00',
                    '2026-12-07 23:59:59.999999+00', '2026-12-08 00:00:00+00']::timestamptz[])
            ) AS times",
        )
        .fetch_all(&mut connection)
        .await
        .expect("times");
        assert!(rows.len() > 6000, "{}", rows.len());
        let epoch = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("epoch");
        for row in &rows {
            let us: i64 = row.get("us");
            let upstream = epoch + chrono::Duration::microseconds(us);
            let utc: chrono::DateTime<chrono::Utc> = row.get("t");
            assert_eq!(utc, upstream.and_utc(), "{us}");
            let naive: chrono::NaiveDateTime = row.get("naive");
            assert_eq!(naive, upstream, "{us}");
            let fixed: chrono::DateTime<chrono::FixedOffset> = row.get("t");
            assert_eq!(fixed.naive_utc(), upstream, "{us}");
        }
        connection.close().await.expect("close");
    })
    .await;
}
