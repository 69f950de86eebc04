//! The telemetry in process, against real OTLP receivers (gRPC: a tonic `TraceService`;
//! HTTP/protobuf: a poem route; both decode the OTLP messages with prost): ports wrapped in
//! `Timed` around test doubles of the adapters, the subscriber built with `Telemetry::build`
//! and installed for the test's thread, log lines captured in memory, `/metrics` text parsed
//! with a Prometheus text parser.

#[path = "common/receivers.rs"]
mod receivers;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use openmetrics_parser::{HistogramValue, PrometheusValue};
use receivers::{Attr, Receiver, Span};
use serde_json::{Value, json};
use todo_agent::{
    Agent, AgentConfig, AgentRunner, Chat, ChatMessage, ChatModel, ChatModelError, ChatRequest,
    ChatResponse, ChatService, TokenUsage, ToolCallRequest,
};
use todo_conversation::testing::InMemoryConversationRepository;
use todo_conversation::{
    ConversationRepository, ConversationRepositoryError, ConversationService, Conversations,
};
use todo_domain::testing::InMemoryTaskRepository;
use todo_domain::{
    Conversation, ConversationId, Message, MessageContent, NewTask, Role, Task, TaskId, TaskPatch,
    TaskRepository, TaskRepositoryError, TaskStatusFilter, TaskTitle, UserId,
};
use todo_telemetry::{
    LogFormat, OtlpSettings, Targets, Telemetry, TelemetrySettings, Timed, TimedOptions,
};
use todo_tools::{Tool, ToolContext, ToolSet};

const DELAY: Duration = Duration::from_millis(50);
/// The band the issue asks every report of a 50 ms call to fall in.
const BAND_MS: (f64, f64) = (50.0, 60.0);
/// Generous: the receivers run on a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(30);

/// The tests measure time: one at a time, so that they do not disturb each other's clocks
/// (under `cargo test`; cargo-nextest runs each test in a process of its own, and the test
/// group `timed-telemetry` in .config/nextest.toml keeps them apart there).
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// Harness

/// Log output, captured in memory.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    /// Every line, each parsed as a JSON object (a line that is not fails the test).
    fn lines(&self) -> Vec<Value> {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let text = String::from_utf8(bytes).expect("log output is UTF-8");
        text.lines()
            .map(|line| {
                let v: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
                for key in ["timestamp", "level", "logger", "message"] {
                    assert!(v[key].is_string(), "no {key} in {line}");
                }
                v
            })
            .collect()
    }

    /// The "Performance metric" lines of `operation`.
    fn metric_lines(&self, operation: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l["message"] == "Performance metric" && l["operation"] == operation)
            .collect()
    }
}

/// Telemetry settings as the binary builds them, the export configured from `OTEL_*` pairs.
fn settings(otel: &[(&str, &str)]) -> TelemetrySettings {
    let env: HashMap<String, String> = otel
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    TelemetrySettings {
        format: LogFormat::Json,
        filter: "info".to_owned(),
        otlp: OtlpSettings::from_env(&|name| env.get(name).cloned()).expect("OTEL settings"),
        summary_window: Duration::from_secs(600),
        summary_max_samples: 100_000,
        targets: Targets::default(),
        log_buffer_lines: 16_384,
    }
}

/// The subscriber as the binary builds it from `settings`, its log lines captured.
fn built(settings: &TelemetrySettings) -> (Capture, Telemetry, tracing::Dispatch) {
    let capture = Capture::default();
    let (telemetry, dispatch) = Telemetry::build(settings, capture.clone()).expect("telemetry");
    (capture, telemetry, dispatch)
}

/// Settings that export to `receiver` over `protocol` quickly.
fn exporting_to(receiver: &Receiver, protocol: &str) -> TelemetrySettings {
    settings(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ])
}

/// A current-thread runtime: everything spawned runs on the test's thread, under the
/// subscriber the test installed there.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn user() -> UserId {
    UserId::parse("alice").expect("user id")
}

fn new_task(title: &str) -> NewTask {
    NewTask {
        title: TaskTitle::parse(title).expect("title"),
        description: None,
    }
}

fn in_band(what: &str, ms: f64) {
    assert!(
        (BAND_MS.0..=BAND_MS.1).contains(&ms),
        "{what}: {ms} ms, outside {BAND_MS:?} for a {DELAY:?} call"
    );
}

/// The one sample of `family` whose labels include `labels`.
fn histogram(text: &str, family: &str, labels: &[(&str, &str)]) -> HistogramValue {
    let exposition = openmetrics_parser::prometheus::parse_prometheus(text)
        .unwrap_or_else(|e| panic!("/metrics does not parse ({e:?}):\n{text}"));
    let family = exposition
        .families
        .get(family)
        .unwrap_or_else(|| panic!("no {family} in:\n{text}"));
    let matching: Vec<HistogramValue> = family
        .iter_samples()
        .filter(|s| {
            let set = s.get_labelset().expect("labels");
            labels
                .iter()
                .all(|(k, v)| set.get_label_value(k) == Some(*v))
        })
        .map(|s| match &s.value {
            PrometheusValue::Histogram(h) => h.clone(),
            other => panic!("{other:?} is not a histogram"),
        })
        .collect();
    assert_eq!(matching.len(), 1, "one series of {labels:?} in:\n{text}");
    matching.into_iter().next().expect("one")
}

fn bucket(h: &HistogramValue, le: f64) -> f64 {
    h.buckets
        .iter()
        .find(|b| (b.upper_bound - le).abs() < 1e-12)
        .unwrap_or_else(|| panic!("no le={le} bucket in {h:?}"))
        .count
        .as_f64()
}

