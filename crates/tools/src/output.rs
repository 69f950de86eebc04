//! [`ToolOutput`]: a tool's result, typed, in the contract's JSON shapes (CONTRACT.md §3).

use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use todo_domain::{Task, TaskId, Timestamp, timestamp};

/// What a tool answers. Kept typed rather than as a `serde_json::Value`: a `list_tasks` result
/// holds every task of the user, and building it as a JSON tree (a map and owned keys per
/// task), writing it out twice and dropping it cost more of the server's CPU in the `new` load
/// scenario than reading the tasks from the database (BENCHMARKS.md, "The fifth pass").
/// [`Serialize`] writes the contract's object; [`ToolOutput::to_value`] gives it as a tree
/// where one is wanted (MCP's structured content, tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolOutput {
    /// `list_tasks`: `{"tasks": [Task]}`, oldest first.
    Tasks(TaskList),
    /// A task added, completed, updated or deleted: `{"task_id", "status", "title"}`.
    Changed {
        task_id: TaskId,
        /// `created`, `completed`, `updated` or `deleted`.
        status: &'static str,
        title: String,
    },
    /// A call the model can correct (bad arguments, no such task, no such tool):
    /// `{"error": message}`.
    Error(String),
    /// A result held as its JSON text alone, once nothing reads it typed any more
    /// ([`ToolOutput::into_written`]): a listing at the end of an agent's run, which the chat
    /// answer carries as text.
    Written(WrittenResult),
}

impl ToolOutput {
    /// The outcome of a change to `task`.
    #[must_use]
    pub fn changed(task: &Task, status: &'static str) -> Self {
        Self::Changed {
            task_id: task.id,
            status,
            title: task.title.clone(),
        }
    }

    /// The result with a listing's tasks dropped and its JSON text kept, for a result that
    /// from now on is only written out (the other results are small and stay as they are). A
    /// listing chat's answer held a user's every task twice until it was sent, as tasks and as
    /// text: with 1,800 tasks ~230 kB beside the ~300 kB of text, in every listing chat in
    /// flight (BENCHMARKS.md, "The eighteenth pass").
    #[must_use]
    pub fn into_written(self) -> Self {
        match self {
            Self::Tasks(list) => Self::Written(WrittenResult(list.into_json())),
            other => other,
        }
    }

    /// The error message of an `{"error": …}` result.
    #[must_use]
    pub fn error(&self) -> Option<&str> {
        match self {
            Self::Error(message) => Some(message),
            _ => None,
        }
    }

    /// About how many bytes [`Serialize`] writes (exactly, for a listing, whose text is
    /// written here and kept): what a response holding the result reserves for it.
    #[must_use]
    pub fn json_size(&self) -> usize {
        match self {
            Self::Tasks(tasks) => tasks.json().len(),
            Self::Written(text) => text.get().len(),
            // `{"task_id":…,"status":"…","title":"…"}` takes at most 63 bytes besides the
            // title; the rest leaves room for a few escapes.
            Self::Changed { title, .. } => 72 + title.len(),
            Self::Error(message) => 16 + message.len(),
        }
    }

