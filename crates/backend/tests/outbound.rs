//! The outbound transports against real servers on the loopback interface: email
//! to the SMTP test server (tests/support/smtp_server.rs) over STARTTLS, TLS and
//! plain SMTP, and webhooks to an axum receiver.

#[path = "support/smtp_server.rs"]
mod smtp_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::DateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use smtp_server::SmtpServer;
use tend_backend::outbound::smtp::{self, Email, Security, SendError, SmtpSettings};
use tend_backend::outbound::webhook::{self, Format, Notice, Webhook};

const USER: &str = "maya";
const PASSWORD: &str = "correct-horse-battery";
const WAIT: Duration = Duration::from_secs(10);

fn settings(server: &SmtpServer, security: Security) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port: match security {
            Security::Tls => server.tls_port,
            Security::Starttls | Security::None => server.port,
        },
        security,
        username: Some(USER.into()),
        password: Some(PASSWORD.into()),
        ca_file: Some(server.ca_file.clone()),
        timeout_secs: 10,
    }
}

fn email() -> Email {
    Email {
        from: "Maya Lin <maya@example.com>".into(),
        to: vec!["Zoë Martin <zoe@customer.example>".into()],
        cc: vec!["ops@customer.example".into()],
        subject: "Bienvenue à bord, Zoë ✓".into(),
        body: "Bonjour Zoë,\n\nWelcome aboard: your workspace is ready.\n.\nA line that starts with a dot, above.\n\n-- \nMaya\n".into(),
        message_id: "tend.42.abc@example.com".into(),
        in_reply_to: Some("parent@customer.example".into()),
        references: vec!["root@customer.example".into(), "parent@customer.example".into()],
        // Tue, 14 Nov 2023 22:13:20 +0000
        date: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
    }
}

/// A header's raw line (with its folded continuation lines joined).
fn raw_header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next()?;
    let mut found: Option<String> = None;
    for line in head.split("\r\n") {
        if let Some(value) = &mut found {
            if line.starts_with([' ', '\t']) {
                value.push_str(line);
                continue;
            }
            break;
        }
        if let Some((n, v)) = line.split_once(':')
            && n.eq_ignore_ascii_case(name)
        {
            found = Some(v.trim_start().to_string());
        }
    }
    found
}

