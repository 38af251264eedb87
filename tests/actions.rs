//! Acting outward, end to end on a real store: playbook runs that send email
//! through a real SMTP server on loopback (STARTTLS, authentication) and create
//! tasks, replies threaded under the email they answer, the outbox across a
//! restart and a crash, notifications to a webhook that fails at first, and My
//! work.

#[path = "../crates/backend/tests/support/smtp_server.rs"]
mod smtp_server;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeDelta;
use smtp_server::SmtpServer;
use tend::backend::outbound::{
    self, Channel, ChannelKind, DeliveryKind, DeliveryQuery, DeliveryState, NotifySettings,
    OutgoingEmail, Rule, Trigger, WorkKind,
    smtp::{Security, SmtpSettings},
    webhook::{Format, Webhook},
};
use tend::backend::{Backend, InteractionQuery, TaskQuery};
use tend::domain::*;
use tend::sqlite::{Clock, Options, Store};

const WAIT: Duration = Duration::from_secs(10);

fn smtp(server: &SmtpServer) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: server.port,
        security: Security::Starttls,
        username: Some("maya".into()),
        password: Some("s3cret".into()),
        ca_file: Some(server.ca_file.clone()),
        timeout_secs: 10,
    }
}

fn settings(smtp: Option<SmtpSettings>) -> outbound::Settings {
    outbound::Settings {
        smtp,
        from: "Maya Lin <maya@tend.example>".into(),
        signature: "Maya Lin\nCustomer Success, Tend".into(),
        backoff_secs: 60,
        ..outbound::Settings::default()
    }
}

/// A clock that tests move forward by hand.
fn clock() -> (Clock, Arc<AtomicI64>) {
    let offset = Arc::new(AtomicI64::new(0));
    let start = chrono::Utc::now();
    let o = offset.clone();
    let clock: Clock = Arc::new(move || start + TimeDelta::seconds(o.load(Ordering::SeqCst)));
    (clock, offset)
}

fn demo(out: outbound::Settings, clock: Clock) -> Store {
    Store::demo(Options {
        outbound: Arc::new(out),
        ..Options::with_clock(clock)
    })
    .expect("the demo store")
}

async fn run_of(store: &Store, id: Id) -> PlaybookRun {
    match store.get(EntityKind::PlaybookRun, id).await.expect("run") {
        Record::PlaybookRun(r) => r,
        other => panic!("not a run: {other:?}"),
    }
}

/// The header `name` of a raw message (unfolded).
fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next()?;
    let mut out: Option<String> = None;
    for line in head.split("\r\n") {
        if line.starts_with([' ', '\t']) {
            if let Some(v) = out.as_mut() {
                v.push_str(line);
            }
            continue;
        }
        if out.is_some() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case(name)
        {
            out = Some(v.trim().to_string());
        }
    }
    out
}

/// The decoded text/plain body of a raw message.
fn body(raw: &[u8]) -> String {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a message");
    msg.body_text(0).expect("a text body").replace("\r\n", "\n")
}