    /// The result as a JSON tree, as [`Serialize`] writes it.
    #[must_use]
    pub fn to_value(&self) -> Value {
        // A map with string keys of values that serialize: this cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// The tasks of a `list_tasks` result, and the result's JSON text, written the first time it
/// is wanted and kept: a chat that lists hundreds of tasks needs that text for the model (the
/// offline model's token count, the OpenAI adapter's tool message) and again for the chat
/// answer, and writing it was, twice, an eighth of the server's CPU under load (BENCHMARKS.md,
/// "The sixth pass"). Serialized as that text ([`Verbatim`]): the JSON serializers
/// (`to_writer`, `to_string`, `to_vec`, `to_value`) take it as it is; the service serializes a
/// result with nothing else.
#[derive(Debug, Clone, Default)]
pub struct TaskList {
    tasks: Vec<Task>,
    json: OnceLock<Box<str>>,
}

impl TaskList {
    /// `{"tasks": [...]}`, compact.
    #[must_use]
    pub fn json(&self) -> &str {
        self.json.get_or_init(|| listing_json(&self.tasks))
    }

    /// The tasks.
    #[must_use]
    pub fn into_vec(self) -> Vec<Task> {
        self.tasks
    }

    /// The JSON text ([`TaskList::json`]), the tasks dropped.
    fn into_json(self) -> Box<str> {
        match self.json.into_inner() {
            Some(json) => json,
            None => listing_json(&self.tasks),
        }
    }
}

/// A result's JSON text ([`ToolOutput::Written`]), compact, as [`ToolOutput`]'s `Serialize`
/// writes it.
#[derive(Debug, Clone)]
pub struct WrittenResult(Box<str>);

impl WrittenResult {
    /// The text.
    #[must_use]
    pub fn get(&self) -> &str {
        &self.0
    }

    /// The text, not copied: a response can send it as it is.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0.into_string()
    }
}

/// Two texts are equal when they are the same text.
impl PartialEq for WrittenResult {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl Eq for WrittenResult {}

/// `{"tasks": [...]}` exactly as serde_json writes it from the tasks' `Serialize` form
/// (compact, the contract's key order, [`timestamp::serialize`]'s times), but written here:
/// through serde, each key and each time went through serde_json's escape scan byte by byte,
/// and a 400-task listing took about a fifth of a listing chat's instructions (BENCHMARKS.md,
/// "The eighth pass"). Strings that need escaping, and times outside chrono's plain form, go
/// through serde_json as before. Held equal to the serde form by the tests below.
fn listing_json(tasks: &[Task]) -> Box<str> {
    // A task's keys, id, flag and two times take ~160 bytes (times with microseconds and an
    // offset); its title and description the rest. Growing the buffer by doubling instead
    // copied it once more (65 kB for 400 tasks).
    let texts: usize = tasks
        .iter()
        .map(|t| t.title.len() + t.description.as_ref().map_or(0, |d| d.len()))
        .sum();
    let mut out = Vec::with_capacity(16 + tasks.len() * 170 + texts);
    out.extend_from_slice(b"{\"tasks\":[");
    let mut id = itoa::Buffer::new();
    for (i, task) in tasks.iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"{\"id\":" } else { b",{\"id\":" });
        out.extend_from_slice(id.format(task.id.get()).as_bytes());
        out.extend_from_slice(b",\"title\":");
        push_str(&mut out, &task.title);
        out.extend_from_slice(b",\"description\":");
        match &task.description {
            Some(description) => push_str(&mut out, description),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(if task.completed {
            b",\"completed\":true,\"created_at\":"
        } else {
            b",\"completed\":false,\"created_at\":"
        });
        let created = out.len();
        push_time(&mut out, &task.created_at);
        let created = created..out.len();
        out.extend_from_slice(b",\"updated_at\":");
        if task.updated_at == task.created_at {
            // A task never changed since it was added (most of a listing): the same text.
            out.extend_from_within(created);
        } else {
            push_time(&mut out, &task.updated_at);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    // Whole UTF-8: the strings came in whole, everything else written is ASCII. Boxed, the
    // reserve beyond the text is given back in place (a large allocation shrinks without a
    // copy).
    String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        .into_boxed_str()
}

/// `text` as a JSON string, as serde_json writes it: it escapes `"`, `\` and the control
/// characters below 0x20, nothing else; a title or description rarely has one, and then
/// serde_json writes the whole string.
fn push_str(out: &mut Vec<u8>, text: &str) {
    // No early exit: the compiler checks many bytes per step.
    let plain = text.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string to a vector cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
    }
}

/// A task's time as [`timestamp::serialize`] writes it.
fn push_time(out: &mut Vec<u8>, at: &Timestamp) {
    struct Chrono<'a>(&'a Timestamp);
    impl Serialize for Chrono<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            timestamp::serialize(self.0, serializer)
        }
    }
    let mut buf = [0u8; 35];
    if let Some(len) = timestamp::write_utc(at, &mut buf) {
        out.push(b'"');
        out.extend_from_slice(&buf[..len]);
        out.push(b'"');
    } else {
        // A year outside 0..=9999 or a leap second: chrono's form. Cannot fail.
        let _ = serde_json::to_writer(&mut *out, &Chrono(at));
    }
}

/// A JSON text, serialized as it is, neither copied into a `RawValue` nor parsed again
/// (`RawValue::from_string` validates, which took longer than writing the listing; copying a
/// listing into one held it twice for a moment). serde_json writes a string given to it under
/// its raw-value marker as it is: that is how a `RawValue` serializes itself. Should a later
/// serde_json not know the marker ([`marker_known`], checked once), the text goes through a
/// `RawValue` after all, parsed each time.
struct Verbatim<'a>(&'a str);

