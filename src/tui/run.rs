//! The event loop: terminal events and backend answers in, frames out. Backend
//! calls run as tasks and answer with messages, so a key never waits on I/O; a
//! frame is drawn only when something changed, inside a synchronized update.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::execute;
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use futures_util::StreamExt;
use ratatui::Terminal;
use tokio::sync::mpsc;

use super::app::{App, Command, Msg};
use super::keys::Keymap;
use super::theme::{Theme, ThemeName};
use super::view;
use crate::backend::{Backend, PageRequest, PortfolioQuery, PortfolioSort};
use crate::domain::Timestamp;

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
        }
    }
}

/// What the app runs over: a backend still being opened (a demo store takes a
/// moment to build) is awaited while the first frame already shows.
pub type Opening =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Arc<dyn Backend>, String>> + Send>>;

/// Runs the app until the user quits; the terminal is restored on every way out,
/// a panic included.
pub async fn run(
    backend: Opening,
    options: Options,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
) -> std::io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    if options.mouse {
        execute!(std::io::stdout(), EnableMouseCapture)?;
        // ratatui's hook restores the screen; this one also gives the mouse back.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(std::io::stdout(), DisableMouseCapture);
            previous(info);
        }));
    }
    let result = event_loop(&mut terminal, backend, &options, clock).await;
    if options.mouse {
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
    }
    ratatui::try_restore()?;
    result
}

