//! The agreement document's short-lived links.

use chrono::{DateTime, Utc};

/// A short-lived link to the agreement document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLink {
    pub id: String,
    pub template_id: String,
    pub country: String,
    pub language: String,
    pub expires_at: DateTime<Utc>,
}
