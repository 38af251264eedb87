//! The event loop: terminal events and backend answers in, frames out. Backend
//! calls run as tasks and answer with messages, so a key never waits on I/O; a
//! frame is drawn only when something changed, inside a synchronized update.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute, queue};
use ratatui::Terminal;
use ratatui::backend::{ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tend_backend::ai::{self, AiError};
use tend_backend::summary::AccountSummary;
use tend_backend::{
    AlertQuery, Backend, CaseQuery, CaseSort, PageRequest, PortfolioQuery, PortfolioSort,
};
use tend_domain::{AlertState, Id, Timestamp};
use tend_engines::copilot;
use tokio::sync::mpsc;

use crate::app::App;
use crate::keys::Keymap;
use crate::quiet::Quiet;
use crate::saved::ViewList;
use crate::state::{
    Ask, Asked, CASES_SHOWN, CaseList, Command, CopilotAnswer, Model, Msg, TabAnswer, TabQuery,
};
use crate::theme::{Theme, ThemeName};

/// How the app looks and reacts.
#[derive(Debug, Clone)]
pub struct Options {
    pub theme: ThemeName,
    pub no_color: bool,
    /// Draw charts with ASCII characters only.
    pub ascii: bool,
    pub mouse: bool,
    pub keys: Keymap,
    /// No write action is offered (the footer says so).
    pub read_only: bool,
    /// Why, when it is not --read-only or the config (a viewer's token).
    pub read_only_why: Option<String>,
    /// Who the change log names for writes made in the app.
    pub user: String,
    /// Saved views (`[[views]]` in the config) and the file they are written to.
    pub views: Vec<crate::saved::SavedView>,
    pub views_file: Option<std::path::PathBuf>,
    /// The language model (`[ai]` in the config): rewording summaries, the
    /// copilot's own questions. None: both work offline, and say how to set one.
    pub ai: Option<Arc<tend_backend::ai::AiClient>>,
    /// The signature the backend appends to emails (`[email] signature`), shown
    /// greyed under the editor; None: not known here.
    pub signature: Option<String>,
    /// Which module each product feature belongs to (`[usage.modules]`).
    pub modules: tend_backend::ModuleMap,
    /// The Metrics view's charts (`[[metrics]]`; none: the defaults).
    pub metrics: Vec<crate::screens::account::charts::MetricChart>,
    /// The custom account fields and churn reasons (`[[custom_fields]]`,
    /// `[churn] reasons`; the server's over a team server).
    pub accounts: Arc<tend_domain::AccountRules>,
    /// The Overview's blocks, in order (`[overview] blocks`).
    pub overview: Vec<crate::screens::account::blocks::OverviewBlock>,
    /// The portfolio's columns after the health score (`[portfolio] columns`).
    pub columns: Vec<crate::screens::portfolio::columns::Column>,
    /// The filter-language expression the portfolio opens with (`[portfolio]
    /// filter`; a csm's SSH session: `@followed`); None: every account.
    pub portfolio_filter: Option<String>,
    /// The organisation switched health off (`[health] enabled = false`): no
    /// score shows, the portfolio is sorted by renewal.
    pub health_off: bool,
    /// What opens a document's link or file (`TEND_OPENER`, else the system's).
    pub opener: crate::files::Opener,
    /// Where documents' files fetched to be opened are kept (the user's cache
    /// folder); None: a folder in the system's temporary folder.
    pub files_cache: Option<std::path::PathBuf>,
    /// The app may use this machine's files and programs for the user: open a
    /// document with the opener (fetching its file into `files_cache`), attach a
    /// file read from a path typed in a form. False in an SSH session, where this
    /// machine is the server and not the user's: those actions say they are not
    /// available over SSH instead.
    pub local_files: bool,
    /// The loop runs the scheduler's rounds (due playbook steps, the outbox)
    /// while the app is open. False in an SSH session: the server runs its own.
    pub scheduler: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            theme: ThemeName::Dark,
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ascii: false,
            mouse: true,
            keys: Keymap::default(),
            read_only: false,
            read_only_why: None,
            user: "tend".into(),
            views: vec![],
            views_file: None,
            ai: None,
            signature: None,
            modules: tend_backend::default_modules(),
            metrics: vec![],
            accounts: Arc::default(),
            overview: crate::screens::account::blocks::OverviewBlock::DEFAULT.to_vec(),
            columns: crate::screens::portfolio::columns::Column::DEFAULT.to_vec(),
            portfolio_filter: None,
            health_off: false,
            opener: crate::files::Opener::from_env(),
            files_cache: None,
            local_files: true,
            scheduler: true,
        }
    }
}

/// What the app runs over: a backend still being opened (a demo store takes a
/// moment to build) is awaited while the first frame already shows.
pub type Opening =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Arc<dyn Backend>, String>> + Send>>;

/// How the app ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A signal asked the process to end (SIGTERM, SIGHUP, SIGINT): its number.
    Signal(i32),
    /// The session was ended from outside (the client went away, the server
    /// ended it: idle, a revoked key, shutdown).
    Closed,
}

/// Runs the app until the user quits or a signal ends it; the terminal is
/// restored on every way out, a panic and a signal included.
pub async fn run(
    backend: Opening,
    options: Options,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
) -> std::io::Result<Ended> {
    // Signals are caught before the screen changes, so none can leave it changed.
    let signals = Signals::new()?;
    // ratatui sets the terminal up (raw mode, the alternate screen, the panic
    // hook that restores them); the frames go through a quiet backend of ours.
    drop(ratatui::try_init()?);
    let mut terminal = Terminal::new(Quiet::new(CrosstermBackend::new(std::io::stdout())))?;
    let mouse = options.mouse;
    // ratatui's hook restores the screen; this one also gives the mouse back and
    // ends bracketed paste.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = leave_modes(mouse);
        previous(info);
    }));
    let entered = match mouse {
        true => execute!(std::io::stdout(), EnableBracketedPaste, EnableMouseCapture),
        false => execute!(std::io::stdout(), EnableBracketedPaste),
    };
    let result = match entered.and_then(|()| terminal_events()) {
        Ok(events) => {
            let end = Box::pin(async move {
                let mut signals = signals;
                Ended::Signal(signals.next().await)
            });
            let input = Input::Local(events);
            event_loop(&mut terminal, backend, &options, clock, input, end).await
        }
        Err(e) => Err(e),
    };
    let left = leave_modes(mouse);
    let restored = ratatui::try_restore();
    // After a hang-up the terminal is gone: failing to restore it is no error then.
    if !matches!(result, Ok(Ended::Signal(_))) {
        left?;
        restored?;
    }
    result
}

