//! `tend serve`: the team server. A store behind a REST/JSON API under `/api/v1`
//! (routes.rs), with bearer tokens and roles (auth.rs), problem+json errors
//! (problem.rs), body size limits, a per-request timeout, a rate limit per token
//! (or per address for requests without a known one), request logs, graceful
//! shutdown. With `--ssh`, the app itself over SSH (ssh/), whose sessions use this
//! API on loopback with tokens minted in memory.

pub mod auth;
pub mod feed;
mod listen;
mod openapi;
mod problem;

use problem::ProblemResponse;
mod routes;
pub mod ssh;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use tend_backend::api::{Problem, Role};
use tend_backend::sqlite::{Store, token_hash};

pub use openapi::document as openapi_document;
pub use routes::ApiDoc;

/// How the server limits what it accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest request body, in bytes (an import may be larger: `import_body`).
    pub body: usize,
    /// Largest body of `POST /import`.
    pub import_body: usize,
    /// A request that takes longer is answered 503.
    pub timeout: Duration,
    /// Requests per second allowed per token (or per address without a known one).
    pub per_second: u32,
    /// How many may come at once above that rate.
    pub burst: u32,
    /// Time a client has to send a request's head; a slower one is disconnected.
    pub header_timeout: Duration,
    /// Connections open at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// How often the scheduler runs (due playbook steps, notifications, the
    /// outbox); zero: never by itself.
    pub tick_every: Duration,
    /// How often a server says it is up to the others over its store (they
    /// share the rate limit out among those up); zero: never (it counts as
    /// the only one).
    pub replica_every: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body: 1 << 20,
            import_body: 512 << 20,
            timeout: Duration::from_secs(30),
            per_second: 200,
            burst: 400,
            header_timeout: Duration::from_secs(10),
            max_connections: 4096,
            tick_every: Duration::from_secs(30),
            replica_every: Duration::from_secs(5),
        }
    }
}

/// What every handler reaches.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The SSH sessions' tokens, looked up before the store's.
    sessions: auth::SessionTokens,
    limiter: Limiter,
    timeout: Duration,
    /// The change feed's shared reader.
    feed: feed::Feed,
}

/// The whole API, ready to serve.
pub fn router(store: Store, limits: &Limits) -> axum::Router {
    router_with(store, limits, auth::SessionTokens::default())
}

/// The whole API, also taking the SSH sessions' in-memory tokens. Its change
/// feeds end only with the process: served with a graceful shutdown that waits
/// for open responses, use [`serve_with`], which ends them first.
pub fn router_with(store: Store, limits: &Limits, sessions: auth::SessionTokens) -> axum::Router {
    let feed = feed::Feed::new(store.clone());
    router_of(store, limits, sessions, feed, Limiter::new(limits))
}

/// The rate limit of one server, which shares it out evenly among the servers
/// over its store: with N of them behind a balancer that spreads requests,
/// each allows 1/N of every client's rate, and a client gets the whole rate
/// from all of them together.
#[derive(Clone)]
struct Limiter {
    per_second: u32,
    burst: u32,
    /// Among how many servers, and the limiter for that share.
    share: Arc<std::sync::RwLock<(u64, Arc<DefaultKeyedRateLimiter<String>>)>>,
}

impl Limiter {
    fn new(limits: &Limits) -> Limiter {
        let (per_second, burst) = (limits.per_second, limits.burst);
        let one = Arc::new(RateLimiter::keyed(Self::quota(per_second, burst, 1)));
        Limiter {
            per_second,
            burst,
            share: Arc::new(std::sync::RwLock::new((1, one))),
        }
    }

