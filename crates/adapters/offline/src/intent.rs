//! What a user's message asks for: the [`Intent`] and the pure [`parse`] function.
//!
//! The parser works on the message after [`clean`] (politeness and trailing punctuation gone,
//! whitespace collapsed). It tries, in order: help, listing, updating, completing (verb
//! first), deleting, adding, and completing stated as a fact ("task 3 is done"). Each rule is
//! anchored at the start (or, for the last one, the end) of the message, so a title may hold
//! any word without being mistaken for a command. Titles and descriptions keep the case the
//! user typed; quotes (straight or curly) delimit them when they hold keywords such as " to ".

use todo_domain::TaskStatusFilter;

use crate::text::{
    Prefer, clean, find_earliest_ci, quoted, strip_any_prefix, strip_any_suffix, strip_prefix_ci,
    strip_suffix_ci, unquote,
};

/// How the user named a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskRef {
    /// By its number: "task 3", "#3".
    Id(i64),
    /// By (part of) its title, resolved against the user's tasks by listing them first.
    Title(String),
}

/// The fields an update changes; `description: Some(None)` clears the description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
}

/// What a message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intent {
    Add {
        title: String,
        description: Option<String>,
    },
    List {
        status: TaskStatusFilter,
    },
    Complete {
        task: TaskRef,
    },
    Update {
        task: TaskRef,
        changes: TaskChanges,
    },
    Delete {
        task: TaskRef,
    },
    /// Understood, but no tool can do it (reopening a task, acting on all tasks at once):
    /// answered with `reason`, no tool call.
    Unsupported {
        reason: &'static str,
    },
    /// The user asked what the assistant can do, or only greeted or thanked it.
    Help,
    /// Nothing the parser understands.
    Unknown,
}

/// Parses one user message. Pure and total: anything not understood is [`Intent::Unknown`].
#[must_use]
pub fn parse(message: &str) -> Intent {
    let text = clean(message);
    if text.is_empty() || is_help(&text) {
        return Intent::Help;
    }
    parse_list(&text)
        .or_else(|| parse_update(&text))
        .or_else(|| parse_complete_verb(&text))
        .or_else(|| parse_delete(&text))
        .or_else(|| parse_add(&text))
        .or_else(|| parse_complete_fact(&text))
        .unwrap_or(Intent::Unknown)
}

fn is_help(text: &str) -> bool {
    const HELP: &[&str] = &[
        "help",
        "?",
        "what can you do",
        "what can i do",
        "what can i say",
        "what do you do",
        "how does this work",
        "how do i use this",
        "how do you work",
        "commands",
        "usage",
        "menu",
        "good morning",
        "good evening",
        "good afternoon",
    ];
    HELP.iter()
        .any(|h| strip_prefix_ci(text, h).is_some_and(str::is_empty))
}

// ---------------------------------------------------------------------------------------------
// list

/// Words a listing request may start with.
const LIST_STARTERS: &[&str] = &[
    "show",
    "list",
    "display",
    "view",
    "see",
    "get",
    "give",
    "tell",
    "what",
    "what's",
    "whats",
    "which",
    "how",
    "do",
    "are",
    "any",
    "my",
    "all",
    "everything",
    "tasks",
    "todos",
    "to-dos",
    "pending",
    "completed",
    "done",
    "finished",
    "open",
    "remaining",
    "outstanding",
    "unfinished",
    "incomplete",
];

/// Words that say which tasks, or nothing at all; a listing request holds no other word.
const LIST_FILLER: &[&str] = &[
    "show",
    "list",
    "display",
    "view",
    "see",
    "get",
    "give",
    "tell",
    "what",
    "what's",
    "whats",
    "which",
    "how",
    "many",
    "do",
    "does",
    "did",
    "i",
    "i've",
    "ive",
    "i'm",
    "me",
    "my",
    "mine",
    "all",
    "the",
    "a",
    "of",
    "on",
    "in",
    "are",
    "is",
    "there",
    "any",
    "have",
    "has",
    "got",
    "need",
    "still",
    "yet",
    "already",
    "so",
    "far",
    "right",
    "now",
    "currently",
    "current",
    "else",
    "to",
    "that",
    "and",
    "or",
    "with",
    "their",
    "status",
    "everything",
    "ones",
    "task",
    "tasks",
    "todo",
    "todos",
    "to-do",
    "to-dos",
    "list",
    "items",
    "item",
    "things",
    "stuff",
    "not",
    "were",
    "was",
    "been",
    "at",
    "moment",
    "today",
];

