//! An in-memory [`ConversationRepository`] and the port's contract suite.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use todo_domain::{Conversation, ConversationId, Message, MessageContent, Role, UserId};
use tokio::sync::Mutex;

use crate::{ConversationRepository, ConversationRepositoryError as E};

#[derive(Default)]
struct State {
    next_conversation: i64,
    next_message: i64,
    conversations: Vec<Conversation>,
    messages: Vec<Message>,
}

#[derive(Default)]
pub struct InMemoryConversationRepository {
    state: Mutex<State>,
    down: AtomicBool,
}

impl InMemoryConversationRepository {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set_unavailable(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), E> {
        if self.down.load(Ordering::SeqCst) {
            Err(E::Unavailable("in-memory store switched off".into()))
        } else {
            Ok(())
        }
    }
}

fn id(raw: i64) -> Result<ConversationId, E> {
    ConversationId::new(raw).map_err(|e| E::Unexpected(e.to_string()))
}

#[async_trait]
impl ConversationRepository for InMemoryConversationRepository {
    async fn insert_conversation(&self, user: &UserId) -> Result<Conversation, E> {
        self.check()?;
        let mut s = self.state.lock().await;
        s.next_conversation += 1;
        let now = chrono::Utc::now();
        let c = Conversation {
            id: id(s.next_conversation)?,
            user_id: user.clone(),
            created_at: now,
            updated_at: now,
        };
        s.conversations.push(c.clone());
        Ok(c)
    }

    async fn insert_conversation_with_message(
        &self,
        user: &UserId,
        content: &MessageContent,
    ) -> Result<(Conversation, Message), E> {
        self.check()?;
        let mut s = self.state.lock().await;
        let now = chrono::Utc::now();
        s.next_conversation += 1;
        s.next_message += 1;
        let conversation = Conversation {
            id: id(s.next_conversation)?,
            user_id: user.clone(),
            created_at: now,
            updated_at: now,
        };
        let message = Message {
            id: s.next_message,
            conversation_id: conversation.id,
            user_id: user.clone(),
            role: Role::User,
            content: content.clone(),
            created_at: now,
        };
        s.conversations.push(conversation.clone());
        s.messages.push(message.clone());
        Ok((conversation, message))
    }

    async fn get_conversation(
        &self,
        user: &UserId,
        cid: ConversationId,
    ) -> Result<Conversation, E> {
        self.check()?;
        let s = self.state.lock().await;
        s.conversations
            .iter()
            .find(|c| c.id == cid && &c.user_id == user)
            .cloned()
            .ok_or(E::NotFound)
    }

    async fn list_conversations(&self, user: &UserId) -> Result<Vec<Conversation>, E> {
        self.check()?;
        let s = self.state.lock().await;
        let mut list: Vec<_> = s
            .conversations
            .iter()
            .filter(|c| &c.user_id == user)
            .cloned()
            .collect();
        list.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        Ok(list)
    }

    async fn insert_message(
        &self,
        user: &UserId,
        cid: ConversationId,
        role: Role,
        content: &MessageContent,
    ) -> Result<Message, E> {
        self.check()?;
        let mut s = self.state.lock().await;
        let now = chrono::Utc::now();
        let conversation = s
            .conversations
            .iter_mut()
            .find(|c| c.id == cid && &c.user_id == user)
            .ok_or(E::NotFound)?;
        conversation.updated_at = now;
        s.next_message += 1;
        let m = Message {
            id: s.next_message,
            conversation_id: cid,
            user_id: user.clone(),
            role,
            content: content.clone(),
            created_at: now,
        };
        s.messages.push(m.clone());
        Ok(m)
    }

    async fn list_messages(
        &self,
        user: &UserId,
        cid: ConversationId,
        limit: u32,
        max_bytes: Option<u32>,
    ) -> Result<Vec<Message>, E> {
        self.check()?;
        let s = self.state.lock().await;
        let mine: Vec<_> = s
            .messages
            .iter()
            .filter(|m| m.conversation_id == cid && &m.user_id == user)
            .cloned()
            .collect();
        let mut skip = mine.len().saturating_sub(limit as usize);
        if let Some(max) = max_bytes {
            let mut bytes = 0u64;
            let within = mine[skip..]
                .iter()
                .rev()
                .take_while(|m| {
                    bytes += m.content.as_str().len() as u64;
                    bytes <= u64::from(max)
                })
                .count();
            skip = mine.len() - within;
        }
        Ok(mine.into_iter().skip(skip).collect())
    }
}

