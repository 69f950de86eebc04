//! Histograms with fixed bounds and bounded labels, rendered as Prometheus text, and the
//! summary of exact recent durations per operation.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::hash::{BuildHasher as _, Hash as _, Hasher as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use hashbrown::hash_table::{Entry, HashTable};
use serde::Serialize;

/// Seconds. 0.1 (the database target) and 3 (the chat target) are among them.
pub const DURATION_BOUNDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0,
    10.0, 30.0, 60.0,
];

/// Tokens per call (the GenAI semconv's advised bounds).
pub const TOKEN_BOUNDS: &[f64] = &[
    1.0,
    4.0,
    16.0,
    64.0,
    256.0,
    1024.0,
    4096.0,
    16384.0,
    65536.0,
    262_144.0,
    1_048_576.0,
    4_194_304.0,
    16_777_216.0,
    67_108_864.0,
];

struct Histogram {
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    /// f64 bits.
    sum: AtomicU64,
}

impl Histogram {
    fn new(bounds: usize) -> Self {
        Self {
            buckets: (0..bounds).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }

    fn observe(&self, bounds: &[f64], value: f64) {
        // Buckets hold non-cumulative counts; rendering accumulates.
        if let Some(i) = bounds.iter().position(|b| value <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        let mut current = self.sum.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(current) + value).to_bits();
            match self.sum.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
    }
}

/// One histogram metric: a name, its label names, and a series per label values.
pub struct Family {
    name: &'static str,
    help: &'static str,
    labels: &'static [&'static str],
    bounds: &'static [f64],
    /// The series, found by the hash of their label values ([`Family::hash`]) and compared
    /// value by value: an observation hashes the values it is given and builds no key.
    series: RwLock<HashTable<Series>>,
    hasher: foldhash::fast::RandomState,
}

impl Family {
    fn new(
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
        bounds: &'static [f64],
    ) -> Self {
        Self {
            name,
            help,
            labels,
            bounds,
            series: RwLock::new(HashTable::new()),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    /// The hash of a list of label values: their number, then each value as `str` hashes it
    /// (its bytes and a terminator, so that lists split differently hash apart). `&str`s and
    /// `String`s with the same values hash alike: an observation and a stored series meet.
    fn hash<S: AsRef<str>>(&self, values: &[S]) -> u64 {
        let mut h = self.hasher.build_hasher();
        h.write_usize(values.len());
        for v in values {
            v.as_ref().hash(&mut h);
        }
        h.finish()
    }

    /// Records `value` for the label values, given in the order of the family's label names.
    /// One hash of the values and a lookup under a read lock; a new series takes the write
    /// lock once.
    pub fn observe(&self, values: &[&str], value: f64) {
        debug_assert_eq!(values.len(), self.labels.len());
        let hash = self.hash(values);
        let same =
            |(stored, _): &Series| stored.iter().map(String::as_str).eq(values.iter().copied());
        {
            let series = self.series.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((_, h)) = series.find(hash, same) {
                h.observe(self.bounds, value);
                return;
            }
        }
        let mut series = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let (_, h) = match series.entry(hash, same, |(stored, _)| self.hash(stored)) {
            Entry::Occupied(found) => found.into_mut(),
            Entry::Vacant(vacant) => vacant
                .insert((
                    values.iter().map(|v| (*v).to_owned()).collect(),
                    Arc::new(Histogram::new(self.bounds.len())),
                ))
                .into_mut(),
        };
        h.observe(self.bounds, value);
    }

    fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} histogram", self.name);
        let series = self.series.read().unwrap_or_else(PoisonError::into_inner);
        let mut sorted: Vec<&Series> = series.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, h) in sorted {
            let mut labels = String::new();
            for (name, value) in self.labels.iter().zip(key.iter()) {
                let _ = write!(labels, "{name}=\"{}\",", escape(value));
            }
            let mut cumulative = 0;
            for (bound, bucket) in self.bounds.iter().zip(h.buckets.iter()) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "{}_bucket{{{labels}le=\"{bound}\"}} {cumulative}",
                    self.name
                );
            }
            let count = h.count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{}_bucket{{{labels}le=\"+Inf\"}} {count}", self.name);
            let labels = labels.trim_end_matches(',');
            let sum = f64::from_bits(h.sum.load(Ordering::Relaxed));
            let _ = writeln!(out, "{}_sum{{{labels}}} {sum}", self.name);
            let _ = writeln!(out, "{}_count{{{labels}}} {count}", self.name);
        }
    }
}