async fn event_loop<B: ratatui::backend::Backend + Write>(
    terminal: &mut Terminal<B>,
    opening: Opening,
    options: &Options,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
) -> std::io::Result<()>
where
    B::Error: Into<std::io::Error>,
{
    let theme = Theme::new(options.theme, options.no_color);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut events = EventStream::new();
    let mut app = App::new(options.keys.clone(), clock());
    app.ascii = options.ascii;
    app.read_only = options.read_only;
    app.read_only_why = options.read_only_why.clone();
    app.user = options.user.clone();
    let size = terminal.size().map_err(Into::into)?;
    app.size = (size.width, size.height);
    // Commands wait here until the backend is open.
    let mut queued: Vec<Command> = app.start();
    let mut backend: Option<Arc<dyn Backend>> = None;
    let mut opening = tokio::spawn(opening);
    // "Updated N ago" labels age: look once a minute (a frame that changes nothing
    // writes nothing).
    let mut minute = tokio::time::interval(Duration::from_secs(60));
    minute.tick().await;
    // While the backend is offline, it is tried this often (and the banner's age moves).
    let mut probe = tokio::time::interval(PROBE_EVERY);
    probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = true;
    loop {
        if dirty {
            app.now = clock();
            draw(terminal, &app, &theme)?;
            dirty = false;
        }
        if app.quit {
            return Ok(());
        }
        let msg = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(msg) = rx.recv() => msg,
            opened = &mut opening, if backend.is_none() => {
                match opened {
                    Ok(Ok(b)) => {
                        for cmd in queued.drain(..) {
                            spawn(cmd, &b, &tx, &options.user);
                        }
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
            _ = probe.tick(), if app.offline.is_some() => {
                if let Some(b) = &backend {
                    let (b, tx) = (b.clone(), tx.clone());
                    tokio::spawn(async move {
                        let r = b.ping().await;
                        let _ = tx.send(Msg::Connection(r.map_err(|e| e.to_string())));
                    });
                }
                dirty = true;
                continue;
            }
        };
        let mut cmds = app.update(msg);
        // Coalesce: answers already waiting are applied before the next frame.
        while let Ok(msg) = rx.try_recv() {
            cmds.extend(app.update(msg));
        }
        match &backend {
            Some(b) => cmds
                .into_iter()
                .for_each(|c| spawn(c, b, &tx, &options.user)),
            None => queued.extend(cmds),
        }
        dirty = true;
    }
}

fn draw<B: ratatui::backend::Backend + Write>(
    terminal: &mut Terminal<B>,
    app: &App,
    theme: &Theme,
) -> std::io::Result<()>
where
    B::Error: Into<std::io::Error>,
{
    execute!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = terminal.draw(|f| view::draw(f, app, theme)).map(|_| ());
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    drawn.map_err(Into::into)
}

/// How often an offline backend is tried again.
const PROBE_EVERY: Duration = Duration::from_secs(3);

/// Tells the app whether the backend answered: an unreachable one turns the
/// offline banner on, any answer turns it off.
fn reach<T>(tx: &mpsc::UnboundedSender<Msg>, r: &crate::backend::Result<T>) {
    let connection = match r {
        Err(crate::backend::Error::Unavailable { message }) => Err(message.clone()),
        Err(_) | Ok(_) => Ok(()),
    };
    let _ = tx.send(Msg::Connection(connection));
}

/// Rows loaded before the rest of a large portfolio.
const FIRST_PAGE: u32 = 200;

/// Starts a backend call; its answer comes back as a message.
pub fn spawn(
    cmd: Command,
    backend: &Arc<dyn Backend>,
    tx: &mpsc::UnboundedSender<Msg>,
    user: &str,
) {
    let (backend, tx) = (backend.clone(), tx.clone());
    match cmd {
        Command::LoadPortfolio {
            sort,
            descending,
            expr,
        } => {
            let filter = crate::backend::AccountFilter {
                expr,
                me: Some(user.to_string()),
                ..Default::default()
            };
            tokio::spawn(async move {
                // A screenful first, so a large store shows something at once.
                let first = first_page(backend.as_ref(), &filter, sort, descending).await;
                reach(&tx, &first);
                if let Ok(Some(rows)) = first {
                    let _ = tx.send(Msg::Portfolio(Ok(rows), chrono::Utc::now()));
                }
                let rows = load_portfolio(backend.as_ref(), &filter, sort, descending).await;
                reach(&tx, &rows);
                let rows = rows.map_err(|e| e.to_string());
                let _ = tx.send(Msg::Portfolio(rows, chrono::Utc::now()));
            });
        }
        Command::SearchInteractions(id, query) => {
            tokio::spawn(async move {
                let r = backend.interactions(&query).await;
                reach(&tx, &r);
                let r = r.map(|p| p.items).map_err(|e| e.to_string());
                let _ = tx.send(Msg::Interactions(id, r, chrono::Utc::now()));
            });
        }
        Command::LoadHistory(id) => {
            tokio::spawn(async move {
                let r = backend
                    .change_log(
                        id,
                        PageRequest {
                            offset: 0,
                            limit: 500,
                        },
                    )
                    .await;
                reach(&tx, &r);
                let r = r.map(|p| p.items).map_err(|e| e.to_string());
                let _ = tx.send(Msg::History(id, r, chrono::Utc::now()));
            });
        }
        Command::Save {
            account,
            writes,
            what,
        } => {
            let user = user.to_string();
            tokio::spawn(async move {
                let result = backend.apply(&user, writes).await;
                reach(&tx, &result);
                let _ = tx.send(Msg::Saved {
                    account,
                    what,
                    result,
                });
            });
        }
        Command::Reload(kind, id) => {
            tokio::spawn(async move {
                let r = backend.get(kind, id).await;
                reach(&tx, &r);
                let r = r.map(Box::new).map_err(|e| e.to_string());
                let _ = tx.send(Msg::Reloaded(r));
            });
        }
        Command::LoadPlaybooks => {
            tokio::spawn(async move {
                let r = backend.playbooks().await;
                reach(&tx, &r);
                let r = r.map_err(|e| e.to_string());
                let _ = tx.send(Msg::Playbooks(r));
            });
        }
        Command::LoadAccount(id) => {
            let (b2, tx2) = (backend.clone(), tx.clone());
            tokio::spawn(async move {
                let r = backend.account(id).await;
                reach(&tx, &r);
                let r = r.map(Box::new).map_err(|e| e.to_string());
                let _ = tx.send(Msg::Account(id, r, chrono::Utc::now()));
            });
            tokio::spawn(async move {
                let r = b2.health(id).await;
                reach(&tx2, &r);
                let r = r.map(Box::new).map_err(|e| e.to_string());
                let _ = tx2.send(Msg::Health(id, r, chrono::Utc::now()));
            });
        }
    }
}

/// The first rows of a portfolio larger than a page (None: it fits in one, and the
/// full load is as quick).
pub async fn first_page(
    backend: &dyn Backend,
    filter: &crate::backend::AccountFilter,
    sort: PortfolioSort,
    descending: bool,
) -> crate::backend::Result<Option<Vec<crate::backend::AccountRow>>> {
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
    filter: &crate::backend::AccountFilter,
    sort: PortfolioSort,
    descending: bool,
) -> crate::backend::Result<Vec<crate::backend::AccountRow>> {
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
