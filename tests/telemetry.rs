//! CONTRACT §4 and §5 end to end, with the built binary: `todo-chatbot serve` exports to a
//! real OTLP receiver (gRPC or HTTP/protobuf, both decoding the OTLP messages: see
//! `crates/telemetry/tests/common/receivers.rs`), its stdout is read line by line, and `/metrics` is
//! read with a Prometheus text parser.

#[path = "../crates/telemetry/tests/common/receivers.rs"]
mod receivers;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use openmetrics_parser::PrometheusValue;
use receivers::{Attr, Receiver, Span};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_todo-chatbot");
const SECRET: &str = "telemetry-e2e-secret-7c1d";
/// Generous: the binary and the receivers share a loaded 2-core machine.
const WAIT: Duration = Duration::from_secs(60);
const SERVER_SPAN: &str = "POST /api/{user_id}/chat";
fn client() -> reqwest::Client {
    // reqwest has no TLS provider of its own in this build (the app installs ring's).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn command(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AUTH_JWT_SECRET", SECRET)
        .env("LLM_PROVIDER", "offline");
    cmd
}

fn token(dir: &std::path::Path, user: &str) -> String {
    let out = command(dir).args(["token", user]).output().expect("token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

type Lines = Arc<Mutex<Vec<String>>>;

/// Reads `stream` line by line on a thread of its own, until it closes.
fn collect(stream: impl Read + Send + 'static) -> (Lines, JoinHandle<()>) {
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(line);
        }
    });
    (lines, reader)
}

/// `todo-chatbot serve` on a free port, its stdout and stderr read line by line.
struct Server {
    child: Child,
    base: String,
    stdout: Lines,
    stderr: Lines,
    readers: Vec<JoinHandle<()>>,
}

/// What a stopped server printed, and how long it took to stop.
struct Stopped {
    stdout: Vec<String>,
    stderr: Vec<String>,
    took: Duration,
}

impl Server {
    fn start(dir: &std::path::Path, extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut cmd = command(dir);
        cmd.arg("serve")
            .env("PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn todo-chatbot serve");
        let (stdout, out_reader) = collect(child.stdout.take().expect("stdout"));
        let (stderr, err_reader) = collect(child.stderr.take().expect("stderr"));
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "serve exited early with {status}: {:?} {:?}",
                    stdout.lock().unwrap_or_else(PoisonError::into_inner),
                    stderr.lock().unwrap_or_else(PoisonError::into_inner)
                );
            }
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "serve did not listen in time");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            stdout,
            stderr,
            readers: vec![out_reader, err_reader],
        }
    }

    /// SIGTERM, then wait for a graceful exit (0); the readers get what is left.
    fn stop(mut self) -> Stopped {
        let pid = self.child.id().to_string();
        let started = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(status.success());
        let status = self.child.wait().expect("wait");
        let took = started.elapsed();
        assert!(status.success(), "graceful shutdown exits 0, got {status}");
        // The pipes are closed: the readers end once they have read everything.
        for reader in self.readers.drain(..) {
            reader.join().expect("reader");
        }
        let take = |l: &Lines| l.lock().unwrap_or_else(PoisonError::into_inner).clone();
        Stopped {
            stdout: take(&self.stdout),
            stderr: take(&self.stderr),
            took,
        }
    }
}

struct Chat {
    status: u16,
    trace_id: String,
    body: Value,
}

async fn chat(
    http: &reqwest::Client,
    server: &Server,
    token: &str,
    body: Value,
    traceparent: Option<&str>,
) -> Chat {
    let mut req = http
        .post(format!("{}/api/alice/chat", server.base))
        .bearer_auth(token)
        .json(&body);
    if let Some(tp) = traceparent {
        req = req.header("traceparent", tp);
    }
    let resp = req.send().await.expect("chat");
    let status = resp.status().as_u16();
    let trace_id = resp
        .headers()
        .get("x-trace-id")
        .and_then(|v| v.to_str().ok())
        .expect("every response has x-trace-id")
        .to_owned();
    let body = resp.json().await.expect("JSON body");
    Chat {
        status,
        trace_id,
        body,
    }
}

fn random_hex(chars: usize) -> String {
    let mut s = String::new();
    while s.len() < chars {
        s.push_str(&uuid::Uuid::new_v4().simple().to_string());
    }
    s.truncate(chars);
    s
}

