//! The text answers: confirmations built from the tools' results (what actually happened,
//! not what was asked), listings, questions back, and help.

use std::fmt::Write as _;

use todo_domain::TaskStatusFilter;
use todo_tools::ToolOutput;

use crate::intent::{Intent, TaskChanges};
use crate::plan::ListedTask;

const EXAMPLES: &[&str] = &[
    "add a task to buy milk",
    "add 'pay rent' with description 'before the 5th'",
    "show my pending tasks",
    "mark task 3 as done",
    "rename task 1 to call mom",
    "delete task 2",
];

/// What the assistant can do; `asked` is false when the message was not understood.
pub(crate) fn help(asked: bool) -> String {
    let mut text = String::from(if asked {
        "I manage your to-do list. Try for example:"
    } else {
        "Sorry, I didn't understand that. I manage your to-do list; try for example:"
    });
    for example in EXAMPLES {
        let _ = write!(text, "\n- {example}");
    }
    text
}

fn id_of(result: &ToolOutput) -> String {
    match result {
        ToolOutput::Changed { task_id, .. } => task_id.to_string(),
        _ => "?".to_owned(),
    }
}

fn title_of(result: &ToolOutput) -> &str {
    match result {
        ToolOutput::Changed { title, .. } => title,
        _ => "",
    }
}

pub(crate) fn added(result: &ToolOutput, description: Option<&str>) -> String {
    let mut text = format!("Added task '{}' (#{})", title_of(result), id_of(result));
    if let Some(description) = description {
        let _ = write!(text, " with description '{description}'");
    }
    text.push('.');
    text
}

pub(crate) fn completed(result: &ToolOutput) -> String {
    format!(
        "Marked task {} '{}' as completed.",
        id_of(result),
        title_of(result)
    )
}

pub(crate) fn deleted(result: &ToolOutput) -> String {
    format!("Deleted task {} '{}'.", id_of(result), title_of(result))
}

pub(crate) fn updated(result: &ToolOutput, changes: &TaskChanges) -> String {
    let (id, title) = (id_of(result), title_of(result));
    match (&changes.title, &changes.description) {
        (Some(_), None) => format!("Renamed task {id} to '{title}'."),
        (None, Some(Some(description))) => {
            format!("Updated the description of task {id} '{title}' to '{description}'.")
        }
        (None, Some(None)) => format!("Cleared the description of task {id} '{title}'."),
        _ => format!("Updated task {id} '{title}'."),
    }
}