/// Turns off what the app turned on besides ratatui's raw mode and alternate screen.
fn leave_modes(mouse: bool) -> std::io::Result<()> {
    match mouse {
        true => execute!(
            std::io::stdout(),
            DisableMouseCapture,
            DisableBracketedPaste
        ),
        false => execute!(std::io::stdout(), DisableBracketedPaste),
    }
}

/// A terminal that is not this process's: an SSH session's channel.
pub struct Session<W> {
    /// Where the frames' bytes go (the escape sequences a terminal reads).
    pub output: W,
    /// The client's terminal size, (columns, rows), when the session starts.
    pub size: (u16, u16),
    /// The client's input as events: keys, paste, mouse, and `Event::Resize(cols, rows)`
    /// on a window change. The channel closing ends the session (`Ended::Closed`).
    pub events: mpsc::Receiver<Event>,
    /// Resolves when the server ends the session (idle timeout, revoked key,
    /// shutdown): the app leaves as on `q`, restoring the client's terminal, and
    /// the call returns `Ended::Closed`.
    pub end: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// Runs the app on a session's terminal until the user quits, the input closes or
/// `end` resolves: enters the alternate screen, hides the cursor, turns on
/// bracketed paste (and the mouse when `options.mouse`) by writing to `output`,
/// and on every way out (an error included) writes what turns them off again.
/// Touches nothing of the process: no signal, no panic hook, no raw mode, no tty
/// size query.
pub async fn run_session<W: Write + Send + 'static>(
    session: Session<W>,
    backend: Opening,
    options: Options,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
) -> std::io::Result<Ended> {
    let Session {
        output,
        size,
        events,
        end,
    } = session;
    let mouse = options.mouse;
    let shared = Arc::new(AtomicU32::new(pack(size)));
    let mut terminal = Terminal::new(Quiet::new(SessionBackend {
        inner: CrosstermBackend::new(output),
        size: shared.clone(),
        cursor: Position::ORIGIN,
    }))?;
    let out = terminal.backend_mut();
    let entered = out
        .write_all(&enter_sequence(mouse))
        .and_then(|()| Write::flush(out));
    let result = match entered {
        Ok(()) => {
            let input = Input::Session {
                events,
                size: shared,
            };
            let end = Box::pin(async move {
                end.await;
                Ended::Closed
            });
            event_loop(&mut terminal, backend, &options, clock, input, end).await
        }
        Err(e) => Err(e),
    };
    // The terminal shows a cursor it hid when it is dropped: shown now, so that
    // the leave sequence is the last thing the client reads.
    let shown = terminal.show_cursor();
    let out = terminal.backend_mut();
    let left = shown.and_then(|()| {
        out.write_all(&leave_sequence(mouse))
            .and_then(|()| Write::flush(out))
    });
    // A client that went away cannot be written to: no error then.
    if !matches!(result, Ok(Ended::Closed)) {
        left.map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("restoring the session's terminal failed: {e}"),
            )
        })?;
    }
    result
}

/// Proves at compile time that a session can be `tokio::spawn`ed: this only
/// compiles if `run_session`'s future is `Send`.
#[expect(dead_code, reason = "a compile-time check, never called")]
fn run_session_is_send(
    session: Session<Vec<u8>>,
    backend: Opening,
    options: Options,
    clock: Clock,
) -> impl Future<Output = std::io::Result<Ended>> + Send {
    run_session(session, backend, options, clock)
}

/// What `run_session` writes first: the alternate screen, the cursor hidden,
/// bracketed paste on, and the mouse when `mouse`.
fn enter_sequence(mouse: bool) -> Vec<u8> {
    let mut bytes = vec![];
    // Writing to a Vec cannot fail.
    let _ = queue!(
        bytes,
        EnterAlternateScreen,
        cursor::Hide,
        EnableBracketedPaste
    );
    if mouse {
        let _ = queue!(bytes, EnableMouseCapture);
    }
    bytes
}

/// The bytes that give a session's terminal back as it was: the mouse (when
/// `mouse`) and bracketed paste off, the cursor shown, the alternate screen left.
/// For the server to write itself when a session's task ended without doing it
/// (a panic).
pub fn leave_sequence(mouse: bool) -> Vec<u8> {
    let mut bytes = vec![];
    // Writing to a Vec cannot fail.
    if mouse {
        let _ = queue!(bytes, DisableMouseCapture);
    }
    let _ = queue!(
        bytes,
        DisableBracketedPaste,
        cursor::Show,
        LeaveAlternateScreen
    );
    bytes
}

/// (columns, rows) in one word, so the input and the backend share it without a lock.
fn pack((columns, rows): (u16, u16)) -> u32 {
    (u32::from(columns) << 16) | u32::from(rows)
}

fn unpack(size: u32) -> Size {
    Size::new((size >> 16) as u16, (size & 0xffff) as u16)
}

/// ratatui's crossterm backend on a session's output, with the session's size:
/// crossterm's own size and cursor queries read this process's terminal, which
/// in a session is not the one drawn on (or is none at all).
struct SessionBackend<W: Write> {
    inner: CrosstermBackend<W>,
    /// The client's (columns, rows), packed; set by the input on a window change.
    size: Arc<AtomicU32>,
    /// Where ratatui last put the cursor (asking the client would mean reading
    /// its answer out of the input).
    cursor: Position,
}

impl<W: Write> Write for SessionBackend<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Write::flush(&mut self.inner)
    }
}

