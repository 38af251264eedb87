//! The team server over real HTTP: each test starts `tend::server::serve` on a
//! loopback port over a SQLite file in a temporary directory, and talks to it with
//! reqwest (raw requests) or `tend::remote::Remote` (the typed client).
//!
//! What is checked: who may write what (roles, tokens, the actor recorded), that
//! malformed requests are answered 4xx problems and never 5xx, version conflicts
//! between two clients, a client living through a server restart, the rate limit,
//! the OpenAPI document, and graceful shutdown finishing a request under way.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeDelta};
use reqwest::header::{self, HeaderMap};
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tend::api::{ACTOR_HEADER, Problem, Role, encode_header};
use tend::backend::{Backend, Bucket, Error, PageRequest, UsageQuery};
use tend::dataset::Dataset;
use tend::domain::*;
use tend::generate::{GenConfig, demo_anchor, generate_dataset};
use tend::remote::{ClientOptions, Remote};
use tend::server::Limits;
use tend::sqlite::{Options, Store, fixed_clock};

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// "Now" for every store here: midday of the generator's anchor day.
fn now() -> Timestamp {
    demo_anchor() + TimeDelta::hours(12)
}

/// A day inside the generated data's range.
fn a_day() -> NaiveDate {
    now().date_naive() - TimeDelta::days(3)
}

/// A store file in a temporary directory, loaded with a small generated dataset
/// (or nothing when `accounts` is 0).
struct World {
    dir: tempfile::TempDir,
    store: Store,
}

impl World {
    async fn new(accounts: usize) -> World {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = open(&dir.path().join("tend.db"));
        if accounts > 0 {
            store
                .import(generate_dataset(&GenConfig::new(
                    accounts,
                    11,
                    demo_anchor(),
                )))
                .await
                .expect("the generated dataset imports");
        }
        World { dir, store }
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("tend.db")
    }
}

fn open(path: &std::path::Path) -> Store {
    Store::open_with(path, Options::with_clock(fixed_clock(now()))).expect("open the store")
}

/// Limits that never get in the way of a test that is not about them.
fn roomy() -> Limits {
    Limits {
        per_second: 1_000_000,
        burst: 1_000_000,
        ..Limits::default()
    }
}

/// A running server and how to stop it.
struct Server {
    url: String,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    async fn start(store: Store, limits: Limits) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        Server::on(listener, store, limits)
    }

    fn on(listener: tokio::net::TcpListener, store: Store, limits: Limits) -> Server {
        let addr = listener.local_addr().expect("its address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            tend::server::serve(listener, store, &limits, async {
                let _ = stopped.await;
            })
            .await
        });
        Server {
            url: format!("http://{addr}"),
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Triggers a graceful shutdown (requests under way go on).
    fn trigger_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Waits for the server to have stopped; it stopped cleanly.
    async fn stopped(&mut self) {
        self.trigger_shutdown();
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("the server stops once its requests are answered")
                .expect("the server task did not panic")
                .expect("the server stopped without an error");
        }
    }
}

/// Raw HTTP to one server.
#[derive(Clone)]
struct Http {
    base: String,
    client: reqwest::Client,
}

impl Http {
    fn new(server: &Server) -> Http {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Http {
            base: server.url.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .expect("an HTTP client"),
        }
    }

    /// A request to `path` (under /api/v1 unless it starts with "//"), with a
    /// bearer token when given.
    fn req(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let url = match path.strip_prefix("//") {
            Some(raw) => format!("{}/{raw}", self.base),
            None => format!("{}/api/v1{path}", self.base),
        };
        let r = self.client.request(method, url);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    }

    async fn get(&self, path: &str, token: &str) -> Reply {
        send(self.req(Method::GET, path, Some(token))).await
    }
}

/// A response, read whole.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: HeaderMap,
    body: String,
}

async fn send(r: RequestBuilder) -> Reply {
    let r = r.send().await.expect("the server answers");
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let body = r.text().await.expect("a body");
    Reply {
        status,
        headers,
        body,
    }
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The problem body; it is one, typed as one, and agrees with the status.
    fn problem(&self, ctx: &str) -> Problem {
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "{ctx}: content type of {} {}",
            self.status,
            self.body
        );
        let p: Problem = serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{ctx}: not a problem body ({e}): {}", self.body));
        assert_eq!(p.status, self.status, "{ctx}: status in the body");
        assert_eq!(p.kind, format!("urn:tend:problem:{}", p.code), "{ctx}");
        assert!(!p.title.is_empty() && !p.detail.is_empty(), "{ctx}: {p:?}");
        p
    }
}

fn client_options() -> ClientOptions {
    ClientOptions {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(30),
        attempts: 3,
        backoff: Duration::from_millis(20),
    }
}

fn remote(server: &Server, token: &str) -> Remote {
    Remote::new(&server.url, Some(token.to_string()), client_options()).expect("a client")
}

/// Polls `ready` until it holds or `within` passes.
async fn eventually<F, Fut>(within: Duration, what: &str, mut ready: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !ready().await {
        assert!(Instant::now() < deadline, "gave up waiting: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Reads one HTTP/1.1 response head from `stream` (up to and with its blank line).
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.expect("read a response head");
        assert!(
            n == 1,
            "the connection closed after {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    String::from_utf8(head).expect("an ASCII head")
}

/// The body of a chunked transfer, whole; panics on a body cut short.
fn dechunk(mut bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let at = bytes
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("a chunk size line");
        let size = std::str::from_utf8(&bytes[..at]).expect("ASCII");
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .unwrap_or_else(|_| panic!("a chunk size: {size:?}"));
        bytes = &bytes[at + 2..];
        if size == 0 {
            return body;
        }
        assert!(bytes.len() >= size + 2, "a chunk cut short");
        body.extend_from_slice(&bytes[..size]);
        bytes = &bytes[size + 2..];
    }
}

/// Sends `request` on a connection of its own and reads the whole answer (the
/// request asks the server to close): its head and its body.
async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> (String, Vec<u8>) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // The server may answer and close before it has read all of a huge request.
    let _ = stream.write_all(request).await;
    let head = read_head(&mut stream).await;
    let mut body = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut body)).await;
    (head, body)
}

fn task(account: Id, title: &str) -> Task {
    Task {
        id: 0,
        version: 1,
        created_at: now(),
        updated_at: now(),
        source: Source::default(),
        external_id: None,
        account_id: account,
        project_id: None,
        title: title.into(),
        description: "the task's own text".into(),
        assignee: String::new(),
        due: None,
        status: TaskStatus::Todo,
        priority: Priority::Normal,
        position: 0,
        kind: TaskKind::Todo,
        alert_id: None,
    }
}

fn as_task(r: Record) -> Task {
    match r {
        Record::Task(t) => t,
        other => panic!("not a task: {other:?}"),
    }
}

fn as_account(r: Record) -> Account {
    match r {
        Record::Account(a) => a,
        other => panic!("not an account: {other:?}"),
    }
}

fn if_match(version: i64) -> String {
    format!("\"{version}\"")
}

// ---------------------------------------------------------------------------
// 1. Who may write what
// ---------------------------------------------------------------------------

/// The csm's user name: no generated account is owned by it.
const CSM: &str = "casey.csm";
/// Another csm, who owns B and C.
const OTHER: &str = "bob.other";

/// Accounts of the role checks: the csm owns A, is on C's team, has nothing to do with B.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Acc {
    A,
    B,
    C,
}

