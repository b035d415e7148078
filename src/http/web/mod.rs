//! The front door for people in a browser: the customer's Microsoft 365 admin center
//! (`/AdminPortal`), the partner's Partner Center dashboard (`/dashboard`), the enhanced
//! attestation's acceptance page (`/EnhancedAttestation/Accept`), the landing page (`/`) and the
//! API reference (`/_emulator/docs`), all built on one kit (`kit`). Pages call the same use cases
//! as the API.

pub mod acceptance;
pub mod admin_center;
pub mod agreement_document;
mod agreement_text;
pub mod dashboard;
pub mod kit;
pub mod landing;
pub mod reference;

use axum::http::StatusCode;
use axum::response::Response;
use axum::Router;

use crate::app::AppState;

/// The sites' routes (the reference page's own route is one of the documented ones: see
/// `reference::routes`).
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(reference::asset_routes())
        .merge(landing::routes())
        .merge(admin_center::routes())
        .merge(dashboard::routes())
        .merge(acceptance::routes())
}

/// A site whose paths are answered with pages, even when no page of it runs (an unknown page, a
/// refusal of the edge): its people read pages, not JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    AdminCenter,
    Dashboard,
}

impl Site {
    /// The site a path belongs to (its first segment, in any letter case), if any.
    pub fn of(path: &str) -> Option<Site> {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        if first.eq_ignore_ascii_case("AdminPortal") {
            Some(Site::AdminCenter)
        } else if first.eq_ignore_ascii_case("dashboard") {
            Some(Site::Dashboard)
        } else {
            None
        }
    }

    /// The description of the site.
    fn description(self) -> &'static kit::site::Site {
        match self {
            Site::AdminCenter => &admin_center::SITE,
            Site::Dashboard => &dashboard::SITE,
        }
    }

    /// The page for a path of the site that no page serves.
    pub fn page_not_found(self, path: &str) -> Response {
        kit::message::not_found(self.description(), path)
    }

    /// The page that tells of a refusal of the edge (a malformed path, a method, a size, a
    /// timeout).
    pub fn refusal_page(self, status: StatusCode, text: &str) -> Response {
        kit::message::site_message(self.description(), None, status, "Request refused", text)
    }
}