impl<W: Write> ratatui::backend::Backend for SessionBackend<W> {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> std::io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> std::io::Result<()> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> std::io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> std::io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> std::io::Result<Position> {
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> std::io::Result<()> {
        let position = position.into();
        self.cursor = position;
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> std::io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> std::io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> std::io::Result<Size> {
        Ok(unpack(self.size.load(Ordering::Relaxed)))
    }

    fn window_size(&mut self) -> std::io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.size()?,
            // Not known over SSH (a window change gives pixels only when the
            // client sends them, and nothing here draws images).
            pixels: Size::new(0, 0),
        })
    }

    fn flush(&mut self) -> std::io::Result<()> {
        ratatui::backend::Backend::flush(&mut self.inner)
    }
}

/// Where the loop's terminal events come from.
enum Input {
    /// The process's terminal, read on a thread of its own.
    Local(mpsc::UnboundedReceiver<std::io::Result<Event>>),
    /// A session's channel; a window change also sets the size its backend reports.
    Session {
        events: mpsc::Receiver<Event>,
        size: Arc<AtomicU32>,
    },
}

impl Input {
    /// How the app ends when the input has ended: the local terminal's reader
    /// stops only with the process; a session's channel closes when the client
    /// goes away.
    fn closed(&self) -> Ended {
        match self {
            Input::Local(_) => Ended::Quit,
            Input::Session { .. } => Ended::Closed,
        }
    }

    async fn recv(&mut self) -> Option<std::io::Result<Event>> {
        match self {
            Input::Local(events) => events.recv().await,
            Input::Session { events, size } => {
                let event = events.recv().await?;
                Some(Ok(Input::seen(size, event)))
            }
        }
    }

    /// An event already waiting, if any.
    fn try_recv(&mut self) -> Option<std::io::Result<Event>> {
        match self {
            Input::Local(events) => events.try_recv().ok(),
            Input::Session { events, size } => {
                let event = events.try_recv().ok()?;
                Some(Ok(Input::seen(size, event)))
            }
        }
    }

    /// A session's event on its way to the app: a window change is the size the
    /// backend reports from now on, so the next frame is drawn at it.
    fn seen(size: &AtomicU32, event: Event) -> Event {
        if let Event::Resize(columns, rows) = event {
            size.store(pack((columns, rows)), Ordering::Relaxed);
        }
        event
    }
}

/// Starts a command of the loop; or, when the app may not use this machine's
/// files and programs (`local_files` off), answers at once a command that would.
fn dispatch(
    cmd: Command,
    backend: &Arc<dyn Backend>,
    tx: &mpsc::UnboundedSender<Msg>,
    options: &Options,
) {
    if !options.local_files
        && let Some(refused) = refused_on_host(&cmd)
    {
        let _ = tx.send(refused);
        return;
    }
    spawn(cmd, backend, tx, &options.user);
}

/// The answer to a command that would open a program or read a path on this
/// machine, when this machine is not the user's (an SSH session's server).
fn refused_on_host(cmd: &Command) -> Option<Msg> {
    match cmd {
        Command::OpenDocument { document, .. } => Some(Msg::Opened(Err(match &document.file {
            Some(file) => format!(
                "opening {} is not available over SSH: it would open on the server, not on your machine",
                file.name
            ),
            None => format!(
                "opening links is not available over SSH (it would open on the server): {}",
                document.link
            ),
        }))),
        Command::SaveWithFile { account, what, .. } => Some(Msg::Saved {
            account: *account,
            what: what.clone(),
            result: Err(tend_backend::Error::invalid(
                "file",
                "attaching a file from a path is not available over SSH: the path would be read on the server, not on your machine",
            )),
        }),
        _ => None,
    }
}

/// The signals that end the app the way `q` does (the terminal restored, a demo's
/// store removed): SIGTERM, SIGHUP, SIGINT and SIGQUIT.
struct Signals {
    streams: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [
            (15, SignalKind::terminate()),
            (1, SignalKind::hangup()),
            (2, SignalKind::interrupt()),
            (3, SignalKind::quit()),
        ];
        let mut streams = Vec::with_capacity(kinds.len());
        for (n, kind) in kinds {
            streams.push((n, signal(kind)?));
        }
        Ok(Signals { streams })
    }

    /// The number of the next signal to arrive.
    async fn next(&mut self) -> i32 {
        std::future::poll_fn(|cx| {
            for (n, s) in &mut self.streams {
                if s.poll_recv(cx).is_ready() {
                    return std::task::Poll::Ready(*n);
                }
            }
            std::task::Poll::Pending
        })
        .await
    }
}

/// What a terminal event means to the loop.
enum Step {
    Msg(Msg),
    Skip,
    End(std::io::Result<Ended>),
}

/// What the loop does with an event; the input's end (None) ends the app as
/// `closed` says.
fn step(event: Option<std::io::Result<Event>>, closed: Ended) -> Step {
    match event {
        Some(Ok(Event::Key(k))) => Step::Msg(Msg::Key(k)),
        Some(Ok(Event::Paste(text))) => Step::Msg(Msg::Paste(text)),
        Some(Ok(Event::Mouse(m))) => Step::Msg(Msg::Mouse(m)),
        Some(Ok(Event::Resize(w, h))) => Step::Msg(Msg::Resize(w, h)),
        Some(Ok(_)) => Step::Skip,
        Some(Err(e)) => Step::End(Err(e)),
        None => Step::End(Ok(closed)),
    }
}

/// The terminal's events, read on a thread of their own: a blocking read per
/// event, each sent to the loop as it comes. (crossterm's EventStream left the
/// rest of a long burst — a paste on a terminal without bracketed paste — in its
/// queue until the next key.) The thread ends at the first event after the loop
/// has gone, or at a read error.
fn terminal_events() -> std::io::Result<mpsc::UnboundedReceiver<std::io::Result<Event>>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            loop {
                let event = crossterm::event::read();
                let failed = event.is_err();
                if tx.send(event).is_err() || failed {
                    return;
                }
            }
        })?;
    Ok(rx)
}

/// The most waiting messages applied before a frame is drawn (a long paste on a
/// terminal without bracketed paste arrives as one key per character).
const COALESCE: usize = 4096;

