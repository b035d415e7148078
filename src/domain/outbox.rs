//! The emails Partner Center would have sent, as the outbox keeps them.

use chrono::{DateTime, Utc};

/// An email that Partner Center would have sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub partner_tenant_id: String,
    pub customer_id: String,
    pub agreement_id: String,
    pub queued_at: DateTime<Utc>,
    pub deliver_at: DateTime<Utc>,
}

impl OutboxMessage {
    /// Whether the email has been delivered by `now`: the clock of the partner whose action
    /// queued it (its own, when it has one), by which its delivery time was set.
    pub fn delivered_by(&self, now: DateTime<Utc>) -> bool {
        self.deliver_at <= now
    }
}