fn counter(text: &str, name: &str) -> f64 {
    let exposition = openmetrics_parser::prometheus::parse_prometheus(text)
        .unwrap_or_else(|e| panic!("/metrics does not parse ({e:?}):\n{text}"));
    let family = exposition
        .families
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"));
    let sample = family.iter_samples().next().expect("one sample");
    match &sample.value {
        PrometheusValue::Counter(c) => c.value.as_f64(),
        other => panic!("{name} is {other:?}, not a counter"),
    }
}

/// A histogram holding exactly one observation in the band: none at or below 0.05 s, one at
/// 0.075 s (the bucket that holds 50–60 ms), and a sum in the band.
fn one_observation_in_band(what: &str, h: &HistogramValue) {
    assert_eq!(h.count, Some(1), "{what}: {h:?}");
    assert!(bucket(h, 0.05).abs() < f64::EPSILON, "{what}: {h:?}");
    assert!(
        (bucket(h, 0.075) - 1.0).abs() < f64::EPSILON,
        "{what}: {h:?}"
    );
    let sum = h.sum.as_ref().expect("a sum").as_f64();
    in_band(&format!("{what} sum"), sum * 1000.0);
}

fn span_by_id<'a>(spans: &'a [Span], id: &str) -> &'a Span {
    spans
        .iter()
        .find(|s| s.span_id == id)
        .unwrap_or_else(|| panic!("no span {id}"))
}

fn named<'a>(spans: &'a [Span], name: &str) -> Vec<&'a Span> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

// ---------------------------------------------------------------------------------------------
// Test doubles of the adapters: the in-memory ports with an injected delay.

struct SlowTasks {
    inner: InMemoryTaskRepository,
    delay: Duration,
}

#[async_trait]
impl TaskRepository for SlowTasks {
    async fn insert_task(&self, user: &UserId, task: NewTask) -> Result<Task, TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.insert_task(user, task).await
    }

    async fn list_tasks(
        &self,
        user: &UserId,
        filter: TaskStatusFilter,
    ) -> Result<Vec<Task>, TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.list_tasks(user, filter).await
    }

    async fn get_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.get_task(user, id).await
    }

    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: TaskPatch,
    ) -> Result<Task, TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.update_task(user, id, patch).await
    }

    async fn set_completed(
        &self,
        user: &UserId,
        id: TaskId,
        completed: Option<bool>,
    ) -> Result<Task, TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.set_completed(user, id, completed).await
    }

    async fn delete_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.delete_task(user, id).await
    }

    async fn ping(&self) -> Result<(), TaskRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.ping().await
    }
}

fn slow_tasks(delay: Duration) -> Arc<dyn TaskRepository> {
    let adapter: Arc<dyn TaskRepository> = Arc::new(SlowTasks {
        inner: InMemoryTaskRepository::new(),
        delay,
    });
    Arc::new(Timed::new(adapter, TimedOptions::default()))
}

struct SlowConversations {
    inner: InMemoryConversationRepository,
    delay: Duration,
}

#[async_trait]
impl ConversationRepository for SlowConversations {
    async fn insert_conversation(
        &self,
        user: &UserId,
    ) -> Result<Conversation, ConversationRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.insert_conversation(user).await
    }

    async fn insert_conversation_with_message(
        &self,
        user: &UserId,
        content: &MessageContent,
    ) -> Result<(Conversation, Message), ConversationRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner
            .insert_conversation_with_message(user, content)
            .await
    }

    async fn get_conversation(
        &self,
        user: &UserId,
        id: ConversationId,
    ) -> Result<Conversation, ConversationRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.get_conversation(user, id).await
    }

    async fn list_conversations(
        &self,
        user: &UserId,
    ) -> Result<Vec<Conversation>, ConversationRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner.list_conversations(user).await
    }

    async fn insert_message(
        &self,
        user: &UserId,
        conversation: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, ConversationRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner
            .insert_message(user, conversation, role, content)
            .await
    }

    async fn list_messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, ConversationRepositoryError> {
        tokio::time::sleep(self.delay).await;
        self.inner
            .list_messages(user, conversation, limit, max_bytes)
            .await
    }
}

/// A model that asks for `add_task` once, then answers in text; each call takes `delay`.
struct ScriptedModel {
    delay: Duration,
}

#[async_trait]
impl ChatModel for ScriptedModel {
    fn provider(&self) -> &str {
        "scripted"
    }

    fn model(&self) -> &str {
        "scripted-model"
    }

    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse, ChatModelError> {
        tokio::time::sleep(self.delay).await;
        let tool_answered = matches!(request.messages.last(), Some(ChatMessage::Tool { .. }));
        let (content, tool_calls) = if tool_answered {
            (Some("Added it.".to_owned()), Vec::new())
        } else {
            (
                None,
                vec![ToolCallRequest {
                    id: "call-1".to_owned(),
                    name: "add_task".to_owned(),
                    arguments: json!({"title": "buy milk"}).to_string(),
                }],
            )
        };
        Ok(ChatResponse {
            content,
            tool_calls,
            model: "scripted-model-2026".to_owned(),
            finish_reasons: vec!["stop".to_owned()],
            usage: Some(TokenUsage {
                input_tokens: 42,
                output_tokens: 7,
            }),
        })
    }
}

fn timed_model(delay: Duration) -> Arc<dyn ChatModel> {
    let adapter: Arc<dyn ChatModel> = Arc::new(ScriptedModel { delay });
    Arc::new(Timed::new(adapter, TimedOptions::default()))
}