/// What ends the loop from outside, and how: a signal, a session ended.
type End = Pin<Box<dyn Future<Output = Ended> + Send>>;

/// Runs the app on `terminal` over the events of `input` until the user quits,
/// the input ends or `end` resolves.
async fn event_loop<B: ratatui::backend::Backend + Write>(
    terminal: &mut Terminal<Quiet<B>>,
    opening: Opening,
    options: &Options,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    mut events: Input,
    mut end: End,
) -> std::io::Result<Ended>
where
    B::Error: Into<std::io::Error>,
{
    let theme = Theme::new(options.theme, options.no_color);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let closed = events.closed();
    let mut app = App::new(options.keys.clone(), clock());
    app.ascii = options.ascii;
    app.read_only = options.read_only;
    app.read_only_why = options.read_only_why.clone();
    app.user = options.user.clone();
    app.views.saved = options.views.clone();
    app.views.file = options.views_file.clone();
    app.ai = options.ai.clone();
    app.signature = options.signature.clone();
    app.modules = options.modules.clone();
    app.metrics = options.metrics.clone();
    app.account_rules = options.accounts.clone();
    app.overview = options.overview.clone();
    app.opener = options.opener.clone();
    app.files_cache = options.files_cache.clone();
    app.portfolio.columns = crate::screens::portfolio::state::Columns::new(options.columns.clone());
    app.portfolio.expr = options.portfolio_filter.clone();
    app.set_health_off(options.health_off);
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    // Commands wait here until the backend is open.
    let mut queued: Vec<Command> = app.start();
    let mut backend: Option<Arc<dyn Backend>> = None;
    // Following the backend's changes, for as long as the loop runs.
    let mut _watching: Option<crate::live::Watching> = None;
    let mut opening = tokio::spawn(opening);
    // "Updated N ago" labels age: look once a minute (a frame that changes nothing
    // writes nothing).
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    minute.tick().await;
    // While the backend is offline, it is tried this often (and the banner's age moves).
    let mut probe = tokio::time::interval(PROBE_EVERY);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The scheduler's round (due playbook steps, the outbox), in the background;
    // the first one a period after the start.
    let mut scheduler = tokio::time::interval(TICK_EVERY);
    scheduler.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    scheduler.tick().await;
    // The spinner's frames, while something the user waits on loads.
    let mut spinner = tokio::time::interval(SPIN_EVERY);
    spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            app.now = clock();
            draw(terminal, &app, &theme)?;
            dirty = false;
        }
        if app.quit {
            return Ok(Ended::Quit);
        }
        let msg = tokio::select! {
            event = events.recv() => match step(event, closed) {
                Step::Msg(msg) => msg,
                Step::Skip => continue,
                Step::End(end) => return end,
            },
            ended = &mut end => return Ok(ended),
            Some(msg) = rx.recv() => msg,
            opened = &mut opening, if backend.is_none() => {
                match opened {
                    Ok(Ok(b)) => {
                        for cmd in queued.drain(..) {
                            dispatch(cmd, &b, &tx, options);
                        }
                        // What others change comes in as they change it.
                        _watching = b.watch().map(|changes| crate::live::forward(changes, tx.clone()));
                        backend = Some(b);
                        continue;
                    }
                    // Nothing to show without a store: leave, and say why on
                    // the restored terminal.
                    Ok(Err(e)) => return Err(std::io::Error::other(e)),
                    Err(e) => {
                        return Err(std::io::Error::other(format!(
                            "opening the store failed: {e}"
                        )));
                    }
                }
            }
            _ = minute.tick() => {
                dirty = true;
                continue;
            }
            _ = spinner.tick(), if app.busy() => {
                app.spin = app.spin.wrapping_add(1);
                dirty = true;
                continue;
            }
            _ = scheduler.tick(), if options.scheduler
                && backend.as_ref().is_some_and(|b| !b.runs_own_rounds())
                && app.offline.is_none() => {
                // Never two at once (the app says when one is still running), and
                // nothing to draw until it answers.
                if let Some(b) = &backend {
                    for cmd in app.tick() {
                        dispatch(cmd, b, &tx, options);
                    }
                }
                continue;
            }
            _ = probe.tick(), if app.offline.is_some() => {
                if let Some(b) = &backend {
                    let (b, tx) = (b.clone(), tx.clone());
                    tokio::spawn(async move {
                        let r = b.ping().await;
                        let _ = tx.send(Msg::Connection(r));
                    });
                }
                dirty = true;
                continue;
            }
        };
        // A round of the scheduler that did nothing changes nothing on screen: no
        // frame (an idle app writes nothing).
        let quiet = app.quiet(&msg);
        let mut cmds = app.update(msg);
        if quiet && cmds.is_empty() {
            continue;
        }
        // Coalesce: what is already waiting (answers, keys typed ahead, the rest of
        // a paste) is applied before the next frame, so a burst costs one frame.
        for _ in 0..COALESCE {
            if app.quit {
                break;
            }
            if let Ok(msg) = rx.try_recv() {
                cmds.extend(app.update(msg));
                continue;
            }
            match events.try_recv() {
                None => break,
                Some(event) => match step(Some(event), closed) {
                    Step::Msg(msg) => cmds.extend(app.update(msg)),
                    Step::Skip => {}
                    Step::End(end) => return end,
                },
            }
        }
        match &backend {
            Some(b) => cmds.into_iter().for_each(|c| dispatch(c, b, &tx, options)),
            None => queued.extend(cmds),
        }
        dirty = true;
    }
}

fn draw<B: ratatui::backend::Backend + Write>(
    terminal: &mut Terminal<Quiet<B>>,
    app: &App,
    theme: &Theme,
) -> std::io::Result<()>
where
    B::Error: Into<std::io::Error>,
{
    // Inside one synchronized update, and nothing at all when nothing changed.
    terminal.backend_mut().begin_frame();
    let drawn = terminal
        .draw(|f| crate::draw::draw(f, app, theme))
        .map(|_| ());
    let ended = terminal.backend_mut().end_frame();
    drawn?;
    ended.map(|_| ())
}

