//! An in-memory [`TaskRepository`] for tests of other crates. It honours the port's contract
//! (the same contract suite runs against it and the real adapters).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use tokio::sync::Mutex;

use crate::{
    NewTask, Task, TaskId, TaskPatch, TaskRepository, TaskRepositoryError, TaskStatusFilter, UserId,
};

#[derive(Default)]
pub struct InMemoryTaskRepository {
    state: Mutex<(i64, BTreeMap<i64, Task>)>,
    down: AtomicBool,
}

impl InMemoryTaskRepository {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Simulates the store going away (`true`) or coming back (`false`).
    pub fn set_unavailable(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), TaskRepositoryError> {
        if self.down.load(Ordering::SeqCst) {
            Err(TaskRepositoryError::Unavailable(
                "in-memory store switched off".into(),
            ))
        } else {
            Ok(())
        }
    }
}

fn owned<'a>(
    task: Option<&'a mut Task>,
    user: &UserId,
) -> Result<&'a mut Task, TaskRepositoryError> {
    match task {
        Some(t) if &t.user_id == user => Ok(t),
        _ => Err(TaskRepositoryError::NotFound),
    }
}

#[async_trait]
impl TaskRepository for InMemoryTaskRepository {
    async fn insert_task(&self, user: &UserId, task: NewTask) -> Result<Task, TaskRepositoryError> {
        self.check()?;
        let mut guard = self.state.lock().await;
        guard.0 += 1;
        let id = guard.0;
        let now = chrono::Utc::now();
        let task = Task {
            id: TaskId::new(id).map_err(|e| TaskRepositoryError::Unexpected(e.to_string()))?,
            user_id: user.clone(),
            title: task.title.into_inner(),
            description: task.description.map(crate::TaskDescription::into_inner),
            completed: false,
            created_at: now,
            updated_at: now,
        };
        guard.1.insert(id, task.clone());
        Ok(task)
    }

    async fn list_tasks(
        &self,
        user: &UserId,
        filter: TaskStatusFilter,
    ) -> Result<Vec<Task>, TaskRepositoryError> {
        self.check()?;
        let guard = self.state.lock().await;
        Ok(guard
            .1
            .values()
            .filter(|t| &t.user_id == user && filter.matches(t.completed))
            .cloned()
            .collect())
    }

    async fn get_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        self.check()?;
        let mut guard = self.state.lock().await;
        owned(guard.1.get_mut(&id.get()), user).map(|t| t.clone())
    }

    async fn update_task(
        &self,
        user: &UserId,
        id: TaskId,
        patch: TaskPatch,
    ) -> Result<Task, TaskRepositoryError> {
        self.check()?;
        let mut guard = self.state.lock().await;
        let task = owned(guard.1.get_mut(&id.get()), user)?;
        if let Some(title) = patch.title {
            task.title = title.into_inner();
            task.updated_at = chrono::Utc::now();
        }
        if let Some(description) = patch.description {
            task.description = description.map(crate::TaskDescription::into_inner);
            task.updated_at = chrono::Utc::now();
        }
        Ok(task.clone())
    }

    async fn set_completed(
        &self,
        user: &UserId,
        id: TaskId,
        completed: Option<bool>,
    ) -> Result<Task, TaskRepositoryError> {
        self.check()?;
        let mut guard = self.state.lock().await;
        let task = owned(guard.1.get_mut(&id.get()), user)?;
        task.completed = completed.unwrap_or(!task.completed);
        task.updated_at = chrono::Utc::now();
        Ok(task.clone())
    }

    async fn delete_task(&self, user: &UserId, id: TaskId) -> Result<Task, TaskRepositoryError> {
        self.check()?;
        let mut guard = self.state.lock().await;
        owned(guard.1.get_mut(&id.get()), user)?;
        guard
            .1
            .remove(&id.get())
            .ok_or(TaskRepositoryError::NotFound)
    }

    async fn ping(&self) -> Result<(), TaskRepositoryError> {
        self.check()
    }
}