/// The chat use case wired as the composition root wires it, every port timed, over the
/// in-memory adapters slowed by `delay`.
fn timed_chat(delay: Duration) -> Arc<dyn Chat> {
    let options = TimedOptions::default();
    let tasks = slow_tasks(delay);
    let repo: Arc<dyn ConversationRepository> = Arc::new(SlowConversations {
        inner: InMemoryConversationRepository::new(),
        delay,
    });
    let repo: Arc<dyn ConversationRepository> = Arc::new(Timed::new(repo, options.clone()));
    let tools = ToolSet::task_tools(tasks, |tool| -> Arc<dyn Tool> {
        Arc::new(Timed::tool(tool, options.clone()))
    });
    let agent: Arc<dyn AgentRunner> = Arc::new(Agent::new(
        timed_model(delay),
        tools,
        AgentConfig::default(),
    ));
    let conversations: Arc<dyn Conversations> = Arc::new(ConversationService::new(repo));
    let conversations: Arc<dyn Conversations> =
        Arc::new(Timed::new(conversations, options.clone()));
    let chat: Arc<dyn Chat> = Arc::new(ChatService::new(
        conversations,
        Arc::new(Timed::new(agent, options.clone())),
        50,
    ));
    Arc::new(Timed::new(chat, options))
}

// ---------------------------------------------------------------------------------------------
// Truthfulness

/// A repository call and a model call that each take 50 ms report 50–60 ms in their log line,
/// their exported span, their histogram buckets (`operation_duration_seconds` and the semconv
/// histogram) and the summary, and those reports agree with one another.
#[test]
fn a_50_ms_call_reports_50_to_60_ms_in_log_span_histogram_and_summary() {
    let _serial = serial();
    let receiver = Receiver::grpc();
    let (capture, telemetry, dispatch) = built(&exporting_to(&receiver, "grpc"));
    let metrics = telemetry.metrics();
    {
        let _installed = tracing::dispatcher::set_default(&dispatch);
        let tasks = slow_tasks(DELAY);
        let model = timed_model(DELAY);
        runtime().block_on(async {
            tasks
                .insert_task(&user(), new_task("buy milk"))
                .await
                .expect("insert");
            let request = ChatRequest {
                user_id: user(),
                conversation_id: ConversationId::new(7).expect("id"),
                messages: vec![ChatMessage::User("hello".to_owned())],
                tools: Vec::new().into(),
            };
            model.complete(&request).await.expect("complete");
        });
    }
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| {
        !named(s, "INSERT task").is_empty() && !named(s, "chat scripted-model").is_empty()
    });
    let text = metrics.render();
    let summary = metrics.summary.report();
    telemetry.shutdown(Duration::from_secs(5));

    for (operation, span_name, semconv_family, semconv_labels) in [
        (
            "db_insert_task",
            "INSERT task",
            "db_client_operation_duration_seconds",
            &[
                ("db_system_name", "sqlite"),
                ("db_operation_name", "INSERT"),
                ("db_collection_name", "task"),
            ][..],
        ),
        (
            "llm_chat_completion",
            "chat scripted-model",
            "gen_ai_client_operation_duration_seconds",
            &[
                ("gen_ai_operation_name", "chat"),
                ("gen_ai_provider_name", "scripted"),
                ("gen_ai_request_model", "scripted-model"),
            ][..],
        ),
    ] {
        // The log line.
        let lines = capture.metric_lines(operation);
        assert_eq!(lines.len(), 1, "one line for {operation}: {lines:?}");
        let line = &lines[0];
        assert_eq!(line["status"], "success", "{line}");
        assert_eq!(line["level"], "INFO", "{line}");
        assert_eq!(line["user_id"], "alice", "{line}");
        let logged_ms = line["duration_ms"]
            .as_f64()
            .expect("duration_ms is a number");
        in_band(&format!("{operation} log line"), logged_ms);

        // The span, as the collector received it.
        let found = named(&spans, span_name);
        assert_eq!(found.len(), 1, "{span_name}: {found:#?}");
        let span = found[0];
        assert_eq!(span.str_attr("operation"), Some(operation));
        in_band(&format!("{span_name} span"), span.duration_ms());
        assert_eq!(line["trace_id"], span.trace_id.as_str(), "{line}");
        assert_eq!(line["span_id"], span.span_id.as_str(), "{line}");
        assert!(
            (span.duration_ms() - logged_ms).abs() < 1.0,
            "{operation}: the span ({} ms) and the log line ({logged_ms} ms) time the same call",
            span.duration_ms()
        );
        // Rounded to the nearest microsecond the line is written in: one measurement, not two
        // readings of the clocks that a preempted thread pulls apart.
        assert!(
            (span.duration_ms() - logged_ms).abs() <= 0.000_5 + 1e-9,
            "{operation}: the span lasts {} ms, its log line says {logged_ms} ms",
            span.duration_ms()
        );
        // Stamped with the operation's end, the span's, to the millisecond.
        let stamped =
            chrono::DateTime::parse_from_rfc3339(line["timestamp"].as_str().expect("a timestamp"))
                .expect("an RFC 3339 timestamp");
        assert_eq!(
            u64::try_from(stamped.timestamp_millis()).expect("after 1970"),
            span.end_unix_nano / 1_000_000,
            "{operation}: {line}"
        );

        // The histograms.
        one_observation_in_band(
            &format!("operation_duration_seconds of {operation}"),
            &histogram(
                &text,
                "operation_duration_seconds",
                &[("operation", operation), ("status", "success")],
            ),
        );
        one_observation_in_band(
            &format!("{semconv_family} of {operation}"),
            &histogram(&text, semconv_family, semconv_labels),
        );

        // The summary: exact durations, so exactly the logged one.
        let row = summary
            .operations
            .iter()
            .find(|o| o.operation == operation)
            .unwrap_or_else(|| panic!("no {operation} in {summary:?}"));
        assert_eq!((row.count, row.errors), (1, 0), "{row:?}");
        for (what, ms) in [
            ("p50", row.p50_ms),
            ("p95", row.p95_ms),
            ("p99", row.p99_ms),
            ("max", row.max_ms),
        ] {
            in_band(&format!("{operation} summary {what}"), ms);
            assert!(
                (ms - logged_ms).abs() < 0.01,
                "{operation} summary {what} {ms} ms ≠ logged {logged_ms} ms"
            );
        }
    }
    let db = summary
        .operations
        .iter()
        .find(|o| o.operation == "db_insert_task")
        .expect("db_insert_task");
    assert_eq!(db.target_p95_ms, Some(100.0));
    assert_eq!(db.within_target, Some(true));
    let tokens = histogram(
        &text,
        "gen_ai_client_token_usage",
        &[("gen_ai_token_type", "input")],
    );
    assert_eq!(tokens.count, Some(1));
    assert!((tokens.sum.expect("sum").as_f64() - 42.0).abs() < f64::EPSILON);
}

