//! sea-orm entities: the rows as stored. Private to the crate; the repositories convert them
//! into domain types before anything leaves the adapter.

pub(crate) mod conversation;
pub(crate) mod message;
pub(crate) mod task;
