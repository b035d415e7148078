//! Units of work for the front doors that have none of their own: the API's edge opens one per
//! request (so that the request id and the answer are kept with the writes), while the admin
//! center, the control plane and seed files run each use case in a unit of its own.

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
                let $unit: &mut dyn $crate::store::UnitOfWork = &mut *boxed;
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
