//! Webhooks: a notification POSTed as JSON, either as a Slack incoming-webhook
//! message or as the notice itself, signed with HMAC-SHA256 when a secret is set.
//!
//! A receiver checks `X-Tend-Signature: sha256=<hex>` by computing the HMAC-SHA256
//! of the exact request body with the shared secret, and drops repeats by the
//! `Idempotency-Key` header (also `idempotency_key` in the JSON format): a notice
//! retried after a timeout carries the same key.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::{CONTENT_TYPE, USER_AGENT};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::smtp::SendError::{self, Permanent, Transient};
use super::smtp::{Cause, cause, certificate_problem, describe_io, short};

/// The shape of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `{"text": "*title*\ntext", "username": "tend"}`: Slack incoming webhooks and
    /// the chat tools compatible with them (Mattermost, Rocket.Chat, ...).
    #[default]
    Slack,
    /// The notice itself with its `idempotency_key`.
    Json,
}

impl Format {
    /// The word used in configuration files: "slack" or "json".
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Slack => "slack",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "slack" => Ok(Format::Slack),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown webhook format {other:?}: expected slack or json"
            )),
        }
    }
}

/// Where a notification goes.
#[derive(Clone)]
pub struct Webhook {
    /// http or https.
    pub url: String,
    pub format: Format,
    /// The HMAC key for X-Tend-Signature; `Debug` prints "***".
    pub secret: Option<String>,
    /// 0 = 10 seconds.
    pub timeout_secs: u64,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path of a Slack webhook URL is its credential: show the origin only.
        let url = match reqwest::Url::parse(&self.url) {
            Ok(url) if url.path() != "/" || url.query().is_some() => {
                format!("{}/…", url.origin().ascii_serialization())
            }
            Ok(url) => url.origin().ascii_serialization(),
            Err(_) => "(not a URL)".to_string(),
        };
        f.debug_struct("Webhook")
            .field("url", &url)
            .field("format", &self.format)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// One notification, already worded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// What happened, e.g. "health_transition".
    pub event: String,
    pub title: String,
    pub text: String,
    pub account_id: Option<i64>,
    pub account_name: Option<String>,
    pub at: DateTime<Utc>,
    /// Event-specific details.
    pub data: serde_json::Value,
}

/// The exact body posted.
///
/// Slack: `{"text": "*title*\ntext", "username": "tend"}`, with `&`, `<` and `>`
/// escaped as Slack requires (so that an account named "<!channel>" notifies
/// nobody). Json: the notice serialized, plus `"idempotency_key": key`.
pub fn body(hook: &Webhook, key: &str, notice: &Notice) -> Vec<u8> {
    let value = match hook.format {
        Format::Slack => {
            let title = slack_escape(notice.title.trim());
            let text = slack_escape(notice.text.trim());
            let text = match (title.is_empty(), text.is_empty()) {
                (true, _) => text,
                (false, true) => format!("*{title}*"),
                (false, false) => format!("*{title}*\n{text}"),
            };
            serde_json::json!({ "text": text, "username": "tend" })
        }
        Format::Json => {
            let mut value = serde_json::to_value(notice).expect("a notice serializes");
            if let Some(object) = value.as_object_mut() {
                object.insert("idempotency_key".into(), key.into());
            }
            value
        }
    };
    serde_json::to_vec(&value).expect("JSON serializes")
}