/// On PostgreSQL a database call has no driver span under it (`timed_db`), and is timed,
/// traced and counted all the same, under `db.system.name` = `postgresql`.
#[test]
fn a_postgresql_database_call_is_timed_traced_and_counted() {
    let _serial = serial();
    let receiver = Receiver::http();
    let (capture, telemetry, dispatch) = built(&exporting_to(&receiver, "http/protobuf"));
    let metrics = telemetry.metrics();
    {
        let _installed = tracing::dispatcher::set_default(&dispatch);
        let adapter: Arc<dyn TaskRepository> = Arc::new(SlowTasks {
            inner: InMemoryTaskRepository::new(),
            delay: DELAY,
        });
        let options = TimedOptions {
            db_system: "postgresql",
            ..TimedOptions::default()
        };
        let tasks = Timed::new(adapter, options);
        runtime().block_on(async {
            tasks
                .insert_task(&user(), new_task("buy milk"))
                .await
                .expect("insert");
        });
    }
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| !named(s, "INSERT task").is_empty());
    let text = metrics.render();
    telemetry.shutdown(Duration::from_secs(5));

    assert_eq!(spans.len(), 1, "one exported span for one call: {spans:#?}");
    let span = named(&spans, "INSERT task")[0];
    assert_eq!(span.str_attr("db.system.name"), Some("postgresql"));
    assert_eq!(span.str_attr("operation"), Some("db_insert_task"));
    in_band("INSERT task span", span.duration_ms());
    let lines = capture.metric_lines("db_insert_task");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["status"], "success");
    assert_eq!(lines[0]["span_id"], span.span_id.as_str());
    in_band(
        "db_insert_task log line",
        lines[0]["duration_ms"].as_f64().expect("duration_ms"),
    );
    one_observation_in_band(
        "db_client_operation_duration_seconds on postgresql",
        &histogram(
            &text,
            "db_client_operation_duration_seconds",
            &[
                ("db_system_name", "postgresql"),
                ("db_operation_name", "INSERT"),
                ("db_collection_name", "task"),
            ],
        ),
    );
}

/// A failed port call: its log line is `ERROR` with `status: error` and the `error` message,
/// its span has an error status and `error.type`, and it is counted under `status="error"` and
/// in the summary's errors. A tool that cannot do its work answers the model with
/// `{"error": …}` and is still logged and counted as an error.
#[test]
fn a_failed_call_is_logged_traced_and_counted_as_an_error() {
    let _serial = serial();
    let receiver = Receiver::http();
    let (capture, telemetry, dispatch) = built(&exporting_to(&receiver, "http/protobuf"));
    let metrics = telemetry.metrics();
    {
        let _installed = tracing::dispatcher::set_default(&dispatch);
        let tasks = slow_tasks(Duration::ZERO);
        let options = TimedOptions::default();
        let tools = ToolSet::task_tools(tasks.clone(), |tool| -> Arc<dyn Tool> {
            Arc::new(Timed::tool(tool, options.clone()))
        });
        runtime().block_on(async {
            let missing = tasks.get_task(&user(), TaskId::new(999).expect("id")).await;
            assert_eq!(missing, Err(TaskRepositoryError::NotFound));
            let ctx = ToolContext {
                user_id: user(),
                conversation_id: None,
                call_id: Some("call-9".to_owned()),
            };
            let result = tools
                .dispatch(&ctx, "delete_task", json!({"task_id": 999}))
                .await
                .expect("a recoverable failure is a result");
            assert!(result.error().is_some(), "{result}");
        });
    }
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| {
        !named(s, "SELECT task").is_empty() && !named(s, "execute_tool delete_task").is_empty()
    });
    let text = metrics.render();
    let summary = metrics.summary.report();
    telemetry.shutdown(Duration::from_secs(5));

    for (operation, span_name, error_type) in [
        ("db_get_task", "SELECT task", "not_found"),
        ("db_delete_task", "DELETE task", "not_found"),
        (
            "mcp_tool_delete_task",
            "execute_tool delete_task",
            "not_found",
        ),
    ] {
        let lines = capture.metric_lines(operation);
        assert_eq!(lines.len(), 1, "{operation}: {lines:?}");
        let line = &lines[0];
        assert_eq!(line["level"], "ERROR", "{line}");
        assert_eq!(line["status"], "error", "{line}");
        assert!(
            line["error"]
                .as_str()
                .is_some_and(|e| e.contains("not found")),
            "{line}"
        );
        let found = named(&spans, span_name);
        assert_eq!(found.len(), 1, "{span_name}");
        let span = found[0];
        assert_eq!(span.status_code, "STATUS_CODE_ERROR", "{span:#?}");
        assert_eq!(span.str_attr("error.type"), Some(error_type), "{span:#?}");
        assert_eq!(span.str_attr("status"), Some("error"), "{span:#?}");
        assert_eq!(line["span_id"], span.span_id.as_str());

        let h = histogram(
            &text,
            "operation_duration_seconds",
            &[("operation", operation), ("status", "error")],
        );
        assert_eq!(h.count, Some(1), "{operation}");
        let row = summary
            .operations
            .iter()
            .find(|o| o.operation == operation)
            .unwrap_or_else(|| panic!("no {operation}"));
        assert_eq!((row.count, row.errors), (1, 1), "{row:?}");
    }
    // The database span of a failed delete is a child of the tool's span.
    let tool = named(&spans, "execute_tool delete_task")[0];
    let db = named(&spans, "DELETE task")[0];
    assert_eq!(db.parent_span_id, tool.span_id);
    assert_eq!(tool.str_attr("gen_ai.tool.call.id"), Some("call-9"));
    let db_errors = histogram(
        &text,
        "db_client_operation_duration_seconds",
        &[("db_operation_name", "DELETE"), ("error_type", "not_found")],
    );
    assert_eq!(db_errors.count, Some(1));
}