/// Words that name a kind of thing to list; a listing without a verb needs one.
const LIST_NOUNS: &[&str] = &[
    "task",
    "tasks",
    "todo",
    "todos",
    "to-do",
    "to-dos",
    "list",
    "items",
    "item",
    "things",
    "stuff",
    "everything",
];

const PENDING_WORDS: &[&str] = &[
    "pending",
    "open",
    "incomplete",
    "unfinished",
    "uncompleted",
    "undone",
    "remaining",
    "outstanding",
    "left",
    "active",
];

const COMPLETED_WORDS: &[&str] = &[
    "completed",
    "complete",
    "done",
    "finished",
    "finish",
    "closed",
];

const LIST_VERBS: &[&str] = &[
    "show", "list", "display", "view", "see", "get", "give", "tell",
];

fn parse_list(text: &str) -> Option<Intent> {
    let lower = text.to_lowercase().replace('\u{2019}', "'");
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ':' | '?' | '!' | '.'))
        .filter(|w| !w.is_empty())
        .collect();
    let first = *words.first()?;
    if !LIST_STARTERS.contains(&first) {
        return None;
    }
    let known = |w: &&str| {
        LIST_FILLER.contains(w) || PENDING_WORDS.contains(w) || COMPLETED_WORDS.contains(w)
    };
    if !words.iter().all(known) {
        return None;
    }
    let (mut pending, mut completed, mut negate) = (false, false, false);
    for (i, w) in words.iter().enumerate() {
        if *w == "not" {
            negate = true;
            continue;
        }
        if PENDING_WORDS.contains(w) {
            if negate {
                completed = true
            } else {
                pending = true
            }
        } else if COMPLETED_WORDS.contains(w) {
            if negate {
                pending = true
            } else {
                completed = true
            }
        } else if *w == "to" && words.get(i + 1) == Some(&"do") && words.get(i + 2) != Some(&"list")
        {
            // "what do I have to do": what is still open.
            pending = true;
        }
        negate = false;
    }
    let has_noun = words.iter().any(|w| LIST_NOUNS.contains(w));
    let is_verb = LIST_VERBS.contains(&first);
    if !(has_noun || pending || completed || is_verb) {
        return None;
    }
    let status = match (pending, completed) {
        (true, false) => TaskStatusFilter::Pending,
        (false, true) => TaskStatusFilter::Completed,
        _ => TaskStatusFilter::All,
    };
    Some(Intent::List { status })
}

// ---------------------------------------------------------------------------------------------
// task references

/// How a task is named: "task 3", "#3", "task number 3", "buy milk", "the milk task",
/// "'buy milk'". `None` when nothing is left to name it.
pub(crate) fn parse_task_ref(raw: &str) -> Option<TaskRef> {
    let raw = raw
        .trim()
        .trim_end_matches(['.', '!', '?', ',', ';', ':'])
        .trim();
    const ID_PREFIXES: &[&str] = &[
        "the task number",
        "task number",
        "task no.",
        "task no",
        "the task",
        "my task",
        "task",
        "number",
        "no.",
        "item",
        "todo",
        "to-do",
        "the one",
    ];
    let digits = strip_any_prefix(raw, ID_PREFIXES).unwrap_or(raw);
    let digits = strip_prefix_ci(digits, "#").unwrap_or(digits);
    if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        return digits.parse::<i64>().ok().map(TaskRef::Id);
    }
    const TITLE_PREFIXES: &[&str] = &[
        "the task called",
        "the task named",
        "the task titled",
        "task called",
        "task named",
        "task titled",
        "the one called",
        "the one named",
        "the task",
        "my task",
        "task",
    ];
    let mut title = strip_any_prefix(raw, TITLE_PREFIXES)
        .filter(|t| !t.is_empty())
        .unwrap_or(raw);
    // "the milk task" names the task "… milk …".
    if quoted(title).is_none()
        && let Some(rest) = strip_any_suffix(title, &["task"])
        && !rest.is_empty()
    {
        title = strip_prefix_ci(rest, "the")
            .filter(|r| !r.is_empty())
            .unwrap_or(rest);
    }
    let title = unquote(title);
    (!title.is_empty()).then(|| TaskRef::Title(title.to_owned()))
}