/// How often an offline backend is tried again.
const PROBE_EVERY: Duration = Duration::from_secs(3);

/// How often the spinner turns.
const SPIN_EVERY: Duration = Duration::from_millis(120);

/// How often the scheduler runs while the app is open.
pub const TICK_EVERY: Duration = Duration::from_secs(30);

/// Where a command's answers go.
pub type Reply = Arc<dyn Fn(Msg) + Send + Sync>;

/// The instant answers are stamped with ("updated N ago").
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Tells the app whether the backend answered: an unreachable one turns the
/// offline banner on, any answer turns it off.
fn reach<T>(send: &Reply, r: &tend_backend::Result<T>) {
    let connection = match r {
        Err(e @ tend_backend::Error::Unavailable { .. }) => Err(e.clone()),
        Err(_) | Ok(_) => Ok(()),
    };
    send(Msg::Connection(connection));
}

/// Rows loaded before the rest of a large portfolio.
const FIRST_PAGE: u32 = 200;

/// Starts a backend call; its answers come back as messages.
pub fn spawn(
    cmd: Command,
    backend: &Arc<dyn Backend>,
    tx: &mpsc::UnboundedSender<Msg>,
    user: &str,
) {
    let tx = tx.clone();
    let reply: Reply = Arc::new(move |m| {
        let _ = tx.send(m);
    });
    tokio::spawn(perform(
        cmd,
        backend.clone(),
        user.to_string(),
        Arc::new(chrono::Utc::now),
        reply,
    ));
}