#[tokio::test]
async fn starttls_with_auth_delivers_the_exact_message() {
    let server = SmtpServer::start(USER, PASSWORD);
    let email = email();
    smtp::send(&settings(&server, Security::Starttls), &email)
        .await
        .expect("sent");

    // send returns after the 250 to DATA: the message is there, once.
    let got = server.received();
    assert_eq!(got.len(), 1, "{got:?}");
    let r = &got[0];
    assert!(r.tls, "received over TLS");
    assert_eq!(r.auth_user.as_deref(), Some(USER));
    assert_eq!(r.from, "maya@example.com");
    assert_eq!(r.to, ["zoe@customer.example", "ops@customer.example"]);
    // The bytes built are the bytes received.
    assert_eq!(r.data, smtp::build(&email).unwrap());
    // STARTTLS came before AUTH, and AUTH only inside TLS.
    let transcript = server.transcript();
    let starttls = transcript
        .iter()
        .position(|l| l == "STARTTLS")
        .expect("STARTTLS");
    let auth = transcript
        .iter()
        .position(|l| l.contains("AUTH"))
        .expect("AUTH");
    assert!(starttls < auth, "{transcript:?}");
    assert!(transcript[auth].starts_with("tls: AUTH"), "{transcript:?}");

    // The raw headers.
    let text = String::from_utf8(r.data.clone()).expect("the message is ASCII");
    assert!(
        text.is_ascii(),
        "headers and body are encoded for 7-bit transport"
    );
    assert_eq!(
        raw_header(&text, "From").as_deref(),
        Some("\"Maya Lin\" <maya@example.com>")
    );
    let to = raw_header(&text, "To").expect("To");
    assert!(
        to.contains("<zoe@customer.example>") && to.contains("=?utf-8?"),
        "{to}"
    );
    assert_eq!(
        raw_header(&text, "Cc").as_deref(),
        Some("ops@customer.example")
    );
    assert_eq!(
        raw_header(&text, "Message-ID").as_deref(),
        Some("<tend.42.abc@example.com>")
    );
    assert_eq!(
        raw_header(&text, "In-Reply-To").as_deref(),
        Some("<parent@customer.example>")
    );
    assert_eq!(
        raw_header(&text, "References").as_deref(),
        Some("<root@customer.example> <parent@customer.example>")
    );
    assert_eq!(
        raw_header(&text, "Date").as_deref(),
        Some("Tue, 14 Nov 2023 22:13:20 +0000")
    );
    assert_eq!(raw_header(&text, "MIME-Version").as_deref(), Some("1.0"));
    assert_eq!(
        raw_header(&text, "Content-Type")
            .map(|v| v.to_ascii_lowercase())
            .as_deref(),
        Some("text/plain; charset=utf-8")
    );
    let subject = raw_header(&text, "Subject").expect("Subject");
    assert!(
        subject.contains("=?utf-8?b?") && !subject.contains("Zoë"),
        "RFC 2047 encoded: {subject}"
    );
    let encoding = raw_header(&text, "Content-Transfer-Encoding").expect("a transfer encoding");
    assert!(
        matches!(encoding.as_str(), "quoted-printable" | "base64"),
        "{encoding}"
    );

    // Decoded by an independent parser.
    let parsed = mail_parser::MessageParser::default()
        .parse(&r.data)
        .expect("a parsable message");
    assert_eq!(parsed.subject(), Some("Bienvenue à bord, Zoë ✓"));
    assert_eq!(parsed.message_id(), Some("tend.42.abc@example.com"));
    let from = parsed.from().and_then(|a| a.first()).expect("From");
    assert_eq!(from.name(), Some("Maya Lin"));
    assert_eq!(from.address(), Some("maya@example.com"));
    let to = parsed.to().and_then(|a| a.first()).expect("To");
    assert_eq!(to.name(), Some("Zoë Martin"));
    assert_eq!(parsed.date().map(|d| d.to_timestamp()), Some(1_700_000_000));
    let body = parsed
        .body_text(0)
        .expect("a text body")
        .replace("\r\n", "\n");
    assert_eq!(body, email.body);
    assert!(
        body.ends_with("\n-- \nMaya\n"),
        "the signature separator keeps its space"
    );
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let server = SmtpServer::start(USER, PASSWORD);
    smtp::send(&settings(&server, Security::Tls), &email())
        .await
        .expect("sent over TLS");
    let got = server.wait_for(1, WAIT);
    assert_eq!(got.len(), 1);
    assert!(got[0].tls);
    assert_eq!(got[0].auth_user.as_deref(), Some(USER));
    assert!(!server.transcript().iter().any(|l| l == "STARTTLS"));
}

#[tokio::test]
async fn plain_smtp_without_auth_delivers() {
    let server = SmtpServer::start_open();
    let mut s = settings(&server, Security::None);
    s.username = None;
    s.password = None;
    s.ca_file = None;
    smtp::send(&s, &email()).await.expect("sent in plain");
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert!(!got[0].tls);
    assert_eq!(got[0].auth_user, None);
}

#[tokio::test]
async fn auth_is_required_by_the_server() {
    let server = SmtpServer::start(USER, PASSWORD);
    let mut s = settings(&server, Security::Starttls);
    s.username = None;
    let err = smtp::send(&s, &email()).await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert!(err.to_string().contains("530"), "{err}");
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn wrong_password_is_permanent_and_never_shown() {
    let server = SmtpServer::start(USER, PASSWORD);
    let mut s = settings(&server, Security::Starttls);
    s.password = Some("wrong-password-123".into());
    let err = smtp::send(&s, &email()).await.unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("SMTP authentication failed: 535"),
        "{message}"
    );
    assert!(!message.contains("wrong-password-123"), "{message}");
    assert!(!format!("{err:?}").contains("wrong-password-123"));
    assert!(!format!("{s:?}").contains("wrong-password-123"));
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn refused_recipient_is_permanent_and_nothing_is_sent() {
    let server = SmtpServer::start(USER, PASSWORD);
    server.refuse_recipient("ops@customer.example");
    let err = smtp::send(&settings(&server, Security::Starttls), &email())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SendError::Permanent(
            "SMTP refused the recipient ops@customer.example: 550 5.1.1 no such user".into()
        )
    );
    // One recipient refused: no message for the others either.
    assert!(server.received().is_empty());
    // And the session ended politely.
    let transcript = server.transcript();
    assert_eq!(
        transcript.last().map(String::as_str),
        Some("tls: QUIT"),
        "{transcript:?}"
    );
}