// ---------------------------------------------------------------------------------------------
// One chat, one trace, over both transports

/// `child` lies within `parent` in time.
fn within(child: &Span, parent: &Span) -> bool {
    parent.start_unix_nano <= child.start_unix_nano && child.end_unix_nano <= parent.end_unix_nano
}

fn chat_is_one_consistent_trace(protocol: &str) {
    let _serial = serial();
    let receiver = match protocol {
        "grpc" => Receiver::grpc(),
        _ => Receiver::http(),
    };
    let (capture, telemetry, dispatch) = built(&exporting_to(&receiver, protocol));
    {
        let _installed = tracing::dispatcher::set_default(&dispatch);
        let chat = timed_chat(Duration::from_millis(20));
        let outcome = runtime()
            .block_on(chat.chat(
                &user(),
                None,
                MessageContent::parse("add a task to buy milk").expect("message"),
            ))
            .expect("chat");
        assert_eq!(outcome.tool_calls.len(), 1);
    }
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| !named(s, "chat_endpoint").is_empty());
    telemetry.shutdown(Duration::from_secs(5));

    let root = named(&spans, "chat_endpoint")[0];
    let trace: Vec<&Span> = spans
        .iter()
        .filter(|s| s.trace_id == root.trace_id)
        .collect();
    assert_eq!(trace.len(), spans.len(), "one chat, one trace: {spans:#?}");
    assert!(root.parent_span_id.is_empty(), "no server span in process");
    // The resource names the service (OTEL_SERVICE_NAME, default `todo-chatbot`): it is what
    // a trace viewer lists the spans under, over either transport.
    for span in &spans {
        assert_eq!(
            span.service_name.as_deref(),
            Some("todo-chatbot"),
            "{protocol}: {}",
            span.name
        );
    }

    // The tree: who is whose parent, as the calls nest.
    let parent_of = |name: &str| -> Vec<String> {
        named(&spans, name)
            .iter()
            .map(|s| span_by_id(&spans, &s.parent_span_id).name.clone())
            .collect()
    };
    assert_eq!(parent_of("create_conversation"), ["chat_endpoint"]);
    // A new conversation is stored with the user's message (one database call); the reply
    // is the one `add_message`.
    assert_eq!(parent_of("INSERT conversation"), ["create_conversation"]);
    assert_eq!(parent_of("add_message"), ["chat_endpoint"]);
    assert_eq!(parent_of("INSERT message"), ["add_message"]);
    assert_eq!(parent_of("invoke_agent todo-agent"), ["chat_endpoint"]);
    assert_eq!(
        parent_of("agent_initialization"),
        ["invoke_agent todo-agent"]
    );
    assert_eq!(parent_of("agent_execution"), ["invoke_agent todo-agent"]);
    assert_eq!(
        parent_of("chat scripted-model"),
        ["agent_execution", "agent_execution"]
    );
    assert_eq!(parent_of("agent_tool_calls"), ["agent_execution"]);
    assert_eq!(parent_of("execute_tool add_task"), ["agent_tool_calls"]);
    assert_eq!(parent_of("INSERT task"), ["execute_tool add_task"]);
    assert_eq!(
        spans.len(),
        13,
        "{:#?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );

    // Kinds and attributes of §5, typed as the conventions say.
    let model = named(&spans, "chat scripted-model")[0];
    assert_eq!(model.kind, "SPAN_KIND_CLIENT");
    assert_eq!(model.str_attr("gen_ai.operation.name"), Some("chat"));
    assert_eq!(model.str_attr("gen_ai.provider.name"), Some("scripted"));
    assert_eq!(
        model.str_attr("gen_ai.request.model"),
        Some("scripted-model")
    );
    assert_eq!(
        model.str_attr("gen_ai.response.model"),
        Some("scripted-model-2026")
    );
    assert_eq!(
        model.attributes.get("gen_ai.usage.input_tokens"),
        Some(&Attr::Int(42))
    );
    assert_eq!(
        model.attributes.get("gen_ai.usage.output_tokens"),
        Some(&Attr::Int(7))
    );
    // string[] in the conventions: an OTLP array of one string.
    match model.attributes.get("gen_ai.response.finish_reasons") {
        Some(Attr::Other(text)) => {
            assert!(text.contains("ArrayValue("), "{text}");
            assert_eq!(text.matches("StringValue(").count(), 1, "{text}");
            assert!(text.contains(r#"StringValue("stop")"#), "{text}");
        }
        other => panic!("finish_reasons: {other:?}"),
    }
    let insert = named(&spans, "INSERT task")[0];
    assert_eq!(insert.kind, "SPAN_KIND_CLIENT");
    assert_eq!(insert.str_attr("db.system.name"), Some("sqlite"));
    assert_eq!(insert.str_attr("db.operation.name"), Some("INSERT"));
    assert_eq!(insert.str_attr("db.collection.name"), Some("task"));
    let agent = named(&spans, "invoke_agent todo-agent")[0];
    assert_eq!(agent.kind, "SPAN_KIND_INTERNAL");
    assert_eq!(agent.str_attr("gen_ai.agent.name"), Some("todo-agent"));
    let conversation = agent
        .str_attr("gen_ai.conversation.id")
        .expect("the agent span names the conversation (a string)");
    let tool = named(&spans, "execute_tool add_task")[0];
    assert_eq!(tool.str_attr("gen_ai.tool.name"), Some("add_task"));
    assert_eq!(tool.str_attr("gen_ai.tool.call.id"), Some("call-1"));
    for s in [model, tool] {
        assert_eq!(s.str_attr("gen_ai.conversation.id"), Some(conversation));
    }
    for s in &spans {
        assert!(s.str_attr("operation").is_some(), "{s:#?}");
        assert_eq!(s.str_attr("user.id"), Some("alice"), "{s:#?}");
        assert_eq!(s.str_attr("enduser.id"), Some("alice"), "{s:#?}");
        assert_ne!(s.status_code, "STATUS_CODE_ERROR", "{s:#?}");
        for value in s.attributes.values() {
            assert!(
                !format!("{value:?}").contains("buy milk"),
                "message text on a span with capture off: {s:#?}"
            );
        }
    }

    // Time: every child inside its parent; siblings one after another (nothing here runs
    // concurrently), so every parent lasts at least as long as its children together.
    for parent in &spans {
        let mut children: Vec<&Span> = spans
            .iter()
            .filter(|c| c.parent_span_id == parent.span_id)
            .collect();
        children.sort_by_key(|c| c.start_unix_nano);
        for c in &children {
            assert!(
                within(c, parent),
                "{} outside {}: {} {} / {} {}",
                c.name,
                parent.name,
                c.start_unix_nano,
                c.end_unix_nano,
                parent.start_unix_nano,
                parent.end_unix_nano
            );
        }
        for pair in children.windows(2) {
            assert!(
                pair[0].end_unix_nano <= pair[1].start_unix_nano,
                "{} and {} overlap",
                pair[0].name,
                pair[1].name
            );
        }
        let sum: f64 = children.iter().map(|c| c.duration_ms()).sum();
        assert!(
            parent.duration_ms() >= sum,
            "{} lasts {} ms, its children {sum} ms",
            parent.name,
            parent.duration_ms()
        );
    }

    // The log lines tell the same story: one per span, the same ids, and the chat line at
    // least the sum of its children's lines.
    let lines: Vec<Value> = capture
        .lines()
        .into_iter()
        .filter(|l| l["message"] == "Performance metric")
        .collect();
    assert_eq!(lines.len(), spans.len(), "{lines:#?}");
    let mut logged: BTreeMap<String, f64> = BTreeMap::new();
    for line in &lines {
        let span_id = line["span_id"].as_str().expect("span_id");
        let span = span_by_id(&spans, span_id);
        assert_eq!(line["trace_id"], span.trace_id.as_str(), "{line}");
        assert_eq!(
            line["operation"].as_str(),
            span.str_attr("operation"),
            "{line}"
        );
        assert_eq!(line["status"], "success", "{line}");
        logged.insert(
            span_id.to_owned(),
            line["duration_ms"].as_f64().expect("duration_ms"),
        );
    }
    let children_ms: f64 = spans
        .iter()
        .filter(|c| c.parent_span_id == root.span_id)
        .map(|c| logged[&c.span_id])
        .sum();
    let chat_ms = logged[&root.span_id];
    // 3 sequential children: create_conversation, invoke_agent, add_message, holding 5 calls
    // of 20 ms (2 database calls, 2 model calls, 1 database call in a tool).
    assert!(
        chat_ms >= children_ms && children_ms >= 5.0 * 20.0,
        "chat_endpoint logged {chat_ms} ms, its children {children_ms} ms"
    );
}

/// One chat through every timed port yields one trace at a gRPC collector: §5's names, kinds
/// and typed attributes, the nesting of the calls, every child within its parent in time and
/// every parent at least the sum of its sequential children; the log lines carry the same ids.
#[test]
fn a_chat_is_one_consistent_trace_over_grpc() {
    chat_is_one_consistent_trace("grpc");
}

/// The same over OTLP/HTTP with protobuf bodies.
#[test]
fn a_chat_is_one_consistent_trace_over_http_protobuf() {
    chat_is_one_consistent_trace("http/protobuf");
}

// ---------------------------------------------------------------------------------------------
// A collector that is down or silent

fn calls_survive(otel: &[(&str, &str)]) -> (Telemetry, Duration) {
    let (_capture, telemetry, dispatch) = built(&settings(otel));
    let _installed = tracing::dispatcher::set_default(&dispatch);
    let tasks = slow_tasks(Duration::ZERO);
    let started = Instant::now();
    runtime().block_on(async {
        for i in 0..100 {
            tasks
                .insert_task(&user(), new_task(&format!("task {i}")))
                .await
                .expect("a call succeeds whatever the collector does");
        }
    });
    (telemetry, started.elapsed())
}

/// An endpoint the exporter cannot use at all (not a URL): the export thread says so once on
/// stderr and exports nothing, and every span is counted as dropped; calls still succeed.
#[test]
fn an_endpoint_that_is_not_a_url_drops_and_counts_every_span() {
    let _serial = serial();
    for protocol in ["grpc", "http/protobuf"] {
        let (telemetry, _) = calls_survive(&[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "not a url"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ]);
        let metrics = telemetry.metrics();
        telemetry.flush();
        let dropped = counter(&metrics.render(), "telemetry_spans_dropped_total");
        assert!(
            (dropped - 100.0).abs() < f64::EPSILON,
            "{protocol}: every one of the 100 spans is counted as dropped, got {dropped}"
        );
        telemetry.shutdown(Duration::from_secs(2));
    }
}

/// With the OTLP endpoint at a closed port, over either transport: 100 timed calls all
/// succeed and quickly, every span that could not be exported is counted in
/// `telemetry_spans_dropped_total` after a flush, and shutdown ends within its bound.
#[test]
fn with_the_collector_down_calls_succeed_and_dropped_spans_are_counted() {
    let _serial = serial();
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    for protocol in ["grpc", "http/protobuf"] {
        let (telemetry, elapsed) = calls_survive(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "2000"),
        ]);
        assert!(
            elapsed < Duration::from_secs(2),
            "{protocol}: 100 calls took {elapsed:?}"
        );
        let metrics = telemetry.metrics();
        telemetry.flush();
        let dropped = counter(&metrics.render(), "telemetry_spans_dropped_total");
        assert!(
            (dropped - 100.0).abs() < f64::EPSILON,
            "{protocol}: every one of the 100 spans is counted as dropped, got {dropped}"
        );
        let started = Instant::now();
        telemetry.shutdown(Duration::from_secs(2));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{protocol}: shutdown took {:?}",
            started.elapsed()
        );
    }
}

