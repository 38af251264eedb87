//! The change feed: `GET /api/v1/changes`, the change log as server-sent events,
//! so that an app connected to the server redraws what someone else changed
//! without asking again and again.
//!
//! One task per process reads the change log after the last entry it saw, every
//! [`POLL`] while anyone listens, and hands each new entry to every open feed.
//! It reads the store rather than listening to this process's writes, so a
//! write made by another process on the same store (another `tend serve`, the
//! CLI) is in the feed too. Each event's id is the entry's: a client that
//! reconnects with `Last-Event-ID` (or `?after=ID`) gets what it missed, in order,
//! before what comes next; a client asking for none starts from now. The first
//! event, `ready`, carries where the feed starts as its id.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use tend_backend::sqlite::Store;
use tend_domain::{ChangeLogEntry, Id};

/// How often the change log is read while anyone listens: a write reaches the
/// feeds within this (and the time to send it).
pub const POLL: Duration = Duration::from_millis(200);

/// Entries read at once (a feed catching up reads its backlog in pages of this).
const PAGE: usize = 500;

/// Entries waiting for a slow feed before it has to read them from the store.
const BACKLOG: usize = 1024;

/// How often an idle feed sends a comment, so proxies keep it open and a client
/// can tell a live feed from a dead connection.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What every feed of a process shares.
#[derive(Clone)]
pub struct Feed {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    tx: broadcast::Sender<Arc<ChangeLogEntry>>,
    /// The last entry the reader has handed on (None before its first read).
    /// A feed subscribes under this lock: an entry after the position is handed
    /// to it; one up to the position is in the store for its backlog.
    position: tokio::sync::Mutex<Option<Id>>,
    polling: AtomicBool,
    stop: watch::Sender<bool>,
}

impl Feed {
    pub fn new(store: Store) -> Feed {
        Feed {
            inner: Arc::new(Inner {
                store,
                tx: broadcast::channel(BACKLOG).0,
                position: tokio::sync::Mutex::new(None),
                polling: AtomicBool::new(false),
                stop: watch::channel(false).0,
            }),
        }
    }

    /// Ends every open feed (the server is stopping: a graceful shutdown waits
    /// for open responses, and a feed never ends by itself).
    pub fn stop(&self) {
        self.inner.stop.send_replace(true);
    }

    /// The events after `after` (None: from now on), until the client goes or
    /// the server stops.
    pub async fn subscribe(
        &self,
        after: Option<Id>,
    ) -> tend_backend::Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>> {
        self.start_polling();
        let store = &self.inner.store;
        let (rx, last) = {
            // Subscribed under the reader's lock: whatever it hands on from now
            // comes after its position, and the backlog reads up to there.
            let mut position = self.inner.position.lock().await;
            let rx = self.inner.tx.subscribe();
            let log_end = store.last_change().await?;
            let handed_on = *position.get_or_insert(log_end);
            // A resume past where the log ends (a store restored from a
            // backup since): from its end, or nothing new would ever be sent.
            let last = after.map_or(handed_on, |id| id.min(log_end));
            (rx, last)
        };
        let state = Follow {
            store: self.inner.store.clone(),
            rx,
            stop: self.inner.stop.subscribe(),
            last,
            backlog: VecDeque::new(),
            behind: true,
            ready: true,
        };
        let events = futures_util::stream::unfold(state, |mut f| async move {
            // First where the feed starts, so that a client that loses the
            // connection before any change resumes from there, not from later.
            if std::mem::take(&mut f.ready) {
                let ready = Event::default()
                    .id(f.last.to_string())
                    .event("ready")
                    .data(f.last.to_string());
                return Some((Ok(ready), f));
            }
            let entry = f.next().await?;
            let event = Event::default()
                .id(entry.id.to_string())
                .event("change")
                .json_data(&*entry)
                .unwrap_or_else(|_| Event::default().comment("unreadable entry"));
            Some((Ok(event), f))
        });
        Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
    }

    /// Starts the one reader of the change log, once.
    fn start_polling(&self) {
        if self.inner.polling.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(POLL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(inner) = inner.upgrade() else { return };
                if *inner.stop.borrow() {
                    return;
                }
                if let Err(e) = inner.read().await {
                    tracing::warn!("change feed: reading the change log: {e}");
                }
            }
        });
    }
}

impl Inner {
    /// One round of the reader: the entries after its position handed on, up to
    /// the end of the log; with nobody listening, only the position moves to the
    /// end (a feed subscribing takes the same lock, so none misses an entry).
    async fn read(&self) -> tend_backend::Result<()> {
        let mut position = self.position.lock().await;
        let (Some(mut at), true) = (*position, self.tx.receiver_count() > 0) else {
            *position = Some(self.store.last_change().await?);
            return Ok(());
        };
        loop {
            let page = self.store.changes_after(at, PAGE).await?;
            let full = page.len() == PAGE;
            for e in page {
                at = e.id;
                let _ = self.tx.send(Arc::new(e));
            }
            *position = Some(at);
            if !full {
                return Ok(());
            }
        }
    }
}

/// One client's place in the feed.
struct Follow {
    store: Store,
    rx: broadcast::Receiver<Arc<ChangeLogEntry>>,
    stop: watch::Receiver<bool>,
    /// The last entry sent (or the one the client said it has).
    last: Id,
    /// Entries read from the store, to send before the live ones.
    backlog: VecDeque<Arc<ChangeLogEntry>>,
    /// The store may hold entries after `last` that the backlog has not read yet.
    behind: bool,
    /// The `ready` event is still to be sent.
    ready: bool,
}

impl Follow {
    /// The next entry to send; None ends the feed.
    async fn next(&mut self) -> Option<Arc<ChangeLogEntry>> {
        loop {
            if *self.stop.borrow() {
                return None;
            }
            if let Some(e) = self.backlog.pop_front() {
                self.last = e.id;
                return Some(e);
            }
            if self.behind {
                match self.store.changes_after(self.last, PAGE).await {
                    Ok(page) => {
                        self.behind = page.len() == PAGE;
                        self.backlog.extend(page.into_iter().map(Arc::new));
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!("change feed: {e}");
                        return None;
                    }
                }
            }
            tokio::select! {
                _ = self.stop.changed() => return None,
                got = self.rx.recv() => match got {
                    Ok(e) if e.id > self.last => {
                        self.last = e.id;
                        return Some(e);
                    }
                    // Sent already from the backlog.
                    Ok(_) => {}
                    // Too slow for the live entries: read them from the store.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.behind = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            }
        }
    }
}