/// Runs one command against the backend and replies with what it answered: the
/// app's loop and the tests run commands through this same code. `user` is who
/// the writes are recorded as and who `@me` is.
pub async fn perform(
    cmd: Command,
    backend: Arc<dyn Backend>,
    user: String,
    clock: Clock,
    send: Reply,
) {
    let tx = &send;
    let b = backend.as_ref();
    match cmd {
        Command::LoadPortfolio {
            sort,
            descending,
            expr,
            churned,
        } => {
            let asked = Asked {
                expr: expr.clone(),
                sort,
                descending,
                churned,
            };
            let filter = tend_backend::AccountFilter {
                exclude_churned: !churned
                    && tend_engines::filter::churned_out_by_default(expr.as_deref()),
                expr,
                me: Some(user),
                ..Default::default()
            };
            // A screenful first, so a large store shows something at once, and the
            // counts of the whole beside it: each sent as soon as it is in.
            let first = async {
                let first = first_page(b, &filter, sort, descending).await;
                reach(tx, &first);
                if let Ok(Some(rows)) = first {
                    tx(Msg::Portfolio(Ok(rows), clock(), asked.clone()));
                }
            };
            let counts = async {
                if let Ok(counts) = portfolio_counts(b, &filter).await {
                    tx(Msg::PortfolioCounts(counts, asked.clone()));
                }
            };
            tokio::join!(first, counts);
            let rows = load_portfolio(b, &filter, sort, descending).await;
            reach(tx, &rows);
            tx(Msg::Portfolio(rows, clock(), asked));
        }
        Command::LoadDirectory => {
            let filter = tend_backend::AccountFilter {
                me: Some(user),
                ..Default::default()
            };
            let rows = load_portfolio(b, &filter, PortfolioSort::Name, false).await;
            reach(tx, &rows);
            tx(Msg::Directory(rows, clock()));
        }
        Command::SearchInteractions(id, query) => {
            let r = b.interactions(&query).await;
            reach(tx, &r);
            let r = r.map(|p| p.items);
            tx(Msg::Interactions(id, r, clock()));
        }
        Command::AskTab(id, query) => {
            let r = match query.as_ref() {
                TabQuery::Tasks(q) => b.tasks(q).await.map(TabAnswer::Tasks),
                TabQuery::Usage(q) => b.usage(id, q).await.map(TabAnswer::Usage),
                TabQuery::UsageBreakdown(q) => b
                    .usage_breakdown(id, q)
                    .await
                    .map(TabAnswer::UsageBreakdown),
            };
            reach(tx, &r);
            tx(Msg::TabAnswer(id, query, r, clock()));
        }
        Command::LoadHistory(id) => {
            let r = b
                .change_log(
                    id,
                    PageRequest {
                        offset: 0,
                        limit: 500,
                    },
                )
                .await;
            reach(tx, &r);
            let r = r.map(|p| p.items);
            tx(Msg::History(id, r, clock()));
        }
        Command::Save {
            account,
            writes,
            what,
        } => {
            let result = b.apply(&user, writes).await;
            reach(tx, &result);
            tx(Msg::Saved {
                account,
                what,
                result,
            });
        }
        Command::SaveWithFile {
            account,
            record,
            creating,
            path,
            what,
        } => {
            let result = save_with_file(b, &user, *record, creating, &path).await;
            reach(tx, &result);
            tx(Msg::Saved {
                account,
                what,
                result,
            });
        }
        Command::OpenDocument {
            document,
            cache,
            opener,
        } => {
            let target = match &document.file {
                Some(file) => match crate::files::fetch(b, file, &cache).await {
                    Ok(path) => path.display().to_string(),
                    Err(e) => {
                        reach(tx, &Err::<(), _>(e.clone()));
                        tx(Msg::Opened(Err(format!(
                            "could not fetch {}: {e}",
                            file.name
                        ))));
                        return;
                    }
                },
                None => document.link.clone(),
            };
            match opener.start(&target) {
                Ok(mut child) => {
                    let shown = document
                        .file
                        .as_ref()
                        .map_or_else(|| target.clone(), |f| f.name.clone());
                    tx(Msg::Opened(Ok(shown)));
                    // Waited on a thread of its own, so it never lingers as a
                    // zombie; a failure is said when it comes.
                    let send = send.clone();
                    std::thread::spawn(move || {
                        if let Ok(status) = child.wait()
                            && !status.success()
                        {
                            send(Msg::Opened(Err(opener.failed(&target, status))));
                        }
                    });
                }
                Err(e) => tx(Msg::Opened(Err(e))),
            }
        }
        Command::Reload(kind, id) => {
            let r = b.get(kind, id).await;
            reach(tx, &r);
            tx(Msg::Reloaded(r.map(Box::new)));
        }
        Command::LoadPlaybooks => {
            let r = b.playbooks().await;
            reach(tx, &r);
            tx(Msg::Playbooks(r));
        }
        Command::SettleChanges(after) => {
            tokio::time::sleep(after).await;
            tx(Msg::ChangesSettled);
        }
        Command::PrefetchAccount(id, after) => {
            if !after.is_zero() {
                tokio::time::sleep(after).await;
            }
            tx(Msg::Prefetch(id));
        }
        Command::LoadAccount(id) => {
            // The 360, the health report and the timeline load side by side; each
            // shows when it comes.
            let account = async {
                let r = b.account(id).await;
                reach(tx, &r);
                let r = r.map(Box::new);
                tx(Msg::Account(id, r, clock()));
            };
            let health = async {
                let r = b.health(id).await;
                reach(tx, &r);
                let r = r.map(Box::new);
                tx(Msg::Health(id, r, clock()));
            };
            let timeline = async {
                let r = b.timeline(id).await;
                reach(tx, &r);
                tx(Msg::Timeline(id, r, clock()));
            };
            tokio::join!(account, health, timeline);
        }
        Command::LoadCases {
            expr,
            sort,
            descending,
        } => {
            let asked = Asked {
                expr: expr.clone(),
                sort,
                descending,
                churned: true,
            };
            let r = b
                .cases(&cases_query(expr, &user, sort, descending, CASES_SHOWN))
                .await;
            reach(tx, &r);
            let r = r.map(|p| CaseList {
                rows: p.items,
                total: p.total,
            });
            tx(Msg::Cases(r, clock(), asked));
        }
        Command::LoadAlerts(state, transitions_since) => {
            let midnight = |d: chrono::NaiveDate| d.and_time(chrono::NaiveTime::MIN).and_utc();
            let r = b
                .alerts(&AlertQuery {
                    state,
                    rule: transitions_since
                        .map(|_| tend_engines::health::TRANSITION_RULE.to_string()),
                    since: transitions_since.map(midnight),
                    exclude_churned: transitions_since.is_some(),
                    page: PageRequest {
                        offset: 0,
                        limit: ALERTS_SHOWN,
                    },
                    ..Default::default()
                })
                .await;
            reach(tx, &r);
            tx(Msg::Alerts(
                r.map(|p| p.items),
                clock(),
                (state, transitions_since),
            ));
        }
        Command::CatchUp => match b.stale().await {
            Ok(false) => {}
            Ok(true) => {
                tx(Msg::Rescoring);
                let r = b.catch_up().await;
                reach(tx, &r);
                tx(Msg::Rescored(r));
            }
            Err(e) => tx(Msg::Rescored(Err(e))),
        },
        Command::CountCases => {
            let r = b
                .cases(&cases_query(None, &user, CaseSort::Priority, false, 1))
                .await;
            reach(tx, &r);
            tx(Msg::CaseCount(r.map(|p| p.total)));
        }
        Command::CountAlerts => {
            let r = b
                .alerts(&AlertQuery {
                    state: Some(AlertState::Open),
                    page: PageRequest {
                        offset: 0,
                        limit: 1,
                    },
                    ..Default::default()
                })
                .await;
            reach(tx, &r);
            tx(Msg::AlertCount(r.map(|p| p.total)));
        }
        Command::CountView(view) => {
            let expr = (!view.filter.trim().is_empty()).then(|| view.filter.clone());
            let r = match view.list {
                ViewList::Accounts => b
                    .portfolio(&PortfolioQuery {
                        filter: tend_backend::AccountFilter {
                            // As the portfolio lists the view: customers not
                            // churned unless its filter names the stage.
                            exclude_churned: tend_engines::filter::churned_out_by_default(
                                expr.as_deref(),
                            ),
                            expr,
                            me: Some(user),
                            ..Default::default()
                        },
                        page: PageRequest {
                            offset: 0,
                            limit: 1,
                        },
                        ..Default::default()
                    })
                    .await
                    .map(|p| p.total),
                ViewList::Cases => b
                    .cases(&cases_query(expr, &user, CaseSort::Priority, false, 1))
                    .await
                    .map(|p| p.total),
            };
            reach(tx, &r);
            tx(Msg::ViewCount {
                name: view.name,
                result: r,
                at: clock(),
            });
        }
        Command::LoadDashboard => {
            let r = b.dashboard().await;
            reach(tx, &r);
            let r = r.map(Box::new);
            tx(Msg::Dashboard(r, clock()));
        }
        Command::GenerateSummary { account, job } => {
            let r = b.summary(account).await;
            reach(tx, &r);
            tx(Msg::Summary {
                account,
                job,
                result: r.map(Box::new),
            });
        }
        Command::Reword {
            account,
            job,
            summary,
            mut model,
        } => {
            let result = reword_summary(*summary, &mut model, (account, job), tx).await;
            tx(Msg::Reworded {
                account,
                job,
                result,
            });
        }
        Command::Copilot {
            account,
            job,
            ask,
            model,
        } => {
            let result = copilot(b, (account, job), ask, model, clock(), tx).await;
            tx(Msg::Copilot {
                account,
                job,
                result,
            });
        }
        Command::LoadWork => {
            let r = b.my_work(&user).await;
            reach(tx, &r);
            tx(Msg::Work(r, clock()));
        }
        Command::WorkRecord { item, triage } => {
            let r = b.get(item.record_kind, item.record_id).await;
            reach(tx, &r);
            tx(Msg::WorkRecord {
                item,
                triage,
                result: r.map(Box::new),
            });
        }
        Command::Tick(n) => {
            let r = b.tick().await;
            // Only a failure says anything about the connection: a round that went
            // well draws nothing (the probe brings the app back online).
            if r.is_err() {
                reach(tx, &r);
            }
            tx(Msg::Ticked(n, r));
        }
        Command::SendEmail(email) => {
            let account = email.account_id;
            let r = b.send_email(&user, *email).await;
            reach(tx, &r);
            tx(Msg::EmailQueued(account, r.map(Box::new)));
        }
        Command::LoadDeliveries(account) => {
            let r = b
                .deliveries(&tend_backend::outbound::DeliveryQuery {
                    account: Some(account),
                    limit: DELIVERIES_SHOWN,
                    ..Default::default()
                })
                .await;
            reach(tx, &r);
            tx(Msg::Deliveries(account, r, clock()));
        }
        Command::RetryDelivery { account, delivery } => {
            let r = b.retry_delivery(&user, delivery).await;
            reach(tx, &r);
            tx(Msg::DeliveryRetried(account, r.map(Box::new)));
        }
        Command::WriteViews(file, views) => {
            let r = tokio::task::spawn_blocking(move || crate::saved::write_views(&file, &views))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
                .map_err(tend_backend::Error::storage);
            tx(Msg::ViewsWritten(r));
        }
        Command::WritePortfolioColumns(file, columns) => {
            let r = tokio::task::spawn_blocking(move || {
                crate::saved::write_portfolio_columns(&file, &columns)
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
            .map_err(tend_backend::Error::storage);
            tx(Msg::PortfolioColumnsWritten(r));
        }
    }
}

/// The most alerts the inbox loads.
const ALERTS_SHOWN: u32 = 1000;

/// The most deliveries of an account its outbox lists.
const DELIVERIES_SHOWN: u32 = 200;

fn cases_query(
    expr: Option<String>,
    user: &str,
    sort: CaseSort,
    descending: bool,
    limit: u32,
) -> CaseQuery {
    CaseQuery {
        account: tend_backend::AccountFilter {
            expr,
            me: Some(user.to_string()),
            ..Default::default()
        },
        sort,
        descending,
        page: PageRequest { offset: 0, limit },
        ..Default::default()
    }
}

/// How many accounts a portfolio filter lists, and how many of them are at risk:
/// two counts in the store (pages of one row), not a count of rows loaded.
pub async fn portfolio_counts(
    backend: &dyn Backend,
    filter: &tend_backend::AccountFilter,
) -> tend_backend::Result<crate::state::Counts> {
    let one = |filter: tend_backend::AccountFilter| PortfolioQuery {
        filter,
        page: PageRequest {
            offset: 0,
            limit: 1,
        },
        ..Default::default()
    };
    let at_risk = tend_backend::AccountFilter {
        status: Some(tend_domain::HealthStatus::AtRisk),
        ..filter.clone()
    };
    let (all, risky) = (one(filter.clone()), one(at_risk));
    let (all, risky) = tokio::join!(backend.portfolio(&all), backend.portfolio(&risky));
    Ok(crate::state::Counts {
        accounts: all?.total,
        at_risk: risky?.total,
    })
}

/// The first rows of a portfolio larger than a page (None: it fits in one, and the
/// full load is as quick).
pub async fn first_page(
    backend: &dyn Backend,
    filter: &tend_backend::AccountFilter,
    sort: PortfolioSort,
    descending: bool,
) -> tend_backend::Result<Option<Vec<tend_backend::AccountRow>>> {
    let page = backend
        .portfolio(&PortfolioQuery {
            filter: filter.clone(),
            sort,
            descending,
            page: PageRequest {
                offset: 0,
                limit: FIRST_PAGE,
            },
        })
        .await?;
    Ok((page.total > page.items.len() as u64).then_some(page.items))
}

/// Every portfolio row, page by page.
pub async fn load_portfolio(
    backend: &dyn Backend,
    filter: &tend_backend::AccountFilter,
    sort: PortfolioSort,
    descending: bool,
) -> tend_backend::Result<Vec<tend_backend::AccountRow>> {
    let mut rows = vec![];
    loop {
        let page = backend
            .portfolio(&PortfolioQuery {
                filter: filter.clone(),
                sort,
                descending,
                page: PageRequest {
                    offset: rows.len() as u64,
                    limit: PageRequest::MAX_LIMIT,
                },
            })
            .await?;
        let done = page.items.is_empty() || rows.len() + page.items.len() >= page.total as usize;
        rows.extend(page.items);
        if done {
            return Ok(rows);
        }
    }
}

/// A summary reworded by the model one section at a time (progress sent as it
/// goes), each statement keeping the records its facts cite; and how many of the
/// model's sentences were dropped for citing nothing it was given. A section the
/// model kept nothing of stays as it was.
async fn reword_summary(
    mut summary: AccountSummary,
    model: &mut Model,
    (account, job): (Id, u64),
    tx: &Reply,
) -> Result<(Box<AccountSummary>, usize), AiError> {
    let total = summary.sections.len();
    let mut dropped = 0;
    for (section, s) in summary.sections.iter_mut().enumerate() {
        tx(Msg::Rewording {
            account,
            job,
            section,
            total,
            chars: 0,
        });
        if s.statements.is_empty() {
            continue;
        }
        let mut chars = 0;
        let mut on_delta = |piece: &str| {
            chars += piece.chars().count();
            tx(Msg::Rewording {
                account,
                job,
                section,
                total,
                chars,
            });
        };
        let client = model.client.clone();
        let work = ai::reword(&client, &s.title, &s.statements, &mut on_delta);
        let r = ai::until_cancelled(&mut model.cancel, work).await?;
        dropped += r.dropped;
        if !r.statements.is_empty() {
            s.statements = r.statements;
        }
    }
    Ok((Box::new(summary), dropped))
}

/// The copilot's answer over the account's last six months: a built-in prompt
/// answered offline, its statements reworded when there is a model (not the
/// follow-up email, whose lines are an email's); your own question answered by
/// the model from the six months' facts and the conversation so far.
async fn copilot(
    b: &dyn Backend,
    (account, job): (Id, u64),
    ask: Ask,
    model: Option<Model>,
    now: Timestamp,
    tx: &Reply,
) -> Result<CopilotAnswer, String> {
    let d = b.account(account).await;
    reach(tx, &d);
    let d = d.map_err(|e| format!("could not load the account: {e}"))?;
    let input = copilot::Input {
        account: &d.account,
        contacts: &d.contacts,
        interactions: &d.interactions,
        tasks: &d.tasks,
        cases: &d.cases,
    };
    let mut streamed = String::new();
    let mut on_delta = |piece: &str| {
        streamed.push_str(piece);
        tx(Msg::CopilotDelta {
            account,
            job,
            text: ai::without_markers(&streamed),
        });
    };
    match (ask, model) {
        (Ask::Prompt(p), model) => {
            let offline = copilot::answer(p, &input, now);
            let offline_answer = CopilotAnswer {
                statements: offline.statements.clone(),
                note: offline.note.clone(),
                dropped: 0,
                by_model: false,
            };
            let Some(mut m) =
                model.filter(|_| p != copilot::Prompt::FollowUp && !offline.statements.is_empty())
            else {
                return Ok(offline_answer);
            };
            let client = m.client.clone();
            let work = ai::reword(&client, p.label(), &offline.statements, &mut on_delta);
            let r = ai::until_cancelled(&mut m.cancel, work)
                .await
                .map_err(|e| e.to_string())?;
            if r.statements.is_empty() {
                // Nothing the model wrote rested on the facts: the offline answer.
                return Ok(CopilotAnswer {
                    dropped: r.dropped,
                    ..offline_answer
                });
            }
            Ok(CopilotAnswer {
                statements: r.statements,
                note: offline.note,
                dropped: r.dropped,
                by_model: true,
            })
        }
        (Ask::Question { question, history }, Some(mut m)) => {
            let facts = copilot::facts(&input, now, QUESTION_FACTS);
            if facts.is_empty() {
                return Ok(CopilotAnswer {
                    statements: vec![],
                    note: Some("no interaction in the last six months to answer from".into()),
                    dropped: 0,
                    by_model: false,
                });
            }
            let client = m.client.clone();
            let work = ai::ask(&client, &facts, &history, &question, &mut on_delta);
            let r = ai::until_cancelled(&mut m.cancel, work)
                .await
                .map_err(|e| e.to_string())?;
            Ok(CopilotAnswer {
                statements: r.statements,
                note: None,
                dropped: r.dropped,
                by_model: true,
            })
        }
        (Ask::Question { .. }, None) => {
            Err(crate::screens::account::copilot::update::NEEDS_MODEL.to_string())
        }
    }
}

/// The most facts (interactions) the model is given for your own question.
const QUESTION_FACTS: usize = 200;

/// Reads a file of this machine, stores it, and writes the document with it as
/// its file: the answer of a `SaveWithFile`.
async fn save_with_file(
    b: &dyn Backend,
    user: &str,
    record: tend_domain::Record,
    creating: bool,
    path: &std::path::Path,
) -> tend_backend::Result<Vec<Option<tend_domain::Record>>> {
    use tend_domain::Record;
    let Record::Document(mut document) = record else {
        return Err(tend_backend::Error::invalid(
            "file",
            "only a document keeps a file",
        ));
    };
    let (name, bytes) = crate::files::read_to_attach(path).await?;
    document.file = Some(b.put_file(&name, bytes).await?);
    let record = Record::Document(document);
    let write = if creating {
        tend_backend::Write::Create { record }
    } else {
        tend_backend::Write::Update { record }
    };
    b.apply(user, vec![write]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(link: &str) -> tend_domain::Document {
        serde_json::from_value(serde_json::json!({
            "id": 7,
            "created_at": "2026-10-31T15:24:00Z",
            "updated_at": "2026-10-31T15:24:00Z",
            "account_id": 1,
            "title": "Last QBR deck",
            "kind": "qbr",
            "link": link,
        }))
        .expect("a document")
    }

    #[test]
    fn what_would_use_this_machine_is_refused_saying_so_and_nothing_else_is() {
        let open = Command::OpenDocument {
            document: Box::new(document("https://docs.example.com/qbr/1.pdf")),
            cache: std::env::temp_dir(),
            opener: crate::files::Opener::parse("true"),
        };
        match refused_on_host(&open) {
            Some(Msg::Opened(Err(e))) => assert_eq!(
                e,
                "opening links is not available over SSH (it would open on the server): https://docs.example.com/qbr/1.pdf"
            ),
            other => panic!("not refused: {other:?}"),
        }
        let attach = Command::SaveWithFile {
            account: 1,
            record: Box::new(tend_domain::Record::Document(document(""))),
            creating: true,
            path: "/etc/passwd".into(),
            what: "created the document with passwd".into(),
        };
        match refused_on_host(&attach) {
            Some(Msg::Saved {
                account: 1,
                what,
                result: Err(tend_backend::Error::Invalid { field, message }),
            }) => {
                assert_eq!(what, "created the document with passwd");
                assert_eq!(field, "file");
                assert!(message.contains("not available over SSH"), "{message}");
            }
            other => panic!("not refused: {other:?}"),
        }
        assert!(
            refused_on_host(&Command::LoadPortfolio {
                sort: PortfolioSort::Health,
                descending: false,
                expr: None,
                churned: false,
            })
            .is_none()
        );
    }

    #[test]
    fn the_leave_sequence_undoes_the_enter_sequence() {
        let enter = String::from_utf8(enter_sequence(true)).expect("ascii");
        let leave = String::from_utf8(leave_sequence(true)).expect("ascii");
        for (on, off) in [
            ("\x1b[?1049h", "\x1b[?1049l"),
            ("\x1b[?25l", "\x1b[?25h"),
            ("\x1b[?2004h", "\x1b[?2004l"),
            ("\x1b[?1000h", "\x1b[?1000l"),
            ("\x1b[?1006h", "\x1b[?1006l"),
        ] {
            assert!(enter.contains(on) && leave.contains(off), "{on:?}");
        }
        assert!(leave.ends_with("\x1b[?1049l"));
        let quiet = String::from_utf8(leave_sequence(false)).expect("ascii");
        assert!(!quiet.contains("\x1b[?1000l") && quiet.contains("\x1b[?2004l"));
        assert!(
            !String::from_utf8(enter_sequence(false))
                .expect("ascii")
                .contains("\x1b[?1000h")
        );
    }
}
