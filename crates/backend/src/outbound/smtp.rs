//! Email over SMTP: the message (RFC 5322, built by lettre) and one connection per
//! email, driven step by step so that an error says which step failed (the
//! connection, TLS, authentication, the sender, a recipient, the message) and
//! whether trying again later can help.
//!
//! TLS is rustls over ring; the server's certificate is checked against the
//! system's roots (rustls-platform-verifier, as the team client does) plus
//! `ca_file`, an extra trusted CA for a private or self-signed server.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Datelike, Utc};
use lettre::address::Envelope;
use lettre::message::{Mailbox, Mailboxes, MessageBuilder, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use serde::{Deserialize, Serialize};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte ("SMTPS", port 465).
    Tls,
    /// No TLS at all: only for a server on the loopback interface, e.g. in tests.
    None,
}

impl Security {
    /// The port used when the settings say 0.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }

    /// The word used in configuration files: "starttls", "tls" or "none".
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Starttls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Security {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Security::Starttls),
            "tls" | "ssl" | "smtps" => Ok(Security::Tls),
            "none" | "plain" => Ok(Security::None),
            other => Err(format!(
                "unknown SMTP security {other:?}: expected starttls, tls or none"
            )),
        }
    }
}

/// Where and how to send email.
#[derive(Clone, Default)]
pub struct SmtpSettings {
    pub host: String,
    /// 0: the usual port for `security` (587, 465 or 25).
    pub port: u16,
    pub security: Security,
    /// Authenticate (AUTH PLAIN or LOGIN) when set.
    pub username: Option<String>,
    /// Never printed: `Debug` shows "***".
    pub password: Option<String>,
    /// An extra trusted CA (PEM), e.g. the certificate of a self-signed server.
    pub ca_file: Option<PathBuf>,
    /// For each step (connecting, each command); 0 = 30 seconds.
    pub timeout_secs: u64,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("ca_file", &self.ca_file)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

impl SmtpSettings {
    /// The port connected to (`port`, or the usual one for `security` when 0).
    pub fn effective_port(&self) -> u16 {
        if self.port == 0 {
            self.security.default_port()
        } else {
            self.port
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(if self.timeout_secs == 0 {
            30
        } else {
            self.timeout_secs
        })
    }
}

/// One email, ready to go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Email {
    /// "Maya Lin <maya@example.com>" or a bare address.
    pub from: String,
    /// Each entry one address (or a comma-separated list of them).
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// May be non-ASCII: RFC 2047 encoded on the wire.
    pub subject: String,
    /// text/plain; charset=utf-8, the signature already appended.
    pub body: String,
    /// Without angle brackets, e.g. "tend.42.abc@example.com".
    pub message_id: String,
    /// A message id without angle brackets.
    pub in_reply_to: Option<String>,
    /// Message ids without angle brackets, oldest first.
    pub references: Vec<String>,
    pub date: DateTime<Utc>,
}

/// Why an email (or a webhook) did not go out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth trying again later: connection refused or reset, timeout, 4xx reply.
    #[error("{0}")]
    Transient(String),
    /// Will not work as it is: 5xx reply (recipient refused, authentication failed),
    /// bad address, TLS certificate refused.
    #[error("{0}")]
    Permanent(String),
}

impl SendError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        match self {
            SendError::Transient(m) | SendError::Permanent(m) => m,
        }
    }

    fn map_message(self, f: impl FnOnce(String) -> String) -> SendError {
        match self {
            SendError::Transient(m) => SendError::Transient(f(m)),
            SendError::Permanent(m) => SendError::Permanent(f(m)),
        }
    }
}

use SendError::{Permanent, Transient};

/// Builds the RFC 5322 message (exact bytes sent: what the server receives as DATA),
/// validating addresses. Always ends with CRLF.
pub fn build(email: &Email) -> Result<Vec<u8>, SendError> {
    Ok(compose(email)?.0)
}

