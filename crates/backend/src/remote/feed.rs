//! Following a team server's change feed (`GET /api/v1/changes`, server-sent
//! events): each change log entry as the server writes it, the connection made
//! again after a drop from the last entry had (`Last-Event-ID`), so nothing is
//! missed and nothing comes twice.

use std::time::Duration;

use tokio::sync::mpsc;

use tend_domain::ChangeLogEntry;

use crate::api::{LAST_EVENT_ID, PREFIX};

/// A feed that sends nothing, not even its keep-alive comment, for this long is
/// taken for dead and opened again (the server comments every 15 s).
const SILENCE: Duration = Duration::from_secs(40);

/// The longest wait before opening a dropped feed again.
const MOST_BACKOFF: Duration = Duration::from_secs(10);

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
        let mut backoff = Duration::from_millis(250);
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
            match read(request, &tx, &mut last, &mut backoff).await {
                Ok(()) => return,
                Err(e) => tracing::debug!("change feed: {e}; again in {backoff:?}"),
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

/// Reads one connection of the feed; Ok when the receiver went, Err (why) when
/// the connection ended or failed and is to be opened again.
async fn read(
    request: reqwest::RequestBuilder,
    tx: &mpsc::Sender<ChangeLogEntry>,
    last: &mut Option<i64>,
    backoff: &mut Duration,
) -> Result<(), String> {
    let mut response = request.send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the server answered {}", response.status()));
    }
    *backoff = Duration::from_millis(250);
    let mut parser = Parser::default();
    loop {
        let chunk = tokio::select! {
            chunk = tokio::time::timeout(SILENCE, response.chunk()) => chunk,
            _ = tx.closed() => return Ok(()),
        };
        let bytes = match chunk {
            Err(_) => return Err(format!("nothing for {} s", SILENCE.as_secs())),
            Ok(Err(e)) => return Err(e.to_string()),
            Ok(Ok(None)) => return Err("the server closed the feed".into()),
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
            match serde_json::from_str::<ChangeLogEntry>(&data) {
                Ok(entry) => {
                    if tx.send(entry).await.is_err() {
                        return Ok(());
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