    /// 1/`servers` of the rate and of the burst (at least one request).
    fn quota(per_second: u32, burst: u32, servers: u64) -> Quota {
        let part = |n: u32| {
            let n = u64::from(n.max(1)).div_ceil(servers.max(1));
            NonZeroU32::new(u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(NonZeroU32::MIN)
        };
        Quota::per_second(part(per_second)).allow_burst(part(burst))
    }

    fn current(&self) -> Arc<DefaultKeyedRateLimiter<String>> {
        self.share
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// Allows 1/`servers` of the rate from now on; true when that changed it.
    /// (The counts of requests made so far start over with the new share.)
    fn share_among(&self, servers: u64) -> bool {
        let servers = servers.max(1);
        let mut share = self.share.write().unwrap_or_else(|e| e.into_inner());
        if share.0 == servers {
            return false;
        }
        let quota = Self::quota(self.per_second, self.burst, servers);
        *share = (servers, Arc::new(RateLimiter::keyed(quota)));
        true
    }
}

fn router_of(
    store: Store,
    limits: &Limits,
    sessions: auth::SessionTokens,
    feed: feed::Feed,
    limiter: Limiter,
) -> axum::Router {
    let state = AppState {
        store,
        sessions,
        limiter,
        timeout: limits.timeout,
        feed,
    };
    routes::routes(limits)
        .fallback(|| async {
            Problem::new(
                404,
                "not_found",
                "Not found",
                "no such path in the tend API",
            )
            .into_response()
        })
        // A known path with a method it does not take (the Allow header stays).
        .method_not_allowed_fallback(|request: Request| async move {
            Problem::new(
                405,
                "method_not_allowed",
                "Method not allowed",
                format!(
                    "{} is not a method of {}",
                    request.method(),
                    request.uri().path()
                ),
            )
            .into_response()
        })
        .layer(DefaultBodyLimit::max(limits.body))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Rate limit, timeout and request log around every request. (The body limits are
/// axum's `DefaultBodyLimit`, read by the body extractors, which answer problems.)
/// These stay here rather than in tower-http layers: its timeout answers an empty
/// body where this one answers a problem with `Retry-After`, and its trace layer
/// cannot name the user, whom the handler's extractor finds.
async fn guard(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let slot = auth::UserSlot::default();
    request.extensions_mut().insert(slot.clone());
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    // The limiter's key: the hash of a token the store knows (never the token), or
    // the peer address. A made-up token counts against its address, so guessing
    // tokens is limited like any request without one, and the limiter keeps no key
    // per guess.
    let hash = auth::bearer(request.headers()).map(token_hash);
    let mut key = None;
    if let Some(hash) = hash {
        // A failed lookup leaves the key to the address; the extractor looks again
        // and answers the error.
        if let Ok(found) = auth::lookup(&state, hash.clone()).await {
            key = found.is_some().then_some(hash);
            request.extensions_mut().insert(auth::Looked(found));
        }
    }
    // A viewer's token writes nothing: refused here, before the body is read, so
    // the answer says nothing about the records or the body it sent.
    let viewer_writes = match request.extensions().get::<auth::Looked>() {
        Some(auth::Looked(Some(t))) if t.role == Role::Viewer && is_write(&method, &path) => {
            let _ = slot.0.set(t.user.clone());
            Some(t.user.clone())
        }
        _ => None,
    };
    let key = key.unwrap_or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_default()
    });
    let response = if let Err(not_until) = state.limiter.current().check_key(&key) {
        let wait = not_until.wait_time_from(governor::clock::Clock::now(
            &governor::clock::DefaultClock::default(),
        ));
        let mut r = Problem::new(
            429,
            "too_many_requests",
            "Too many requests",
            format!(
                "rate limit reached: retry in {} ms",
                wait.as_millis().max(1)
            ),
        )
        .into_response();
        let secs = wait.as_secs().max(1).to_string();
        if let Ok(v) = HeaderValue::from_str(&secs) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    } else if let Some(user) = viewer_writes {
        // Counted by the limiter like any request, then refused.
        auth::forbidden(format!(
            "{user} is a viewer: writing is not allowed (viewers read only)"
        ))
        .into_response()
    } else {
        match tokio::time::timeout(state.timeout, next.run(request)).await {
            Ok(r) => r,
            Err(_) => Problem::new(
                503,
                "timeout",
                "Timed out",
                format!(
                    "the request took longer than {} s",
                    state.timeout.as_secs_f32()
                ),
            )
            .into_response(),
        }
    };
    let status = response.status();
    let user = slot.0.get().map(String::as_str).unwrap_or("-");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status.is_server_error() {
        tracing::warn!(%method, path, status = status.as_u16(), user, ms, "request");
    } else {
        tracing::info!(%method, path, status = status.as_u16(), user, ms, "request");
    }
    response
}

/// Whether a request is one of the API's writes (a write method on a path that
/// takes it; any other is answered 404 or 405 by the router, whoever sends it).
fn is_write(method: &Method, path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').collect();
    matches!(
        (method, segments.as_slice()),
        (
            &Method::POST,
            ["records" | "batch" | "usage" | "import" | "emails" | "tick"]
        ) | (&Method::POST, ["deliveries", _, "retry"])
            | (&Method::POST, ["health", "recompute"])
            | (&Method::PUT | &Method::DELETE, ["records", _, _])
            | (&Method::PUT, ["files"])
    )
}

/// Serves the API on `listener` until `shutdown` resolves; requests under way finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(
        listener,
        store,
        limits,
        auth::SessionTokens::default(),
        shutdown,
    )
    .await
}