/// Slack's three escapes for message text.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// HMAC-SHA256 of `body` keyed with `secret`, as lowercase hex (64 characters).
/// The header sent is `X-Tend-Signature: sha256=<this>`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// POSTs the notice.
///
/// Headers: `Content-Type: application/json`, `Idempotency-Key: key`,
/// `User-Agent: tend/VERSION`, and `X-Tend-Signature: sha256=<hex>` when a secret is
/// set. A 2xx answer is delivered; 408, 425, 429, 5xx and network errors are
/// [`SendError::Transient`] (with the status and at most 200 characters of the
/// answer); any other answer, an invalid URL and a refused certificate are
/// [`SendError::Permanent`]. Messages name the host only, never the URL's path
/// (a Slack webhook's path is its secret).
pub async fn post(
    client: &reqwest::Client,
    hook: &Webhook,
    key: &str,
    notice: &Notice,
) -> Result<(), SendError> {
    let url = reqwest::Url::parse(hook.url.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| Permanent("the webhook URL is not a valid http(s) URL".to_string()))?;
    let place = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => unreachable!("checked above"),
    };
    let timeout = Duration::from_secs(if hook.timeout_secs == 0 {
        10
    } else {
        hook.timeout_secs
    });
    let payload = body(hook, key, notice);
    let mut request = client
        .post(url)
        .timeout(timeout)
        .header(CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key)
        .header(USER_AGENT, concat!("tend/", env!("CARGO_PKG_VERSION")));
    if let Some(secret) = hook.secret.as_deref().filter(|s| !s.is_empty()) {
        request = request.header(
            "X-Tend-Signature",
            format!("sha256={}", signature(secret, &payload)),
        );
    }
    let mut response = match request.body(payload).send().await {
        Ok(response) => response,
        Err(e) => return Err(request_error(e, &place, timeout)),
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let excerpt = excerpt(&mut response, timeout).await;
    let message = if excerpt.is_empty() {
        format!("the webhook at {place} answered {status}")
    } else {
        format!("the webhook at {place} answered {status}: {excerpt}")
    };
    let code = status.as_u16();
    if matches!(code, 408 | 425 | 429) || status.is_server_error() {
        Err(Transient(message))
    } else {
        Err(Permanent(message))
    }
}

/// At most 200 characters of the answer's body, on one line.
async fn excerpt(response: &mut reqwest::Response, timeout: Duration) -> String {
    let mut bytes = Vec::new();
    let read = async {
        while bytes.len() < 1024 {
            match response.chunk().await {
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(timeout, read).await;
    bytes.truncate(1024);
    short(&String::from_utf8_lossy(&bytes))
}

fn request_error(e: reqwest::Error, place: &str, timeout: Duration) -> SendError {
    let e = e.without_url();
    if e.is_builder() {
        return Permanent(format!(
            "cannot make the webhook request: {}",
            short(&deepest(&e))
        ));
    }
    if e.is_timeout() {
        return Transient(format!(
            "the webhook at {place} did not answer within {} s",
            timeout.as_secs()
        ));
    }
    match cause(&e) {
        Cause::Tls(rustls::Error::InvalidCertificate(cert)) => Permanent(format!(
            "cannot trust the certificate of the webhook at {place}: {}",
            certificate_problem(cert, place)
        )),
        Cause::Tls(other) => Permanent(format!("TLS with the webhook at {place} failed: {other}")),
        Cause::Io(io) => Transient(format!(
            "cannot reach the webhook at {place}: {}",
            describe_io(io)
        )),
        Cause::Other => Transient(format!(
            "cannot reach the webhook at {place}: {}",
            short(&deepest(&e))
        )),
    }
}

/// The innermost error's message (reqwest's own is "error sending request").
fn deepest(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> Notice {
        Notice {
            event: "health_transition".into(),
            title: "Larkspur <Logistics> & co".into(),
            text: "Health fell to 38".into(),
            account_id: Some(7),
            account_name: Some("Larkspur".into()),
            at: DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
            data: serde_json::json!({"from": 61, "to": 38}),
        }
    }

    #[test]
    fn signature_matches_rfc_4231_case_2() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn slack_body_escapes() {
        let hook = Webhook {
            url: "https://hooks.slack.com/services/T/B/secret".into(),
            format: Format::Slack,
            secret: Some("s3cret".into()),
            timeout_secs: 0,
        };
        let v: serde_json::Value = serde_json::from_slice(&body(&hook, "k", &notice())).unwrap();
        assert_eq!(
            v["text"],
            "*Larkspur &lt;Logistics&gt; &amp; co*\nHealth fell to 38"
        );
        let shown = format!("{hook:?}");
        assert!(
            !shown.contains("secret\"") && !shown.contains("s3cret"),
            "{shown}"
        );
        assert!(shown.contains("https://hooks.slack.com/…"), "{shown}");
    }
}
