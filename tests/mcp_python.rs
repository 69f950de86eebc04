//! The MCP server end to end, with the official Python MCP SDK as the client (`mcp` from
//! PyPI, pinned in `tests/mcp/requirements.txt`, installed into a virtual environment under
//! `target/` that is reused while that file and the Python version stay the same).
//!
//! 1. stdio: `tests/mcp/e2e.py` spawns `todo-chatbot mcp --user alice` (a fresh SQLite file,
//!    an empty working folder), lists the tools, adds a task, completes it.
//! 2. streamable HTTP: against `todo-chatbot serve` on the same file, with a token from
//!    `todo-chatbot token alice`: the same steps.
//! 3. The REST API shows both tasks, completed; both processes logged the `mcp_tool_*`
//!    operations.
//!
//! Without Python or PyPI the test is skipped with a loud message, except under `CI=true`,
//! where it fails.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_todo-chatbot");
const SECRET: &str = "mcp-python-test-secret";
const PYTHON_TIMEOUT: Duration = Duration::from_secs(120);

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// The test cannot run here: fail under CI, else say so loudly and skip.
fn unavailable(why: &str) -> Option<PathBuf> {
    assert!(
        !in_ci(),
        "the Python MCP end-to-end test must run under CI=true: {why}"
    );
    eprintln!(
        "\n*** SKIPPING the Python MCP end-to-end test: {why} ***\n*** (it fails instead under CI=true) ***\n"
    );
    None
}

/// FNV-1a: a stable key for the venv folder (std's hasher may change between releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn venv_python(dir: &Path) -> PathBuf {
    if cfg!(windows) {
        dir.join("Scripts").join("python.exe")
    } else {
        dir.join("bin").join("python")
    }
}

fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<_> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// The virtual environment's Python with the SDK installed, built once per requirements.
fn python_with_sdk() -> Option<PathBuf> {
    let requirements = repo().join("tests/mcp/requirements.txt");
    let pinned = std::fs::read(&requirements).expect("tests/mcp/requirements.txt");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let version = match Command::new(&python).arg("--version").output() {
        Ok(out) if out.status.success() => out.stdout,
        Ok(out) => {
            return unavailable(&format!(
                "`{python} --version` failed: {}",
                tail(&out.stderr)
            ));
        }
        Err(e) => return unavailable(&format!("no Python interpreter `{python}`: {e}")),
    };
    let key = fnv1a(&[pinned.as_slice(), version.as_slice()].concat());
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo().join("target"), PathBuf::from);
    let root = target.join("mcp-python");
    let dir = root.join(format!("venv-{key:016x}"));
    if dir.join(".ready").exists() {
        return Some(venv_python(&dir));
    }
    // Built aside and renamed into place, so that two test runs at once never share a
    // half-built environment (the interpreter finds its venv from its own path).
    std::fs::create_dir_all(&root).expect("target/mcp-python");
    let building = root.join(format!("building-{key:016x}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&building);
    let started = Instant::now();
    let created = Command::new(&python)
        .args(["-m", "venv"])
        .arg(&building)
        .output()
        .expect("run python -m venv");
    if !created.status.success() {
        let _ = std::fs::remove_dir_all(&building);
        return unavailable(&format!(
            "`{python} -m venv` failed (is the venv module installed?): {}",
            tail(&created.stderr)
        ));
    }
    let installed = Command::new(venv_python(&building))
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "-r",
        ])
        .arg(&requirements)
        .output()
        .expect("run pip");
    if !installed.status.success() {
        let _ = std::fs::remove_dir_all(&building);
        return unavailable(&format!(
            "pip could not install the MCP SDK (no network to PyPI?): {}",
            tail(&installed.stderr)
        ));
    }
    std::fs::write(building.join(".ready"), &pinned).expect("mark the venv ready");
    if std::fs::rename(&building, &dir).is_err() {
        // Another run finished first: use its environment.
        let _ = std::fs::remove_dir_all(&building);
    }
    // Environments of earlier requirements are dead weight (~70 MB each).
    for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("venv-") && entry.path() != dir {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    eprintln!(
        "built the Python MCP SDK environment {} in {:.1} s",
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Some(venv_python(&dir))
}

/// A child's output, read as it comes so that a full pipe never blocks it.
fn collect(
    stream: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<String>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            into.lock().expect("lock").push(line);
        }
    })
}

struct Output {
    status: ExitStatus,
    stdout: Vec<String>,
    stderr: Vec<String>,
}