/// The [`TaskRepository`] contract, as one suite every implementation must pass. `repo` must
/// be fresh (no tasks).
///
/// # Panics
/// When the implementation breaks the contract.
pub async fn task_repository_contract(repo: &dyn TaskRepository) {
    use crate::{TaskDescription, TaskTitle};
    let alice = UserId::parse("alice").expect("user id");
    let bob = UserId::parse("bob").expect("user id");
    let new = |title: &str, description: Option<&str>| NewTask {
        title: TaskTitle::parse(title).expect("title"),
        description: TaskDescription::parse_optional(description).expect("description"),
    };

    repo.ping().await.expect("ping");
    assert!(
        repo.list_tasks(&alice, TaskStatusFilter::All)
            .await
            .expect("list")
            .is_empty()
    );

    let milk = repo
        .insert_task(&alice, new("buy milk", None))
        .await
        .expect("insert");
    assert_eq!(milk.title, "buy milk");
    assert_eq!(milk.description, None);
    assert!(!milk.completed);
    assert_eq!(milk.user_id, alice);
    assert_eq!(milk.created_at, milk.updated_at);
    let rent = repo
        .insert_task(&alice, new("pay rent", Some("before the 5th")))
        .await
        .expect("insert");
    assert_eq!(rent.description.as_deref(), Some("before the 5th"));
    assert!(rent.id > milk.id);
    let bobs = repo
        .insert_task(&bob, new("bob's secret", None))
        .await
        .expect("insert");

    // Listing is per user, oldest first, filtered.
    let all = repo
        .list_tasks(&alice, TaskStatusFilter::All)
        .await
        .expect("list");
    assert_eq!(
        all.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![milk.id, rent.id]
    );
    assert_eq!(
        all,
        [milk.clone(), rent.clone()],
        "a read returns what the insert returned, descriptions and times included"
    );

    // get: own task yes, another user's task is NotFound, a missing one too.
    assert_eq!(repo.get_task(&alice, milk.id).await.expect("get"), milk);
    assert_eq!(
        repo.get_task(&alice, bobs.id).await,
        Err(TaskRepositoryError::NotFound)
    );
    let missing = TaskId::new(i64::from(i32::MAX)).expect("id");
    assert_eq!(
        repo.get_task(&alice, missing).await,
        Err(TaskRepositoryError::NotFound)
    );

    // set_completed: explicit and toggle.
    let done = repo
        .set_completed(&alice, milk.id, Some(true))
        .await
        .expect("complete");
    assert!(done.completed);
    assert!(done.updated_at >= milk.updated_at);
    let again = repo
        .set_completed(&alice, milk.id, Some(true))
        .await
        .expect("complete");
    assert!(again.completed, "completing twice stays completed");
    let toggled = repo
        .set_completed(&alice, milk.id, None)
        .await
        .expect("toggle");
    assert!(!toggled.completed);
    let toggled = repo
        .set_completed(&alice, milk.id, None)
        .await
        .expect("toggle");
    assert!(toggled.completed);
    assert_eq!(
        repo.set_completed(&alice, bobs.id, None).await,
        Err(TaskRepositoryError::NotFound)
    );
    assert!(!repo.get_task(&bob, bobs.id).await.expect("get").completed);

    let pending = repo
        .list_tasks(&alice, TaskStatusFilter::Pending)
        .await
        .expect("list");
    assert_eq!(
        pending.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![rent.id]
    );
    let completed = repo
        .list_tasks(&alice, TaskStatusFilter::Completed)
        .await
        .expect("list");
    assert_eq!(
        completed.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![milk.id]
    );

    // update: only present fields change; Some(None) clears the description.
    let renamed = repo
        .update_task(
            &alice,
            rent.id,
            TaskPatch {
                title: Some(TaskTitle::parse("pay the rent").expect("t")),
                description: None,
            },
        )
        .await
        .expect("update");
    assert_eq!(renamed.title, "pay the rent");
    assert_eq!(renamed.description.as_deref(), Some("before the 5th"));
    let cleared = repo
        .update_task(
            &alice,
            rent.id,
            TaskPatch {
                title: None,
                description: Some(None),
            },
        )
        .await
        .expect("update");
    assert_eq!(cleared.title, "pay the rent");
    assert_eq!(cleared.description, None);
    let described = repo
        .update_task(
            &alice,
            rent.id,
            TaskPatch {
                title: None,
                description: Some(TaskDescription::parse_optional(Some("by transfer")).expect("d")),
            },
        )
        .await
        .expect("update");
    assert_eq!(described.description.as_deref(), Some("by transfer"));
    let untouched = repo
        .update_task(&alice, rent.id, TaskPatch::default())
        .await
        .expect("noop");
    assert_eq!(untouched, described);
    assert_eq!(
        repo.update_task(
            &alice,
            bobs.id,
            TaskPatch {
                title: None,
                description: Some(None)
            }
        )
        .await,
        Err(TaskRepositoryError::NotFound)
    );
    assert_eq!(
        repo.get_task(&bob, bobs.id).await.expect("get").title,
        "bob's secret"
    );

    // delete returns the task as it was, then it is gone; another user's cannot be deleted.
    assert_eq!(
        repo.delete_task(&alice, bobs.id).await,
        Err(TaskRepositoryError::NotFound)
    );
    let deleted = repo.delete_task(&alice, rent.id).await.expect("delete");
    assert_eq!(deleted, described);
    assert_eq!(
        repo.get_task(&alice, rent.id).await,
        Err(TaskRepositoryError::NotFound)
    );
    assert_eq!(
        repo.delete_task(&alice, rent.id).await,
        Err(TaskRepositoryError::NotFound)
    );
    assert_eq!(
        repo.list_tasks(&alice, TaskStatusFilter::All)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(
        repo.list_tasks(&bob, TaskStatusFilter::All)
            .await
            .expect("list")
            .len(),
        1
    );

    // Text round-trips exactly, unicode included.
    let odd = repo
        .insert_task(
            &alice,
            new("café ☕ 'quotes' \"and\" %_", Some("línea\nnueva")),
        )
        .await
        .expect("insert");
    let read = repo.get_task(&alice, odd.id).await.expect("get");
    assert_eq!(read.title, "café ☕ 'quotes' \"and\" %_");
    assert_eq!(read.description.as_deref(), Some("línea\nnueva"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_honours_the_contract() {
        task_repository_contract(&InMemoryTaskRepository::new()).await;
    }

    #[tokio::test]
    async fn in_memory_can_be_switched_off() {
        let repo = InMemoryTaskRepository::new();
        repo.set_unavailable(true);
        assert!(matches!(
            repo.ping().await,
            Err(TaskRepositoryError::Unavailable(_))
        ));
        repo.set_unavailable(false);
        assert!(repo.ping().await.is_ok());
    }
}