/// A series: its label values, and its histogram.
type Series = (Box<[String]>, Arc<Histogram>);

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The p95 targets the summary checks.
#[derive(Debug, Clone)]
pub struct Targets {
    /// Per operation name, in milliseconds.
    pub operations: HashMap<String, f64>,
    /// Every `db_*` operation without a target of its own.
    pub database_p95_ms: Option<f64>,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            operations: HashMap::from([("chat_endpoint".to_owned(), 3000.0)]),
            database_p95_ms: Some(100.0),
        }
    }
}

impl Targets {
    fn for_operation(&self, op: &str) -> Option<f64> {
        self.operations.get(op).copied().or_else(|| {
            op.starts_with("db_")
                .then_some(self.database_p95_ms)
                .flatten()
        })
    }
}

/// One operation's recent samples, oldest first: how long each took (milliseconds, negative for
/// an error; 4 bytes, so 100,000 of them cost 400 kB) and, for every tenth of a second in
/// which any was recorded, which was the first of that tenth. With a time per sample (8 bytes)
/// in a ring grown by doubling, an operation held up to 1 MB, and every busy operation fills
/// its ring in under a minute of load: the SQLite `new` scenario's peak RSS fell by ~7 MB
/// without it (BENCHMARKS.md, "The eighteenth pass").
#[derive(Default)]
struct Ring {
    durations: VecDeque<f32>,
    marks: VecDeque<Mark>,
    /// How many samples have left the front, ever: `durations[i]` is sample `dropped + i`.
    dropped: u64,
}

/// The first sample recorded in tenth `at` (tenths of a second since the summary began).
#[derive(Clone, Copy)]
struct Mark {
    at: u32,
    first: u64,
}

impl Ring {
    /// Appends a sample recorded at `at`, dropping the oldest beyond `max` and, once a tenth,
    /// those older than `window` tenths. A sample that comes in after one of a later tenth
    /// (its clock was read before the other's, its lock taken after) counts in that later
    /// tenth.
    fn record(&mut self, at: u32, ms: f32, max: usize, window: u32) {
        if self.marks.back().is_none_or(|m| at > m.at) {
            self.forget_before(at.saturating_sub(window));
            self.marks.push_back(Mark {
                at,
                first: self.end(),
            });
        }
        if self.durations.len() >= max {
            self.durations.pop_front();
            self.dropped += 1;
            // A mark stays while a sample of its tenth does.
            while self
                .marks
                .get(1)
                .is_some_and(|next| next.first <= self.dropped)
            {
                self.marks.pop_front();
            }
        }
        self.durations.push_back(ms);
    }

    /// The number of the next sample.
    fn end(&self) -> u64 {
        self.dropped + self.durations.len() as u64
    }

    /// Drops the samples recorded before tenth `oldest`.
    fn forget_before(&mut self, oldest: u32) {
        while let Some(mark) = self.marks.front().copied() {
            if mark.at >= oldest {
                break;
            }
            let until = self
                .marks
                .get(1)
                .map_or_else(|| self.end(), |next| next.first);
            let gone = usize::try_from(until.saturating_sub(self.dropped))
                .unwrap_or(usize::MAX)
                .min(self.durations.len());
            self.durations.drain(..gone);
            self.dropped += gone as u64;
            self.marks.pop_front();
        }
    }
}

/// The rings' first allocation, in samples: a busy operation fills its ring within a minute,
/// and a ring grown by doubling copied itself at each step and ended up to twice as large as
/// its samples. Untouched, the reserve costs address space, not memory.
const RESERVED_SAMPLES: usize = 1 << 17;

/// One operation's ring, shared by the threads that record it.
type SharedRing = Arc<Mutex<Ring>>;

/// Exact durations of a recent window per operation.
pub struct Summary {
    started: Instant,
    /// The window, in tenths of a second (as samples are timed).
    window: u32,
    max_samples: usize,
    targets: Targets,
    operations: RwLock<HashMap<String, SharedRing, foldhash::fast::RandomState>>,
}

/// One row of `/metrics/summary`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationSummary {
    pub operation: String,
    pub count: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub target_p95_ms: Option<f64>,
    pub within_target: Option<bool>,
}

/// The `/metrics/summary` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryReport {
    pub operations: Vec<OperationSummary>,
}

fn tenths(d: Duration) -> u32 {
    u32::try_from(d.as_millis() / 100).unwrap_or(u32::MAX)
}

/// Rounds to microseconds, as the log lines print durations.
#[must_use]
pub fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