/// [`serve`], also answering the SSH sessions' in-memory tokens.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    store: Store,
    limits: &Limits,
    sessions: auth::SessionTokens,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Of several servers over one store, the one holding the scheduler's lease
    // runs the rounds; it renews it each round, and another takes it over three
    // rounds after its holder stopped renewing (it died), or at once after it
    // stopped cleanly.
    let holder = lease_holder();
    let ticker = (!limits.tick_every.is_zero()).then(|| {
        let (store, every, holder) = (store.clone(), limits.tick_every, holder.clone());
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut held = false;
            loop {
                interval.tick().await;
                match store.take_lease(SCHEDULER_LEASE, &holder, every * 3).await {
                    Ok(true) => {
                        if !held {
                            tracing::info!(holder, "this server runs the scheduler's rounds");
                        }
                        held = true;
                    }
                    Ok(false) => {
                        if held {
                            tracing::info!(
                                holder,
                                "another server runs the scheduler's rounds now"
                            );
                        }
                        held = false;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!("the scheduler's lease: {e}");
                        continue;
                    }
                }
                // A new day (or new health profiles): the holder brings every
                // account's derived values and score to it, once for all servers.
                match tend_backend::Backend::stale(&store).await {
                    Ok(true) => match tend_backend::Backend::catch_up(&store).await {
                        Ok(()) => tracing::info!(holder, "rescored every account for the day"),
                        Err(e) => tracing::warn!("the day's rescoring: {e}"),
                    },
                    Ok(false) => {}
                    Err(e) => tracing::warn!("the day's rescoring: {e}"),
                }
                match store.run_tick().await {
                    Ok(r) if r.steps_run + r.sent + r.failed + r.notifications > 0 => {
                        tracing::info!(?r, "tick")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("tick: {e}"),
                }
            }
        })
    });
    // Stopping ends the open change feeds first: a graceful shutdown waits for
    // every response, and a feed's never ends by itself.
    let feed = feed::Feed::new(store.clone());
    let stopping = feed.clone();
    let shutdown = async move {
        shutdown.await;
        stopping.stop();
    };
    // Every server over the store says it is up every `replica_every`, and
    // allows its share of the rate limit among those that are.
    let limiter = Limiter::new(limits);
    let presence = (!limits.replica_every.is_zero()).then(|| {
        let (store, every, holder, limiter) = (
            store.clone(),
            limits.replica_every,
            holder.clone(),
            limiter.clone(),
        );
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                match store.replicas(&holder, every * 3).await {
                    Ok(n) => {
                        if limiter.share_among(n) {
                            if n > 1 {
                                tracing::info!(
                                    servers = n,
                                    "{n} servers share this store: each allows 1/{n} of the rate limit"
                                );
                            } else {
                                tracing::info!("this server is the only one over its store now");
                            }
                        }
                    }
                    Err(e) => tracing::warn!("saying this server is up: {e}"),
                }
            }
        })
    });
    let lease_store = store.clone();
    let served = listen::run(
        listener,
        router_of(store, limits, sessions, feed, limiter),
        limits,
        shutdown,
    )
    .await;
    if let Some(p) = presence {
        p.abort();
        let _ = p.await;
        if let Err(e) = lease_store.leave_replicas(&holder).await {
            tracing::warn!("saying this server stops: {e}");
        }
    }
    if let Some(t) = ticker {
        t.abort();
        let _ = t.await;
        if let Err(e) = lease_store.release_lease(SCHEDULER_LEASE, &holder).await {
            tracing::warn!("giving the scheduler's lease up: {e}");
        }
    }
    served
}

/// The lease whose holder runs the scheduler's rounds.
pub const SCHEDULER_LEASE: &str = "scheduler";

/// This server's name as a lease holder: its host, process and a random part
/// (two servers in one process, as tests run them, are two holders).
fn lease_holder() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let random = tend_backend::sqlite::new_token()
        .map(|t| t.chars().rev().take(8).collect::<String>())
        .unwrap_or_default();
    format!("{host}:{}:{random}", std::process::id())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
