//! Units of work: the writes of one request, committed together or not at all. The API's pipeline
//! opens one per request ([`Unit`], so that the request id and the answer are kept with the
//! writes), while the pages, the control plane and seed files run each use case in a unit of its
//! own (`in_unit!`).

use crate::app::AppContext;
use crate::store::{StoreError, UnitOfWork};

use super::error::{ServiceError, ServiceResult};

/// A unit of work a front door holds for a request: begun before the use case runs, lent to it
/// (it derefs to the store's unit), and committed once the front door's answer is final; dropped
/// without a commit, nothing of it is stored.
pub struct Unit(UnitOfWork);

/// What became of a front door's unit at its commit.
#[derive(Debug, PartialEq, Eq)]
pub enum Committed {
    /// Every write of the unit is durable.
    Stored,
    /// Nothing was stored: a write of a unit sent as one statement (PostgreSQL) did not change the
    /// rows it counted on. The request is to run again, whole, in a unit of [`Unit::begin_exact`].
    RunAgain,
}

impl Unit {
    /// A unit whose request runs again when its commit says so (`Committed::RunAgain`): on
    /// PostgreSQL its writes are sent as one statement at its commit. In deterministic mode a
    /// transaction, as `begin_exact`: a request run twice would draw its ids twice, and the ids
    /// would no longer be the same run after run and on either backend.
    pub fn begin(ctx: &AppContext) -> Self {
        if ctx.ids.is_deterministic() {
            return Self::begin_exact(ctx);
        }
        Unit(ctx.store.begin_one_statement())
    }

    /// A unit that learns each write's outcome as it happens (a transaction), for a request whose
    /// one statement did not go through.
    pub fn begin_exact(ctx: &AppContext) -> Self {
        Unit(ctx.store.begin())
    }

    /// Whether the unit may ask for its request to run again (`Committed::RunAgain`, or a kept
    /// answer refused): PostgreSQL's units only.
    pub fn may_run_again(&self) -> bool {
        self.0.may_run_again()
    }

    /// Make every write of the unit durable; when this returns `Stored`, they are on disk.
    pub async fn commit(self) -> ServiceResult<Committed> {
        match self.0.commit().await {
            Ok(()) => Ok(Committed::Stored),
            Err(StoreError::Changed) => Ok(Committed::RunAgain),
            Err(e) => Err(ServiceError::from(e)),
        }
    }
}

impl std::ops::Deref for Unit {
    type Target = UnitOfWork;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Unit {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// `in_unit!(ctx, |unit| body).await`: run `body` (an expression of type `ServiceResult<T>`, which
/// may use `?` and `.await`) with `unit` a new unit of work, and commit the unit when the body
/// succeeds: its writes are stored together, or not at all when it fails. (A macro rather than a
/// function taking an async closure: the future of an async closure cannot be required to be
/// `Send`, which every handler's future must be.)
macro_rules! in_unit {
    ($ctx:expr, |$unit:ident| $body:expr) => {
        async {
            let mut boxed = $ctx.store.begin();
            let outcome: $crate::service::ServiceResult<_> = async {
                let $unit: &mut $crate::store::UnitOfWork = &mut boxed;
                $body
            }
            .await;
            match outcome {
                Ok(value) => match boxed.commit().await {
                    Ok(()) => Ok(value),
                    Err(e) => Err($crate::service::ServiceError::from(e)),
                },
                Err(e) => Err(e),
            }
        }
    };
}

pub(crate) use in_unit;