/// The [`ConversationRepository`] contract. `repo` must be fresh.
///
/// # Panics
/// When the implementation breaks the contract.
pub async fn conversation_repository_contract(repo: &dyn ConversationRepository) {
    let alice = UserId::parse("alice").expect("user");
    let bob = UserId::parse("bob").expect("user");
    let text = |s: &str| MessageContent::parse(s).expect("message");

    assert!(
        repo.list_conversations(&alice)
            .await
            .expect("list")
            .is_empty()
    );
    let first = repo.insert_conversation(&alice).await.expect("insert");
    assert_eq!(first.user_id, alice);
    assert_eq!(first.created_at, first.updated_at);
    let second = repo.insert_conversation(&alice).await.expect("insert");
    assert!(second.id > first.id);
    let bobs = repo.insert_conversation(&bob).await.expect("insert");

    assert_eq!(
        repo.get_conversation(&alice, first.id).await.expect("get"),
        first
    );
    assert_eq!(
        repo.get_conversation(&alice, bobs.id).await,
        Err(E::NotFound)
    );
    let missing = ConversationId::new(i64::from(i32::MAX)).expect("id");
    assert_eq!(
        repo.get_conversation(&alice, missing).await,
        Err(E::NotFound)
    );

    // Messages: stored in order, the conversation's updated_at follows the latest one.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let m1 = repo
        .insert_message(&alice, first.id, Role::User, &text("hello"))
        .await
        .expect("m1");
    assert_eq!(m1.role, Role::User);
    assert_eq!(m1.content.as_str(), "hello");
    assert_eq!(m1.conversation_id, first.id);
    let m2 = repo
        .insert_message(&alice, first.id, Role::Assistant, &text("hi ☕ 'there'"))
        .await
        .expect("m2");
    assert!(m2.id > m1.id);
    let m3 = repo
        .insert_message(&alice, first.id, Role::User, &text("third"))
        .await
        .expect("m3");

    let touched = repo.get_conversation(&alice, first.id).await.expect("get");
    assert!(
        touched.updated_at > first.updated_at,
        "a message moves updated_at"
    );
    assert!(touched.updated_at >= m3.created_at);
    assert_eq!(touched.created_at, first.created_at);

    // Most recently active first: `first` has a message, `second` does not.
    let list = repo.list_conversations(&alice).await.expect("list");
    assert_eq!(
        list.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![first.id, second.id]
    );
    assert_eq!(repo.list_conversations(&bob).await.expect("list").len(), 1);

    let all = repo
        .list_messages(&alice, first.id, 50, None)
        .await
        .expect("messages");
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![m1.id, m2.id, m3.id]
    );
    assert_eq!(all[1], m2, "a read returns what the insert returned");
    let latest = repo
        .list_messages(&alice, first.id, 2, None)
        .await
        .expect("messages");
    assert_eq!(
        latest.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![m2.id, m3.id]
    );

    // A budget in bytes, counted back from the newest: "third" 5, "hi ☕ 'there'" 14 (12
    // characters), "hello" 5. The first message over it ends the list, even when an older one
    // would still fit: no holes in a history.
    for (max, expected) in [
        (4, vec![]),
        (5, vec![m3.id]),
        (10, vec![m3.id]),
        (17, vec![m3.id]),
        (18, vec![m3.id]),
        (19, vec![m2.id, m3.id]),
        (23, vec![m2.id, m3.id]),
        (24, vec![m1.id, m2.id, m3.id]),
        (u32::MAX, vec![m1.id, m2.id, m3.id]),
    ] {
        let within = repo
            .list_messages(&alice, first.id, 50, Some(max))
            .await
            .expect("messages");
        assert_eq!(
            within.iter().map(|m| m.id).collect::<Vec<_>>(),
            expected,
            "within {max} bytes"
        );
    }
    let within = repo
        .list_messages(&alice, first.id, 2, Some(1000))
        .await
        .expect("messages");
    assert_eq!(
        within.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![m2.id, m3.id],
        "the message limit still holds"
    );
    assert_eq!(
        within[0], m2,
        "a read within a budget returns what was stored"
    );
    assert!(
        repo.list_messages(&bob, first.id, 50, Some(1000))
            .await
            .expect("messages")
            .is_empty()
    );

    // Isolation: bob can neither add to nor read alice's conversation.
    assert_eq!(
        repo.insert_message(&bob, first.id, Role::User, &text("intrusion"))
            .await,
        Err(E::NotFound)
    );
    assert!(
        repo.list_messages(&bob, first.id, 50, None)
            .await
            .expect("messages")
            .is_empty()
    );
    assert_eq!(
        repo.list_messages(&alice, first.id, 50, None)
            .await
            .expect("m")
            .len(),
        3
    );
    assert!(
        repo.list_messages(&alice, second.id, 50, None)
            .await
            .expect("m")
            .is_empty()
    );

    // Activity in `second` moves it to the front.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    repo.insert_message(&alice, second.id, Role::User, &text("later"))
        .await
        .expect("m");
    let list = repo.list_conversations(&alice).await.expect("list");
    assert_eq!(
        list.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![second.id, first.id]
    );

    // A conversation started with the user's message: both rows, the conversation in front.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (third, opening) = repo
        .insert_conversation_with_message(&alice, &text("start ☕ 'here'"))
        .await
        .expect("start");
    assert_eq!(third.user_id, alice);
    assert!(third.id > bobs.id);
    assert_eq!(opening.conversation_id, third.id);
    assert_eq!(opening.user_id, alice);
    assert_eq!(opening.role, Role::User);
    assert_eq!(opening.content.as_str(), "start ☕ 'here'");
    assert!(third.updated_at >= opening.created_at);
    assert_eq!(
        repo.get_conversation(&alice, third.id).await,
        Ok(third.clone())
    );
    assert_eq!(
        repo.list_messages(&alice, third.id, 50, None)
            .await
            .expect("m"),
        vec![opening.clone()]
    );
    assert_eq!(
        repo.get_conversation(&bob, third.id).await,
        Err(E::NotFound)
    );
    assert_eq!(
        repo.list_conversations(&alice).await.expect("list")[0].id,
        third.id
    );
    let reply = repo
        .insert_message(&alice, third.id, Role::Assistant, &text("answer"))
        .await
        .expect("reply");
    assert!(reply.id > opening.id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_memory_honours_the_contract() {
        conversation_repository_contract(&InMemoryConversationRepository::new()).await;
    }
}