// ---------------------------------------------------------------------------------------------
// complete

const DONE_WORDS: &[&str] = &["done", "complete", "completed", "finished"];

/// Words that ask for a task to be open again, which no tool does.
const REOPEN_WORDS: &[&str] = &[
    "not done",
    "not complete",
    "not completed",
    "not finished",
    "pending",
    "incomplete",
    "uncompleted",
    "unfinished",
    "undone",
    "open",
    "to do",
    "todo",
];

pub(crate) const CANNOT_REOPEN: &str =
    "I can't mark a task as not done: I can only mark tasks as completed.";
pub(crate) const ONE_AT_A_TIME: &str = "I can only act on one task at a time: name it by \
     number or title, for example \"delete task 2\" or \"mark buy milk as done\".";

/// "all tasks", "everything", "all completed tasks": no tool acts on many tasks at once.
fn names_all_tasks(target: &str) -> bool {
    let lower = target.to_lowercase();
    let mut words = lower.split_whitespace();
    words
        .next()
        .is_some_and(|w| matches!(w, "all" | "every" | "everything" | "each"))
        && words.all(|w| {
            LIST_FILLER.contains(&w) || PENDING_WORDS.contains(&w) || COMPLETED_WORDS.contains(&w)
        })
}

fn unsupported(reason: &'static str) -> Option<Intent> {
    Some(Intent::Unsupported { reason })
}

/// "mark task 3 as not done", "reopen buy milk", "uncheck #2".
fn parse_reopen(text: &str) -> Option<Intent> {
    const VERBS: &[&str] = &[
        "reopen",
        "re-open",
        "uncomplete",
        "unmark",
        "uncheck",
        "untick",
    ];
    if strip_any_prefix(text, VERBS).is_some_and(|rest| !rest.is_empty()) {
        return unsupported(CANNOT_REOPEN);
    }
    let rest = strip_any_prefix(text, &["mark", "set", "flag"])?;
    let reopened = REOPEN_WORDS.iter().any(|w| {
        [
            format!("as {w}"),
            format!("to {w}"),
            format!("back to {w}"),
            (*w).to_owned(),
        ]
        .iter()
        .any(|suffix| strip_suffix_ci(rest, suffix).is_some_and(|t| !t.is_empty()))
    });
    if reopened {
        unsupported(CANNOT_REOPEN)
    } else {
        None
    }
}

/// "mark task 3 as done", "complete #3", "I finished buy milk", "check off buy milk".
fn parse_complete_verb(text: &str) -> Option<Intent> {
    const MARK: &[&str] = &["mark", "set", "flag", "tick", "check"];
    const MARK_SUFFIXES: &[&str] = &[
        "as done",
        "as complete",
        "as completed",
        "as finished",
        "done",
        "complete",
        "completed",
        "finished",
        "to done",
        "to complete",
        "to completed",
        "as being done",
        "off",
    ];
    if let Some(intent) = parse_reopen(text) {
        return Some(intent);
    }
    if let Some(rest) = strip_any_prefix(text, MARK)
        && let Some(target) = strip_any_suffix(rest, MARK_SUFFIXES)
    {
        let target = strip_any_prefix(target, &["off"]).unwrap_or(target);
        if names_all_tasks(target) {
            return unsupported(ONE_AT_A_TIME);
        }
        // "mark as done" names no task: understood, but not actionable.
        return Some(
            parse_task_ref(target).map_or(Intent::Unknown, |task| Intent::Complete { task }),
        );
    }
    const PREFIXES: &[&str] = &[
        "mark off",
        "check off",
        "tick off",
        "cross off",
        "cross out",
        "complete",
        "finish",
        "close",
        "finished",
        "completed",
        "i finished",
        "i've finished",
        "ive finished",
        "i have finished",
        "i just finished",
        "just finished",
        "i completed",
        "i've completed",
        "i have completed",
        "i just completed",
        "i did",
        "i've done",
        "i have done",
        "i'm done with",
        "im done with",
        "i am done with",
        "done with",
        "i'm finished with",
        "i am finished with",
    ];
    let rest = strip_any_prefix(text, PREFIXES)?;
    let rest = strip_any_suffix(rest, &["off"]).unwrap_or(rest);
    if names_all_tasks(rest) {
        return unsupported(ONE_AT_A_TIME);
    }
    parse_task_ref(rest).map(|task| Intent::Complete { task })
}

