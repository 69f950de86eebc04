//! The deployment files under `deploy/`, checked without Docker: each file is parsed, and the
//! ports, service names, the scrape target, the OTLP endpoint, the Grafana datasource, the metric
//! and label names the dashboard queries, the Dockerfile's binary and port, the environment the
//! compose file gives the app and the Makefile's `up`/`down` must agree with each other and with
//! the app (its configuration loader and CONTRACT.md §1, §2 and §5).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use todo_chatbot::config::{LlmProvider, Settings};

/// CONTRACT.md §1: the one binary.
const BIN: &str = "todo-chatbot";
/// CONTRACT.md §2: where the app serves Prometheus text, and its liveness probe.
const METRICS_PATH: &str = "/metrics";
const HEALTH_PATH: &str = "/health";
/// Jaeger v2 takes OTLP over gRPC on this port (its all-in-one default).
const JAEGER_OTLP_GRPC_PORT: u16 = 4317;
/// Prometheus listens here unless `--web.listen-address` says otherwise.
const PROMETHEUS_PORT: u16 = 9090;

/// CONTRACT.md §5: the histograms on `/metrics`, with the labels each one carries (Prometheus
/// spelling of the semconv attributes).
const HISTOGRAMS: &[(&str, &[&str])] = &[
    ("operation_duration_seconds", &["operation", "status"]),
    (
        "http_server_request_duration_seconds",
        &[
            "http_request_method",
            "http_route",
            "http_response_status_code",
            "error_type",
        ],
    ),
    (
        "db_client_operation_duration_seconds",
        &[
            "db_system_name",
            "db_operation_name",
            "db_collection_name",
            "error_type",
        ],
    ),
    (
        "gen_ai_client_operation_duration_seconds",
        &[
            "gen_ai_operation_name",
            "gen_ai_provider_name",
            "gen_ai_request_model",
            "gen_ai_response_model",
            "error_type",
        ],
    ),
    (
        "gen_ai_client_token_usage",
        &[
            "gen_ai_operation_name",
            "gen_ai_provider_name",
            "gen_ai_request_model",
            "gen_ai_response_model",
            "gen_ai_token_type",
        ],
    ),
];
/// CONTRACT.md §5: the counters of what telemetry dropped.
const COUNTERS: &[&str] = &[
    "telemetry_spans_dropped_total",
    "telemetry_log_lines_dropped_total",
];
/// Labels Prometheus adds to every scraped series.
const TARGET_LABELS: &[&str] = &["job", "instance"];
/// CONTRACT.md §4: the operation names kept exactly (plus every `db_*` and `llm_chat_completion`).
const OPERATIONS: &[&str] = &[
    "chat_endpoint",
    "fetch_conversation_history",
    "run_ai_agent",
    "agent_initialization",
    "agent_execution",
    "agent_tool_calls",
    "mcp_tool_add_task",
    "mcp_tool_list_tasks",
    "mcp_tool_complete_task",
    "mcp_tool_update_task",
    "mcp_tool_delete_task",
    "get_conversation_history",
    "create_conversation",
    "add_message",
    "llm_chat_completion",
];
/// CONTRACT.md §1: the OpenTelemetry SDK variables the app honours (`OTEL_BSP_*` by prefix).
const OTEL_ENV: &[&str] = &[
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_SDK_DISABLED",
];
/// PromQL functions a dashboard may call (a misspelt one is an error in Grafana, not here).
const PROMQL_FUNCTIONS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "topk",
    "bottomk",
    "rate",
    "irate",
    "increase",
    "delta",
    "histogram_quantile",
    "clamp_min",
    "clamp_max",
    "abs",
    "round",
    "vector",
    "scalar",
    "label_replace",
];

// ---------------------------------------------------------------------------------------------
// Reading the files

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn deploy_dir() -> PathBuf {
    root().join("deploy")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(path: &Path) -> Value {
    serde_yaml_ng::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not valid YAML: {e}", path.display()))
}

fn compose() -> Value {
    yaml(&deploy_dir().join("compose.yaml"))
}

fn collector() -> Value {
    yaml(&deploy_dir().join("otel-collector.yaml"))
}

fn prometheus() -> Value {
    yaml(&deploy_dir().join("prometheus.yml"))
}

fn grafana_datasources() -> Value {
    yaml(&deploy_dir().join("grafana/provisioning/datasources/prometheus.yaml"))
}

fn grafana_providers() -> Value {
    yaml(&deploy_dir().join("grafana/provisioning/dashboards/todo-chatbot.yaml"))
}

fn dashboard_path() -> PathBuf {
    deploy_dir().join("grafana/dashboards/todo-chatbot.json")
}

fn dashboard() -> Value {
    let path = dashboard_path();
    serde_json::from_str(&read(&path))
        .unwrap_or_else(|e| panic!("{} is not valid JSON: {e}", path.display()))
}

/// A scalar as text (YAML may give a port as a number or a string).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        Value::String(s) => s.split_whitespace().map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

fn port(text: &str) -> u16 {
    text.parse()
        .unwrap_or_else(|_| panic!("'{text}' is not a port number"))
}

/// `scheme://host:port/path` or `host:port` → (host, port).
fn host_port(address: &str) -> (String, u16) {
    let rest = address.split_once("://").map_or(address, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port_text) = authority
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("'{address}' names no port"));
    (host.to_owned(), port(port_text))
}

