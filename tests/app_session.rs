//! The app on a terminal that is not the process's, as an SSH session runs it:
//! `run_session` over the demo store, its frames written into a terminal
//! emulator (vt100) the way a client's terminal reads them, its input sent as
//! events. What a user at the other end would check: the portfolio shows, a key
//! moves the selection, a window change redraws at the new size, and every way
//! the session ends (quitting, the client going away, the server ending it)
//! gives the client's terminal back as it was.
//!
//! Every wait polls the screen with a timeout (no fixed sleeps).

use std::io::Write;
use std::num::NonZeroU16;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::TimeDelta;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tend::backend::Backend;
use tend::domain::Timestamp;
use tend::generate::demo_anchor;
use tend::sqlite::{Store, fixed_clock};
use tend::tui::run::{Ended, Opening, Session, leave_sequence, run_session};
use tokio::sync::{mpsc, oneshot};

/// How long the first frame may take: the demo store is built first (seconds in a
/// debug build on two busy cores).
const START_TIMEOUT: Duration = Duration::from_secs(90);
/// How long a frame may take after an event.
const TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// One session at a time: each builds a demo store, the machine has two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Midday of the demo's anchor day: the demo data is rebased to it.
fn now() -> Timestamp {
    demo_anchor() + TimeDelta::hours(12)
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a size above zero")
}

/// What the session wrote, as bytes and as the client's screen.
struct Screen {
    parser: vt100::Parser,
    raw: Vec<u8>,
}

/// The session's output: a client's terminal.
#[derive(Clone)]
struct Client(Arc<Mutex<Screen>>);

impl Write for Client {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut screen = self.lock();
        screen.parser.process(buf);
        screen.raw.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Client {
    fn lock(&self) -> MutexGuard<'_, Screen> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn rows(&self) -> Vec<String> {
        let screen = self.lock();
        let screen = screen.parser.screen();
        let cols = screen.size().1.get();
        screen.rows(0, cols).collect()
    }

    fn raw(&self) -> Vec<u8> {
        self.lock().raw.clone()
    }
}

/// `run_session` running on a task of its own, as the server runs one.
struct Running {
    client: Client,
    events: Option<mpsc::Sender<Event>>,
    end: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<Ended>>,
    _one: tokio::sync::MutexGuard<'static, ()>,
}

impl Running {
    async fn start(columns: u16, rows: u16) -> Running {
        let options = tend::tui::Options {
            user: "maya.chen".into(),
            local_files: false,
            scheduler: false,
            ..Default::default()
        };
        Running::start_with(columns, rows, options).await
    }