/// "task 3 is done", "buy milk is finished", "buy milk done".
fn parse_complete_fact(text: &str) -> Option<Intent> {
    const SUFFIXES: &[&str] = &[
        "is done",
        "is complete",
        "is completed",
        "is finished",
        "is now done",
        "is now complete",
        "is now completed",
        "is now finished",
        "is done now",
        "is complete now",
        "has been done",
        "has been completed",
        "has been finished",
        "was done",
        "was completed",
        "was finished",
        "are done",
        "done",
        "completed",
        "finished",
    ];
    let rest = strip_any_suffix(text, SUFFIXES)?;
    parse_task_ref(rest).map(|task| Intent::Complete { task })
}

// ---------------------------------------------------------------------------------------------
// update

/// "rename task 1 to call dad", "change the description of task 2 to bring ID",
/// "update task 2 title to X", "clear the description of task 2".
fn parse_update(text: &str) -> Option<Intent> {
    if let Some(intent) = parse_clear_description(text) {
        return Some(intent);
    }
    const VERBS: &[&str] = &[
        "rename", "retitle", "change", "update", "set", "edit", "modify", "alter",
    ];
    let rest = strip_any_prefix(text, VERBS)?;
    let is_rename = strip_any_prefix(text, &["rename", "retitle"]).is_some();
    #[derive(Clone, Copy, PartialEq)]
    enum Field {
        Title,
        Description,
    }
    const TITLE_OF: &[&str] = &["the title of", "title of", "the name of", "name of"];
    const DESCRIPTION_OF: &[&str] = &[
        "the description of",
        "description of",
        "the desc of",
        "desc of",
        "the details of",
        "details of",
        "the notes of",
        "notes of",
        "the note of",
        "note of",
        "the description for",
        "description for",
    ];
    let (field, rest) = if let Some(r) = strip_any_prefix(rest, TITLE_OF) {
        (Some(Field::Title), r)
    } else if let Some(r) = strip_any_prefix(rest, DESCRIPTION_OF) {
        (Some(Field::Description), r)
    } else {
        (None, rest)
    };
    let (target, value) = split_once_ci(rest, &[" to ", " as ", " into ", ": "])?;
    let (field, target) = match field {
        Some(f) => (f, target),
        None => {
            const TITLE_SUFFIX: &[&str] = &["'s title", "title", "'s name", "name"];
            const DESCRIPTION_SUFFIX: &[&str] = &[
                "'s description",
                "description",
                "'s desc",
                "desc",
                "'s details",
                "details",
                "'s notes",
                "notes",
            ];
            if let Some(t) = strip_any_suffix(target, DESCRIPTION_SUFFIX) {
                (Field::Description, t)
            } else if let Some(t) = strip_any_suffix(target, TITLE_SUFFIX) {
                (Field::Title, t)
            } else {
                (Field::Title, target)
            }
        }
    };
    let value = unquote(value);
    if value.is_empty() {
        return None;
    }
    let task = parse_task_ref(target)?;
    // "set task 3 to pending" asks for what no tool does, not a rename to "pending".
    if !is_rename
        && field == Field::Title
        && REOPEN_WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
    {
        return unsupported(CANNOT_REOPEN);
    }
    // "set task 3 to done" is a completion, not a rename to "done".
    if !is_rename
        && field == Field::Title
        && DONE_WORDS.iter().any(|w| value.eq_ignore_ascii_case(w))
    {
        return Some(Intent::Complete { task });
    }
    let changes = match field {
        Field::Title => TaskChanges {
            title: Some(value.to_owned()),
            description: None,
        },
        Field::Description => TaskChanges {
            title: None,
            description: Some(Some(value.to_owned())),
        },
    };
    Some(Intent::Update { task, changes })
}