#[tokio::test]
async fn deferred_recipient_is_transient() {
    let server = SmtpServer::start(USER, PASSWORD);
    server.defer_recipient("zoe@customer.example");
    let err = smtp::send(&settings(&server, Security::Starttls), &email())
        .await
        .unwrap_err();
    assert!(!err.is_permanent(), "{err:?}");
    assert!(err.to_string().contains("450 4.2.1"), "{err}");
}

#[tokio::test]
async fn nothing_listening_is_transient() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let s = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::Starttls,
        ..Default::default()
    };
    let err = smtp::send(&s, &email()).await.unwrap_err();
    assert_eq!(
        err,
        SendError::Transient(format!(
            "cannot reach the SMTP server 127.0.0.1:{port}: connection refused"
        ))
    );
}

#[tokio::test]
async fn a_silent_server_times_out_as_transient() {
    // Accepts connections (the kernel does) but never greets.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        timeout_secs: 1,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let err = smtp::send(&s, &email()).await.unwrap_err();
    assert!(!err.is_permanent(), "{err:?}");
    assert!(err.to_string().contains("within 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(listener);
}

#[tokio::test]
async fn an_untrusted_certificate_is_permanent() {
    let server = SmtpServer::start(USER, PASSWORD);
    for security in [Security::Starttls, Security::Tls] {
        let mut s = settings(&server, security);
        s.ca_file = None;
        let err = smtp::send(&s, &email()).await.unwrap_err();
        assert!(err.is_permanent(), "{security}: {err:?}");
        assert!(err.to_string().contains("certificate"), "{security}: {err}");
    }
    // No credentials went out: AUTH never reached the server.
    assert!(!server.transcript().iter().any(|l| l.contains("AUTH")));
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_missing_ca_file_is_permanent() {
    let server = SmtpServer::start(USER, PASSWORD);
    let mut s = settings(&server, Security::Starttls);
    s.ca_file = Some("/nonexistent/ca.pem".into());
    let err = smtp::send(&s, &email()).await.unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
}

#[tokio::test]
async fn a_bad_address_is_refused_before_connecting() {
    let server = SmtpServer::start(USER, PASSWORD);
    let mut e = email();
    e.cc = vec!["not an address".into()];
    let err = smtp::send(&settings(&server, Security::Starttls), &e)
        .await
        .unwrap_err();
    assert!(err.is_permanent());
    assert!(err.to_string().contains("not an address"), "{err}");
    assert_eq!(server.connections(), 0);
}

// ---- webhooks ----

#[derive(Clone, Debug)]
struct Hit {
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

/// A receiver on 127.0.0.1 answering POST /hook/{status} with that status (and a
/// long text body for errors); returns its base URL and what it received.
async fn receiver() -> (String, Arc<Mutex<Vec<Hit>>>) {
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};

    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    async fn hook(
        State(hits): State<Arc<Mutex<Vec<Hit>>>>,
        Path(status): Path<u16>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> (StatusCode, String) {
        hits.lock().unwrap().push(Hit {
            headers,
            body: body.to_vec(),
        });
        let status = StatusCode::from_u16(status).unwrap();
        let text = if status.is_success() {
            "ok".to_string()
        } else {
            format!("failure {}", "x".repeat(500))
        };
        (status, text)
    }
    let app = axum::Router::new()
        .route("/hook/{status}", axum::routing::post(hook))
        .with_state(Arc::clone(&hits));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, hits)
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

fn notice() -> Notice {
    Notice {
        event: "health_transition".into(),
        title: "Larkspur Logistics is at risk".into(),
        text: "Health fell from 61 to 38 <in a week> & logins halved.".into(),
        account_id: Some(7),
        account_name: Some("Larkspur Logistics".into()),
        at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        data: serde_json::json!({"from": 61, "to": 38}),
    }
}

fn header<'a>(hit: &'a Hit, name: &str) -> Option<&'a str> {
    hit.headers.get(name).and_then(|v| v.to_str().ok())
}

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn slack_webhook_is_signed_and_keyed() {
    let (base, hits) = receiver().await;
    let hook = Webhook {
        url: format!("{base}/hook/200"),
        format: Format::Slack,
        secret: Some("whsec-test".into()),
        timeout_secs: 5,
    };
    webhook::post(&client(), &hook, "health:7:2023-11-14", &notice())
        .await
        .expect("delivered");
    let hits = hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    let body: serde_json::Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "text": "*Larkspur Logistics is at risk*\nHealth fell from 61 to 38 &lt;in a week&gt; &amp; logins halved.",
            "username": "tend",
        })
    );
    assert_eq!(
        hit.body,
        webhook::body(&hook, "health:7:2023-11-14", &notice())
    );
    assert_eq!(header(hit, "content-type"), Some("application/json"));
    assert_eq!(header(hit, "idempotency-key"), Some("health:7:2023-11-14"));
    assert!(header(hit, "user-agent").unwrap().starts_with("tend/"));
    let expected = format!("sha256={}", hmac_hex("whsec-test", &hit.body));
    assert_eq!(header(hit, "x-tend-signature"), Some(expected.as_str()));
    assert_eq!(
        webhook::signature("whsec-test", &hit.body),
        expected["sha256=".len()..]
    );
}