/// A collector that accepts connections and never answers (the export hangs until its
/// timeout) and a small queue: the calls still succeed at once, what the full queue turns away
/// is counted, and shutdown ends within its bound instead of waiting for the export.
#[test]
fn a_silent_collector_neither_slows_calls_nor_holds_shutdown() {
    let _serial = serial();
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", silent.local_addr().expect("addr"));
    for protocol in ["grpc", "http/protobuf"] {
        let (telemetry, elapsed) = calls_survive(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BSP_SCHEDULE_DELAY", "10"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "20"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "5"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "30000"),
        ]);
        assert!(
            elapsed < Duration::from_secs(2),
            "{protocol}: 100 calls took {elapsed:?}"
        );
        let dropped = counter(
            &telemetry.metrics().render(),
            "telemetry_spans_dropped_total",
        );
        assert!(
            dropped >= 50.0,
            "{protocol}: a queue of 20 behind a hung export turns most of 100 spans away, \
             and counts them; counted {dropped}"
        );
        let started = Instant::now();
        telemetry.shutdown(Duration::from_secs(2));
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{protocol}: shutdown took {:?}",
            started.elapsed()
        );
    }
    drop(silent);
}

/// `OTEL_TRACES_SAMPLER` decides what is exported, and a remote parent decides for its trace:
/// under `parentbased_always_off` a root call is not exported (its log line still carries ids
/// of its own), while a span continuing a sampled remote trace is, with the remote trace id
/// and parent, its child under it, its events as span events, an ERROR event marking it as
/// failed. A remote parent set after the span's ids were handed out is refused.
#[test]
fn the_sampler_and_a_remote_parent_decide_what_is_exported() {
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use todo_telemetry::trace::{set_remote_parent, trace_id};

    let _serial = serial();
    let receiver = Receiver::http();
    let mut settings = exporting_to(&receiver, "http/protobuf");
    settings.otlp.sampler = todo_telemetry::SamplerSpec::ParentBasedAlwaysOff;
    let (capture, telemetry, dispatch) = built(&settings);
    let remote_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let remote_parent = "00f067aa0ba902b7";
    let remote = SpanContext::new(
        TraceId::from_hex(remote_trace).expect("trace id"),
        SpanId::from_hex(remote_parent).expect("span id"),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    {
        let _installed = tracing::dispatcher::set_default(&dispatch);
        let tasks = slow_tasks(Duration::ZERO);
        runtime().block_on(async {
            // A root call: not sampled.
            tasks
                .insert_task(&user(), new_task("unsampled"))
                .await
                .expect("insert");

            let outer = tracing::info_span!(target: "todo_test", "outer", operation = "outer_op");
            assert!(set_remote_parent(&outer, &remote));
            assert_eq!(
                trace_id(&outer).map(|t| t.to_string()).as_deref(),
                Some(remote_trace)
            );
            assert!(
                !set_remote_parent(&outer, &remote),
                "the ids were handed out: the parent cannot change any more"
            );
            let inside = async {
                tracing::warn!(target: "todo_test", "something odd");
                tasks
                    .insert_task(&user(), new_task("sampled"))
                    .await
                    .expect("insert");
                tracing::error!(target: "todo_test", "it went wrong");
            };
            tracing::Instrument::instrument(inside, outer).await;
        });
    }
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| {
        !named(s, "outer").is_empty() && !named(s, "INSERT task").is_empty()
    });
    telemetry.shutdown(Duration::from_secs(5));

    let outer = named(&spans, "outer")[0];
    assert_eq!(outer.trace_id, remote_trace, "{outer:#?}");
    assert_eq!(outer.parent_span_id, remote_parent, "{outer:#?}");
    assert_eq!(
        outer.events,
        ["something odd", "it went wrong"],
        "{outer:#?}"
    );
    assert_eq!(outer.status_code, "STATUS_CODE_ERROR", "{outer:#?}");
    assert_eq!(outer.str_attr("operation"), Some("outer_op"));

    let inserts = named(&spans, "INSERT task");
    assert_eq!(
        inserts.len(),
        1,
        "only the sampled call is exported: {spans:#?}"
    );
    assert_eq!(inserts[0].trace_id, remote_trace);
    assert_eq!(inserts[0].parent_span_id, outer.span_id);
    assert_eq!(inserts[0].kind, "SPAN_KIND_CLIENT");

    let lines = capture.metric_lines("db_insert_task");
    assert_eq!(lines.len(), 2, "{lines:?}");
    let unsampled = &lines[0];
    let trace = unsampled["trace_id"].as_str().expect("a trace id");
    let span = unsampled["span_id"].as_str().expect("a span id");
    assert_eq!((trace.len(), span.len()), (32, 16), "{unsampled}");
    assert_ne!(trace, remote_trace);
    assert!(spans.iter().all(|s| s.trace_id != trace), "{spans:#?}");
    assert_eq!(lines[1]["trace_id"], remote_trace);
    assert_eq!(lines[1]["span_id"], inserts[0].span_id.as_str());
}