/// "clear the description of task 2", "remove the description from buy milk".
fn parse_clear_description(text: &str) -> Option<Intent> {
    const VERBS: &[&str] = &["clear", "remove", "delete", "erase", "drop", "empty"];
    const FIELD: &[&str] = &[
        "the description of",
        "description of",
        "the description from",
        "description from",
        "the description on",
        "description on",
    ];
    let rest = strip_any_prefix(text, VERBS)?;
    let target = match strip_any_prefix(rest, FIELD) {
        Some(target) => target,
        // "clear task 2's description" (only with "clear": "delete X description" may be a title)
        None => strip_prefix_ci(text, "clear")
            .and_then(|r| strip_any_suffix(r, &["'s description", "description"]))?,
    };
    let task = parse_task_ref(target)?;
    Some(Intent::Update {
        task,
        changes: TaskChanges {
            title: None,
            description: Some(None),
        },
    })
}

/// Splits at the first of `separators` (outside quotes) found earliest in `s`; both sides
/// trimmed and non-empty.
fn split_once_ci<'a>(s: &'a str, separators: &[&str]) -> Option<(&'a str, &'a str)> {
    let (start, end) = find_earliest_ci(s, separators, Prefer::Shortest)?;
    let (left, right) = (s[..start].trim(), s[end..].trim());
    (!left.is_empty() && !right.is_empty()).then_some((left, right))
}

// ---------------------------------------------------------------------------------------------
// delete

/// "delete task 2", "remove buy milk", "delete #2".
fn parse_delete(text: &str) -> Option<Intent> {
    const VERBS: &[&str] = &[
        "delete",
        "remove",
        "erase",
        "drop",
        "get rid of",
        "cancel",
        "trash",
        "discard",
        "scrap",
        "scratch",
        "forget about",
        "forget",
        "del",
    ];
    let rest = strip_any_prefix(text, VERBS)?;
    let rest = strip_any_suffix(rest, FROM_LIST).unwrap_or(rest);
    if names_all_tasks(rest) {
        return unsupported(ONE_AT_A_TIME);
    }
    parse_task_ref(rest).map(|task| Intent::Delete { task })
}

const FROM_LIST: &[&str] = &[
    "from my list",
    "from the list",
    "from my tasks",
    "from the tasks",
    "from tasks",
    "from list",
    "from my to-do list",
    "from my todo list",
    "from my to do list",
    "from the to-do list",
    "from the todo list",
    "from my todos",
];

// ---------------------------------------------------------------------------------------------
// add

/// "add a task to buy milk", "remind me to call mom", "add 'pay rent' with description
/// 'before the 5th'", "create a task: buy milk", "new task buy milk".
fn parse_add(text: &str) -> Option<Intent> {
    const PREFIXES: &[&str] = &[
        "add",
        "add a task",
        "add a new task",
        "add new task",
        "add task",
        "add a task to",
        "add a new task to",
        "add new task to",
        "add task to",
        "add a task called",
        "add a task named",
        "add a task titled",
        "add a new task called",
        "add task called",
        "add task named",
        "add a to-do",
        "add a todo",
        "add todo",
        "add to-do",
        "add a reminder to",
        "add an item",
        "add item",
        "create",
        "create a task",
        "create a new task",
        "create new task",
        "create task",
        "create a task to",
        "create a new task to",
        "create task to",
        "create a task called",
        "create a task named",
        "create a new task called",
        "create a todo",
        "create a to-do",
        "make a task",
        "make a new task",
        "make a task to",
        "new task",
        "new task to",
        "new task called",
        "new todo",
        "new to-do",
        "new item",
        "remind me to",
        "remind me",
        "remember to",
        "don't forget to",
        "dont forget to",
        "i need to",
        "i have to",
        "i must",
        "i should",
        "i gotta",
        "todo",
        "to-do",
        "put",
        "note down",
        "jot down",
        "write down",
    ];
    let rest = strip_any_prefix(text, PREFIXES)?;
    let (title, description) = split_description(rest);
    if title.is_empty() {
        return None;
    }
    Some(Intent::Add {
        title: title.to_owned(),
        description: description
            .map(unquote)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    })
}

const TO_LIST: &[&str] = &[
    "to my list",
    "to the list",
    "to my tasks",
    "to the tasks",
    "to tasks",
    "to list",
    "to my to-do list",
    "to my todo list",
    "to my to do list",
    "to the to-do list",
    "to the todo list",
    "to my todos",
    "on my list",
    "on the list",
    "on my to-do list",
    "on my todo list",
];