fn subject(raw: &[u8]) -> String {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a message");
    msg.subject().expect("a subject").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn onboarding_sends_its_welcome_email_creates_its_task_then_waits_on_the_owner() {
    let server = SmtpServer::start("maya", "s3cret");
    let (clock, _) = clock();
    let store = demo(settings(Some(smtp(&server))), clock);
    let onboarding = store
        .playbooks()
        .await
        .expect("playbooks")
        .into_iter()
        .find(|p| p.name == "Onboarding")
        .expect("the demo's Onboarding");
    // Orion Freight (3): its champion is Chloe Wong, its owner priya.patel.
    let run = PlaybookRun::start(&onboarding, 3, store.now());
    let run = match store
        .create("priya.patel", Record::PlaybookRun(run))
        .await
        .expect("start")
    {
        Record::PlaybookRun(r) => r,
        _ => unreachable!(),
    };
    let email = run.steps[0]
        .email
        .clone()
        .expect("rendered as the run starts");
    assert_eq!(email.subject, "Welcome aboard, Orion Freight");
    assert_eq!(email.to, vec!["Chloe Wong <chloe.wong@orionfreight.com>"]);
    assert!(email.body.starts_with("Hi Chloe,"), "{}", email.body);
    assert!(email.body.contains("I am Priya Patel"), "{}", email.body);

    let report = store.tick().await.expect("tick");
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    let got = server.wait_for(1, WAIT);
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(m.tls, "sent over STARTTLS");
    assert_eq!(m.auth_user.as_deref(), Some("maya"));
    assert_eq!(m.to, vec!["chloe.wong@orionfreight.com"]);
    let raw = m.text();
    assert_eq!(
        header(&raw, "From").as_deref(),
        Some("\"Maya Lin\" <maya@tend.example>")
    );
    assert_eq!(
        header(&raw, "To").as_deref(),
        Some("\"Chloe Wong\" <chloe.wong@orionfreight.com>")
    );
    assert_eq!(subject(&m.data), "Welcome aboard, Orion Freight");
    let mid = header(&raw, "Message-ID").expect("a Message-ID");
    assert!(
        mid.starts_with(&format!("<run-{}-step-1-", run.id)) && mid.ends_with("@tend.example>"),
        "{mid}"
    );
    let text = body(&m.data);
    assert!(
        text.starts_with("Hi Chloe,\n\nWelcome to the team!"),
        "{text:?}"
    );
    assert!(
        text.ends_with("\n\n-- \nMaya Lin\nCustomer Success, Tend\n"),
        "the signature under '-- ': {text:?}"
    );

    // The email is on the account, the task made, and the run waits on its owner.
    let run = run_of(&store, run.id).await;
    assert_eq!(run.steps[0].state, StepState::Done);
    assert_eq!(run.steps[1].state, StepState::Done);
    let task_id = run.steps[1].task_id.expect("the kick-off task");
    let tasks = store
        .tasks(&TaskQuery {
            account_id: Some(3),
            ..TaskQuery::default()
        })
        .await
        .expect("tasks");
    let task = tasks.iter().find(|t| t.id == task_id).expect("the task");
    assert_eq!(task.title, "Run the kick-off call");
    assert_eq!(task.assignee, "priya.patel");
    assert_eq!(
        task.due,
        Some(store.now().date_naive() + TimeDelta::days(5))
    );
    assert_eq!(run.waiting_on(), Some((2, "priya.patel")));
    assert_eq!(run.colour(), RunColour::Blue);
    let sent = store
        .interactions(&InteractionQuery {
            account_id: Some(3),
            ..InteractionQuery::default()
        })
        .await
        .expect("interactions");
    let logged = sent
        .items
        .iter()
        .find(|i| i.subject == "Welcome aboard, Orion Freight")
        .expect("the email, logged on the account");
    assert_eq!(logged.direction, Direction::Out);
    assert_eq!(
        logged.external_id.as_deref(),
        Some(mid.trim_matches(['<', '>']))
    );

    // My work lists the step for its owner; completing it turns the run green.
    let work = store.my_work("priya.patel").await.expect("my work");
    let item = work
        .iter()
        .find(|w| w.kind == WorkKind::Step && w.record_id == run.id)
        .expect("the step waiting on priya");
    assert_eq!(item.title, "Onboarding: Confirm go-live");
    assert_eq!(item.step, Some(2));
    let mut done = run.clone();
    done.complete(2, store.now()).expect("complete");
    store
        .update("priya.patel", Record::PlaybookRun(done))
        .await
        .expect("update");
    store.tick().await.expect("tick");
    assert_eq!(run_of(&store, run.id).await.colour(), RunColour::Green);
    assert!(
        !store
            .my_work("priya.patel")
            .await
            .expect("my work")
            .iter()
            .any(|w| w.record_id == run.id && w.kind == WorkKind::Step)
    );
    // Nothing is sent twice.
    store.tick().await.expect("tick");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_fails_saying_why_and_the_run_goes_on_once_retried_or_skipped() {
    let server = SmtpServer::start("maya", "s3cret");
    let (clock, _) = clock();
    let store = demo(settings(Some(smtp(&server))), clock);
    let books = store.playbooks().await.expect("playbooks");
    let expansion = books
        .iter()
        .find(|p| p.name == "Expansion")
        .expect("Expansion");
    // Larkspur (1) is at risk: the expansion's check fails, and the run is stuck.
    let run = PlaybookRun::start(expansion, 1, store.now());
    let id = store
        .create("maya.chen", Record::PlaybookRun(run))
        .await
        .expect("start")
        .id();
    store.tick().await.expect("tick");
    let run = run_of(&store, id).await;
    assert_eq!(run.steps[0].state, StepState::Failed);
    assert!(
        run.steps[0]
            .message
            .contains("does not match 'health>=70 trend:up'"),
        "{}",
        run.steps[0].message
    );
    assert_eq!(run.colour(), RunColour::Red);
    // Skipped by a person, the proposal goes to the decision maker, and the run
    // waits a week.
    let mut r = run.clone();
    r.skip(0, store.now()).expect("skip");
    store
        .update("maya.chen", Record::PlaybookRun(r))
        .await
        .expect("update");
    store.tick().await.expect("tick");
    let run = run_of(&store, id).await;
    assert_eq!(run.steps[1].state, StepState::Done, "{:?}", run.steps[1]);
    assert_eq!(server.wait_for(1, WAIT).len(), 1);
    assert_eq!(run.steps[2].state, StepState::Waiting);
    assert!(
        run.steps[2].message.starts_with("waits until "),
        "{}",
        run.steps[2].message
    );
    assert_eq!(run.colour(), RunColour::Blue);

    // A role no contact has fails its step when reached, naming the role.
    let now = store.now();
    let book = Playbook {
        id: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        source: Source::Ui,
        external_id: None,
        name: "Board letter".into(),
        description: String::new(),
        steps: vec![
            PlaybookStep {
                name: "Write to the board".into(),
                action: StepAction::SendEmail {
                    to_role: "board_member".into(),
                    subject: "Hello".into(),
                    body: "Hi {{contact.first_name}}".into(),
                },
            },
            PlaybookStep {
                name: "Then".into(),
                action: StepAction::Wait { days: 1 },
            },
        ],
    };
    let book = match store
        .create("admin", Record::Playbook(book))
        .await
        .expect("book")
    {
        Record::Playbook(p) => p,
        _ => unreachable!(),
    };
    let id = store
        .create(
            "maya.chen",
            Record::PlaybookRun(PlaybookRun::start(&book, 1, now)),
        )
        .await
        .expect("start")
        .id();
    store.tick().await.expect("tick");
    let run = run_of(&store, id).await;
    assert_eq!(run.steps[0].state, StepState::Failed);
    assert!(
        run.steps[0].message.starts_with("no board member to email"),
        "{}",
        run.steps[0].message
    );
    assert_eq!(run.colour(), RunColour::Red);
    assert_eq!(server.received().len(), 1, "nothing more was sent");

    // A refused recipient fails the step with the server's answer.
    let onboarding = books
        .iter()
        .find(|p| p.name == "Onboarding")
        .expect("Onboarding");
    server.refuse_recipient("chloe.wong@orionfreight.com");
    let id = store
        .create(
            "priya.patel",
            Record::PlaybookRun(PlaybookRun::start(onboarding, 3, store.now())),
        )
        .await
        .expect("start")
        .id();
    store.tick().await.expect("tick");
    let run = run_of(&store, id).await;
    assert_eq!(run.steps[0].state, StepState::Failed);
    assert!(
        run.steps[0].message.contains("550"),
        "{}",
        run.steps[0].message
    );
    assert_eq!(run.colour(), RunColour::Red);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_is_threaded_quoted_and_marks_the_email_it_answers() {
    let server = SmtpServer::start("maya", "s3cret");
    let (clock, _) = clock();
    let store = demo(settings(Some(smtp(&server))), clock);
    let view = store.account(3).await.expect("Orion");
    let original = view
        .interactions
        .iter()
        .find(|i| {
            i.kind == InteractionKind::Email
                && i.direction == Direction::In
                && i.contact_ids.iter().any(|c| {
                    view.contacts
                        .iter()
                        .any(|x| x.id == *c && x.email.is_some())
                })
        })
        .expect("an incoming email from a contact")
        .clone();
    let contact = view
        .contacts
        .iter()
        .find(|c| original.contact_ids.contains(&c.id) && c.email.is_some())
        .expect("its sender");
    // An incoming email carries its Message-ID (as an import from a mailbox keeps it).
    let mut with_id = original.clone();
    with_id.external_id = Some("CAF3.1234@mail.orionfreight.com".into());
    let original = match store
        .update("priya.patel", Record::Interaction(with_id))
        .await
        .expect("update")
    {
        Record::Interaction(i) => i,
        _ => unreachable!(),
    };
    let d = store
        .send_email(
            "priya.patel",
            OutgoingEmail {
                account_id: 3,
                to: vec![format!(
                    "{} <{}>",
                    contact.name,
                    contact.email.clone().unwrap()
                )],
                cc: vec![],
                subject: format!("Re: {} — café ☕", original.subject),
                body: format!(
                    "Thanks, we are on it.\n\nOn {}, {} wrote:\n> {}",
                    original.at.format("%-d %b %Y"),
                    contact.name,
                    original.body.lines().next().unwrap_or("")
                ),
                in_reply_to: Some(original.id),
            },
        )
        .await
        .expect("queued");
    assert_eq!(d.state, DeliveryState::Queued);
    assert_eq!(d.origin, "reply");
    store.tick().await.expect("tick");
    let got = server.wait_for(1, WAIT);
    assert_eq!(got.len(), 1);
    let raw = got[0].text();
    assert_eq!(
        header(&raw, "In-Reply-To").as_deref(),
        Some("<CAF3.1234@mail.orionfreight.com>")
    );
    assert_eq!(
        header(&raw, "References").as_deref(),
        Some("<CAF3.1234@mail.orionfreight.com>")
    );
    let subj = header(&raw, "Subject").expect("subject");
    assert!(
        subj.is_ascii() && subj.contains("=?utf-8?"),
        "RFC 2047-encoded: {subj}"
    );
    assert_eq!(
        subject(&got[0].data),
        format!("Re: {} — café ☕", original.subject)
    );
    let text = body(&got[0].data);
    assert!(text.starts_with("Thanks, we are on it.\n\nOn "), "{text:?}");
    assert!(text.contains("\n> "), "quoted: {text:?}");
    // The original is answered; the reply is on the account.
    match store
        .get(EntityKind::Interaction, original.id)
        .await
        .expect("original")
    {
        Record::Interaction(i) => assert!(i.answered, "marked answered"),
        _ => unreachable!(),
    }
    let sent = store
        .deliveries(&DeliveryQuery::default())
        .await
        .expect("log");
    assert_eq!(sent[0].state, DeliveryState::Sent);
    assert_eq!(sent[0].log.len(), 1);
    assert!(sent[0].log[0].ok);

    // A reply to something that is not an incoming email of the account is refused.
    let err = store
        .send_email(
            "priya.patel",
            OutgoingEmail {
                account_id: 1,
                to: vec!["a@b.example".into()],
                cc: vec![],
                subject: "x".into(),
                body: "y".into(),
                in_reply_to: Some(original.id),
            },
        )
        .await
        .expect_err("another account's email");
    assert!(
        err.to_string()
            .contains("not an incoming email of account 1"),
        "{err}"
    );
    let err = store
        .send_email(
            "priya.patel",
            OutgoingEmail {
                account_id: 3,
                to: vec!["not an address".into()],
                cc: vec![],
                subject: "x".into(),
                body: "y".into(),
                in_reply_to: None,
            },
        )
        .await
        .expect_err("a bad address");
    assert!(err.to_string().starts_with("invalid to:"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_outbox_keeps_what_could_not_be_sent_across_a_restart_and_sends_it_once() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.db");
    // Nothing listens on this port.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_port = dead.local_addr().expect("addr").port();
    drop(dead);
    let (clock, offset) = clock();
    {
        let mut down = settings(None);
        down.smtp = Some(SmtpSettings {
            port: dead_port,
            ..SmtpSettings {
                host: "127.0.0.1".into(),
                security: Security::None,
                timeout_secs: 5,
                ..SmtpSettings::default()
            }
        });
        let store = Store::open_with(
            &path,
            Options {
                outbound: Arc::new(down),
                ..Options::with_clock(clock.clone())
            },
        )
        .expect("open");
        store
            .import(tend::dataset::parse(tend::sqlite::DEMO_FIXTURES, "demo.json").expect("demo"))
            .await
            .expect("import");
        store
            .send_email(
                "priya.patel",
                OutgoingEmail {
                    account_id: 3,
                    to: vec!["Chloe Wong <chloe.wong@orionfreight.com>".into()],
                    cc: vec![],
                    subject: "Our call".into(),
                    body: "See you Thursday.".into(),
                    in_reply_to: None,
                },
            )
            .await
            .expect("queued");
        let r = store.tick().await.expect("tick");
        assert_eq!((r.sent, r.retrying), (0, 1), "{r:?}");
        let d = &store
            .deliveries(&DeliveryQuery::default())
            .await
            .expect("outbox")[0];
        assert_eq!(d.state, DeliveryState::Queued);
        assert_eq!(d.attempts, 1);
        assert!(d.last_error.contains("cannot reach"), "{}", d.last_error);
        assert!(d.next_attempt_at.expect("a retry") > store.now());
    }
    // The process ends; the server comes back; a new process sends it, once.
    let server = SmtpServer::start("maya", "s3cret");
    let store = Store::open_with(
        &path,
        Options {
            outbound: Arc::new(settings(Some(smtp(&server)))),
            ..Options::with_clock(clock)
        },
    )
    .expect("reopen");
    store.tick().await.expect("tick before the backoff");
    assert!(server.received().is_empty(), "waits for its backoff");
    offset.fetch_add(61, Ordering::SeqCst);
    let r = store.tick().await.expect("tick");
    assert_eq!(r.sent, 1, "{r:?}");
    store.tick().await.expect("tick");
    assert_eq!(server.wait_for(1, WAIT).len(), 1);
    let d = &store
        .deliveries(&DeliveryQuery::default())
        .await
        .expect("outbox")[0];
    assert_eq!(
        (d.state, d.attempts, d.log.len()),
        (DeliveryState::Sent, 2, 2)
    );
    assert!(!d.log[0].ok && d.log[1].ok);
}

/// What a webhook receiver got: each request's headers and body.
type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, Vec<u8>)>>>;

/// A webhook receiver on loopback that answers 500 to the first `fail` requests.
async fn receiver(fail: usize) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let s = s.clone();
                async move {
                    let mut seen = s.lock().unwrap();
                    seen.push((headers, body.to_vec()));
                    if seen.len() <= fail {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR
                    } else {
                        axum::http::StatusCode::OK
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

const SENTIMENT_ONLY: &str = r#"
[[profile]]
name = "default"
[[profile.component]]
id = "relationship"
weight = 1
[[profile.component.measure]]
id = "sentiment_90d"
weight = 1
linear = [[-0.5, 0], [0.5, 100]]
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_very_negative_call_turns_an_account_at_risk_and_the_webhook_gets_it_after_retries() {
    let (url, seen) = receiver(2).await;
    let (clock, offset) = clock();
    let mut out = settings(None);
    out.backoff_secs = 10;
    out.notify = NotifySettings {
        rules: vec![Rule {
            on: Trigger::HealthTransition {
                from: vec![],
                to: vec![HealthStatus::AtRisk],
            },
            channels: vec!["cs".into()],
        }],
        channels: vec![Channel {
            name: "cs".into(),
            kind: ChannelKind::Webhook(Webhook {
                url,
                format: Format::Json,
                secret: Some("hmac-key".into()),
                timeout_secs: 5,
            }),
        }],
    };
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open_with(
        dir.path().join("t.db"),
        Options {
            outbound: Arc::new(out),
            health: Arc::new(tend::health::HealthSetup {
                profiles: tend::health::Profiles::parse(SENTIMENT_ONLY, "t.toml").expect("profile"),
                ..tend::health::HealthSetup::default()
            }),
            ..Options::with_clock(clock)
        },
    )
    .expect("open");
    let now = store.now();
    let account: Account = serde_json::from_value(serde_json::json!({
        "id": 0, "created_at": now, "updated_at": now, "name": "Kestrel Air",
        "stage": "adoption", "owner": "maya"
    }))
    .expect("account");
    let id = store
        .create("maya", Record::Account(account))
        .await
        .expect("account")
        .id();
    // A call rated by a person, as the app's log form and `tend log --sentiment` do.
    let call = |body: &str, score: f64, label: &str| {
        serde_json::from_value::<Interaction>(serde_json::json!({
            "id": 0, "created_at": now, "updated_at": now, "account_id": id, "kind": "call",
            "direction": "out", "at": now, "subject": "Call", "body": body,
            "sentiment": { "score": score, "label": label, "source": "manual" }
        }))
        .expect("call")
    };
    store
        .create(
            "maya",
            Record::Interaction(call("Great call, they love it.", 0.6, "positive")),
        )
        .await
        .expect("call");
    let row = store.account(id).await.expect("360").row;
    assert_eq!(row.health_status, Some(HealthStatus::Healthy), "{row:?}");
    store
        .create(
            "maya",
            Record::Interaction(call(
                "Terrible call: they are furious and will cancel.",
                -1.0,
                "negative",
            )),
        )
        .await
        .expect("call");
    let row = store.account(id).await.expect("360").row;
    assert_eq!(row.health_status, Some(HealthStatus::AtRisk), "{row:?}");
    // The store's first round: an alert of the last minutes is news.
    let r = store.tick().await.expect("tick");
    assert_eq!((r.notifications, r.retrying), (1, 1), "{r:?}");
    store.tick().await.expect("a tick before the backoff");
    assert_eq!(seen.lock().unwrap().len(), 1, "waits for its backoff");
    offset.fetch_add(11, Ordering::SeqCst);
    store.tick().await.expect("tick");
    offset.fetch_add(21, Ordering::SeqCst);
    let r = store.tick().await.expect("tick");
    assert_eq!(r.sent, 1, "{r:?}");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two failures, then delivered");
    let keys: Vec<&str> = seen
        .iter()
        .map(|(h, _)| h["idempotency-key"].to_str().unwrap())
        .collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "one key: {keys:?}");
    let (headers, body) = &seen[2];
    let sig = headers["x-tend-signature"].to_str().unwrap();
    assert_eq!(
        sig,
        format!("sha256={}", outbound::webhook::signature("hmac-key", body))
    );
    let json: serde_json::Value = serde_json::from_slice(body).expect("json");
    assert_eq!(json["event"], "health_transition");
    assert_eq!(json["account_name"], "Kestrel Air");
    assert_eq!(json["title"], "Kestrel Air is now at risk");
    assert_eq!(json["idempotency_key"], keys[0]);
    let log = &store
        .deliveries(&DeliveryQuery {
            kind: Some(DeliveryKind::Webhook),
            ..DeliveryQuery::default()
        })
        .await
        .expect("log")[0];
    assert_eq!(log.state, DeliveryState::Sent);
    let oks: Vec<bool> = log.log.iter().map(|a| a.ok).collect();
    assert_eq!(oks, vec![false, false, true]);
    assert!(log.log[0].detail.contains("500"), "{}", log.log[0].detail);
}

#[tokio::test(flavor = "multi_thread")]
async fn after_a_crash_between_sending_and_recording_an_email_waits_for_a_person_and_a_notification_is_sent_again()
 {
    let server = SmtpServer::start("maya", "s3cret");
    let (url, seen) = receiver(0).await;
    let (clock, offset) = clock();
    let mut out = settings(Some(smtp(&server)));
    out.notify = NotifySettings {
        rules: vec![Rule {
            on: Trigger::Alert { rule: "*".into() },
            channels: vec!["cs".into()],
        }],
        channels: vec![Channel {
            name: "cs".into(),
            kind: ChannelKind::Webhook(Webhook {
                url,
                format: Format::Slack,
                secret: None,
                timeout_secs: 5,
            }),
        }],
    };
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("t.db");
    let options = Options {
        outbound: Arc::new(out),
        ..Options::with_clock(clock)
    };
    {
        let store = Store::open_with(&path, options.clone()).expect("open");
        store
            .import(tend::dataset::parse(tend::sqlite::DEMO_FIXTURES, "demo.json").expect("demo"))
            .await
            .expect("import");
        store
            .tick()
            .await
            .expect("the first round: the demo's alerts are history");
        store
            .send_email(
                "priya.patel",
                OutgoingEmail {
                    account_id: 3,
                    to: vec!["chloe.wong@orionfreight.com".into()],
                    cc: vec![],
                    subject: "Numbers".into(),
                    body: "Attached.".into(),
                    in_reply_to: None,
                },
            )
            .await
            .expect("queued");
        let now = store.now();
        let alert: Alert = serde_json::from_value(serde_json::json!({
            "id": 0, "created_at": now, "updated_at": now, "account_id": 3,
            "rule": "usage_drop", "at": now, "message": "Connections fell 40%", "state": "open"
        }))
        .expect("alert");
        store
            .create("tend", Record::Alert(alert))
            .await
            .expect("alert");
    }
    // Another process claimed both and died before recording anything: as if it
    // sent them and crashed.
    {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        // The notification is queued by a scan first.
        drop(conn);
        let store = Store::open_with(&path, {
            let mut o = options.clone();
            o.outbound = Arc::new(outbound::Settings {
                smtp: None,
                ..(*options.outbound).clone()
            });
            o
        })
        .expect("open");
        // Queue the notification without sending anything: no SMTP, and the hook
        // is reached only by deliver, which we stop by claiming first.
        drop(store);
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.execute(
            "UPDATE deliveries SET state = 'sending', attempts = 1, next_attempt_at = 0",
            [],
        )
        .expect("claim");
    }
    offset.fetch_add(300, Ordering::SeqCst);
    let store = Store::open_with(&path, options).expect("reopen");
    store.tick().await.expect("tick");
    let all = store
        .deliveries(&DeliveryQuery::default())
        .await
        .expect("outbox");
    let email = all
        .iter()
        .find(|d| d.kind == DeliveryKind::Email)
        .expect("email");
    assert_eq!(email.state, DeliveryState::Unknown, "{email:?}");
    assert!(
        email.last_error.contains("may have been sent"),
        "{}",
        email.last_error
    );
    assert!(
        server.received().is_empty(),
        "an email is never sent twice by itself"
    );
    // The alert's notification (queued by this tick's scan) went out.
    let hook = all
        .iter()
        .find(|d| d.kind == DeliveryKind::Webhook)
        .expect("notification");
    assert_eq!(hook.state, DeliveryState::Sent, "{hook:?}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    // A person decides: retried, it goes out once.
    store
        .retry_delivery("priya.patel", email.id)
        .await
        .expect("retry");
    store.tick().await.expect("tick");
    assert_eq!(server.wait_for(1, WAIT).len(), 1);
    store.tick().await.expect("tick");
    assert_eq!(server.received().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn what_a_deleted_run_or_account_had_queued_does_not_go_out() {
    let (clock, _) = clock();
    // No SMTP server: emails wait in the outbox.
    let store = demo(settings(None), clock);
    let onboarding = store
        .playbooks()
        .await
        .expect("playbooks")
        .into_iter()
        .find(|p| p.name == "Onboarding")
        .expect("Onboarding");
    let run = store
        .create(
            "priya.patel",
            Record::PlaybookRun(PlaybookRun::start(&onboarding, 3, store.now())),
        )
        .await
        .expect("start");
    store.tick().await.expect("tick");
    let queued = |s: &Store| {
        let s = s.clone();
        async move {
            s.deliveries(&DeliveryQuery::default())
                .await
                .expect("outbox")
                .into_iter()
                .map(|d| (d.account_id, d.state))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(queued(&store).await, vec![(Some(3), DeliveryState::Queued)]);
    let run = run_of(&store, run.id()).await;
    store
        .delete("priya.patel", EntityKind::PlaybookRun, run.id, run.version)
        .await
        .expect("delete the run");
    assert_eq!(
        queued(&store).await,
        vec![(Some(3), DeliveryState::Cancelled)]
    );
    // An email to an account deleted before it went out.
    store
        .send_email(
            "priya.patel",
            OutgoingEmail {
                account_id: 3,
                to: vec!["chloe.wong@orionfreight.com".into()],
                cc: vec![],
                subject: "Numbers".into(),
                body: "Attached.".into(),
                in_reply_to: None,
            },
        )
        .await
        .expect("queued");
    let version = store.account(3).await.expect("360").account.version;
    store
        .delete("priya.patel", EntityKind::Account, 3, version)
        .await
        .expect("delete the account");
    let all = store
        .deliveries(&DeliveryQuery::default())
        .await
        .expect("outbox");
    assert!(
        all.iter().all(|d| d.state == DeliveryState::Cancelled),
        "{all:?}"
    );
    assert!(
        all[0].last_error.contains("deleted by priya.patel"),
        "{}",
        all[0].last_error
    );
}