/// The message and its envelope (MAIL FROM the From address, RCPT TO every To and
/// Cc address).
fn compose(email: &Email) -> Result<(Vec<u8>, Envelope), SendError> {
    let from: Mailbox = email
        .from
        .trim()
        .parse()
        .map_err(|_| Permanent(format!("not a valid sender address: {:?}", email.from)))?;
    let mut builder = MessageBuilder::new().from(from);
    let mut recipients = 0;
    for (field, list) in [("To", &email.to), ("Cc", &email.cc)] {
        for entry in list {
            if entry.trim().is_empty() {
                continue;
            }
            let mailboxes: Mailboxes = entry
                .trim()
                .parse()
                .map_err(|_| Permanent(format!("not a valid recipient address: {entry:?}")))?;
            for mailbox in mailboxes {
                recipients += 1;
                builder = if field == "To" {
                    builder.to(mailbox)
                } else {
                    builder.cc(mailbox)
                };
            }
        }
    }
    if recipients == 0 {
        return Err(Permanent("the email has no recipient".into()));
    }
    builder = builder
        .subject(one_line(&email.subject))
        .message_id(Some(message_id(&email.message_id, "message id", true)?))
        .date(system_time(email.date)?);
    if let Some(parent) = email
        .in_reply_to
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        builder = builder.in_reply_to(message_id(parent, "In-Reply-To message id", false)?);
    }
    let references = email
        .references
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| message_id(r, "References message id", false))
        .collect::<Result<Vec<_>, _>>()?;
    if !references.is_empty() {
        builder = builder.references(references.join(" "));
    }
    // lettre ends the body with a line break of its own: without the body's final
    // one, the recipient reads the body as it was written.
    let body = email.body.strip_suffix('\n').unwrap_or(&email.body);
    let body = body.strip_suffix('\r').unwrap_or(body);
    let message = builder
        .singlepart(SinglePart::plain(body.to_string()))
        .map_err(|e| Permanent(format!("cannot build the email: {e}")))?;
    let mut bytes = message.formatted();
    if !bytes.ends_with(b"\r\n") {
        bytes.extend_from_slice(b"\r\n");
    }
    Ok((bytes, message.envelope().clone()))
}