impl Summary {
    #[must_use]
    pub fn new(window: Duration, max_samples: usize, targets: Targets) -> Self {
        Self {
            started: Instant::now(),
            window: tenths(window),
            max_samples: max_samples.max(1),
            targets,
            operations: RwLock::new(HashMap::default()),
        }
    }

    fn ring(&self, op: &str) -> SharedRing {
        if let Some(r) = self
            .operations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(op)
        {
            return r.clone();
        }
        self.operations
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(op.to_owned())
            .or_insert_with(|| {
                Arc::new(Mutex::new(Ring {
                    durations: VecDeque::with_capacity(self.max_samples.min(RESERVED_SAMPLES)),
                    ..Ring::default()
                }))
            })
            .clone()
    }

    /// Records one operation's duration.
    pub fn record(&self, op: &str, duration: Duration, error: bool) {
        let ms = round_ms(duration.as_secs_f64() * 1000.0);
        let ms = ms as f32;
        let ms = if error {
            -ms.max(f32::MIN_POSITIVE)
        } else {
            ms
        };
        let at = tenths(self.started.elapsed());
        let ring = self.ring(op);
        ring.lock().unwrap_or_else(PoisonError::into_inner).record(
            at,
            ms,
            self.max_samples,
            self.window,
        );
    }

    /// Percentiles over the window, per operation, sorted by name.
    #[must_use]
    pub fn report(&self) -> SummaryReport {
        let now = tenths(self.started.elapsed());
        let oldest = now.saturating_sub(self.window);
        let rings: Vec<(String, SharedRing)> = self
            .operations
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut operations = Vec::with_capacity(rings.len());
        for (op, ring) in rings {
            let (durations, errors) = {
                let mut ring = ring.lock().unwrap_or_else(PoisonError::into_inner);
                ring.forget_before(oldest);
                let errors = ring.durations.iter().filter(|ms| **ms < 0.0).count() as u64;
                (
                    ring.durations
                        .iter()
                        .map(|ms| ms.abs())
                        .collect::<Vec<f32>>(),
                    errors,
                )
            };
            if durations.is_empty() {
                continue;
            }
            let mut durations = durations;
            durations.sort_by(f32::total_cmp);
            let p = |q: f64| round_ms(f64::from(durations[nearest_rank(durations.len(), q) - 1]));
            let p95 = p(0.95);
            let target = self.targets.for_operation(&op);
            operations.push(OperationSummary {
                count: durations.len() as u64,
                errors,
                p50_ms: p(0.50),
                p95_ms: p95,
                p99_ms: p(0.99),
                max_ms: round_ms(f64::from(durations[durations.len() - 1])),
                target_p95_ms: target,
                within_target: target.map(|t| p95 < t),
                operation: op,
            });
        }
        operations.sort_by(|a, b| a.operation.cmp(&b.operation));
        SummaryReport { operations }
    }
}

/// Nearest-rank percentile of sorted values.
#[must_use]
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[nearest_rank(sorted.len(), q) - 1]
}

/// The nearest rank (1-based) of quantile `q` among `len` sorted values, `len` > 0.
fn nearest_rank(len: usize, q: f64) -> usize {
    ((q * len as f64).ceil() as usize).clamp(1, len)
}

/// Every metric the process exposes.
pub struct Metrics {
    pub operation: Family,
    pub http: Family,
    pub db: Family,
    pub gen_ai: Family,
    pub tokens: Family,
    pub summary: Summary,
    pub spans_dropped: Arc<AtomicU64>,
    log_lines_dropped: RwLock<Option<Box<dyn Fn() -> u64 + Send + Sync>>>,
}

impl Metrics {
    #[must_use]
    pub fn new(summary: Summary) -> Self {
        Self {
            operation: Family::new(
                "operation_duration_seconds",
                "Duration of every timed operation.",
                &["operation", "status"],
                DURATION_BOUNDS,
            ),
            http: Family::new(
                "http_server_request_duration_seconds",
                "Duration of HTTP server requests.",
                &[
                    "http_request_method",
                    "http_route",
                    "http_response_status_code",
                ],
                DURATION_BOUNDS,
            ),
            db: Family::new(
                "db_client_operation_duration_seconds",
                "Duration of database client operations.",
                &[
                    "db_system_name",
                    "db_operation_name",
                    "db_collection_name",
                    "error_type",
                ],
                DURATION_BOUNDS,
            ),
            gen_ai: Family::new(
                "gen_ai_client_operation_duration_seconds",
                "Duration of GenAI client operations.",
                &[
                    "gen_ai_operation_name",
                    "gen_ai_provider_name",
                    "gen_ai_request_model",
                    "error_type",
                ],
                DURATION_BOUNDS,
            ),
            tokens: Family::new(
                "gen_ai_client_token_usage",
                "Tokens used per GenAI call.",
                &[
                    "gen_ai_operation_name",
                    "gen_ai_provider_name",
                    "gen_ai_request_model",
                    "gen_ai_token_type",
                ],
                TOKEN_BOUNDS,
            ),
            summary,
            spans_dropped: Arc::new(AtomicU64::new(0)),
            log_lines_dropped: RwLock::new(None),
        }
    }