#[tokio::test]
async fn json_webhook_carries_the_notice_and_key() {
    let (base, hits) = receiver().await;
    let hook = Webhook {
        url: format!("{base}/hook/204"),
        format: Format::Json,
        secret: None,
        timeout_secs: 5,
    };
    webhook::post(&client(), &hook, "key-1", &notice())
        .await
        .expect("delivered");
    let hits = hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&hits[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "event": "health_transition",
            "title": "Larkspur Logistics is at risk",
            "text": "Health fell from 61 to 38 <in a week> & logins halved.",
            "account_id": 7,
            "account_name": "Larkspur Logistics",
            "at": "2023-11-14T22:13:20Z",
            "data": {"from": 61, "to": 38},
            "idempotency_key": "key-1",
        })
    );
    let back: Notice = serde_json::from_value(body).unwrap();
    assert_eq!(back, notice());
    assert_eq!(header(&hits[0], "idempotency-key"), Some("key-1"));
    assert_eq!(header(&hits[0], "x-tend-signature"), None);
}

#[tokio::test]
async fn webhook_answers_are_classified() {
    let (base, hits) = receiver().await;
    let client = client();
    for (status, permanent) in [
        (500, false),
        (503, false),
        (429, false),
        (408, false),
        (404, true),
        (400, true),
        (410, true),
    ] {
        let hook = Webhook {
            url: format!("{base}/hook/{status}?token=SECRET-TOKEN"),
            format: Format::Json,
            secret: None,
            timeout_secs: 5,
        };
        let err = webhook::post(&client, &hook, "k", &notice())
            .await
            .unwrap_err();
        assert_eq!(err.is_permanent(), permanent, "{status}: {err:?}");
        let message = err.to_string();
        assert!(message.contains(&status.to_string()), "{message}");
        assert!(
            message.contains("failure xxx"),
            "the answer's start: {message}"
        );
        assert!(
            message.chars().count() < 300,
            "at most 200 characters of the answer: {message}"
        );
        assert!(!message.contains("SECRET-TOKEN"), "{message}");
    }
    assert_eq!(hits.lock().unwrap().len(), 7);
}

#[tokio::test]
async fn webhook_network_errors_are_transient_and_bad_urls_permanent() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let hook = Webhook {
        url: format!("http://127.0.0.1:{port}/services/SECRET-PATH"),
        format: Format::Slack,
        secret: None,
        timeout_secs: 5,
    };
    let err = webhook::post(&client(), &hook, "k", &notice())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SendError::Transient(format!(
            "cannot reach the webhook at 127.0.0.1:{port}: connection refused"
        ))
    );

    // TLS to a server whose certificate nothing trusts (the SMTP test server's TLS
    // port: the handshake fails before any HTTP).
    let server = SmtpServer::start_open();
    let hook = Webhook {
        url: format!("https://127.0.0.1:{}/hook", server.tls_port),
        ..hook
    };
    let err = webhook::post(&client(), &hook, "k", &notice())
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert!(err.to_string().contains("certificate"), "{err}");

    for url in ["ftp://example.com/x", "not a url", ""] {
        let hook = Webhook {
            url: url.into(),
            ..hook.clone()
        };
        let err = webhook::post(&client(), &hook, "k", &notice())
            .await
            .unwrap_err();
        assert!(err.is_permanent(), "{url}: {err:?}");
    }
}