impl Serialize for Verbatim<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if marker_known() {
            Marked(self.0).serialize(serializer)
        } else {
            Parsed(self.0).serialize(serializer)
        }
    }
}

/// `text` through a `RawValue`, parsed first.
struct Parsed<'a>(&'a str);

impl Serialize for Parsed<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::from_string(self.0.to_owned())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

/// `text` under serde_json's raw-value marker.
struct Marked<'a>(&'a str);

impl Serialize for Marked<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// serde_json's marker (`serde_json::raw::TOKEN`, private), as `RawValue`'s
        /// `Serialize` passes it.
        const RAW_VALUE: &str = "$serde_json::private::RawValue";
        let mut raw = serializer.serialize_struct(RAW_VALUE, 1)?;
        raw.serialize_field(RAW_VALUE, self.0)?;
        raw.end()
    }
}

/// Whether this serde_json writes a text under its raw-value marker as it is (were it not to,
/// it would write an object around it, longer than the text).
fn marker_known() -> bool {
    static KNOWN: OnceLock<bool> = OnceLock::new();
    *KNOWN.get_or_init(|| {
        serde_json::to_string(&Marked("{not json")).is_ok_and(|text| text == "{not json")
    })
}

impl From<Vec<Task>> for TaskList {
    fn from(tasks: Vec<Task>) -> Self {
        Self {
            tasks,
            json: OnceLock::new(),
        }
    }
}

impl std::ops::Deref for TaskList {
    type Target = [Task];

    fn deref(&self) -> &[Task] {
        &self.tasks
    }
}

/// Two listings are equal when their tasks are (the text follows from them).
impl PartialEq for TaskList {
    fn eq(&self, other: &Self) -> bool {
        self.tasks == other.tasks
    }
}

impl Eq for TaskList {}