    /// Where the dropped log line count comes from (the non-blocking writer).
    pub fn set_log_lines_dropped(&self, source: impl Fn() -> u64 + Send + Sync + 'static) {
        *self
            .log_lines_dropped
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Box::new(source));
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        for family in [
            &self.operation,
            &self.http,
            &self.db,
            &self.gen_ai,
            &self.tokens,
        ] {
            family.render(&mut out);
        }
        let _ = writeln!(
            out,
            "# HELP telemetry_spans_dropped_total Spans not exported (queue full or export failed)."
        );
        let _ = writeln!(out, "# TYPE telemetry_spans_dropped_total counter");
        let _ = writeln!(
            out,
            "telemetry_spans_dropped_total {}",
            self.spans_dropped.load(Ordering::Relaxed)
        );
        let lines = self
            .log_lines_dropped
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(0, |f| f());
        let _ = writeln!(
            out,
            "# HELP telemetry_log_lines_dropped_total Log lines dropped because the output could not keep up."
        );
        let _ = writeln!(out, "# TYPE telemetry_log_lines_dropped_total counter");
        let _ = writeln!(out, "telemetry_log_lines_dropped_total {lines}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_told_apart_by_every_label_value() {
        let family = Family::new("f", "help", &["a", "b"], &[1.0]);
        // Lists of values that a plain join would confuse.
        family.observe(&["x:1", "y"], 0.5);
        family.observe(&["x", "1:y"], 0.5);
        family.observe(&["x", "1:y"], 2.0);
        family.observe(&["", "x:1y"], 0.5);
        let mut out = String::new();
        family.render(&mut out);
        assert!(out.contains("f_count{a=\"x:1\",b=\"y\"} 1\n"), "{out}");
        assert!(out.contains("f_count{a=\"x\",b=\"1:y\"} 2\n"), "{out}");
        assert!(
            out.contains("f_bucket{a=\"x\",b=\"1:y\",le=\"1\"} 1\n"),
            "{out}"
        );
        assert!(out.contains("f_count{a=\"\",b=\"x:1y\"} 1\n"), "{out}");
        assert_eq!(out.matches("_count{").count(), 3, "{out}");
        // Rendered in the order of the values.
        let first = out.find("a=\"\",").expect("empty a");
        let last = out.find("a=\"x:1\"").expect("x:1");
        assert!(first < last, "{out}");
    }

