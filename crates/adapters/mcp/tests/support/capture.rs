//! A tracing layer that keeps every span's name, parent and fields, to check the spans the
//! server opens.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone, Default)]
pub struct Captured {
    pub name: String,
    pub parent: Option<String>,
    pub fields: BTreeMap<String, String>,
    /// Entered at least once: the telemetry layers take a span's trace and span ids, which
    /// its log line carries, when it is first entered.
    pub entered: bool,
}

#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Index(usize);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl<S> tracing_subscriber::Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut captured = Captured {
            name: attrs.metadata().name().to_owned(),
            ..Captured::default()
        };
        attrs.record(&mut Fields(&mut captured.fields));
        let span = ctx.span(id).expect("the new span");
        captured.parent = span.parent().map(|p| p.name().to_owned());
        let mut all = self.0.lock().expect("not poisoned");
        span.extensions_mut().insert(Index(all.len()));
        all.push(captured);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a live span");
        if let Some(Index(i)) = span.extensions().get::<Index>() {
            self.0.lock().expect("not poisoned")[*i].entered = true;
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).expect("a live span");
        if let Some(Index(i)) = span.extensions().get::<Index>() {
            values.record(&mut Fields(
                &mut self.0.lock().expect("not poisoned")[*i].fields,
            ));
        }
    }
}

impl Capture {
    /// The `tools/call` spans opened so far for `user`, in order.
    pub fn tool_calls(&self, user: &str) -> Vec<Captured> {
        let all = self.0.lock().expect("not poisoned");
        all.iter()
            .filter(|s| s.name == "tools/call")
            .filter(|s| s.fields.get("user.id").map(String::as_str) == Some(user))
            .cloned()
            .collect()
    }
}

/// The process-wide capture. A global subscriber, not a scoped one: with tests running in
/// parallel, a scoped subscriber can miss spans whose callsite another thread registered first.
pub fn global() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(capture.clone()),
        )
        .expect("the only global subscriber of this test binary");
        capture
    })
}