/// Runs `cmd` to its end, killing it after `timeout`.
fn run(mut cmd: Command, timeout: Duration) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let (stdout, stderr) = (Arc::default(), Arc::default());
    let readers = [
        collect(child.stdout.take().expect("stdout"), Arc::clone(&stdout)),
        collect(child.stderr.take().expect("stderr"), Arc::clone(&stderr)),
    ];
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} did not finish within {timeout:?}; stderr: {:#?}",
                stderr.lock().expect("lock")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The reader threads end at EOF: once the child and whatever it started (the stdio
    // server, whose log lines are checked) have closed the pipes. A fixed pause here could
    // end before a loaded machine ran the readers, and lose the script's last line.
    let eof = Instant::now() + Duration::from_secs(10);
    while readers.iter().any(|r| !r.is_finished()) && Instant::now() < eof {
        std::thread::sleep(Duration::from_millis(10));
    }
    let take = |lines: &Arc<Mutex<Vec<String>>>| std::mem::take(&mut *lines.lock().expect("lock"));
    Output {
        status,
        stdout: take(&stdout),
        stderr: take(&stderr),
    }
}

/// The e2e script's one JSON line, failing with everything it said otherwise.
fn outcome(out: &Output, phase: &str) -> Value {
    assert!(
        out.status.success(),
        "{phase}: e2e.py failed with {}\nstdout: {:#?}\nstderr: {:#?}",
        out.status,
        out.stdout,
        out.stderr
    );
    let line = out
        .stdout
        .last()
        .unwrap_or_else(|| panic!("{phase}: no output"));
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{phase}: {e}: {line}"))
}

/// The environment every `todo-chatbot` of this test runs with: an empty working folder,
/// the test's SQLite file, the offline model.
fn app_env(db: &Path) -> Vec<(&'static str, String)> {
    vec![
        (
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", db.join("todo.db").display()),
        ),
        ("AUTH_JWT_SECRET", SECRET.into()),
        ("LLM_PROVIDER", "offline".into()),
    ]
}

fn command(program: impl AsRef<std::ffi::OsStr>, cwd: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `todo-chatbot serve`, stopped (SIGTERM, then kill) when dropped.
struct Serve {
    child: Child,
    port: u16,
    output: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    fn start(cwd: &Path, db: &Path) -> Self {
        let port = free_port();
        let mut cmd = command(BIN, cwd);
        cmd.arg("serve")
            .envs(app_env(db))
            .env("PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn todo-chatbot serve");
        let output = Arc::default();
        collect(child.stdout.take().expect("stdout"), Arc::clone(&output));
        collect(child.stderr.take().expect("stderr"), Arc::clone(&output));
        let mut serve = Self {
            child,
            port,
            output,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = serve.child.try_wait() {
                panic!("serve exited with {status}: {:#?}", serve.lines());
            }
            assert!(
                Instant::now() < deadline,
                "serve did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        serve
    }

    fn lines(&self) -> Vec<String> {
        self.output.lock().expect("lock").clone()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn logged_operation(lines: &[String], operation: &str) -> bool {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .any(|v| {
            v["message"] == "Performance metric"
                && v["operation"] == operation
                && v["user_id"] == "alice"
        })
}

#[tokio::test]
async fn the_python_sdk_manages_tasks_over_stdio_and_streamable_http() {
    let started = Instant::now();
    let Some(python) = python_with_sdk() else {
        return;
    };
    let script = repo().join("tests/mcp/e2e.py");
    let cwd = tempfile::tempdir().expect("an empty working folder");
    let db = tempfile::tempdir().expect("a folder for the database");

    // 1. stdio: the SDK launches `todo-chatbot mcp --user alice` itself.
    let mut cmd = command(&python, cwd.path());
    cmd.arg(&script)
        .args(["stdio", "--bin", BIN, "--user", "alice", "--cwd"])
        .arg(cwd.path());
    for (key, value) in app_env(db.path()) {
        cmd.arg("--env").arg(format!("{key}={value}"));
    }
    let stdio = run(cmd, PYTHON_TIMEOUT);
    let over_stdio = outcome(&stdio, "stdio");
    assert_eq!(over_stdio["transport"], "stdio");
    assert!(
        logged_operation(&stdio.stderr, "mcp_tool_complete_task"),
        "the stdio server logs its timed tools on stderr: {:#?}",
        stdio.stderr
    );

    // 2. streamable HTTP against `serve`, with a token for alice.
    let serve = Serve::start(cwd.path(), db.path());
    let token = {
        let out = command(BIN, cwd.path())
            .args(["token", "alice"])
            .envs(app_env(db.path()))
            .output()
            .expect("todo-chatbot token");
        assert!(out.status.success(), "{}", tail(&out.stderr));
        String::from_utf8(out.stdout)
            .expect("UTF-8")
            .trim()
            .to_owned()
    };
    let mut cmd = command(&python, cwd.path());
    cmd.arg(&script)
        .args([
            "http",
            "--url",
            &format!("http://127.0.0.1:{}/mcp", serve.port),
        ])
        .args(["--token", &token]);
    let http = run(cmd, PYTHON_TIMEOUT);
    let over_http = outcome(&http, "http");
    assert_eq!(over_http["transport"], "http");

    // 3. The REST API agrees.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let tasks: Vec<Value> = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{}/api/alice/tasks", serve.port))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET /api/alice/tasks")
        .error_for_status()
        .expect("200")
        .json()
        .await
        .expect("a JSON list");
    assert_eq!(tasks.len(), 2, "{tasks:#?}");
    for (task, made) in tasks.iter().zip([&over_stdio, &over_http]) {
        assert_eq!(task["id"], made["task_id"], "{tasks:#?}");
        assert_eq!(task["title"], made["title"]);
        assert_eq!(task["completed"], true);
    }
    assert!(
        logged_operation(&serve.lines(), "mcp_tool_complete_task"),
        "serve logs the timed tools of MCP calls: {:#?}",
        serve.lines()
    );
    drop(serve);
    eprintln!(
        "Python MCP SDK {} end to end (protocol {}): {:.1} s",
        over_http["sdk"],
        over_http["protocol_version"],
        started.elapsed().as_secs_f64()
    );
}