/// A header value on one line: control characters (CR, LF, tab) become spaces.
fn one_line(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// "<id>" from an id given without (or, leniently, with) angle brackets.
fn message_id(id: &str, what: &str, need_at: bool) -> Result<String, SendError> {
    let trimmed = id.trim();
    let bare = trimmed
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(trimmed);
    let valid = !bare.is_empty()
        && bare
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
        && (!need_at || bare.contains('@'));
    if valid {
        Ok(format!("<{bare}>"))
    } else {
        Err(Permanent(format!("not a valid {what}: {id:?}")))
    }
}

fn system_time(date: DateTime<Utc>) -> Result<SystemTime, SendError> {
    if date.timestamp() < 0 || date.year() > 9999 {
        return Err(Permanent(format!(
            "the email's date is out of range: {date}"
        )));
    }
    Ok(date.into())
}

/// Sends one email; returns when the server accepted the DATA (250).
///
/// One connection per email: greeting and EHLO, STARTTLS (required with
/// [`Security::Starttls`]), AUTH when a username is set, MAIL FROM, RCPT TO for each
/// To and Cc address (one refused recipient and nothing is sent), DATA, QUIT.
pub async fn send(settings: &SmtpSettings, email: &Email) -> Result<(), SendError> {
    let (bytes, envelope) = compose(email)?;
    let server = format!("{}:{}", settings.host.trim(), settings.effective_port());
    let result = exchange(settings, &server, &envelope, &bytes)
        .await
        .map_err(|e| scrub(e, settings));
    match &result {
        Ok(()) => tracing::debug!(%server, message_id = %email.message_id, "email sent"),
        Err(e) => {
            tracing::debug!(%server, message_id = %email.message_id, error = %e, "email not sent")
        }
    }
    result
}

/// Which step an SMTP error came from.
#[derive(Clone, Copy)]
enum Step<'a> {
    Connect,
    StartTls,
    Auth,
    Mail(&'a str),
    Rcpt(&'a str),
    Data,
}

async fn exchange(
    settings: &SmtpSettings,
    server: &str,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<(), SendError> {
    let host = settings.host.trim();
    if host.is_empty() {
        return Err(Permanent(
            "no SMTP server is configured (host is empty)".into(),
        ));
    }
    let port = settings.effective_port();
    let timeout = settings.timeout();
    let tls = match settings.security {
        Security::None => None,
        Security::Starttls | Security::Tls => Some(tls_parameters(settings, server)?),
    };
    let hello = ClientId::default();
    let wrapper = match settings.security {
        Security::Tls => tls.clone(),
        Security::Starttls | Security::None => None,
    };

    let ctx = Ctx {
        server,
        host,
        timeout,
        security: settings.security,
    };
    let mut conn = ctx
        .step(
            Step::Connect,
            AsyncSmtpConnection::connect_tokio1((host, port), Some(timeout), &hello, wrapper, None),
        )
        .await?;
    if settings.security == Security::Starttls {
        if !conn.can_starttls() {
            let _ = tokio::time::timeout(timeout.min(Duration::from_secs(5)), conn.abort()).await;
            return Err(Permanent(format!(
                "the SMTP server {server} does not offer STARTTLS (set security to \"tls\" if it \
                 expects TLS from the start)"
            )));
        }
        let params = tls.expect("TLS parameters for STARTTLS");
        // After a failed upgrade lettre's connection has no stream left (writing to
        // it panics in debug builds): drop it as it is.
        ctx.step(Step::StartTls, conn.starttls(params, &hello))
            .await?;
    }
    let outcome = session(&ctx, &mut conn, settings, envelope, bytes).await;
    // Accepted or not, say goodbye; a failing QUIT changes nothing. After an error
    // `abort` also closes the connection (and skips QUIT if it is already broken).
    let goodbye = timeout.min(Duration::from_secs(5));
    if outcome.is_ok() {
        let _ = tokio::time::timeout(goodbye, conn.quit()).await;
    } else {
        let _ = tokio::time::timeout(goodbye, conn.abort()).await;
    }
    outcome
}

/// Everything after the greeting and STARTTLS: AUTH, MAIL, RCPT, DATA.
async fn session(
    ctx: &Ctx<'_>,
    conn: &mut AsyncSmtpConnection,
    settings: &SmtpSettings,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<(), SendError> {
    let server = ctx.server;
    if let Some(username) = settings.username.as_deref().filter(|u| !u.is_empty()) {
        let credentials = Credentials::new(
            username.to_string(),
            settings.password.clone().unwrap_or_default(),
        );
        let mechanisms = [Mechanism::Plain, Mechanism::Login];
        ctx.step(Step::Auth, conn.auth(&mechanisms, &credentials))
            .await?;
    }

    // MAIL FROM with the parameters the message needs (lettre's own choice: the
    // builder encodes headers and body in ASCII, so these are rarely needed).
    let mut parameters = Vec::new();
    let non_ascii_address = envelope
        .from()
        .into_iter()
        .chain(envelope.to())
        .any(|a| !AsRef::<str>::as_ref(a).is_ascii());
    if non_ascii_address {
        if !conn.server_info().supports_feature(Extension::SmtpUtfEight) {
            return Err(Permanent(format!(
                "the SMTP server {server} does not accept non-ASCII addresses (no SMTPUTF8)"
            )));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !bytes.is_ascii() {
        if !conn.server_info().supports_feature(Extension::EightBitMime) {
            return Err(Permanent(format!(
                "the SMTP server {server} does not accept 8-bit messages (no 8BITMIME)"
            )));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let sender = envelope.from().map(|a| a.to_string()).unwrap_or_default();
    ctx.step(
        Step::Mail(&sender),
        conn.command(Mail::new(envelope.from().cloned(), parameters)),
    )
    .await?;
    for recipient in envelope.to() {
        let shown = recipient.to_string();
        ctx.step(
            Step::Rcpt(&shown),
            conn.command(Rcpt::new(recipient.clone(), vec![])),
        )
        .await?;
    }
    ctx.step(Step::Data, conn.command(Data)).await?;
    // lettre ends the data with CRLF "." CRLF: the message's own final CRLF is the
    // first of those, so the server receives exactly `bytes`.
    let body = bytes.strip_suffix(b"\r\n").unwrap_or(bytes);
    ctx.step(Step::Data, conn.message(body)).await?;
    Ok(())
}

struct Ctx<'a> {
    server: &'a str,
    host: &'a str,
    timeout: Duration,
    security: Security,
}

impl Ctx<'_> {
    /// Runs one step within the timeout, its error worded for people.
    async fn step<T>(
        &self,
        step: Step<'_>,
        fut: impl Future<Output = Result<T, lettre::transport::smtp::Error>>,
    ) -> Result<T, SendError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.classify(step, &e)),
            Err(_) => Err(Transient(match step {
                Step::Connect => format!(
                    "cannot reach the SMTP server {}: no answer within {} s",
                    self.server,
                    self.timeout.as_secs()
                ),
                _ => format!(
                    "the SMTP server {} stopped answering (no reply within {} s)",
                    self.server,
                    self.timeout.as_secs()
                ),
            })),
        }
    }

    fn classify(&self, step: Step<'_>, e: &lettre::transport::smtp::Error) -> SendError {
        let server = self.server;
        if let Some(code) = e.status() {
            let text = server_text(e);
            let reply = if text.is_empty() {
                code.to_string()
            } else {
                format!("{code} {text}")
            };
            let message = match step {
                Step::Connect => {
                    format!("the SMTP server {server} refused the connection: {reply}")
                }
                Step::StartTls => format!("the SMTP server {server} refused STARTTLS: {reply}"),
                Step::Auth if e.is_permanent() => format!("SMTP authentication failed: {reply}"),
                Step::Auth => format!("SMTP authentication failed for now: {reply}"),
                Step::Mail(sender) => format!("SMTP refused the sender {sender}: {reply}"),
                Step::Rcpt(recipient) => {
                    format!("SMTP refused the recipient {recipient}: {reply}")
                }
                Step::Data => format!("SMTP refused the message: {reply}"),
            };
            return if e.is_permanent() {
                Permanent(message)
            } else {
                Transient(message)
            };
        }
        match cause(e) {
            Cause::Tls(tls) => self.tls_error(tls),
            Cause::Io(io) => {
                let what = describe_io(io);
                Transient(match step {
                    Step::Connect => format!("cannot reach the SMTP server {server}: {what}"),
                    _ => format!("the connection to the SMTP server {server} failed: {what}"),
                })
            }
            Cause::Other => {
                let detail = e.source().map(|s| s.to_string()).unwrap_or_default();
                if e.is_client() && matches!(step, Step::Auth) {
                    Permanent(format!(
                        "the SMTP server {server} offers no password authentication tend can use \
                         (AUTH PLAIN or LOGIN)"
                    ))
                } else if e.is_response() {
                    // Mostly "incomplete response": the server hung up.
                    Transient(format!(
                        "the SMTP server {server} sent no proper reply: {}",
                        short(&detail)
                    ))
                } else if e.is_timeout() {
                    Transient(format!("cannot reach the SMTP server {server}: timed out"))
                } else {
                    Permanent(format!(
                        "SMTP with {server} failed: {}",
                        short(&e.to_string())
                    ))
                }
            }
        }
    }

    fn tls_error(&self, e: &rustls::Error) -> SendError {
        let server = self.server;
        match e {
            rustls::Error::InvalidCertificate(cert) => {
                let hint = if matches!(cert, rustls::CertificateError::UnknownIssuer) {
                    " (for a private or self-signed certificate, give its CA as ca_file)"
                } else {
                    ""
                };
                Permanent(format!(
                    "cannot trust the certificate of the SMTP server {server}: {}{hint}",
                    certificate_problem(cert, self.host)
                ))
            }
            other if self.security == Security::Tls => Permanent(format!(
                "TLS with the SMTP server {server} failed: {other} (security \"tls\" needs a \
                 port that speaks TLS from the start, usually 465; 587 is for \"starttls\")"
            )),
            other => Permanent(format!(
                "TLS with the SMTP server {server} failed after STARTTLS: {other}"
            )),
        }
    }
}

pub(super) fn certificate_problem(e: &rustls::CertificateError, host: &str) -> String {
    use rustls::CertificateError as C;
    match e {
        C::UnknownIssuer => "it is not signed by a trusted authority".to_string(),
        C::Expired | C::ExpiredContext { .. } => "it has expired".to_string(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".to_string(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            format!("it is not valid for the name {host}")
        }
        C::Revoked => "it has been revoked".to_string(),
        other => format!("{other:?}"),
    }
}

/// The server's text in a reply error (lettre keeps it as the error's source).
fn server_text(e: &lettre::transport::smtp::Error) -> String {
    short(&e.source().map(|s| s.to_string()).unwrap_or_default())
}

/// One line of at most 200 characters.
pub(super) fn short(s: &str) -> String {
    let line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 200 {
        let cut: String = line.chars().take(199).collect();
        format!("{cut}…")
    } else {
        line
    }
}

pub(super) enum Cause<'a> {
    Tls(&'a rustls::Error),
    Io(&'a io::Error),
    Other,
}

/// The TLS or I/O error at the root of `e` (the innermost I/O error). rustls errors
/// come wrapped in an `io::Error`, whose `source()` skips the wrapped error: look
/// inside with `get_ref`.
pub(super) fn cause<'a>(e: &'a (dyn StdError + 'static)) -> Cause<'a> {
    let mut io_error = None;
    let mut current = Some(e);
    while let Some(err) = current {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Cause::Tls(tls);
        }
        if let Some(io) = err.downcast_ref::<io::Error>() {
            io_error = Some(io);
            if let Some(inner) = io.get_ref() {
                current = Some(inner as &(dyn StdError + 'static));
                continue;
            }
        }
        current = err.source();
    }
    io_error.map_or(Cause::Other, Cause::Io)
}

/// "connection refused" rather than "Connection refused (os error 111)".
pub(super) fn describe_io(e: &io::Error) -> String {
    use io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => "connection refused".into(),
        K::ConnectionReset => "connection reset".into(),
        K::ConnectionAborted => "connection aborted".into(),
        K::TimedOut => "timed out".into(),
        K::UnexpectedEof => "the server closed the connection".into(),
        K::BrokenPipe => "the server closed the connection".into(),
        K::NotConnected => "not connected".into(),
        K::AddrNotAvailable => "address not available".into(),
        _ => {
            let text = e.to_string();
            let text = match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            };
            short(&text)
        }
    }
}

fn tls_parameters(settings: &SmtpSettings, server: &str) -> Result<TlsParameters, SendError> {
    // rustls over ring, as everywhere in tend; installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = TlsParameters::builder(settings.host.trim().to_string());
    if let Some(path) = &settings.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            Permanent(format!(
                "cannot read the SMTP CA file {}: {}",
                path.display(),
                describe_io(&e)
            ))
        })?;
        let has_certificate = String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----");
        let certificate = Certificate::from_pem(&pem)
            .ok()
            .filter(|_| has_certificate)
            .ok_or_else(|| {
                Permanent(format!(
                    "the SMTP CA file {} holds no PEM certificate",
                    path.display()
                ))
            })?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build_rustls().map_err(|e| {
        let detail = match cause(&e) {
            Cause::Tls(tls) => tls.to_string(),
            _ => e
                .source()
                .map(|s| s.to_string())
                .unwrap_or_else(|| e.to_string()),
        };
        Permanent(format!(
            "cannot check the certificate of the SMTP server {server}: {}",
            short(&detail)
        ))
    })
}

/// The password never appears in a message, whatever a server echoed.
/// The error without the password, as typed or as AUTH sends it (base64 of the
/// password alone, and of "\0user\0password").
fn scrub(e: SendError, settings: &SmtpSettings) -> SendError {
    let Some(p) = settings.password.as_deref().filter(|p| p.len() >= 3) else {
        return e;
    };
    let user = settings.username.as_deref().unwrap_or_default();
    let secrets = [
        p.to_string(),
        base64(p.as_bytes()),
        base64(format!("\0{user}\0{p}").as_bytes()),
    ];
    e.map_message(|m| {
        secrets
            .iter()
            .fold(m.to_string(), |m, s| m.replace(s.as_str(), "***"))
    })
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email {
            from: "Maya Lin <maya@example.com>".into(),
            to: vec!["ops@customer.example".into()],
            cc: vec![],
            subject: "Hello".into(),
            body: "Hi\n-- \nMaya\n".into(),
            message_id: "tend.1.a@example.com".into(),
            in_reply_to: None,
            references: vec![],
            date: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn bad_addresses_and_ids_are_permanent() {
        let mut e = email();
        e.to = vec!["not an address".into()];
        let err = build(&e).unwrap_err();
        assert!(err.is_permanent());
        assert!(err.to_string().contains("not a valid recipient"), "{err}");

        let mut e = email();
        e.to.clear();
        assert_eq!(
            build(&e).unwrap_err(),
            Permanent("the email has no recipient".into())
        );

        let mut e = email();
        e.message_id = "no at sign".into();
        assert!(build(&e).unwrap_err().to_string().contains("message id"));

        let mut e = email();
        e.in_reply_to = Some("a b@c".into());
        assert!(build(&e).unwrap_err().is_permanent());
    }

    #[test]
    fn header_injection_is_flattened() {
        let mut e = email();
        e.subject = "Hi\r\nBcc: evil@example.com".into();
        let bytes = build(&e).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn lenient_brackets_and_lists() {
        let mut e = email();
        e.message_id = "<x@y>".into();
        e.to = vec!["a@example.com, B <b@example.com>".into()];
        let text = String::from_utf8(build(&e).unwrap()).unwrap();
        assert!(text.contains("Message-ID: <x@y>\r\n"), "{text}");
        assert!(text.contains("a@example.com"));
        assert!(text.contains("B <b@example.com>"));
    }

    #[test]
    fn debug_hides_the_password_and_scrub_removes_it() {
        let s = SmtpSettings {
            host: "smtp.example.com".into(),
            password: Some("hunter22".into()),
            ..Default::default()
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter22") && shown.contains("***"),
            "{shown}"
        );
        let e = scrub(Permanent("535 bad hunter22".into()), &s);
        assert_eq!(e.message(), "535 bad ***");
        // As AUTH sends it: base64 of the password, and of "\0user\0password".
        assert_eq!(base64(b"hunter22"), "aHVudGVyMjI=");
        assert_eq!(base64(b"ab"), "YWI=");
        let user = s.username.clone().unwrap_or_default();
        let plain = base64(format!("\0{user}\0hunter22").as_bytes());
        let e = scrub(
            Transient(format!("454 rejected aHVudGVyMjI= and {plain}")),
            &s,
        );
        assert_eq!(e.message(), "454 rejected *** and ***");
    }

    #[test]
    fn security_words() {
        assert_eq!("STARTTLS".parse::<Security>(), Ok(Security::Starttls));
        assert_eq!("tls".parse::<Security>(), Ok(Security::Tls));
        assert_eq!(Security::None.to_string(), "none");
        assert_eq!(
            serde_json::to_string(&Security::Starttls).unwrap(),
            "\"starttls\""
        );
        assert!("bogus".parse::<Security>().is_err());
    }
}