/// One kind of write a role tries.
#[derive(Debug, Clone, Copy)]
enum Attempt {
    CreateTask(Acc),
    /// A new account owned by the csm, or by someone else.
    CreateAccount {
        owned: bool,
    },
    CreatePlaybook,
    UpdateTask(Acc),
    /// Moves a task from one account to another.
    MoveTask(Acc, Acc),
    UpdateAccount(Acc),
    /// Sets the account's owner (a csm may hand over what it owns, not take what
    /// it does not).
    Handover(Acc, &'static str),
    DeleteTask(Acc),
    /// An update and a create in each account, in one batch.
    Batch(&'static [Acc]),
    Usage(&'static [Acc]),
    Recompute(Acc),
    RecomputeAll,
    Import,
}

use Acc::*;
use Attempt::*;

/// Each attempt and the status it gets as [admin, csm, viewer].
const MATRIX: &[(Attempt, [u16; 3])] = &[
    (CreateTask(A), [201, 201, 403]),
    (CreateTask(B), [201, 403, 403]),
    (CreateTask(C), [201, 201, 403]),
    (CreateAccount { owned: true }, [201, 201, 403]),
    (CreateAccount { owned: false }, [201, 403, 403]),
    (CreatePlaybook, [201, 403, 403]),
    (UpdateTask(A), [200, 200, 403]),
    (UpdateTask(B), [200, 403, 403]),
    (UpdateTask(C), [200, 200, 403]),
    (MoveTask(A, B), [200, 403, 403]),
    (MoveTask(B, A), [200, 403, 403]),
    (MoveTask(A, C), [200, 200, 403]),
    (UpdateAccount(A), [200, 200, 403]),
    (UpdateAccount(B), [200, 403, 403]),
    (UpdateAccount(C), [200, 200, 403]),
    (DeleteTask(A), [204, 204, 403]),
    (DeleteTask(B), [204, 403, 403]),
    (DeleteTask(C), [204, 204, 403]),
    (Batch(&[A]), [200, 200, 403]),
    (Batch(&[B]), [200, 403, 403]),
    (Batch(&[A, C]), [200, 200, 403]),
    (Batch(&[A, B]), [200, 403, 403]),
    (Usage(&[A]), [200, 200, 403]),
    (Usage(&[B]), [200, 403, 403]),
    (Usage(&[A, B]), [200, 403, 403]),
    (Recompute(A), [200, 200, 403]),
    (Recompute(B), [200, 403, 403]),
    (RecomputeAll, [200, 403, 403]),
    (Import, [200, 403, 403]),
    (Handover(A, OTHER), [200, 200, 403]),
    (Handover(B, CSM), [200, 403, 403]),
];

/// A server over a small dataset with accounts A, B and C and a token per role.
struct Roles {
    world: World,
    server: Server,
    http: Http,
    admin: String,
    csm: String,
    viewer: String,
    a: Id,
    b: Id,
    c: Id,
    seq: AtomicU32,
}

impl Roles {
    async fn new() -> Roles {
        let world = World::new(8).await;
        let store = world.store.clone();
        let mut ids = store
            .export()
            .await
            .expect("export")
            .accounts
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>();
        ids.sort_unstable();
        let (a, b, c) = (ids[0], ids[1], ids[2]);
        for (id, owner, team) in [
            (a, CSM, vec![]),
            (b, OTHER, vec!["someone.else".to_string()]),
            (c, OTHER, vec![CSM.to_string()]),
        ] {
            let mut acc = as_account(store.get(EntityKind::Account, id).await.expect("get"));
            acc.owner = owner.into();
            acc.team = team;
            store
                .update("setup", Record::Account(acc))
                .await
                .expect("set the owner");
        }
        let (admin, _) = store.create_token("ops", Role::Admin).expect("token");
        let (csm, _) = store.create_token(CSM, Role::Csm).expect("token");
        let (viewer, _) = store.create_token("vera", Role::Viewer).expect("token");
        let server = Server::start(store, roomy()).await;
        let http = Http::new(&server);
        Roles {
            world,
            server,
            http,
            admin,
            csm,
            viewer,
            a,
            b,
            c,
            seq: AtomicU32::new(0),
        }
    }

    fn store(&self) -> &Store {
        &self.world.store
    }

    fn id(&self, acc: Acc) -> Id {
        match acc {
            A => self.a,
            B => self.b,
            C => self.c,
        }
    }

    fn n(&self) -> u32 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// A task made for one attempt, written straight to the store.
    async fn fresh_task(&self, acc: Acc) -> Task {
        let title = format!("fixture task {}", self.n());
        as_task(
            self.store()
                .create("setup", Record::Task(task(self.id(acc), &title)))
                .await
                .expect("create a task"),
        )
    }

    async fn account(&self, id: Id) -> Account {
        as_account(
            self.store()
                .get(EntityKind::Account, id)
                .await
                .expect("account"),
        )
    }

    fn put(&self, token: &str, record: &Record) -> RequestBuilder {
        self.http
            .req(
                Method::PUT,
                &format!("/records/{}/{}", record.kind(), record.id()),
                Some(token),
            )
            .header(header::IF_MATCH, if_match(record.version()))
            .json(record)
    }

    /// Writes what the attempt needs to the store, and answers its request.
    async fn prepare(&self, attempt: Attempt, token: &str) -> RequestBuilder {
        let n = self.n();
        let http = &self.http;
        let post = |path: &str| http.req(Method::POST, path, Some(token));
        match attempt {
            CreateTask(acc) => {
                let t = Record::Task(task(self.id(acc), &format!("new task {n}")));
                post("/records").json(&t)
            }
            CreateAccount { owned } => {
                let mut acc = self.account(self.a).await;
                acc.id = 0;
                acc.name = format!("New Co {n}");
                acc.domain = None;
                acc.external_id = None;
                acc.parent_id = None;
                acc.owner = if owned { CSM } else { OTHER }.into();
                acc.team = vec![];
                post("/records").json(&Record::Account(acc))
            }
            CreatePlaybook => {
                let mut p = self.store().playbooks().await.expect("playbooks")[0].clone();
                p.id = 0;
                p.name = format!("Playbook {n}");
                post("/records").json(&Record::Playbook(p))
            }
            UpdateTask(acc) => {
                let mut t = self.fresh_task(acc).await;
                t.title = format!("edited {n}");
                self.put(token, &Record::Task(t))
            }
            MoveTask(from, to) => {
                let mut t = self.fresh_task(from).await;
                t.account_id = self.id(to);
                self.put(token, &Record::Task(t))
            }
            UpdateAccount(acc) => {
                let mut a = self.account(self.id(acc)).await;
                a.focus_areas.push(format!("focus {n}"));
                self.put(token, &Record::Account(a))
            }
            Handover(acc, to) => {
                // Back to its first owner (an earlier attempt handed it over).
                let mut a = self.account(self.id(acc)).await;
                a.owner = if acc == A { CSM } else { OTHER }.into();
                let mut a = as_account(
                    self.store()
                        .update("setup", Record::Account(a))
                        .await
                        .expect("its first owner"),
                );
                a.owner = to.into();
                self.put(token, &Record::Account(a))
            }
            DeleteTask(acc) => {
                let t = self.fresh_task(acc).await;
                http.req(
                    Method::DELETE,
                    &format!("/records/task/{}", t.id),
                    Some(token),
                )
                .header(header::IF_MATCH, if_match(t.version))
            }
            Batch(accs) => {
                let mut writes = vec![];
                for &acc in accs {
                    let mut t = self.fresh_task(acc).await;
                    t.status = TaskStatus::Doing;
                    writes.push(json!({"op": "update", "record": Record::Task(t)}));
                    let new = Record::Task(task(self.id(acc), &format!("batched {n}")));
                    writes.push(json!({"op": "create", "record": new}));
                }
                post("/batch").json(&json!({ "writes": writes }))
            }
            Usage(accs) => {
                let rows: Vec<Value> = accs
                    .iter()
                    .map(|&acc| {
                        json!({"account_id": self.id(acc), "day": a_day(), "connections": 1000 + n})
                    })
                    .collect();
                post("/usage").json(&rows)
            }
            Recompute(acc) => post("/health/recompute").json(&json!({"account_id": self.id(acc)})),
            RecomputeAll => post("/health/recompute").json(&json!({})),
            Import => {
                let mut d = Dataset::new(demo_anchor());
                let mut acc = self.account(self.a).await;
                acc.id = 90_000 + Id::from(n);
                acc.version = 1;
                acc.name = format!("Imported Co {n}");
                acc.domain = None;
                acc.external_id = None;
                acc.parent_id = None;
                d.accounts.push(acc);
                post("/import").json(&d)
            }
        }
    }

    /// What a refused write must leave as it was: the change logs of A, B and C,
    /// the number of accounts, and the usage of A and B on the day the checks write.
    async fn footprint(&self) -> Vec<u64> {
        let s = self.store();
        let mut out = vec![s.account_count().expect("count")];
        for id in [self.a, self.b, self.c] {
            let log = s
                .change_log(
                    id,
                    PageRequest {
                        offset: 0,
                        limit: 1,
                    },
                )
                .await
                .expect("change log");
            out.push(log.total);
        }
        for id in [self.a, self.b] {
            let q = UsageQuery {
                from: a_day(),
                to: a_day(),
                bucket: Bucket::Day,
            };
            let used: u64 = s
                .usage(id, &q)
                .await
                .expect("usage")
                .iter()
                .map(|b| b.connections)
                .sum();
            out.push(used);
        }
        out
    }
}

#[tokio::test]
async fn each_role_may_write_exactly_what_it_should() {
    let r = Roles::new().await;
    let mut wrong = vec![];
    for &(attempt, expected) in MATRIX {
        for (i, (role, token)) in [("admin", &r.admin), ("csm", &r.csm), ("viewer", &r.viewer)]
            .into_iter()
            .enumerate()
        {
            let request = r.prepare(attempt, token).await;
            let before = r.footprint().await;
            let reply = send(request).await;
            if reply.status != expected[i] {
                wrong.push(format!(
                    "{attempt:?} as {role}: {} (expected {}): {}",
                    reply.status, expected[i], reply.body
                ));
                continue;
            }
            if reply.status == 403 {
                let p = reply.problem(&format!("{attempt:?} as {role}"));
                assert_eq!(p.code, "forbidden");
                assert_eq!(
                    r.footprint().await,
                    before,
                    "{attempt:?} as {role}: a refused write changed the store"
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} answers differ:\n{}",
        wrong.len(),
        MATRIX.len() * 3,
        wrong.join("\n")
    );
}

#[tokio::test]
async fn missing_malformed_unknown_and_revoked_tokens_are_401() {
    let r = Roles::new().await;
    let (revoked, info) = r
        .store()
        .create_token("gone", Role::Admin)
        .expect("a token");
    let a = r.account(r.a).await;
    let path = format!("/records/account/{}", r.a);
    // The token works until it is revoked; the scheme's case does not matter.
    assert_eq!(r.http.get(&path, &revoked).await.status, 200);
    let lower = send(
        r.http
            .req(Method::GET, &path, None)
            .header(header::AUTHORIZATION, format!("bearer {}", r.viewer)),
    )
    .await;
    assert_eq!(lower.status, 200, "{}", lower.body);
    assert!(r.store().revoke_token(info.id).expect("revoke"));

    let headers: Vec<(&str, Option<String>)> = vec![
        ("no Authorization", None),
        ("'Bearer' alone", Some("Bearer".into())),
        ("'Bearer' and spaces", Some("Bearer    ".into())),
        ("Basic", Some("Basic x".into())),
        (
            "Basic with a real token",
            Some(format!("Basic {}", r.admin)),
        ),
        ("a real token without a scheme", Some(r.admin.clone())),
        (
            "an unknown token",
            Some(format!("Bearer tend_{}", "0".repeat(64))),
        ),
        ("a revoked token", Some(format!("Bearer {revoked}"))),
    ];
    let task = r.fresh_task(A).await;
    for (what, value) in headers {
        let requests = [
            ("read", r.http.req(Method::GET, &path, None)),
            (
                "update",
                r.http
                    .req(Method::PUT, &format!("/records/task/{}", task.id), None)
                    .header(header::IF_MATCH, if_match(task.version))
                    .json(&Record::Task(task.clone())),
            ),
            ("me", r.http.req(Method::GET, "/me", None)),
            (
                "import",
                r.http
                    .req(Method::POST, "/import", None)
                    .body("not even a dataset"),
            ),
        ];
        for (call, req) in requests {
            let req = match &value {
                Some(v) => req.header(header::AUTHORIZATION, v),
                None => req,
            };
            let reply = send(req).await;
            let ctx = format!("{call} with {what}");
            assert_eq!(reply.status, 401, "{ctx}: {}", reply.body);
            assert_eq!(
                reply
                    .headers
                    .get(header::WWW_AUTHENTICATE)
                    .map(|v| v.to_str().unwrap()),
                Some("Bearer realm=\"tend\""),
                "{ctx}"
            );
            let p = reply.problem(&ctx);
            assert_eq!(p.code, "unauthorized", "{ctx}");
            assert!(
                !reply.body.contains(&a.name) && !reply.body.contains(&task.title),
                "{ctx}: the 401 tells about the data: {}",
                reply.body
            );
            assert!(!reply.body.contains("tend_"), "{ctx}: it echoes a token");
        }
    }
    // The refused update changed nothing.
    let stored = as_task(r.store().get(EntityKind::Task, task.id).await.expect("get"));
    assert_eq!(stored, task);
}

/// A viewer's write is refused for its role before anything else is read: an
/// invalid body, a missing record or a bad If-Match all answer 403, so the
/// answer says nothing about records the viewer may not write (they were 422 or
/// 404).
#[tokio::test]
async fn a_viewers_write_is_refused_before_its_body_is_read() {
    let r = Roles::new().await;
    let attempts = [
        (Method::POST, "/records".to_string(), Some("{not json")),
        (
            Method::PUT,
            "/records/task/987654321".to_string(),
            Some("{\"record\": 1}"),
        ),
        (Method::DELETE, "/records/task/987654321".to_string(), None),
        (Method::POST, "/batch".to_string(), Some("[]")),
        (Method::POST, "/import".to_string(), Some("garbage")),
        (Method::POST, "/health/recompute".to_string(), None),
        (Method::PUT, "/files?name=a/b".to_string(), Some("garbage")),
    ];
    for (method, path, body) in attempts {
        let mut req = r.http.req(method.clone(), &path, Some(&r.viewer));
        if let Some(b) = body {
            req = req.header(header::CONTENT_TYPE, "application/json").body(b);
        }
        let reply = send(req).await;
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
        assert_eq!(
            reply.problem("viewer").detail,
            "vera is a viewer: writing is not allowed (viewers read only)"
        );
    }
    // The same invalid body from an admin is told as invalid.
    let reply = send(
        r.http
            .req(Method::POST, "/records", Some(&r.admin))
            .header(header::CONTENT_TYPE, "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
}

/// A refusal names the account the write needs (its id, name and owner, which every
/// token can read anyway) and nothing of the record written. A csm's 403 reads
/// "not allowed: account B (NAME) is owned by OWNER and USER is not on its team";
/// a viewer's "USER is a viewer: writing is not allowed (viewers read only)".
#[tokio::test]
async fn refusals_name_the_account_and_nothing_of_the_record() {
    let r = Roles::new().await;
    let b = r.account(r.b).await;
    let mut t = r.fresh_task(B).await;
    t.title = "a secret plan".into();
    t.description = "details nobody else should see".into();
    let original = r.store().get(EntityKind::Task, t.id).await.expect("get");
    let Record::Task(stored) = &original else {
        unreachable!()
    };
    let allowed_keys = ["type", "title", "status", "detail", "code"];

    let csm = send(r.put(&r.csm, &Record::Task(t.clone()))).await;
    assert_eq!(csm.status, 403, "{}", csm.body);
    let p = csm.problem("csm");
    assert_eq!(
        p.detail,
        format!(
            "not allowed: account {} ({}) is owned by {OTHER} and {CSM} is not on its team",
            b.id, b.name
        )
    );
    let viewer = send(r.put(&r.viewer, &Record::Task(t.clone()))).await;
    assert_eq!(viewer.status, 403, "{}", viewer.body);
    let p = viewer.problem("viewer");
    assert_eq!(
        p.detail,
        "vera is a viewer: writing is not allowed (viewers read only)"
    );
    assert!(!viewer.body.contains(&b.name), "{}", viewer.body);

    // A delete of B's task, and a batch that hides it behind a write of A.
    let delete = send(
        r.http
            .req(
                Method::DELETE,
                &format!("/records/task/{}", t.id),
                Some(&r.csm),
            )
            .header(header::IF_MATCH, if_match(t.version)),
    )
    .await;
    let a_task = r.fresh_task(A).await;
    let batch = send(
        r.http
            .req(Method::POST, "/batch", Some(&r.csm))
            .json(&json!({
                "writes": [
                    {"op": "update", "record": Record::Task(a_task)},
                    {"op": "update", "record": Record::Task(t.clone())},
                ]
            })),
    )
    .await;
    for reply in [&csm, &viewer, &delete, &batch] {
        assert_eq!(reply.status, 403, "{}", reply.body);
        let body = reply.json();
        let keys: Vec<&String> = body.as_object().expect("an object").keys().collect();
        assert!(
            keys.iter().all(|k| allowed_keys.contains(&k.as_str())),
            "{keys:?}"
        );
        for secret in [
            &t.title,
            &t.description,
            &stored.title,
            &stored.description,
            &b.domain.clone().unwrap_or_else(|| "-".repeat(40)),
        ] {
            assert!(!reply.body.contains(secret.as_str()), "{}", reply.body);
        }
    }
    // Nothing changed.
    assert_eq!(
        r.store().get(EntityKind::Task, t.id).await.expect("get"),
        original
    );
}

#[tokio::test]
async fn the_change_log_names_the_token_user_or_an_admins_actor() {
    let r = Roles::new().await;
    let edit = |token: &str, actor: Option<&str>, t: &Task| {
        let mut t = t.clone();
        t.title = format!("{} (edited)", t.title);
        let req = r.put(token, &Record::Task(t));
        match actor {
            Some(a) => req.header(ACTOR_HEADER, encode_header(a)),
            None => req,
        }
    };
    let cases = [
        // A csm's header is ignored: the write is the token's user's.
        (&r.csm, Some("Mallory Impostor"), CSM),
        (&r.csm, None, CSM),
        // An admin names whom the write is for.
        (&r.admin, Some("Zoë Ng (sync bot)"), "Zoë Ng (sync bot)"),
        (&r.admin, None, "ops"),
        // A blank actor is no actor.
        (&r.admin, Some("  "), "ops"),
    ];
    for (token, actor, recorded) in cases {
        let t = r.fresh_task(A).await;
        let reply = send(edit(token, actor, &t)).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        let log = r
            .store()
            .change_log(
                r.a,
                PageRequest {
                    offset: 0,
                    limit: 100,
                },
            )
            .await
            .expect("change log");
        let actors: Vec<&str> = log
            .items
            .iter()
            .filter(|e| {
                e.entity == EntityKind::Task
                    && e.record_id == t.id
                    && e.action == ChangeAction::Update
            })
            .map(|e| e.actor.as_str())
            .collect();
        assert!(!actors.is_empty(), "no update of task {} logged", t.id);
        assert!(
            actors.iter().all(|a| *a == recorded),
            "{actor:?}: logged as {actors:?}, expected {recorded}"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. Malformed requests
// ---------------------------------------------------------------------------

/// What a malformed request sends as its body.
enum Sent {
    Nothing,
    Json(Value),
    /// Raw bytes with this Content-Type (none when None).
    Raw(Option<&'static str>, Vec<u8>),
}

struct Bad {
    what: String,
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Sent,
    /// The exact status expected.
    status: u16,
}

fn bad(what: &str, method: Method, path: impl Into<String>, body: Sent, status: u16) -> Bad {
    Bad {
        what: what.into(),
        method,
        path: path.into(),
        headers: vec![],
        body,
        status,
    }
}

impl Bad {
    fn with(mut self, name: &'static str, value: impl Into<String>) -> Bad {
        self.headers.push((name, value.into()));
        self
    }
}

fn raw_json(s: &str) -> Sent {
    Sent::Raw(Some("application/json"), s.as_bytes().to_vec())
}

#[tokio::test]
async fn malformed_requests_are_4xx_problems_never_5xx() {
    let world = World::new(8).await;
    let store = world.store.clone();
    let (admin, _) = store.create_token("ops", Role::Admin).expect("token");
    let limits = Limits {
        body: 16 << 10,
        import_body: 64 << 10,
        ..roomy()
    };
    let server = Server::start(store.clone(), limits).await;
    let http = Http::new(&server);
    let acc = as_account(store.get(EntityKind::Account, 1).await.expect("account 1"));
    let t = as_task(
        store
            .create("setup", Record::Task(task(acc.id, "target")))
            .await
            .expect("a task"),
    );
    let task_path = format!("/records/task/{}", t.id);
    let task_json = serde_json::to_value(Record::Task(t.clone())).expect("json");
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = task_json.clone();
        f(&mut v);
        Sent::Json(v)
    };
    let big = "x".repeat(20 << 10);
    let usage = format!("/accounts/{}/usage?from=2026-01-01&to=2026-02-01", acc.id);
    use Method as M;
    #[rustfmt::skip]
    let cases = vec![
        // Bodies.
        bad("invalid JSON", M::POST, "/records", raw_json("{\"kind\": "), 400),
        bad("trailing garbage", M::POST, "/records", raw_json(&format!("{task_json}x")), 400),
        bad("not UTF-8", M::POST, "/records", Sent::Raw(Some("application/json"), vec![b'"', 0xff, 0xfe, b'"']), 400),
        bad("empty body", M::POST, "/records", raw_json(""), 400),
        bad("JSON nested too deep", M::POST, "/batch", raw_json(&format!("{}{}", "[".repeat(5000), "]".repeat(5000))), 422),
        bad("a string for an id", M::POST, "/records", with(&|v| v["record"]["id"] = json!("seven")), 422),
        bad("a string for a version", M::PUT, &task_path, with(&|v| v["record"]["version"] = json!("1")), 422),
        bad("a number too large for an id", M::POST, "/records", with(&|v| v["record"]["account_id"] = json!(1e300)), 422),
        bad("a null title", M::POST, "/records", with(&|v| v["record"]["title"] = Value::Null), 422),
        bad("an unknown field in a record", M::POST, "/records", with(&|v| v["record"]["colour"] = json!("red")), 422),
        bad("an unknown kind", M::POST, "/records", with(&|v| v["kind"] = json!("spaceship")), 422),
        bad("a record without its kind", M::POST, "/records", Sent::Json(task_json["record"].clone()), 422),
        bad("an unknown field beside a record", M::POST, "/records", with(&|v| v["version"] = json!(3)), 422),
        bad("an unknown field in a batch write", M::POST, "/batch", Sent::Json(json!({"writes": [{"op": "create", "record": task_json, "if_match": 1}]})), 422),
        bad("an unknown field in a batch delete", M::POST, "/batch", Sent::Json(json!({"writes": [{"op": "delete", "kind": "task", "id": t.id, "version": 0, "cascade": true}]})), 422),
        bad("a bad enum value in a record", M::POST, "/records", with(&|v| v["record"]["status"] = json!("someday")), 422),
        bad("a bad date in a record", M::POST, "/records", with(&|v| v["record"]["due"] = json!("2026-02-30")), 422),
        bad("an unknown field in a batch", M::POST, "/batch", Sent::Json(json!({"writes": [], "atomic": true})), 422),
        bad("an unknown batch op", M::POST, "/batch", Sent::Json(json!({"writes": [{"op": "upsert", "record": task_json}]})), 422),
        bad("writes not a list", M::POST, "/batch", Sent::Json(json!({"writes": {}})), 422),
        bad("an unknown field in a recompute", M::POST, "/health/recompute", Sent::Json(json!({"account": 1})), 422),
        bad("a string account in a recompute", M::POST, "/health/recompute", Sent::Json(json!({"account_id": "one"})), 422),
        bad("usage not a list", M::POST, "/usage", Sent::Json(json!({"account_id": 1})), 422),
        bad("a bad day in usage", M::POST, "/usage", Sent::Json(json!([{"account_id": 1, "day": "yesterday", "connections": 1}])), 422),
        bad("negative connections", M::POST, "/usage", Sent::Json(json!([{"account_id": 1, "day": "2026-11-20", "connections": -1}])), 422),
        bad("usage of a missing account", M::POST, "/usage", Sent::Json(json!([{"account_id": 987654, "day": "2026-11-20", "connections": 1}])), 422),
        bad("an import that is not a dataset", M::POST, "/import", raw_json("{\"accounts\": 3}"), 422),
        bad("an import that is not JSON", M::POST, "/import", Sent::Raw(None, b"\x00\x01binary".to_vec()), 422),
        // Content types and sizes.
        bad("no Content-Type", M::POST, "/records", Sent::Raw(None, serde_json::to_vec(&task_json).unwrap()), 415),
        bad("a text Content-Type", M::POST, "/records", Sent::Raw(Some("text/plain"), serde_json::to_vec(&task_json).unwrap()), 415),
        bad("a form Content-Type", M::POST, "/batch", Sent::Raw(Some("application/x-www-form-urlencoded"), b"writes=1".to_vec()), 415),
        bad("a body over the limit", M::POST, "/records", with(&|v| v["record"]["description"] = json!(big)), 413),
        bad("a batch over the limit", M::POST, "/batch", Sent::Json(json!({"writes": [], "pad": big})), 413),
        bad("an import over its limit", M::POST, "/import", raw_json(&format!("{{\"pad\": \"{}\"}}", "y".repeat(80 << 10))), 413),
        // Query strings.
        bad("an unknown query parameter", M::GET, "/accounts?colour=red", Sent::Nothing, 400),
        bad("an unknown parameter of tasks", M::GET, "/tasks?owner=x", Sent::Nothing, 400),
        bad("an unknown parameter of cases", M::GET, "/cases?q=x", Sent::Nothing, 400),
        bad("an unknown parameter of alerts", M::GET, "/alerts?status=open", Sent::Nothing, 400),
        bad("an unknown parameter of interactions", M::GET, "/interactions?text=x", Sent::Nothing, 400),
        bad("an unknown parameter of changes", M::GET, "/accounts/1/changes?offset=5", Sent::Nothing, 400),
        bad("an unknown parameter of agreements", M::GET, "/accounts/1/agreements?state=x", Sent::Nothing, 400),
        bad("an unknown parameter of usage", M::GET, format!("{usage}&size=9"), Sent::Nothing, 400),
        bad("a huge unknown query string", M::GET, format!("/accounts?{}=1", "k".repeat(30 << 10)), Sent::Nothing, 400),
        bad("a bad stage", M::GET, "/accounts?stage=dormant", Sent::Nothing, 400),
        bad("a bad health status", M::GET, "/accounts?status=purple", Sent::Nothing, 400),
        bad("a bad sort", M::GET, "/accounts?sort=shoe_size", Sent::Nothing, 400),
        bad("a bad boolean", M::GET, "/accounts?desc=maybe", Sent::Nothing, 400),
        bad("a bad case priority", M::GET, "/cases?priority=meh", Sent::Nothing, 400),
        bad("a bad case signal", M::GET, "/cases?signal=smoke", Sent::Nothing, 400),
        bad("a bad health_below", M::GET, "/cases?health_below=low", Sent::Nothing, 400),
        bad("a bad task status", M::GET, "/tasks?status=blocked", Sent::Nothing, 400),
        bad("a bad due_before", M::GET, "/tasks?due_before=tomorrow", Sent::Nothing, 400),
        bad("a bad alert state", M::GET, "/alerts?state=angry", Sent::Nothing, 400),
        bad("a bad interaction kind", M::GET, "/interactions?kind=telegram", Sent::Nothing, 400),
        bad("a string account_id", M::GET, "/interactions?account_id=one", Sent::Nothing, 400),
        bad("a bad agreement status", M::GET, "/accounts/1/agreements?status=maybe", Sent::Nothing, 400),
        bad("a bad usage bucket", M::GET, format!("{usage}&bucket=fortnight"), Sent::Nothing, 400),
        bad("usage without a range", M::GET, "/accounts/1/usage", Sent::Nothing, 400),
        bad("usage with a bad date", M::GET, "/accounts/1/usage?from=2026-13-01&to=2026-12-01", Sent::Nothing, 400),
        bad("usage ending before it starts", M::GET, "/accounts/1/usage?from=2026-02-01&to=2026-01-01", Sent::Nothing, 422),
        bad("usage over every day a date can name", M::GET, "/accounts/1/usage?from=-262143-01-01&to=%2B262142-12-31", Sent::Nothing, 422),
        bad("usage over 10001 days", M::GET, "/accounts/1/usage?from=2000-01-01&to=2027-05-19", Sent::Nothing, 422),
        bad("a bad cursor", M::GET, "/accounts?cursor=zzz", Sent::Nothing, 422),
        bad("a cursor without its offset", M::GET, "/cases?cursor=p", Sent::Nothing, 422),
        bad("a bad cursor of changes", M::GET, "/accounts/1/changes?cursor=page2", Sent::Nothing, 422),
        bad("limit=0", M::GET, "/accounts?limit=0", Sent::Nothing, 422),
        bad("limit=100000", M::GET, "/accounts?limit=100000", Sent::Nothing, 422),
        bad("limit=0 of interactions", M::GET, "/interactions?limit=0", Sent::Nothing, 422),
        bad("limit=100000 of alerts", M::GET, "/alerts?limit=100000", Sent::Nothing, 422),
        bad("a negative limit", M::GET, "/cases?limit=-1", Sent::Nothing, 400),
        bad("a limit past u32", M::GET, "/accounts?limit=99999999999", Sent::Nothing, 400),
        // Paths.
        bad("a kind that does not exist", M::GET, "/records/spaceship/1", Sent::Nothing, 400),
        bad("a non-numeric record id", M::GET, "/records/task/abc", Sent::Nothing, 400),
        bad("a record id past i64", M::GET, "/records/task/99999999999999999999", Sent::Nothing, 400),
        bad("a non-numeric account id", M::GET, "/accounts/abc", Sent::Nothing, 400),
        bad("a non-numeric account id of health", M::GET, "/accounts/1.5/health", Sent::Nothing, 400),
        bad("a record that does not exist", M::GET, "/records/task/987654321", Sent::Nothing, 404),
        bad("an account that does not exist", M::GET, "/accounts/987654321", Sent::Nothing, 404),
        bad("an unknown path", M::GET, "/nope", Sent::Nothing, 404),
        bad("an unknown path outside the API", M::GET, "//index.html", Sent::Nothing, 404),
        bad("another API version", M::GET, "//api/v2/accounts", Sent::Nothing, 404),
        bad("a path past a record", M::GET, format!("{task_path}/extra"), Sent::Nothing, 404),
        // Methods.
        bad("DELETE of the portfolio", M::DELETE, "/accounts", Sent::Nothing, 405),
        bad("POST to an account", M::POST, "/accounts/1", Sent::Json(json!({})), 405),
        bad("GET of the batch", M::GET, "/batch", Sent::Nothing, 405),
        bad("PUT of records", M::PUT, "/records", Sent::Json(json!({})), 405),
        bad("PATCH of a record", M::PATCH, &task_path, Sent::Json(json!({})), 405),
        bad("GET of the import", M::GET, "/import", Sent::Nothing, 405),
        // Writes of one record.
        bad("a body of another kind than the path", M::PUT, format!("/records/contact/{}", t.id), Sent::Json(task_json.clone()), 422),
        bad("a body of another id than the path", M::PUT, format!("/records/task/{}", t.id + 1), Sent::Json(task_json.clone()), 422),
        bad("If-Match not a number", M::PUT, &task_path, Sent::Json(task_json.clone()), 422).with("if-match", "\"latest\""),
        bad("If-Match of another version", M::PUT, &task_path, Sent::Json(task_json.clone()), 412).with("if-match", "\"7\""),
        bad("a weak If-Match of the very version", M::PUT, &task_path, Sent::Json(task_json.clone()), 412).with("if-match", format!("W/\"{}\"", t.version)),
        bad("a delete with a weak If-Match", M::DELETE, &task_path, Sent::Nothing, 412).with("if-match", format!("W/\"{}\"", t.version)),
        bad("a stale version", M::PUT, &task_path, with(&|v| v["record"]["version"] = json!(0)), 409),
        bad("a delete without If-Match", M::DELETE, &task_path, Sent::Nothing, 428),
        bad("a delete with If-Match not a number", M::DELETE, &task_path, Sent::Nothing, 422).with("if-match", "*"),
        bad("a delete of a stale version", M::DELETE, &task_path, Sent::Nothing, 409).with("if-match", "\"0\""),
        bad("a delete of a missing record", M::DELETE, "/records/task/987654321", Sent::Nothing, 404).with("if-match", "\"1\""),
        bad("an update of a missing record", M::PUT, "/records/task/987654321", with(&|v| v["record"]["id"] = json!(987654321)), 404),
        bad("a task of a missing account", M::POST, "/records", with(&|v| v["record"]["account_id"] = json!(987654321)), 422),
        bad("a task without a title", M::POST, "/records", with(&|v| v["record"]["title"] = json!("  ")), 422),
        bad("a task title over its limit", M::POST, "/records", with(&|v| v["record"]["title"] = json!("t".repeat(1001))), 422),
        bad("a task assignee over its limit", M::PUT, &task_path, with(&|v| v["record"]["assignee"] = json!("x".repeat(1001))), 422),
        bad("recompute of a missing account", M::POST, "/health/recompute", Sent::Json(json!({"account_id": 987654321})), 404),
        bad("recompute of an array", M::POST, "/health/recompute", raw_json("[null]"), 422),
        bad("a record as an array", M::POST, "/records", raw_json("[\"task\", {}]"), 422),
    ];
    // Requests the HTTP layer refuses before the API sees them (sent raw: reqwest
    // will not send them): a problem body all the same.
    let terms = vec!["stage = active"; 5000].join(" and ");
    let params: String = (0..10_000).map(|i| format!("p{i}=1&")).collect();
    let raw: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "10,000 query parameters",
            format!("/api/v1/accounts?{params}").into_bytes(),
            414,
        ),
        (
            "a 100,000-digit id",
            format!("/api/v1/accounts/{}", "9".repeat(100_000)).into_bytes(),
            414,
        ),
        (
            "a 1 MB query",
            format!("/api/v1/accounts?q={}", "q".repeat(1 << 20)).into_bytes(),
            431,
        ),
        (
            "raw 0xFF bytes in the query",
            b"/api/v1/accounts?q=\xff\xfe".to_vec(),
            400,
        ),
        (
            "a filter of 5,000 terms",
            format!("/api/v1/cases?filter={}", terms.replace(' ', "%20")).into_bytes(),
            414,
        ),
    ];
    for (what, target, status) in raw {
        let mut request = b"GET ".to_vec();
        request.extend_from_slice(&target);
        request.extend_from_slice(
            format!(" HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {admin}\r\nConnection: close\r\n\r\n", server.addr)
                .as_bytes(),
        );
        let (head, body) = raw_exchange(server.addr, &request).await;
        let problem: Problem = serde_json::from_slice(&body).unwrap_or_else(|e| {
            panic!(
                "{what}: not a problem ({e}): {head}{}",
                String::from_utf8_lossy(&body)
            )
        });
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} ")),
            "{what}: {head}"
        );
        assert_eq!(problem.status, status, "{what}");
        assert!(
            head.to_ascii_lowercase()
                .contains("content-type: application/problem+json\r\n"),
            "{what}: {head}"
        );
    }

    let mut wrong = vec![];
    for c in &cases {
        let mut req = http.req(c.method.clone(), &c.path, Some(&admin));
        for (name, value) in &c.headers {
            req = req.header(*name, value);
        }
        req = match &c.body {
            Sent::Nothing => req,
            Sent::Json(v) => req.json(v),
            Sent::Raw(ct, bytes) => {
                let req = req.body(bytes.clone());
                match ct {
                    Some(ct) => req.header(header::CONTENT_TYPE, *ct),
                    None => req,
                }
            }
        };
        let reply = send(req).await;
        let is_problem = reply.content_type() == "application/problem+json"
            && serde_json::from_str::<Problem>(&reply.body).is_ok_and(|p| p.status == reply.status);
        if reply.status != c.status || !is_problem {
            wrong.push(format!(
                "{} ({} {}): {} {:?} {}",
                c.what,
                c.method,
                c.path.chars().take(80).collect::<String>(),
                reply.status,
                reply.content_type(),
                reply.body.chars().take(300).collect::<String>()
            ));
        }
        assert!(
            reply.status < 500,
            "{}: {} {}",
            c.what,
            reply.status,
            reply.body
        );
        if reply.status == 405 {
            assert!(
                reply.headers.contains_key(header::ALLOW),
                "{}: no Allow",
                c.what
            );
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} malformed requests were not answered as expected:\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n")
    );
    // A text over its limit names its field.
    let mut long = task_json.clone();
    long["record"]["title"] = json!("t".repeat(1001));
    let reply = send(
        http.req(M::PUT, &task_path, Some(&admin))
            .json(&long)
            .header("if-match", format!("\"{}\"", t.version)),
    )
    .await;
    let p = reply.problem("422");
    assert_eq!(p.field.as_deref(), Some("title"), "{}", reply.body);
    assert!(
        p.detail.contains("longer than 1000 characters"),
        "{}",
        p.detail
    );
    // The target task went through all that unchanged.
    assert_eq!(
        store.get(EntityKind::Task, t.id).await.expect("get"),
        Record::Task(t)
    );
}

/// Odd but well-formed requests: whatever they answer, it is not a 5xx.
#[tokio::test]
async fn odd_queries_are_never_5xx() {
    let world = World::new(8).await;
    let (admin, _) = world.store.create_token("ops", Role::Admin).expect("token");
    let server = Server::start(world.store.clone(), roomy()).await;
    let http = Http::new(&server);
    let long = "a".repeat(20 << 10);
    let paths = [
        "/interactions?q=%22".to_string(),
        "/interactions?q=*".into(),
        "/interactions?q=NEAR(".into(),
        "/interactions?q=AND%20OR%20NOT".into(),
        "/interactions?q=%ZZ".into(),
        format!("/interactions?q={long}"),
        format!("/accounts?q={long}"),
        "/accounts?q=%25_%5C".into(),
        "/accounts?tag=%00".into(),
        "/cases?health_below=NaN".into(),
        "/cases?health_below=1e309".into(),
        "/cases?health_below=-inf".into(),
        "/tasks?due_before=9999-12-31".into(),
        "/tasks?account_id=9223372036854775807".into(),
        "/accounts?parent_id=-9223372036854775808".into(),
        "/accounts?limit=10000".into(),
        format!("/accounts?cursor=p{}", "f".repeat(16)),
        "/accounts/1/usage?from=2000-01-01&to=2030-12-31&bucket=month".into(),
        "/accounts/1/usage?from=2000-01-01&to=2027-05-18".into(),
        "/accounts/-1/health".into(),
        "/records/task/0".into(),
    ];
    for p in &paths {
        let reply = http.get(p, &admin).await;
        assert!(
            reply.status < 500,
            "{}: {} {}",
            p.chars().take(80).collect::<String>(),
            reply.status,
            reply.body
        );
    }
    // The last day a date can name is one bucket, of any size.
    for bucket in ["day", "week", "month"] {
        let path =
            format!("/accounts/1/usage?from=%2B262142-12-31&to=%2B262142-12-31&bucket={bucket}");
        let reply = http.get(&path, &admin).await;
        assert_eq!(reply.status, 200, "{bucket}: {}", reply.body);
        assert_eq!(reply.json().as_array().map(Vec::len), Some(1), "{bucket}");
    }
}

// ---------------------------------------------------------------------------
// 3. Two clients editing the same record
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_second_of_two_concurrent_edits_is_a_conflict() {
    let r = Roles::new().await;
    let t = r.fresh_task(A).await;
    // Two people: the admin and the csm who owns A, each with their own client.
    let one = remote(&r.server, &r.admin);
    let two = remote(&r.server, &r.csm);
    let mine = as_task(one.get(EntityKind::Task, t.id).await.expect("read one"));
    let theirs = as_task(two.get(EntityKind::Task, t.id).await.expect("read two"));
    let v = mine.version;
    assert_eq!(theirs.version, v);

    let mut first = mine.clone();
    first.title = "first edit".into();
    let saved = as_task(
        one.update("ops", Record::Task(first))
            .await
            .expect("the first edit wins"),
    );
    assert_eq!(saved.version, v + 1);
    assert_eq!(saved.title, "first edit");

    let mut second = theirs.clone();
    second.title = "second edit".into();
    let err = two
        .update(CSM, Record::Task(second.clone()))
        .await
        .expect_err("the second edit is refused");
    assert_eq!(
        err,
        Error::Conflict {
            kind: EntityKind::Task,
            id: t.id,
            expected: v,
            actual: v + 1,
        }
    );
    // The same refusal on the wire.
    let reply = send(r.put(&r.csm, &Record::Task(second.clone()))).await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    let p = reply.problem("conflict");
    assert_eq!(p.code, "conflict");
    assert_eq!(
        (p.entity, p.id, p.expected, p.actual),
        (Some(EntityKind::Task), Some(t.id), Some(v), Some(v + 1))
    );
    // A stale delete is refused the same way.
    let err = two
        .delete(CSM, EntityKind::Task, t.id, v)
        .await
        .expect_err("a stale delete");
    assert!(matches!(err, Error::Conflict { actual, .. } if actual == v + 1));
    // The first edit stands; reloading and editing again works.
    let now = as_task(two.get(EntityKind::Task, t.id).await.expect("reload"));
    assert_eq!(now, saved);
    second.version = now.version;
    let again = as_task(
        two.update(CSM, Record::Task(second))
            .await
            .expect("edit after reload"),
    );
    assert_eq!(
        (again.version, again.title.as_str()),
        (v + 2, "second edit")
    );
}

// ---------------------------------------------------------------------------
// 4. A server restart under a connected client
// ---------------------------------------------------------------------------

/// Binds `addr` again, retrying while the port is still being released.
async fn rebind(addr: SocketAddr) -> tokio::net::TcpListener {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(e) if Instant::now() < deadline => {
                eprintln!("rebinding {addr}: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot bind {addr} again: {e}"),
        }
    }
}

#[tokio::test]
async fn a_client_lives_through_a_server_restart() {
    let world = World::new(8).await;
    let (token, _) = world
        .store
        .create_token("ops", Role::Viewer)
        .expect("token");
    let mut server = Server::start(world.store.clone(), roomy()).await;
    let addr = server.addr;
    let client = remote(&server, &token);
    let before = client.account(1).await.expect("a read");

    server.stopped().await;
    // Down: the read is retried (3 attempts here, 20 ms then 60 ms apart), then
    // fails naming the server.
    let err = client.account(1).await.expect_err("the server is down");
    let Error::Unavailable { message } = &err else {
        panic!("expected Unavailable, got {err:?}");
    };
    assert!(
        message.contains("server unreachable at") && message.contains(&server.url),
        "{message}"
    );
    // Writes are not retried, and fail the same way.
    let write = client.record_usage(vec![]).await.expect_err("down");
    assert!(matches!(write, Error::Unavailable { .. }), "{write:?}");

    // A new server on the same port over the same store file.
    let listener = rebind(addr).await;
    let mut again = Server::on(listener, open(&world.path()), roomy());
    assert_eq!(again.url, server.url);
    let after = client
        .account(1)
        .await
        .expect("the same client reads again");
    assert_eq!(after, before);
    assert_eq!(client.me().await.expect("me").user, "ops");
    again.stopped().await;
}

/// A read issued while the server is down succeeds once it is back, within the
/// client's retries (here up to 8 attempts, 50 ms apart and tripling).
#[tokio::test]
async fn a_read_retries_until_the_server_is_back() {
    let world = World::new(0).await;
    let (token, _) = world
        .store
        .create_token("ops", Role::Viewer)
        .expect("token");
    let mut server = Server::start(world.store.clone(), roomy()).await;
    let addr = server.addr;
    server.stopped().await;
    let patient = Remote::new(
        &server.url,
        Some(token),
        ClientOptions {
            attempts: 8,
            backoff: Duration::from_millis(50),
            ..client_options()
        },
    )
    .expect("a client");
    let read = tokio::spawn(async move { patient.me().await });
    let listener = rebind(addr).await;
    let mut again = Server::on(listener, open(&world.path()), roomy());
    let me = read
        .await
        .expect("the read task")
        .expect("the read succeeds");
    assert_eq!(me.user, "ops");
    again.stopped().await;
}

// ---------------------------------------------------------------------------
// 5. The rate limit
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_rate_limit_limits_each_token_on_its_own() {
    let world = World::new(0).await;
    let (one, _) = world
        .store
        .create_token("one", Role::Viewer)
        .expect("token");
    let (two, _) = world
        .store
        .create_token("two", Role::Viewer)
        .expect("token");
    let limits = Limits {
        per_second: 5,
        burst: 5,
        ..Limits::default()
    };
    let server = Server::start(world.store.clone(), limits).await;
    let http = Http::new(&server);
    let mut statuses = vec![];
    let mut limited = None;
    // About 30 requests in a row; a slow machine gets more before giving up.
    for i in 0..300 {
        let reply = http.get("/me", &one).await;
        statuses.push(reply.status);
        if reply.status == 429 {
            limited.get_or_insert(reply);
            if i >= 29 {
                break;
            }
        }
    }
    assert!(
        statuses[..5].iter().all(|s| *s == 200),
        "the burst of 5 passes: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    let reply = limited.unwrap_or_else(|| panic!("no request was limited: {statuses:?}"));
    let retry: u64 = reply
        .headers
        .get(header::RETRY_AFTER)
        .expect("Retry-After")
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("seconds");
    assert!(retry >= 1, "{retry}");
    let p = reply.problem("429");
    assert_eq!(p.code, "too_many_requests");

    // Another token, and a request without one, have buckets of their own.
    for i in 0..5 {
        let reply = http.get("/me", &two).await;
        assert_eq!(
            reply.status, 200,
            "request {i} of another token: {}",
            reply.body
        );
    }
    let status = send(http.req(Method::GET, "/status", None)).await;
    assert_eq!(status.status, 200, "{}", status.body);
}

/// Tokens the server does not know have no bucket of their own: a new made-up
/// token on each request is limited with the address's requests, while a real
/// token keeps its own bucket.
#[tokio::test]
async fn made_up_tokens_share_their_address_bucket() {
    let world = World::new(0).await;
    let (real, _) = world
        .store
        .create_token("real", Role::Viewer)
        .expect("token");
    let limits = Limits {
        per_second: 5,
        burst: 5,
        ..Limits::default()
    };
    let server = Server::start(world.store.clone(), limits).await;
    let http = Http::new(&server);
    let mut statuses = vec![];
    for i in 0..300 {
        let made_up = format!("tend_{i:064x}");
        let reply = http.get("/me", &made_up).await;
        statuses.push(reply.status);
        if reply.status == 429 && i >= 29 {
            break;
        }
    }
    assert!(statuses[..5].iter().all(|s| *s == 401), "{statuses:?}");
    assert!(
        statuses.contains(&429),
        "made-up tokens were never limited: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    // The address's bucket is spent; the real token's is not.
    let anonymous = send(http.req(Method::GET, "/status", None)).await;
    assert_eq!(anonymous.status, 429, "{}", anonymous.body);
    for i in 0..5 {
        let reply = http.get("/me", &real).await;
        assert_eq!(
            reply.status, 200,
            "request {i} of a real token: {}",
            reply.body
        );
    }
}

/// A request over the timeout is a 503 problem with `Retry-After`, like every other
/// error (the timeout is the server's own, in its request guard).
#[tokio::test]
async fn a_request_over_the_timeout_is_a_503_problem() {
    let world = World::new(100).await;
    let (admin, _) = world.store.create_token("ops", Role::Admin).expect("token");
    // No time at all: rescoring every account waits on the store, so it is over at
    // once.
    let limits = Limits {
        timeout: Duration::ZERO,
        ..roomy()
    };
    let server = Server::start(world.store.clone(), limits).await;
    let http = Http::new(&server);
    let reply = send(
        http.req(Method::POST, "/health/recompute", Some(&admin))
            .json(&json!({})),
    )
    .await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    let p = reply.problem("503");
    assert_eq!(p.code, "timeout");
    assert_eq!(
        reply
            .headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
}

/// Connections that drip a request's head slower than the header timeout are
/// closed; the server goes on answering everyone else meanwhile.
#[tokio::test]
async fn slow_headers_are_dropped_and_others_still_answered() {
    let world = World::new(4).await;
    let (admin, _) = world.store.create_token("ops", Role::Admin).expect("token");
    let limits = Limits {
        header_timeout: Duration::from_millis(500),
        ..roomy()
    };
    let server = Server::start(world.store.clone(), limits).await;
    let http = Http::new(&server);
    let mut drips = vec![];
    for _ in 0..200 {
        let addr = server.addr;
        drips.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.write_all(b"GET /api/v1/accounts HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .await
                .expect("the first bytes");
            let started = Instant::now();
            let mut scratch = [0u8; 256];
            loop {
                if s.write_all(b"a").await.is_err() {
                    return;
                }
                match tokio::time::timeout(Duration::from_millis(100), s.read(&mut scratch)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return,
                    Ok(Ok(n)) => panic!(
                        "an answer to a head never finished: {}",
                        String::from_utf8_lossy(&scratch[..n])
                    ),
                    Err(_) => {}
                }
                // A guard against hanging the suite, far above the timeout.
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "a slow head still open after a minute"
                );
            }
        }));
    }
    for _ in 0..5 {
        let reply = http.get("/accounts", &admin).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    for d in drips {
        d.await.expect("each slow connection was closed");
    }
    let reply = http.get("/accounts", &admin).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// One connection over the cap is answered 503 (a problem) and closed; once one
/// closes, the next is served.
#[tokio::test]
async fn connections_over_the_cap_are_refused_with_a_problem() {
    let world = World::new(2).await;
    let limits = Limits {
        max_connections: 4,
        ..roomy()
    };
    let server = Server::start(world.store.clone(), limits).await;
    // Four kept-alive connections, each answered once (so the server holds them).
    let mut open = vec![];
    for _ in 0..4 {
        let mut s = tokio::net::TcpStream::connect(server.addr)
            .await
            .expect("connect");
        s.write_all(b"GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("send");
        let head = read_head(&mut s).await;
        assert!(head.starts_with("HTTP/1.1 404 "), "{head}");
        open.push(s);
    }
    let request = b"GET /api/v1/nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let (head, body) = raw_exchange(server.addr, request).await;
    assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
    assert!(head.contains("retry-after: 1\r\n"), "{head}");
    let problem: Problem = serde_json::from_slice(&body).expect("a problem");
    assert_eq!((problem.status, problem.code.as_str()), (503, "busy"));
    drop(open.pop());
    eventually(
        Duration::from_secs(30),
        "a free slot after one closed",
        || async {
            let (head, _) = raw_exchange(server.addr, request).await;
            head.starts_with("HTTP/1.1 404 ")
        },
    )
    .await;
}

// ---------------------------------------------------------------------------
// 6. The OpenAPI document
// ---------------------------------------------------------------------------

/// Every route of the API but the document itself, with its methods.
const ROUTES: &[(&str, &[&str])] = &[
    ("/api/v1/status", &["get"]),
    ("/api/v1/me", &["get"]),
    ("/api/v1/accounts", &["get"]),
    ("/api/v1/accounts/{id}", &["get"]),
    ("/api/v1/accounts/{id}/usage", &["get"]),
    ("/api/v1/accounts/{id}/usage/breakdown", &["get"]),
    ("/api/v1/accounts/{id}/agreements", &["get"]),
    ("/api/v1/accounts/{id}/changes", &["get"]),
    ("/api/v1/accounts/{id}/health", &["get"]),
    ("/api/v1/accounts/{id}/timeline", &["get"]),
    ("/api/v1/interactions", &["get"]),
    ("/api/v1/tasks", &["get"]),
    ("/api/v1/cases", &["get"]),
    ("/api/v1/alerts", &["get"]),
    ("/api/v1/dashboard", &["get"]),
    ("/api/v1/playbooks", &["get"]),
    ("/api/v1/health/recompute", &["post"]),
    ("/api/v1/records", &["post"]),
    ("/api/v1/records/{kind}/{id}", &["get", "put", "delete"]),
    ("/api/v1/batch", &["post"]),
    ("/api/v1/usage", &["post"]),
    ("/api/v1/import", &["post"]),
    ("/api/v1/export", &["get"]),
    ("/api/v1/accounts/{id}/summary", &["get"]),
    ("/api/v1/settings/summary", &["get", "put"]),
    ("/api/v1/settings/accounts", &["get"]),
    ("/api/v1/settings/health", &["get", "put"]),
    ("/api/v1/emails", &["post"]),
    ("/api/v1/deliveries", &["get"]),
    ("/api/v1/deliveries/{id}/retry", &["post"]),
    ("/api/v1/tick", &["post"]),
    ("/api/v1/work", &["get"]),
    ("/api/v1/changes", &["get"]),
    ("/api/v1/files", &["put"]),
    ("/api/v1/files/{sha256}", &["get"]),
];

/// The dashboard is a read: every role gets the same answer, and its shape is
/// the OpenAPI document's.
#[tokio::test]
async fn every_role_reads_the_dashboard() {
    let r = Roles::new().await;
    let mut answers = vec![];
    for token in [&r.admin, &r.csm, &r.viewer] {
        let reply = r.http.get("/dashboard", token).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        answers.push(reply.json());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    let d: tend::backend::Dashboard =
        serde_json::from_value(answers[0].clone()).expect("a dashboard");
    assert_eq!(d.health.iter().map(|t| t.accounts).sum::<u64>(), 8);
    let doc = send(r.http.req(Method::GET, "/openapi.json", None))
        .await
        .json();
    assert_eq!(
        doc["paths"]["/api/v1/dashboard"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Dashboard"
    );
    assert!(doc["components"]["schemas"]["StatusTile"].is_object());
}

/// A whole number written as a float (`11.0`) is an integer, as JSON Schema has
/// it; a method no route takes is 405 for a viewer as for anyone.
#[tokio::test]
async fn whole_floats_are_integers_and_undeclared_methods_are_405() {
    let r = Roles::new().await;
    let rows =
        json!([{"account_id": r.a, "day": "2026-11-20", "connections": 11.0, "minutes": 30.0}]);
    let reply = send(
        r.http
            .req(Method::POST, "/usage", Some(&r.admin))
            .json(&rows),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["rows"], 1);
    let rows = json!([{"account_id": r.a, "day": "2026-11-21", "connections": 1.5}]);
    let reply = send(
        r.http
            .req(Method::POST, "/usage", Some(&r.admin))
            .json(&rows),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    for token in [&r.viewer, &r.admin] {
        let reply = send(r.http.req(Method::PUT, "/status", Some(token))).await;
        assert_eq!(reply.status, 405, "{}", reply.body);
    }
}

/// Every reference of the served document resolves, and every operation documents
/// the errors the server answers, as problem+json.
#[tokio::test]
async fn the_openapi_document_resolves_and_documents_its_errors() {
    let world = World::new(0).await;
    let server = Server::start(world.store.clone(), roomy()).await;
    let http = Http::new(&server);
    let doc = send(http.req(Method::GET, "/openapi.json", None))
        .await
        .json();
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(all.len() > 50, "{} references", all.len());
    for r in &all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            let responses = op["responses"].as_object().expect("responses");
            let mut expected = vec!["400", "414", "429", "431", "503"];
            if op.get("security").is_some() {
                expected.extend(["401", "403", "422"]);
            }
            if method != "get" {
                expected.extend(["404", "422"]);
            }
            if method == "post" || method == "put" {
                expected.extend(["413", "415"]);
            }
            if path.starts_with("/api/v1/records/") && method != "get" {
                expected.extend(["409", "412", "428"]);
            }
            for status in expected {
                assert_eq!(
                    responses[status]["content"]["application/problem+json"]["schema"]["$ref"],
                    "#/components/schemas/Problem",
                    "{method} {path}: {status}"
                );
            }
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"].get("application/json").is_none(),
                        "{method} {path}: {status} is documented as application/json"
                    );
                }
            }
        }
    }
    // The limits the server enforces are in the schemas.
    let task = &doc["components"]["schemas"]["Task"]["properties"];
    assert_eq!(task["title"]["maxLength"], 1000);
    assert_eq!(task["title"]["minLength"], 1);
    assert_eq!(task["description"]["maxLength"], 100_000);
    let usage = &doc["paths"]["/api/v1/accounts/{id}/usage"]["get"]["parameters"];
    assert!(
        usage.to_string().contains("10,000 buckets"),
        "the usage cap is not documented"
    );
    let delete = &doc["paths"]["/api/v1/records/{kind}/{id}"]["delete"]["parameters"];
    assert!(delete.to_string().contains("`*` is refused"), "{delete}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let world = World::new(0).await;
    let server = Server::start(world.store.clone(), roomy()).await;
    let http = Http::new(&server);
    // No token needed.
    let reply = send(http.req(Method::GET, "/openapi.json", None)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        reply.content_type().starts_with("application/json"),
        "{}",
        reply.content_type()
    );
    let doc = reply.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let listed: Vec<(String, Vec<String>)> = paths
        .iter()
        .map(|(p, ops)| {
            let mut methods: Vec<String> = ops
                .as_object()
                .expect("operations")
                .keys()
                .filter(|k| ["get", "put", "post", "delete", "patch"].contains(&k.as_str()))
                .cloned()
                .collect();
            methods.sort();
            (p.clone(), methods)
        })
        .collect();
    let mut expected: Vec<(String, Vec<String>)> = ROUTES
        .iter()
        .map(|(p, ms)| {
            let mut ms: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
            ms.sort();
            (p.to_string(), ms)
        })
        .collect();
    expected.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, expected);
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer"})
    );
    // Each listed route is served: without a token it is a 401 (or 200 for the
    // status), never the 404 of a path the router does not have.
    for (path, methods) in ROUTES {
        let concrete = path.replace("{kind}", "task").replace("{id}", "1");
        for m in *methods {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).expect("method");
            let reply = send(http.req(method, &format!("/{}", &concrete[8..]), None)).await;
            let want = if *path == "/api/v1/status" { 200 } else { 401 };
            assert_eq!(reply.status, want, "{m} {concrete}: {}", reply.body);
        }
    }
}

/// Files over raw HTTP: `PUT /files?name=` takes the bytes and answers what a
/// document records (the same bytes twice, one hash); `GET /files/{sha256}`
/// answers them with their hash as ETag; a malformed hash is 422, an absent
/// one 404 naming it; a name with folders is 422; a body over the file store's
/// limit is 413 naming the file and the limit, told before the body is read.
#[tokio::test]
async fn files_are_put_and_read_by_their_hash() {
    let r = Roles::new().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(200_000).collect();
    let put = |name: &str, token: &str, body: Vec<u8>| {
        r.http
            .req(Method::PUT, "/files", Some(token))
            .query(&[("name", name)])
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(body)
    };
    let reply = send(put("Q3 deck.pdf", &r.csm, bytes.clone())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let file: DocumentFile = serde_json::from_str(&reply.body).expect("a DocumentFile");
    assert_eq!(file.sha256, tend::backend::files::sha256_hex(&bytes));
    assert_eq!((file.name.as_str(), file.size), ("Q3 deck.pdf", 200_000));
    assert_eq!(file.media_type.as_deref(), Some("application/pdf"));
    let again = send(put("copy.pdf", &r.admin, bytes.clone())).await;
    assert_eq!(again.json()["sha256"], file.sha256.as_str());
    let kept = r
        .world
        .store
        .files_dir()
        .expect("a store file's folder")
        .join("sha256")
        .join(&file.sha256[..2]);
    assert_eq!(
        std::fs::read_dir(&kept).expect("its folder").count(),
        1,
        "the same bytes are kept once"
    );

    // Read back, whole, by any role.
    for token in [&r.admin, &r.csm, &r.viewer] {
        let got = r
            .http
            .req(Method::GET, &format!("/files/{}", file.sha256), Some(token))
            .send()
            .await
            .expect("an answer");
        assert_eq!(got.status(), 200);
        assert_eq!(
            got.headers()[header::CONTENT_TYPE],
            "application/octet-stream"
        );
        assert_eq!(
            got.headers()[header::ETAG],
            format!("\"{}\"", file.sha256).as_str()
        );
        assert_eq!(got.bytes().await.expect("the bytes").as_ref(), bytes);
    }

    // A malformed hash, an absent one.
    let bad = r.http.get("/files/not-a-hash", &r.admin).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.problem("bad hash").field.as_deref(), Some("sha256"));
    let absent = tend::backend::files::sha256_hex(b"never stored");
    let missing = r.http.get(&format!("/files/{absent}"), &r.admin).await;
    assert_eq!(missing.status, 404, "{}", missing.body);
    let p = missing.problem("absent file");
    assert_eq!(p.sha256.as_deref(), Some(absent.as_str()));
    assert!(p.detail.contains(&absent), "{}", p.detail);

    // A name with a folder; a body over the limit, by its Content-Length,
    // answered before the body is sent.
    let foldered = send(put("decks/q3.pdf", &r.admin, b"x".to_vec())).await;
    assert_eq!(foldered.status, 422, "{}", foldered.body);
    assert_eq!(foldered.problem("name").field.as_deref(), Some("name"));
    let mut stream = tokio::net::TcpStream::connect(r.server.addr)
        .await
        .expect("connect");
    let head = format!(
        "PUT /api/v1/files?name=huge.iso HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        r.server.addr,
        r.admin,
        tend::domain::MAX_FILE_BYTES + 1
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let answer = read_head(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    let mut body = String::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut body)).await;
    assert!(
        body.contains("huge.iso is 100.0 MiB: the file store takes files up to 100 MiB"),
        "{body}"
    );

    // A document keeping the file goes through; one keeping another is refused.
    let doc = Document {
        id: 0,
        version: 1,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        source: Source::Api,
        external_id: None,
        account_id: r.a,
        title: "Q3 deck".into(),
        kind: "qbr".into(),
        link: String::new(),
        file: Some(file.clone()),
    };
    let created = send(
        r.http
            .req(Method::POST, "/records", Some(&r.csm))
            .json(&Record::Document(doc.clone())),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let ghost = Document {
        file: Some(DocumentFile {
            sha256: absent,
            ..file
        }),
        ..doc
    };
    let refused = send(
        r.http
            .req(Method::POST, "/records", Some(&r.csm))
            .json(&Record::Document(ghost)),
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        refused.problem("ghost file").field.as_deref(),
        Some("file.sha256")
    );
}

// ---------------------------------------------------------------------------
// 7. Graceful shutdown
// ---------------------------------------------------------------------------

/// An import sent with `Expect: 100-continue` is under way once the server asks for
/// its body; a shutdown triggered then still lets it finish and answer 200, and
/// what it wrote is in the store.
#[tokio::test]
async fn a_request_under_way_finishes_after_shutdown_is_triggered() {
    let world = World::new(0).await;
    let (token, _) = world.store.create_token("ops", Role::Admin).expect("token");
    let mut server = Server::start(world.store.clone(), roomy()).await;
    let dataset = generate_dataset(&GenConfig::new(40, 5, demo_anchor()));
    let accounts = dataset.accounts.len() as u64;
    let body = serde_json::to_vec(&dataset).expect("JSON");

    let mut stream = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/import HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\
         Connection: close\r\n\r\n",
        server.addr,
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    let interim = read_head(&mut stream).await;
    assert!(interim.starts_with("HTTP/1.1 100"), "{interim}");

    // The handler is reading the body: stop the server now.
    server.trigger_shutdown();
    // New connections are refused once the listener is gone.
    let addr = server.addr;
    eventually(
        Duration::from_secs(20),
        "the listener closes",
        || async move { tokio::net::TcpStream::connect(addr).await.is_err() },
    )
    .await;
    stream.write_all(&body).await.expect("send the body");
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .await
        .expect("read the answer");
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        rest.starts_with("HTTP/1.1 200"),
        "{}",
        &rest[..rest.len().min(500)]
    );
    let report: Value =
        serde_json::from_str(rest.split("\r\n\r\n").nth(1).unwrap_or("")).expect("a JSON report");
    assert!(report["rows"].as_u64().unwrap_or(0) > accounts, "{report}");
    server.stopped().await;
    assert_eq!(world.store.account_count().expect("count"), accounts);
}

/// A response still being written when shutdown is triggered is written in full:
/// an export of a bigger store, whose head is read, then the shutdown triggered and
/// the listener seen closed, and only then the body read. The client's receive
/// buffer is kept small and the body is larger than the server's send buffer can
/// grow to (4 MiB by default on Linux), so the server is still writing it.
#[tokio::test]
async fn an_export_being_written_is_written_in_full() {
    let world = World::new(100).await;
    let (token, _) = world
        .store
        .create_token("ops", Role::Viewer)
        .expect("token");
    let mut server = Server::start(world.store.clone(), roomy()).await;
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a small receive buffer");
    let mut stream = socket.connect(server.addr).await.expect("connect");
    let request = format!(
        "GET /api/v1/export HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n",
        server.addr
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    let head = read_head(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // Streamed: chunked, with no length known in advance.
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked\r\n"),
        "{head}"
    );

    server.trigger_shutdown();
    let addr = server.addr;
    eventually(
        Duration::from_secs(20),
        "the listener closes",
        || async move { tokio::net::TcpStream::connect(addr).await.is_err() },
    )
    .await;
    let mut chunked = Vec::new();
    stream
        .read_to_end(&mut chunked)
        .await
        .expect("read the body");
    let body = dechunk(&chunked);
    assert!(
        body.len() > 5 << 20,
        "the export is only {} bytes",
        body.len()
    );
    let dataset: Dataset = serde_json::from_slice(&body).expect("a dataset");
    assert_eq!(dataset.accounts.len(), 100);
    // Byte for byte what `tend export` writes of the same store.
    let mut file = Vec::new();
    world
        .store
        .export_blocking()
        .expect("export")
        .write_json(&mut file)
        .expect("write");
    assert!(
        body == file,
        "the served export differs from the file export"
    );
    server.stopped().await;
}

#[tokio::test]
async fn the_remote_listings_are_the_embedded_ones_byte_for_byte() {
    // What `tend accounts --format json` prints, over the store and over the server:
    // computed scores (not round numbers) must cross HTTP without moving an ULP.
    let world = World::new(60).await;
    let (token, _) = world
        .store
        .create_token("viewer", Role::Viewer)
        .expect("token");
    let server = Server::start(world.store.clone(), roomy()).await;
    let there = remote(&server, &token);
    let query = tend::backend::PortfolioQuery {
        page: PageRequest {
            offset: 0,
            limit: PageRequest::MAX_LIMIT,
        },
        ..Default::default()
    };
    let here = world.store.portfolio(&query).await.expect("embedded");
    let far = there.portfolio(&query).await.expect("remote");
    assert_eq!(here.items.len(), 60);
    same(&pretty(&here.items), &pretty(&far.items), "the portfolio");
    // The dashboard and a 360 carry scores too.
    let d_here = world.store.dashboard().await.expect("embedded dashboard");
    let d_far = there.dashboard().await.expect("remote dashboard");
    same(&pretty(&d_here), &pretty(&d_far), "the dashboard");
    let id = here.items[0].id;
    let a_here = world.store.account(id).await.expect("embedded 360");
    let a_far = there.account(id).await.expect("remote 360");
    same(&pretty(&a_here), &pretty(&a_far), "the 360");
}

/// Fails at the first line where the remote's JSON differs from the embedded one.
fn same(here: &str, far: &str, what: &str) {
    for (n, (h, f)) in here.lines().zip(far.lines()).enumerate() {
        assert_eq!(h, f, "{what}, line {}: embedded vs remote", n + 1);
    }
    assert_eq!(here.len(), far.len(), "{what}: lengths");
}

/// Pretty JSON, as the CLI prints it.
fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).expect("serialise")
}

/// Another tool's files over the API: a multipart form of HubSpot's exports, then
/// Zendesk's tickets as a bare body; loading them again changes nothing; a bad
/// file is a 422 problem naming its place; only an admin may load.
#[tokio::test]
async fn the_server_loads_other_tools_exports() {
    use tend::api::ImportParams;
    use tend::backend::sync::Format;
    let world = World::new(0).await;
    let (admin, _) = world.store.create_token("ops", Role::Admin).expect("token");
    let (viewer, _) = world
        .store
        .create_token("vera", Role::Viewer)
        .expect("token");
    let server = Server::start(world.store.clone(), roomy()).await;
    let fixture = |p: &str| {
        let path = format!("{}/tests/fixtures/{p}", env!("CARGO_MANIFEST_DIR"));
        let name = p.rsplit('/').next().unwrap_or(p).to_string();
        (name, std::fs::read(&path).expect("a fixture"))
    };
    let hubspot = vec![
        fixture("hubspot/companies.csv"),
        fixture("hubspot/contacts.csv"),
    ];
    let params = ImportParams {
        from: Some(Format::Hubspot),
        ..ImportParams::default()
    };
    let remote = Remote::new(&server.url, Some(admin.clone()), client_options()).expect("client");
    let first = remote
        .load_files("ops", &params, hubspot.clone(), None)
        .await
        .expect("loaded");
    assert!(first.written, "{first:?}");
    let created: u64 = first.kinds.iter().map(|k| k.created).sum();
    assert_eq!(created, 6, "{first:?}");
    assert!(!first.unused_columns.is_empty());
    let again = remote
        .load_files("ops", &params, hubspot.clone(), None)
        .await
        .expect("loaded again");
    assert!(
        again.kinds.iter().all(|k| k.created + k.updated == 0),
        "{again:?}"
    );

    let http = Http::new(&server);
    let (_, tickets) = fixture("zendesk/tickets.json");
    let reply = send(
        http.req(
            Method::POST,
            "/import?from=zendesk&name=tickets.json&dry_run=true",
            Some(&admin),
        )
        .body(tickets.clone()),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let report = reply.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["written"], false);
    assert!(
        report["skipped"].as_array().is_some_and(|s| !s.is_empty()),
        "tickets whose organization is unknown are listed: {report}"
    );

    let reply = send(
        http.req(
            Method::POST,
            "/import?from=hubspot&name=bad.csv",
            Some(&admin),
        )
        .body("Record ID,Company name,Lifecycle Stage\n1,Acme,Wizard\n"),
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.body);
    let p = reply.problem("a bad file");
    assert!(p.detail.contains("bad.csv:2"), "{}", p.detail);

    let reply = send(
        http.req(Method::POST, "/import?from=zendesk", Some(&viewer))
            .body(tickets),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = send(
        http.req(Method::POST, "/import?from=outlook", Some(&admin))
            .body("x"),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
}

/// Emails, the scheduler and the outbox by role (a viewer writes nothing, a csm
/// emails only its accounts' customers), and My work for the token's user.
#[tokio::test]
async fn emails_the_outbox_the_scheduler_and_my_work_over_the_api_by_role() {
    use tend::backend::outbound::{DeliveryQuery, OutgoingEmail};
    let r = Roles::new().await;
    let email = |account: Id| OutgoingEmail {
        account_id: account,
        to: vec!["Ana <ana@example.com>".into()],
        cc: vec![],
        subject: "Hello".into(),
        body: "Hi".into(),
        in_reply_to: None,
    };
    let viewer = remote(&r.server, &r.viewer);
    let csm = remote(&r.server, &r.csm);
    // A viewer writes nothing; a csm emails only its own accounts' customers.
    for refused in [
        viewer.send_email("x", email(r.a)).await.map(|_| ()),
        viewer.tick().await.map(|_| ()),
        viewer.retry_delivery("x", 1).await.map(|_| ()),
        csm.send_email("x", email(r.b)).await.map(|_| ()),
    ] {
        assert!(
            matches!(refused, Err(Error::Forbidden { .. })),
            "{refused:?}"
        );
    }
    // Its own account reaches the store, which has no sender configured here.
    match csm.send_email("x", email(r.a)).await {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "from");
            assert!(message.contains("[email] from"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let report = csm.tick().await.expect("a csm runs the scheduler");
    assert_eq!((report.sent, report.failed), (0, 0));
    assert!(
        viewer
            .deliveries(&DeliveryQuery::default())
            .await
            .expect("a viewer reads the delivery log")
            .is_empty()
    );
    // My work defaults to the token's user, and names another on request.
    assert_eq!(
        csm.my_work("").await.expect("mine"),
        r.store().my_work(CSM).await.expect("the store's")
    );
    assert_eq!(
        viewer.my_work(OTHER).await.expect("another's"),
        r.store().my_work(OTHER).await.expect("the store's")
    );
    let bad = send(r.http.req(Method::GET, "/work?whom=x", Some(&r.viewer))).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

/// An account's summary over the API is the store's, and only admins change which
/// sections the team's summaries show.
#[tokio::test]
async fn summaries_over_the_api_and_admin_only_section_settings() {
    use tend::backend::summary::{SectionId, Settings};
    let r = Roles::new().await;
    let viewer = remote(&r.server, &r.viewer);
    let local = r.store().summary(r.a).await.expect("the store's summary");
    let over = viewer.summary(r.a).await.expect("a viewer reads a summary");
    assert_eq!(over, local, "the same summary over the API");
    assert_eq!(over.sections.len(), 10);
    assert!(matches!(
        viewer.summary(999_999).await,
        Err(Error::NotFound { .. })
    ));

    let only = Settings {
        sections: vec![SectionId::Risks, SectionId::Highlights],
    };
    for token in [&r.csm, &r.viewer] {
        let refused = remote(&r.server, token)
            .set_summary_settings("x", only.clone())
            .await;
        assert!(
            matches!(refused, Err(Error::Forbidden { .. })),
            "{refused:?}"
        );
    }
    assert_eq!(
        viewer.summary_settings().await.expect("settings"),
        Settings::default(),
        "nothing changed"
    );
    let admin = remote(&r.server, &r.admin);
    let empty = admin
        .set_summary_settings("ops", Settings { sections: vec![] })
        .await;
    assert!(matches!(empty, Err(Error::Invalid { .. })), "{empty:?}");
    assert_eq!(
        admin
            .set_summary_settings("ops", only.clone())
            .await
            .expect("an admin sets them"),
        only
    );
    assert_eq!(viewer.summary_settings().await.expect("settings"), only);
    let shown: Vec<SectionId> = viewer
        .summary(r.a)
        .await
        .expect("summary")
        .sections
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(shown, only.sections, "the summary follows the settings");
    // A csm's body is not read before the role is checked.
    let reply = send(
        r.http
            .req(Method::PUT, "/settings/summary", Some(&r.csm))
            .body("not json"),
    )
    .await;
    assert_eq!(reply.status, 403);
}

/// Health settings are an admin's: csms and viewers neither read nor replace the
/// profiles (403, the role checked before the body); an admin's profiles are
/// checked, kept by the store and every account rescored with them.
#[tokio::test]
async fn health_settings_are_admin_only() {
    let r = Roles::new().await;
    for token in [&r.csm, &r.viewer] {
        let other = remote(&r.server, token);
        let read = other.health_profiles().await;
        assert!(matches!(read, Err(Error::Forbidden { .. })), "{read:?}");
        let put = other
            .set_health_profiles(
                "x",
                tend::api::HealthProfiles {
                    toml: String::new(),
                    profiles: None,
                },
            )
            .await;
        assert!(matches!(put, Err(Error::Forbidden { .. })), "{put:?}");
        let reply = send(
            r.http
                .req(Method::PUT, "/settings/health", Some(token))
                .body("not json"),
        )
        .await;
        assert_eq!(reply.status, 403, "{}", reply.body);
    }
    let admin = remote(&r.server, &r.admin);
    let now = admin.health_profiles().await.expect("an admin reads them");
    assert_eq!(now.toml, "", "none given yet");
    assert!(now.profiles.is_some_and(|p| p.get("default").is_some()));
    let bad = admin
        .set_health_profiles(
            "ops",
            tend::api::HealthProfiles {
                toml: "[[profile]]\nname = \"\"\n".into(),
                profiles: None,
            },
        )
        .await;
    assert!(
        matches!(&bad, Err(Error::Invalid { field, .. }) if field == "toml"),
        "{bad:?}"
    );
    let reply = send(
        r.http
            .req(Method::PUT, "/settings/health", Some(&r.admin))
            .body("not json"),
    )
    .await;
    assert_eq!(reply.status, 415, "an admin's body is read: {}", reply.body);
}

/// An SSH session's backend reads in place and writes through the API with the
/// session's token: `@me` is the session's csm whatever the query names, a write
/// to an account of someone else's is refused as over HTTP and changes nothing,
/// a write to one's own lands under one's name, and what only an admin may read
/// stays refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ssh_sessions_backend_reads_in_place_and_writes_through_the_api() {
    use tend::server::auth::{Caller, SessionTokens};
    use tend::server::ssh::SessionBackend;
    let w = World::new(30).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let tokens = SessionTokens::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn({
        let (store, tokens) = (w.store.clone(), tokens.clone());
        async move {
            tend::server::serve_with(listener, store, &roomy(), tokens, async {
                let _ = stopped.await;
            })
            .await
        }
    });
    let everyone = w
        .store
        .portfolio(&tend::backend::PortfolioQuery::default())
        .await
        .expect("portfolio")
        .items;
    let mine = everyone
        .iter()
        .find(|r| !r.owner.is_empty())
        .expect("an owned account");
    let user = mine.owner.clone();
    let theirs = everyone
        .iter()
        .find(|r| r.owner != user)
        .expect("someone else's account");
    let token = tokens.mint(&user, Role::Csm).expect("a session token");
    let api =
        Remote::new(&url, Some(token.expose().to_string()), client_options()).expect("client");
    let session = SessionBackend::new(
        w.store.clone(),
        std::sync::Arc::new(api),
        Caller {
            user: user.clone(),
            role: Role::Csm,
        },
    );
    // `@me` is the session's user, whoever the query says it is.
    let mut q = tend::backend::PortfolioQuery::default();
    q.filter.expr = Some("owner:@me".into());
    q.filter.me = Some("someone.else".into());
    let rows = session.portfolio(&q).await.expect("portfolio").items;
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.owner == user),
        "{rows:?}"
    );
    assert_eq!(
        session.account(mine.id).await.expect("360").account.id,
        mine.id
    );
    // A write to someone else's account: refused by the API, nothing written.
    let before = w.store.export().await.expect("export");
    let refused = session
        .create(&user, Record::Task(task(theirs.id, "not mine")))
        .await;
    assert!(
        matches!(refused, Err(Error::Forbidden { .. })),
        "{refused:?}"
    );
    assert_eq!(w.store.export().await.expect("export"), before);
    // To one's own: written, under the session's user whatever actor is named.
    let made = session
        .create("someone.else", Record::Task(task(mine.id, "mine")))
        .await
        .expect("a task on one's own account");
    let log = w
        .store
        .change_log(mine.id, PageRequest::default())
        .await
        .expect("change log")
        .items;
    let entry = log
        .iter()
        .find(|e| e.entity == EntityKind::Task && e.record_id == made.id())
        .expect("the write is in the change log");
    assert_eq!(entry.actor, user);
    // An admin's read stays an admin's.
    let profiles = session.health_profiles().await;
    assert!(
        matches!(profiles, Err(Error::Forbidden { .. })),
        "{profiles:?}"
    );
    drop(token);
    let _ = stop.send(());
    serving.await.expect("joined").expect("served");
}

/// Reads a change feed's response until `done` holds for what it sent; the text.
async fn feed_until(response: &mut reqwest::Response, done: impl Fn(&str) -> bool) -> String {
    let mut text = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(&text) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, response.chunk()).await {
            Ok(Ok(Some(bytes))) => text.push_str(&String::from_utf8_lossy(&bytes)),
            other => panic!("the feed ended or went quiet ({other:?}); it sent:\n{text}"),
        }
    }
    text
}

/// The id of the event whose data names `record_id` as the record changed.
fn event_id_of(text: &str, record_id: Id) -> String {
    let needle = format!("\"record_id\":{record_id},");
    text.split("\n\n")
        .find(|e| e.contains(&needle))
        .and_then(|e| e.lines().find_map(|l| l.strip_prefix("id: ")))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no event for record {record_id} in:\n{text}"))
}

/// The change feed says where it starts, sends each write as it is made, and a
/// client back with Last-Event-ID gets what it missed in order and nothing it
/// had; the client library follows it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_feed_sends_each_write_and_resumes_after_the_last_had() {
    let w = World::new(5).await;
    let server = Server::start(w.store.clone(), roomy()).await;
    let (token, _) = w.store.create_token("ops", Role::Admin).expect("token");
    let account = w
        .store
        .portfolio(&tend::backend::PortfolioQuery::default())
        .await
        .expect("portfolio")
        .items[0]
        .id;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    let open = |after: Option<String>| {
        let mut r = client
            .get(format!("{}/api/v1/changes", server.url))
            .bearer_auth(&token);
        if let Some(a) = after {
            r = r.header("Last-Event-ID", a);
        }
        r.send()
    };
    let mut feed = open(None).await.expect("the feed");
    assert_eq!(feed.status(), 200);
    assert_eq!(
        feed.headers()[header::CONTENT_TYPE],
        "text/event-stream",
        "{:?}",
        feed.headers()
    );
    feed_until(&mut feed, |t| t.contains("event: ready")).await;
    let api = remote(&server, &token);
    let first = api
        .create("ops", Record::Task(task(account, "on the feed")))
        .await
        .expect("a task");
    let text = feed_until(&mut feed, |t| {
        t.contains(&format!("\"record_id\":{},", first.id()))
    })
    .await;
    assert!(text.contains("event: change"), "{text}");
    let had = event_id_of(&text, first.id());
    drop(feed);
    // Written while nobody follows: sent on coming back, the first one not again.
    let second = api
        .create("ops", Record::Task(task(account, "while away")))
        .await
        .expect("a task");
    let mut again = open(Some(had)).await.expect("the feed again");
    let text = feed_until(&mut again, |t| {
        t.contains(&format!("\"record_id\":{},", second.id()))
    })
    .await;
    assert!(
        !text.contains(&format!("\"record_id\":{},", first.id())),
        "{text}"
    );
    drop(again);
    // A resume past the end of the log (a store restored from a backup) goes on
    // from its end: what is written next is sent.
    let mut ahead = open(Some("999999999".into())).await.expect("the feed");
    feed_until(&mut ahead, |t| t.contains("event: ready")).await;
    let third = api
        .create("ops", Record::Task(task(account, "after a restore")))
        .await
        .expect("a task");
    feed_until(&mut ahead, |t| {
        t.contains(&format!("\"record_id\":{},", third.id()))
    })
    .await;
    drop(ahead);
    // A Last-Event-ID that is not a number is refused, saying why.
    let bad = open(Some("yesterday".into())).await.expect("an answer");
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .await
            .unwrap_or_default()
            .contains("Last-Event-ID")
    );

    // A team server runs its own scheduler's rounds (an app over it runs none
    // on a timer); an embedded store does not.
    assert!(api.runs_own_rounds());
    assert!(!w.store.runs_own_rounds());
    // The client library follows the feed: a write shows on it. (Its feed
    // starts when it connects: the writes go on until one shows.)
    let mut watched = api.watch().expect("a team server has a feed");
    let mut seen = None;
    for i in 0..20 {
        let made = api
            .create("ops", Record::Task(task(account, &format!("watched {i}"))))
            .await
            .expect("a task");
        if let Ok(Some(entry)) = tokio::time::timeout(Duration::from_secs(2), watched.recv()).await
        {
            seen = Some((entry, made.id()));
            break;
        }
    }
    let (entry, _) = seen.expect("a write on the followed feed");
    assert_eq!(entry.account_id, Some(account));
    assert_eq!(entry.entity, EntityKind::Task);
}

/// A lease is held by one holder at a time, renewed by it, taken by another once
/// it runs out or is given up.
#[tokio::test]
async fn a_lease_has_one_holder_until_it_runs_out_or_is_given_up() {
    let w = World::new(0).await;
    let s = &w.store;
    let short = Duration::from_millis(300);
    assert!(s.take_lease("x", "a", short).await.expect("take"));
    assert!(s.take_lease("x", "a", short).await.expect("renew"));
    assert!(!s.take_lease("x", "b", short).await.expect("held"));
    assert_eq!(
        s.lease_holder("x").await.expect("holder").as_deref(),
        Some("a")
    );
    // Another lease is another.
    assert!(s.take_lease("y", "b", short).await.expect("take"));
    // Run out: the next one takes it.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(s.lease_holder("x").await.expect("holder"), None);
    assert!(s.take_lease("x", "b", short).await.expect("taken over"));
    // Given up only by its holder.
    s.release_lease("x", "a").await.expect("release");
    assert_eq!(
        s.lease_holder("x").await.expect("holder").as_deref(),
        Some("b")
    );
    s.release_lease("x", "b").await.expect("release");
    assert_eq!(s.lease_holder("x").await.expect("holder"), None);
}

/// Two servers over one store: one runs the scheduler's rounds; when it stops,
/// the other takes them over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_servers_over_one_store_one_runs_the_scheduler_and_the_other_takes_over() {
    let w = World::new(0).await;
    let limits = Limits {
        tick_every: Duration::from_millis(100),
        ..roomy()
    };
    let lease = tend::server::SCHEDULER_LEASE;
    let mut first = Server::start(w.store.clone(), limits.clone()).await;
    let mut holder = None;
    for _ in 0..50 {
        holder = w.store.lease_holder(lease).await.expect("holder");
        if holder.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let holder = holder.expect("the first server takes the lease");
    // The second, over the same file, leaves it to the first.
    let _second = Server::start(open(&w.path()), limits).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        w.store
            .lease_holder(lease)
            .await
            .expect("holder")
            .as_deref(),
        Some(holder.as_str())
    );
    // The first stops: the second takes the rounds over.
    first.stopped().await;
    let mut next = None;
    for _ in 0..50 {
        next = w.store.lease_holder(lease).await.expect("holder");
        if next.as_ref().is_some_and(|h| *h != holder) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let next = next.expect("the second server takes the lease");
    assert_ne!(next, holder);
}

/// The server holding the scheduler's lease brings the store to a new day:
/// derived values and scores are rescored without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_rescores_the_store_when_the_day_changes() {
    let w = World::new(3).await;
    let days = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let later = days.clone();
    let clock: tend::sqlite::Clock = std::sync::Arc::new(move || {
        now() + chrono::TimeDelta::days(later.load(std::sync::atomic::Ordering::Relaxed))
    });
    let store = Store::open_with(w.path(), Options::with_clock(clock)).expect("open");
    assert!(!store.stale().await.expect("stale"));
    let limits = Limits {
        tick_every: Duration::from_millis(100),
        ..roomy()
    };
    let _server = Server::start(store.clone(), limits).await;
    days.store(1, std::sync::atomic::Ordering::Relaxed);
    let mut stale = true;
    for _ in 0..100 {
        stale = store.stale().await.expect("stale");
        if !stale {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!stale, "the next day's scores were not made");
}

/// Servers over one store share the rate limit out: two allow half of it each
/// (a balancer spreading a client's requests gives it the whole rate), and one
/// left alone after the other stopped allows all of it again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_over_one_store_share_the_rate_limit() {
    let w = World::new(0).await;
    let (token, _) = w.store.create_token("one", Role::Viewer).expect("token");
    let limits = Limits {
        per_second: 1,
        burst: 20,
        replica_every: Duration::from_millis(200),
        tick_every: Duration::ZERO,
        ..Limits::default()
    };
    // What a burst of 20 gets through the first server.
    async fn passes(server: &Server, token: &str) -> usize {
        let http = Http::new(server);
        let mut ok = 0;
        for _ in 0..20 {
            if http.get("/me", token).await.status == 200 {
                ok += 1;
            }
        }
        ok
    }
    let first = Server::start(w.store.clone(), limits.clone()).await;
    let mut second = Server::start(open(&w.path()), limits).await;
    // Both have said they are up, and seen each other.
    let mut n = 0;
    for _ in 0..100 {
        n = w
            .store
            .replicas("the test", Duration::from_millis(1))
            .await
            .expect("count");
        if n >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(n, 3, "two servers and the test's own presence");
    // The test's presence ran out: two servers share; after their next round
    // each allows half of the burst (and the one request a second).
    tokio::time::sleep(Duration::from_millis(700)).await;
    let half = passes(&first, &token).await;
    assert!((10..=11).contains(&half), "half the burst: {half}");
    // The second stops: the first allows the whole burst again.
    second.stopped().await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let whole = passes(&first, &token).await;
    assert!(whole >= 19, "the whole burst: {whole}");
}
