//! The state machine: from the exchange so far, what an LLM would do next.
//!
//! The last user message is the command. The tool results the agent fed back after it say
//! how far the work has got:
//!
//! | results so far | next step |
//! |---|---|
//! | none | the action itself, or `list_tasks` (status `all`) when a task is named by title |
//! | `{"error": …}` from any tool | a text answer repeating the error |
//! | `list_tasks`, for a listing | a text answer listing the tasks |
//! | `list_tasks`, for a title lookup | the action on the one matching id, or a question back |
//! | the action's result | a text answer confirming it |
//!
//! So a command takes at most two tool rounds and always ends in text.

use serde_json::{Map, Value, json};
use todo_agent::ChatMessage;
use todo_domain::TaskStatusFilter;
use todo_tools::ToolOutput;

use crate::intent::{Intent, TaskRef, parse};
use crate::reply;

pub(crate) const ADD_TASK: &str = "add_task";
pub(crate) const LIST_TASKS: &str = "list_tasks";
pub(crate) const COMPLETE_TASK: &str = "complete_task";
pub(crate) const UPDATE_TASK: &str = "update_task";
pub(crate) const DELETE_TASK: &str = "delete_task";

/// What the model does in this round.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    /// Ask the agent to run a tool with these (JSON object) arguments.
    Call {
        name: &'static str,
        arguments: Value,
    },
    /// Answer the user; the turn ends.
    Reply(String),
}

/// A task as `list_tasks` reports it (the fields the replies need), borrowed from the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListedTask<'a> {
    pub id: i64,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub completed: bool,
}

/// A tool result the agent fed back after the user's message.
struct Observation<'a> {
    name: &'a str,
    result: &'a ToolOutput,
}

/// The next step for this exchange.
pub(crate) fn plan(messages: &[ChatMessage]) -> Step {
    let Some((index, command)) = messages
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, m)| match m {
            ChatMessage::User(text) => Some((i, text)),
            _ => None,
        })
    else {
        return Step::Reply(reply::help(true));
    };
    let observations: Vec<Observation<'_>> = messages[index + 1..]
        .iter()
        .filter_map(|m| match m {
            ChatMessage::Tool { name, result, .. } => Some(Observation {
                name,
                result: result.as_ref(),
            }),
            _ => None,
        })
        .collect();
    next(&parse(command), &observations)
}

