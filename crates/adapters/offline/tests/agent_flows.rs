//! The offline model driving the real agent loop over the real task tools: every multi-round
//! flow an LLM would go through, end to end.

use std::sync::Arc;

use serde_json::json;
use todo_agent::{Agent, AgentConfig, AgentOutcome, AgentRunner, ToolCallRecord};
use todo_domain::testing::InMemoryTaskRepository;
use todo_domain::{ConversationId, MessageContent, Task, TaskRepository, TaskStatusFilter, UserId};
use todo_offline::OfflineModel;
use todo_tools::ToolSet;

struct Harness {
    repo: Arc<InMemoryTaskRepository>,
    agent: Agent,
    user: UserId,
}

impl Harness {
    fn new() -> Self {
        let repo = Arc::new(InMemoryTaskRepository::new());
        let tools = ToolSet::task_tools(repo.clone(), |t| t);
        let agent = Agent::new(Arc::new(OfflineModel::new()), tools, AgentConfig::default());
        Self {
            repo,
            agent,
            user: UserId::parse("alice").expect("user id"),
        }
    }

    async fn say(&self, message: &str) -> AgentOutcome {
        let conversation = ConversationId::new(1).expect("conversation id");
        let message = MessageContent::parse(message).expect("message");
        self.agent
            .run(&self.user, conversation, Vec::new(), &message)
            .await
            .expect("agent run")
    }

    async fn tasks(&self) -> Vec<Task> {
        self.repo
            .list_tasks(&self.user, TaskStatusFilter::All)
            .await
            .expect("list")
    }

    /// Adds the tasks through the agent, checking each confirmation.
    async fn seed(&self, titles: &[&str]) {
        for title in titles {
            let outcome = self.say(&format!("add a task to {title}")).await;
            assert!(
                outcome
                    .response
                    .starts_with(&format!("Added task '{title}'")),
                "{outcome:?}"
            );
        }
    }
}

fn names(calls: &[ToolCallRecord]) -> Vec<&str> {
    calls.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn add_stores_the_task_and_confirms_it() {
    let h = Harness::new();
    let outcome = h.say("Please add a task to buy milk!").await;
    assert_eq!(outcome.response, "Added task 'buy milk' (#1).");
    assert_eq!(outcome.tool_calls.len(), 1);
    assert_eq!(outcome.tool_calls[0].name, "add_task");
    assert_eq!(
        outcome.tool_calls[0].arguments,
        json!({"title": "buy milk"})
    );
    assert_eq!(
        outcome.tool_calls[0].result.to_value(),
        json!({"task_id": 1, "status": "created", "title": "buy milk"})
    );

    let outcome = h
        .say("add 'pay rent' with description \"before the 5th\"")
        .await;
    assert_eq!(
        outcome.response,
        "Added task 'pay rent' (#2) with description 'before the 5th'."
    );
    let tasks = h.tasks().await;
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[1].title, "pay rent");
    assert_eq!(tasks[1].description.as_deref(), Some("before the 5th"));
}

#[tokio::test]
async fn list_shows_tasks_by_status() {
    let h = Harness::new();
    assert_eq!(h.say("show my tasks").await.response, "You have no tasks.");
    h.seed(&["buy milk", "pay rent"]).await;
    h.say("mark task 2 as done").await;

    let all = h.say("show my tasks").await;
    assert_eq!(names(&all.tool_calls), ["list_tasks"]);
    assert_eq!(all.tool_calls[0].arguments, json!({"status": "all"}));
    assert_eq!(
        all.response,
        "You have 2 tasks:\n- #1 buy milk (pending)\n- #2 pay rent (done)"
    );

    let pending = h.say("what's pending?").await;
    assert_eq!(
        pending.tool_calls[0].arguments,
        json!({"status": "pending"})
    );
    assert_eq!(
        pending.response,
        "You have 1 pending task:\n- #1 buy milk (pending)"
    );

    let completed = h.say("list completed tasks").await;
    assert_eq!(
        completed.response,
        "You have 1 completed task:\n- #2 pay rent (done)"
    );
}

#[tokio::test]
async fn complete_by_id_takes_one_round() {
    let h = Harness::new();
    h.seed(&["buy milk"]).await;
    let outcome = h.say("mark task 1 as done").await;
    assert_eq!(names(&outcome.tool_calls), ["complete_task"]);
    assert_eq!(outcome.tool_calls[0].arguments, json!({"task_id": 1}));
    assert_eq!(outcome.response, "Marked task 1 'buy milk' as completed.");
    assert!(h.tasks().await[0].completed);
}