/// Every stdout line as a JSON object with §4's four fields (any other line fails).
fn json_lines(stdout: &[String]) -> Vec<Value> {
    stdout
        .iter()
        .map(|line| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a stdout line that is not JSON ({e}): {line}"));
            for key in ["timestamp", "level", "logger", "message"] {
                assert!(v[key].is_string(), "no {key} in {line}");
            }
            v
        })
        .collect()
}

fn metric_lines(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| l["message"] == "Performance metric")
        .collect()
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

// ---------------------------------------------------------------------------------------------
// Traces

fn one_chat_is_one_trace(protocol: &str) {
    let receiver = match protocol {
        "grpc" => Receiver::grpc(),
        _ => Receiver::http(),
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(
        dir.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_SERVICE_NAME", "todo-chatbot-e2e"),
        ],
    );
    let token = token(dir.path(), "alice");
    let trace_id = random_hex(32);
    let remote_parent = random_hex(16);
    let traceparent = format!("00-{trace_id}-{remote_parent}-01");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let answer = runtime.block_on(chat(
        &client(),
        &server,
        &token,
        json!({"message": "add a task to buy milk"}),
        Some(&traceparent),
    ));
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        answer.trace_id, trace_id,
        "the sent traceparent is continued"
    );
    let conversation = answer.body["conversation_id"].to_string();

    let spans = receiver.wait_for(WAIT, |spans| {
        spans
            .iter()
            .any(|s| s.trace_id == trace_id && s.name == SERVER_SPAN)
    });
    let stopped = server.stop();
    let trace: Vec<&Span> = spans.iter().filter(|s| s.trace_id == trace_id).collect();

    // Exactly the spans of §5 for this chat, once each as the calls happen.
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &trace {
        *names.entry(s.name.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = [
        (SERVER_SPAN, 1),
        ("chat_endpoint", 1),
        ("create_conversation", 1),
        ("INSERT conversation", 1),
        ("add_message", 1),
        ("INSERT message", 1),
        ("invoke_agent todo-agent", 1),
        ("agent_initialization", 1),
        ("agent_execution", 1),
        ("chat offline-intent-parser", 2),
        ("agent_tool_calls", 1),
        ("execute_tool add_task", 1),
        ("INSERT task", 1),
    ]
    .into();
    assert_eq!(names, expected, "{protocol}");
    // OTEL_SERVICE_NAME names the resource of every span, over either transport.
    for s in &trace {
        assert_eq!(
            s.service_name.as_deref(),
            Some("todo-chatbot-e2e"),
            "{protocol}: {}",
            s.name
        );
    }

    let by_id: BTreeMap<&str, &Span> = trace.iter().map(|s| (s.span_id.as_str(), *s)).collect();
    let one = |name: &str| -> &Span {
        trace
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let parent_name = |s: &Span| by_id[s.parent_span_id.as_str()].name.clone();

    // The server span: continued from the sent parent, stable HTTP semconv, no `operation`.
    let server_span = one(SERVER_SPAN);
    assert_eq!(server_span.parent_span_id, remote_parent);
    assert_eq!(server_span.kind, "SPAN_KIND_SERVER");
    assert_eq!(server_span.str_attr("http.request.method"), Some("POST"));
    assert_eq!(
        server_span.str_attr("http.route"),
        Some("/api/{user_id}/chat")
    );
    assert_eq!(server_span.str_attr("url.path"), Some("/api/alice/chat"));
    assert_eq!(
        server_span.attributes.get("http.response.status_code"),
        Some(&Attr::Int(200)),
        "an integer status code"
    );
    assert!(!server_span.attributes.contains_key("operation"));

    // The rest: every parent present in the trace, every child within its parent in time.
    for s in &trace {
        if s.name == SERVER_SPAN {
            continue;
        }
        let parent = by_id
            .get(s.parent_span_id.as_str())
            .unwrap_or_else(|| panic!("{}'s parent is not in the trace", s.name));
        assert!(
            parent.start_unix_nano <= s.start_unix_nano && s.end_unix_nano <= parent.end_unix_nano,
            "{} [{}, {}] outside {} [{}, {}]",
            s.name,
            s.start_unix_nano,
            s.end_unix_nano,
            parent.name,
            parent.start_unix_nano,
            parent.end_unix_nano
        );
        assert!(
            s.str_attr("operation").is_some(),
            "{} has no operation",
            s.name
        );
        assert_eq!(s.str_attr("user.id"), Some("alice"), "{}", s.name);
        assert_eq!(s.str_attr("enduser.id"), Some("alice"), "{}", s.name);
        assert_ne!(s.status_code, "STATUS_CODE_ERROR", "{s:#?}");
    }
    // Nothing in a chat runs concurrently: siblings follow one another, and every span lasts
    // at least as long as its children together (the chat span, its steps).
    for parent in &trace {
        let mut children: Vec<&&Span> = trace
            .iter()
            .filter(|c| c.parent_span_id == parent.span_id)
            .collect();
        children.sort_by_key(|c| c.start_unix_nano);
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
    for s in &trace {
        for value in s.attributes.values() {
            assert!(
                !format!("{value:?}").contains("buy milk"),
                "message text on a span with capture off: {s:#?}"
            );
        }
    }

    // Nesting, names, kinds and attributes of §5.
    let endpoint = one("chat_endpoint");
    assert_eq!(parent_name(endpoint), SERVER_SPAN);
    assert_eq!(endpoint.str_attr("operation"), Some("chat_endpoint"));
    assert_eq!(endpoint.kind, "SPAN_KIND_INTERNAL");
    assert_eq!(parent_name(one("create_conversation")), "chat_endpoint");

    let agent = one("invoke_agent todo-agent");
    assert_eq!(parent_name(agent), "chat_endpoint");
    assert_eq!(agent.kind, "SPAN_KIND_INTERNAL");
    assert_eq!(agent.str_attr("operation"), Some("run_ai_agent"));
    assert_eq!(
        agent.str_attr("gen_ai.operation.name"),
        Some("invoke_agent")
    );
    assert_eq!(agent.str_attr("gen_ai.agent.name"), Some("todo-agent"));

    for model in trace
        .iter()
        .filter(|s| s.name == "chat offline-intent-parser")
    {
        assert_eq!(parent_name(model), "agent_execution");
        assert_eq!(model.kind, "SPAN_KIND_CLIENT");
        assert_eq!(model.str_attr("operation"), Some("llm_chat_completion"));
        assert_eq!(model.str_attr("gen_ai.operation.name"), Some("chat"));
        assert_eq!(model.str_attr("gen_ai.provider.name"), Some("offline"));
        assert_eq!(
            model.str_attr("gen_ai.request.model"),
            Some("offline-intent-parser")
        );
        assert!(model.str_attr("gen_ai.response.model").is_some());
        // A string array (semconv), not a JSON text: ["tool_calls"] or ["stop"].
        assert!(
            matches!(
                model.attributes.get("gen_ai.response.finish_reasons"),
                Some(Attr::Other(t)) if t.contains("ArrayValue") && t.contains("StringValue(")
            ),
            "{model:#?}"
        );
        for tokens in ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"] {
            assert!(
                matches!(model.attributes.get(tokens), Some(Attr::Int(n)) if *n > 0),
                "{tokens}: {model:#?}"
            );
        }
    }

    let tool = one("execute_tool add_task");
    assert_eq!(parent_name(tool), "agent_tool_calls");
    assert_eq!(tool.kind, "SPAN_KIND_INTERNAL");
    assert_eq!(tool.str_attr("operation"), Some("mcp_tool_add_task"));
    assert_eq!(tool.str_attr("gen_ai.operation.name"), Some("execute_tool"));
    assert_eq!(tool.str_attr("gen_ai.tool.name"), Some("add_task"));
    assert!(
        tool.str_attr("gen_ai.tool.call.id")
            .is_some_and(|id| !id.is_empty())
    );
    for s in trace.iter().filter(|s| {
        s.name == "invoke_agent todo-agent"
            || s.name == "chat offline-intent-parser"
            || s.name == "execute_tool add_task"
    }) {
        assert_eq!(
            s.str_attr("gen_ai.conversation.id"),
            Some(conversation.as_str()),
            "{} names the conversation, as a string",
            s.name
        );
    }

    for (name, parent, operation, table) in [
        (
            "INSERT task",
            "execute_tool add_task",
            "db_insert_task",
            "task",
        ),
        (
            "INSERT conversation",
            "create_conversation",
            "db_insert_conversation_with_message",
            "conversation",
        ),
        (
            "INSERT message",
            "add_message",
            "db_insert_message",
            "message",
        ),
    ] {
        for db in trace.iter().filter(|s| s.name == name) {
            assert_eq!(parent_name(db), parent);
            assert_eq!(db.kind, "SPAN_KIND_CLIENT");
            assert_eq!(db.str_attr("operation"), Some(operation));
            assert_eq!(db.str_attr("db.system.name"), Some("sqlite"));
            assert_eq!(db.str_attr("db.operation.name"), Some("INSERT"));
            assert_eq!(db.str_attr("db.collection.name"), Some(table));
        }
    }

    // The log lines of the request name the same trace, and each its own span.
    let lines = json_lines(&stopped.stdout);
    let spans_of_request: BTreeSet<&str> = trace
        .iter()
        .filter(|s| s.name != SERVER_SPAN)
        .map(|s| s.span_id.as_str())
        .collect();
    let logged: BTreeSet<&str> = metric_lines(&lines)
        .iter()
        .filter(|l| l["trace_id"] == trace_id.as_str())
        .map(|l| l["span_id"].as_str().expect("span_id"))
        .collect();
    assert_eq!(
        logged, spans_of_request,
        "one Performance metric line per timed span"
    );
}

/// One chat with a `traceparent`, exported over OTLP/gRPC to the test receiver: one trace
/// (the sent trace id, the sent parent as the server span's parent, the same id in
/// `x-trace-id`) holding exactly §5's spans with their names, kinds and typed attributes,
/// nested as the calls nest, every parent present and every child within its parent in time;
/// no message text on any span; one log line per timed span with its ids.
#[test]
fn one_chat_is_one_trace_over_grpc() {
    one_chat_is_one_trace("grpc");
}

/// The same over OTLP/HTTP with protobuf bodies, to a receiver decoding
/// `ExportTraceServiceRequest`.
#[test]
fn one_chat_is_one_trace_over_http_protobuf() {
    one_chat_is_one_trace("http/protobuf");
}

// ---------------------------------------------------------------------------------------------
// Logs

/// stdout is one JSON object per line with §4's fields; every "Performance metric" line has
/// operation, duration, status and the ids of its trace (the response's `x-trace-id`) and span;
/// failures (a tool that cannot find its task, a conversation that does not exist) are `ERROR`
/// lines with `status: error` and `error`; nothing printed anywhere holds the bearer token, the
/// JWT secret or a message's text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_are_contract_json_lines_with_the_request_trace_and_no_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]);
    let token = token(dir.path(), "alice");
    let http = client();
    let messages = [
        "add a task to buy milk",
        "delete task 999",
        "rename task 77 to call grandma",
    ];

    let added = chat(
        &http,
        &server,
        &token,
        json!({"message": messages[0]}),
        None,
    )
    .await;
    assert_eq!(added.status, 200);
    let conversation = added.body["conversation_id"].clone();
    let failed_tool = chat(
        &http,
        &server,
        &token,
        json!({"conversation_id": conversation, "message": messages[1]}),
        None,
    )
    .await;
    assert_eq!(failed_tool.status, 200, "a tool failure still answers 200");
    assert!(
        failed_tool.body["tool_calls"][0]["result"]["error"].is_string(),
        "{}",
        failed_tool.body
    );
    let missing = chat(
        &http,
        &server,
        &token,
        json!({"conversation_id": 424_242, "message": messages[2]}),
        None,
    )
    .await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let stopped = server.stop();

    let lines = json_lines(&stopped.stdout);
    let metrics = metric_lines(&lines);
    assert!(metrics.len() > 20, "{metrics:#?}");
    for line in &metrics {
        assert!(line["operation"].is_string(), "{line}");
        assert!(
            line["duration_ms"].is_f64() || line["duration_ms"].is_u64(),
            "{line}"
        );
        let status = line["status"].as_str().expect("status");
        assert!(status == "success" || status == "error", "{line}");
        assert!(
            line["trace_id"].as_str().is_some_and(|t| is_hex(t, 32)),
            "{line}"
        );
        assert!(
            line["span_id"].as_str().is_some_and(|s| is_hex(s, 16)),
            "{line}"
        );
        assert_eq!(line["user_id"], "alice", "{line}");
        if status == "error" {
            assert_eq!(line["level"], "ERROR", "{line}");
            assert!(
                line["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{line}"
            );
        } else {
            assert_eq!(line["level"], "INFO", "{line}");
            assert!(line.get("error").is_none(), "{line}");
        }
    }
    // Each request's lines carry its trace id, and only its.
    let of = |trace: &str| -> Vec<&Value> {
        metrics
            .iter()
            .copied()
            .filter(|l| l["trace_id"] == trace)
            .collect()
    };
    let traces: BTreeSet<&str> = [&added, &failed_tool, &missing]
        .iter()
        .map(|r| r.trace_id.as_str())
        .collect();
    assert_eq!(traces.len(), 3, "a trace per request");
    assert_eq!(
        traces.iter().map(|t| of(t).len()).sum::<usize>(),
        metrics.len(),
        "every line belongs to the trace of one of the requests"
    );
    for request in [&added, &failed_tool, &missing] {
        let own = of(&request.trace_id);
        let endpoints: Vec<_> = own
            .iter()
            .filter(|l| l["operation"] == "chat_endpoint")
            .collect();
        assert_eq!(endpoints.len(), 1, "one chat_endpoint line per request");
        let span_ids: BTreeSet<&str> = own.iter().filter_map(|l| l["span_id"].as_str()).collect();
        assert_eq!(span_ids.len(), own.len(), "each line its own span");
    }
    let line = |trace: &str, op: &str| -> &Value {
        of(trace)
            .into_iter()
            .find(|l| l["operation"] == op)
            .unwrap_or_else(|| panic!("no {op} line for trace {trace}"))
    };
    assert_eq!(line(&added.trace_id, "chat_endpoint")["status"], "success");
    assert_eq!(
        line(&added.trace_id, "mcp_tool_add_task")["status"],
        "success"
    );

    let tool = line(&failed_tool.trace_id, "mcp_tool_delete_task");
    assert_eq!(tool["status"], "error", "{tool}");
    assert_eq!(tool["level"], "ERROR", "{tool}");
    assert!(
        tool["error"].as_str().is_some_and(|e| e.contains("999")),
        "{tool}"
    );
    assert_eq!(
        line(&failed_tool.trace_id, "chat_endpoint")["status"],
        "success",
        "the chat itself succeeded"
    );

    let endpoint = line(&missing.trace_id, "chat_endpoint");
    assert_eq!(endpoint["status"], "error", "{endpoint}");
    assert_eq!(endpoint["level"], "ERROR", "{endpoint}");
    assert!(
        endpoint["error"]
            .as_str()
            .is_some_and(|e| e.contains("not found"))
    );

    // Nothing secret or private anywhere, stdout or stderr.
    let everything: Vec<&String> = stopped.stdout.iter().chain(&stopped.stderr).collect();
    let forbidden = [
        token.as_str(),
        SECRET,
        messages[0],
        messages[1],
        messages[2],
        "buy milk",
        "call grandma",
    ];
    for line in everything {
        for word in forbidden {
            assert!(!line.contains(word), "{word:?} printed: {line}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Metrics

const DURATION_FAMILIES: [&str; 4] = [
    "operation_duration_seconds",
    "http_server_request_duration_seconds",
    "db_client_operation_duration_seconds",
    "gen_ai_client_operation_duration_seconds",
];

/// The route templates (`todo_http::observe::route_template`).
const ROUTES: [&str; 13] = [
    "/api/{user_id}/chat",
    "/api/{user_id}/tasks",
    "/api/{user_id}/tasks/{id}",
    "/api/{user_id}/tasks/{id}/complete",
    "/api/{user_id}/conversations",
    "/api/{user_id}/conversations/{id}/messages",
    "/health",
    "/ready",
    "/metrics",
    "/metrics/summary",
    "/openapi.json",
    "/docs",
    "/mcp",
];

/// Nearest-rank percentile of sorted values.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "small counts"
    )]
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// `/metrics` parses as Prometheus text with a real parser and holds the five histogram
/// families, every duration series with buckets at 0.1 s and 3 s, and no label value with a
/// user id or a path id (even after requests to paths with ids, 404s and unknown paths);
/// `/metrics/summary` reports, for every operation, the count, errors and p50/p95/p99/max that
/// the "Performance metric" lines of the same run give (nearest rank, within 0.01 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_and_the_summary_matches_the_logged_durations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start(dir.path(), &[]);
    let token = token(dir.path(), "alice");
    let http = client();
    let first = chat(
        &http,
        &server,
        &token,
        json!({"message": "add a task to buy milk"}),
        None,
    )
    .await;
    assert_eq!(first.status, 200);
    let conversation = first.body["conversation_id"].clone();
    for i in 0..29 {
        let message = match i % 3 {
            0 => format!("add a task to water plant {i}"),
            1 => "show my pending tasks".to_owned(),
            _ => format!("delete task {}", 900 + i),
        };
        let answer = chat(
            &http,
            &server,
            &token,
            json!({"conversation_id": conversation, "message": message}),
            None,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    for path in [
        "/api/alice/tasks".to_owned(),
        "/api/alice/tasks/1".to_owned(),
        "/api/alice/tasks/98765".to_owned(),
        "/api/alice/conversations".to_owned(),
        format!("/api/alice/conversations/{conversation}/messages"),
        "/no/such/path/12345".to_owned(),
    ] {
        let resp = http
            .get(format!("{}{path}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert!(resp.status().as_u16() < 500, "{path}: {}", resp.status());
    }

    let text = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let summary: Value = http
        .get(format!("{}/metrics/summary", server.base))
        .send()
        .await
        .expect("summary")
        .json()
        .await
        .expect("json");
    let stopped = server.stop();

    // /metrics, through a parser.
    let exposition = openmetrics_parser::prometheus::parse_prometheus(&text)
        .unwrap_or_else(|e| panic!("/metrics does not parse ({e:?}):\n{text}"));
    for family in DURATION_FAMILIES
        .iter()
        .chain(&["gen_ai_client_token_usage"])
    {
        let f = exposition
            .families
            .get(*family)
            .unwrap_or_else(|| panic!("no {family}"));
        assert!(f.iter_samples().next().is_some(), "{family} has no series");
        for sample in f.iter_samples() {
            let PrometheusValue::Histogram(h) = &sample.value else {
                panic!("{family} is not a histogram");
            };
            if DURATION_FAMILIES.contains(family) {
                for bound in [0.1, 3.0] {
                    assert!(
                        h.buckets
                            .iter()
                            .any(|b| (b.upper_bound - bound).abs() < 1e-12),
                        "{family}: no le=\"{bound}\" bucket"
                    );
                }
            }
            for (name, value) in sample.get_labelset().expect("labels").iter() {
                assert!(!value.contains("alice"), "{family}: {name}={value}");
                let numeric =
                    |seg: &str| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit());
                assert!(
                    !value.contains('/') || !value.split('/').any(numeric),
                    "{family}: a path id in {name}={value}"
                );
                if name == "http_route" {
                    assert!(
                        value.is_empty() || ROUTES.contains(&value.as_str()),
                        "{family}: route {value:?} is not a template"
                    );
                }
            }
        }
    }
    let operations: BTreeSet<String> = exposition.families["operation_duration_seconds"]
        .iter_samples()
        .filter_map(|s| {
            s.get_labelset()
                .ok()
                .and_then(|l| l.get_label_value("operation").map(str::to_owned))
        })
        .collect();
    for op in ["chat_endpoint", "db_insert_message", "mcp_tool_delete_task"] {
        assert!(operations.contains(op), "{op} in {operations:?}");
    }
    let dropped_lines = exposition.families["telemetry_log_lines_dropped_total"]
        .iter_samples()
        .next()
        .map(|s| match &s.value {
            PrometheusValue::Counter(c) => c.value.as_f64(),
            other => panic!("{other:?}"),
        });
    assert_eq!(
        dropped_lines,
        Some(0.0),
        "no log line lost: the comparison below is fair"
    );

    // /metrics/summary against the log lines of the same run.
    let lines = json_lines(&stopped.stdout);
    let mut logged: BTreeMap<String, (Vec<f64>, u64)> = BTreeMap::new();
    for line in metric_lines(&lines) {
        let entry = logged
            .entry(line["operation"].as_str().expect("operation").to_owned())
            .or_default();
        entry
            .0
            .push(line["duration_ms"].as_f64().expect("duration_ms"));
        if line["status"] == "error" {
            entry.1 += 1;
        }
    }
    let rows = summary["operations"].as_array().expect("operations");
    let summarized: BTreeSet<&str> = rows
        .iter()
        .map(|r| r["operation"].as_str().expect("operation"))
        .collect();
    assert_eq!(
        summarized,
        logged.keys().map(String::as_str).collect(),
        "the summary and the logs know the same operations"
    );
    let insert_messages = logged["db_insert_message"].0.len();
    assert_eq!(
        insert_messages, 59,
        "30 chats, 2 messages each, but the first chat's opening message is stored with its conversation"
    );
    assert_eq!(logged["db_insert_conversation_with_message"].0.len(), 1);
    for row in rows {
        let op = row["operation"].as_str().expect("operation");
        let (mut durations, errors) = logged[op].clone();
        durations.sort_by(f64::total_cmp);
        assert_eq!(row["count"].as_u64(), Some(durations.len() as u64), "{op}");
        assert_eq!(row["errors"].as_u64(), Some(errors), "{op}");
        for (key, q) in [
            ("p50_ms", 0.50),
            ("p95_ms", 0.95),
            ("p99_ms", 0.99),
            ("max_ms", 1.0),
        ] {
            let reported = row[key].as_f64().expect(key);
            let expected = nearest_rank(&durations, q);
            assert!(
                (reported - expected).abs() <= 0.01,
                "{op} {key}: summary {reported} ms, logs {expected} ms"
            );
        }
        let target = match op {
            "chat_endpoint" => Some(3000.0),
            _ if op.starts_with("db_") => Some(100.0),
            _ => None,
        };
        assert_eq!(row["target_p95_ms"].as_f64(), target, "{op}");
        assert_eq!(
            row["within_target"].as_bool(),
            target.map(|t| row["p95_ms"].as_f64().expect("p95") < t),
            "{op}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A collector that is down or silent

fn dropped_spans(text: &str) -> f64 {
    let exposition = openmetrics_parser::prometheus::parse_prometheus(text)
        .unwrap_or_else(|e| panic!("/metrics does not parse ({e:?})"));
    let sample = exposition.families["telemetry_spans_dropped_total"]
        .iter_samples()
        .next()
        .map(|s| s.value.clone());
    match sample {
        Some(PrometheusValue::Counter(c)) => c.value.as_f64(),
        other => panic!("telemetry_spans_dropped_total: {other:?}"),
    }
}

async fn chats_survive_the_collector(endpoint: &str, protocol: &str, extra: &[(&str, &str)]) {
    let dir = tempfile::tempdir().expect("tempdir");
    // Shutdown waits 2 s for the span export, not the default 5.
    std::fs::create_dir(dir.path().join("config")).expect("mkdir");
    std::fs::write(
        dir.path().join("config/default.toml"),
        "[telemetry]\nshutdown_timeout_secs = 2\n",
    )
    .expect("write");
    let mut env = vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];
    env.extend_from_slice(extra);
    let server = Server::start(dir.path(), &env);
    let token = token(dir.path(), "alice");
    let http = client();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for i in 0..100 {
        let sent = Instant::now();
        let answer = chat(
            &http,
            &server,
            &token,
            json!({"message": format!("add a task to call person {i}")}),
            None,
        )
        .await;
        slowest = slowest.max(sent.elapsed());
        assert_eq!(answer.status, 200, "chat {i}: {}", answer.body);
    }
    let elapsed = started.elapsed();
    // An export that blocked a request would take its timeout (seconds) at least once.
    assert!(
        slowest < Duration::from_secs(2),
        "{protocol}: the slowest of 100 chats took {slowest:?} (all: {elapsed:?})"
    );

    let deadline = Instant::now() + WAIT;
    loop {
        let text = http
            .get(format!("{}/metrics", server.base))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text");
        if dropped_spans(&text) > 0.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{protocol}: telemetry_spans_dropped_total never rose"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stopped = server.stop();
    // Drain (nothing in flight) + runtime (≤ 1 s) + span export (≤ 2 s) + log flush.
    assert!(
        stopped.took < Duration::from_secs(5),
        "{protocol}: shutdown took {:?}; stderr: {:?}",
        stopped.took,
        stopped.stderr
    );
}

/// The OTLP endpoint at a closed port: 100 chats all succeed without waiting on the export,
/// the spans that could not be exported are counted in `telemetry_spans_dropped_total`, and
/// the server still stops within its bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_collector_down_chats_succeed_and_dropped_spans_are_counted() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    chats_survive_the_collector(&endpoint, "grpc", &[]).await;
}

/// A collector that accepts connections and never answers, so that every export hangs until
/// its 30 s timeout, behind a small queue: chats are not slowed, what the full queue turns away
/// is counted, and shutdown gives up on the export after its 2 s instead of waiting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_silent_collector_chats_are_not_slowed_and_shutdown_is_bounded() {
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", silent.local_addr().expect("addr"));
    chats_survive_the_collector(
        &endpoint,
        "http/protobuf",
        &[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "30000"),
        ],
    )
    .await;
    drop(silent);
}