/// A value whose `Display` logs (as an error type's might): formatting it happens while the
/// layers handle a record or an event of the span it is in.
struct LogsWhenShown;

impl std::fmt::Display for LogsWhenShown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        tracing::warn!(target: "todo_test", "shown");
        f.write_str("boom")
    }
}

/// Recording such a value on a traced span, or logging it inside one, does not deadlock (the
/// nested event would wait on the span's lock, held while the value is formatted): the nested
/// event becomes a log line and a span event, and the value arrives in the span and the
/// metric line.
#[test]
fn a_value_that_logs_while_it_is_formatted_does_not_deadlock() {
    let _serial = serial();
    let receiver = Receiver::http();
    let (capture, telemetry, dispatch) = built(&exporting_to(&receiver, "http/protobuf"));
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        tracing::dispatcher::with_default(&dispatch, || {
            let span = tracing::info_span!(
                target: "todo_test",
                "reentrant",
                operation = "reentrant_op",
                status = tracing::field::Empty,
                error = tracing::field::Empty,
            );
            let _entered = span.enter();
            span.record("status", "error");
            span.record("error", tracing::field::display(LogsWhenShown));
            tracing::info!(target: "todo_test", value = %LogsWhenShown, "outer");
        });
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(Duration::from_secs(20)).is_ok(),
        "the layers deadlocked on a value that logs while it is formatted"
    );
    worker.join().expect("the worker");
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| !named(s, "reentrant").is_empty());
    telemetry.shutdown(Duration::from_secs(5));

    let span = named(&spans, "reentrant")[0];
    assert_eq!(span.str_attr("error"), Some("boom"), "{span:#?}");
    // The event logged while the record was formatted is kept; one logged while an event is
    // handled is dropped by tracing itself (a dispatcher does not dispatch into itself).
    assert_eq!(span.events, ["shown", "outer"], "{span:#?}");
    let lines = capture.lines();
    let shown = lines.iter().filter(|l| l["message"] == "shown").count();
    assert_eq!(shown, 1, "{lines:?}");
    let metric = capture.metric_lines("reentrant_op");
    assert_eq!(metric.len(), 1, "{metric:?}");
    assert_eq!(metric[0]["status"], "error");
    assert_eq!(metric[0]["error"], "boom");
}

