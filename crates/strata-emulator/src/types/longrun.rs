//! Scheduling long-running operations, for every provider.
//!
//! An operation completes when its due time (now + the latency of its type) has passed; until
//! then it may hold a lock (writes to the locked resource answer `AnotherOperationInProgress`)
//! and, for the legacy 202 pattern, hide what it creates.

use uuid::Uuid;

use super::{Ctx, Target};
use crate::store::{OpAction, OpStatus, Operation};

/// What to schedule.
pub(crate) struct NewOp<'a> {
    pub subscription: &'a str,
    /// The provider whose `locations/{loc}/operations` URL serves the status.
    pub namespace: &'a str,
    pub location: &'a str,
    /// The type whose latency applies.
    pub latency_type: &'a str,
    pub action: OpAction,
    /// The provider's name for the operation, quoted in messages about it.
    pub name: String,
    pub lock: Option<String>,
    /// The resource a `Location` poll returns once a PUT finished.
    pub resource: Option<String>,
}

impl<'a> NewOp<'a> {
    /// An operation on `t` in its provider's namespace: a PUT (`Provision`/`Create`) returns
    /// the resource when polled by `Location`.
    pub fn on(t: &'a Target, namespace: &'a str, location: &'a str, action: OpAction) -> NewOp<'a> {
        let writes = matches!(action, OpAction::Provision { .. } | OpAction::Create { .. });
        let noun = t.full_type.rsplit('/').next().unwrap_or_default();
        let verb = if writes { "Put" } else { "Delete" };
        NewOp {
            subscription: &t.path.subscription,
            namespace,
            location,
            latency_type: &t.full_type,
            resource: writes.then(|| t.id.clone()),
            name: format!("{verb}{}Operation", capitalize(noun.trim_end_matches('s'))),
            action,
            lock: None,
        }
    }

    #[must_use]
    pub fn locking(mut self, key: &str) -> NewOp<'a> {
        self.lock = Some(key.to_string());
        self
    }

    #[must_use]
    pub fn named(mut self, name: String) -> NewOp<'a> {
        self.name = name;
        self
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Schedules `new`; it completes after the latency of its type.
pub(crate) fn schedule(ctx: &mut Ctx<'_>, new: NewOp<'_>) -> Operation {
    let latency = ctx.latency_of(new.latency_type);
    let op = Operation {
        id: Uuid::new_v4().to_string(),
        subscription: new.subscription.to_string(),
        namespace: new.namespace.to_string(),
        location: new.location.to_string(),
        api_version: ctx.api_version.to_string(),
        action: new.action,
        name: new.name,
        status: OpStatus::InProgress,
        error: None,
        error_status: None,
        start: ctx.now,
        due: ctx.now + latency,
        end: None,
        lock: new.lock,
        resource: new.resource,
    };
    ctx.state.schedule(op.clone());
    op
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_like_the_providers() {
        assert_eq!(capitalize("storageAccount"), "StorageAccount");
        assert_eq!(capitalize(""), "");
    }
}