fn next(intent: &Intent, observations: &[Observation<'_>]) -> Step {
    let Some(last) = observations.last() else {
        return first_step(intent);
    };
    if let Some(error) = last.result.error() {
        return Step::Reply(reply::tool_error(error));
    }
    let result = last.result;
    match (intent, last.name) {
        (Intent::List { status }, LIST_TASKS) => {
            Step::Reply(reply::task_list(&listed_tasks(result), *status))
        }
        (_, LIST_TASKS) if observations.len() == 1 => match target(intent) {
            Some(TaskRef::Title(query)) => resolve_then_act(intent, query, &listed_tasks(result)),
            _ => Step::Reply(reply::task_list(
                &listed_tasks(result),
                TaskStatusFilter::All,
            )),
        },
        (Intent::Add { description, .. }, ADD_TASK) => {
            Step::Reply(reply::added(result, description.as_deref()))
        }
        (Intent::Complete { .. }, COMPLETE_TASK) => Step::Reply(reply::completed(result)),
        (Intent::Update { changes, .. }, UPDATE_TASK) => {
            Step::Reply(reply::updated(result, changes))
        }
        (Intent::Delete { .. }, DELETE_TASK) => Step::Reply(reply::deleted(result)),
        // A result this plan never asks for at this point: say what happened and stop.
        (_, LIST_TASKS) => Step::Reply(reply::task_list(
            &listed_tasks(result),
            TaskStatusFilter::All,
        )),
        (_, name) => Step::Reply(reply::generic(name, result)),
    }
}

fn first_step(intent: &Intent) -> Step {
    match intent {
        Intent::Add { title, description } => {
            let mut arguments = Map::new();
            arguments.insert("title".into(), json!(title));
            if let Some(description) = description {
                arguments.insert("description".into(), json!(description));
            }
            Step::Call {
                name: ADD_TASK,
                arguments: Value::Object(arguments),
            }
        }
        Intent::List { status } => Step::Call {
            name: LIST_TASKS,
            arguments: json!({ "status": status.as_str() }),
        },
        Intent::Unsupported { reason } => Step::Reply((*reason).to_owned()),
        Intent::Help => Step::Reply(reply::help(true)),
        Intent::Unknown => Step::Reply(reply::help(false)),
        Intent::Complete { task } | Intent::Update { task, .. } | Intent::Delete { task } => {
            match task {
                TaskRef::Id(id) => act_on(intent, *id),
                // Like an LLM: look the title up first.
                TaskRef::Title(_) => Step::Call {
                    name: LIST_TASKS,
                    arguments: json!({ "status": TaskStatusFilter::All.as_str() }),
                },
            }
        }
    }
}

fn target(intent: &Intent) -> Option<&TaskRef> {
    match intent {
        Intent::Complete { task } | Intent::Update { task, .. } | Intent::Delete { task } => {
            Some(task)
        }
        _ => None,
    }
}

/// The tool call that carries out `intent` on task `id`.
fn act_on(intent: &Intent, id: i64) -> Step {
    match intent {
        Intent::Complete { .. } => Step::Call {
            name: COMPLETE_TASK,
            arguments: json!({ "task_id": id }),
        },
        Intent::Delete { .. } => Step::Call {
            name: DELETE_TASK,
            arguments: json!({ "task_id": id }),
        },
        Intent::Update { changes, .. } => {
            let mut arguments = Map::new();
            arguments.insert("task_id".into(), json!(id));
            if let Some(title) = &changes.title {
                arguments.insert("title".into(), json!(title));
            }
            if let Some(description) = &changes.description {
                arguments.insert("description".into(), json!(description));
            }
            Step::Call {
                name: UPDATE_TASK,
                arguments: Value::Object(arguments),
            }
        }
        _ => Step::Reply(reply::help(false)),
    }
}

/// The outcome of looking a title up among the user's tasks.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolution<'a> {
    Found(&'a ListedTask<'a>),
    Ambiguous(Vec<&'a ListedTask<'a>>),
    NotFound,
}

fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Case-insensitive exact title first, then a unique substring; more than one candidate at
/// either stage is ambiguous.
pub(crate) fn resolve<'a>(query: &str, tasks: &'a [ListedTask<'a>]) -> Resolution<'a> {
    let query = normalize(query);
    let exact: Vec<&ListedTask> = tasks
        .iter()
        .filter(|t| normalize(t.title) == query)
        .collect();
    let candidates = if exact.is_empty() {
        tasks
            .iter()
            .filter(|t| normalize(t.title).contains(&query))
            .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [] => Resolution::NotFound,
        [one] => Resolution::Found(one),
        _ => Resolution::Ambiguous(candidates),
    }
}

fn resolve_then_act(intent: &Intent, query: &str, tasks: &[ListedTask<'_>]) -> Step {
    match resolve(query, tasks) {
        Resolution::Found(task) => act_on(intent, task.id),
        Resolution::Ambiguous(candidates) => {
            Step::Reply(reply::ambiguous(intent, query, &candidates))
        }
        Resolution::NotFound => Step::Reply(reply::no_match(query, tasks.is_empty())),
    }
}

/// The tasks of a `list_tasks` result (none for any other result).
pub(crate) fn listed_tasks(result: &ToolOutput) -> Vec<ListedTask<'_>> {
    match result {
        ToolOutput::Tasks(tasks) => tasks
            .iter()
            .map(|t| ListedTask {
                id: t.id.get(),
                title: &t.title,
                description: t.description.as_deref(),
                completed: t.completed,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use todo_agent::ToolCallRequest;

    use super::*;
    use crate::testing::output;

    fn user(text: &str) -> ChatMessage {
        ChatMessage::User(text.into())
    }

    fn called(name: &str, arguments: &Value) -> ChatMessage {
        ChatMessage::Assistant {
            content: None,
            tool_calls: vec![ToolCallRequest {
                id: "call_1".into(),
                name: name.into(),
                arguments: arguments.to_string(),
            }],
        }
    }

    fn tool(name: &str, result: &Value) -> ChatMessage {
        ChatMessage::Tool {
            call_id: "call_1".into(),
            name: name.into(),
            result: output(result).into(),
        }
    }

    fn tasks() -> Value {
        json!({"tasks": [
            {"id": 1, "title": "buy milk", "description": null, "completed": false},
            {"id": 2, "title": "Pay rent", "description": "before the 5th", "completed": true},
            {"id": 4, "title": "milk the cow", "description": null, "completed": false},
            {"id": 5, "title": "call mom", "description": null, "completed": false},
        ]})
    }

    fn call(name: &'static str, arguments: Value) -> Step {
        Step::Call { name, arguments }
    }

    fn reply_of(step: Step) -> String {
        match step {
            Step::Reply(text) => text,
            Step::Call { name, .. } => panic!("expected a reply, got a call to {name}"),
        }
    }

    #[test]
    fn first_round_calls_the_action_or_looks_the_title_up() {
        let system = ChatMessage::System("be helpful".into());
        assert_eq!(
            plan(&[system.clone(), user("add a task to buy milk")]),
            call(ADD_TASK, json!({"title": "buy milk"}))
        );
        assert_eq!(
            plan(&[user("add 'pay rent' with description 'before the 5th'")]),
            call(
                ADD_TASK,
                json!({"title": "pay rent", "description": "before the 5th"})
            )
        );
        assert_eq!(
            plan(&[user("show my pending tasks")]),
            call(LIST_TASKS, json!({"status": "pending"}))
        );
        assert_eq!(
            plan(&[user("mark task 3 as done")]),
            call(COMPLETE_TASK, json!({"task_id": 3}))
        );
        assert_eq!(
            plan(&[user("delete #2")]),
            call(DELETE_TASK, json!({"task_id": 2}))
        );
        assert_eq!(
            plan(&[user("rename task 1 to call dad")]),
            call(UPDATE_TASK, json!({"task_id": 1, "title": "call dad"}))
        );
        assert_eq!(
            plan(&[user("clear the description of task 2")]),
            call(UPDATE_TASK, json!({"task_id": 2, "description": null}))
        );
        assert_eq!(
            plan(&[user("I finished buy milk")]),
            call(LIST_TASKS, json!({"status": "all"}))
        );
    }

    #[test]
    fn only_the_last_user_message_counts() {
        let old_round = [
            user("delete task 9"),
            called(DELETE_TASK, &json!({"task_id": 9})),
            tool(
                DELETE_TASK,
                &json!({"task_id": 9, "status": "deleted", "title": "x"}),
            ),
            ChatMessage::Assistant {
                content: Some("Deleted task 9 'x'.".into()),
                tool_calls: vec![],
            },
            user("list tasks"),
        ];
        assert_eq!(plan(&old_round), call(LIST_TASKS, json!({"status": "all"})));
        assert!(reply_of(plan(&[])).contains("add a task to buy milk"));
    }

    #[test]
    fn a_title_lookup_acts_on_the_matching_id() {
        let lookup = |command: &str| {
            plan(&[
                user(command),
                called(LIST_TASKS, &json!({"status": "all"})),
                tool(LIST_TASKS, &tasks()),
            ])
        };
        assert_eq!(
            lookup("I finished buy milk"),
            call(COMPLETE_TASK, json!({"task_id": 1}))
        );
        // Exact (case-insensitive) beats substring: "pay rent" is exact for #2.
        assert_eq!(
            lookup("remove PAY RENT"),
            call(DELETE_TASK, json!({"task_id": 2}))
        );
        // Unique substring.
        assert_eq!(
            lookup("mark cow as done"),
            call(COMPLETE_TASK, json!({"task_id": 4}))
        );
        assert_eq!(
            lookup("rename mom to call dad"),
            call(UPDATE_TASK, json!({"task_id": 5, "title": "call dad"}))
        );
        let ambiguous = reply_of(lookup("delete milk"));
        assert!(ambiguous.contains("#1 'buy milk'"), "{ambiguous}");
        assert!(ambiguous.contains("#4 'milk the cow'"), "{ambiguous}");
        assert!(ambiguous.contains("delete task 1"), "{ambiguous}");
        let missing = reply_of(lookup("complete walk the dog"));
        assert!(missing.contains("'walk the dog'"), "{missing}");
    }

    #[test]
    fn the_action_result_becomes_the_answer() {
        let after = |command: &str, name: &str, result: Value| {
            reply_of(plan(&[
                user(command),
                called(name, &json!({})),
                tool(name, &result),
            ]))
        };
        assert_eq!(
            after(
                "add buy milk",
                ADD_TASK,
                json!({"task_id": 3, "status": "created", "title": "buy milk"})
            ),
            "Added task 'buy milk' (#3)."
        );
        assert_eq!(
            after(
                "mark task 3 as done",
                COMPLETE_TASK,
                json!({"task_id": 3, "status": "completed", "title": "buy milk"})
            ),
            "Marked task 3 'buy milk' as completed."
        );
        assert_eq!(
            after(
                "delete task 7",
                DELETE_TASK,
                json!({"error": "task 7 not found"})
            ),
            "Task 7 not found."
        );
        assert_eq!(
            after(
                "delete task 2",
                DELETE_TASK,
                json!({"task_id": 2, "status": "deleted", "title": "x"})
            ),
            "Deleted task 2 'x'."
        );
        let listing = after("show my tasks", LIST_TASKS, tasks());
        assert!(listing.starts_with("You have 4 tasks:"), "{listing}");
        assert!(listing.contains("#2 Pay rent (done)"), "{listing}");
        assert!(listing.contains("#1 buy milk (pending)"), "{listing}");
        assert_eq!(
            after("list completed tasks", LIST_TASKS, json!({"tasks": []})),
            "You have no completed tasks."
        );
    }

    #[test]
    fn the_title_lookup_then_action_then_answer() {
        let messages = [
            user("I finished buy milk"),
            called(LIST_TASKS, &json!({"status": "all"})),
            tool(LIST_TASKS, &tasks()),
            called(COMPLETE_TASK, &json!({"task_id": 1})),
            tool(
                COMPLETE_TASK,
                &json!({"task_id": 1, "status": "completed", "title": "buy milk"}),
            ),
        ];
        assert_eq!(
            reply_of(plan(&messages)),
            "Marked task 1 'buy milk' as completed."
        );
    }

    #[test]
    fn resolution_rules() {
        let result = output(&tasks());
        let listed = listed_tasks(&result);
        assert_eq!(listed.len(), 4);
        assert_eq!(resolve("Buy Milk", &listed), Resolution::Found(&listed[0]));
        assert_eq!(
            resolve("  buy   milk ", &listed),
            Resolution::Found(&listed[0])
        );
        assert_eq!(resolve("rent", &listed), Resolution::Found(&listed[1]));
        assert_eq!(
            resolve("milk", &listed),
            Resolution::Ambiguous(vec![&listed[0], &listed[2]])
        );
        assert_eq!(resolve("dog", &listed), Resolution::NotFound);
        assert_eq!(resolve("dog", &[]), Resolution::NotFound);
        let result = output(&json!({"tasks": [
            {"id": 1, "title": "milk", "completed": false},
            {"id": 2, "title": "MILK", "completed": true},
            {"id": 3, "title": "buy milk", "completed": false},
        ]}));
        let twins = listed_tasks(&result);
        assert_eq!(
            resolve("milk", &twins),
            Resolution::Ambiguous(vec![&twins[0], &twins[1]])
        );
    }

    #[test]
    fn help_and_nonsense_answer_without_tools() {
        let help = reply_of(plan(&[user("help")]));
        assert!(help.contains("mark task 3 as done"), "{help}");
        let bulk = reply_of(plan(&[user("delete all tasks")]));
        assert!(
            bulk.starts_with("I can only act on one task at a time"),
            "{bulk}"
        );
        let reopen = reply_of(plan(&[user("mark task 2 as not done")]));
        assert!(
            reopen.starts_with("I can't mark a task as not done"),
            "{reopen}"
        );
        let nonsense = reply_of(plan(&[user("asdf qwerty")]));
        assert!(nonsense.starts_with("Sorry"), "{nonsense}");
        assert!(nonsense.contains("add a task to buy milk"), "{nonsense}");
    }

    #[test]
    fn only_a_listing_lists_tasks() {
        let listing = output(&tasks());
        assert_eq!(
            listed_tasks(&listing)[1],
            ListedTask {
                id: 2,
                title: "Pay rent",
                description: Some("before the 5th"),
                completed: true
            }
        );
        assert!(listed_tasks(&output(&json!({"error": "task 9 not found"}))).is_empty());
        assert!(
            listed_tasks(&output(
                &json!({"task_id": 1, "status": "deleted", "title": "x"})
            ))
            .is_empty()
        );
    }
}