/// A span keeps at most 128 events (the SDK's default limit), the first ones; the events past
/// it are dropped and the span is still exported.
#[test]
fn a_span_keeps_its_first_128_events() {
    let _serial = serial();
    let receiver = Receiver::http();
    let (_capture, telemetry, dispatch) = built(&exporting_to(&receiver, "http/protobuf"));
    tracing::dispatcher::with_default(&dispatch, || {
        let span = tracing::info_span!(target: "todo_test", "chatty", operation = "chatty_op");
        let _entered = span.enter();
        for i in 0..130 {
            tracing::info!(target: "todo_test", "event {i}");
        }
    });
    telemetry.flush();
    let spans = receiver.wait_for(WAIT, |s| !named(s, "chatty").is_empty());
    telemetry.shutdown(Duration::from_secs(5));

    let span = named(&spans, "chatty")[0];
    assert_eq!(span.events.len(), 128, "{span:#?}");
    assert_eq!(span.events[0], "event 0");
    assert_eq!(span.events[127], "event 127");
}

/// Under the subscriber the binary builds with the log filter `filter` (no span export), runs
/// `f`; returns the messages of the lines written and the operations the summary counted.
fn logged_and_measured(filter: &str, f: impl FnOnce()) -> (Vec<String>, Vec<String>) {
    let settings = TelemetrySettings {
        filter: filter.to_owned(),
        ..settings(&[])
    };
    let (capture, telemetry, dispatch) = built(&settings);
    tracing::dispatcher::with_default(&dispatch, f);
    let measured = telemetry
        .metrics()
        .summary
        .report()
        .operations
        .into_iter()
        .map(|o| o.operation)
        .collect();
    telemetry.shutdown(Duration::from_secs(5)); // writes what the log buffer holds
    let logged = capture
        .lines()
        .iter()
        .map(|line| line["message"].as_str().expect("a message").to_owned())
        .collect();
    (logged, measured)
}

fn a_timed_span_and_events() {
    tracing::info_span!("db", operation = "db_get_task", status = "success").in_scope(|| {
        tracing::warn!("a warning");
        tracing::info!("some information");
    });
    tracing::info_span!("special").in_scope(|| tracing::debug!("inside special"));
    tracing::debug!("outside special");
}

/// The log filter decides the lines, never the measurements: at `warn` a timed span is still
/// measured but writes no "Performance metric" line (an INFO line); a directive that names a
/// span lets that span's events through. The three subscribers time the same callsites one
/// after the other: each decides for itself (the layer keeps its decision per callsite).
#[test]
fn the_log_filter_decides_lines_and_never_measurements() {
    let _serial = serial();
    let (logged, measured) = logged_and_measured("info", a_timed_span_and_events);
    assert_eq!(
        logged,
        ["a warning", "some information", "Performance metric"]
    );
    assert_eq!(measured, ["db_get_task"]);

    let (logged, measured) = logged_and_measured("warn", a_timed_span_and_events);
    assert_eq!(logged, ["a warning"]);
    assert_eq!(measured, ["db_get_task"]);

    let (logged, measured) = logged_and_measured("warn,[special]=debug", a_timed_span_and_events);
    assert_eq!(logged, ["a warning", "inside special"]);
    assert_eq!(measured, ["db_get_task"]);
}
