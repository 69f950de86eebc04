//! The log output: lines go into a shared buffer that a writer thread empties every few
//! milliseconds. A request never waits on a slow stdout and never wakes another thread (a
//! channel per line would cost a futex wake per line, measured at ~2 µs of a ~9 µs timed
//! call); when the buffer holds `max_lines`, further lines are dropped and counted.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

const PERIOD: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    lines: usize,
}

struct Shared {
    pending: Mutex<Pending>,
    max_lines: usize,
    dropped: AtomicU64,
    closing: AtomicBool,
}

/// Where the log layer writes; cheap to clone.
#[derive(Clone)]
pub struct LineWriter {
    shared: Arc<Shared>,
}

/// Flushes what is buffered and stops the writer thread when dropped.
pub struct LineWriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LineWriter {
    /// Starts the writer thread over `out`.
    ///
    /// # Errors
    /// When the thread cannot start.
    pub fn start<W: Write + Send + 'static>(
        mut out: W,
        max_lines: usize,
    ) -> std::io::Result<(Self, LineWriterGuard)> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            max_lines: max_lines.max(1),
            dropped: AtomicU64::new(0),
            closing: AtomicBool::new(false),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || {
                let mut spare = Vec::new();
                loop {
                    let closing = worker.closing.load(Ordering::Acquire);
                    {
                        let mut pending = worker
                            .pending
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner);
                        std::mem::swap(&mut pending.bytes, &mut spare);
                        pending.lines = 0;
                    }
                    if !spare.is_empty() {
                        let _ = out.write_all(&spare);
                        let _ = out.flush();
                        spare.clear();
                    }
                    if closing {
                        return;
                    }
                    std::thread::park_timeout(PERIOD);
                }
            })?;
        Ok((
            Self {
                shared: shared.clone(),
            },
            LineWriterGuard {
                shared,
                thread: Some(thread),
            },
        ))
    }

    /// Lines dropped because the buffer was full.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    fn push(&self, line: &[u8]) {
        let mut pending = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if pending.lines >= self.shared.max_lines {
            drop(pending);
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        pending.bytes.extend_from_slice(line);
        pending.lines += 1;
    }
}

impl Drop for LineWriterGuard {
    fn drop(&mut self) {
        self.shared.closing.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// One `write` is one line (the log layer writes each line whole).
pub struct LineHandle<'a>(&'a LineWriter);

impl Write for LineHandle<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LineWriter {
    type Writer = LineHandle<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineHandle(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
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

    #[test]
    fn lines_arrive_in_order_and_the_guard_flushes() {
        let sink = Sink::default();
        let (writer, guard) = LineWriter::start(sink.clone(), 1000).expect("start");
        for i in 0..100 {
            let _ = writer
                .make_writer()
                .write_all(format!("line {i}\n").as_bytes());
        }
        drop(guard);
        let text = String::from_utf8(sink.0.lock().expect("lock").clone()).expect("utf8");
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 100);
        assert_eq!(lines[0], "line 0");
        assert_eq!(lines[99], "line 99");
        assert_eq!(writer.dropped(), 0);
    }

    /// A writer that says when a write has begun, then blocks until released: the output is
    /// stuck.
    struct Stuck(std::sync::mpsc::Sender<()>, Arc<std::sync::Barrier>);

    impl Write for Stuck {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.send(());
            self.1.wait();
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stuck_output_drops_and_counts_instead_of_blocking() {
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (began, writing) = std::sync::mpsc::channel();
        let (writer, guard) = LineWriter::start(Stuck(began, barrier.clone()), 10).expect("start");
        let _ = writer.make_writer().write_all(b"first\n");
        // The thread is now stuck writing it (a fixed pause instead could end before a loaded
        // machine ran the thread, and leave room in the queue for one line more).
        writing
            .recv_timeout(Duration::from_secs(10))
            .expect("the writer thread takes the first line");
        let started = std::time::Instant::now();
        for _ in 0..1000 {
            let _ = writer.make_writer().write_all(b"more\n");
        }
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "writing never blocks"
        );
        assert_eq!(writer.dropped(), 990);
        barrier.wait();
        barrier.wait();
        drop(guard);
    }
}