    /// A session as the server starts one: `options` with `local_files` and
    /// `scheduler` off.
    async fn start_with(columns: u16, rows: u16, options: tend::tui::Options) -> Running {
        let one = ONE_AT_A_TIME.lock().await;
        let client = Client(Arc::new(Mutex::new(Screen {
            parser: vt100::Parser::new(nz(rows), nz(columns), 0),
            raw: vec![],
        })));
        let (events_tx, events) = mpsc::channel(64);
        let (end_tx, end_rx) = oneshot::channel::<()>();
        let opening: Opening = Box::pin(async {
            let store = tokio::task::spawn_blocking(|| {
                Store::demo(tend::sqlite::Options::with_clock(fixed_clock(now())))
            })
            .await
            .map_err(|e| format!("building the demo store failed: {e}"))?
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(store) as Arc<dyn Backend>)
        });
        let session = Session {
            output: client.clone(),
            size: (columns, rows),
            events,
            end: Box::pin(async move {
                // Only a send ends the session; the sender dropped unused does not.
                if end_rx.await.is_err() {
                    std::future::pending::<()>().await;
                }
            }),
        };
        let task = tokio::spawn(run_session(session, opening, options, Arc::new(now)));
        Running {
            client,
            events: Some(events_tx),
            end: Some(end_tx),
            task,
            _one: one,
        }
    }

    async fn send(&self, event: Event) {
        self.events
            .as_ref()
            .expect("the events are open")
            .send(event)
            .await
            .expect("the session takes events");
    }

    async fn key(&self, c: char) {
        self.send(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
        .await;
    }

    /// Waits until `ok` holds of the screen's rows, or fails saying what it showed.
    async fn wait_until(&self, what: &str, timeout: Duration, ok: impl Fn(&[String]) -> bool) {
        let started = Instant::now();
        loop {
            let rows = self.client.rows();
            if ok(&rows) {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "{what}: not within {timeout:?}; the screen:\n{}",
                rows.join("\n")
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// The portfolio drawn and the demo's first account selected (its name in
    /// the header after the ▸).
    async fn wait_portfolio(&self) {
        self.wait_until("the portfolio", START_TIMEOUT, |rows| {
            rows.iter().any(|r| r.contains("Portfolio")) && rows[0].contains('▸')
        })
        .await;
    }

    /// How the session ended, and that the client's terminal was given back.
    async fn ended(self) -> Ended {
        let Running { client, task, .. } = self;
        let ended = tokio::time::timeout(TIMEOUT, task)
            .await
            .expect("the session ends")
            .expect("the session's task did not panic")
            .expect("the session ended without an error");
        assert_restored(&client);
        ended
    }
}

/// The client's terminal as it was before the session: the last bytes turn the
/// mouse and bracketed paste off, show the cursor and leave the alternate screen.
fn assert_restored(client: &Client) {
    let raw = client.raw();
    let leave = leave_sequence(true);
    assert!(
        raw.ends_with(&leave),
        "the session's last bytes: {:?}",
        String::from_utf8_lossy(&raw[raw.len().saturating_sub(80)..])
    );
    assert!(raw.ends_with(b"\x1b[?1049l"));
    let screen = client.lock();
    assert!(!screen.parser.screen().alternate_screen());
    assert!(!screen.parser.screen().hide_cursor());
    // What the session turned on first, turned off last.
    let text = String::from_utf8_lossy(&raw);
    for (on, off) in [
        ("\x1b[?2004h", "\x1b[?2004l"),
        ("\x1b[?1000h", "\x1b[?1000l"),
        ("\x1b[?1006h", "\x1b[?1006l"),
    ] {
        assert!(text.rfind(on) < text.rfind(off), "{on:?} left on");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_draws_moves_resizes_and_quits_restoring_the_terminal() {
    let s = Running::start(80, 24).await;
    s.wait_portfolio().await;
    let raw = s.client.raw();
    assert!(
        raw.starts_with(b"\x1b[?1049h"),
        "the alternate screen first"
    );
    let first = s.client.rows()[0].clone();

    // `j` selects the next account: the header names it.
    s.key('j').await;
    s.wait_until("the next account selected", TIMEOUT, |rows| {
        rows[0].contains('▸') && rows[0] != first
    })
    .await;

    // The client's window grows: its terminal first, then the window change.
    s.client.lock().parser.set_size(nz(40), nz(120));
    s.send(Event::Resize(120, 40)).await;
    s.wait_until("a frame at 120x40", TIMEOUT, |rows| {
        let wide = rows.iter().any(|r| r.trim_end().chars().count() > 80);
        let tall = !rows[39].trim().is_empty();
        wide && tall && rows.iter().any(|r| r.contains("Portfolio"))
    })
    .await;

    s.key('q').await;
    assert_eq!(s.ended().await, Ended::Quit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_going_away_closes_the_session_restoring_the_terminal() {
    let mut s = Running::start(80, 24).await;
    s.wait_portfolio().await;
    drop(s.events.take());
    assert_eq!(s.ended().await, Ended::Closed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_ending_the_session_closes_it_restoring_the_terminal() {
    let mut s = Running::start(80, 24).await;
    s.wait_portfolio().await;
    s.end
        .take()
        .expect("not ended yet")
        .send(())
        .expect("the session waits on its end");
    assert_eq!(s.ended().await, Ended::Closed);
}

/// Opening a document over SSH would start a program on the server, not on the
/// user's machine: the status line says it is not available, and the opener is
/// never started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_document_over_ssh_starts_nothing_on_the_server() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let marker = dir.path().join("opened");
    let options = tend::tui::Options {
        user: "maya.chen".into(),
        local_files: false,
        scheduler: false,
        // An opener that leaves a mark when it runs.
        opener: tend::tui::files::Opener {
            program: "touch".into(),
            args: vec![marker.display().to_string()],
        },
        ..Default::default()
    };
    let s = Running::start_with(120, 40, options).await;
    s.wait_portfolio().await;
    // The selected account, its Settings tab, its first document (every demo
    // account keeps its CRM page).
    s.send(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )))
    .await;
    s.key('\\').await;
    s.wait_until("the account's documents", TIMEOUT, |rows| {
        rows.iter().any(|r| r.contains("CRM account page"))
    })
    .await;
    s.key('j').await;
    s.key('o').await;
    s.wait_until("the refusal in the status line", TIMEOUT, |rows| {
        rows.iter()
            .any(|r| r.contains("opening links is not available over SSH"))
    })
    .await;
    assert!(!marker.exists(), "the opener ran on the server");
    s.key('q').await;
    assert_eq!(s.ended().await, Ended::Quit);
}