/// What compose makes of `${NAME:-default}`, `${NAME-default}`, `${NAME}`, `$NAME` and `$$` when
/// none of those variables is set in the shell: the defaults, else empty.
fn interpolate(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(inner) = rest.strip_prefix('{') {
            let end = inner
                .find('}')
                .unwrap_or_else(|| panic!("unclosed ${{ in '{raw}'"));
            let body = &inner[..end];
            if let Some((_, default)) = body.split_once(":-").or_else(|| body.split_once('-')) {
                out.push_str(default);
            }
            rest = &inner[end + 1..];
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------------------------------------
// compose.yaml

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose["services"]
        .get(name)
        .unwrap_or_else(|| panic!("compose.yaml has no service '{name}'"))
}

fn service_names(compose: &Value) -> Vec<String> {
    compose["services"]
        .as_object()
        .expect("compose.yaml: services")
        .keys()
        .cloned()
        .collect()
}

/// The one service whose image contains `needle`.
fn service_with_image(compose: &Value, needle: &str) -> String {
    let found: Vec<String> = service_names(compose)
        .into_iter()
        .filter(|name| {
            service(compose, name)["image"]
                .as_str()
                .is_some_and(|image| image.contains(needle))
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "compose.yaml: expected one service with an image containing '{needle}', found {found:?}"
    );
    found[0].clone()
}

/// A service's environment, interpolated, whether written as a map or as `NAME=value` items.
fn environment(service: &Value) -> BTreeMap<String, String> {
    raw_environment(service)
        .into_iter()
        .map(|(k, v)| (k, interpolate(&v)))
        .collect()
}

fn raw_environment(service: &Value) -> BTreeMap<String, String> {
    match &service["environment"] {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), text(v).unwrap_or_default()))
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(|item| {
                let (k, v) = item.split_once('=').unwrap_or((item, ""));
                (k.to_owned(), v.to_owned())
            })
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// (published host port, container port) of each `ports` entry.
fn ports(service: &Value) -> Vec<(Option<u16>, u16)> {
    let Some(items) = service["ports"].as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(long) => (
                long.get("published").and_then(text).map(|p| port(&p)),
                port(&text(&long["target"]).expect("ports: target")),
            ),
            other => {
                let spec = text(other).expect("ports entry");
                let spec = spec.split('/').next().unwrap_or(&spec);
                let parts: Vec<&str> = spec.split(':').collect();
                let container = port(parts[parts.len() - 1]);
                let published = (parts.len() >= 2).then(|| port(parts[parts.len() - 2]));
                (published, container)
            }
        })
        .collect()
}

fn published_host_ports(compose: &Value) -> BTreeSet<u16> {
    service_names(compose)
        .iter()
        .flat_map(|name| ports(service(compose, name)))
        .filter_map(|(published, _)| published)
        .collect()
}

enum Mount {
    /// A folder or file of this repository (source resolved against deploy/), and where it goes.
    Bind(PathBuf, String),
    /// A named volume, and where it goes.
    Named(String, String),
}

fn mounts(service: &Value) -> Vec<Mount> {
    let Some(items) = service["volumes"].as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .map(|item| {
            let (source, target) = match item {
                Value::Object(long) => (
                    text(&long["source"]).unwrap_or_default(),
                    text(&long["target"]).expect("volumes: target"),
                ),
                other => {
                    let spec = text(other).expect("volumes entry");
                    let parts: Vec<&str> = spec.split(':').collect();
                    assert!(parts.len() >= 2, "volume '{spec}' has no target");
                    (parts[0].to_owned(), parts[1].to_owned())
                }
            };
            if source.starts_with('.') || source.starts_with('/') {
                Mount::Bind(deploy_dir().join(source), target)
            } else {
                Mount::Named(source, target)
            }
        })
        .collect()
}

/// The file of this repository that a service sees at `target`, through its bind mounts.
fn host_path_of(service: &Value, target: &str) -> Option<PathBuf> {
    mounts(service).into_iter().find_map(|m| match m {
        Mount::Bind(source, mounted) => {
            let mounted = mounted.trim_end_matches('/');
            if target == mounted {
                Some(source)
            } else {
                target
                    .strip_prefix(&format!("{mounted}/"))
                    .map(|below| source.join(below))
            }
        }
        Mount::Named(..) => None,
    })
}

/// The value of `--flag=value` or `--flag value` in a service's command.
fn command_flag(service: &Value, flag: &str) -> Option<String> {
    let args = strings(&service["command"]);
    args.iter().enumerate().find_map(|(i, arg)| {
        arg.strip_prefix(&format!("{flag}="))
            .map(str::to_owned)
            .or_else(|| (arg == flag).then(|| args.get(i + 1).cloned()).flatten())
    })
}

/// Canonical path, for comparing two routes to one file.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The repository file a service mounts at `target`, which must be `expected`.
fn assert_mounted(compose: &Value, service_name: &str, target: &str, expected: &Path) {
    let source = host_path_of(service(compose, service_name), target).unwrap_or_else(|| {
        panic!("compose.yaml: service '{service_name}' mounts nothing at {target}")
    });
    assert_eq!(
        canonical(&source),
        canonical(expected),
        "compose.yaml: service '{service_name}' mounts {} at {target}, not {}",
        source.display(),
        expected.display()
    );
}

fn app_env() -> BTreeMap<String, String> {
    environment(service(&compose(), "app"))
}

fn app_port() -> u16 {
    port(
        app_env()
            .get("PORT")
            .expect("compose.yaml: app sets no PORT"),
    )
}

// ---------------------------------------------------------------------------------------------
// otel-collector.yaml

/// The component a pipeline names (`otlp/jaeger`) must be defined in its section; returns it.
fn component<'a>(config: &'a Value, section: &str, name: &str) -> &'a Value {
    config[section].get(name).unwrap_or_else(|| {
        panic!("otel-collector.yaml: a pipeline uses {section} '{name}', which is not defined")
    })
}

fn component_type(name: &str) -> &str {
    name.split('/').next().unwrap_or(name)
}

fn pipeline(config: &Value, name: &str) -> BTreeMap<&'static str, Vec<String>> {
    let p = config["service"]["pipelines"]
        .get(name)
        .unwrap_or_else(|| panic!("otel-collector.yaml: no '{name}' pipeline"));
    ["receivers", "processors", "exporters"]
        .into_iter()
        .map(|section| (section, strings(&p[section])))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// prometheus.yml

fn scrape_job<'a>(config: &'a Value, job: &str) -> &'a Value {
    config["scrape_configs"]
        .as_array()
        .expect("prometheus.yml: scrape_configs")
        .iter()
        .find(|c| c["job_name"] == job)
        .unwrap_or_else(|| panic!("prometheus.yml: no job '{job}'"))
}

