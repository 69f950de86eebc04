//! Micro-benchmarks of `make bench`: what watching costs.
//!
//! - `decorator/bare` vs `decorator/timed`: one `get_task` on the in-memory repository, bare
//!   and through `Timed` with everything on (span exported in OTLP batches to a local
//!   receiver, the JSON "Performance metric" line to a sink, histograms, summary);
//! - `log/event`: one JSON log line alone;
//! - `summary/report`: the percentile query over 100,000 samples in 10 operations;
//! - `offline/*`: the intent parser and one model round on a typical message.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use todo_agent::{ChatMessage, ChatRequest};
use todo_domain::testing::InMemoryTaskRepository;
use todo_domain::{ConversationId, NewTask, TaskId, TaskRepository, TaskTitle, UserId};
use todo_offline::OfflineModel;
use todo_telemetry::{
    LogFormat, OtlpSettings, Protocol, SamplerSpec, Summary, Targets, Telemetry, TelemetrySettings,
    Timed, TimedOptions,
};

/// The server's allocator (see Cargo.toml): the benchmark measures what the server runs.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// A minimal OTLP/HTTP receiver: reads each request and answers 200, keep-alive.
fn otlp_sink() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut stream = stream;
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\ncontent-type: application/x-protobuf\r\n\r\n");
                }
            });
        }
    });
    port
}

fn telemetry() -> Telemetry {
    let port = otlp_sink();
    let settings = TelemetrySettings {
        format: LogFormat::Json,
        filter: "info".into(),
        otlp: OtlpSettings {
            endpoint: Some(format!("http://127.0.0.1:{port}/v1/traces")),
            protocol: Protocol::HttpProtobuf,
            service_name: "bench".into(),
            sampler: SamplerSpec::ParentBasedAlwaysOn,
            max_queue_size: 65_536,
            schedule_delay: Duration::from_millis(200),
            max_export_batch_size: 512,
            export_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            headers: Vec::new(),
        },
        summary_window: Duration::from_secs(600),
        summary_max_samples: 100_000,
        targets: Targets::default(),
        log_buffer_lines: 1 << 20,
    };
    Telemetry::init(&settings, std::io::sink()).expect("telemetry")
}

/// One task in the in-memory repository, and that repository bare and timed.
struct Fixture {
    user: UserId,
    id: TaskId,
    inner: Arc<dyn TaskRepository>,
    timed: Arc<dyn TaskRepository>,
}

fn fixture(rt: &tokio::runtime::Runtime) -> Fixture {
    let user = UserId::parse("alice").expect("user");
    let inner: Arc<dyn TaskRepository> = Arc::new(InMemoryTaskRepository::new());
    let task = rt
        .block_on(inner.insert_task(
            &user,
            NewTask {
                title: TaskTitle::parse("buy milk").expect("t"),
                description: None,
            },
        ))
        .expect("insert");
    let timed: Arc<dyn TaskRepository> =
        Arc::new(Timed::new(inner.clone(), TimedOptions::default()));
    Fixture {
        user,
        id: task.id,
        inner,
        timed,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt")
}

fn benches(c: &mut Criterion) {
    let telemetry = telemetry();
    let rt = runtime();
    let Fixture {
        user,
        id,
        inner,
        timed,
    } = fixture(&rt);

    let mut group = c.benchmark_group("decorator");
    group.bench_function("bare", |b| {
        b.to_async(&rt).iter(|| inner.get_task(&user, id))
    });
    group.bench_function("timed", |b| {
        b.to_async(&rt).iter(|| timed.get_task(&user, id))
    });
    group.finish();

    c.bench_function("log/event", |b| {
        b.iter(|| tracing::info!(operation = "bench", count = 3, "a log line with fields"));
    });

    let summary = Summary::new(Duration::from_secs(600), 100_000, Targets::default());
    for i in 0..100_000u64 {
        summary.record(
            &format!("db_op_{}", i % 10),
            Duration::from_micros(100 + i % 5000),
            i % 97 == 0,
        );
    }
    c.bench_function("summary/report_100k", |b| b.iter(|| summary.report()));

    let model = OfflineModel::new();
    c.bench_function("offline/parse", |b| {
        b.iter(|| todo_offline::parse("please add a task to buy milk tomorrow"))
    });
    let request = ChatRequest {
        user_id: user.clone(),
        conversation_id: ConversationId::new(1).expect("id"),
        messages: vec![
            ChatMessage::System("system".into()),
            ChatMessage::User("add a task to buy milk".into()),
        ],
        tools: todo_tools::ToolSet::task_tools(inner.clone(), |t| t).definitions(),
    };
    c.bench_function("offline/respond", |b| b.iter(|| model.respond(&request)));

    telemetry.flush();
    let text = telemetry.metrics().render();
    let dropped = text
        .lines()
        .find(|l| l.starts_with("telemetry_spans_dropped_total"))
        .unwrap_or("")
        .to_owned();
    eprintln!("after the run: {dropped}");
    telemetry.shutdown(Duration::from_secs(5));
}

criterion_group!(name = group; config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1)); targets = benches);
/// `DECORATOR_CALLS=<bare|timed>:<n>` makes `n` calls and exits, everything else as in the
/// benchmark (telemetry set up, spans exported and shut down): run under
/// `valgrind --tool=callgrind` by `bench/decorator_instructions.sh`, which takes the
/// difference of two call counts to get the instructions of one call, on every thread
/// (the export thread's encoding and the log writer's included), whatever the machine is
/// doing meanwhile.
fn count_calls(spec: &str) {
    let (kind, n) = spec
        .split_once(':')
        .and_then(|(k, n)| Some((k, n.parse::<u64>().ok()?)))
        .expect("DECORATOR_CALLS=<bare|timed>:<n>");
    let telemetry = telemetry();
    let rt = runtime();
    let f = fixture(&rt);
    let port = match kind {
        "bare" => &f.inner,
        "timed" => &f.timed,
        other => panic!("DECORATOR_CALLS: unknown kind {other}"),
    };
    rt.block_on(async {
        for _ in 0..n {
            std::hint::black_box(port.get_task(&f.user, f.id).await.expect("task"));
        }
    });
    telemetry.shutdown(Duration::from_secs(30));
}

fn main() {
    if let Ok(spec) = std::env::var("DECORATOR_CALLS") {
        count_calls(&spec);
        return;
    }
    group();
    Criterion::default().configure_from_args().final_summary();
}
