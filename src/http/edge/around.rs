//! A layer that runs an async function around each routed request, given the layer's state, the
//! request and the route it wraps: what `axum::middleware::from_fn_with_state` does, without
//! wrapping the route once more for every request. `from_fn` hands its function the route boxed
//! again as a service of its own, whose call boxes another future: a boxed service and a boxed
//! future more per layer and request than the route itself, which `Next` here runs as it is.

use axum::extract::Request;
use axum::response::Response;
use axum::routing::Route;
use futures_util::future::{BoxFuture, FutureExt, Map};
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::{Layer, Service, ServiceExt};

/// The function a layer runs: it gets the layer's state, the request and the route, and answers.
pub type AroundFn<St> = fn(St, Request, Next) -> BoxFuture<'static, Response>;

/// A layer of `Router::layer` or `Router::route_layer` that runs `run` around each request.
#[derive(Clone)]
pub struct Around<St> {
    state: St,
    run: AroundFn<St>,
}

impl<St> Around<St> {
    pub fn new(state: St, run: AroundFn<St>) -> Self {
        Self { state, run }
    }
}

impl<St: Clone> Layer<Route> for Around<St> {
    type Service = AroundRoute<St>;

    fn layer(&self, route: Route) -> AroundRoute<St> {
        AroundRoute { route, state: self.state.clone(), run: self.run }
    }
}

/// A route with a layer's function around it.
#[derive(Clone)]
pub struct AroundRoute<St> {
    route: Route,
    state: St,
    run: AroundFn<St>,
}

/// The route a layer's function runs the request on, when it lets the request through.
#[derive(Clone)]
pub struct Next(Route);

impl Next {
    pub async fn run(self, req: Request) -> Response {
        match self.0.oneshot(req).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }
}

type Answered = fn(Response) -> Result<Response, Infallible>;

impl<St: Clone + Send + 'static> Service<Request> for AroundRoute<St> {
    type Response = Response;
    type Error = Infallible;
    type Future = Map<BoxFuture<'static, Response>, Answered>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request>::poll_ready(&mut self.route, cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The route made ready goes with the request; a clone of it stays for the next one.
        let spare = self.route.clone();
        let ready = std::mem::replace(&mut self.route, spare);
        (self.run)(self.state.clone(), req, Next(ready)).map(Ok as Answered)
    }
}