fn scrape_targets(job: &Value) -> Vec<(String, u16)> {
    job["static_configs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| strings(&c["targets"]))
        .map(|t| host_port(&t))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The dashboard and PromQL

fn panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
        for panel in list.as_array().into_iter().flatten() {
            out.push(panel);
            walk(&panel["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

fn exprs(panel: &Value) -> Vec<String> {
    panel["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["expr"].as_str().map(str::to_owned))
        .collect()
}

fn threshold_values(panel: &Value) -> Vec<f64> {
    let defaults = &panel["fieldConfig"]["defaults"];
    if defaults["custom"]["thresholdsStyle"]["mode"] == "off" {
        return Vec::new();
    }
    defaults["thresholds"]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["value"].as_f64())
        .collect()
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Op(String),
    Other,
}

fn lex(expr: &str) -> Vec<Tok> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if matches!(c, '"' | '\'' | '`') {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && c != '`' {
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    s.push(ch);
                }
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(s));
        } else if c == '[' {
            // A range or subquery: durations and Grafana variables only.
            while i < chars.len() && chars[i] != ']' {
                i += 1;
            }
            i += 1;
        } else if c == '$' {
            // A Grafana variable outside a string: `$__range`, `${var}`.
            i += 1;
            if chars.get(i) == Some(&'{') {
                while i < chars.len() && chars[i] != '}' {
                    i += 1;
                }
                i += 1;
            } else {
                while i < chars.len() && ident(chars[i]) {
                    i += 1;
                }
            }
            out.push(Tok::Other);
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Other);
        } else if ident(c) {
            let start = i;
            while i < chars.len() && ident(chars[i]) {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            if ["=~", "!~", "!=", "==", ">=", "<="].contains(&two.as_str()) {
                out.push(Tok::Op(two));
                i += 2;
            } else {
                out.push(Tok::Op(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// What one PromQL expression refers to.
#[derive(Debug, Default)]
struct Query {
    metrics: BTreeSet<String>,
    labels: BTreeSet<String>,
    functions: BTreeSet<String>,
    /// (label, operator, value) of each `{label op "value"}`.
    matchers: Vec<(String, String, String)>,
}

fn scan(expr: &str) -> Query {
    const GROUPING: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    const KEYWORDS: &[&str] = &["and", "or", "unless", "bool", "offset", "atan2"];
    let toks = lex(expr);
    let mut q = Query::default();
    let mut in_braces = false;
    let mut i = 0;
    while i < toks.len() {
        let next_is_paren = toks.get(i + 1) == Some(&Tok::Op("(".into()));
        // `sum by (le) (...)`: an aggregation with its grouping before its argument.
        let next_is_grouping =
            matches!(toks.get(i + 1), Some(Tok::Ident(g)) if g == "by" || g == "without");
        match &toks[i] {
            Tok::Op(op) if op == "{" => in_braces = true,
            Tok::Op(op) if op == "}" => in_braces = false,
            Tok::Ident(name) if in_braces => {
                q.labels.insert(name.clone());
                if let (Some(Tok::Op(op)), Some(Tok::Str(value))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    q.matchers.push((name.clone(), op.clone(), value.clone()));
                    i += 2;
                }
            }
            Tok::Ident(name) if GROUPING.contains(&name.as_str()) => {
                if next_is_paren {
                    i += 2;
                    while i < toks.len() && toks[i] != Tok::Op(")".into()) {
                        if let Tok::Ident(label) = &toks[i] {
                            q.labels.insert(label.clone());
                        }
                        i += 1;
                    }
                }
            }
            Tok::Ident(name) if next_is_paren || next_is_grouping => {
                q.functions.insert(name.clone());
            }
            Tok::Ident(name) if KEYWORDS.contains(&name.as_str()) => {}
            Tok::Ident(name) => {
                q.metrics.insert(name.clone());
            }
            Tok::Str(_) | Tok::Op(_) | Tok::Other => {}
        }
        i += 1;
    }
    q
}

/// The labels a series of this metric name carries, or None for a name CONTRACT §5 does not
/// have. Histograms are queried through `_bucket` (which adds `le`), `_count` and `_sum`.
fn labels_of(metric: &str) -> Option<BTreeSet<&'static str>> {
    let mut labels: BTreeSet<&'static str> = TARGET_LABELS.iter().copied().collect();
    if COUNTERS.contains(&metric) {
        return Some(labels);
    }
    let (base, suffix) = ["_bucket", "_count", "_sum"]
        .into_iter()
        .find_map(|s| metric.strip_suffix(s).map(|base| (base, s)))?;
    let (_, own) = HISTOGRAMS.iter().find(|(name, _)| *name == base)?;
    labels.extend(own.iter().copied());
    if suffix == "_bucket" {
        labels.insert("le");
    }
    Some(labels)
}

/// Every problem with one expression: unknown metrics, functions, labels, matcher values.
fn problems(expr: &str) -> Vec<String> {
    let q = scan(expr);
    let mut out = Vec::new();
    if q.metrics.is_empty() {
        out.push(format!("queries no metric: {expr}"));
    }
    for f in &q.functions {
        if !PROMQL_FUNCTIONS.contains(&f.as_str()) {
            out.push(format!("unknown function '{f}' in {expr}"));
        }
    }
    for metric in &q.metrics {
        let Some(allowed) = labels_of(metric) else {
            out.push(format!(
                "'{metric}' is not a CONTRACT §5 metric (in {expr})"
            ));
            continue;
        };
        for label in &q.labels {
            if !allowed.contains(label.as_str()) {
                out.push(format!("'{metric}' has no label '{label}' (in {expr})"));
            }
        }
    }
    for (label, op, value) in &q.matchers {
        if value.contains('$') {
            continue;
        }
        let exact = op == "=" || op == "!=";
        let ok = match label.as_str() {
            "status" => ["success", "error"].contains(&value.as_str()) || !exact,
            "gen_ai_token_type" => ["input", "output"].contains(&value.as_str()) || !exact,
            "operation" if exact => {
                OPERATIONS.contains(&value.as_str()) || value.starts_with("db_")
            }
            "operation" => {
                value.starts_with("db_")
                    || OPERATIONS
                        .iter()
                        .any(|o| o.starts_with(value.trim_end_matches(".*")))
            }
            _ => true,
        };
        if !ok {
            out.push(format!(
                "{label}{op}\"{value}\" matches nothing the app emits (in {expr})"
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

struct Instruction {
    stage: usize,
    keyword: String,
    args: String,
}

fn dockerfile_text() -> String {
    read(&deploy_dir().join("Dockerfile"))
}

fn dockerfile(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut stage = 0;
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && pending.is_empty()) {
            continue;
        }
        let (body, continued) = match trimmed.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (trimmed, false),
        };
        pending.push_str(body);
        pending.push(' ');
        if continued {
            continue;
        }
        let full = std::mem::take(&mut pending);
        let full = full.trim();
        if full.is_empty() {
            continue;
        }
        let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((full, ""));
        let keyword = keyword.to_ascii_uppercase();
        if keyword == "FROM" {
            stage += 1;
        }
        out.push(Instruction {
            stage,
            keyword,
            args: args.split_whitespace().collect::<Vec<_>>().join(" "),
        });
    }
    out
}

fn instructions<'a>(all: &'a [Instruction], keyword: &str, stage: usize) -> Vec<&'a str> {
    all.iter()
        .filter(|i| i.keyword == keyword && i.stage == stage)
        .map(|i| i.args.as_str())
        .collect()
}

/// `rust:1.95-bookworm` → (`rust`, `1.95-bookworm`); the `AS name` dropped.
fn image_of(from: &str) -> (String, String) {
    let image = from
        .split_whitespace()
        .find(|w| !w.starts_with("--"))
        .expect("FROM image");
    let (name, tag) = image.split_once(':').unwrap_or((image, "latest"));
    (name.to_owned(), tag.to_owned())
}

fn debian_release(tag: &str) -> Option<&'static str> {
    ["bookworm", "trixie", "bullseye"]
        .into_iter()
        .find(|r| tag.contains(r))
}

fn version(text: &str) -> (u32, u32) {
    let mut parts = text.split('.').map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().unwrap_or(0)
    });
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

// ---------------------------------------------------------------------------------------------
// The app's own list of environment variables (src/config.rs)

fn env_vars_the_app_reads() -> BTreeSet<String> {
    let source = read(&root().join("src/config.rs"));
    let mut names = BTreeSet::new();
    // `ENV_KEYS`: ("NAME", "section.key") pairs.
    let table = source
        .split_once("const ENV_KEYS")
        .and_then(|(_, rest)| rest.split_once("];"))
        .map(|(table, _)| table)
        .expect("src/config.rs has an ENV_KEYS table");
    for quoted in table.split('"').skip(1).step_by(2) {
        if quoted
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        {
            names.insert(quoted.to_owned());
        }
    }
    // The ones read one by one: var("APP_PROFILE"), var("APP_CONFIG_DIR").
    for (_, rest) in source
        .match_indices("var(\"")
        .map(|(at, _)| source.split_at(at + 5))
    {
        if let Some((name, _)) = rest.split_once('"') {
            names.insert(name.to_owned());
        }
    }
    names
}

fn is_otel_var(name: &str) -> bool {
    OTEL_ENV.contains(&name) || name.starts_with("OTEL_BSP_")
}

// ---------------------------------------------------------------------------------------------
// Makefile

fn recipe(makefile: &str, target: &str) -> Vec<String> {
    let mut lines = makefile
        .lines()
        .skip_while(|l| !l.starts_with(&format!("{target}:")));
    assert!(lines.next().is_some(), "Makefile has no '{target}:' target");
    lines
        .take_while(|l| l.starts_with('\t'))
        .map(|l| l.trim().trim_start_matches('@').to_owned())
        .collect()
}

// =============================================================================================
// The checks

#[test]
fn app_listens_on_the_published_and_exposed_port() {
    let compose = compose();
    let app = service(&compose, "app");
    let env = environment(app);
    assert_eq!(
        env.get("HOST").map(String::as_str),
        Some("0.0.0.0"),
        "compose.yaml: the app must listen on all interfaces to be reachable from the other containers"
    );
    let app_port = app_port();
    assert!(
        ports(app).contains(&(Some(app_port), app_port)),
        "compose.yaml: app publishes {:?}, not {app_port}:{app_port} (PORT)",
        ports(app)
    );
    let steps = dockerfile(&dockerfile_text());
    let last = steps.last().expect("Dockerfile").stage;
    let exposed: Vec<u16> = instructions(&steps, "EXPOSE", last)
        .iter()
        .flat_map(|a| a.split_whitespace())
        .map(|p| port(p.split('/').next().unwrap_or(p)))
        .collect();
    assert_eq!(
        exposed,
        vec![app_port],
        "Dockerfile: EXPOSE differs from compose's PORT {app_port}"
    );
}

#[test]
fn the_app_accepts_the_compose_environment() {
    // The app's own loader, given what compose passes (and the image's /app/config).
    let env = app_env();
    let mut vars: Vec<(String, String)> = env.clone().into_iter().collect();
    vars.push((
        "APP_CONFIG_DIR".into(),
        root().join("config").display().to_string(),
    ));
    let settings = Settings::load_from(None, &vars)
        .unwrap_or_else(|e| panic!("the app rejects compose.yaml's environment: {e}"));
    assert_eq!(settings.server.host, "0.0.0.0");
    assert_eq!(settings.server.port, app_port());
    assert_eq!(settings.llm.effective_provider(), LlmProvider::Offline);
    assert_eq!(settings.database.url.expose(), env["DATABASE_URL"]);
    assert!(
        !settings.auth.jwt_secret.is_empty(),
        "compose.yaml: AUTH_JWT_SECRET needs a default"
    );
}

#[test]
fn compose_sets_only_environment_variables_the_app_reads() {
    let known = env_vars_the_app_reads();
    for expected in [
        "HOST",
        "PORT",
        "DATABASE_URL",
        "AUTH_JWT_SECRET",
        "APP_PROFILE",
    ] {
        assert!(
            known.contains(expected),
            "src/config.rs no longer reads {expected}? {known:?}"
        );
    }
    let env = app_env();
    let unknown: Vec<&String> = env
        .keys()
        .filter(|k| !known.contains(k.as_str()) && !is_otel_var(k))
        .collect();
    assert!(
        unknown.is_empty(),
        "compose.yaml sets {unknown:?} for the app, which reads none of them (src/config.rs ENV_KEYS, CONTRACT §1)"
    );
    for required in [
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_SERVICE_NAME",
        "DATABASE_URL",
        "LLM_PROVIDER",
        "AUTH_JWT_SECRET",
    ] {
        assert!(
            env.get(required).is_some_and(|v| !v.is_empty()),
            "compose.yaml: the app needs {required}"
        );
    }
    // The secret comes from the caller's environment, with a development default.
    let raw = raw_environment(service(&compose(), "app"));
    assert!(
        raw["AUTH_JWT_SECRET"].starts_with("${AUTH_JWT_SECRET:-"),
        "compose.yaml: AUTH_JWT_SECRET should be ${{AUTH_JWT_SECRET:-<dev default>}}"
    );
}

#[test]
fn database_url_names_the_postgres_service_and_its_credentials() {
    let compose = compose();
    let postgres = service_with_image(&compose, "postgres");
    let url = &app_env()["DATABASE_URL"];
    let rest = url
        .strip_prefix("postgres://")
        .expect("compose.yaml: DATABASE_URL is postgres://");
    let (credentials, rest) = rest.split_once('@').expect("DATABASE_URL: user@host");
    let (user, password) = credentials
        .split_once(':')
        .expect("DATABASE_URL: user:password");
    let (address, database) = rest.split_once('/').expect("DATABASE_URL: /database");
    let (host, db_port) = host_port(address);
    assert_eq!(
        host, postgres,
        "DATABASE_URL's host is not the postgres service"
    );
    assert_eq!(db_port, 5432);
    let pg_env = environment(service(&compose, &postgres));
    assert_eq!(pg_env.get("POSTGRES_USER").map(String::as_str), Some(user));
    assert_eq!(
        pg_env.get("POSTGRES_PASSWORD").map(String::as_str),
        Some(password)
    );
    let database = database.split('?').next().unwrap_or(database);
    assert_eq!(
        pg_env.get("POSTGRES_DB").map(String::as_str),
        Some(database)
    );
}

#[test]
fn app_starts_after_a_healthy_database_and_the_collector() {
    let compose = compose();
    let postgres = service_with_image(&compose, "postgres");
    let collector = service_with_image(&compose, "opentelemetry-collector");
    let depends = &service(&compose, "app")["depends_on"];
    assert_eq!(
        depends[&postgres]["condition"], "service_healthy",
        "compose.yaml: app must wait for a healthy {postgres}"
    );
    assert!(
        depends.get(&collector).is_some(),
        "compose.yaml: app must start after {collector}"
    );
    let check = strings(&service(&compose, &postgres)["healthcheck"]["test"]).join(" ");
    assert!(
        check.contains("pg_isready"),
        "compose.yaml: {postgres} needs a pg_isready healthcheck, has '{check}'"
    );
    for mount in mounts(service(&compose, &postgres)) {
        if let Mount::Named(_, target) = mount {
            assert_eq!(target, "/var/lib/postgresql/data");
        }
    }
}

#[test]
fn every_mount_exists_and_every_named_volume_is_declared() {
    let compose = compose();
    for name in service_names(&compose) {
        for mount in mounts(service(&compose, &name)) {
            match mount {
                Mount::Bind(source, _) => assert!(
                    source.exists(),
                    "compose.yaml: {name} mounts {}, which does not exist",
                    source.display()
                ),
                Mount::Named(volume, _) => assert!(
                    compose["volumes"].get(&volume).is_some(),
                    "compose.yaml: {name} uses volume '{volume}', not declared under volumes:"
                ),
            }
        }
    }
}

#[test]
fn otlp_endpoint_is_a_collector_receiver() {
    let compose = compose();
    let env = app_env();
    let endpoint = &env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    assert!(
        endpoint.starts_with("http://"),
        "OTEL_EXPORTER_OTLP_ENDPOINT '{endpoint}': plain http inside the compose network"
    );
    let (host, otlp_port) = host_port(endpoint);
    let collector_service = service_with_image(&compose, "opentelemetry-collector");
    assert_eq!(
        host, collector_service,
        "OTEL_EXPORTER_OTLP_ENDPOINT does not name the collector service"
    );

    // The collector runs the file we check.
    let svc = service(&compose, &collector_service);
    let config_path = command_flag(svc, "--config")
        .expect("compose.yaml: the collector's command names its --config");
    assert_mounted(
        &compose,
        &collector_service,
        &config_path,
        &deploy_dir().join("otel-collector.yaml"),
    );

    let config = collector();
    let protocol = match env["OTEL_EXPORTER_OTLP_PROTOCOL"].as_str() {
        "grpc" => "grpc",
        "http/protobuf" => "http",
        other => panic!("OTEL_EXPORTER_OTLP_PROTOCOL '{other}' is neither grpc nor http/protobuf"),
    };
    let receiver = config["receivers"]["otlp"]["protocols"][protocol]["endpoint"]
        .as_str()
        .unwrap_or_else(|| panic!("otel-collector.yaml: otlp receiver has no {protocol} endpoint"));
    let (listen_host, listen_port) = host_port(receiver);
    assert_eq!(
        listen_port, otlp_port,
        "the app sends OTLP/{protocol} to port {otlp_port}, the collector listens on {listen_port}"
    );
    assert_eq!(
        listen_host, "0.0.0.0",
        "otel-collector.yaml: a receiver on {listen_host} is unreachable from the app's container"
    );
    assert!(
        pipeline(&config, "traces")["receivers"].contains(&"otlp".to_owned()),
        "otel-collector.yaml: the traces pipeline does not take OTLP"
    );
    assert!(!env["OTEL_SERVICE_NAME"].is_empty());
}

#[test]
fn collector_pipelines_are_defined_and_send_traces_to_jaeger() {
    let compose = compose();
    let config = collector();
    for name in ["traces", "metrics"] {
        for (section, components) in pipeline(&config, name) {
            assert!(
                !components.is_empty() || section == "processors",
                "{name} has no {section}"
            );
            for c in components {
                component(&config, section, &c);
            }
        }
    }
    let jaeger = service_with_image(&compose, "jaeger");
    let traces = pipeline(&config, "traces");
    let to_jaeger: Vec<&String> = traces["exporters"]
        .iter()
        .filter(|name| ["otlp", "otlp_grpc"].contains(&component_type(name)))
        .filter(|name| {
            component(&config, "exporters", name)["endpoint"]
                .as_str()
                .is_some_and(|e| host_port(e) == (jaeger.clone(), JAEGER_OTLP_GRPC_PORT))
        })
        .collect();
    assert_eq!(
        to_jaeger.len(),
        1,
        "otel-collector.yaml: the traces pipeline needs one OTLP gRPC exporter to {jaeger}:{JAEGER_OTLP_GRPC_PORT}"
    );
    let exporter = component(&config, "exporters", to_jaeger[0]);
    assert_eq!(
        exporter["tls"]["insecure"],
        Value::Bool(true),
        "otel-collector.yaml: Jaeger in the compose network has no TLS"
    );
    assert!(
        traces["processors"]
            .iter()
            .any(|p| component_type(p) == "batch"),
        "otel-collector.yaml: the traces pipeline should batch"
    );
    // Jaeger's UI is published, and the Makefile prints it.
    assert!(ports(service(&compose, &jaeger)).contains(&(Some(16686), 16686)));
}

#[test]
fn prometheus_scrapes_the_app_metrics_endpoint() {
    let compose = compose();
    let prom_service = service_with_image(&compose, "prom/prometheus");
    let svc = service(&compose, &prom_service);
    let config_path = command_flag(svc, "--config.file")
        .unwrap_or_else(|| "/etc/prometheus/prometheus.yml".to_owned());
    assert_mounted(
        &compose,
        &prom_service,
        &config_path,
        &deploy_dir().join("prometheus.yml"),
    );

    let config = prometheus();
    let job = scrape_job(&config, "todo-chatbot");
    assert_eq!(
        scrape_targets(job),
        vec![("app".to_owned(), app_port())],
        "prometheus.yml: job todo-chatbot must scrape the app service on its PORT"
    );
    let path = job["metrics_path"].as_str().unwrap_or("/metrics");
    assert_eq!(
        path, METRICS_PATH,
        "prometheus.yml: the app serves {METRICS_PATH}"
    );
    assert_eq!(job["scrape_interval"], "5s");
}

#[test]
fn prometheus_scrapes_the_collector_exporter() {
    let compose = compose();
    let collector_service = service_with_image(&compose, "opentelemetry-collector");
    let config = collector();
    let metrics = pipeline(&config, "metrics");
    let exporter = metrics["exporters"]
        .iter()
        .find(|name| component_type(name) == "prometheus")
        .expect("otel-collector.yaml: the metrics pipeline has no prometheus exporter");
    let (_, exporter_port) = host_port(
        component(&config, "exporters", exporter)["endpoint"]
            .as_str()
            .expect("prometheus exporter endpoint"),
    );
    let targets: Vec<(String, u16)> = prometheus()["scrape_configs"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(scrape_targets)
        .collect();
    assert!(
        targets.contains(&(collector_service.clone(), exporter_port)),
        "prometheus.yml scrapes {targets:?}, not {collector_service}:{exporter_port}"
    );
}

#[test]
fn grafana_datasource_is_the_prometheus_service() {
    let compose = compose();
    let prom_service = service_with_image(&compose, "prom/prometheus");
    let listen = command_flag(service(&compose, &prom_service), "--web.listen-address")
        .map_or(PROMETHEUS_PORT, |a| host_port(&a).1);
    let datasources = grafana_datasources();
    let list = datasources["datasources"].as_array().expect("datasources");
    assert_eq!(list.len(), 1);
    let ds = &list[0];
    assert_eq!(ds["type"], "prometheus");
    let (host, ds_port) = host_port(ds["url"].as_str().expect("datasource url"));
    assert_eq!(
        host, prom_service,
        "the Grafana datasource does not name the prometheus service"
    );
    assert_eq!(
        ds_port, listen,
        "the Grafana datasource's port is not Prometheus's"
    );
    let uid = ds["uid"].as_str().expect("datasource uid");

    // Every panel and query of the dashboard uses that datasource.
    let dashboard = dashboard();
    for panel in panels(&dashboard) {
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(
            panel["datasource"]["uid"], uid,
            "panel '{}'",
            panel["title"]
        );
        for t in panel["targets"].as_array().into_iter().flatten() {
            assert_eq!(t["datasource"]["uid"], uid, "panel '{}'", panel["title"]);
        }
    }
    for var in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert_eq!(var["datasource"]["uid"], uid, "variable '{}'", var["name"]);
    }
}

#[test]
fn grafana_loads_the_provisioning_and_the_dashboard() {
    let compose = compose();
    let grafana = service_with_image(&compose, "grafana");
    let provisioning = deploy_dir().join("grafana/provisioning");
    for file in [
        "datasources/prometheus.yaml",
        "dashboards/todo-chatbot.yaml",
    ] {
        assert_mounted(
            &compose,
            &grafana,
            &format!("/etc/grafana/provisioning/{file}"),
            &provisioning.join(file),
        );
    }
    let providers = grafana_providers();
    let provider = &providers["providers"][0];
    assert_eq!(provider["type"], "file");
    let path = provider["options"]["path"].as_str().expect("provider path");
    assert_mounted(
        &compose,
        &grafana,
        path,
        dashboard_path().parent().expect("dashboards folder"),
    );
    let env = environment(service(&compose, &grafana));
    assert_eq!(
        env.get("GF_AUTH_ANONYMOUS_ENABLED").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        env.get("GF_AUTH_ANONYMOUS_ORG_ROLE").map(String::as_str),
        Some("Admin")
    );
    if let Some(home) = env.get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH") {
        assert_mounted(&compose, &grafana, home, &dashboard_path());
    }
}

#[test]
fn dashboard_queries_only_contract_metrics_and_labels() {
    let dashboard = dashboard();
    let mut all = Vec::new();
    for panel in panels(&dashboard) {
        for expr in exprs(panel) {
            all.extend(problems(&expr));
        }
    }
    // Template variables: label_values(metric, label).
    for var in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let query = var["query"]["query"]
            .as_str()
            .or_else(|| var["query"].as_str())
            .unwrap_or_default();
        if let Some(args) = query
            .strip_prefix("label_values(")
            .and_then(|a| a.strip_suffix(')'))
        {
            let (metric, label) = args.split_once(',').expect("label_values(metric, label)");
            match labels_of(metric.trim()) {
                Some(labels) if labels.contains(label.trim()) => {}
                _ => all.push(format!("variable '{}': {query}", var["name"])),
            }
        }
    }
    assert!(
        all.is_empty(),
        "deploy/grafana/dashboards:\n{}",
        all.join("\n")
    );
}

#[test]
fn dashboard_has_the_latency_error_traffic_token_and_drop_panels() {
    let dashboard = dashboard();
    let panels = panels(&dashboard);
    let with = |pred: &dyn Fn(&Query, &str) -> bool| -> Vec<&Value> {
        panels
            .iter()
            .copied()
            .filter(|p| exprs(p).iter().any(|e| pred(&scan(e), e)))
            .collect()
    };
    let compact = |e: &str| e.split_whitespace().collect::<String>();
    // p50/p95/p99 per operation, with both target lines.
    for quantile in ["0.5", "0.95", "0.99"] {
        let found = with(&|q, e| {
            q.metrics.contains("operation_duration_seconds_bucket")
                && q.labels.contains("operation")
                && compact(e).starts_with(&format!(
                    "histogram_quantile({quantile},sumby(le,operation)"
                ))
        });
        assert!(
            found.iter().any(|p| {
                let t = threshold_values(p);
                t.contains(&0.1) && t.contains(&3.0)
            }),
            "no p{} per operation panel with threshold lines at 0.1 s and 3 s",
            &quantile[2..]
        );
    }
    // chat_endpoint against 3 s, db_* against 100 ms.
    let chat = with(&|q, _| {
        q.matchers
            .iter()
            .any(|(l, _, v)| l == "operation" && v == "chat_endpoint")
    });
    assert!(
        chat.iter().any(|p| threshold_values(p).contains(&3.0)),
        "no chat_endpoint panel with the 3 s line"
    );
    let db = with(&|q, _| {
        q.matchers
            .iter()
            .any(|(l, _, v)| l == "operation" && v.starts_with("db_"))
    });
    assert!(
        db.iter().any(|p| threshold_values(p).contains(&0.1)),
        "no db_* panel with the 100 ms line"
    );
    // Error rate per operation.
    assert!(
        !with(&|q, e| {
            q.matchers
                .contains(&("status".into(), "=".into(), "error".into()))
                && q.metrics.contains("operation_duration_seconds_count")
                && compact(e).contains("sumby(operation)")
                && e.contains('/')
        })
        .is_empty(),
        "no error-rate-by-operation panel"
    );
    // Request rate by route, token usage by type, dropped spans.
    assert!(
        !with(&|q, _| q
            .metrics
            .contains("http_server_request_duration_seconds_count")
            && q.labels.contains("http_route"))
        .is_empty(),
        "no request-rate-by-route panel"
    );
    assert!(
        !with(&|q, _| q.metrics.contains("gen_ai_client_token_usage_sum")
            && q.labels.contains("gen_ai_token_type"))
        .is_empty(),
        "no token-usage panel"
    );
    assert!(
        !with(&|q, _| q.metrics.contains("telemetry_spans_dropped_total")).is_empty(),
        "no dropped-spans panel"
    );
}

#[test]
fn dockerfile_builds_and_runs_the_binary() {
    assert_eq!(
        env!("CARGO_PKG_NAME"),
        BIN,
        "the root package's binary is {BIN}"
    );
    let steps = dockerfile(&dockerfile_text());
    let last = steps.last().expect("Dockerfile").stage;
    assert!(last >= 2, "Dockerfile: a builder stage and a runtime stage");

    // Builder: the contract's build command, at least the workspace's rust-version.
    let builds: Vec<&Instruction> = steps
        .iter()
        .filter(|i| i.keyword == "RUN" && i.args.contains("cargo build"))
        .collect();
    assert_eq!(builds.len(), 1, "Dockerfile: one cargo build");
    let build = builds[0];
    assert!(
        build.args.contains("--release") && build.args.contains(&format!("--bin {BIN}")),
        "Dockerfile: `cargo build --release --bin {BIN}`, not `{}`",
        build.args
    );
    assert!(
        build.args.contains(&format!("target/release/{BIN}")),
        "Dockerfile: the built binary is target/release/{BIN}"
    );
    let (builder_image, builder_tag) = image_of(instructions(&steps, "FROM", build.stage)[0]);
    assert_eq!(builder_image, "rust");
    let manifest = read(&root().join("Cargo.toml"));
    let msrv = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml: rust-version");
    assert!(
        version(&builder_tag) >= version(msrv),
        "Dockerfile: rust:{builder_tag} is older than rust-version {msrv}"
    );
    let (_, runtime_tag) = image_of(instructions(&steps, "FROM", last)[0]);
    assert_eq!(
        debian_release(&builder_tag),
        debian_release(&runtime_tag),
        "Dockerfile: build and run on the same Debian release (glibc)"
    );

    // Runtime: the binary on PATH, run as `todo-chatbot serve`, not as root, with ./config.
    let copies = instructions(&steps, "COPY", last);
    assert!(
        copies.iter().any(|c| c.starts_with("--from=")
            && (c.ends_with(&format!("/usr/local/bin/{BIN}")) || c.ends_with("/usr/local/bin/"))),
        "Dockerfile: the binary is copied to /usr/local/bin/{BIN}: {copies:?}"
    );
    let cmd: Vec<String> = serde_json::from_str(
        instructions(&steps, "CMD", last)
            .last()
            .expect("Dockerfile: CMD"),
    )
    .expect("Dockerfile: CMD in exec form");
    assert_eq!(cmd, vec![BIN.to_owned(), "serve".to_owned()]);
    let user = instructions(&steps, "USER", last);
    let user = user.last().expect("Dockerfile: a USER for the runtime");
    let name = user.split(':').next().unwrap_or(user);
    assert!(name != "root" && name != "0", "Dockerfile: runs as root");
    let workdir = instructions(&steps, "WORKDIR", last);
    let workdir = workdir.last().expect("Dockerfile: WORKDIR");
    assert!(
        copies.iter().any(|c| {
            let parts: Vec<&str> = c.split_whitespace().collect();
            parts.first() == Some(&"config")
                && parts.last().is_some_and(|d| {
                    let d = d.trim_end_matches('/');
                    d == format!("{workdir}/config") || d == "config" || d == "./config"
                })
        }),
        "Dockerfile: the app reads ./config from {workdir}"
    );
    // The HEALTHCHECK probes the app's liveness route on the port it listens on.
    let health = instructions(&steps, "HEALTHCHECK", last);
    let probe = health.last().expect("Dockerfile: a HEALTHCHECK");
    let url = probe
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'')
        .find(|w| w.starts_with("http://"))
        .expect("Dockerfile: the HEALTHCHECK fetches an http:// URL");
    let (_, path) = url["http://".len()..].split_at(
        url["http://".len()..]
            .find('/')
            .unwrap_or(url.len() - "http://".len()),
    );
    assert_eq!(
        path, HEALTH_PATH,
        "Dockerfile: the HEALTHCHECK fetches {url}"
    );
    assert!(
        url.contains(":${PORT}/") || url.contains(&format!(":{}/", app_port())),
        "Dockerfile: the HEALTHCHECK's port is not the app's: {url}"
    );

    // compose builds this Dockerfile from the repository root, without target/.
    let compose = compose();
    let build = &service(&compose, "app")["build"];
    let context = deploy_dir().join(build["context"].as_str().expect("app build context"));
    assert_eq!(canonical(&context), canonical(&root()));
    let file = context.join(build["dockerfile"].as_str().expect("app build dockerfile"));
    assert_eq!(
        canonical(&file),
        canonical(&deploy_dir().join("Dockerfile"))
    );
    let ignore = read(&deploy_dir().join("Dockerfile.dockerignore"));
    assert!(
        ignore
            .lines()
            .any(|l| l.trim().trim_matches('/') == "target"),
        "the build context must skip target/"
    );
}

#[test]
fn make_up_and_down_drive_this_compose_file() {
    let makefile = read(&root().join("Makefile"));
    let phony: Vec<&str> = makefile
        .lines()
        .find_map(|l| l.strip_prefix(".PHONY:"))
        .expect("Makefile: .PHONY")
        .split_whitespace()
        .collect();
    assert!(
        phony.contains(&"up") && phony.contains(&"down"),
        "Makefile: up and down are .PHONY"
    );
    let up = recipe(&makefile, "up");
    assert!(
        up.iter().any(
            |l| l.starts_with("docker compose -f deploy/compose.yaml up") && l.contains("--build")
        ),
        "Makefile: up runs `docker compose -f deploy/compose.yaml up --build -d`: {up:?}"
    );
    let down = recipe(&makefile, "down");
    assert!(
        down.iter()
            .any(|l| l.starts_with("docker compose -f deploy/compose.yaml down")),
        "Makefile: down runs `docker compose -f deploy/compose.yaml down`: {down:?}"
    );
    // Every URL it prints is a port compose publishes.
    let published = published_host_ports(&compose());
    let mut urls = 0;
    for line in &up {
        for (at, _) in line.match_indices("http://localhost:") {
            let digits: String = line[at + 17..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let p = port(&digits);
            assert!(
                published.contains(&p),
                "Makefile prints port {p}, which compose does not publish"
            );
            urls += 1;
        }
    }
    assert!(
        urls >= 4,
        "Makefile: up prints the app, Jaeger, Grafana and Prometheus URLs"
    );
}

// ---------------------------------------------------------------------------------------------
// The helpers themselves: each must be able to say no.

#[test]
fn promql_scanner_tells_metrics_labels_and_functions_apart() {
    let q = scan(
        r#"histogram_quantile(0.95, sum by (le, operation) (rate(operation_duration_seconds_bucket{operation=~"$operation", status="error"}[5m]))) / on() group_left vector(1)"#,
    );
    assert_eq!(
        q.metrics,
        BTreeSet::from(["operation_duration_seconds_bucket".to_owned()])
    );
    assert_eq!(
        q.labels,
        ["le", "operation", "status"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
    assert_eq!(
        q.functions,
        ["histogram_quantile", "sum", "rate", "vector"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
    assert!(
        q.matchers
            .contains(&("status".into(), "=".into(), "error".into()))
    );

    assert!(problems("sum(rate(operation_duration_seconds_count[5m]))").is_empty());
    assert!(
        !problems("sum(rate(operation_duration_seconds[5m]))").is_empty(),
        "a histogram's bare name"
    );
    assert!(
        !problems("sum(rate(http_requests_total[5m]))").is_empty(),
        "an unknown metric"
    );
    assert!(
        !problems("sum by (http_route) (rate(operation_duration_seconds_count[5m]))").is_empty(),
        "a label of another metric"
    );
    assert!(
        !problems("sum by (le) (rate(operation_duration_seconds_count[5m]))").is_empty(),
        "le outside _bucket"
    );
    assert!(
        !problems(r#"rate(operation_duration_seconds_count{status="failed"}[5m])"#).is_empty(),
        "a status the app never writes"
    );
    assert!(
        !problems(r#"rate(operation_duration_seconds_count{operation="chat"}[5m])"#).is_empty(),
        "an operation the app never names"
    );
    assert!(
        !problems("histogram_quantlie(0.5, operation_duration_seconds_bucket)").is_empty(),
        "a misspelt function"
    );
    assert!(!problems("vector(1)").is_empty(), "no metric at all");
}

#[test]
fn helpers_parse_compose_and_dockerfile_syntax() {
    assert_eq!(interpolate("${A:-x}-$B-${C-y}-$$"), "x--y-$");
    assert_eq!(
        host_port("http://otel-collector:4317"),
        ("otel-collector".into(), 4317)
    );
    assert_eq!(host_port("app:8000"), ("app".into(), 8000));
    let svc: Value = serde_yaml_ng::from_str(
        "ports: ['127.0.0.1:3000:3000', '9000/udp', {target: 80, published: '8080'}]",
    )
    .expect("yaml");
    assert_eq!(
        ports(&svc),
        vec![(Some(3000), 3000), (None, 9000), (Some(8080), 80)]
    );
    let steps = dockerfile("FROM a AS b\nRUN x \\\n  y\n# c\nFROM d\nCMD [\"e\"]\n");
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[1].args, "x y");
    assert_eq!(steps[3].stage, 2);
}