    #[test]
    fn bounds_hold_both_targets() {
        assert!(DURATION_BOUNDS.contains(&0.1));
        assert!(DURATION_BOUNDS.contains(&3.0));
        assert!(DURATION_BOUNDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn histograms_render_cumulative_buckets() {
        let m = Metrics::new(Summary::new(
            Duration::from_secs(60),
            10,
            Targets::default(),
        ));
        m.operation.observe(&["db_ping", "success"], 0.003);
        m.operation.observe(&["db_ping", "success"], 0.2);
        m.operation.observe(&["db_ping", "error"], 100.0);
        let text = m.render();
        assert!(text.contains("operation_duration_seconds_bucket{operation=\"db_ping\",status=\"success\",le=\"0.0025\"} 0"));
        assert!(text.contains("operation_duration_seconds_bucket{operation=\"db_ping\",status=\"success\",le=\"0.005\"} 1"));
        assert!(text.contains("operation_duration_seconds_bucket{operation=\"db_ping\",status=\"success\",le=\"0.25\"} 2"));
        assert!(text.contains("operation_duration_seconds_bucket{operation=\"db_ping\",status=\"error\",le=\"+Inf\"} 1"));
        assert!(text.contains(
            "operation_duration_seconds_count{operation=\"db_ping\",status=\"success\"} 2"
        ));
        assert!(text.contains(
            "operation_duration_seconds_sum{operation=\"db_ping\",status=\"success\"} 0.203"
        ));
        assert!(text.contains("telemetry_spans_dropped_total 0"));
    }

    #[test]
    fn summary_percentiles_are_exact_and_bounded() {
        let s = Summary::new(Duration::from_secs(600), 100, Targets::default());
        for i in 1..=200u64 {
            s.record("db_list_tasks", Duration::from_millis(i), i % 50 == 0);
        }
        let r = s.report();
        let row = &r.operations[0];
        assert_eq!(row.count, 100, "only the latest 100 samples");
        assert_eq!(row.errors, 2);
        assert_eq!(row.p50_ms, 150.0);
        assert_eq!(row.p95_ms, 195.0);
        assert_eq!(row.p99_ms, 199.0);
        assert_eq!(row.max_ms, 200.0);
        assert_eq!(row.target_p95_ms, Some(100.0));
        assert_eq!(row.within_target, Some(false));
        s.record("chat_endpoint", Duration::from_millis(5), false);
        s.record("agent_execution", Duration::from_millis(5), false);
        let r = s.report();
        let chat = r
            .operations
            .iter()
            .find(|o| o.operation == "chat_endpoint")
            .expect("row");
        assert_eq!(
            (chat.target_p95_ms, chat.within_target),
            (Some(3000.0), Some(true))
        );
        let agent = r
            .operations
            .iter()
            .find(|o| o.operation == "agent_execution")
            .expect("row");
        assert_eq!((agent.target_p95_ms, agent.within_target), (None, None));
    }

    fn kept(ring: &Ring) -> Vec<f32> {
        ring.durations.iter().copied().collect()
    }

    /// A ring keeps the latest `max` samples and the tenths they were recorded in, one mark a
    /// tenth, and forgets whole tenths that fall out of the window.
    #[test]
    fn a_ring_keeps_the_latest_samples_and_their_tenths() {
        let mut ring = Ring::default();
        // Tenths 0..10, three samples each (ms = tenth * 10 + i), at most 12 kept, a window
        // of 1,000 tenths.
        for at in 0..10u32 {
            for i in 0..3u32 {
                ring.record(at, (at * 10 + i) as f32, 12, 1000);
            }
        }
        assert_eq!(ring.durations.len(), 12);
        assert_eq!(kept(&ring)[0], 60.0, "the oldest kept is tenth 6's first");
        assert_eq!(ring.dropped, 18);
        // Tenths 6..=9 are still marked, nothing older.
        assert_eq!(
            ring.marks.iter().map(|m| m.at).collect::<Vec<_>>(),
            [6, 7, 8, 9]
        );
        // One more drops tenth 6's first sample; its mark stays for the other two.
        ring.record(9, 92.5, 12, 1000);
        assert_eq!(kept(&ring)[0], 61.0);
        assert_eq!(ring.marks.front().map(|m| m.at), Some(6));
        // Forgetting before tenth 8 drops the rest of 6 and all of 7.
        ring.forget_before(8);
        assert_eq!(kept(&ring), [80.0, 81.0, 82.0, 90.0, 91.0, 92.0, 92.5]);
        assert_eq!(ring.marks.iter().map(|m| m.at).collect::<Vec<_>>(), [8, 9]);
        // A sample whose clock read an earlier tenth than the last one counts in the last.
        ring.record(7, 1.0, 12, 1000);
        assert_eq!(ring.marks.iter().map(|m| m.at).collect::<Vec<_>>(), [8, 9]);
        ring.forget_before(9);
        assert_eq!(kept(&ring), [90.0, 91.0, 92.0, 92.5, 1.0]);
        ring.forget_before(10);
        assert!(ring.durations.is_empty() && ring.marks.is_empty());
        ring.record(11, 5.0, 12, 1000);
        assert_eq!(kept(&ring), [5.0]);
        assert_eq!(
            ring.marks
                .iter()
                .map(|m| (m.at, m.first))
                .collect::<Vec<_>>(),
            [(11, 32)]
        );
    }

    /// Without a report, a ring forgets what falls out of the window on its own, once a
    /// tenth: it holds at most the window's tenths of marks and their samples.
    #[test]
    fn a_ring_forgets_the_window_as_it_records() {
        let mut ring = Ring::default();
        for at in 0..5000u32 {
            ring.record(at, at as f32, 100_000, 50);
        }
        assert_eq!(ring.marks.len(), 51, "tenths 4949..=4999");
        assert_eq!(ring.durations.len(), 51);
        assert_eq!(kept(&ring)[0], 4949.0);
    }

    #[test]
    fn the_window_forgets_old_samples() {
        let s = Summary::new(Duration::from_millis(0), 100, Targets::default());
        s.record("x", Duration::from_millis(1), false);
        std::thread::sleep(Duration::from_millis(250));
        assert!(s.report().operations.is_empty());
    }

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 5.0);
        assert_eq!(percentile(&v, 0.95), 10.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