/// A tool's `{"error": …}` told to the person: "task 7 not found" → "Task 7 not found."
pub(crate) fn tool_error(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    // An identifier such as "task_id" keeps its spelling.
    let identifier = message
        .split_whitespace()
        .next()
        .is_some_and(|w| w.contains('_'));
    let mut text = match chars.next() {
        None => "That did not work".to_owned(),
        Some(_) if identifier => message.to_owned(),
        Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

/// A result this model did not expect at this point (only reachable with a hand-made
/// exchange): report it plainly.
pub(crate) fn generic(name: &str, result: &ToolOutput) -> String {
    match result {
        ToolOutput::Changed { status, .. } => {
            format!("Task {} '{}' {status}.", id_of(result), title_of(result))
        }
        _ => format!("Done ({name})."),
    }
}

/// Appends a listing's line for `task`: `\n- #<id> <title> (done|pending)`, and ` — <description>`
/// where there is one. Pieces pushed, not `write!`: through `core::fmt` the lines of a
/// 400-task listing took 6% of a listing chat's instructions (BENCHMARKS.md, "The eighth
/// pass").
fn line(text: &mut String, task: &ListedTask<'_>, id: &mut itoa::Buffer) {
    text.push_str("\n- #");
    text.push_str(id.format(task.id));
    text.push(' ');
    text.push_str(task.title);
    text.push_str(if task.completed {
        " (done)"
    } else {
        " (pending)"
    });
    if let Some(description) = task.description.filter(|d| !d.is_empty()) {
        text.push_str(" \u{2014} ");
        text.push_str(description);
    }
}

pub(crate) fn task_list(tasks: &[ListedTask<'_>], status: TaskStatusFilter) -> String {
    let kind = match status {
        TaskStatusFilter::All => "",
        TaskStatusFilter::Pending => "pending ",
        TaskStatusFilter::Completed => "completed ",
    };
    if tasks.is_empty() {
        return format!("You have no {kind}tasks.");
    }
    let noun = if tasks.len() == 1 { "task" } else { "tasks" };
    // One allocation for a listing of hundreds of lines: the text's length is known up to
    // each id's digits and each description.
    let capacity = 32
        + tasks
            .iter()
            .map(|t| 32 + t.title.len() + t.description.map_or(0, |d| d.len() + 5))
            .sum::<usize>();
    let mut text = String::with_capacity(capacity);
    let _ = write!(text, "You have {} {kind}{noun}:", tasks.len());
    let mut id = itoa::Buffer::new();
    for task in tasks {
        line(&mut text, task, &mut id);
    }
    text
}

/// The command to type to act on task `id`, for a question back.
fn example_for(intent: &Intent, id: i64) -> String {
    match intent {
        Intent::Complete { .. } => format!("complete task {id}"),
        Intent::Delete { .. } => format!("delete task {id}"),
        Intent::Update { changes, .. } => match (&changes.title, &changes.description) {
            (Some(title), _) => format!("rename task {id} to {title}"),
            (None, Some(Some(description))) => {
                format!("change the description of task {id} to {description}")
            }
            _ => format!("clear the description of task {id}"),
        },
        _ => format!("task {id}"),
    }
}

pub(crate) fn ambiguous(intent: &Intent, query: &str, candidates: &[&ListedTask<'_>]) -> String {
    let listed = candidates
        .iter()
        .map(|t| {
            let state = if t.completed { "done" } else { "pending" };
            format!("#{} '{}' ({state})", t.id, t.title)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let example = candidates
        .first()
        .map_or_else(String::new, |t| example_for(intent, t.id));
    format!(
        "Which task do you mean? {} tasks match '{query}': {listed}. \
         Tell me its number, for example \"{example}\".",
        candidates.len()
    )
}

pub(crate) fn no_match(query: &str, no_tasks_at_all: bool) -> String {
    if no_tasks_at_all {
        format!("You have no tasks yet, so none matches '{query}'.")
    } else {
        format!("I couldn't find a task matching '{query}'. Say \"show my tasks\" to see them all.")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::intent::TaskRef;
    use crate::testing::output;

    fn task(id: i64, title: &str, completed: bool) -> ListedTask<'_> {
        ListedTask {
            id,
            title,
            description: None,
            completed,
        }
    }

    #[test]
    fn confirmations_use_the_result() {
        let result = output(&json!({"task_id": 3, "status": "created", "title": "pay rent"}));
        assert_eq!(added(&result, None), "Added task 'pay rent' (#3).");
        assert_eq!(
            added(&result, Some("before the 5th")),
            "Added task 'pay rent' (#3) with description 'before the 5th'."
        );
        let rename = TaskChanges {
            title: Some("call dad".into()),
            description: None,
        };
        let result = output(&json!({"task_id": 1, "status": "updated", "title": "call dad"}));
        assert_eq!(updated(&result, &rename), "Renamed task 1 to 'call dad'.");
        let describe = TaskChanges {
            title: None,
            description: Some(Some("bring ID".into())),
        };
        let result = output(&json!({"task_id": 2, "status": "updated", "title": "visit bank"}));
        assert_eq!(
            updated(&result, &describe),
            "Updated the description of task 2 'visit bank' to 'bring ID'."
        );
        let clear = TaskChanges {
            title: None,
            description: Some(None),
        };
        assert_eq!(
            updated(&result, &clear),
            "Cleared the description of task 2 'visit bank'."
        );
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(tool_error("task 7 not found"), "Task 7 not found.");
        assert_eq!(
            tool_error("title must not be empty"),
            "Title must not be empty."
        );
        assert_eq!(tool_error("already fine!"), "Already fine!");
        assert_eq!(tool_error(""), "That did not work.");
        assert_eq!(
            tool_error("task_id must be a positive integer"),
            "task_id must be a positive integer."
        );
    }

    #[test]
    fn listings() {
        assert_eq!(task_list(&[], TaskStatusFilter::All), "You have no tasks.");
        assert_eq!(
            task_list(&[], TaskStatusFilter::Pending),
            "You have no pending tasks."
        );
        let mut rent = task(2, "pay rent", true);
        rent.description = Some("before the 5th");
        assert_eq!(
            task_list(&[task(1, "buy milk", false), rent], TaskStatusFilter::All),
            "You have 2 tasks:\n- #1 buy milk (pending)\n- #2 pay rent (done) \u{2014} before the 5th"
        );
        assert_eq!(
            task_list(&[task(1, "buy milk", false)], TaskStatusFilter::Pending),
            "You have 1 pending task:\n- #1 buy milk (pending)"
        );
    }

    #[test]
    fn questions_back_offer_a_command() {
        let (a, b) = (task(1, "buy milk", false), task(4, "milk the cow", true));
        let intent = Intent::Update {
            task: TaskRef::Title("milk".into()),
            changes: TaskChanges {
                title: Some("buy oat milk".into()),
                description: None,
            },
        };
        assert_eq!(
            ambiguous(&intent, "milk", &[&a, &b]),
            "Which task do you mean? 2 tasks match 'milk': #1 'buy milk' (pending), \
             #4 'milk the cow' (done). Tell me its number, for example \
             \"rename task 1 to buy oat milk\"."
        );
        assert!(no_match("dog", true).contains("no tasks yet"));
        assert!(no_match("dog", false).contains("couldn't find a task matching 'dog'"));
    }

    #[test]
    fn help_lists_examples() {
        assert!(help(true).starts_with("I manage your to-do list."));
        assert!(help(false).starts_with("Sorry, I didn't understand that."));
        for example in EXAMPLES {
            assert!(help(false).contains(example));
            let parsed = crate::intent::parse(example);
            assert!(
                !matches!(parsed, Intent::Help | Intent::Unknown),
                "the example {example:?} must be understood"
            );
        }
    }
}