/// The result's JSON text, compact (as the model and the content capture get it).
impl std::fmt::Display for ToolOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for ToolOutput {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Tasks(tasks) => Verbatim(tasks.json()).serialize(serializer),
            Self::Written(text) => Verbatim(text.get()).serialize(serializer),
            Self::Changed {
                task_id,
                status,
                title,
            } => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("task_id", task_id)?;
                map.serialize_entry("status", status)?;
                map.serialize_entry("title", title)?;
                map.end()
            }
            Self::Error(message) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("error", message)?;
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use todo_domain::UserId;

    use super::*;

    fn task(id: i64, description: Option<&str>) -> Task {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:15:30.123456Z")
            .expect("time")
            .with_timezone(&chrono::Utc);
        Task {
            id: TaskId::new(id).expect("id"),
            user_id: UserId::parse("alice").expect("user"),
            title: format!("buy \"milk\" {id} \u{2615}"),
            description: description.map(str::to_owned),
            completed: id % 2 == 0,
            created_at: at,
            updated_at: at,
        }
    }

    /// A listing's text is written once and is what every JSON serializer writes, inside a
    /// larger document too (as the chat answer is written); a clone keeps it.
    #[test]
    fn a_listing_is_written_once_and_the_same_everywhere() {
        #[derive(serde::Serialize)]
        struct Answer<'a> {
            response: &'a str,
            result: &'a ToolOutput,
        }
        let tasks: Vec<Task> = (1..=300)
            .map(|i| task(i, (i % 3 == 0).then_some("a\tb")))
            .collect();
        let listing = ToolOutput::Tasks(tasks.clone().into());
        let ToolOutput::Tasks(list) = &listing else {
            unreachable!("a listing")
        };
        assert_eq!(list.len(), 300);
        let text = list.json();
        assert!(std::ptr::eq(text, list.json()), "written once");
        let tree = json!({ "tasks": tasks });
        assert_eq!(serde_json::from_str::<Value>(text).expect("json"), tree);
        assert_eq!(listing.to_string(), text);
        let answer = serde_json::to_vec(&Answer {
            response: "Here are your tasks.",
            result: &listing,
        })
        .expect("json");
        assert_eq!(
            serde_json::from_slice::<Value>(&answer).expect("json"),
            json!({"response": "Here are your tasks.", "result": tree})
        );
        let mut written = Vec::new();
        serde_json::to_writer(&mut written, &listing).expect("json");
        assert_eq!(written, text.as_bytes());
        let copy = listing.clone();
        assert_eq!(copy, listing);
        assert_eq!(copy.to_string(), text);
        let ToolOutput::Tasks(copy) = copy else {
            unreachable!("a listing")
        };
        assert_eq!(copy.into_vec(), tasks);
    }

    /// A listing written out keeps its text, the same one, whether or not it was written
    /// before, and writes, measures and compares as the listing did; the other results stay
    /// as they are.
    #[test]
    fn a_written_listing_is_its_text() {
        let tasks: Vec<Task> = (1..=50).map(|i| task(i, Some("a\tb"))).collect();
        let fresh = ToolOutput::Tasks(tasks.clone().into());
        let seen = ToolOutput::Tasks(tasks.into());
        let ToolOutput::Tasks(list) = &seen else {
            unreachable!("a listing")
        };
        let text = list.json().to_owned();
        let at = list.json().as_ptr();
        let expected = seen.to_value();
        let seen = seen.into_written();
        let ToolOutput::Written(written) = &seen else {
            panic!("not written: {seen:?}")
        };
        assert_eq!(written.get().as_ptr(), at, "the text is kept, not copied");
        assert_eq!(written.get(), text);
        assert_eq!(seen.to_value(), expected);
        assert_eq!(seen.to_string(), text);
        assert_eq!(seen.json_size(), text.len());
        assert_eq!(serde_json::to_string(&seen).expect("json"), text);
        assert_eq!(seen.error(), None);
        let fresh = fresh.into_written();
        assert_eq!(fresh, seen, "written from the tasks when it was not yet");
        assert_eq!(seen.clone(), seen);
        assert_ne!(
            ToolOutput::Tasks(Vec::new().into()).into_written(),
            seen,
            "another text"
        );
        let ToolOutput::Written(written) = seen else {
            unreachable!("written")
        };
        let owned = written.into_string();
        assert_eq!(owned.as_ptr(), at, "handed over, not copied");
        for other in [
            ToolOutput::changed(&task(3, None), "deleted"),
            ToolOutput::Error("Task 3 not found".into()),
        ] {
            assert_eq!(other.clone().into_written(), other);
        }
    }

    /// A result's size is what it writes for a listing, and no less than it writes for a
    /// change or an error with a few escapes: a response reserves it and does not grow.
    #[test]
    fn a_result_knows_the_size_of_its_json() {
        let tasks: Vec<Task> = (1..=40).map(|i| task(i, Some("a\tb"))).collect();
        let listing = ToolOutput::Tasks(tasks.into());
        assert_eq!(listing.json_size(), listing.to_string().len());
        let long = task(i64::MAX, None);
        for result in [
            ToolOutput::changed(&long, "completed"),
            ToolOutput::Error("Task 123456789 not found".to_owned()),
        ] {
            let written = serde_json::to_vec(&result).expect("json").len();
            assert!(result.json_size() >= written, "{result}: {written}");
            assert!(result.json_size() < written + 32, "{result}: {written}");
        }
    }

    /// The hand-written listing is, byte for byte, what serde_json writes from the tasks'
    /// `Serialize` form: strings with and without escapes (every control character, quotes,
    /// backslashes, DEL, non-ASCII, line separators), no description, an empty one, both
    /// states, every width of fraction, the times chrono writes itself, the largest id.
    #[test]
    fn a_listing_is_written_as_serde_writes_the_tasks() {
        use chrono::{NaiveDate, TimeZone, Utc};

        #[derive(serde::Serialize)]
        struct Serde<'a> {
            tasks: &'a [Task],
        }
        // Each character serde_json escapes, alone in a string, then all of them together.
        let mut texts: Vec<String> = (0u8..0x20)
            .chain([b'"', b'\\'])
            .map(|b| format!("milk {} for 2", char::from(b)))
            .collect();
        texts.push((0u8..0x20).map(char::from).collect());
        texts.extend(
            [
                "",
                "buy milk",
                "tab\there\r\n\u{7f}",
                "caf\u{e9} \u{2615} \u{1f95b} \u{2028}\u{2029}",
                "a longer title, of more than thirty-two bytes, with nothing to escape",
            ]
            .map(str::to_owned),
        );
        let at = |nanos: u32| {
            Utc.from_utc_datetime(
                &NaiveDate::from_ymd_opt(2026, 11, 29)
                    .and_then(|d| d.and_hms_nano_opt(23, 59, 59, nanos))
                    .expect("time"),
            )
        };
        let times = [
            at(0),
            at(123_000_000),
            at(123_456_000),
            at(123_456_789),
            at(1_500_000_000), // a leap second: chrono's own form
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0)
                .single()
                .expect("year 10000"),
            Utc.with_ymd_and_hms(-5, 3, 1, 12, 0, 0)
                .single()
                .expect("year -5"),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0)
                .single()
                .expect("year 1"),
        ];
        let mut tasks = Vec::new();
        for (i, title) in texts.iter().enumerate() {
            for (j, description) in [None, Some(""), Some(texts[(i + 3) % texts.len()].as_str())]
                .into_iter()
                .enumerate()
            {
                let n = tasks.len();
                tasks.push(Task {
                    id: TaskId::new(if n == 0 {
                        i64::MAX
                    } else {
                        1 + i64::try_from(n).expect("n") * 97
                    })
                    .expect("id"),
                    user_id: UserId::parse("alice").expect("user"),
                    title: title.clone(),
                    description: description.map(str::to_owned),
                    completed: (i + j) % 2 == 0,
                    created_at: times[n % times.len()],
                    // A third never changed since added: the same time twice.
                    updated_at: times[(n + if n % 3 == 0 { 0 } else { 3 }) % times.len()],
                });
            }
        }
        for tasks in [&tasks[..], &tasks[..1], &[]] {
            let expected = serde_json::to_string(&Serde { tasks }).expect("json");
            assert_eq!(&*listing_json(tasks), expected);
        }
    }

    /// A listing's text is written as it is, not parsed again: serde_json's raw-value marker is
    /// still what this serde_json knows (were it not, this text, which does not parse, could
    /// not be written at all).
    #[test]
    fn a_written_text_is_kept_verbatim() {
        assert!(marker_known());
        for text in ["{\"tasks\": [1, 2]}", "{not json"] {
            assert_eq!(serde_json::to_string(&Verbatim(text)).expect("json"), text);
            let mut written = Vec::new();
            serde_json::to_writer(&mut written, &Verbatim(text)).expect("json");
            assert_eq!(written, text.as_bytes());
        }
        assert_eq!(
            serde_json::to_value(Verbatim("{\"tasks\": [1, 2]}")).expect("value"),
            json!({"tasks": [1, 2]})
        );
        // Without the marker: the same text, parsed first.
        assert_eq!(
            serde_json::to_string(&Parsed("{\"tasks\":[1,2]}")).expect("json"),
            "{\"tasks\":[1,2]}"
        );
        assert!(serde_json::to_string(&Parsed("{not json")).is_err());
    }

    /// The contract's shapes, and the same JSON a tree of the tasks' serde form would give.
    #[test]
    fn serializes_as_the_contract_says() {
        let tasks = vec![task(1, None), task(2, Some("before the 5th"))];
        let listing = ToolOutput::Tasks(tasks.clone().into());
        assert_eq!(listing.to_value(), json!({ "tasks": tasks }));
        assert_eq!(
            listing.to_value()["tasks"][1],
            json!({"id": 2, "title": "buy \"milk\" 2 \u{2615}", "description": "before the 5th",
                   "completed": true, "created_at": "2026-11-29T10:15:30.123456Z",
                   "updated_at": "2026-11-29T10:15:30.123456Z"})
        );
        assert_eq!(
            serde_json::from_str::<Value>(&listing.to_string()).expect("json"),
            listing.to_value()
        );
        let changed = ToolOutput::changed(&task(3, None), "completed");
        assert_eq!(
            changed.to_value(),
            json!({"task_id": 3, "status": "completed", "title": "buy \"milk\" 3 \u{2615}"})
        );
        assert_eq!(changed.error(), None);
        let error = ToolOutput::Error("task 9 not found".into());
        assert_eq!(error.to_value(), json!({"error": "task 9 not found"}));
        assert_eq!(error.error(), Some("task 9 not found"));
        assert_eq!(
            ToolOutput::Tasks(Vec::new().into()).to_value(),
            json!({"tasks": []})
        );
    }
}
