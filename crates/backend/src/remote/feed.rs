//! Following a team server's change feed (`GET /api/v1/changes`, server-sent
//! events): each change log entry as the server writes it, the connection made
//! again after a drop from the last event had (`Last-Event-ID`; the first event,
//! `ready`, gives one), so a drop loses nothing and repeats nothing. A server
//! that refuses the feed (401, 403, 404: no token, or a server without one) is
//! not asked again.

use std::time::Duration;

use tokio::sync::mpsc;

use tend_domain::ChangeLogEntry;

use crate::api::{LAST_EVENT_ID, PREFIX};

/// A feed that sends nothing, not even its keep-alive comment, for this long is
/// taken for dead and opened again (the server comments every 15 s).
const SILENCE: Duration = Duration::from_secs(40);

/// The first wait before opening a dropped feed again, and the longest.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MOST_BACKOFF: Duration = Duration::from_secs(10);

/// A connection that lasted this long starts the waits over when it drops.
const LASTED: Duration = Duration::from_secs(5);

/// Entries read and not yet taken by the app.
const WAITING: usize = 256;

/// Follows the feed of the server at `base` until the receiver is dropped.
pub(super) fn follow(
    base: String,
    client: reqwest::Client,
    token: Option<String>,
) -> mpsc::Receiver<ChangeLogEntry> {
    let (tx, rx) = mpsc::channel(WAITING);
    tokio::spawn(async move {
        let mut last: Option<i64> = None;
        let mut backoff = FIRST_BACKOFF;
        while !tx.is_closed() {
            let mut request = client
                .get(format!("{base}{PREFIX}/changes"))
                .header(reqwest::header::ACCEPT, "text/event-stream")
                // The client's own timeout is for one answer; a feed is open for good.
                .timeout(Duration::from_secs(365 * 24 * 3600));
            if let Some(t) = &token {
                request = request.bearer_auth(t);
            }
            if let Some(id) = last {
                request = request.header(LAST_EVENT_ID, id.to_string());
            }
            let opened = tokio::time::Instant::now();
            match read(request, &tx, &mut last).await {
                Ended::Receiver => return,
                Ended::Refused(why) => {
                    // No token, a token refused, or a server without a feed:
                    // asking again changes nothing.
                    tracing::warn!("change feed: {why}; not followed");
                    return;
                }
                Ended::Dropped { why, changes } => {
                    // A feed that lasted (or sent a change) starts the waits over;
                    // one that fails at once waits longer each time.
                    if changes || opened.elapsed() > LASTED {
                        backoff = FIRST_BACKOFF;
                    }
                    tracing::debug!("change feed: {why}; again in {backoff:?}");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = tx.closed() => return,
            }
            backoff = (backoff * 2).min(MOST_BACKOFF);
        }
    });
    rx
}

/// How one connection of the feed ended.
enum Ended {
    /// Nobody takes the changes any more.
    Receiver,
    /// The server will not give a feed to this client (401, 403, 404).
    Refused(String),
    /// The connection failed or ended: opened again.
    Dropped { why: String, changes: bool },
}

/// Reads one connection of the feed.
async fn read(
    request: reqwest::RequestBuilder,
    tx: &mpsc::Sender<ChangeLogEntry>,
    last: &mut Option<i64>,
) -> Ended {
    let dropped = |why: String, changes| Ended::Dropped { why, changes };
    let sent = tokio::select! {
        sent = tokio::time::timeout(SILENCE, request.send()) => sent,
        _ = tx.closed() => return Ended::Receiver,
    };
    let mut response = match sent {
        Err(_) => return dropped(format!("no answer in {} s", SILENCE.as_secs()), false),
        Ok(Err(e)) => return dropped(e.to_string(), false),
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    if matches!(status.as_u16(), 401 | 403 | 404) {
        return Ended::Refused(format!("the server answered {status}"));
    }
    if !status.is_success() {
        return dropped(format!("the server answered {status}"), false);
    }
    let mut parser = Parser::default();
    let mut changes = false;
    loop {
        let chunk = tokio::select! {
            chunk = tokio::time::timeout(SILENCE, response.chunk()) => chunk,
            _ = tx.closed() => return Ended::Receiver,
        };
        let bytes = match chunk {
            Err(_) => return dropped(format!("nothing for {} s", SILENCE.as_secs()), changes),
            Ok(Err(e)) => return dropped(e.to_string(), changes),
            Ok(Ok(None)) => return dropped("the server closed the feed".into(), changes),
            Ok(Ok(Some(bytes))) => bytes,
        };
        for (kind, id, data) in parser.feed(&bytes) {
            // Every event's id is where the feed is: `ready` says where it starts.
            if id.is_some() {
                *last = id;
            }
            if kind != "change" {
                continue;
            }
            changes = true;
            match serde_json::from_str::<ChangeLogEntry>(&data) {
                Ok(entry) => {
                    if tx.send(entry).await.is_err() {
                        return Ended::Receiver;
                    }
                }
                Err(e) => tracing::warn!("change feed: an entry that does not read: {e}"),
            }
        }
    }
}

/// Server-sent events from the bytes of a stream: each event's type, id and data.
#[derive(Default)]
struct Parser {
    line: Vec<u8>,
    event: String,
    id: Option<i64>,
    data: String,
}

impl Parser {
    fn feed(&mut self, bytes: &[u8]) -> Vec<(String, Option<i64>, String)> {
        let mut events = vec![];
        for &b in bytes {
            if b != b'\n' {
                self.line.push(b);
                continue;
            }
            let line = std::mem::take(&mut self.line);
            let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(&line));
            if line.is_empty() {
                // The blank line ends an event (comments and keep-alives have no data).
                let kind = std::mem::take(&mut self.event);
                if !self.data.is_empty() {
                    let kind = if kind.is_empty() {
                        "message".into()
                    } else {
                        kind
                    };
                    events.push((kind, self.id, std::mem::take(&mut self.data)));
                }
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((&line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.id = value.parse().ok(),
                "event" => self.event = value.to_string(),
                "data" => {
                    if !self.data.is_empty() {
                        self.data.push('\n');
                    }
                    self.data.push_str(value);
                }
                // "retry" and comments (an empty field name).
                _ => {}
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::Parser;

    #[test]
    fn events_are_read_across_chunks_and_comments_are_skipped() {
        let mut p = Parser::default();
        assert!(
            p.feed(b": keep-alive\n\nevent: change\nid: 7\ndata: {\"a\"")
                .is_empty()
        );
        let got = p.feed(b":1}\n\nid: 8\r\ndata: x\r\ndata: y\r\n\r\n");
        assert_eq!(
            got,
            vec![
                ("change".to_string(), Some(7), "{\"a\":1}".to_string()),
                ("message".to_string(), Some(8), "x\ny".to_string())
            ]
        );
    }
}