const DESCRIPTION_MARKERS: &[&str] = &[
    "with description",
    "with the description",
    "with a description",
    "with description of",
    "with a description of",
    "with desc",
    "with note",
    "with a note",
    "with the note",
    "with notes",
    "with details",
    "with the details",
    "description:",
    "desc:",
    "described as",
    "details:",
    "notes:",
    "note:",
];

/// [`DESCRIPTION_MARKERS`] each after a space, as a description marker must come after the
/// title: made once, not on every message.
static SPACED_DESCRIPTION_MARKERS: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(|| {
        DESCRIPTION_MARKERS
            .iter()
            .map(|m| format!(" {m}"))
            .collect()
    });

/// Splits "pay rent with description before the 5th" into title and (still quoted)
/// description; the title loses its quotes and a trailing "to my list".
fn split_description(rest: &str) -> (&str, Option<&str>) {
    // A quoted title, optionally followed by "to my list" and/or a description.
    if let Some((inside, after)) = quoted(rest) {
        let after = strip_any_prefix(after, TO_LIST).unwrap_or(after);
        if after.is_empty() {
            return (inside, None);
        }
        if let Some(description) = strip_any_prefix(after, DESCRIPTION_MARKERS) {
            return (inside, Some(description));
        }
    }
    // The earliest marker after a space; at the same place, the longest.
    let marker = find_earliest_ci(rest, &SPACED_DESCRIPTION_MARKERS, Prefer::Longest);
    let (title, description) = match marker {
        Some((start, end)) => (
            rest[..start].trim(),
            Some(rest[end..].trim_start_matches([':', ' '])),
        ),
        None => (rest, None),
    };
    let title = strip_any_suffix(title, TO_LIST).unwrap_or(title);
    (unquote(title), description)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(title: &str, description: Option<&str>) -> Intent {
        Intent::Add {
            title: title.into(),
            description: description.map(Into::into),
        }
    }
    fn list(status: TaskStatusFilter) -> Intent {
        Intent::List { status }
    }
    fn id(n: i64) -> TaskRef {
        TaskRef::Id(n)
    }
    fn title(t: &str) -> TaskRef {
        TaskRef::Title(t.into())
    }
    fn complete(task: TaskRef) -> Intent {
        Intent::Complete { task }
    }
    fn delete(task: TaskRef) -> Intent {
        Intent::Delete { task }
    }
    fn rename(task: TaskRef, to: &str) -> Intent {
        Intent::Update {
            task,
            changes: TaskChanges {
                title: Some(to.into()),
                description: None,
            },
        }
    }
    fn describe(task: TaskRef, d: &str) -> Intent {
        Intent::Update {
            task,
            changes: TaskChanges {
                title: None,
                description: Some(Some(d.into())),
            },
        }
    }

    fn check(cases: &[(&str, Intent)]) {
        for (message, expected) in cases {
            assert_eq!(&parse(message), expected, "parsing {message:?}");
        }
    }

    #[test]
    fn add_phrasings() {
        check(&[
            ("add a task to buy milk", add("buy milk", None)),
            ("remind me to call mom", add("call mom", None)),
            (
                "add 'pay rent' with description 'before the 5th'",
                add("pay rent", Some("before the 5th")),
            ),
            (
                "add \"pay rent\" with description \"before the 5th\"",
                add("pay rent", Some("before the 5th")),
            ),
            ("add buy milk", add("buy milk", None)),
            ("create a task: buy milk", add("buy milk", None)),
            ("new task buy milk", add("buy milk", None)),
        ]);
    }

    #[test]
    fn add_variants_keep_case_and_strip_politeness() {
        check(&[
            ("Please add a task to Buy Milk!", add("Buy Milk", None)),
            ("ADD A TASK TO buy milk, thanks", add("buy milk", None)),
            ("Can you remind me to call Mom?", add("call Mom", None)),
            (
                "could you add buy milk to my list please",
                add("buy milk", None),
            ),
            (
                "add pay rent with description before the 5th",
                add("pay rent", Some("before the 5th")),
            ),
            (
                "add pay rent description: before the 5th",
                add("pay rent", Some("before the 5th")),
            ),
            ("Add \u{201C}pay rent\u{201D}", add("pay rent", None)),
            ("add 'go to the gym'", add("go to the gym", None)),
            ("add 'mom's birthday'", add("mom's birthday", None)),
            (
                "add a new task called water plants",
                add("water plants", None),
            ),
            ("add a taskforce memo", add("a taskforce memo", None)),
            (
                "i need to renew my passport",
                add("renew my passport", None),
            ),
            ("new task: buy milk", add("buy milk", None)),
            ("add 'say thanks'", add("say thanks", None)),
            ("add 'write to my list'", add("write to my list", None)),
            ("add 'buy milk' to my list", add("buy milk", None)),
            (
                "add pay rent to my list with note by Friday",
                add("pay rent", Some("by Friday")),
            ),
        ]);
    }

    #[test]
    fn list_phrasings() {
        check(&[
            ("show my tasks", list(TaskStatusFilter::All)),
            ("what's pending", list(TaskStatusFilter::Pending)),
            ("list completed tasks", list(TaskStatusFilter::Completed)),
            ("show my pending tasks", list(TaskStatusFilter::Pending)),
            ("what do I have to do", list(TaskStatusFilter::Pending)),
            ("list tasks", list(TaskStatusFilter::All)),
        ]);
    }

    #[test]
    fn list_variants() {
        check(&[
            ("What\u{2019}s pending?", list(TaskStatusFilter::Pending)),
            (
                "Can you show me all my tasks, please?",
                list(TaskStatusFilter::All),
            ),
            ("what's on my to-do list", list(TaskStatusFilter::All)),
            ("what's left", list(TaskStatusFilter::Pending)),
            ("what have I done", list(TaskStatusFilter::Completed)),
            (
                "show tasks that are not done",
                list(TaskStatusFilter::Pending),
            ),
            (
                "show pending and completed tasks",
                list(TaskStatusFilter::All),
            ),
            ("tasks", list(TaskStatusFilter::All)),
            ("do I have any tasks", list(TaskStatusFilter::All)),
            ("list", list(TaskStatusFilter::All)),
        ]);
        assert_eq!(parse("what's the weather"), Intent::Unknown);
        assert_eq!(parse("what"), Intent::Unknown);
    }

    #[test]
    fn complete_phrasings() {
        check(&[
            ("mark task 3 as done", complete(id(3))),
            ("complete #3", complete(id(3))),
            ("I finished buy milk", complete(title("buy milk"))),
            ("task 3 is done", complete(id(3))),
            ("mark buy milk as complete", complete(title("buy milk"))),
        ]);
    }

    #[test]
    fn complete_variants() {
        check(&[
            ("Please mark task #3 as completed.", complete(id(3))),
            ("mark task number 12 done", complete(id(12))),
            ("check off buy milk", complete(title("buy milk"))),
            ("tick buy milk off", complete(title("buy milk"))),
            ("I'm done with the laundry", complete(title("the laundry"))),
            (
                "I\u{2019}ve finished 'buy milk'",
                complete(title("buy milk")),
            ),
            ("buy milk is finished", complete(title("buy milk"))),
            ("mark the milk task as done", complete(title("milk"))),
            ("set task 4 to done", complete(id(4))),
            (
                "finish task called water plants",
                complete(title("water plants")),
            ),
        ]);
    }

    #[test]
    fn update_phrasings() {
        check(&[
            ("rename task 1 to call dad", rename(id(1), "call dad")),
            (
                "change the description of task 2 to bring ID",
                describe(id(2), "bring ID"),
            ),
            ("update task 2 title to X", rename(id(2), "X")),
        ]);
    }

    #[test]
    fn update_variants() {
        check(&[
            (
                "Rename buy milk to buy oat milk",
                rename(title("buy milk"), "buy oat milk"),
            ),
            (
                "rename 'go to gym' to 'go to the gym'",
                rename(title("go to gym"), "go to the gym"),
            ),
            (
                "change task 2's description to bring ID",
                describe(id(2), "bring ID"),
            ),
            (
                "update the title of #4 to Walk the dog",
                rename(id(4), "Walk the dog"),
            ),
            (
                "set the description of pay rent to by transfer",
                describe(title("pay rent"), "by transfer"),
            ),
            (
                "update task 2 description to 'before noon'",
                describe(id(2), "before noon"),
            ),
            (
                "change task 5 to feed the cat",
                rename(id(5), "feed the cat"),
            ),
            (
                "clear the description of task 2",
                Intent::Update {
                    task: id(2),
                    changes: TaskChanges {
                        title: None,
                        description: Some(None),
                    },
                },
            ),
            (
                "remove the description from buy milk",
                Intent::Update {
                    task: title("buy milk"),
                    changes: TaskChanges {
                        title: None,
                        description: Some(None),
                    },
                },
            ),
            ("rename task 1 to done", rename(id(1), "done")),
        ]);
        assert_eq!(parse("rename task 1"), Intent::Unknown);
        assert_eq!(parse("rename task 1 to"), Intent::Unknown);
    }

    #[test]
    fn delete_phrasings() {
        check(&[
            ("delete task 2", delete(id(2))),
            ("remove buy milk", delete(title("buy milk"))),
            ("delete #2", delete(id(2))),
        ]);
    }

    #[test]
    fn delete_variants() {
        check(&[
            ("Could you delete task 2, please?", delete(id(2))),
            ("remove buy milk from my list", delete(title("buy milk"))),
            ("get rid of 'pay rent'", delete(title("pay rent"))),
            ("DELETE TASK NUMBER 7", delete(id(7))),
        ]);
    }

    #[test]
    fn what_no_tool_does_is_understood_and_declined() {
        let reopen = Intent::Unsupported {
            reason: CANNOT_REOPEN,
        };
        let bulk = Intent::Unsupported {
            reason: ONE_AT_A_TIME,
        };
        check(&[
            ("mark task 4 as not done", reopen.clone()),
            ("mark buy milk as pending", reopen.clone()),
            ("set task 4 to incomplete", reopen.clone()),
            ("reopen task 4", reopen.clone()),
            ("uncheck buy milk", reopen.clone()),
            ("delete all tasks", bulk.clone()),
            ("remove all my completed tasks", bulk.clone()),
            ("mark all tasks as done", bulk.clone()),
            ("complete everything", bulk.clone()),
        ]);
        // A title merely starting with "all" is still a title.
        assert_eq!(
            parse("delete all hands meeting"),
            delete(title("all hands meeting"))
        );
        assert_eq!(
            parse("mark open the mail as done"),
            complete(title("open the mail"))
        );
    }

    #[test]
    fn help_and_unknown() {
        for help in [
            "help",
            "Help!",
            "hi",
            "hello there?",
            "thanks!",
            "what can you do?",
            "   ",
        ] {
            let parsed = parse(help);
            assert!(
                matches!(parsed, Intent::Help | Intent::Unknown),
                "{help:?} gave {parsed:?}"
            );
        }
        assert_eq!(parse("help"), Intent::Help);
        assert_eq!(parse("hi"), Intent::Help);
        assert_eq!(parse("thanks!"), Intent::Help);
        assert_eq!(parse("What can you do?"), Intent::Help);
        assert_eq!(parse("asdf qwerty zxcv"), Intent::Unknown);
        assert_eq!(parse("the sky is blue"), Intent::Unknown);
        assert_eq!(parse("add"), Intent::Unknown);
        assert_eq!(parse("add a task"), Intent::Unknown);
        assert_eq!(parse("delete"), Intent::Unknown);
        assert_eq!(parse("mark as done"), Intent::Unknown);
    }

    #[test]
    fn task_references() {
        assert_eq!(parse_task_ref("task 3"), Some(id(3)));
        assert_eq!(parse_task_ref("#3"), Some(id(3)));
        assert_eq!(parse_task_ref("the task number 3"), Some(id(3)));
        assert_eq!(parse_task_ref("no. 3"), Some(id(3)));
        assert_eq!(parse_task_ref("task buy milk"), Some(title("buy milk")));
        assert_eq!(parse_task_ref("'task 3'"), Some(title("task 3")));
        assert_eq!(parse_task_ref("  "), None);
        assert_eq!(parse_task_ref("task"), Some(title("task")));
        assert_eq!(parse_task_ref("task -1"), Some(title("-1")));
        assert_eq!(parse_task_ref("task 0"), Some(id(0)));
    }
}