#[tokio::test]
async fn complete_by_title_looks_it_up_first() {
    let h = Harness::new();
    h.seed(&["buy milk", "call mom"]).await;
    let outcome = h.say("I finished Call Mom").await;
    assert_eq!(names(&outcome.tool_calls), ["list_tasks", "complete_task"]);
    assert_eq!(outcome.tool_calls[0].arguments, json!({"status": "all"}));
    assert_eq!(outcome.tool_calls[1].arguments, json!({"task_id": 2}));
    assert_eq!(outcome.response, "Marked task 2 'call mom' as completed.");
    let tasks = h.tasks().await;
    assert!(!tasks[0].completed);
    assert!(tasks[1].completed);
}

#[tokio::test]
async fn an_ambiguous_title_asks_back_and_changes_nothing() {
    let h = Harness::new();
    h.seed(&["buy milk", "milk the cow"]).await;
    let outcome = h.say("delete milk").await;
    assert_eq!(names(&outcome.tool_calls), ["list_tasks"]);
    assert_eq!(
        outcome.response,
        "Which task do you mean? 2 tasks match 'milk': #1 'buy milk' (pending), \
         #2 'milk the cow' (pending). Tell me its number, for example \"delete task 1\"."
    );
    assert_eq!(h.tasks().await.len(), 2);

    let missing = h.say("complete walk the dog").await;
    assert_eq!(names(&missing.tool_calls), ["list_tasks"]);
    assert!(
        missing
            .response
            .contains("couldn't find a task matching 'walk the dog'")
    );
    assert!(h.tasks().await.iter().all(|t| !t.completed));
}

#[tokio::test]
async fn rename_and_describe() {
    let h = Harness::new();
    h.seed(&["call mom", "visit bank"]).await;
    let outcome = h.say("rename task 1 to call dad").await;
    assert_eq!(names(&outcome.tool_calls), ["update_task"]);
    assert_eq!(
        outcome.tool_calls[0].arguments,
        json!({"task_id": 1, "title": "call dad"})
    );
    assert_eq!(outcome.response, "Renamed task 1 to 'call dad'.");

    let outcome = h
        .say("change the description of visit bank to bring ID")
        .await;
    assert_eq!(names(&outcome.tool_calls), ["list_tasks", "update_task"]);
    assert_eq!(
        outcome.response,
        "Updated the description of task 2 'visit bank' to 'bring ID'."
    );

    let tasks = h.tasks().await;
    assert_eq!(tasks[0].title, "call dad");
    assert_eq!(tasks[1].description.as_deref(), Some("bring ID"));
}

#[tokio::test]
async fn delete_by_title() {
    let h = Harness::new();
    h.seed(&["buy milk", "pay rent"]).await;
    let outcome = h.say("remove buy milk").await;
    assert_eq!(names(&outcome.tool_calls), ["list_tasks", "delete_task"]);
    assert_eq!(outcome.tool_calls[1].arguments, json!({"task_id": 1}));
    assert_eq!(outcome.response, "Deleted task 1 'buy milk'.");
    let tasks = h.tasks().await;
    assert_eq!(
        tasks.iter().map(|t| t.title.as_str()).collect::<Vec<_>>(),
        ["pay rent"]
    );
}

#[tokio::test]
async fn an_unknown_id_gets_the_tool_error_as_reply() {
    let h = Harness::new();
    h.seed(&["buy milk"]).await;
    let outcome = h.say("delete task 42").await;
    assert_eq!(names(&outcome.tool_calls), ["delete_task"]);
    assert_eq!(
        outcome.tool_calls[0].result.to_value(),
        json!({"error": "task 42 not found"})
    );
    assert_eq!(outcome.response, "Task 42 not found.");
    assert_eq!(h.tasks().await.len(), 1);
}

#[tokio::test]
async fn gibberish_gets_help_without_tools() {
    let h = Harness::new();
    let outcome = h.say("blorp zzz qwerty").await;
    assert!(outcome.tool_calls.is_empty());
    assert!(
        outcome
            .response
            .starts_with("Sorry, I didn't understand that.")
    );
    assert!(outcome.response.contains("add a task to buy milk"));
    assert!(h.tasks().await.is_empty());
}

#[tokio::test]
async fn a_title_flow_fits_in_three_model_calls() {
    // Two tool rounds (look up, act) and the answer: a tight round limit is enough.
    let repo = Arc::new(InMemoryTaskRepository::new());
    let config = AgentConfig {
        max_rounds: 3,
        ..AgentConfig::default()
    };
    let agent = Agent::new(
        Arc::new(OfflineModel::new()),
        ToolSet::task_tools(repo.clone(), |t| t),
        config,
    );
    let user = UserId::parse("bob").expect("user id");
    let conversation = ConversationId::new(7).expect("conversation id");
    for message in ["new task buy milk", "mark buy milk as complete"] {
        let message = MessageContent::parse(message).expect("message");
        agent
            .run(&user, conversation, Vec::new(), &message)
            .await
            .expect("agent run");
    }
    let tasks = repo
        .list_tasks(&user, TaskStatusFilter::Completed)
        .await
        .expect("list");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].title, "buy milk");
}
