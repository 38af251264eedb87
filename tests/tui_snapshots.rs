//! The full-screen app drawn into ratatui's test backend, over the demo store: insta
//! snapshots of what a user sees, health colours read off the cells, the key tables
//! driving dispatch, footer and help, and drawing at any size without a panic.
//!
//! Time is fixed (midday of the demo's anchor day, for the store's clock and the
//! app's "now", and as the instant every answer arrives), so no frame depends on the
//! wall clock.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use chrono::TimeDelta;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, CellWidth};
use ratatui::style::Color;

use tend::backend::{AccountRow, Backend, PageRequest, PortfolioSort};
use tend::domain::{
    ChangeAction, ChangeLogEntry, EntityKind, HealthStatus, Id, RunColour, Timestamp,
};
use tend::generate::demo_anchor;
use tend::sqlite::{Options, Store, fixed_clock};
use tend::tui::app::App;
use tend::tui::draw;
use tend::tui::keys::{Action, Key, Keymap, Screen};
use tend::tui::overlay::Overlay;
use tend::tui::screens::account::draw::key_of;
use tend::tui::state::{Command, Focus, Loadable, Msg, Tab};
use tend::tui::theme::{Theme, ThemeName};

/// The quietly dying demo account.
const LARKSPUR: Id = 1;
/// The demo account with a stuck (red) playbook run.
const ORION: Id = 3;

/// Below `tend::tui::app::WIDE`: one pane at a time.
const NARROW: (u16, u16) = (80, 24);
/// Portfolio and account side by side.
const WIDE: (u16, u16) = (160, 48);

/// Midday of the demo's anchor day: the demo data is rebased to it.
fn now() -> Timestamp {
    demo_anchor() + TimeDelta::hours(12)
}

/// The demo store, shared by the tests running at the same time (building it costs
/// seconds; nothing here writes to it). It is dropped, and its temporary directory
/// removed, when the last test holding it ends.
fn demo() -> Arc<Store> {
    static SHARED: Mutex<Weak<Store>> = Mutex::new(Weak::new());
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(store) = shared.upgrade() {
        return store;
    }
    let store = Arc::new(Store::demo(Options::with_clock(fixed_clock(now()))).expect("demo store"));
    *shared = Arc::downgrade(&store);
    store
}

fn dark() -> Theme {
    Theme::new(ThemeName::Dark, false)
}

fn press(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    press(KeyCode::Char(c))
}

/// The event a terminal sends for a key of the tables (Shift for Shift-Tab and
/// capitals, as crossterm reports them).
fn event_of(key: &Key) -> KeyEvent {
    let mut modifiers = KeyModifiers::NONE;
    if key.ctrl {
        modifiers |= KeyModifiers::CONTROL;
    }
    if key.alt {
        modifiers |= KeyModifiers::ALT;
    }
    match key.code {
        KeyCode::BackTab => modifiers |= KeyModifiers::SHIFT,
        KeyCode::Char(c) if c.is_ascii_uppercase() => modifiers |= KeyModifiers::SHIFT,
        _ => {}
    }
    KeyEvent::new(key.code, modifiers)
}

fn dims((w, h): (u16, u16)) -> String {
    format!("{w}x{h}")
}

fn slug(tab: Tab) -> String {
    tab.title().to_lowercase()
}

/// Draws the app into a fresh test terminal of `size`.
fn draw(app: &App, theme: &Theme, (w, h): (u16, u16)) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| draw::draw(f, app, theme))
        .expect("a frame");
    terminal.backend().buffer().clone()
}

/// What a user reads: each row's symbols (the cells hidden under a wide symbol
/// left out), trimmed at the end, rows joined with '\n'.
fn text(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width).max(1);
    buffer
        .content()
        .chunks(width)
        .map(|row| {
            let mut line = String::new();
            let mut hidden: u16 = 0;
            for cell in row {
                if hidden == 0 {
                    line.push_str(cell.symbol());
                }
                hidden = hidden.max(cell.cell_width()).saturating_sub(1);
            }
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where `needle` starts in the frame, as cell positions (x, y).
fn find(buffer: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let area = buffer.area;
    let mut hits = vec![];
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let mut rest = needle;
            let mut cx = x;
            while !rest.is_empty() && cx < area.right() {
                let symbol = buffer[(cx, y)].symbol();
                match rest.strip_prefix(symbol) {
                    Some(r) if !symbol.is_empty() => rest = r,
                    _ => break,
                }
                cx += 1;
            }
            if rest.is_empty() {
                hits.push((x, y));
            }
        }
    }
    hits
}

/// The cells `needle` covers where it first appears (it must appear).
fn cells_of(buffer: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let hits = find(buffer, needle);
    let Some(&(x, y)) = hits.first() else {
        panic!("\"{needle}\" is not on screen:\n{}", text(buffer));
    };
    (x..x + needle.chars().count() as u16)
        .map(|x| (x, y))
        .collect()
}

/// The app over a demo store: messages in, every backend call answered at once.
struct Harness {
    app: App,
    store: Arc<Store>,
    theme: Theme,
    /// Who `@me` is and who writes are recorded as.
    user: String,
}

impl Harness {
    async fn new(size: (u16, u16)) -> Harness {
        Harness::with(Keymap::default(), dark(), size).await
    }

    /// The app started at `size`, its portfolio (and the first account) loaded.
    async fn with(keys: Keymap, theme: Theme, size: (u16, u16)) -> Harness {
        let mut app = App::new(keys, now());
        app.now = now();
        let mut h = Harness {
            app,
            store: demo(),
            theme,
            user: "maya.chen".into(),
        };
        h.send(Msg::Resize(size.0, size.1)).await;
        let start = h.app.start();
        h.run(start).await;
        h
    }

    /// The app over a demo store of its own, for tests that write.
    async fn writable(size: (u16, u16)) -> Harness {
        let store =
            Arc::new(Store::demo(Options::with_clock(fixed_clock(now()))).expect("demo store"));
        let mut h = Harness {
            app: App::new(Keymap::default(), now()),
            store,
            theme: dark(),
            user: "maya".into(),
        };
        h.app.now = now();
        h.app.user = "maya".into();
        h.send(Msg::Resize(size.0, size.1)).await;
        let start = h.app.start();
        h.run(start).await;
        h
    }

    /// The app over a demo store of its own opened with `options` (a sender for
    /// emails), as `user` (who `@me` and My work are).
    async fn writable_as(size: (u16, u16), user: &str, options: Options) -> Harness {
        let store = Arc::new(Store::demo(options).expect("demo store"));
        let mut h = Harness {
            app: App::new(Keymap::default(), now()),
            store,
            theme: dark(),
            user: user.into(),
        };
        h.app.now = now();
        h.app.user = user.into();
        h.send(Msg::Resize(size.0, size.1)).await;
        let start = h.app.start();
        h.run(start).await;
        h
    }

    /// Runs backend calls, and the calls their answers start, until none are left.
    async fn run(&mut self, commands: Vec<Command>) {
        let mut queue = VecDeque::from(commands);
        while let Some(command) = queue.pop_front() {
            for msg in self.answer(command).await {
                queue.extend(self.app.update(msg));
            }
        }
    }

    /// What the backend says to a command, stamped with the fixed instant: the
    /// app's own command runner, over the demo store.
    async fn answer(&self, command: Command) -> Vec<Msg> {
        // The selection rests at once here: the wait itself is the loop's
        // (tests/app_session.rs).
        let command = match command {
            Command::PrefetchAccount(id, _) => Command::PrefetchAccount(id, Duration::ZERO),
            c => c,
        };
        let got = Arc::new(std::sync::Mutex::new(vec![]));
        let sink = got.clone();
        let reply: tend::tui::run::Reply = Arc::new(move |m| {
            if !matches!(m, Msg::Connection(Ok(()))) {
                sink.lock().unwrap().push(m)
            }
        });
        let backend: Arc<dyn Backend> = self.store.clone();
        tend::tui::run::perform(command, backend, self.user.clone(), Arc::new(now), reply).await;
        std::mem::take(&mut *got.lock().unwrap())
    }

    /// Applies a message and runs what it starts; returns the calls it started.
    async fn send(&mut self, msg: Msg) -> Vec<Command> {
        let commands = self.app.update(msg);
        self.run(commands.clone()).await;
        commands
    }

    async fn key(&mut self, key: KeyEvent) -> Vec<Command> {
        self.send(Msg::Key(key)).await
    }

    async fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(ch(c)).await;
        }
    }

    fn draw(&self) -> Buffer {
        draw(&self.app, &self.theme, self.app.size)
    }

    fn screen(&self) -> String {
        text(&self.draw())
    }

    fn rows(&self) -> &[AccountRow] {
        self.app.portfolio.rows.value().map_or(&[], Vec::as_slice)
    }

    fn selected_id(&self) -> Option<Id> {
        self.app.portfolio.selected_row().map(|r| r.id)
    }

    /// Moves the portfolio's selection onto an account with `g` and `j`.
    async fn select(&mut self, id: Id) {
        let rows = self.rows();
        let at = self
            .app
            .portfolio
            .view
            .iter()
            .position(|i| rows[*i].id == id)
            .unwrap_or_else(|| panic!("account {id} is not in the portfolio"));
        self.key(ch('g')).await;
        for _ in 0..at {
            self.key(ch('j')).await;
        }
        assert_eq!(self.selected_id(), Some(id));
    }

    /// Selects an account in the portfolio and opens it with Enter.
    async fn open(&mut self, id: Id) {
        self.select(id).await;
        self.key(press(KeyCode::Enter)).await;
        assert_eq!(self.app.focus, Focus::Account);
        let account = self.app.account.as_ref().expect("an open account");
        assert_eq!(account.id, id);
        assert!(account.data.value().is_some(), "account {id} loaded");
        assert!(account.health.value().is_some(), "health of {id} loaded");
    }

    /// Goes to a tab with its number key.
    async fn tab(&mut self, tab: Tab) {
        let key = key_of(tab).chars().next().expect("a tab key");
        self.key(ch(key)).await;
        assert_eq!(self.tab_now(), Some(tab));
    }

    fn tab_now(&self) -> Option<Tab> {
        self.app.account.as_ref().map(|a| a.tab)
    }
}

/// Every opportunity of the account on screen: phase and amount on one line.
fn assert_opportunities_listed(h: &Harness, screen: &str) {
    let d = h
        .app
        .account
        .as_ref()
        .and_then(|a| a.data.value())
        .expect("a 360");
    assert!(!d.opportunities.is_empty());
    for o in &d.opportunities {
        let amount = tend::format::money(o.amount_cents);
        let phase = o.phase.to_string();
        assert!(
            screen
                .lines()
                .any(|l| l.contains(&amount) && l.contains(&phase)),
            "{} ({phase}, {amount}) not listed:\n{screen}",
            o.name
        );
    }
}

/// Every tab of the dying account: alone on the screen at 80 columns (after Enter),
/// beside the portfolio at 160.
async fn snapshot_every_larkspur_tab(size: (u16, u16)) {
    let mut h = Harness::new(size).await;
    h.open(LARKSPUR).await;
    for tab in Tab::ALL {
        h.tab(tab).await;
        let screen = h.screen();
        assert!(screen.contains("Larkspur Logistics"), "{screen}");
        if tab == Tab::Opportunities && size == NARROW {
            // Its column widths change from one layout solve to the next (see
            // `overflowing_tables_lay_out_the_same_every_time`): content only.
            assert_opportunities_listed(&h, &screen);
            continue;
        }
        insta::assert_snapshot!(format!("larkspur_{}_{}", slug(tab), dims(size)), screen);
    }
}

/// Opens Orion's Playbooks tab at its stuck run.
async fn orion_at_the_stuck_run(size: (u16, u16), theme: Theme) -> Harness {
    let mut h = Harness::with(Keymap::default(), theme, size).await;
    h.open(ORION).await;
    h.tab(Tab::Playbooks).await;
    let runs = &h
        .app
        .account
        .as_ref()
        .and_then(|a| a.data.value())
        .expect("Orion's 360")
        .playbook_runs;
    let stuck = runs
        .iter()
        .position(|r| r.colour() == RunColour::Red)
        .expect("Orion has a stuck run");
    for _ in 0..stuck {
        h.key(ch('j')).await;
    }
    h
}

/// The portfolio rows on screen with their frame row: the table's header is on
/// row 2 (under the app header and the pane's border), its first row on row 3.
fn visible_portfolio_rows(h: &Harness) -> Vec<(u16, &AccountRow)> {
    let p = &h.app.portfolio;
    let rows = h.rows();
    // Below the header, the views bar, the pane's border and its column titles.
    let height = usize::from(h.app.size.1.saturating_sub(6));
    let offset = p.offset.get();
    p.view
        .iter()
        .skip(offset)
        .take(height)
        .enumerate()
        .map(|(k, i)| (4 + k as u16, &rows[*i]))
        .collect()
}

/// Every cell has the terminal's own colours.
fn assert_colourless(buffer: &Buffer, what: &str) {
    for (i, cell) in buffer.content().iter().enumerate() {
        let (x, y) = buffer.pos_of(i);
        assert!(
            cell.fg == Color::Reset && cell.bg == Color::Reset,
            "{what}: cell ({x}, {y}) \"{}\" has fg {:?}, bg {:?}",
            cell.symbol(),
            cell.fg,
            cell.bg
        );
    }
}

/// Every key table.
const SCREENS: [Screen; 7] = Screen::ALL;

/// The default tables as written in `keys.rs`: a literal that failed to parse would
/// be dropped there silently, so each is parsed here and compared.
fn default_keys() -> Vec<(Screen, Action, Vec<&'static str>)> {
    use Action::*;
    let moves = |screen: Screen| {
        vec![
            (screen, Down, vec!["j", "down"]),
            (screen, Up, vec!["k", "up"]),
            (screen, PageDown, vec!["pgdn", "ctrl-d"]),
            (screen, PageUp, vec!["pgup", "ctrl-u"]),
            (screen, Top, vec!["g", "home"]),
            (screen, Bottom, vec!["G", "end"]),
        ]
    };
    let mut all = vec![
        (Screen::Global, Quit, vec!["q", "ctrl-c"]),
        (Screen::Global, Help, vec!["?"]),
        (Screen::Global, Palette, vec![":"]),
        (Screen::Global, Back, vec!["esc"]),
        (Screen::Global, Refresh, vec!["ctrl-r", "f5"]),
        (Screen::Global, NextPage, vec!["]"]),
        (Screen::Global, PrevPage, vec!["["]),
        (Screen::Global, MyWork, vec!["M"]),
    ];
    all.extend(moves(Screen::Portfolio));
    all.extend([
        (Screen::Portfolio, Open, vec!["enter", "l", "right"]),
        (Screen::Portfolio, Filter, vec!["/"]),
        (Screen::Portfolio, Where, vec!["F"]),
        (Screen::Portfolio, Sort, vec!["s"]),
        (Screen::Portfolio, Reverse, vec!["r"]),
        (Screen::Portfolio, Churned, vec!["C"]),
        (Screen::Portfolio, SaveView, vec!["w"]),
        (Screen::Portfolio, RenameView, vec!["W"]),
        (Screen::Portfolio, DeleteView, vec!["X"]),
        (Screen::Portfolio, Maximise, vec!["z"]),
        (Screen::Portfolio, Columns, vec!["c"]),
    ]);
    all.extend(moves(Screen::Cases));
    all.extend([
        (Screen::Cases, Open, vec!["enter", "l", "right"]),
        (Screen::Cases, Where, vec!["F"]),
        (Screen::Cases, Group, vec!["b"]),
        (Screen::Cases, Sort, vec!["s"]),
        (Screen::Cases, Reverse, vec!["r"]),
        (Screen::Cases, SaveView, vec!["w"]),
        (Screen::Cases, RenameView, vec!["W"]),
        (Screen::Cases, DeleteView, vec!["X"]),
    ]);
    all.extend(moves(Screen::Alerts));
    all.extend([
        (Screen::Alerts, Open, vec!["enter", "l", "right"]),
        (Screen::Alerts, Done, vec!["x"]),
        (Screen::Alerts, Snooze, vec!["z"]),
        (Screen::Alerts, SnoozeLong, vec!["Z"]),
        (Screen::Alerts, Cycle, vec!["f"]),
    ]);
    all.extend(moves(Screen::Dashboard));
    all.extend([
        (Screen::Dashboard, Open, vec!["enter"]),
        (Screen::Dashboard, Right, vec!["l", "right", "tab"]),
        (Screen::Dashboard, Left, vec!["h", "left", "shift-tab"]),
    ]);
    all.extend(moves(Screen::Work));
    all.extend([
        (Screen::Work, Open, vec!["enter", "o", "l", "right"]),
        (Screen::Work, Done, vec!["c"]),
        (Screen::Work, Snooze, vec!["z"]),
        (Screen::Work, Reassign, vec!["a"]),
    ]);
    all.extend(moves(Screen::Account));
    all.extend([
        (Screen::Account, NextTab, vec!["tab"]),
        (Screen::Account, PrevTab, vec!["shift-tab"]),
        (Screen::Account, Tab1, vec!["1"]),
        (Screen::Account, Tab2, vec!["2"]),
        (Screen::Account, Tab3, vec!["3"]),
        (Screen::Account, Tab4, vec!["4"]),
        (Screen::Account, Tab5, vec!["5"]),
        (Screen::Account, Tab6, vec!["6"]),
        (Screen::Account, Tab7, vec!["7"]),
        (Screen::Account, Tab8, vec!["8"]),
        (Screen::Account, Tab9, vec!["9"]),
        (Screen::Account, Tab10, vec!["0"]),
        (Screen::Account, Tab11, vec!["-"]),
        (Screen::Account, Tab12, vec!["="]),
        (Screen::Account, Tab13, vec!["\\"]),
        (Screen::Account, Tab14, vec!["!"]),
        (Screen::Account, Left, vec!["h", "left"]),
        (Screen::Account, Right, vec!["l", "right"]),
        (Screen::Account, Open, vec!["enter"]),
        (Screen::Account, Period, vec!["p"]),
        (Screen::Account, Curves, vec!["c"]),
        (Screen::Account, Cycle, vec!["f"]),
        (Screen::Account, Filters, vec!["F"]),
        (Screen::Account, View, vec!["v"]),
        (Screen::Account, Modules, vec!["b"]),
        (Screen::Account, Completed, vec!["C"]),
        (Screen::Account, Search, vec!["/"]),
        (Screen::Account, Parent, vec!["P"]),
        (Screen::Account, New, vec!["n"]),
        (Screen::Account, Edit, vec!["e"]),
        (Screen::Account, Delete, vec!["d"]),
        (Screen::Account, Toggle, vec!["x"]),
        (Screen::Account, MoveLeft, vec!["H"]),
        (Screen::Account, MoveRight, vec!["L"]),
        (Screen::Account, MoveUp, vec!["K"]),
        (Screen::Account, MoveDown, vec!["J"]),
        (Screen::Account, Renew, vec!["R"]),
        (Screen::Account, Advance, vec!["a"]),
        (Screen::Account, Retry, vec!["t"]),
        (Screen::Account, Skip, vec!["S"]),
        (Screen::Account, NewProject, vec!["N"]),
        (Screen::Account, DeleteAccount, vec!["D"]),
        (Screen::Account, Ask, vec!["a"]),
        (Screen::Account, Generate, vec!["g"]),
        (Screen::Account, SaveSummary, vec!["s"]),
        (Screen::Account, Follow, vec!["o"]),
        (Screen::Account, OpenDocument, vec!["o"]),
        (Screen::Account, OlderSummary, vec!["["]),
        (Screen::Account, NewerSummary, vec!["]"]),
        (Screen::Account, Expansion, vec!["x"]),
        (Screen::Account, Reword, vec!["r"]),
        (Screen::Account, Email, vec!["m"]),
        (Screen::Account, Reply, vec!["R"]),
        (Screen::Account, Outbox, vec!["O"]),
        (Screen::Account, Done, vec!["x"]),
        (Screen::Account, Snooze, vec!["z"]),
        (Screen::Account, SnoozeLong, vec!["Z"]),
        (Screen::Account, Maximise, vec!["z"]),
    ]);
    all
}

/// The bottom line of a frame.
fn footer(buffer: &Buffer) -> String {
    text(buffer).lines().last().unwrap_or_default().to_string()
}

/// The footer of `screen`: every hinted binding of it and of the global table, as
/// "key help", and none of the others.
fn assert_footer_from_table(h: &Harness, screen: Screen) {
    let frame = h.draw();
    let line = footer(&frame);
    let keys = &h.app.keys;
    for b in keys
        .bindings(Screen::Global)
        .iter()
        .chain(keys.bindings(screen))
    {
        let Some(k) = b.keys.first() else { continue };
        let hint = format!("{} {}", k.label(), b.help);
        if b.hint && h.app.offer(b.action).is_some() {
            assert!(
                line.contains(&hint),
                "\"{hint}\" not in the {} footer: {line}",
                screen.name()
            );
        } else {
            assert!(
                !line.contains(b.help),
                "\"{}\" hinted on {}: {line}",
                b.help,
                screen.name()
            );
        }
    }
}

/// Key overrides as config gives them: screen -> action -> keys.
type Overrides = BTreeMap<String, BTreeMap<String, Vec<String>>>;

fn overrides(entries: &[(&str, &str, &[&str])]) -> Overrides {
    let mut map = Overrides::new();
    for (screen, action, keys) in entries {
        map.entry(screen.to_string()).or_default().insert(
            action.to_string(),
            keys.iter().map(|k| k.to_string()).collect(),
        );
    }
    map
}

/// The frame drawn in a new thread, by an app holding the same state: ratatui keeps
/// its layout cache per thread, so each draw solves the layout afresh.
fn frame_in_a_new_thread(h: &Harness) -> String {
    let portfolio = h.app.portfolio.clone();
    let account = h.app.account.clone();
    let (focus, size, theme) = (h.app.focus, h.app.size, h.theme.clone());
    std::thread::spawn(move || {
        let mut app = App::new(Keymap::default(), now());
        app.portfolio = portfolio;
        app.account = account;
        app.focus = focus;
        app.size = size;
        text(&draw(&app, &theme, size))
    })
    .join()
    .expect("a frame drawn in a thread")
}

/// The `YYYY-MM-DD` dates of a line, in order.
fn dates(line: &str) -> Vec<chrono::NaiveDate> {
    line.split_whitespace()
        .filter_map(|w| chrono::NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
        .collect()
}

/// How many people the Usage tab lists: a connection in the last 30 days.
fn active_users(d: &tend::backend::Account360) -> usize {
    let today = d.as_of.date_naive();
    d.usage
        .iter()
        .filter(|u| u.connections > 0 && (today - u.day).num_days() < 30)
        .filter_map(|u| u.contact_id)
        .collect::<BTreeSet<_>>()
        .len()
}

/// The rows of a frame with the selected background in the columns `xs`.
fn highlighted_rows(buffer: &Buffer, xs: std::ops::Range<u16>, bg: Color) -> Vec<u16> {
    (buffer.area.top()..buffer.area.bottom())
        .filter(|y| xs.clone().all(|x| buffer[(x, *y)].bg == bg))
        .collect()
}

// Snapshots ------------------------------------------------------------------

#[tokio::test]
async fn portfolio_snapshots() {
    for size in [NARROW, WIDE] {
        let h = Harness::new(size).await;
        let screen = h.screen();
        assert!(screen.contains("Larkspur Logistics"), "{screen}");
        insta::assert_snapshot!(format!("portfolio_{}", dims(size)), screen);
    }
}

#[tokio::test]
async fn larkspur_tabs_narrow_snapshots() {
    snapshot_every_larkspur_tab(NARROW).await;
}

#[tokio::test]
async fn larkspur_tabs_wide_snapshots() {
    snapshot_every_larkspur_tab(WIDE).await;
}

#[tokio::test]
async fn larkspur_header_says_at_risk() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    let screen = h.screen();
    let name_line = screen.lines().nth(3).expect("the account's name line");
    assert!(name_line.contains("■ Larkspur Logistics"), "{screen}");
    assert!(name_line.contains("at risk"), "{screen}");
}

#[tokio::test]
async fn help_snapshots() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch('?')).await;
    insta::assert_snapshot!("help_portfolio_80x24", h.screen());
    h.key(ch('?')).await; // closes it
    h.open(LARKSPUR).await;
    for size in [NARROW, WIDE] {
        h.send(Msg::Resize(size.0, size.1)).await;
        h.key(ch('?')).await;
        assert!(h.app.overlays.help().is_some());
        insta::assert_snapshot!(format!("help_account_{}", dims(size)), h.screen());
        h.key(ch('?')).await;
    }
}

#[tokio::test]
async fn palette_snapshot() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch(':')).await;
    h.type_text("orion").await;
    let screen = h.screen();
    assert!(screen.contains("Orion Freight"), "{screen}");
    insta::assert_snapshot!("palette_orion_80x24", screen);
}

#[tokio::test]
async fn the_palette_opens_the_account_typed() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch(':')).await;
    h.type_text("orion").await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.palette().is_none());
    assert_eq!(h.app.focus, Focus::Account);
    assert_eq!(h.app.account.as_ref().map(|a| a.id), Some(ORION));
    assert_eq!(h.selected_id(), Some(ORION));
}

#[tokio::test]
async fn too_small_snapshot() {
    let h = Harness::new((30, 8)).await;
    let screen = h.screen();
    assert!(screen.contains("too small"), "{screen}");
    insta::assert_snapshot!("too_small_30x8", screen);
}

#[tokio::test]
async fn larkspur_kanban_snapshots() {
    let mut h = Harness::new(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Tasks).await;
    // l moves to the "doing" column, l again to "done".
    for column in 1..=2 {
        h.key(ch('l')).await;
        assert_eq!(h.app.account.as_ref().map(|a| a.column), Some(column));
        insta::assert_snapshot!(format!("larkspur_tasks_column_{column}_160x48"), h.screen());
    }
}

#[tokio::test]
async fn orion_playbooks_snapshot() {
    let h = orion_at_the_stuck_run(WIDE, dark()).await;
    let screen = h.screen();
    assert!(screen.contains("● stuck"), "{screen}");
    insta::assert_snapshot!("orion_playbooks_160x48", screen);
}

// Styles ---------------------------------------------------------------------

#[tokio::test]
async fn portfolio_health_cells_wear_their_status_colour() {
    let theme = dark();
    let mut seen = BTreeSet::new();
    // Riskiest first, then healthiest first.
    for reverse in [false, true] {
        let mut h = Harness::new(WIDE).await;
        if reverse {
            h.key(ch('r')).await;
        }
        let frame = h.draw();
        let screen = text(&frame);
        let lines: Vec<&str> = screen.lines().collect();
        let rows = visible_portfolio_rows(&h);
        assert!(!rows.is_empty());
        for (y, row) in rows {
            let line = lines[usize::from(y)];
            let name: String = row.name.chars().take(12).collect();
            assert!(line.contains(&name), "row {y} is not {}: {line}", row.name);
            // The health cell: the mark and the score, the table's first 6 columns.
            let expected = theme.health(row.health_status).fg;
            for x in 1..7 {
                let cell = &frame[(x, y)];
                if cell.symbol() != " " {
                    assert_eq!(
                        Some(cell.fg),
                        expected,
                        "{} ({:?}), cell {x}: {line}",
                        row.name,
                        row.health_status
                    );
                }
            }
            if row.id == LARKSPUR {
                assert_eq!(row.health_status, Some(HealthStatus::AtRisk));
                assert_eq!(Some(frame[(1, y)].fg), theme.at_risk.fg);
            }
            seen.insert(row.health_status);
        }
    }
    for status in [HealthStatus::AtRisk, HealthStatus::Healthy] {
        assert!(
            seen.contains(&Some(status)),
            "no {status:?} row on screen: {seen:?}"
        );
    }
}

#[tokio::test]
async fn the_selected_portfolio_row_has_the_selected_background() {
    let theme = dark();
    let selected_bg = theme
        .selected
        .bg
        .expect("the dark theme selects with a background");
    let mut h = Harness::new(NARROW).await;
    h.key(ch('j')).await;
    h.key(ch('j')).await;
    let frame = h.draw();
    let rows = visible_portfolio_rows(&h);
    let selected = h.selected_id().expect("a selection");
    for (y, row) in rows {
        // Inside the pane's borders.
        for x in 1..NARROW.0 - 1 {
            let bg = frame[(x, y)].bg;
            if row.id == selected {
                assert_eq!(bg, selected_bg, "{} at ({x}, {y})", row.name);
            } else {
                assert_ne!(bg, selected_bg, "{} at ({x}, {y})", row.name);
            }
        }
    }
}

#[tokio::test]
async fn the_stuck_playbook_run_is_drawn_at_risk() {
    let theme = dark();
    let h = orion_at_the_stuck_run(WIDE, theme.clone()).await;
    let frame = h.draw();
    for (x, y) in cells_of(&frame, "● stuck") {
        assert_eq!(Some(frame[(x, y)].fg), theme.at_risk.fg, "cell ({x}, {y})");
    }
}

#[tokio::test]
async fn no_color_draws_no_colour() {
    let plain = Theme::new(ThemeName::Dark, true);
    assert!(!plain.colour);
    for size in [NARROW, WIDE] {
        let mut h = Harness::with(Keymap::default(), plain.clone(), size).await;
        assert_colourless(&h.draw(), "portfolio");
        h.key(ch('?')).await;
        assert_colourless(&h.draw(), "help");
        h.key(ch('?')).await;
        h.key(ch(':')).await;
        h.type_text("or").await;
        assert_colourless(&h.draw(), "palette");
        h.key(press(KeyCode::Esc)).await;
        for id in [LARKSPUR, ORION] {
            h.key(press(KeyCode::Esc)).await;
            h.open(id).await;
            for tab in Tab::ALL {
                h.tab(tab).await;
                assert_colourless(&h.draw(), &format!("account {id}, {}", tab.title()));
            }
        }
    }
}

// Keys -----------------------------------------------------------------------

#[test]
fn every_default_binding_has_keys_and_its_literals_parse() {
    let keys = Keymap::default();
    let mut expected: BTreeMap<Screen, Vec<(Action, Vec<Key>)>> = BTreeMap::new();
    for (screen, action, literals) in default_keys() {
        let parsed = literals
            .iter()
            .map(|l| {
                Key::parse(l).unwrap_or_else(|e| panic!("{}.{}: {e}", screen.name(), action.name()))
            })
            .collect();
        expected.entry(screen).or_default().push((action, parsed));
    }
    for screen in SCREENS {
        let bindings = keys.bindings(screen);
        for b in bindings {
            assert!(
                !b.keys.is_empty(),
                "{}.{} has no key",
                screen.name(),
                b.action.name()
            );
            assert!(
                !b.help.is_empty(),
                "{}.{} has no help",
                screen.name(),
                b.action.name()
            );
        }
        let actual: Vec<(Action, Vec<Key>)> = bindings
            .iter()
            .map(|b| (b.action, b.keys.clone()))
            .collect();
        assert_eq!(actual, expected[&screen], "{} table", screen.name());
    }
}

/// Keys the account table binds to two actions (or to one the global table has
/// too): the tab in front decides (see `shared_keys_do_what_the_tab_in_front_offers`).
const SHARED_ACCOUNT_KEYS: &[&str] = &["a", "g", "x", "z", "R", "[", "]", "o"];

#[test]
fn each_key_of_a_binding_dispatches_to_its_action() {
    let keys = Keymap::default();
    let shared: Vec<Key> = SHARED_ACCOUNT_KEYS
        .iter()
        .map(|k| Key::parse(k).expect("a key"))
        .collect();
    for screen in SCREENS {
        for b in keys.bindings(screen) {
            for key in &b.keys {
                let candidates = keys.candidates(screen, key);
                assert!(candidates.contains(&b.action), "{}", key.label());
                if screen == Screen::Account && shared.contains(key) {
                    assert!(candidates.len() > 1, "{} is not shared", key.label());
                    continue;
                }
                assert_eq!(
                    keys.action(screen, &event_of(key)),
                    Some(b.action),
                    "{} on {}",
                    key.label(),
                    screen.name()
                );
            }
        }
    }
    // The global keys work on every screen (no screen's table shadows them,
    // but for the keys a tab shares on purpose).
    for screen in [Screen::Portfolio, Screen::Account] {
        for b in keys.bindings(Screen::Global) {
            for key in &b.keys {
                if screen == Screen::Account && shared.contains(key) {
                    continue;
                }
                assert_eq!(
                    keys.action(screen, &event_of(key)),
                    Some(b.action),
                    "global {} on {}",
                    key.label(),
                    screen.name()
                );
            }
        }
    }
    // Terminals send Shift-Tab either way.
    let shift_tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT);
    assert_eq!(
        keys.action(Screen::Account, &shift_tab),
        Some(Action::PrevTab)
    );
}

#[tokio::test]
async fn the_portfolio_footer_comes_from_its_table() {
    let h = Harness::new(WIDE).await;
    assert_eq!(h.app.screen(), Screen::Portfolio);
    assert_footer_from_table(&h, Screen::Portfolio);
}

#[tokio::test]
async fn the_account_footer_comes_from_its_table() {
    // 300 columns: the account's hints do not all fit in 160 (see the bug below).
    let mut h = Harness::new((300, 48)).await;
    h.open(LARKSPUR).await;
    assert_eq!(h.app.screen(), Screen::Account);
    assert_footer_from_table(&h, Screen::Account);
}

#[tokio::test]
async fn the_account_footer_fits_in_160_columns() {
    let mut h = Harness::new(WIDE).await;
    h.open(LARKSPUR).await;
    assert_footer_from_table(&h, Screen::Account);
}

#[tokio::test]
async fn help_opens_with_a_question_mark_and_any_key_closes_it() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch('?')).await;
    assert!(h.app.overlays.help().is_some());
    let screen = h.screen();
    assert!(screen.contains("Keys — portfolio"), "{screen}");
    assert!(screen.contains("any key closes this"), "{screen}");
    // The key that closes the help does nothing else.
    let before = h.app.portfolio.selected;
    h.key(ch('j')).await;
    assert!(h.app.overlays.help().is_none());
    assert_eq!(h.app.portfolio.selected, before);
    assert!(!h.screen().contains("Keys — portfolio"));
    // Quit still quits from the help.
    h.key(ch('?')).await;
    h.key(ch('q')).await;
    assert!(h.app.overlays.help().is_none());
    assert!(h.app.quit);
}

#[tokio::test]
async fn q_quits() {
    for open in [false, true] {
        let mut h = Harness::new(NARROW).await;
        if open {
            h.open(LARKSPUR).await;
        }
        assert!(!h.app.quit);
        h.key(ch('q')).await;
        assert!(h.app.quit);
    }
    let mut h = Harness::new(NARROW).await;
    h.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL))
        .await;
    assert!(h.app.quit);
}

#[tokio::test]
async fn esc_in_the_narrow_account_view_goes_back_to_the_portfolio() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    let screen = h.screen();
    assert!(screen.contains(" 1 Overview "), "{screen}");
    assert!(!screen.contains("┌ Portfolio "), "{screen}");
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.app.focus, Focus::Portfolio);
    let screen = h.screen();
    assert!(screen.contains("┌ Portfolio "), "{screen}");
    assert!(!screen.contains(" 1 Overview "), "{screen}");
    // The selection stayed on the account left.
    assert_eq!(h.selected_id(), Some(LARKSPUR));
}

#[tokio::test]
async fn tab_shift_tab_and_number_keys_change_the_tab() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    assert_eq!(h.tab_now(), Some(Tab::Overview));
    h.key(press(KeyCode::Tab)).await;
    assert_eq!(h.tab_now(), Some(Tab::Interactions));
    h.key(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT))
        .await;
    assert_eq!(h.tab_now(), Some(Tab::Overview));
    // Around the ends.
    h.key(KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT))
        .await;
    assert_eq!(h.tab_now(), Some(Tab::Alerts));
    h.key(press(KeyCode::Tab)).await;
    assert_eq!(h.tab_now(), Some(Tab::Overview));
    let selected_bg = h.theme.selected.bg;
    for tab in Tab::ALL {
        h.tab(tab).await;
        // The tab bar shows it, highlighted, even when the bar has scrolled.
        let frame = h.draw();
        let label = format!(" {} {} ", key_of(tab), tab.title());
        for (x, y) in cells_of(&frame, &label) {
            assert_eq!(y, 4, "the tab bar is the account pane's second line");
            assert_eq!(
                frame[(x, y)].bg,
                selected_bg.unwrap_or(Color::Reset),
                "{label}"
            );
        }
    }
}

#[tokio::test]
async fn slash_filters_the_portfolio_and_enter_opens_the_match() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch('/')).await;
    assert!(h.app.portfolio.filtering);
    h.type_text("lark").await;
    assert_eq!(h.app.portfolio.filter, "lark");
    let rows = h.rows();
    let names: Vec<&str> = h
        .app
        .portfolio
        .view
        .iter()
        .map(|i| rows[*i].name.as_str())
        .collect();
    assert!(names.contains(&"Larkspur Logistics"), "{names:?}");
    assert!(names.len() < rows.len(), "the filter left {names:?}");
    assert_eq!(h.selected_id(), Some(LARKSPUR), "{names:?}");
    let screen = h.screen();
    assert!(screen.contains("/lark"), "{screen}");
    assert!(footer(&h.draw()).contains("filter: lark"), "{screen}");
    h.key(press(KeyCode::Enter)).await;
    assert!(!h.app.portfolio.filtering);
    assert_eq!(h.app.focus, Focus::Account);
    assert_eq!(h.app.account.as_ref().map(|a| a.id), Some(LARKSPUR));
    let screen = h.screen();
    assert!(screen.contains("■ Larkspur Logistics"), "{screen}");
}

#[tokio::test]
async fn s_changes_the_sort_and_reloads() {
    let mut h = Harness::new(NARROW).await;
    assert_eq!(h.app.portfolio.sort, PortfolioSort::Health);
    let commands = h.app.update(Msg::Key(ch('s')));
    assert_eq!(
        commands,
        vec![Command::LoadPortfolio {
            sort: PortfolioSort::Mrr,
            descending: false,
            expr: None,
            churned: false,
        }]
    );
    assert!(matches!(h.app.portfolio.rows, Loadable::Loading));
    assert!(h.screen().contains("loading the portfolio"));
    h.run(commands).await;
    let rows = h.rows();
    assert!(rows.windows(2).all(|w| w[0].mrr_cents <= w[1].mrr_cents));
    assert!(h.screen().contains("by mrr ↑"), "{}", h.screen());
    // r reverses the same sort.
    let commands = h.key(ch('r')).await;
    assert_eq!(
        commands,
        vec![Command::LoadPortfolio {
            sort: PortfolioSort::Mrr,
            descending: true,
            expr: None,
            churned: false,
        }]
    );
    assert!(h.screen().contains("by mrr ↓"), "{}", h.screen());
}

#[tokio::test]
async fn a_remap_changes_dispatch_footer_and_help() {
    let keys = Keymap::with_overrides(&overrides(&[
        ("global", "quit", &["x"]),
        ("global", "help", &[]),
    ]))
    .expect("a valid remap");
    let on = |k: KeyEvent| keys.action(Screen::Portfolio, &k);
    assert_eq!(on(ch('x')), Some(Action::Quit));
    assert_eq!(on(ch('q')), None);
    assert_eq!(on(ch('?')), None);
    let mut h = Harness::with(keys.clone(), dark(), WIDE).await;
    let bottom = footer(&h.draw());
    assert!(bottom.contains("x quit"), "{bottom}");
    assert!(!bottom.contains("q quit"), "{bottom}");
    assert!(!bottom.contains("? keys"), "{bottom}");
    h.key(ch('?')).await;
    assert!(h.app.overlays.help().is_none(), "? is unbound");
    h.key(ch('q')).await;
    assert!(!h.app.quit, "q is unbound");
    // The help is still reachable from the palette, and lists the new key only.
    h.key(ch(':')).await;
    h.type_text("help").await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.help().is_some());
    let screen = h.screen();
    assert!(screen.contains(&format!("{:>11}  quit", "x")), "{screen}");
    assert!(!screen.contains("q C-c"), "{screen}");
    assert!(!screen.contains("  keys"), "{screen}");
    // x closes the help, and quits.
    h.key(ch('x')).await;
    assert!(h.app.overlays.help().is_none());
    assert!(h.app.quit);
}

#[test]
fn overrides_refuse_unknown_names_and_keys() {
    let refused = |entries: &[(&str, &str, &[&str])]| {
        Keymap::with_overrides(&overrides(entries)).expect_err("refused")
    };
    let e = refused(&[("global", "jump", &["j"])]);
    assert!(e.contains("jump") && e.contains("unknown action"), "{e}");
    let e = refused(&[("portfolio", "sort", &["hyper-s"])]);
    assert!(
        e.contains("hyper-s") && e.contains("keys.portfolio.sort"),
        "{e}"
    );
    let e = refused(&[("everywhere", "quit", &["x"])]);
    assert!(
        e.contains("everywhere") && e.contains("unknown screen"),
        "{e}"
    );
}

// What looked wrong on screen: the fixed stay as regression tests ------------

#[tokio::test]
async fn agreements_say_when_the_renewal_is_once() {
    // It said "renew in in 45d" (the label's "in" and days_from's).
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Agreements).await;
    let screen = h.screen();
    assert!(screen.contains(" in 45d"), "{screen}");
    assert!(!screen.contains("in in"), "{screen}");
}

#[tokio::test]
async fn agreements_are_told_apart_at_80_columns() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Agreements).await;
    let names: Vec<String> = h
        .app
        .account
        .as_ref()
        .and_then(|a| a.data.value())
        .expect("Larkspur's 360")
        .agreements
        .iter()
        .map(|a| a.name.clone())
        .collect();
    assert!(names.len() > 1);
    let screen = h.screen();
    for name in names {
        assert!(screen.contains(&name), "{name} not on screen:\n{screen}");
    }
}

#[tokio::test]
async fn overflowing_tables_lay_out_the_same_every_time() {
    let mut unstable = vec![];
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        for tab in Tab::ALL {
            h.tab(tab).await;
            let frames: BTreeSet<String> = (0..16).map(|_| frame_in_a_new_thread(&h)).collect();
            if frames.len() > 1 {
                unstable.push(format!(
                    "{} at {}: {} layouts",
                    tab.title(),
                    dims(size),
                    frames.len()
                ));
            }
        }
    }
    assert!(unstable.is_empty(), "{unstable:#?}");
}

#[tokio::test]
async fn expired_agreements_have_no_notice_after_their_end() {
    // An expired agreement's notice date was rolled forward as if it still renewed.
    let mut h = Harness::new(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Agreements).await;
    let screen = h.screen();
    let expired: Vec<&str> = screen.lines().filter(|l| l.contains(" expired ")).collect();
    assert!(!expired.is_empty(), "{screen}");
    for line in expired {
        // START, END, and NOTICE unless it is "-".
        let d = dates(line);
        assert!(d.len() == 2 || d.len() == 3, "{line}");
        if let Some(notice) = d.get(2) {
            assert!(
                *notice <= d[1],
                "notice {notice} after the end {}: {line}",
                d[1]
            );
        }
    }
}

#[tokio::test]
async fn support_case_numbers_are_told_apart() {
    // A 9-wide CASE column cut CS-0001001, CS-0001002, CS-0001003 to CS-000100.
    let mut h = Harness::new(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Support).await;
    let numbers: Vec<String> = h
        .app
        .account
        .as_ref()
        .and_then(|a| a.data.value())
        .expect("Larkspur's 360")
        .cases
        .iter()
        .map(|c| c.number.clone())
        .collect();
    assert!(numbers.len() > 1);
    let screen = h.screen();
    for n in numbers {
        assert!(screen.contains(&n), "{n} not on screen:\n{screen}");
    }
}

#[tokio::test]
async fn the_account_help_shows_every_text_in_full() {
    // On every tab, `?` lists in full what works there and nothing that does not
    // (renew only on Agreements, card moves only on Tasks...); dangerous keys are
    // marked (they ask first).
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    let mut cut = vec![];
    let mut extra = vec![];
    for size in [NARROW, WIDE] {
        h.send(Msg::Resize(size.0, size.1)).await;
        for tab in Tab::ALL {
            h.tab(tab).await;
            h.key(ch('?')).await;
            let mut screen = h.screen();
            // Taller than the screen, the help scrolls with j: every page counts.
            let mut above = String::new();
            for _ in 0..40 {
                // The footer repeats some texts: only the lines above it.
                let (page, _footer) = screen.rsplit_once('\n').expect("a footer line");
                above.push_str(page);
                above.push('\n');
                if !screen.contains("j/k scroll") {
                    break;
                }
                h.key(ch('j')).await;
                screen = h.screen();
            }
            let keys = &h.app.keys;
            for b in keys
                .bindings(Screen::Account)
                .iter()
                .chain(keys.bindings(Screen::Global))
            {
                // A key another action takes on this tab is not listed here.
                let labels: Vec<String> = h.app.keys_here(b).iter().map(|k| k.label()).collect();
                if labels.is_empty() {
                    continue;
                }
                let line = format!("{}  {}", labels.join(" "), b.help);
                match h.app.offer(b.action) {
                    Some(o) => {
                        let shown = if o.dangerous {
                            format!("{line} !")
                        } else {
                            line.clone()
                        };
                        if !above.contains(&shown) {
                            cut.push(format!("{} {}: {shown}", dims(size), tab.title()));
                        }
                    }
                    None if above.contains(&line) => {
                        extra.push(format!("{} {}: {line}", dims(size), tab.title()))
                    }
                    None => {}
                }
            }
            assert!(screen.contains("key closes this"), "{screen}");
            h.key(ch('?')).await;
        }
    }
    assert!(cut.is_empty(), "{cut:#?}");
    assert!(extra.is_empty(), "{extra:#?}");
    // What the tabs offer differs: renewing only on Agreements.
    h.tab(Tab::Agreements).await;
    assert!(h.app.offer(Action::Renew).is_some_and(|o| o.dangerous));
    h.tab(Tab::Tasks).await;
    assert!(h.app.offer(Action::Renew).is_none());
    assert!(h.app.offer(Action::MoveLeft).is_some());
    // Pressed where it does nothing, a key says so and writes nothing.
    h.key(ch('R')).await;
    assert!(h.app.overlays.confirm().is_none() && h.app.saving.is_none());
    assert!(
        h.app
            .status
            .as_deref()
            .is_some_and(|s| s.contains("renew agreement does nothing on the Tasks tab")),
        "{:?}",
        h.app.status
    );
}

#[tokio::test]
async fn the_palette_puts_the_best_match_first() {
    let mut h = Harness::new(NARROW).await;
    // Sorted by name, weaker matches of "orion" (Alder Construction, Horizon
    // Logistics...) come before Orion Freight.
    while h.app.portfolio.sort != PortfolioSort::Name {
        h.key(ch('s')).await;
    }
    h.key(ch(':')).await;
    h.type_text("orion").await;
    h.key(press(KeyCode::Enter)).await;
    let opened = h.app.account.as_ref().and_then(|a| a.data.value());
    assert_eq!(
        opened.map(|d| d.account.name.as_str()),
        Some("Orion Freight")
    );
}

#[tokio::test]
async fn the_account_retry_hint_follows_the_keymap() {
    let keys = Keymap::with_overrides(&overrides(&[("global", "refresh", &["f6"])]))
        .expect("a valid remap");
    let mut h = Harness::with(keys, dark(), NARROW).await;
    h.open(LARKSPUR).await;
    h.send(Msg::Account(
        LARKSPUR,
        Err(tend::backend::Error::storage("database is locked")),
        now(),
    ))
    .await;
    let screen = h.screen();
    assert!(
        screen.contains("could not load the account: storage error: database is locked"),
        "{screen}"
    );
    assert!(screen.contains("F6 to retry"), "{screen}");
}

#[tokio::test]
async fn usage_selection_moves_over_the_listed_users() {
    let mut h = Harness::new(NARROW).await;
    let bg = h.theme.selected.bg.expect("a selection background");
    // An account listing at least two active users out of more contacts.
    let mut found = None;
    for id in [2, 3, 4] {
        let commands = h.app.jump_to(id);
        h.run(commands).await;
        let d = h
            .app
            .account
            .as_ref()
            .and_then(|a| a.data.value())
            .expect("a 360");
        let active = active_users(d);
        if active >= 2 && d.contacts.len() > active + 1 {
            found = Some(id);
            break;
        }
    }
    let id = found.expect("a demo account with idle contacts");
    h.tab(Tab::Usage).await;
    h.key(ch('G')).await;
    // The users' list is the left half, under the indicators and the chart.
    let last = highlighted_rows(&h.draw(), 1..30, bg);
    h.key(ch('k')).await;
    let after = highlighted_rows(&h.draw(), 1..30, bg);
    assert_eq!(last.len(), 1, "account {id}");
    assert_eq!(after, vec![last[0] - 1], "account {id}: k did not move up");
}

// Never panics ---------------------------------------------------------------

#[tokio::test]
async fn every_tab_draws_at_any_size() {
    let sizes = [(1, 1), (20, 5), (40, 12), (80, 24), (300, 80)];
    let mut h = Harness::new(NARROW).await;
    for id in [1, 2, 3, 4] {
        let commands = h.app.jump_to(id);
        h.run(commands).await;
        for tab in Tab::ALL {
            h.tab(tab).await;
            // The list as it is, then its reader open (Enter) and the selection
            // moved to the end.
            for reading in [false, true] {
                if reading {
                    h.key(press(KeyCode::Enter)).await;
                    h.key(ch('G')).await;
                }
                for size in sizes {
                    h.send(Msg::Resize(size.0, size.1)).await;
                    let _ = h.draw();
                    h.app.ascii = true;
                    let _ = h.draw();
                    h.app.ascii = false;
                }
            }
            // Esc closes the reader (on the tabs that have one; elsewhere it
            // would go back to the portfolio).
            if h.app.account.as_ref().is_some_and(|a| a.reading) {
                h.key(press(KeyCode::Esc)).await;
            }
        }
        for size in sizes {
            h.send(Msg::Resize(size.0, size.1)).await;
            h.app.overlays.open(Overlay::Help { scroll: 0 });
            let _ = h.draw();
            h.app.overlays.close_help();
            h.key(ch(':')).await;
            h.type_text("o").await;
            let _ = h.draw();
            h.key(press(KeyCode::Esc)).await;
        }
    }
}

// Writes ----------------------------------------------------------------------

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn footer_text(h: &Harness) -> String {
    footer(&h.draw())
}

fn the_360(h: &Harness) -> &tend::backend::Account360 {
    h.app
        .account
        .as_ref()
        .and_then(|a| a.data.value())
        .expect("an open account")
}

async fn history_of(h: &Harness, id: Id) -> Vec<tend::domain::ChangeLogEntry> {
    h.store
        .change_log(
            id,
            PageRequest {
                offset: 0,
                limit: 500,
            },
        )
        .await
        .expect("history")
        .items
}

#[tokio::test]
async fn logging_a_call_scores_it_and_moves_the_health() {
    use tend::domain::{InteractionKind, SentimentLabel, SentimentSource};
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    let before = h
        .store
        .health(LARKSPUR)
        .await
        .expect("health")
        .explanation
        .score;
    h.key(ch('n')).await;
    assert!(h.app.overlays.form().is_some(), "n opens the form");
    // kind: c picks "call"; then subject, past contacts and tags, the text.
    h.key(ch('c')).await;
    h.key(press(KeyCode::Tab)).await;
    h.key(press(KeyCode::Tab)).await;
    h.type_text("Escalation call").await;
    h.key(press(KeyCode::Tab)).await;
    h.key(ch(' ')).await; // the first contact
    h.key(press(KeyCode::Tab)).await;
    h.key(press(KeyCode::Tab)).await;
    h.type_text(
        "They are furious: the outage broke billing again and they threaten to cancel. Terrible.",
    )
    .await;
    insta::assert_snapshot!("form_log_a_call_80x24", h.screen());
    // A call feeds the sentiment measure once a person rates it (automatic
    // sentiment on calls and meetings does not): n, n picks "negative (manual)".
    h.key(press(KeyCode::Tab)).await;
    h.key(ch('n')).await;
    h.key(ch('n')).await;
    assert!(h.screen().contains("negative (manual)"), "{}", h.screen());
    h.key(ctrl('s')).await;
    assert!(h.app.overlays.form().is_none(), "saved forms close");
    let logged = the_360(&h)
        .interactions
        .iter()
        .find(|i| i.subject == "Escalation call")
        .expect("the call is listed")
        .clone();
    assert_eq!(logged.kind, InteractionKind::Call);
    assert_eq!(logged.contact_ids.len(), 1);
    let s = logged.sentiment.expect("scored");
    assert_eq!(
        (s.label, s.source),
        (SentimentLabel::Negative, SentimentSource::Manual)
    );
    let after = h
        .store
        .health(LARKSPUR)
        .await
        .expect("health")
        .explanation
        .score;
    assert_ne!(before, after, "the call moves the score");
    // The portfolio's row follows, in place, without a reload.
    let row = h.rows().iter().find(|r| r.id == LARKSPUR).expect("row");
    assert_eq!(row.health_score, after);
    let foot = footer_text(&h);
    assert!(
        foot.contains("logged the call: sentiment negative"),
        "{foot}"
    );
    assert!(foot.contains("health "), "{foot}");
    assert!(
        foot.contains(&format!("{:.1}", after.expect("a score"))),
        "{foot}"
    );
    // The change is in the account's history, under the user's name.
    let log = history_of(&h, LARKSPUR).await;
    assert!(
        log.iter().any(|e| e.actor == "maya"
            && e.entity == tend::domain::EntityKind::Interaction
            && e.record_id == logged.id),
        "{log:?}"
    );
}

#[tokio::test]
async fn forms_refuse_bad_values_naming_the_field() {
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Agreements).await;
    let count = the_360(&h).agreements.len();
    h.key(ch('n')).await;
    // name, then MRR: not an amount.
    h.type_text("Add-on").await;
    h.key(press(KeyCode::Tab)).await;
    h.key(press(KeyCode::Backspace)).await;
    h.type_text("ten").await;
    h.key(press(KeyCode::Tab)).await;
    h.key(press(KeyCode::Tab)).await;
    // end: before the start.
    for _ in 0..10 {
        h.key(press(KeyCode::Backspace)).await;
    }
    h.type_text("2020-01-01").await;
    let screen = h.screen();
    assert!(screen.contains("'ten' is not an amount"), "{screen}");
    insta::assert_snapshot!("form_agreement_errors_80x24", screen);
    // Saving is refused while a field is wrong; nothing is written.
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.form().is_some());
    assert_eq!(
        h.store
            .account(LARKSPUR)
            .await
            .expect("360")
            .agreements
            .len(),
        count
    );
    // The refused save put the cursor on the first wrong field: fixed, the end
    // before the start is named.
    let focus = h
        .app
        .overlays
        .form()
        .map(|f| f.fields[f.focus].path.clone());
    assert_eq!(focus.as_deref(), Some("mrr_cents"));
    for _ in 0..3 {
        h.key(press(KeyCode::Backspace)).await;
    }
    h.type_text("1,250").await;
    h.key(press(KeyCode::Enter)).await;
    let form = h.app.overlays.form().expect("still open");
    let end = form.fields.iter().find(|f| f.path == "end").expect("end");
    let mrr = form
        .fields
        .iter()
        .find(|f| f.path == "mrr_cents")
        .expect("mrr");
    assert_eq!(mrr.raw_text(), "1,250", "{}", h.screen());
    assert!(
        end.error
            .as_deref()
            .is_some_and(|e| e.contains("is before the start")),
        "{:?}",
        end.error
    );
    // Esc on a changed form asks; any key but y keeps editing; y discards.
    h.key(press(KeyCode::Esc)).await;
    assert!(h.screen().contains("Discard your changes?"));
    h.key(ch('n')).await;
    assert!(h.app.overlays.form().is_some());
    h.key(press(KeyCode::Esc)).await;
    h.key(ch('y')).await;
    assert!(h.app.overlays.form().is_none());
    assert_eq!(
        h.store
            .account(LARKSPUR)
            .await
            .expect("360")
            .agreements
            .len(),
        count
    );
}

#[tokio::test]
async fn a_projected_churn_date_in_the_past_is_flagged_not_refused() {
    let mut h = Harness::writable(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Settings).await;
    // The first row is the account's fields: e edits them.
    h.key(ch('e')).await;
    let form = h.app.overlays.form_mut().expect("the settings form");
    assert!(form.title.starts_with("Settings of"), "{}", form.title);
    let at = form
        .fields
        .iter()
        .position(|f| f.path == "churn.projected_date")
        .expect("projected date");
    form.focus = at;
    h.type_text("2020-06-30").await;
    let screen = h.screen();
    assert!(screen.contains("! in the past"), "{screen}");
    insta::assert_snapshot!("form_settings_160x48", screen);
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.form().is_none(), "{}", h.screen());
    let account = the_360(&h).account.clone();
    assert_eq!(
        account.churn.projected_date,
        chrono::NaiveDate::from_ymd_opt(2020, 6, 30)
    );
}

#[tokio::test]
async fn tasks_move_across_the_kanban_and_within_a_column() {
    use tend::domain::TaskStatus;
    let mut h = Harness::writable(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Tasks).await;
    h.key(ch('l')).await; // the "doing" column
    let doing: Vec<Id> = tasks_in(&h, TaskStatus::Doing);
    assert!(doing.len() >= 2, "Larkspur has tasks in progress");
    // J moves the first card below the second, K back up.
    h.key(ch('g')).await;
    h.key(ch('J')).await;
    let after = tasks_in(&h, TaskStatus::Doing);
    assert_eq!((after[0], after[1]), (doing[1], doing[0]));
    h.key(ch('K')).await;
    assert_eq!(tasks_in(&h, TaskStatus::Doing), doing);
    let card = doing[0];
    // L: to "done", the selection follows the card.
    h.key(ch('L')).await;
    assert!(tasks_in(&h, TaskStatus::Done).contains(&card));
    assert_eq!(h.app.account.as_ref().map(|a| a.column), Some(2));
    // H twice: back to "doing", then "todo".
    h.key(ch('H')).await;
    h.key(ch('H')).await;
    assert_eq!(tasks_in(&h, TaskStatus::Todo), vec![card]);
    h.key(ch('l')).await;
    h.key(ch('g')).await;
    // x marks the selected card done.
    h.key(ch('x')).await;
    assert!(tasks_in(&h, TaskStatus::Done).contains(&doing[1]));
    let log = history_of(&h, LARKSPUR).await;
    assert!(
        log.iter()
            .any(|e| e.record_id == card && e.field.as_deref() == Some("status")),
        "the moves are in the history"
    );
}

/// The tasks of a column in board order.
fn tasks_in(h: &Harness, status: tend::domain::TaskStatus) -> Vec<Id> {
    let mut tasks: Vec<_> = the_360(h)
        .tasks
        .iter()
        .filter(|t| t.status == status)
        .collect();
    tasks.sort_by_key(|t| (t.position, t.id));
    tasks.iter().map(|t| t.id).collect()
}

#[tokio::test]
async fn renewing_a_contract_asks_then_makes_the_renewal() {
    use tend::domain::{AgreementKind, AgreementStatus};
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Agreements).await;
    let current = the_360(&h)
        .agreements
        .iter()
        .position(|a| a.status == AgreementStatus::Active)
        .expect("an active contract");
    for _ in 0..current {
        h.key(ch('j')).await;
    }
    let old = the_360(&h).agreements[current].clone();
    h.key(ch('R')).await;
    let screen = h.screen();
    assert!(screen.contains("Renew \""), "{screen}");
    insta::assert_snapshot!("confirm_renewal_80x24", screen);
    h.key(ch('y')).await;
    let d = the_360(&h);
    let renewal = d
        .agreements
        .iter()
        .find(|a| a.renews_id == Some(old.id))
        .expect("the renewal");
    assert_eq!(renewal.kind, AgreementKind::Renewal);
    assert_eq!(renewal.mrr_cents, old.mrr_cents);
    let old_now = d.agreements.iter().find(|a| a.id == old.id).expect("old");
    assert!(!old_now.auto_renew);
    assert_eq!(old_now.version, old.version + 1);
    assert!(footer_text(&h).contains("renewed"));
    // A second renewal of the same contract is refused (it would count twice).
    let count = the_360(&h).agreements.len();
    let at = the_360(&h)
        .agreements
        .iter()
        .position(|a| a.id == old.id)
        .expect("the renewed contract");
    h.key(ch('g')).await;
    for _ in 0..at {
        h.key(ch('j')).await;
    }
    h.key(ch('R')).await;
    assert!(h.app.overlays.confirm().is_none());
    assert!(
        footer_text(&h).contains("already renewed"),
        "{}",
        footer_text(&h)
    );
    assert_eq!(the_360(&h).agreements.len(), count);
}

#[tokio::test]
async fn retrying_the_failed_step_unsticks_the_run() {
    use tend::domain::{RunColour, StepState};
    let mut h = Harness::writable(WIDE).await;
    h.open(ORION).await;
    h.tab(Tab::Playbooks).await;
    let stuck = the_360(&h)
        .playbook_runs
        .iter()
        .position(|r| r.colour() == RunColour::Red)
        .expect("a stuck run");
    for _ in 0..stuck {
        h.key(ch('j')).await;
    }
    let id = the_360(&h).playbook_runs[stuck].id;
    h.key(ch('t')).await;
    let run = the_360(&h)
        .playbook_runs
        .iter()
        .find(|r| r.id == id)
        .expect("the run")
        .clone();
    assert_eq!(run.colour(), RunColour::Blue);
    assert!(!run.steps.iter().any(|s| s.state == StepState::Failed));
    // a completes the step it waits on; S skips the next, once confirmed; a
    // completes the last (the run was started by hand: no step runs by itself).
    h.key(ch('a')).await;
    h.key(ch('S')).await;
    assert!(
        h.app.overlays.confirm().is_some(),
        "skipping a step asks first"
    );
    h.key(ch('y')).await;
    h.key(ch('a')).await;
    let run = the_360(&h)
        .playbook_runs
        .iter()
        .find(|r| r.id == id)
        .expect("the run")
        .clone();
    assert_eq!(run.colour(), RunColour::Green, "{:?}", run.steps);
    // Running a new playbook: n, pick, Enter.
    let runs = the_360(&h).playbook_runs.len();
    h.key(ch('n')).await;
    assert!(h.app.overlays.form().is_some(), "{}", h.screen());
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(the_360(&h).playbook_runs.len(), runs + 1);
    // Each change is in the history.
    h.tab(Tab::Settings).await;
    let screen = h.screen();
    assert!(screen.contains("update run"), "{screen}");
    assert!(screen.contains("create run"), "{screen}");
}

#[tokio::test]
async fn a_write_from_a_stale_screen_is_refused_and_explained() {
    use tend::domain::Record;
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Tasks).await;
    h.key(ch('l')).await;
    let task = tasks_in(&h, tend::domain::TaskStatus::Doing)[0];
    // Someone else renames the task after this screen loaded.
    let Record::Task(mut t) = h
        .store
        .get(tend::domain::EntityKind::Task, task)
        .await
        .expect("task")
    else {
        panic!("a task")
    };
    t.title = "Renamed elsewhere".into();
    h.store
        .update("leo", Record::Task(t))
        .await
        .expect("update");
    // x here is based on the old version: refused, explained, nothing written.
    h.key(ch('x')).await;
    let screen = h.screen();
    assert!(screen.contains("changed by someone else"), "{screen}");
    insta::assert_snapshot!("conflict_notice_80x24", screen);
    let stored = h
        .store
        .get(tend::domain::EntityKind::Task, task)
        .await
        .expect("task");
    assert_eq!(stored.version(), 2, "nothing written");
    // r reloads; the same key then works.
    h.key(ch('r')).await;
    assert!(h.app.overlays.notice().is_none());
    assert!(h.screen().contains("Renamed elsewhere"));
    h.key(ch('g')).await;
    h.key(ch('x')).await;
    let stored = h
        .store
        .get(tend::domain::EntityKind::Task, task)
        .await
        .expect("task");
    assert_eq!(stored.version(), 3);
}

#[tokio::test]
async fn a_conflicting_form_reloads_and_keeps_the_users_change() {
    use tend::domain::Record;
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Contacts).await;
    let contact = the_360(&h).contacts[0].clone();
    h.key(ch('e')).await;
    // The user changes the job title...
    h.key(press(KeyCode::Tab)).await;
    h.key(press(KeyCode::Tab)).await;
    h.type_text(" (acting)").await;
    // ...while someone else changes the email.
    let mut other = contact.clone();
    other.email = Some("new@larkspur-logistics.com".into());
    h.store
        .update("leo", Record::Contact(other))
        .await
        .expect("update");
    h.key(press(KeyCode::Enter)).await;
    let screen = h.screen();
    assert!(screen.contains("r reloads it"), "{screen}");
    h.key(ch('r')).await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.form().is_none(), "{}", h.screen());
    let Record::Contact(saved) = h
        .store
        .get(tend::domain::EntityKind::Contact, contact.id)
        .await
        .expect("contact")
    else {
        panic!("a contact")
    };
    assert_eq!(saved.email.as_deref(), Some("new@larkspur-logistics.com"));
    assert!(saved.title.unwrap_or_default().ends_with(" (acting)"));
    assert_eq!(saved.version, contact.version + 2);
}

#[tokio::test]
async fn deleting_an_account_needs_its_name_typed() {
    let mut h = Harness::writable(WIDE).await;
    h.open(LARKSPUR).await;
    h.key(ch('D')).await;
    let screen = h.screen();
    assert!(screen.contains("marked churned"), "{screen}");
    h.type_text("Larkspur").await;
    h.key(press(KeyCode::Enter)).await;
    assert!(
        h.store.account(LARKSPUR).await.is_ok(),
        "a wrong name deletes nothing"
    );
    h.type_text(" Logistics").await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.store.account(LARKSPUR).await.is_err(), "deleted");
    assert_eq!(h.app.focus, Focus::Portfolio);
    assert!(!h.rows().iter().any(|r| r.id == LARKSPUR));
}

#[tokio::test]
async fn read_only_offers_no_write_and_says_so() {
    let mut h = Harness::writable(WIDE).await;
    h.app.read_only = true;
    h.open(LARKSPUR).await;
    h.tab(Tab::Tasks).await;
    assert!(footer_text(&h).contains("READ-ONLY"));
    assert!(!footer_text(&h).contains("edit"));
    for key in ['n', 'e', 'L', 'x', 'D'] {
        h.key(ch(key)).await;
        assert!(h.app.overlays.form().is_none() && h.app.overlays.confirm().is_none());
        assert!(footer_text(&h).contains("read-only"), "{key}");
    }
    h.key(ch('?')).await;
    let help = h.screen();
    assert!(!help.contains("renew agreement"), "{help}");
    assert_eq!(history_of(&h, LARKSPUR).await.len(), 0);
}

#[tokio::test]
async fn an_account_deleted_elsewhere_closes_and_says_so() {
    // The backend's typed error reaches the app: not found is told apart from a
    // failure worth retrying.
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    let version = the_360(&h).account.version;
    h.store
        .delete("someone-else", EntityKind::Account, LARKSPUR, version)
        .await
        .expect("deleted by another user");
    h.key(ctrl('r')).await;
    // Back on the portfolio (which shows the row now selected, not the gone one).
    assert!(
        h.app.account.as_ref().is_none_or(|a| a.id != LARKSPUR),
        "{}",
        h.screen()
    );
    assert_eq!(h.app.focus, Focus::Portfolio);
    let status = h.app.status.clone().unwrap_or_default();
    assert!(
        status.contains("Larkspur Logistics no longer exists"),
        "{status}"
    );
    assert!(!h.rows().iter().any(|r| r.id == LARKSPUR));
}

#[tokio::test]
async fn quitting_clearing_and_offering_as_the_keys_promise() {
    let mut h = Harness::writable(NARROW).await;
    // On the built-in portfolio there is no saved view to rename or delete.
    assert!(h.app.offer(Action::RenameView).is_none());
    assert!(h.app.offer(Action::DeleteView).is_none());
    h.key(ch('?')).await;
    assert!(!h.screen().contains("delete this view"), "{}", h.screen());
    h.key(ch('?')).await;
    // Ctrl-U clears a form's field to the start, as in every one-line prompt.
    h.open(LARKSPUR).await;
    h.tab(Tab::Contacts).await;
    h.key(ch('n')).await;
    h.type_text("not-a-name").await;
    h.key(ctrl('u')).await;
    h.type_text("Zoe").await;
    let form = h.app.overlays.form().expect("the contact form");
    assert_eq!(form.fields[form.focus].raw_text(), "Zoe");
    // Ctrl-C on a changed form asks; Ctrl-C again quits.
    h.key(ctrl('c')).await;
    assert!(!h.app.quit, "asks before losing the form");
    h.key(ctrl('c')).await;
    assert!(h.app.quit);
    // Ctrl-C in a question quits, writing nothing.
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.key(ch('D')).await;
    let confirm = h.app.overlays.confirm().expect("the delete question");
    let counts = confirm.lines.join(" ");
    assert!(
        counts.contains("opportunities") && counts.contains("playbook run"),
        "everything deleted with the account is counted: {counts}"
    );
    h.key(ctrl('c')).await;
    assert!(h.app.quit);
    assert!(h.store.account(LARKSPUR).await.is_ok(), "nothing deleted");
}

#[tokio::test]
async fn flipping_a_payment_is_dangerous_and_asks_first() {
    let mut h = Harness::writable(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Agreements).await;
    let before = the_360(&h).agreements[0].clone();
    // x on Agreements flips the payment: marked dangerous, so it asks; n keeps it.
    h.key(ch('x')).await;
    let confirm = h
        .app
        .overlays
        .confirm()
        .expect("a question before the write");
    assert!(
        confirm.lines[0].contains("Mark the payment of"),
        "{:?}",
        confirm.lines
    );
    h.key(ch('n')).await;
    assert!(h.app.overlays.confirm().is_none());
    assert_eq!(history_of(&h, LARKSPUR).await.len(), 0, "n writes nothing");
    // y writes it.
    h.key(ch('x')).await;
    h.key(ch('y')).await;
    let after = the_360(&h)
        .agreements
        .iter()
        .find(|a| a.id == before.id)
        .expect("the agreement")
        .clone();
    assert_eq!(after.payment_up_to_date, !before.payment_up_to_date);
    // The same key on Interactions (exclude from the score) is not dangerous.
    h.tab(Tab::Interactions).await;
    assert!(h.app.offer(Action::Toggle).is_some_and(|o| !o.dangerous));
}

#[tokio::test]
async fn the_filter_bar_runs_the_filter_language_in_the_store_and_keeps_it_in_sight() {
    let mut h = Harness::new(NARROW).await;
    h.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))
        .await;
    assert!(h.screen().contains("where: "), "{}", h.screen());
    // Checked as it is typed: the error says where, Enter does nothing yet.
    for c in "health<4o".chars() {
        h.key(ch(c)).await;
    }
    let footer = h.screen().lines().last().unwrap_or_default().to_string();
    assert!(
        footer.contains("✗ expected a number for health"),
        "{footer}"
    );
    assert!(
        h.key(press(KeyCode::Enter)).await.is_empty(),
        "a bad filter is not run"
    );
    // Fixed, it runs in the store on Enter.
    h.key(press(KeyCode::Backspace)).await;
    h.key(ch('0')).await;
    for c in " -stage:churned".chars() {
        h.key(ch(c)).await;
    }
    let commands = h.key(press(KeyCode::Enter)).await;
    assert!(
        matches!(&commands[..], [Command::LoadPortfolio { expr: Some(e), .. }] if e == "health<40 -stage:churned"),
        "{commands:?}"
    );
    let rows = h.rows();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r.health_score.is_some_and(|s| s < 40.0)
                && r.stage != tend::domain::Stage::Churned),
        "{rows:?}"
    );
    // The filter stays in sight, and a reload keeps it.
    assert!(
        h.screen().contains("where health<40 -stage:churned"),
        "{}",
        h.screen()
    );
    let reload = h.app.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('r'),
        KeyModifiers::CONTROL,
    )));
    assert!(
        reload
            .iter()
            .any(|c| matches!(c, Command::LoadPortfolio { expr: Some(_), .. })),
        "{reload:?}"
    );
    // Esc while typing leaves it as it was; an empty one clears it.
    h.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))
        .await;
    h.key(ch('x')).await;
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(
        h.app.portfolio.expr.as_deref(),
        Some("health<40 -stage:churned")
    );
    h.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))
        .await;
    for _ in 0.."health<40 -stage:churned".len() {
        h.key(press(KeyCode::Backspace)).await;
    }
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(h.app.portfolio.expr, None);
    // Every customer not churned again.
    assert_eq!(
        Some(h.rows().len() as u64),
        h.app.portfolio.counts.map(|c| c.accounts)
    );
    assert!(
        h.rows()
            .iter()
            .all(|r| r.stage != tend::domain::Stage::Churned)
    );
}

/// The views bar's entries as drawn (second line).
fn views_bar(h: &Harness) -> String {
    h.screen().lines().nth(1).unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_cases_page_filters_groups_and_opens_the_account_on_its_case() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch(']')).await;
    assert_eq!(h.app.screen(), Screen::Cases);
    let all = h.app.cases.list.value().expect("cases loaded").total;
    assert!(all > 100, "{all} cases in the demo");
    // A filter in the language, checked as typed: a typo is pointed at and Enter
    // does nothing until it is fixed.
    h.key(ch('F')).await;
    h.type_text("priority:urgent region:EMEA health<7o").await;
    let footer_line = footer(&h.draw());
    assert!(footer_line.contains("✗"), "{footer_line}");
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.cases.bar.is_some(), "a bad filter is not applied");
    h.key(press(KeyCode::Backspace)).await;
    h.key(press(KeyCode::Backspace)).await;
    h.type_text("70").await;
    h.key(press(KeyCode::Enter)).await;
    let list = h.app.cases.list.value().expect("filtered cases").clone();
    assert!(!list.rows.is_empty() && list.total < all, "{}", list.total);
    for r in &list.rows {
        assert_eq!(r.case.priority, tend::domain::Priority::Urgent);
        assert_eq!(r.case.region, "EMEA");
        assert!(r.account_health_score.is_some_and(|s| s < 70.0), "{r:?}");
    }
    // Grouped by team (b: signal, b again: team), with counts that add up.
    h.key(ch('b')).await;
    h.key(ch('b')).await;
    assert_eq!(h.app.cases.group_by, Some(tend::backend::GroupBy::Team));
    let groups = &h.app.cases.groups;
    assert_eq!(
        groups.iter().map(|g| g.cases).sum::<u64>(),
        list.rows.len() as u64
    );
    let screen = h.screen();
    let first = &groups[0];
    assert!(
        screen.contains(&format!("▾ {} — {} case", first.group, first.cases)),
        "{screen}"
    );
    assert!(groups.windows(2).all(|w| w[0].cases >= w[1].cases));
    insta::assert_snapshot!("cases_grouped_by_team_80x24", screen);
    // Enter opens the selected case's account on Support, the case selected; Esc
    // comes back to the list as it was.
    let case = h.app.cases.selected_case().expect("a case").case.clone();
    h.key(press(KeyCode::Enter)).await;
    let a = h.app.account.as_ref().expect("the case's account");
    assert_eq!((a.id, a.tab), (case.account_id, Tab::Support));
    let d = a.data.value().expect("loaded");
    assert_eq!(d.cases[a.selected()].id, case.id);
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.app.screen(), Screen::Cases);
    assert_eq!(
        h.app.cases.selected_case().map(|r| r.case.id),
        Some(case.id)
    );
}

#[tokio::test]
async fn the_cases_page_at_160_columns_shows_case_and_region() {
    let mut h = Harness::new(WIDE).await;
    h.key(ch(']')).await;
    h.key(ch('F')).await;
    h.type_text("escalated:yes").await;
    h.key(press(KeyCode::Enter)).await;
    h.key(ch('b')).await;
    let screen = h.screen();
    assert!(
        screen.contains("CASE") && screen.contains("REGION"),
        "{screen}"
    );
    insta::assert_snapshot!("cases_escalated_by_signal_160x48", screen);
}

#[tokio::test]
async fn an_older_answer_never_replaces_a_newer_list() {
    let mut h = Harness::new(NARROW).await;
    h.key(ch(']')).await;
    let before = h.app.cases.list.value().expect("cases").clone();
    // Sorting twice quickly: the first sort's answer arrives last, and is dropped.
    h.app.update(Msg::Key(ch('s')));
    h.app.update(Msg::Key(ch('s')));
    let stale = tend::tui::state::Asked {
        expr: None,
        sort: tend::backend::CaseSort::Opened,
        descending: false,
        churned: true,
    };
    h.app.update(Msg::Cases(Ok(before.clone()), now(), stale));
    assert_eq!(h.app.cases.list, Loadable::Loading);
    let fresh = tend::tui::state::Asked {
        expr: None,
        sort: h.app.cases.sort,
        descending: false,
        churned: true,
    };
    h.app.update(Msg::Cases(Ok(before), now(), fresh));
    assert!(h.app.cases.list.value().is_some());
}

#[tokio::test]
async fn the_alerts_inbox_marks_done_snoozes_and_counts() {
    let mut h = Harness::writable(NARROW).await;
    let open = h.app.alerts.open.expect("open alerts counted at start");
    assert!(open > 0);
    assert!(
        views_bar(&h).contains(&format!("Alerts {open}")),
        "{}",
        views_bar(&h)
    );
    h.key(ch(']')).await;
    h.key(ch(']')).await;
    assert_eq!(h.app.screen(), Screen::Alerts);
    insta::assert_snapshot!("alerts_open_80x24", h.screen());
    let first = h.app.alerts.selected_alert().expect("an alert").clone();
    h.key(ch('x')).await;
    assert_eq!(h.app.alerts.open, Some(open - 1));
    assert!(
        h.app
            .alerts
            .list
            .value()
            .expect("reloaded")
            .iter()
            .all(|a| a.id != first.id)
    );
    let second = h.app.alerts.selected_alert().expect("another").clone();
    h.key(ch('Z')).await;
    assert_eq!(h.app.alerts.open, Some(open - 2));
    // f: snoozed, then done; each lists the one moved there.
    h.key(ch('f')).await;
    let snoozed = h.app.alerts.list.value().expect("snoozed").clone();
    assert_eq!(
        snoozed.iter().map(|a| a.id).collect::<Vec<_>>(),
        [second.id]
    );
    assert_eq!(snoozed[0].snoozed_until, Some(now() + TimeDelta::days(7)));
    h.key(ch('f')).await;
    let done = h.app.alerts.list.value().expect("done");
    assert!(done.iter().any(|a| a.id == first.id));
    // Enter opens the account on the tab the rule is about.
    h.key(ch('f')).await;
    h.key(ch('f')).await;
    let alert = h
        .app
        .alerts
        .selected_alert()
        .expect("an open alert")
        .clone();
    h.key(press(KeyCode::Enter)).await;
    let a = h.app.account.as_ref().expect("its account");
    assert_eq!(a.id, alert.account_id);
    let tab = match alert.rule.as_str() {
        "usage_drop" => Tab::Usage,
        "renewal_at_risk" => Tab::Agreements,
        "escalation" => Tab::Support,
        _ => Tab::Health,
    };
    assert_eq!(a.tab, tab, "{}", alert.rule);
}

#[tokio::test]
async fn views_are_saved_renamed_and_deleted_in_the_config_file() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "# kept\n[ui]\ntheme = \"light\"\n").expect("a config");
    let mut h = Harness::new(NARROW).await;
    h.app.views.file = Some(file.clone());
    let read = |file: &std::path::Path| {
        tend::config::Settings::load_with_env(Some(file), Vec::new()).expect("loads")
    };
    // The portfolio filtered, saved as a view.
    h.key(ch('F')).await;
    h.type_text("health<50").await;
    h.key(press(KeyCode::Enter)).await;
    h.key(ch('w')).await;
    h.type_text("at risk").await;
    h.key(press(KeyCode::Enter)).await;
    let s = read(&file);
    assert_eq!(s.ui.theme, "light");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("# kept")
    );
    assert_eq!(s.views.len(), 1);
    assert_eq!(s.views[0].name, "at risk");
    assert_eq!(s.views[0].filter, "health<50");
    let count = h.rows().len();
    assert!(
        views_bar(&h).contains(&format!("at risk {count} just now")),
        "{}",
        views_bar(&h)
    );
    // Cases grouped, saved as a second view (the bar: portfolio, cases, alerts,
    // dashboard, my work, the view on screen).
    for _ in 0..4 {
        h.key(ch('[')).await;
    }
    assert_eq!(h.app.screen(), Screen::Cases);
    h.key(ch('F')).await;
    h.type_text("escalated:yes").await;
    h.key(press(KeyCode::Enter)).await;
    h.key(ch('b')).await;
    h.key(ch('w')).await;
    h.type_text("escalations").await;
    h.key(press(KeyCode::Enter)).await;
    let s = read(&file);
    assert_eq!(s.views.len(), 2);
    assert_eq!(s.views[1].group_by.as_deref(), Some("signal"));
    insta::assert_snapshot!("saved_view_escalations_80x24", h.screen());
    // Going to the first view puts its filter back on the portfolio.
    h.key(ch('[')).await;
    assert_eq!(h.app.views.active, Some(0));
    assert_eq!(h.app.portfolio.expr.as_deref(), Some("health<50"));
    // Renamed, then deleted after a yes.
    h.key(ch('W')).await;
    for _ in 0.."at risk".len() {
        h.key(press(KeyCode::Backspace)).await;
    }
    h.type_text("below 50").await;
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(read(&file).views[0].name, "below 50");
    // A name already taken is refused: the prompt stays in sight, with why.
    h.key(ch('W')).await;
    h.key(ctrl('u')).await;
    h.type_text("escalations").await;
    h.key(press(KeyCode::Enter)).await;
    let footer = footer_text(&h);
    assert!(
        footer.contains("rename the view: escalations") && footer.contains('✗'),
        "{footer}"
    );
    h.key(press(KeyCode::Esc)).await;
    assert!(h.app.overlays.prompt().is_none());
    assert_eq!(read(&file).views[0].name, "below 50");
    h.key(ch('X')).await;
    h.key(ch('n')).await;
    assert_eq!(read(&file).views.len(), 2, "n keeps it");
    h.key(ch('X')).await;
    h.key(ch('y')).await;
    let s = read(&file);
    assert_eq!(
        s.views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["escalations"]
    );
    assert!(!views_bar(&h).contains("below 50"));
}

/// A terminal that keeps count of the bytes written to it.
struct Counting(Arc<std::sync::atomic::AtomicUsize>);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .fetch_add(buf.len(), std::sync::atomic::Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bytes each `j` writes through the real crossterm backend at 80x24, after a
/// first full frame.
async fn bytes_per_move(h: &mut Harness, moves: usize) -> Vec<usize> {
    let written = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut term = Terminal::new(ratatui::backend::CrosstermBackend::new(Counting(
        written.clone(),
    )))
    .expect("terminal");
    term.resize(ratatui::layout::Rect::new(0, 0, NARROW.0, NARROW.1))
        .expect("size");
    let theme = h.theme.clone();
    term.draw(|f| draw::draw(f, &h.app, &theme)).expect("draw");
    let mut out = vec![];
    for _ in 0..moves {
        written.store(0, std::sync::atomic::Ordering::Relaxed);
        h.key(ch('j')).await;
        term.draw(|f| draw::draw(f, &h.app, &theme)).expect("draw");
        out.push(written.load(std::sync::atomic::Ordering::Relaxed));
    }
    out
}

#[tokio::test]
async fn moving_the_selection_writes_under_a_kilobyte() {
    // The cases page grouped by team, as a support manager uses it over SSH; the
    // alerts inbox; the portfolio.
    let mut h = Harness::new(NARROW).await;
    h.key(ch(']')).await;
    h.key(ch('b')).await;
    h.key(ch('b')).await;
    // Moves within the screen (scrolling by a row redraws every row of the list).
    let cases = bytes_per_move(&mut h, 12).await;
    h.key(ch(']')).await;
    let alerts = bytes_per_move(&mut h, 12).await;
    // Past the dashboard and My work.
    for _ in 0..3 {
        h.key(ch(']')).await;
    }
    assert_eq!(h.app.screen(), Screen::Portfolio);
    // Each portfolio move also opens the account under it (not drawn at 80
    // columns): the bytes are the list's.
    let portfolio = bytes_per_move(&mut h, 12).await;
    for (what, moves) in [
        ("cases", &cases),
        ("alerts", &alerts),
        ("portfolio", &portfolio),
    ] {
        let most = moves.iter().max().copied().unwrap_or_default();
        assert!(most > 0, "{what}: a move draws something");
        assert!(most < 1024, "{what}: {moves:?}");
        eprintln!("{what}: {moves:?}");
    }
}

#[tokio::test]
async fn each_dashboard_line_opens_the_accounts_it_counts() {
    let mut h = Harness::new(NARROW).await;
    // Back past My work, the last page.
    h.key(ch('[')).await;
    h.key(ch('[')).await;
    assert_eq!(h.app.screen(), Screen::Dashboard);
    let d = h.app.dashboard.list.value().expect("the dashboard").clone();
    let screen = h.screen();
    let customers = h.app.portfolio.counts.expect("counted").accounts;
    assert!(
        screen.contains(&format!("Accounts by health · {customers}")),
        "{screen}"
    );
    assert!(screen.contains("Most common drags"), "{screen}");
    insta::assert_snapshot!("dashboard_80x24", screen);
    // The health colour is on the counts of each status.
    let frame = h.draw();
    let at_risk = cells_of(&frame, "■ at risk");
    assert!(!at_risk.is_empty());
    for (x, y) in at_risk {
        assert_eq!(frame[(x, y)].fg, h.theme.at_risk.fg.unwrap_or(Color::Reset));
    }
    let items = tend::tui::screens::dashboard::state::dashboard_items(&d);
    let counts: Vec<u64> = d
        .health
        .iter()
        .chain(&d.renewals)
        .chain([&d.mrr_at_risk, &d.mrr_concerning])
        .map(|t| t.accounts)
        .chain([d.transitions.total])
        .chain(d.drags.iter().map(|t| t.accounts))
        .collect();
    assert_eq!(items.len(), counts.len());
    for (k, (item, count)) in items.iter().zip(&counts).enumerate() {
        // From the dashboard, down to line k, Enter; then back with Esc.
        h.key(ch('g')).await;
        for _ in 0..k {
            h.key(ch('j')).await;
        }
        assert_eq!(h.app.dashboard.selected, k);
        h.key(press(KeyCode::Enter)).await;
        match item {
            tend::tui::screens::dashboard::state::TileItem::Accounts(expr) => {
                assert_eq!(h.app.screen(), Screen::Portfolio);
                assert_eq!(h.app.portfolio.expr.as_deref(), Some(expr.as_str()));
                assert_eq!(h.rows().len() as u64, *count, "line {k}: {expr}");
            }
            tend::tui::screens::dashboard::state::TileItem::Transitions(week) => {
                assert_eq!(h.app.screen(), Screen::Alerts);
                assert_eq!(*week, d.transitions.week_start);
                // This week's transitions, and nothing else.
                let listed = h.app.alerts.list.value().expect("alerts");
                assert!(listed.iter().all(|a| a.rule == "health_transition"
                    && a.at.date_naive() >= d.transitions.week_start));
                assert_eq!(listed.len() as u64, *count);
                assert!(
                    h.screen().contains("health transitions since"),
                    "{}",
                    h.screen()
                );
            }
        }
        h.key(press(KeyCode::Esc)).await;
        assert_eq!(h.app.screen(), Screen::Dashboard, "Esc after line {k}");
    }
}

#[tokio::test]
async fn below_the_minimum_size_no_key_acts_but_quit() {
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Contacts).await;
    let contacts = |h: &Harness| {
        h.app
            .account
            .as_ref()
            .and_then(|a| a.data.value())
            .map(|d| d.contacts.len())
    };
    let before = contacts(&h);
    assert!(before.is_some_and(|n| n > 0));
    h.send(Msg::Resize(30, 8)).await;
    assert!(h.screen().contains("too small"), "{}", h.screen());
    // `d` then `y` would delete the selected contact on a screen of normal size.
    h.key(ch('d')).await;
    h.key(ch('y')).await;
    h.key(press(KeyCode::Enter)).await;
    h.key(ch('j')).await;
    assert!(h.app.overlays.confirm().is_none() && h.app.overlays.form().is_none());
    h.send(Msg::Resize(NARROW.0, NARROW.1)).await;
    assert!(h.app.overlays.confirm().is_none(), "{}", h.screen());
    assert_eq!(contacts(&h), before);
    assert_eq!(history_of(&h, LARKSPUR).await.len(), 0, "nothing written");
    assert!(!h.app.quit);
    h.send(Msg::Resize(30, 8)).await;
    h.key(ch('q')).await;
    assert!(h.app.quit, "quit still quits");
}

#[tokio::test]
async fn the_change_history_comes_back_after_a_write_with_no_key_pressed() {
    let mut h = Harness::writable(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Settings).await;
    let history = |h: &Harness| {
        h.app
            .account
            .as_ref()
            .and_then(|a| a.history.value().map(Vec::len))
    };
    assert_eq!(history(&h), Some(0), "loaded when the tab opened");
    h.key(ch('e')).await;
    let form = h.app.overlays.form_mut().expect("the settings form");
    form.focus = form
        .fields
        .iter()
        .position(|f| f.path == "churn.projected_date")
        .expect("projected date");
    h.type_text("2027-06-30").await;
    // Enter saves; the answers that follow (the write, the 360, the history) come
    // as messages with no key after them.
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.form().is_none(), "{}", h.screen());
    assert!(
        history(&h).is_some_and(|n| n > 0),
        "the history is loaded again: {:?}",
        h.app.account.as_ref().map(|a| &a.history)
    );
    assert!(h.screen().contains("churn"), "{}", h.screen());
}

#[tokio::test]
async fn a_paste_lands_whole_in_the_field_in_focus_and_never_saves_a_form() {
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    h.key(ch('n')).await;
    let subject = {
        let form = h.app.overlays.form_mut().expect("the interaction form");
        let at = form
            .fields
            .iter()
            .position(|f| f.path == "subject")
            .expect("subject");
        form.focus = at;
        at
    };
    // A line break in a one-line field is a space, not Enter (which would save).
    h.send(Msg::Paste("Renewal\r\nrisk".into())).await;
    let form = h.app.overlays.form().expect("still open");
    assert_eq!(form.fields[subject].text.lines().join("\n"), "Renewal risk");
    let body = form
        .fields
        .iter()
        .position(|f| f.path == "body")
        .expect("body");
    h.app.overlays.form_mut().expect("form").focus = body;
    let text: String = (0..5000)
        .map(|i| if i % 80 == 79 { '\n' } else { 'x' })
        .collect();
    h.send(Msg::Paste(text.clone())).await;
    let form = h.app.overlays.form().expect("still open");
    assert_eq!(form.fields[body].text.lines().join("\n"), text);
    // The palette, a one-line prompt, takes a paste on one line too.
    h.key(press(KeyCode::Esc)).await;
    h.key(ch('y')).await;
    assert!(h.app.overlays.form().is_none());
    h.key(ch(':')).await;
    h.send(Msg::Paste("orion\n".into())).await;
    assert_eq!(
        h.app.overlays.palette().map(|p| p.input.as_str()),
        Some("orion ")
    );
}

#[tokio::test]
async fn one_line_prompts_edit_as_a_shell_does() {
    let ctrl = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    let mut h = Harness::new(NARROW).await;
    h.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))
        .await;
    h.type_text("health<40 region:EMEA").await;
    h.key(ctrl('w')).await;
    let bar = |h: &Harness| h.app.portfolio.bar.as_ref().map(|b| b.input.clone());
    assert_eq!(bar(&h).as_deref(), Some("health<40 "));
    h.key(ctrl('h')).await;
    assert_eq!(bar(&h).as_deref(), Some("health<40"));
    h.key(ctrl('u')).await;
    assert_eq!(bar(&h).as_deref(), Some(""));
    h.key(press(KeyCode::Esc)).await;
    h.key(ch('/')).await;
    h.type_text("lark").await;
    h.key(ctrl('w')).await;
    assert_eq!(h.app.portfolio.filter, "");
    h.type_text("ori").await;
    h.key(ctrl('h')).await;
    assert_eq!(h.app.portfolio.filter, "or");
    h.key(press(KeyCode::Esc)).await;
    h.key(ch(':')).await;
    h.type_text("larkspur health").await;
    h.key(ctrl('w')).await;
    assert_eq!(
        h.app.overlays.palette().map(|p| p.input.as_str()),
        Some("larkspur ")
    );
    h.key(ctrl('u')).await;
    assert_eq!(h.app.overlays.palette().map(|p| p.input.as_str()), Some(""));
    assert!(!h.app.quit);
}

// The chart's curves, the Overview's scroll, the portfolio's width, the filter's
// ranking ------------------------------------------------------------------------

/// As wide as the portfolio was found wasting room.
const HUGE: (u16, u16) = (200, 50);

/// The header row of the portfolio's table.
fn portfolio_header(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains("HEALTH") && l.contains("ACCOUNT"))
        .unwrap_or_else(|| panic!("no portfolio table:\n{screen}"))
        .to_string()
}

#[tokio::test]
async fn the_portfolio_columns_follow_the_width_and_z_maximises_the_pane() {
    let mut h = Harness::new(HUGE).await;
    h.open(LARKSPUR).await;
    let screen = h.screen();
    let header = portfolio_header(&screen);
    for title in ["OWNER", "STAGE", "SEGMENT", "REGION"] {
        assert!(header.contains(title), "{title} missing: {header}");
    }
    assert!(screen.contains("maya.chen"), "{screen}");
    insta::assert_snapshot!("portfolio_beside_larkspur_200x50", screen);
    // z: the account pane alone, across the whole width.
    assert!(footer(&h.draw()).contains("z maximise"), "{screen}");
    h.key(ch('z')).await;
    assert!(h.app.maximised);
    let screen = h.screen();
    assert!(!screen.contains("┌ Portfolio "), "{screen}");
    assert!(
        screen
            .lines()
            .nth(2)
            .is_some_and(|l| l.starts_with("┌ Account ")),
        "{screen}"
    );
    // Back to the portfolio, maximised too: every column.
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.app.focus, Focus::Portfolio);
    let screen = h.screen();
    assert!(!screen.contains(" 1 Overview "), "{screen}");
    let header = portfolio_header(&screen);
    assert!(header.contains("CHURN"), "{header}");
    insta::assert_snapshot!("portfolio_maximised_200x50", screen);
    // z again: both panes.
    h.key(ch('z')).await;
    assert!(!h.app.maximised);
    let screen = h.screen();
    assert!(
        screen.contains("┌ Portfolio ") && screen.contains(" 1 Overview "),
        "{screen}"
    );
}

#[tokio::test]
async fn the_overview_scrolls_at_80x24_and_says_what_is_above_and_below() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    let top = h.screen();
    assert!(top.contains("more below"), "{top}");
    assert!(!top.contains("lines above"), "{top}");
    h.key(ch('G')).await;
    let bottom = h.screen();
    assert!(bottom.contains("lines above"), "{bottom}");
    assert!(!bottom.contains("more below"), "{bottom}");
    // What did not fit is there once scrolled to.
    for text in [
        "biggest drag:",
        "Key stakeholders",
        "Lara Tanaka",
        "opportunities",
    ] {
        assert!(
            top.contains(text) || bottom.contains(text),
            "{text}:\n{top}\n{bottom}"
        );
    }
    insta::assert_snapshot!("larkspur_overview_scrolled_80x24", bottom);
    h.key(ch('g')).await;
    assert_eq!(h.screen(), top);
    // Where it all fits, nothing scrolls and nothing says so.
    let mut h = Harness::new(WIDE).await;
    h.open(LARKSPUR).await;
    let screen = h.screen();
    assert!(
        !screen.contains("more below") && !screen.contains("lines above"),
        "{screen}"
    );
}

/// The Overview chart's curves of the account on screen.
fn curves(h: &Harness) -> Vec<String> {
    tend::tui::screens::account::state::curve_names(h.app.account.as_ref().expect("an account"))
}

#[tokio::test]
async fn each_curve_has_its_own_colour() {
    let mut h = Harness::new(WIDE).await;
    h.open(LARKSPUR).await;
    let frame = h.draw();
    let names = curves(&h);
    assert!(names.len() >= 7, "{names:?}");
    let colours: Vec<Color> = names
        .iter()
        .map(|n| frame[cells_of(&frame, &format!("━{n} "))[1]].fg)
        .collect();
    for i in 0..colours.len() {
        for j in 0..i {
            assert_ne!(colours[i], colours[j], "{} and {}", names[i], names[j]);
        }
    }
}

#[tokio::test]
async fn without_colour_each_curve_has_its_own_mark_and_c_picks_a_curve() {
    let plain = Theme::new(ThemeName::Dark, true);
    let mut h = Harness::with(Keymap::default(), plain, WIDE).await;
    h.open(LARKSPUR).await;
    let screen = h.screen();
    let names = curves(&h);
    let marks: Vec<char> = (0..names.len())
        .map(|k| tend::tui::theme::curve_mark(k, false))
        .collect();
    for (name, mark) in names.iter().zip(&marks) {
        assert!(
            screen.contains(&format!("{mark}{name} ")),
            "{name}:\n{screen}"
        );
    }
    // The plot draws them with their marks.
    let plot: String = screen.lines().skip(8).take(20).collect();
    for mark in &marks[..3] {
        assert!(plot.contains(*mark), "{mark} not plotted:\n{screen}");
    }
    insta::assert_snapshot!("larkspur_overview_no_colour_160x48", screen);
    // c opens the picker; a curve's number hides it, again shows it.
    h.key(ch('c')).await;
    let a = h.app.account.as_ref().expect("the account");
    assert!(a.picking_curves);
    let screen = h.screen();
    for (k, name) in names.iter().enumerate() {
        assert!(
            screen.contains(&format!("{} [x] {} {name}", k + 1, marks[k])),
            "{name}:\n{screen}"
        );
    }
    insta::assert_snapshot!("curve_picker_no_colour_160x48", screen);
    h.key(ch('5')).await;
    let hidden = &h.app.account.as_ref().expect("the account").hidden;
    assert!(
        hidden.contains(&names[4]) && hidden.len() == 1,
        "{hidden:?}"
    );
    assert!(
        h.screen()
            .contains(&format!("5 [ ] {} {}", marks[4], names[4]))
    );
    // j/k and Space too.
    h.key(ch('k')).await;
    h.key(ch(' ')).await;
    let hidden = &h.app.account.as_ref().expect("the account").hidden;
    assert!(
        hidden.contains(&names[3]) && hidden.len() == 2,
        "{hidden:?}"
    );
    h.key(press(KeyCode::Esc)).await;
    let a = h.app.account.as_ref().expect("the account");
    assert!(!a.picking_curves);
    assert_eq!(a.tab, Tab::Overview);
    let screen = h.screen();
    assert!(screen.contains(&format!("({}) ", names[4])), "{screen}");
    // The help says how.
    h.key(ch('?')).await;
    assert!(h.screen().contains("pick chart curves"), "{}", h.screen());
}

#[tokio::test]
async fn the_filter_ranks_by_match_quality_and_clearing_it_restores_the_sort() {
    let mut h = Harness::new(NARROW).await;
    let sorted = h.app.portfolio.view.clone();
    h.key(ch('/')).await;
    h.type_text("lark").await;
    let rows = h.rows();
    let names: Vec<&str> = h
        .app
        .portfolio
        .view
        .iter()
        .map(|i| rows[*i].name.as_str())
        .collect();
    assert_eq!(names.first(), Some(&"Larkspur Logistics"), "{names:?}");
    for scattered in ["Glacier Bank", "Magnolia Networks"] {
        assert!(!names.contains(&scattered), "{names:?}");
    }
    for _ in 0..4 {
        h.key(press(KeyCode::Backspace)).await;
    }
    assert_eq!(h.app.portfolio.view, sorted);
}

#[tokio::test]
async fn the_footer_drops_whole_hints_that_do_not_fit_and_the_bar_counts_cases_at_once() {
    let mut h = Harness::new(NARROW).await;
    // The cases are counted at start, before their page is visited.
    let bar = h.screen().lines().nth(1).unwrap_or_default().to_string();
    assert!(
        h.app
            .cases
            .count
            .is_some_and(|n| bar.contains(&format!("Cases {n}"))),
        "{bar}"
    );
    let check = |h: &Harness, screen: Screen| {
        let foot = footer_text(h);
        for b in h
            .app
            .keys
            .bindings(Screen::Global)
            .iter()
            .chain(h.app.keys.bindings(screen))
            .filter(|b| b.hint)
        {
            let label = b.keys[0].label();
            let first = b.help.split(' ').next().unwrap_or_default();
            if foot.contains(&format!("{label} {first}")) {
                assert!(
                    foot.contains(&format!("{label} {}", b.help)),
                    "{screen:?}: \"{label} {}\" cut short in {foot:?}",
                    b.help
                );
            }
        }
        assert!(foot.contains("? keys"), "{foot:?}");
    };
    check(&h, Screen::Portfolio);
    h.open(LARKSPUR).await;
    for tab in [Tab::Overview, Tab::Interactions, Tab::Tasks, Tab::Settings] {
        h.tab(tab).await;
        check(&h, Screen::Account);
    }
    h.key(press(KeyCode::Esc)).await;
    for screen in [Screen::Cases, Screen::Alerts, Screen::Dashboard] {
        h.key(ch(']')).await;
        assert_eq!(h.app.screen(), screen);
        check(&h, screen);
    }
}

#[tokio::test]
async fn churned_accounts_are_left_out_until_asked_for_and_still_known_everywhere() {
    use tend::domain::Stage;
    let mut h = Harness::new(NARROW).await;
    let customers = h.rows().len();
    assert!(h.rows().iter().all(|r| r.stage != Stage::Churned));
    let counts = h.app.portfolio.counts.expect("counted by the store");
    assert_eq!(counts.accounts, customers as u64);
    let at_risk = h
        .rows()
        .iter()
        .filter(|r| r.health_status == Some(HealthStatus::AtRisk))
        .count() as u64;
    assert_eq!(counts.at_risk, at_risk);
    assert!(
        h.screen()
            .lines()
            .next()
            .unwrap_or_default()
            .contains(&format!("{customers} accounts"))
    );
    // The palette knows a churned account, though the portfolio leaves it out.
    let all = h
        .store
        .portfolio(&tend::backend::PortfolioQuery {
            page: PageRequest {
                offset: 0,
                limit: 1000,
            },
            ..Default::default()
        })
        .await
        .expect("every account")
        .items;
    let lost = all
        .iter()
        .find(|r| r.stage == Stage::Churned)
        .expect("a churned account");
    h.key(ch(':')).await;
    h.type_text(&lost.name.to_lowercase()).await;
    let items = h.app.palette_items();
    assert!(
        items.iter().any(
            |i| matches!(i, tend::tui::overlay::PaletteItem::Account { id, .. } if *id == lost.id)
        ),
        "{items:?}"
    );
    h.key(press(KeyCode::Esc)).await;
    // The alerts inbox names every account it lists.
    h.key(ch(']')).await;
    h.key(ch(']')).await;
    assert_eq!(h.app.screen(), Screen::Alerts);
    h.key(ch('f')).await;
    h.key(ch('f')).await;
    h.key(ch('f')).await;
    assert_eq!(h.app.alerts.state, None, "all alerts");
    let screen = h.screen();
    assert!(!screen.contains("account #"), "{screen}");
    // C lists the churned accounts too, and counts them.
    h.key(ch('[')).await;
    h.key(ch('[')).await;
    assert_eq!(h.app.screen(), Screen::Portfolio);
    h.key(KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT))
        .await;
    assert_eq!(h.rows().len(), all.len());
    assert_eq!(
        h.app.portfolio.counts.map(|c| c.accounts),
        Some(all.len() as u64)
    );
    assert!(h.screen().contains("+churned"), "{}", h.screen());
    h.key(KeyEvent::new(KeyCode::Char('C'), KeyModifiers::SHIFT))
        .await;
    assert_eq!(h.rows().len(), customers);
}

#[tokio::test]
async fn a_filter_that_matches_nothing_says_so_and_the_header_names_no_account_off_screen() {
    let mut h = Harness::new(NARROW).await;
    assert!(h.screen().lines().next().unwrap_or_default().contains("▸"));
    h.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))
        .await;
    h.type_text("name:zzzzqq").await;
    h.key(press(KeyCode::Enter)).await;
    let screen = h.screen();
    assert!(
        screen.contains("no account matches where name:zzzzqq"),
        "{screen}"
    );
    assert!(!screen.contains("tend import"), "{screen}");
    // The account opened before the filter is not on screen: the header does not
    // name it.
    let header = screen.lines().next().unwrap_or_default().to_string();
    assert!(!header.contains("▸"), "{header}");
    assert!(header.contains("0 accounts"), "{header}");
}

/// At 80 columns the account's pane is not on screen: a move asks the backend
/// nothing until the selection rests (a held key passes rows for free), the
/// header names the row at once, and Enter loads what has not been asked yet.
#[tokio::test]
async fn a_narrow_portfolio_loads_the_account_under_the_selection_once_it_rests() {
    let mut h = Harness::new(NARROW).await;
    let first = h.selected_id().expect("a first row");
    let moved = h.app.update(Msg::Key(ch('j')));
    let second = h.selected_id().expect("a second row");
    assert_ne!(first, second);
    assert_eq!(
        moved,
        vec![Command::PrefetchAccount(
            second,
            tend::tui::app::PREFETCH_AFTER
        )],
        "a move at 80 columns waits for the selection to rest"
    );
    let name = h
        .rows()
        .iter()
        .find(|r| r.id == second)
        .unwrap()
        .name
        .clone();
    let header = h.screen().lines().next().unwrap_or_default().to_string();
    assert!(header.contains(&format!("▸ {name}")), "{header}");
    // Moved on before it rested: the first wait asks nothing.
    let again = h.app.update(Msg::Key(ch('j')));
    let third = h.selected_id().expect("a third row");
    assert_eq!(
        again,
        vec![Command::PrefetchAccount(
            third,
            tend::tui::app::PREFETCH_AFTER
        )]
    );
    assert_eq!(h.app.update(Msg::Prefetch(second)), vec![]);
    // Rested: asked once, however many waits end on it.
    assert_eq!(
        h.app.update(Msg::Prefetch(third)),
        vec![Command::LoadAccount(third)]
    );
    assert_eq!(h.app.update(Msg::Prefetch(third)), vec![]);
    // Enter before the selection rested loads at once.
    h.app.update(Msg::Key(ch('j')));
    let fourth = h.selected_id().expect("a fourth row");
    let opened = h.app.update(Msg::Key(press(KeyCode::Enter)));
    assert!(opened.contains(&Command::LoadAccount(fourth)), "{opened:?}");
    assert_eq!(h.app.update(Msg::Prefetch(fourth)), vec![]);
    h.run(opened).await;
    assert!(
        h.screen()
            .contains(&h.rows().iter().find(|r| r.id == fourth).unwrap().name)
    );
}

/// Beside the portfolio (wide) the account under a selection that was resting
/// loads at once; a move right after another waits for the selection to rest,
/// and Enter loads at once. A window grown wide shows the one waiting once the
/// selection rests.
#[tokio::test]
async fn a_wide_portfolio_loads_the_account_at_once_unless_the_selection_is_moving() {
    let mut h = Harness::new(WIDE).await;
    // The selection has rested since the start.
    h.app.followed_at = None;
    let moved = h.app.update(Msg::Key(ch('j')));
    let id = h.selected_id().expect("a row");
    assert_eq!(moved, vec![Command::LoadAccount(id)]);
    let again = h.app.update(Msg::Key(ch('j')));
    let next = h.selected_id().expect("a row");
    assert_eq!(
        again,
        vec![Command::PrefetchAccount(
            next,
            tend::tui::app::PREFETCH_AFTER
        )]
    );
    let opened = h.app.update(Msg::Key(press(KeyCode::Enter)));
    assert!(opened.contains(&Command::LoadAccount(next)), "{opened:?}");
    assert_eq!(h.app.update(Msg::Prefetch(next)), vec![]);

    let mut h = Harness::new(NARROW).await;
    h.app.update(Msg::Key(ch('j')));
    let id = h.selected_id().expect("a row");
    assert_eq!(h.app.update(Msg::Resize(WIDE.0, WIDE.1)), vec![]);
    assert_eq!(
        h.app.update(Msg::Prefetch(id)),
        vec![Command::LoadAccount(id)]
    );
}

/// A change made elsewhere (the team server's change feed): a burst settles
/// into one round of reloads; the account on screen is loaded again when it
/// changed, the portfolio when a listed row near the selection changed or an
/// account it does not list yet did; a change elsewhere in the book leaves both.
#[tokio::test]
async fn changes_made_elsewhere_reload_what_shows_them_once_they_settle() {
    fn entry(id: Id, entity: EntityKind, record: Id, account: Option<Id>) -> Box<ChangeLogEntry> {
        Box::new(ChangeLogEntry {
            id,
            at: now(),
            actor: "priya.patel".into(),
            entity,
            record_id: record,
            account_id: account,
            action: ChangeAction::Create,
            field: None,
            from: None,
            to: None,
        })
    }
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    let first = h.app.update(Msg::Changed(entry(
        1,
        EntityKind::Interaction,
        900,
        Some(LARKSPUR),
    )));
    assert_eq!(first, vec![Command::SettleChanges(tend::tui::live::SETTLE)]);
    // More in the same burst wait with it.
    assert_eq!(
        h.app.update(Msg::Changed(entry(
            2,
            EntityKind::Task,
            901,
            Some(LARKSPUR)
        ))),
        vec![]
    );
    let settled = h.app.update(Msg::ChangesSettled);
    assert!(
        settled.contains(&Command::LoadAccount(LARKSPUR)),
        "{settled:?}"
    );
    // The footer says who changed what is on screen.
    let status = h.app.status.clone().unwrap_or_default();
    assert!(
        status.contains("Larkspur Logistics was just changed by priya.patel"),
        "{status}"
    );
    assert!(
        settled
            .iter()
            .any(|c| matches!(c, Command::LoadPortfolio { .. })),
        "Larkspur is the selected row: {settled:?}"
    );
    // An account far down the book, not on screen: neither loads again.
    let far = h.rows().last().expect("rows").id;
    h.app.update(Msg::Changed(entry(
        3,
        EntityKind::Interaction,
        902,
        Some(far),
    )));
    let settled = h.app.update(Msg::ChangesSettled);
    assert!(
        !settled.contains(&Command::LoadAccount(LARKSPUR)),
        "{settled:?}"
    );
    assert!(
        !settled
            .iter()
            .any(|c| matches!(c, Command::LoadPortfolio { .. })),
        "{settled:?}"
    );
    // An account the portfolio does not list yet: it loads again.
    h.app.update(Msg::Changed(entry(
        4,
        EntityKind::Account,
        999_999,
        Some(999_999),
    )));
    let settled = h.app.update(Msg::ChangesSettled);
    assert!(
        settled
            .iter()
            .any(|c| matches!(c, Command::LoadPortfolio { .. })),
        "{settled:?}"
    );
}

#[tokio::test]
async fn rescoring_behind_the_first_frame_is_shown_and_reloads_what_is_on_screen() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.app.update(Msg::Rescoring);
    let header = h.screen().lines().next().unwrap_or_default().to_string();
    assert!(header.contains("rescoring for today"), "{header}");
    let cmds = h.app.update(Msg::Rescored(Ok(())));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LoadPortfolio { .. }))
            && cmds.contains(&Command::LoadAccount(LARKSPUR)),
        "{cmds:?}"
    );
    h.run(cmds).await;
    let screen = h.screen();
    assert!(!screen.contains("rescoring for today"), "{screen}");
    assert!(
        screen.contains("rescored every account for today"),
        "{screen}"
    );
    // A failure says so, and keeps what is shown.
    h.app.update(Msg::Rescoring);
    h.app
        .update(Msg::Rescored(Err(tend::backend::Error::storage(
            "disk full",
        ))));
    assert!(
        h.screen()
            .contains("rescoring for today failed: storage error: disk full")
    );
}

#[tokio::test]
async fn beside_the_portfolio_the_account_follows_a_filter_that_leaves_it_out() {
    let mut h = Harness::new(WIDE).await;
    assert_eq!(h.app.account.as_ref().map(|a| a.id), Some(LARKSPUR));
    h.key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT))
        .await;
    h.type_text("stage:churned").await;
    h.key(press(KeyCode::Enter)).await;
    let first = h.selected_id().expect("a churned account selected");
    assert_ne!(first, LARKSPUR);
    assert_eq!(h.app.account.as_ref().map(|a| a.id), Some(first));
    let header = h.screen().lines().next().unwrap_or_default().to_string();
    let name = &h.rows()[h.app.portfolio.view[0]].name;
    assert!(header.contains(&format!("▸ {name}")), "{header}");
}

#[tokio::test]
async fn the_palette_knows_an_account_renamed_elsewhere_after_a_reload() {
    use tend::domain::{EntityKind, Record, Stage};
    let mut h = Harness::writable(NARROW).await;
    // The directory of every account, loaded by the palette (churned ones are
    // outside the portfolio).
    h.key(ch(':')).await;
    h.key(press(KeyCode::Esc)).await;
    let lost = h
        .store
        .portfolio(&tend::backend::PortfolioQuery {
            filter: tend::backend::AccountFilter {
                stage: Some(Stage::Churned),
                ..Default::default()
            },
            page: PageRequest {
                offset: 0,
                limit: 1,
            },
            ..Default::default()
        })
        .await
        .expect("a churned account")
        .items[0]
        .id;
    let Record::Account(mut a) = h.store.get(EntityKind::Account, lost).await.expect("get") else {
        panic!("an account")
    };
    a.name = "Zephyr Renamed Ltd".into();
    h.store
        .update("leo", Record::Account(a))
        .await
        .expect("rename");
    h.key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL))
        .await;
    h.key(ch(':')).await;
    h.type_text("zephyr").await;
    let items = h.app.palette_items();
    assert!(
        items.iter().any(|i| matches!(i,
            tend::tui::overlay::PaletteItem::Account { id, name } if *id == lost && name == "Zephyr Renamed Ltd")),
        "{items:?}"
    );
}

// Summary and copilot ---------------------------------------------------------

/// The growing demo account (expansion signals in its summary).
const BRIGHTWAVE: Id = 2;

/// The summary the Summary tab shows.
fn summary_on_screen(h: &Harness) -> tend::summary::AccountSummary {
    let a = h.app.account.as_ref().expect("an open account");
    let d = a.data.value().expect("a 360");
    tend::tui::screens::account::summary::shown(&a.summary, d)
        .expect("a summary on screen")
        .summary
}

/// The records a statement cites, without repeats.
fn cited(st: &tend::domain::Statement) -> Vec<tend::domain::Citation> {
    let mut out = vec![];
    for c in &st.citations {
        if !out.contains(c) {
            out.push(*c);
        }
    }
    out
}

fn cite(kind: EntityKind, id: Id) -> tend::domain::Citation {
    tend::domain::Citation { kind, id }
}

/// Moves the Summary's cursor onto the first statement `pick` accepts (Home, then
/// j), and gives it.
async fn cursor_on(
    h: &mut Harness,
    pick: impl Fn(&tend::domain::Statement) -> bool,
) -> tend::domain::Statement {
    let s = summary_on_screen(h);
    let all = tend::tui::screens::account::summary::statements(&s);
    let at = all
        .iter()
        .position(|(i, j)| pick(&s.sections[*i].statements[*j]))
        .unwrap_or_else(|| panic!("no such statement in:\n{}", s.to_markdown()));
    h.key(press(KeyCode::Home)).await;
    for _ in 0..at {
        h.key(ch('j')).await;
    }
    let a = h.app.account.as_ref().expect("an open account");
    assert_eq!(a.summary.cursor, at);
    let (i, j) = all[at];
    s.sections[i].statements[j].clone()
}

/// The 360 of an account, from the store.
async fn stored(h: &Harness, id: Id) -> tend::backend::Account360 {
    h.store.account(id).await.expect("the account")
}

#[tokio::test]
async fn the_summary_generates_on_first_entry_and_reads_by_section() {
    use tend::summary::SectionId;
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Summary).await;
        let s = summary_on_screen(&h);
        assert_eq!(s.account_id, LARKSPUR);
        assert_eq!(s.generated_at, now());
        assert_eq!(s.sections.len(), SectionId::ALL.len());
        let screen = h.screen();
        assert!(screen.contains("Generated 2026-11-23 12:00"), "{screen}");
        assert!(screen.contains("not saved"), "{screen}");
        // Beside the reader at 160 columns: every section's title.
        if size == WIDE {
            for id in SectionId::ALL {
                assert!(screen.contains(id.title()), "{}: {screen}", id.title());
            }
        }
        // A page is a section: PgDn brings each section's title into view, its
        // first statement under the cursor.
        h.key(press(KeyCode::Home)).await;
        for sec in s
            .sections
            .iter()
            .filter(|x| !x.statements.is_empty())
            .skip(1)
        {
            h.key(press(KeyCode::PageDown)).await;
            let screen = h.screen();
            assert!(screen.contains(&sec.title), "{}: {screen}", sec.title);
            let first: String = sec.statements[0].text.chars().take(20).collect();
            assert!(screen.contains(&first), "{first}: {screen}");
        }
        // A section with nothing to say says why, in italics.
        let quiet = s.section(SectionId::Achievements).expect("achievements");
        assert!(quiet.statements.is_empty() && quiet.note.is_some());
    }
}

#[tokio::test]
async fn a_statements_citation_opens_its_record_where_it_is_shown() {
    use tend::domain::EntityKind::*;
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Summary).await;

    // One agreement: the Agreements tab with it selected; Esc comes back.
    let st = cursor_on(&mut h, |s| cited(s) == [cite(Agreement, 3)]).await;
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(h.tab_now(), Some(Tab::Agreements));
    let a = h.app.account.as_ref().expect("an account");
    let d = the_360(&h);
    assert_eq!(d.agreements[a.selected[Tab::Agreements.index()]].id, 3);
    assert!(footer_text(&h).contains("Esc: back to the Summary"));
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.tab_now(), Some(Tab::Summary));
    assert_eq!(h.app.focus, Focus::Account);
    let cursor = h.app.account.as_ref().map(|a| a.summary.cursor);
    assert!(
        h.screen().contains(&st.text[..30]),
        "the cursor stayed: {cursor:?}"
    );

    // A contact and an interaction: a choice, then the interaction in the reader.
    let st = cursor_on(&mut h, |s| {
        let c = cited(s);
        c.len() == 2 && c[0].kind == Contact && c[1].kind == Interaction
    })
    .await;
    h.key(ch('o')).await;
    let pick = h.app.overlays.pick().expect("a choice of records").clone();
    assert_eq!(pick.items.len(), 2);
    let screen = h.screen();
    assert!(screen.contains("Open a cited record"), "{screen}");
    assert!(screen.contains(&pick.items[1]), "{screen}");
    let interaction = cited(&st)[1].id;
    h.key(ch('2')).await;
    assert!(h.app.overlays.pick().is_none());
    assert_eq!(h.tab_now(), Some(Tab::Interactions));
    let a = h.app.account.as_ref().expect("an account");
    assert!(a.reading, "the reader is open");
    let d = the_360(&h);
    let sel = &d.interactions[a.selected[Tab::Interactions.index()]];
    assert_eq!(sel.id, interaction);
    let screen = h.screen();
    assert!(screen.contains("reader · Esc closes"), "{screen}");
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.tab_now(), Some(Tab::Summary));

    // A KPI: its fields in a dialog over the Summary; any key closes it.
    cursor_on(&mut h, |s| cited(s) == [cite(Kpi, 1)]).await;
    h.key(press(KeyCode::Enter)).await;
    let info = h.app.overlays.info().expect("the KPI's fields").clone();
    assert!(info.title.contains("On-time delivery rate"), "{info:?}");
    assert!(
        info.lines.iter().any(|l| l.starts_with("target: ")),
        "{info:?}"
    );
    let screen = h.screen();
    assert!(screen.contains("any key closes this"), "{screen}");
    assert_eq!(h.tab_now(), Some(Tab::Summary));
    h.key(ch('x')).await;
    assert!(h.app.overlays.info().is_none());
    assert!(
        h.app.overlays.form().is_none(),
        "the closing key does nothing else"
    );

    // An alert: the inbox, every state listed, the alert selected.
    cursor_on(&mut h, |s| cited(s) == [cite(Alert, 11)]).await;
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(h.app.page, tend::tui::state::Page::Alerts);
    assert_eq!(h.app.alerts.state, None);
    assert_eq!(h.app.alerts.selected_alert().map(|a| a.id), Some(11));
}

#[tokio::test]
async fn a_saved_summary_names_its_author_and_the_next_one_says_what_changed() {
    use tend::domain::{Direction, Interaction, InteractionKind, Record, Source};
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Summary).await;
    assert!(stored(&h, LARKSPUR).await.summaries.is_empty());
    h.key(ch('s')).await;
    let saved = stored(&h, LARKSPUR).await.summaries;
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].author, "maya");
    assert_eq!(saved[0].sections.len(), 10);
    assert_eq!(saved[0].generated_at, now());
    let screen = h.screen();
    assert!(
        screen.contains("Saved 2026-11-23 12:00 by maya · the first saved"),
        "{screen}"
    );
    assert!(footer_text(&h).contains("saved the summary"));
    // Saved already: s writes nothing more.
    h.key(ch('s')).await;
    assert_eq!(stored(&h, LARKSPUR).await.summaries.len(), 1);
    assert!(footer_text(&h).contains("saved already"));

    // The customer asks for more: the next summary has it, marked `+`.
    let asked = Interaction {
        id: 0,
        version: 1,
        created_at: now(),
        updated_at: now(),
        source: Source::Ui,
        external_id: None,
        account_id: LARKSPUR,
        kind: InteractionKind::Email,
        direction: Direction::In,
        at: now() - TimeDelta::hours(1),
        contact_ids: vec![2],
        user: None,
        subject: "Rollout to Rotterdam".into(),
        body: "We want to open a new region next spring and need 25 more seats.".into(),
        tags: vec![],
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    };
    h.store
        .create("grace", Record::Interaction(asked))
        .await
        .expect("written");
    h.key(ctrl('r')).await;
    h.key(ch('g')).await;
    let screen = h.screen();
    assert!(screen.contains("Generated 2026-11-23 12:00"), "{screen}");
    assert!(
        screen.contains("· 1 of 2 · changes since 2026-11-23: +"),
        "{screen}"
    );
    let st = cursor_on(&mut h, |s| s.text.contains("25 more seats")).await;
    let start: String = st.text.chars().take(30).collect();
    let screen = h.screen();
    assert!(
        screen.lines().any(|l| l.contains(&format!("+ {start}"))),
        "{start}: {screen}"
    );
    // [ and ]: the saved one, then back to the new one.
    h.key(ch('[')).await;
    let screen = h.screen();
    assert!(
        screen.contains("Saved 2026-11-23 12:00 by maya · 2 of 2"),
        "{screen}"
    );
    h.key(ch(']')).await;
    assert!(
        h.screen()
            .contains("Generated 2026-11-23 12:00 · not saved · 1 of 2")
    );
    // Saving the new one: it is the latest, compared with the first.
    h.key(ch('s')).await;
    assert_eq!(stored(&h, LARKSPUR).await.summaries.len(), 2);
    let screen = h.screen();
    assert!(
        screen.contains("Saved 2026-11-23 12:00 by maya · 1 of 2 · changes since 2026-11-23: +"),
        "{screen}"
    );
}

#[tokio::test]
async fn an_expansion_opportunity_is_created_from_the_summarys_suggestions() {
    use tend::summary::SectionId;
    let mut h = Harness::writable(NARROW).await;
    h.open(BRIGHTWAVE).await;
    h.tab(Tab::Summary).await;
    let s = summary_on_screen(&h);
    let suggested = s
        .section(SectionId::Expansion)
        .expect("suggestions")
        .clone();
    assert!(!suggested.statements.is_empty());
    let before = the_360(&h).opportunities.len();
    cursor_on(&mut h, |st| st.text.contains("more seats")).await;
    h.key(ch('x')).await;
    let form = h.app.overlays.form().expect("the opportunity form");
    assert!(
        form.title.starts_with("New expansion opportunity"),
        "{}",
        form.title
    );
    insta::assert_snapshot!("form_expansion_from_summary_80x24", h.screen());
    h.key(ctrl('s')).await;
    assert!(h.app.overlays.form().is_none(), "{}", h.screen());
    let all = &the_360(&h).opportunities;
    assert_eq!(all.len(), before + 1);
    let made = all
        .iter()
        .find(|o| o.name == "Expansion: more seats (Brightwave Health)")
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert!(made.expansion);
    assert_eq!(made.owner, "maya");
    for st in &suggested.statements {
        assert!(made.description.contains(&st.text), "{}", made.description);
    }
    assert!(footer_text(&h).contains("created the opportunity"));
}

/// The copilot's offline answer to `prompt` about an account, as the app's runner
/// computes it.
async fn offline_answer(
    h: &Harness,
    id: Id,
    prompt: tend::copilot::Prompt,
) -> tend::copilot::Answer {
    let d = stored(h, id).await;
    let input = tend::copilot::Input {
        account: &d.account,
        contacts: &d.contacts,
        interactions: &d.interactions,
        tasks: &d.tasks,
        cases: &d.cases,
    };
    tend::copilot::answer(prompt, &input, now())
}

#[tokio::test]
async fn the_copilot_answers_each_question_offline_and_keeps_an_answer_as_a_note() {
    use tend::copilot::Prompt;
    use tend::domain::InteractionKind;
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    assert!(h.screen().contains("Account · a: copilot"));
    h.key(ch('a')).await;
    assert!(h.app.overlays.copilot());
    let screen = h.screen();
    for p in Prompt::ALL {
        assert!(screen.contains(p.label()), "{screen}");
    }
    assert!(screen.contains("Your own question…"), "{screen}");
    assert!(screen.contains("offline answers"), "{screen}");
    for (i, p) in Prompt::ALL.iter().enumerate() {
        let key = char::from(b'1' + i as u8);
        h.key(ch(key)).await;
        let expected = offline_answer(&h, LARKSPUR, *p).await;
        let c = &h.app.account.as_ref().expect("an account").copilot;
        let turn = c.turns.last().expect("an answer");
        let answer = turn.answer.as_ref().expect("answered");
        assert_eq!(answer.statements, expected.statements, "{}", p.label());
        assert_eq!(answer.note, expected.note, "{}", p.label());
        assert!(!answer.by_model);
        // The question and the start of its answer are on screen, with the keys
        // that act on it; j scrolls down to its end.
        let screen = h.screen();
        assert!(screen.contains(&format!("› {}", p.label())), "{screen}");
        let line = |s: &str| {
            s.lines()
                .next()
                .unwrap_or_default()
                .chars()
                .take(20)
                .collect::<String>()
        };
        let first = expected
            .statements
            .first()
            .map(|s| line(&s.text))
            .or_else(|| expected.note.as_deref().map(line))
            .expect("something said");
        assert!(screen.contains(&first), "{}: {first}\n{screen}", p.label());
        for _ in 0..40 {
            h.key(ch('j')).await;
        }
        let end = expected
            .note
            .as_deref()
            .or(expected.statements.last().map(|s| s.text.as_str()))
            .map(|t| line(t.lines().last().unwrap_or_default()))
            .expect("something said");
        assert!(
            h.screen().contains(&end),
            "{}: {end}\n{}",
            p.label(),
            h.screen()
        );
        for _ in 0..40 {
            h.key(ch('k')).await;
        }
        assert!(screen.contains("n save as note"), "{screen}");
        if *p == Prompt::Concerns {
            insta::assert_snapshot!("copilot_larkspur_concerns_80x24", screen);
        }
        h.key(ch('c')).await;
        assert!(h.screen().contains("Your own question…"));
    }
    // Without a model, your own question says how to get one.
    h.key(ch('6')).await;
    let screen = h.screen();
    assert!(screen.contains("need a language model"), "{screen}");
    assert!(screen.contains("'Language model'"), "{screen}");
    // An answer, no follow-up offline, and n keeps it as a note.
    h.key(ch('2')).await;
    h.key(ch('f')).await;
    assert!(h.screen().contains("need a language model"));
    h.key(ch('n')).await;
    let expected = offline_answer(&h, LARKSPUR, Prompt::Concerns).await;
    let d = stored(&h, LARKSPUR).await;
    let note = d
        .interactions
        .iter()
        .find(|i| i.subject == "Copilot: Main concerns")
        .expect("the note");
    assert_eq!(note.kind, InteractionKind::Note);
    assert_eq!(note.user.as_deref(), Some("maya"));
    assert_eq!(note.tags, ["copilot"]);
    for s in &expected.statements {
        assert!(note.body.contains(&s.text), "{}", note.body);
    }
    assert!(note.body.contains("Cited: ["), "{}", note.body);
    assert!(footer_text(&h).contains("saved the copilot's answer as a note"));
    assert!(h.screen().contains("saved as a note on the account"));
    // Closed, the list shows it.
    h.key(press(KeyCode::Esc)).await;
    assert!(!h.app.overlays.copilot());
    assert!(
        h.screen().contains("Copilot: Main concerns"),
        "{}",
        h.screen()
    );

    // Asked, then closed before the answer: the work goes on, the title says
    // when the answer is in, and `a` shows it.
    h.key(ch('a')).await;
    h.key(ch('c')).await;
    let pending = h.app.update(Msg::Key(ch('4')));
    assert!(
        matches!(
            pending[..],
            [Command::Copilot {
                account: LARKSPUR,
                ..
            }]
        ),
        "{pending:?}"
    );
    assert!(h.screen().contains("⟳ thinking…"), "{}", h.screen());
    h.key(press(KeyCode::Esc)).await;
    assert!(
        h.screen().contains("Account · copilot: thinking…"),
        "{}",
        h.screen()
    );
    h.key(ch('j')).await;
    h.run(pending).await;
    assert!(
        h.screen().contains("Account · copilot: answer ready (a)"),
        "{}",
        h.screen()
    );
    h.key(ch('a')).await;
    let screen = h.screen();
    assert!(
        screen.contains("Who is engaged and who went quiet"),
        "{screen}"
    );
    assert!(!screen.contains("answer ready"), "{screen}");
}

#[tokio::test]
async fn rewording_without_a_language_model_says_how_to_configure_one() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Summary).await;
    let cmds = h.key(ch('r')).await;
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(
        footer_text(&h),
        " No language model configured: set [ai] in the config (README, 'Language model')"
    );
}

#[tokio::test]
async fn a_model_out_of_reach_is_said_and_esc_cancels_a_rewording() {
    use tend::backend::ai::{AiClient, AiSettings};
    let mut h = Harness::new(NARROW).await;
    // Nothing listens on the discard port: every exchange fails to connect.
    let settings = AiSettings {
        endpoint: "http://127.0.0.1:9/v1".into(),
        model: "m".into(),
        timeout_secs: 10,
        idle_secs: 5,
    };
    h.app.ai = Some(Arc::new(AiClient::new(settings, None).expect("a client")));
    h.open(LARKSPUR).await;
    h.tab(Tab::Summary).await;
    let before = summary_on_screen(&h);
    // r starts the rewording; Esc cancels it before the model answers, and
    // leaves neither the tab nor the account.
    let pending = h.app.update(Msg::Key(ch('r')));
    assert!(
        matches!(
            pending[..],
            [Command::Reword {
                account: LARKSPUR,
                ..
            }]
        ),
        "{pending:?}"
    );
    assert!(
        h.screen().contains("Rewording 1/10… Esc cancels"),
        "{}",
        h.screen()
    );
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.tab_now(), Some(Tab::Summary));
    assert_eq!(h.app.focus, Focus::Account);
    h.run(pending).await;
    let said = |h: &Harness| h.app.account.as_ref().and_then(|a| a.summary.said.clone());
    assert_eq!(
        said(&h).as_deref(),
        Some("rewording cancelled: the summary is as it was")
    );
    assert_eq!(summary_on_screen(&h), before);
    // Run to its end, it says why it failed; the summary stays.
    h.key(ch('r')).await;
    let failed = said(&h).expect("a message");
    assert!(
        failed.starts_with(
            "rewording failed: the language model at http://127.0.0.1:9/v1 cannot be reached"
        ),
        "{failed}"
    );
    assert!(h.screen().contains("rewording failed"));
    assert_eq!(summary_on_screen(&h), before);
    // The copilot says it in its pane too; with a model, your own question is typed.
    h.tab(Tab::Interactions).await;
    h.key(ch('a')).await;
    h.key(ch('1')).await;
    let c = &h.app.account.as_ref().expect("an account").copilot;
    let error = c
        .turns
        .last()
        .and_then(|t| t.answer.clone().err())
        .expect("an error");
    assert!(error.contains("cannot be reached"), "{error}");
    assert!(h.screen().contains("cannot be reached"), "{}", h.screen());
    h.key(ch('c')).await;
    h.key(ch('6')).await;
    h.type_text("Who signs the renewal?").await;
    assert!(
        h.screen().contains("question: Who signs the renewal?"),
        "{}",
        h.screen()
    );
}

#[tokio::test]
async fn generating_a_summary_leaves_the_app_answering_keys() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    // Entering the tab starts the generation; its answer is held back here.
    let pending = h.app.update(Msg::Key(ch(key_of(Tab::Summary)
        .chars()
        .next()
        .unwrap_or('='))));
    let job = match pending[..] {
        [Command::GenerateSummary { account, job }] if account == LARKSPUR => job,
        _ => panic!("{pending:?}"),
    };
    assert!(
        h.screen().contains("⟳ Generating summary…"),
        "{}",
        h.screen()
    );
    // Keys still act: another tab, the help, moves.
    h.key(press(KeyCode::Tab)).await;
    assert_eq!(h.tab_now(), Some(Tab::Settings));
    assert!(
        h.screen().contains("summary: generating…"),
        "{}",
        h.screen()
    );
    h.key(ch('?')).await;
    assert!(h.app.overlays.help().is_some());
    h.key(ch('?')).await;
    h.key(ch('j')).await;
    // Back on the tab: no second generation.
    let again = h.key(ch('=')).await;
    assert!(
        !again
            .iter()
            .any(|c| matches!(c, Command::GenerateSummary { .. })),
        "{again:?}"
    );
    assert!(h.screen().contains("⟳ Generating summary…"));
    h.key(press(KeyCode::Tab)).await;
    // An answer for another account is dropped.
    let orion = h.store.summary(ORION).await.expect("a summary");
    h.send(Msg::Summary {
        account: ORION,
        job,
        result: Ok(Box::new(orion)),
    })
    .await;
    assert!(
        h.app
            .account
            .as_ref()
            .is_some_and(|a| a.summary.draft.is_none())
    );
    // Its own arrives while another tab is in front, and shows on the Summary.
    h.run(pending).await;
    h.key(ch('=')).await;
    let screen = h.screen();
    assert!(screen.contains("Generated 2026-11-23 12:00"), "{screen}");
    assert!(screen.contains("Account Highlights"), "{screen}");
    assert_eq!(summary_on_screen(&h).account_id, LARKSPUR);
}

#[tokio::test]
async fn shared_keys_do_what_the_tab_in_front_offers() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    let key = |s: &str| Key::parse(s).expect("a key");
    let on = |h: &Harness, k: &str| h.app.resolve(&key(k));
    h.tab(Tab::Playbooks).await;
    assert_eq!(on(&h, "a"), Some(Action::Advance));
    assert_eq!(on(&h, "g"), Some(Action::Top));
    assert_eq!(on(&h, "]"), Some(Action::NextPage));
    h.tab(Tab::Interactions).await;
    assert_eq!(on(&h, "a"), Some(Action::Ask));
    assert_eq!(on(&h, "x"), Some(Action::Toggle));
    assert_eq!(on(&h, "z"), Some(Action::Maximise));
    // The Alerts tab's keys are the alerts inbox's.
    h.tab(Tab::Alerts).await;
    assert_eq!(on(&h, "x"), Some(Action::Done));
    assert_eq!(on(&h, "z"), Some(Action::Snooze));
    assert_eq!(on(&h, "Z"), Some(Action::SnoozeLong));
    assert_eq!(on(&h, "f"), Some(Action::Cycle));
    h.tab(Tab::Summary).await;
    assert_eq!(on(&h, "g"), Some(Action::Generate));
    assert_eq!(on(&h, "home"), Some(Action::Top));
    assert_eq!(on(&h, "x"), Some(Action::Expansion));
    assert_eq!(on(&h, "["), Some(Action::OlderSummary));
    assert_eq!(on(&h, "]"), Some(Action::NewerSummary));
    assert_eq!(on(&h, "o"), Some(Action::Follow));
    h.tab(Tab::Settings).await;
    assert_eq!(on(&h, "o"), Some(Action::OpenDocument));
    h.tab(Tab::Summary).await;
    // The help lists a shared key under what it does here only.
    h.key(ch('?')).await;
    let help = h.screen();
    assert!(help.contains("g  generate a summary"), "{help}");
    assert!(help.contains("Home  first"), "{help}");
    assert!(!help.contains("g Home"), "{help}");
    assert!(!help.contains("next view"), "{help}");
    h.key(ch('?')).await;
    // Read-only, the Summary's writing keys say why they do nothing.
    h.app.read_only = true;
    for k in ['s', 'x'] {
        h.key(ch(k)).await;
        assert!(
            footer_text(&h).contains("read-only"),
            "{k}: {}",
            footer_text(&h)
        );
    }
    assert!(!h.screen().contains("s save"), "{}", h.screen());
}

// My work and email -------------------------------------------------------------

/// A store that can queue emails (a sender and a signature; no SMTP server, so
/// they stay in the outbox).
fn with_sender() -> Options {
    Options {
        outbound: Arc::new(tend::backend::outbound::Settings {
            from: "Maya Chen <maya.chen@tend.example>".into(),
            signature: "Maya Chen\nCustomer Success, Tend".into(),
            ..Default::default()
        }),
        ..Options::with_clock(fixed_clock(now()))
    }
}

fn work(h: &Harness) -> &[tend::backend::outbound::WorkItem] {
    h.app.work.list.value().map_or(&[], Vec::as_slice)
}

/// Moves My work's selection onto the first item `pick` accepts.
async fn select_work(
    h: &mut Harness,
    pick: impl Fn(&tend::backend::outbound::WorkItem) -> bool,
) -> tend::backend::outbound::WorkItem {
    let at = work(h)
        .iter()
        .position(pick)
        .unwrap_or_else(|| panic!("no such item in My work:\n{}", h.screen()));
    h.key(ch('g')).await;
    for _ in 0..at {
        h.key(ch('j')).await;
    }
    assert_eq!(h.app.work.selected, at);
    work(h)[at].clone()
}

#[tokio::test]
async fn my_work_snapshot() {
    let mut h = Harness::new(NARROW).await;
    // The app is the user the harness asks My work for.
    h.app.user = h.user.clone();
    let n = work(&h).len();
    assert!(n > 0, "maya.chen has work in the demo");
    assert!(
        views_bar(&h).contains(&format!("My work {n}")),
        "{}",
        views_bar(&h)
    );
    h.key(ch('M')).await;
    assert_eq!(h.app.screen(), Screen::Work);
    let screen = h.screen();
    assert!(
        screen.contains(&format!("My work maya.chen · {n}")),
        "{screen}"
    );
    assert!(screen.contains("overdue"), "{screen}");
    insta::assert_snapshot!("my_work_80x24", screen);
    // Every hint of the table in the footer, where they all fit.
    h.send(Msg::Resize(WIDE.0, WIDE.1)).await;
    assert_footer_from_table(&h, Screen::Work);
    h.send(Msg::Resize(NARROW.0, NARROW.1)).await;
    // Overdue items wear the at-risk colour.
    let frame = h.draw();
    let late = cells_of(&frame, "overdue");
    assert!(
        late.iter()
            .all(|c| frame[*c].fg == dark().at_risk.fg.expect("a colour"))
    );
    // The help lists the triage keys.
    h.key(ch('?')).await;
    let help = h.screen();
    for k in ["c  complete", "z  snooze", "a  reassign", "M  my work"] {
        assert!(help.contains(k), "{k}:\n{help}");
    }
    h.key(press(KeyCode::Esc)).await;
    // Enter opens an email's account on Interactions, the email in the reader; Esc
    // comes back.
    let email = select_work(&mut h, |i| {
        i.kind == tend::backend::outbound::WorkKind::Email
    })
    .await;
    h.key(press(KeyCode::Enter)).await;
    let a = h.app.account.as_ref().expect("its account");
    assert_eq!(a.id, email.account.id);
    assert_eq!(a.tab, Tab::Interactions);
    assert!(a.reading);
    let d = a.data.value().expect("loaded");
    let shown = tend::tui::screens::account::state::visible_interactions(a, d);
    assert_eq!(shown[a.selected()].id, email.record_id);
    h.key(press(KeyCode::Esc)).await;
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.app.screen(), Screen::Work);
    // q quits from here.
    h.key(ch('q')).await;
    assert!(h.app.quit);
}

#[tokio::test]
async fn my_work_is_empty_for_someone_with_nothing_to_do() {
    let mut h = Harness::writable(NARROW).await;
    h.key(ch('M')).await;
    let screen = h.screen();
    assert!(screen.contains("Nothing waits on you"), "{screen}");
    assert!(views_bar(&h).contains("My work 0"), "{}", views_bar(&h));
}

#[tokio::test]
async fn a_step_waiting_on_you_is_in_my_work_and_completing_it_turns_the_run_green() {
    use tend::domain::{Record, StepState};
    let mut h = Harness::writable_as(NARROW, "maya.chen", with_sender()).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Playbooks).await;
    let before: Vec<Id> = the_360(&h).playbook_runs.iter().map(|r| r.id).collect();
    // n: the playbooks load and the form opens; Enter starts Onboarding, and the
    // scheduler runs its first step at once.
    h.key(ch('n')).await;
    assert!(h.app.overlays.form().is_some(), "{}", h.screen());
    // A letter picks the playbook starting with it.
    h.key(ch('o')).await;
    let form = h.app.overlays.form().expect("the run form");
    assert!(
        form.fields[0].display().starts_with("Onboarding"),
        "{}",
        h.screen()
    );
    h.key(press(KeyCode::Enter)).await;
    let runs = &the_360(&h).playbook_runs;
    let at = runs
        .iter()
        .position(|r| !before.contains(&r.id))
        .expect("the new run");
    let run = runs[at].clone();
    assert!(run.automatic);
    // No SMTP server: the welcome email waits in the outbox, and the run on it.
    assert_eq!(run.steps[0].state, StepState::Waiting, "{:?}", run.steps);
    assert!(run.steps[0].delivery_id.is_some());
    assert!(
        run.steps[0].message.starts_with("sending to Grace Schmidt"),
        "{:?}",
        run.steps[0]
    );
    assert!(!work(&h).iter().any(|i| i.record_id == run.id));
    for _ in 0..at {
        h.key(ch('j')).await;
    }
    let screen = h.screen();
    assert!(screen.contains("● sending"), "{screen}");
    assert!(screen.contains("sending to Grace Schmidt"), "{screen}");
    // Skipping the email: the task is created by itself, then the run waits on
    // the account's owner.
    h.key(ch('S')).await;
    h.key(ch('y')).await;
    let run = the_360(&h)
        .playbook_runs
        .iter()
        .find(|r| r.id == run.id)
        .expect("the run")
        .clone();
    assert_eq!(run.steps[1].state, StepState::Done, "{:?}", run.steps);
    assert_eq!(run.waiting_on(), Some((2, "maya.chen")));
    assert_eq!(run.colour(), RunColour::Blue);
    let screen = h.screen();
    assert!(screen.contains("waits on maya.chen: Confirm"), "{screen}");
    assert!(screen.contains("created task"), "{screen}");
    // My work lists it.
    h.key(ch('M')).await;
    let step = select_work(&mut h, |i| {
        i.kind == tend::backend::outbound::WorkKind::Step && i.record_id == run.id
    })
    .await;
    assert_eq!(step.step, Some(2));
    assert_eq!(step.account.id, LARKSPUR);
    let screen = h.screen();
    assert!(screen.contains("Onboarding: Confirm go-live"), "{screen}");
    // A step is not snoozed; c completes it, and the run is done.
    h.key(ch('z')).await;
    assert!(
        footer_text(&h).contains("cannot be snoozed"),
        "{}",
        footer_text(&h)
    );
    h.key(ch('c')).await;
    let Record::PlaybookRun(done) = h
        .store
        .get(EntityKind::PlaybookRun, run.id)
        .await
        .expect("the run")
    else {
        panic!("a run");
    };
    assert_eq!(done.colour(), RunColour::Green, "{:?}", done.steps);
    assert!(!work(&h).iter().any(|i| i.record_id == run.id));
    assert!(footer_text(&h).contains("completed"), "{}", footer_text(&h));
    // Written under the user's name.
    let history = history_of(&h, LARKSPUR).await;
    assert!(
        history
            .iter()
            .any(|e| e.actor == "maya.chen" && e.entity == EntityKind::PlaybookRun)
    );
}

#[tokio::test]
async fn my_work_snoozes_completes_and_reassigns_and_says_what_it_cannot() {
    use tend::backend::outbound::WorkKind;
    use tend::domain::{AlertState, Record};
    let mut h = Harness::writable_as(NARROW, "maya.chen", with_sender()).await;
    h.key(ch('M')).await;
    let today = now().date_naive();
    // A task: z asks for days (1 unless changed), due moves that far from today.
    let task = select_work(&mut h, |i| i.kind == WorkKind::Task && i.overdue).await;
    h.key(ch('z')).await;
    assert!(
        footer_text(&h).contains("due in how many days? 1"),
        "{}",
        footer_text(&h)
    );
    h.key(ctrl('u')).await;
    h.type_text("3").await;
    h.key(press(KeyCode::Enter)).await;
    let Record::Task(t) = h
        .store
        .get(EntityKind::Task, task.record_id)
        .await
        .expect("task")
    else {
        panic!("a task");
    };
    assert_eq!(t.due, Some(today + chrono::Days::new(3)));
    assert!(!work(&h).iter().any(|i| i.record_id == task.record_id));
    // An alert: snoozed a day; it cannot be reassigned.
    let alert = select_work(&mut h, |i| i.kind == WorkKind::Alert).await;
    h.key(ch('a')).await;
    assert!(
        footer_text(&h).contains("only tasks and playbook steps are reassigned"),
        "{}",
        footer_text(&h)
    );
    h.key(ch('z')).await;
    h.key(press(KeyCode::Enter)).await;
    let Record::Alert(a) = h
        .store
        .get(EntityKind::Alert, alert.record_id)
        .await
        .expect("alert")
    else {
        panic!("an alert");
    };
    assert_eq!(a.state, AlertState::Snoozed);
    assert_eq!(a.snoozed_until, Some(now() + TimeDelta::days(1)));
    // An email: not snoozed; c marks it answered.
    let email = select_work(&mut h, |i| i.kind == WorkKind::Email).await;
    h.key(ch('z')).await;
    assert!(
        footer_text(&h).contains("cannot be snoozed"),
        "{}",
        footer_text(&h)
    );
    h.key(ch('c')).await;
    let Record::Interaction(i) = h
        .store
        .get(EntityKind::Interaction, email.record_id)
        .await
        .expect("email")
    else {
        panic!("an interaction");
    };
    assert!(i.answered);
    assert!(!work(&h).iter().any(|i| i.record_id == email.record_id));
    // A task given to someone else leaves my work; a bad number of days is refused.
    let task = select_work(&mut h, |i| i.kind == WorkKind::Task).await;
    h.key(ch('z')).await;
    h.key(ctrl('u')).await;
    h.type_text("zero").await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.asking().is_some());
    assert!(
        footer_text(&h).contains("not a number of days"),
        "{}",
        footer_text(&h)
    );
    h.key(press(KeyCode::Esc)).await;
    h.key(ch('a')).await;
    h.type_text("jonas.weber").await;
    h.key(press(KeyCode::Enter)).await;
    let Record::Task(t) = h
        .store
        .get(EntityKind::Task, task.record_id)
        .await
        .expect("task")
    else {
        panic!("a task");
    };
    assert_eq!(t.assignee, "jonas.weber");
    assert!(!work(&h).iter().any(|i| i.record_id == task.record_id));
    // c on a task: done.
    let task = select_work(&mut h, |i| i.kind == WorkKind::Task).await;
    h.key(ch('c')).await;
    let Record::Task(t) = h
        .store
        .get(EntityKind::Task, task.record_id)
        .await
        .expect("task")
    else {
        panic!("a task");
    };
    assert_eq!(t.status, tend::domain::TaskStatus::Done);
}

#[tokio::test]
async fn read_only_my_work_and_email_keys_say_why_they_do_nothing() {
    let mut h = Harness::writable_as(NARROW, "maya.chen", with_sender()).await;
    h.app.read_only = true;
    h.app.read_only_why = Some("read-only: a viewer's token (role viewer)".into());
    h.key(ch('M')).await;
    let before = work(&h).len();
    for k in ['c', 'z', 'a'] {
        h.key(ch(k)).await;
        assert!(
            footer_text(&h).contains("viewer"),
            "{k}: {}",
            footer_text(&h)
        );
        assert!(h.app.overlays.asking().is_none());
    }
    assert_eq!(work(&h).len(), before);
    assert!(!footer_text(&h).contains("complete"), "{}", footer_text(&h));
    h.key(press(KeyCode::Esc)).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    for k in ['m', 'R'] {
        h.key(ch(k)).await;
        assert!(h.app.overlays.compose().is_none());
        assert!(
            footer_text(&h).contains("viewer"),
            "{k}: {}",
            footer_text(&h)
        );
    }
    // No round of the scheduler either.
    assert!(h.app.tick().is_empty());
}

#[tokio::test]
async fn a_reply_quotes_the_email_and_is_queued_in_the_outbox() {
    use tend::backend::outbound::{DeliveryQuery, DeliveryState};
    use tend::domain::{Direction, InteractionKind};
    use tend::tui::state::Command;
    let mut h = Harness::writable_as(NARROW, "maya.chen", with_sender()).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    // R on an outgoing interaction says why it does nothing.
    let list = the_360(&h).interactions.clone();
    let first = &list[0];
    assert!(!(first.kind == InteractionKind::Email && first.direction == Direction::In));
    h.key(ch('R')).await;
    assert!(h.app.overlays.compose().is_none());
    assert!(
        footer_text(&h).contains("only an incoming email is replied to"),
        "{}",
        footer_text(&h)
    );
    let at = list
        .iter()
        .position(|i| i.kind == InteractionKind::Email && i.direction == Direction::In)
        .expect("an incoming email");
    let original = list[at].clone();
    for _ in 0..at {
        h.key(ch('j')).await;
    }
    // The signature the backend appends shows under the text.
    h.app.signature = Some("Maya Chen\nCustomer Success, Tend".into());
    h.key(ch('R')).await;
    let c = h.app.overlays.compose().expect("the reply");
    assert_eq!(c.reply_to, Some(original.id));
    assert_eq!(c.fields[2].raw_text(), format!("Re: {}", original.subject));
    let to = c.fields[0].raw_text();
    assert!(
        to.contains("Sami Bianchi <sami.bianchi@larkspur-logistics.com>"),
        "{to}"
    );
    let body = c.fields[3].raw_text();
    let said = format!(
        "On {}, Sami Bianchi wrote:",
        original.at.format("%-d %b %Y at %H:%M")
    );
    assert!(body.starts_with(&format!("\n\n{said}\n> ")), "{body:?}");
    insta::assert_snapshot!("reply_draft_80x24", h.screen());
    // Typed above the quote, sent with Ctrl-S.
    h.type_text("Thank you, we are glad too.").await;
    let sent = h.key(ctrl('s')).await;
    let email = sent
        .iter()
        .find_map(|c| match c {
            Command::SendEmail(e) => Some(e.clone()),
            _ => None,
        })
        .expect("the email handed to the outbox");
    assert_eq!(email.in_reply_to, Some(original.id));
    assert_eq!(email.subject, format!("Re: {}", original.subject));
    assert!(
        email.body.starts_with("Thank you, we are glad too.\n\nOn "),
        "{:?}",
        email.body
    );
    assert!(
        email
            .body
            .contains(&format!("\n> {}", original.body.lines().next().unwrap()))
    );
    assert!(h.app.overlays.compose().is_none());
    // In the outbox, not sent (no SMTP server), and said so.
    let queued = h
        .store
        .deliveries(&DeliveryQuery {
            account: Some(LARKSPUR),
            ..Default::default()
        })
        .await
        .expect("deliveries");
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].state, DeliveryState::Queued);
    assert_eq!(queued[0].origin, "reply");
    assert!(
        queued[0]
            .summary
            .contains(&format!(": Re: {}", original.subject)),
        "{}",
        queued[0].summary
    );
    let footer = footer_text(&h);
    assert!(footer.contains("not sent yet"), "{footer}");
    // The Interactions tab says so, and O lists it.
    let screen = h.screen();
    assert!(screen.contains("Outbox: 1 waiting / 0 failed"), "{screen}");
    h.key(ch('O')).await;
    let screen = h.screen();
    assert!(screen.contains("queued"), "{screen}");
    assert!(screen.contains("Re: Renewal"), "{screen}");
    // r retries only what failed.
    h.key(ch('r')).await;
    assert!(
        footer_text(&h).contains("only a failed delivery"),
        "{}",
        footer_text(&h)
    );
    h.key(press(KeyCode::Esc)).await;
    assert!(!h.app.overlays.outbox());
}

#[tokio::test]
async fn esc_on_a_changed_draft_asks_before_throwing_it_away() {
    let mut h = Harness::writable_as(NARROW, "maya.chen", with_sender()).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    // m: To the champion, the cursor on the subject.
    h.key(ch('m')).await;
    let c = h.app.overlays.compose().expect("a new email");
    assert_eq!(
        c.fields[0].raw_text(),
        "Grace Schmidt <grace.schmidt@larkspur-logistics.com>"
    );
    assert_eq!(c.reply_to, None);
    // Unchanged, Esc closes it at once.
    h.key(press(KeyCode::Esc)).await;
    assert!(h.app.overlays.compose().is_none());
    h.key(ch('m')).await;
    h.type_text("Next steps").await;
    h.key(press(KeyCode::Tab)).await;
    h.type_text("Hi Grace,").await;
    h.key(press(KeyCode::Esc)).await;
    assert!(h.app.overlays.compose().is_some());
    let screen = h.screen();
    assert!(screen.contains("Throw this draft away?"), "{screen}");
    // Any other key keeps writing; y throws it away.
    h.key(ch('n')).await;
    let c = h.app.overlays.compose().expect("still open");
    assert_eq!(c.fields[3].raw_text(), "Hi Grace,");
    h.key(press(KeyCode::Esc)).await;
    h.key(ch('y')).await;
    assert!(h.app.overlays.compose().is_none());
    assert!(
        footer_text(&h).contains("nothing sent"),
        "{}",
        footer_text(&h)
    );
    // A draft with no subject is not sent: the subject field says why.
    h.key(ch('m')).await;
    h.key(ctrl('s')).await;
    let c = h.app.overlays.compose().expect("still open");
    assert_eq!(c.focus, 2);
    assert!(c.error.as_deref().is_some_and(|e| e.contains("subject")));
    let none = h
        .store
        .deliveries(&Default::default())
        .await
        .expect("deliveries");
    assert!(none.is_empty());
}

#[tokio::test]
async fn the_scheduler_runs_one_round_at_a_time_and_a_quiet_round_draws_nothing() {
    use tend::tui::state::Command;
    let mut h = Harness::writable_as(NARROW, "maya.chen", with_sender()).await;
    let first = h.app.tick();
    assert_eq!(first, vec![Command::Tick(1)]);
    // Asked again while it runs: nothing starts, one round follows it.
    assert!(h.app.tick().is_empty());
    let report = tend::backend::outbound::TickReport::default();
    let msg = Msg::Ticked(1, Ok(report.clone()));
    assert!(!h.app.quiet(&msg), "a round follows: not quiet");
    let next = h.app.update(msg);
    assert_eq!(next, vec![Command::Tick(2)]);
    // A round that did nothing changes nothing on screen.
    let msg = Msg::Ticked(2, Ok(report));
    assert!(h.app.quiet(&msg));
    assert!(h.app.update(msg).is_empty());
    assert!(h.app.ticking.is_none());
    // A round that ran a step loads again what it may have changed.
    let ran = tend::backend::outbound::TickReport {
        steps_run: 1,
        ..Default::default()
    };
    h.open(LARKSPUR).await;
    let again = h.app.tick();
    let Some(Command::Tick(n)) = again.first().cloned() else {
        panic!("a round: {again:?}");
    };
    let msg = Msg::Ticked(n, Ok(ran));
    assert!(!h.app.quiet(&msg));
    let cmds = h.app.update(msg);
    assert!(cmds.contains(&Command::LoadAccount(LARKSPUR)), "{cmds:?}");
    assert!(cmds.contains(&Command::LoadWork), "{cmds:?}");
}

/// Moves the open filters dialog to the filter `label` and chooses the option
/// whose text is `option`, or else starts with it (→ as many times as it takes).
async fn choose_filter(h: &mut Harness, label: &str, option: &str) {
    let (row, cursor) = {
        let x = h.app.overlays.filters().expect("the filters are open");
        let row = x
            .rows
            .iter()
            .position(|r| r.label == label)
            .unwrap_or_else(|| panic!("no filter {label}"));
        (row, x.cursor)
    };
    for _ in cursor..row {
        h.key(ch('j')).await;
    }
    for _ in row..cursor {
        h.key(ch('k')).await;
    }
    let x = h.app.overlays.filters().expect("the filters are open");
    assert_eq!(x.cursor, row);
    let r = &x.rows[row];
    let at = r
        .options
        .iter()
        .position(|(_, text)| text == option)
        .or_else(|| r.options.iter().position(|(_, t)| t.starts_with(option)))
        .unwrap_or_else(|| panic!("{label}: no option {option} in {:?}", r.options));
    let presses = (at + r.options.len() - r.chosen) % r.options.len();
    for _ in 0..presses {
        h.key(press(KeyCode::Right)).await;
    }
    let x = h.app.overlays.filters().expect("the filters are open");
    assert!(
        x.rows[row].options[x.rows[row].chosen]
            .1
            .starts_with(option)
    );
}

/// The interactions the Interactions tab lists, by id.
fn listed_interactions(h: &Harness) -> Vec<Id> {
    let a = h.app.account.as_ref().expect("an account");
    let d = a.data.value().expect("its 360");
    tend::tui::screens::account::state::visible_interactions(a, d)
        .iter()
        .map(|i| i.id)
        .collect()
}

/// The query a key sent to the store, if it sent one.
fn query_sent(commands: &[Command]) -> Option<tend::backend::InteractionQuery> {
    commands.iter().find_map(|c| match c {
        Command::SearchInteractions(_, q) => Some((**q).clone()),
        _ => None,
    })
}

#[tokio::test]
async fn interactions_filter_by_direction_contact_tag_and_role_through_the_store() {
    use tend::domain::Direction;
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Interactions).await;
        let every = listed_interactions(&h);
        assert!(h.screen().contains("F: filters"), "{}", h.screen());
        h.key(ch('F')).await;
        assert!(h.app.overlays.filters().is_some(), "F opens the filters");
        insta::assert_snapshot!(format!("interactions_filters_{}", dims(size)), h.screen());
        choose_filter(&mut h, "direction", "in").await;
        choose_filter(&mut h, "contact's role", "sponsor").await;
        let sent = h.key(press(KeyCode::Enter)).await;
        // The store's own query, as `tend interactions` and the API ask it.
        let q = query_sent(&sent).expect("Enter asks the store");
        assert_eq!(q.account_id, Some(LARKSPUR));
        assert_eq!(q.direction, Some(Direction::In));
        assert_eq!(q.contact_role.as_deref(), Some("sponsor"));
        assert_eq!(
            (q.contact_id, q.tag.as_deref(), q.text.as_deref()),
            (None, None, None)
        );
        let stored: Vec<Id> = h
            .store
            .interactions(&q)
            .await
            .expect("the store answers")
            .items
            .iter()
            .map(|i| i.id)
            .collect();
        let listed = listed_interactions(&h);
        assert!(
            !listed.is_empty() && listed.len() < every.len(),
            "{listed:?}"
        );
        assert_eq!(listed, stored);
        let screen = h.screen();
        assert!(screen.contains("· in · role sponsor"), "{screen}");
        insta::assert_snapshot!(
            format!("interactions_filtered_in_sponsor_{}", dims(size)),
            screen
        );
        // A contact of the account instead of the role: the filters open as set.
        h.key(ch('F')).await;
        choose_filter(&mut h, "contact's role", "any role").await;
        choose_filter(&mut h, "contact", "Lara Tanaka").await;
        let lara = the_360(&h)
            .contacts
            .iter()
            .find(|c| c.name == "Lara Tanaka")
            .expect("Lara")
            .id;
        let q = query_sent(&h.key(press(KeyCode::Enter)).await).expect("asked again");
        assert_eq!((q.contact_id, q.contact_role.clone()), (Some(lara), None));
        assert_eq!(q.direction, Some(Direction::In));
        // Nothing matches: the list says so and how to change it.
        h.key(ch('F')).await;
        choose_filter(&mut h, "tag", "complaint").await;
        h.key(press(KeyCode::Enter)).await;
        assert!(listed_interactions(&h).is_empty());
        let screen = h.screen();
        assert!(
            screen.contains("no interaction matches: F changes the filters"),
            "{screen}"
        );
        // x clears every filter: the whole history again, without a query.
        h.key(ch('F')).await;
        h.key(ch('x')).await;
        let sent = h.key(press(KeyCode::Enter)).await;
        assert!(query_sent(&sent).is_none());
        assert_eq!(listed_interactions(&h), every);
    }
}

#[tokio::test]
async fn a_search_and_the_filters_are_one_query() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Interactions).await;
    h.key(ch('F')).await;
    choose_filter(&mut h, "direction", "in").await;
    h.key(press(KeyCode::Enter)).await;
    let incoming = listed_interactions(&h);
    h.key(ch('/')).await;
    h.type_text("outage").await;
    let q = query_sent(&h.key(press(KeyCode::Enter)).await).expect("a query");
    assert_eq!(q.text.as_deref(), Some("outage"));
    assert_eq!(q.direction, Some(tend::domain::Direction::In));
    let found = listed_interactions(&h);
    assert!(
        !found.is_empty() && found.len() < incoming.len(),
        "{found:?}"
    );
    assert!(found.iter().all(|id| incoming.contains(id)));
    // Esc clears the search; the filter stays.
    h.key(ch('/')).await;
    let q = query_sent(&h.key(press(KeyCode::Esc)).await).expect("the filter alone");
    assert_eq!(q.text, None);
    assert_eq!(listed_interactions(&h), incoming);
}

#[tokio::test]
async fn opportunities_filter_by_owner_and_the_accounts_team() {
    for size in [NARROW, WIDE] {
        let options = Options::with_clock(fixed_clock(now()));
        let mut h = Harness::writable_as(size, "maya.chen", options).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Opportunities).await;
        let theirs = the_360(&h).opportunities.len();
        // An opportunity someone outside the account's team owns.
        h.key(ch('n')).await;
        h.type_text("Pilot in Spain").await;
        h.key(press(KeyCode::Tab)).await;
        h.key(press(KeyCode::Backspace)).await;
        h.type_text("9000").await;
        h.key(press(KeyCode::Tab)).await;
        h.key(press(KeyCode::Tab)).await;
        h.key(ctrl('u')).await;
        h.type_text("sam.sales").await;
        h.key(ctrl('s')).await;
        assert!(h.app.overlays.form().is_none(), "{}", h.screen());
        assert_eq!(the_360(&h).opportunities.len(), theirs + 1);
        h.key(ch('F')).await;
        insta::assert_snapshot!(format!("opportunities_filters_{}", dims(size)), h.screen());
        choose_filter(&mut h, "team", "outside").await;
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        assert!(screen.contains("Pilot in Spain"), "{screen}");
        assert!(screen.contains("outside the account's team"), "{screen}");
        assert_eq!(
            tend::tui::screens::account::state::list_len(
                h.app.account.as_ref().expect("an account")
            ),
            1
        );
        insta::assert_snapshot!(
            format!("opportunities_outside_the_team_{}", dims(size)),
            screen
        );
        // Mine: the demo's three, not the pilot.
        h.key(ch('F')).await;
        choose_filter(&mut h, "team", "anyone").await;
        choose_filter(&mut h, "owner", "me (maya.chen)").await;
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        assert!(!screen.contains("Pilot in Spain"), "{screen}");
        assert_eq!(
            tend::tui::screens::account::state::list_len(
                h.app.account.as_ref().expect("an account")
            ),
            theirs
        );
        // Mine and outside the team: none, and the list says what to do.
        h.key(ch('F')).await;
        choose_filter(&mut h, "team", "outside").await;
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        assert!(
            screen.contains("no opportunity of this owner or team: F changes the filters"),
            "{screen}"
        );
    }
}

#[tokio::test]
async fn an_agreement_shows_its_source_and_enter_opens_every_field() {
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Agreements).await;
        let screen = h.screen();
        assert!(screen.contains("SOURCE"), "{screen}");
        let agreements = the_360(&h).agreements.clone();
        for x in &agreements {
            let line = screen
                .lines()
                .find(|l| l.contains(&x.name))
                .unwrap_or_else(|| panic!("{} not listed:\n{screen}", x.name));
            assert!(line.contains(x.source.as_str()), "{line}");
        }
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        insta::assert_snapshot!(format!("agreement_details_{}", dims(size)), screen);
        let first = &agreements[0];
        for text in [
            format!("name: {}", first.name),
            format!("notice period: {} days", first.notice_days),
            format!(
                "external id: {}",
                first.external_id.as_deref().unwrap_or("-")
            ),
            "source: the CRM".to_string(),
        ] {
            assert!(screen.contains(&text), "{text}:\n{screen}");
        }
        // Any key closes it; the one entered in the app says so.
        h.key(press(KeyCode::Esc)).await;
        assert!(h.app.overlays.info().is_none());
        let ui = agreements
            .iter()
            .position(|x| x.source == tend::domain::Source::Ui)
            .expect("one entered in the app");
        for _ in 0..ui {
            h.key(ch('j')).await;
        }
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        assert!(
            screen.contains("source: tend (entered in the app)"),
            "{screen}"
        );
    }
}

#[tokio::test]
async fn a_case_is_added_from_the_support_tab_and_its_resolution_and_csat_are_charted() {
    use tend::domain::{CaseStatus, Source};
    for size in [NARROW, WIDE] {
        let mut h = Harness::writable(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Support).await;
        let before = the_360(&h).cases.len();
        h.key(ch('n')).await;
        assert!(h.app.overlays.form().is_some(), "n opens the form");
        h.key(press(KeyCode::Tab)).await;
        h.type_text("Exports time out").await;
        insta::assert_snapshot!(format!("form_new_case_{}", dims(size)), h.screen());
        h.key(press(KeyCode::Enter)).await;
        assert!(h.app.overlays.form().is_none(), "{}", h.screen());
        assert!(footer_text(&h).contains("created the support case"));
        // Written through the store: a case of tend's own number, opened now.
        let d = stored(&h, LARKSPUR).await;
        assert_eq!(d.cases.len(), before + 1);
        let case = d
            .cases
            .iter()
            .find(|c| c.subject == "Exports time out")
            .expect("the new case")
            .clone();
        assert_eq!(case.number, "T-1-1");
        assert_eq!(case.source, Source::Ui);
        assert_eq!((case.status, case.resolved_at), (CaseStatus::New, None));
        assert_eq!(case.opened_at, now());
        // Solved with a CSAT of 4: resolved now, charted in this month.
        let row = the_360(&h)
            .cases
            .iter()
            .position(|c| c.id == case.id)
            .expect("listed");
        h.key(ch('g')).await;
        for _ in 0..row {
            h.key(ch('j')).await;
        }
        h.key(ch('e')).await;
        for _ in 0..4 {
            h.key(press(KeyCode::Tab)).await;
        }
        h.key(ch('s')).await; // status: solved
        for _ in 0..6 {
            h.key(press(KeyCode::Tab)).await;
        }
        for _ in 0..4 {
            h.key(press(KeyCode::Right)).await; // CSAT 4/5
        }
        h.key(ctrl('s')).await;
        assert!(h.app.overlays.form().is_none(), "{}", h.screen());
        let d = stored(&h, LARKSPUR).await;
        let solved = d.cases.iter().find(|c| c.id == case.id).expect("the case");
        assert_eq!(solved.status, CaseStatus::Solved);
        assert_eq!((solved.resolved_at, solved.csat), (Some(now()), Some(4)));
        let months = tend::tui::screens::account::support::monthly(&d);
        let this = months.last().expect("this month");
        assert_eq!((this.opened, this.resolved, this.answers), (1, 1, 1));
        assert_eq!((this.median_hours, this.csat), (Some(0), Some(4.0)));
        let screen = h.screen();
        let month = this.start.format("%b").to_string();
        for text in [
            format!("1 in {month}"),
            format!("{month}: 0.0d"),
            format!("{month}: 4.0"),
            "days to resolve".to_string(),
            "CSAT (1-5)".to_string(),
        ] {
            assert!(screen.contains(&text), "{text}:\n{screen}");
        }
        insta::assert_snapshot!(format!("support_case_solved_{}", dims(size)), screen);
    }
}

/// The account's tasks on the Tasks tab (v: kanban, list, by project).
fn task_rows_of(h: &Harness) -> Vec<String> {
    let a = h.app.account.as_ref().expect("an account");
    let d = a.data.value().expect("loaded");
    tend::tui::screens::account::task_views::listed(&a.tasks, d)
        .iter()
        .map(|t| t.title.clone())
        .collect()
}

#[tokio::test]
async fn tasks_list_and_by_project_views() {
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Tasks).await;
        let screen = h.screen();
        assert!(screen.contains("kanban"), "{screen}");
        // Each card says its type and its age.
        assert!(screen.contains("age "), "{screen}");
        h.key(ch('v')).await;
        let screen = h.screen();
        assert!(
            screen.contains("TYPE") && screen.contains("AGE"),
            "{screen}"
        );
        // Open before done.
        let a = h.app.account.as_ref().expect("an account");
        let d = a.data.value().expect("loaded");
        let listed = tend::tui::screens::account::task_views::listed(&a.tasks, d);
        let first_done = listed
            .iter()
            .position(|t| t.status == tend::domain::TaskStatus::Done)
            .unwrap_or(listed.len());
        assert!(
            listed[first_done..]
                .iter()
                .all(|t| t.status == tend::domain::TaskStatus::Done),
            "done tasks last"
        );
        let completed = d
            .projects
            .iter()
            .filter(|p| p.status == tend::domain::ProjectStatus::Completed)
            .count();
        insta::assert_snapshot!(format!("tasks_list_{}", dims(size)), screen);
        h.key(ch('v')).await;
        let screen = h.screen();
        assert!(screen.contains("PROJECT / TASK"), "{screen}");
        insta::assert_snapshot!(format!("tasks_by_project_{}", dims(size)), screen);
        // C opens the completed projects.
        if completed > 0 {
            assert!(screen.contains("completed project"), "{screen}");
            let before = tend::tui::screens::account::state::list_len(
                h.app.account.as_ref().expect("an account"),
            );
            h.key(ch('C')).await;
            let after = tend::tui::screens::account::state::list_len(
                h.app.account.as_ref().expect("an account"),
            );
            assert!(after > before, "{before} -> {after}");
            insta::assert_snapshot!(
                format!("tasks_completed_projects_{}", dims(size)),
                h.screen()
            );
        }
        h.key(ch('v')).await;
        assert!(h.screen().contains("kanban"));
    }
}

#[tokio::test]
async fn tasks_completed_projects_show_in_their_own_section() {
    // The first account with a completed project that has tasks.
    let store = demo();
    let mut found = None;
    for id in 1..=60 {
        let d = store.account(id).await.expect("an account");
        if d.projects.iter().any(|p| {
            p.status == tend::domain::ProjectStatus::Completed
                && d.tasks.iter().any(|t| t.project_id == Some(p.id))
        }) {
            found = Some(id);
            break;
        }
    }
    let id = found.expect("a completed project in the demo");
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(id).await;
        h.tab(Tab::Tasks).await;
        // C from the kanban goes to the projects, the completed ones open.
        h.key(ch('C')).await;
        let screen = h.screen();
        assert!(screen.contains("by project"), "{screen}");
        assert!(screen.contains("completed project"), "{screen}");
        assert!(screen.contains("completed "), "{screen}");
        insta::assert_snapshot!(format!("tasks_completed_projects_{}", dims(size)), screen);
        let open = tend::tui::screens::account::state::list_len(h.app.account.as_ref().expect("a"));
        h.key(ch('C')).await;
        let shut = tend::tui::screens::account::state::list_len(h.app.account.as_ref().expect("a"));
        assert!(shut < open, "{open} -> {shut}");
        assert!(h.screen().contains("C shows"), "{}", h.screen());
    }
}

#[tokio::test]
async fn tasks_filters_ask_the_store() {
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Tasks).await;
        h.key(ch('v')).await;
        let all = task_rows_of(&h);
        h.key(ch('F')).await;
        let screen = h.screen();
        assert!(screen.contains("Filter tasks"), "{screen}");
        insta::assert_snapshot!(format!("tasks_filters_{}", dims(size)), screen);
        // state: open.
        h.key(ch('l')).await;
        let asked = h.key(press(KeyCode::Enter)).await;
        let query = asked
            .iter()
            .find_map(|c| match c {
                Command::AskTab(_, q) => match q.as_ref() {
                    tend::tui::state::TabQuery::Tasks(q) => Some(q.clone()),
                    _ => None,
                },
                _ => None,
            })
            .expect("the store is asked");
        assert_eq!(query.open, Some(true));
        assert_eq!(query.account_id, Some(LARKSPUR));
        let open = task_rows_of(&h);
        let expected: Vec<String> = {
            let d = h
                .app
                .account
                .as_ref()
                .and_then(|a| a.data.value())
                .expect("d");
            let mut v: Vec<&tend::domain::Task> = d
                .tasks
                .iter()
                .filter(|t| t.status != tend::domain::TaskStatus::Done)
                .collect();
            v.sort_by_key(|t| {
                (
                    t.due.is_none(),
                    t.due,
                    t.priority,
                    t.title.to_lowercase(),
                    t.id,
                )
            });
            v.iter().map(|t| t.title.clone()).collect()
        };
        assert_eq!(open, expected);
        assert!(open.len() < all.len(), "{open:?} of {all:?}");
        let screen = h.screen();
        assert!(screen.contains("· open"), "{screen}");
        insta::assert_snapshot!(format!("tasks_filtered_open_{}", dims(size)), screen);
        // A filter nothing matches says so.
        h.key(ch('F')).await;
        h.key(ch('j')).await;
        h.key(ch('l')).await; // due: overdue
        h.key(ch('j')).await;
        h.key(ch('j')).await;
        for _ in 0..5 {
            h.key(ch('l')).await; // type: review
        }
        h.key(press(KeyCode::Enter)).await;
        if task_rows_of(&h).is_empty() {
            assert!(h.screen().contains("no task matches"), "{}", h.screen());
        }
    }
}

#[tokio::test]
async fn usage_activity_and_modules_views() {
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(ORION).await;
        h.tab(Tab::Usage).await;
        let asked = h.key(ch('v')).await;
        assert!(
            asked.iter().any(|c| matches!(
                c,
                Command::AskTab(ORION, q) if matches!(q.as_ref(), tend::tui::state::TabQuery::Usage(_))
            )),
            "{asked:?}"
        );
        let screen = h.screen();
        assert!(screen.contains("unique users"), "{screen}");
        assert!(screen.contains("minutes engaged"), "{screen}");
        insta::assert_snapshot!(format!("usage_activity_days_{}", dims(size)), screen);
        h.key(ch('p')).await;
        let screen = h.screen();
        assert!(screen.contains("per week, 12 weeks"), "{screen}");
        insta::assert_snapshot!(format!("usage_activity_weeks_{}", dims(size)), screen);
        h.key(ch('p')).await;
        assert!(h.screen().contains("per month, 12 months"));
        // The table's rows are the store's buckets, newest first.
        let a = h.app.account.as_ref().expect("an account");
        let buckets = a.usage.activity.value().expect("buckets");
        assert_eq!(buckets.len(), 12);
        h.key(ch('v')).await;
        let screen = h.screen();
        assert!(screen.contains("modules & features"), "{screen}");
        assert!(screen.contains("account ("), "{screen}");
        insta::assert_snapshot!(format!("usage_features_account_{}", dims(size)), screen);
        h.key(ch('b')).await;
        let screen = h.screen();
        assert!(screen.contains("modules of account"), "{screen}");
        insta::assert_snapshot!(format!("usage_modules_account_{}", dims(size)), screen);
        // A user's own modules.
        h.key(ch('j')).await;
        let a = h.app.account.as_ref().expect("an account");
        let user = a.usage.users.value().expect("users")[0].name.clone();
        let screen = h.screen();
        assert!(screen.contains(&format!("modules of {user}")), "{screen}");
        assert!(screen.contains("SHARE"), "{screen}");
        insta::assert_snapshot!(format!("usage_modules_user_{}", dims(size)), screen);
        h.key(ch('b')).await;
        assert!(h.screen().contains(&format!("features of {user}")));
    }
}

#[tokio::test]
async fn new_task_and_usage_views_draw_without_colour_and_in_ascii() {
    let plain = Theme::new(ThemeName::Dark, true);
    let mut h = Harness::with(Keymap::default(), plain, NARROW).await;
    h.app.ascii = true;
    h.open(ORION).await;
    h.tab(Tab::Tasks).await;
    for _ in 0..3 {
        assert_colourless(&h.draw(), "tasks");
        h.key(ch('v')).await;
    }
    h.key(ch('v')).await;
    h.key(ch('v')).await;
    h.key(ch('C')).await;
    let screen = h.screen();
    assert!(
        screen
            .lines()
            .filter(|l| l.contains("completed project") || l.contains(" done "))
            .all(|l| !l.contains('▸') && !l.contains('▾')),
        "{screen}"
    );
    h.tab(Tab::Usage).await;
    // Activity, Modules & Features, Metrics, and back to usage.
    for _ in 0..4 {
        h.key(ch('v')).await;
        assert_colourless(&h.draw(), "usage");
    }
    h.key(ch('v')).await;
    let screen = h.screen();
    assert!(screen.contains("unique users"), "{screen}");
    assert!(
        !screen.contains(['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█']),
        "{screen}"
    );
    insta::assert_snapshot!("usage_activity_ascii_80x24", screen);
}

// Custom fields and churn reasons ------------------------------------------------

/// A writable demo store and app with the demo's custom fields (tier, seats,
/// kickoff date, exec sponsor, notes) and churn reasons, as `tend demo` has them.
async fn with_account_rules(size: (u16, u16)) -> Harness {
    let rules = Arc::new(tend::domain::AccountRules::demo());
    let options = Options {
        accounts: rules.clone(),
        ..Options::with_clock(fixed_clock(now()))
    };
    let mut h = Harness::writable_as(size, "maya", options).await;
    h.app.account_rules = rules;
    h
}

/// Focuses the form's field at `path`.
fn focus_field(h: &mut Harness, path: &str) {
    let form = h.app.overlays.form_mut().expect("a form");
    form.focus = form
        .fields
        .iter()
        .position(|f| f.path == path)
        .unwrap_or_else(|| panic!("no field {path}"));
}

#[tokio::test]
async fn custom_fields_and_churn_reasons_are_picked_in_settings() {
    for size in [NARROW, WIDE] {
        let mut h = with_account_rules(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Settings).await;
        h.key(ch('e')).await;
        // The churn reason: the category first, then a reason under it, then a
        // detail under that (a letter picks the next option starting with it).
        focus_field(&mut h, "churn.reason_category");
        h.key(ch('p')).await;
        h.key(ch('p')).await;
        focus_field(&mut h, "churn.reason_subcategory");
        let form = h.app.overlays.form().expect("the form");
        let sub = &form.fields[form.focus];
        assert!(
            sub.display().starts_with("none"),
            "another category leaves no reason picked: {}",
            sub.display()
        );
        h.key(ch('t')).await;
        // Price has no details: the detail offers none only.
        focus_field(&mut h, "churn.reason_details");
        h.key(ch('x')).await;
        // Custom fields by their type.
        focus_field(&mut h, "custom_fields.tier");
        h.key(ch('g')).await;
        focus_field(&mut h, "custom_fields.seats");
        h.type_text("12 seats").await;
        let screen = h.screen();
        assert!(screen.contains("is not a number"), "{screen}");
        for _ in 0.." seats".len() {
            h.key(press(KeyCode::Backspace)).await;
        }
        focus_field(&mut h, "custom_fields.exec_sponsor");
        h.type_text("raj.patel").await;
        let screen = h.screen();
        assert!(!screen.contains("is not a number"), "{screen}");
        insta::assert_snapshot!(format!("form_custom_fields_{}", dims(size)), screen);
        h.key(press(KeyCode::Enter)).await;
        assert!(h.app.overlays.form().is_none(), "{}", h.screen());
        let account = the_360(&h).account.clone();
        assert_eq!(account.custom_fields["tier"], "gold");
        assert_eq!(account.custom_fields["seats"], "12");
        assert!(
            !account.custom_fields.contains_key("kickoff"),
            "empty is unset"
        );
        assert_eq!(
            (
                account.churn.reason_category.as_deref(),
                account.churn.reason_subcategory.as_deref(),
                account.churn.reason_details.as_deref()
            ),
            (Some("Price"), Some("Too expensive"), None)
        );
        assert!(
            account.team.contains(&"raj.patel".to_string()),
            "{:?}",
            account.team
        );
        let screen = h.screen();
        assert!(screen.contains("Price > Too expensive"), "{screen}");
        insta::assert_snapshot!(format!("settings_custom_fields_{}", dims(size)), screen);
    }
}

#[tokio::test]
async fn churn_details_follow_the_reason_picked() {
    let mut h = with_account_rules(WIDE).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Settings).await;
    h.key(ch('e')).await;
    focus_field(&mut h, "churn.reason_category");
    // From none: P picks Product, then the reasons under it.
    h.key(ch('p')).await;
    focus_field(&mut h, "churn.reason_subcategory");
    h.key(ch('m')).await;
    focus_field(&mut h, "churn.reason_details");
    h.key(ch('i')).await;
    let form = h.app.overlays.form().expect("the form");
    assert_eq!(form.fields[form.focus].display(), "Integrations");
    // Another reason: the detail falls back to none.
    focus_field(&mut h, "churn.reason_subcategory");
    h.key(ch('a')).await;
    let form = h.app.overlays.form().expect("the form");
    let detail = form
        .fields
        .iter()
        .find(|f| f.path == "churn.reason_details")
        .expect("detail");
    assert_eq!(detail.display(), "none");
}

#[tokio::test]
async fn custom_fields_draw_without_colour() {
    let mut h = with_account_rules(NARROW).await;
    h.theme = Theme::new(ThemeName::Dark, true);
    h.open(LARKSPUR).await;
    h.tab(Tab::Settings).await;
    assert_colourless(&h.draw(), "settings");
    h.key(ch('e')).await;
    assert_colourless(&h.draw(), "the settings form");
}

// The Overview's blocks from the config --------------------------------------------

#[tokio::test]
async fn the_overview_shows_the_configured_blocks_in_their_order() {
    use tend::tui::screens::account::blocks::OverviewBlock as B;
    for size in [NARROW, WIDE] {
        let mut h = with_account_rules(size).await;
        // Larkspur with a tier and seats, and a churn forecast.
        let mut a = match h
            .store
            .get(EntityKind::Account, LARKSPUR)
            .await
            .expect("Larkspur")
        {
            tend::domain::Record::Account(a) => a,
            other => panic!("{other:?}"),
        };
        a.custom_fields.insert("tier".into(), "silver".into());
        a.custom_fields.insert("seats".into(), "40".into());
        a.churn.likelihood = tend::domain::ChurnLikelihood::AtRisk;
        a.churn.reason_category = Some("Product".into());
        a.churn.reason_subcategory = Some("Adoption".into());
        h.store
            .update("maya", tend::domain::Record::Account(a))
            .await
            .expect("saved");
        h.app.overview = vec![B::CustomFields, B::Churn, B::Kpis, B::Health];
        h.open(LARKSPUR).await;
        // Opened before the write (the first account loads with the app): again.
        h.run(vec![Command::LoadAccount(LARKSPUR)]).await;
        let a = &the_360(&h).account;
        assert_eq!(a.custom_fields["tier"], "silver", "{a:?}");
        let screen = h.screen();
        let at = |needle: &str| {
            screen
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} not on screen:\n{screen}"))
        };
        // The text blocks first (custom fields on the left, the rest on the
        // right), the health row after them; no focus areas, no stakeholders.
        assert!(at("Custom fields") < at("12 weeks"), "{screen}");
        assert!(at("Churn forecast") < at("12 weeks"), "{screen}");
        assert!(screen.contains("Tier: silver"), "{screen}");
        assert!(!screen.contains("Focus areas"), "{screen}");
        assert!(!screen.contains("Key stakeholders"), "{screen}");
        insta::assert_snapshot!(format!("overview_blocks_{}", dims(size)), screen);
        // Health alone fills the tab; a text block alone takes the whole width.
        h.app.overview = vec![B::Kpis];
        let screen = h.screen();
        assert!(
            screen.contains("KPIs") && !screen.contains("12 weeks"),
            "{screen}"
        );
    }
}

/// The Agreements tab's financials (`v`): revenue by month, the subscription
/// history and the invoices; an overdue invoice makes the account late, and a
/// payment recorded with `x` (what it owes, today) makes it up to date again.
#[tokio::test]
async fn financials_show_the_invoices_and_a_payment_recorded_brings_payments_up_to_date() {
    use tend::domain::{Invoice, InvoiceState, Record, Source};
    for size in [NARROW, WIDE] {
        let mut h = Harness::writable(size).await;
        let today = now().date_naive();
        let d = stored(&h, BRIGHTWAVE).await;
        assert!(!d.invoices.is_empty(), "the demo bills Brightwave monthly");
        // An invoice left unpaid past its due date.
        let late = Invoice {
            id: 0,
            version: 1,
            created_at: now(),
            updated_at: now(),
            source: Source::Ui,
            external_id: None,
            account_id: BRIGHTWAVE,
            agreement_id: None,
            number: "INV-LATE-1".into(),
            amount_cents: 123_400,
            currency: "USD".into(),
            issued_on: today - chrono::Days::new(60),
            due_on: today - chrono::Days::new(30),
            void: false,
        };
        let before = d.row.health_score.expect("scored");
        h.store
            .create("tend", Record::Invoice(late))
            .await
            .expect("an overdue invoice");
        let late_score = stored(&h, BRIGHTWAVE)
            .await
            .row
            .health_score
            .expect("scored");
        assert!(late_score < before, "rescored: {before} -> {late_score}");
        h.open(BRIGHTWAVE).await;
        h.tab(Tab::Agreements).await;
        h.key(ch('v')).await;
        let screen = h.screen();
        insta::assert_snapshot!(format!("financials_{}", dims(size)), screen);
        for text in [
            "revenue",
            "invoiced",
            "collected",
            "subscriptions",
            "INV-LATE-1",
            "overdue",
        ] {
            assert!(screen.contains(text), "{text}:\n{screen}");
        }
        assert!(screen.contains("payment late"), "{screen}");
        let d = stored(&h, BRIGHTWAVE).await;
        let row = d
            .invoices
            .iter()
            .position(|i| i.number == "INV-LATE-1")
            .expect("listed");
        for _ in 0..row {
            h.key(ch('j')).await;
        }
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        assert!(screen.contains("no payment yet"), "{screen}");
        h.key(press(KeyCode::Esc)).await;
        h.key(ch('x')).await;
        assert!(h.app.overlays.form().is_some(), "x opens the payment form");
        h.key(ctrl('s')).await;
        assert!(h.app.overlays.form().is_none(), "{}", h.screen());
        let d = stored(&h, BRIGHTWAVE).await;
        let late = d
            .invoices
            .iter()
            .find(|i| i.number == "INV-LATE-1")
            .expect("the invoice");
        assert_eq!(late.state(&d.payments, today), InvoiceState::Paid);
        assert_eq!(
            tend::domain::payment_up_to_date(&d.invoices, &d.payments, &d.agreements, today),
            Some(true)
        );
        assert_eq!(d.row.health_score, Some(before), "rescored when paid");
        let screen = h.screen();
        assert!(screen.contains("payment up to date"), "{screen}");
        // Back to the agreements.
        h.key(ch('v')).await;
        assert!(h.screen().contains("AGREEMENT"), "{}", h.screen());
    }
}

// Health switched off --------------------------------------------------------------

/// The demo with health off (`[health] enabled = false`) in the store and the app.
async fn with_health_off(size: (u16, u16)) -> Harness {
    let options = Options {
        health: Arc::new(tend::health::HealthSetup {
            enabled: false,
            ..tend::health::HealthSetup::default()
        }),
        ..Options::with_clock(fixed_clock(now()))
    };
    let store = Arc::new(Store::demo(options).expect("demo store"));
    let mut h = Harness {
        app: App::new(Keymap::default(), now()),
        store,
        theme: dark(),
        user: "maya.chen".into(),
    };
    h.app.now = now();
    h.app.set_health_off(true);
    h.send(Msg::Resize(size.0, size.1)).await;
    let start = h.app.start();
    h.run(start).await;
    h
}

#[tokio::test]
async fn with_health_off_no_score_shows_and_the_portfolio_is_by_renewal() {
    for size in [NARROW, WIDE] {
        let mut h = with_health_off(size).await;
        assert_eq!(h.app.portfolio.sort, PortfolioSort::Renewal);
        assert!(
            h.rows().iter().all(|r| r.health_score.is_none()),
            "no account keeps a score"
        );
        let renewals: Vec<_> = h.rows().iter().filter_map(|r| r.renewal).collect();
        assert!(renewals.windows(2).all(|w| w[0] <= w[1]), "{renewals:?}");
        let screen = h.screen();
        assert!(screen.contains("off"), "{screen}");
        insta::assert_snapshot!(format!("health_off_portfolio_{}", dims(size)), screen);
        let first = h.rows()[h.app.portfolio.view[0]].id;
        // Opened without a health report: there is none to load.
        h.select(first).await;
        h.key(press(KeyCode::Enter)).await;
        let screen = h.screen();
        assert!(screen.contains("health off"), "{screen}");
        assert!(
            screen.contains("health is off for this organisation"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("health_off_overview_{}", dims(size)), screen);
        h.tab(Tab::Health).await;
        let screen = h.screen();
        assert!(screen.contains("health is off"), "{screen}");
    }
}

/// The Usage tab's fourth view: the Metrics charts, the defaults when the config
/// defines none, and a chart of the config's (by week, a health component) when
/// it does; each line's values are the account's.
#[tokio::test]
async fn metrics_show_the_default_charts_and_those_of_the_config() {
    use tend::tui::screens::account::charts::{Every, Metric, MetricChart, series, starts};
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Usage).await;
        for _ in 0..3 {
            h.key(ch('v')).await;
        }
        let screen = h.screen();
        insta::assert_snapshot!(format!("usage_metrics_{}", dims(size)), screen);
        for text in ["metrics", "Engagement", "unique users", "default charts"] {
            assert!(screen.contains(text), "{text}:\n{screen}");
        }
        let d = the_360(&h).clone();
        let today = d.as_of.date_naive();
        let months = starts(Every::Month, 12, today);
        let users = series(&Metric::UsageUsers, &d, None, Every::Month, &months, today);
        let last = users.last().copied().flatten().expect("this month's users");
        let line = screen
            .lines()
            .find(|l| l.contains("unique users"))
            .expect("the users' line");
        assert!(line.contains(&format!("now {last:.0}")), "{line}");
        h.app.metrics = vec![MetricChart {
            name: "Adoption weekly".into(),
            series: vec![Metric::HealthComponent("usage".into()), Metric::CasesOpened],
            every: Every::Week,
            span: 8,
        }];
        let screen = h.screen();
        for text in [
            "Adoption weekly",
            "by week",
            "health: usage",
            "charts of [[metrics]]",
        ] {
            assert!(screen.contains(text), "{text}:\n{screen}");
        }
        h.key(ch('v')).await;
        assert!(
            !h.screen().contains("Adoption weekly"),
            "v goes back to usage"
        );
    }
}

// The account's alerts, timeline, contacts' health and group -----------------

fn alerts_listed(h: &Harness) -> Vec<tend::domain::Alert> {
    let a = h.app.account.as_ref().expect("an open account");
    tend::tui::screens::account::state::visible_alerts(a, the_360(h))
        .into_iter()
        .cloned()
        .collect()
}

/// The Alerts tab: the account's alerts in the inbox's table, with the inbox's
/// keys, and under them the tasks made for the selected one (`n` makes one).
#[tokio::test]
async fn the_alerts_tab_lists_the_accounts_alerts_with_their_tasks() {
    use tend::domain::{AlertState, EntityKind as K, Record};
    for size in [NARROW, WIDE] {
        let mut h = Harness::writable(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Alerts).await;
        let listed = alerts_listed(&h);
        assert_eq!(
            listed.len(),
            the_360(&h).alerts.len(),
            "every state at first"
        );
        assert!(listed.len() >= 2, "{listed:?}");
        assert!(
            listed.windows(2).all(|w| w[0].at >= w[1].at),
            "newest first"
        );
        let first = listed[0].clone();
        assert!(h.screen().contains("no task yet"), "{}", h.screen());
        // n: a task for the selected alert, titled after it.
        h.key(ch('n')).await;
        let form = h.app.overlays.form().expect("the alert task form");
        assert_eq!(form.title, "New alert task");
        h.key(ctrl('s')).await;
        assert!(h.app.overlays.form().is_none(), "{}", h.screen());
        let task = stored(&h, LARKSPUR)
            .await
            .tasks
            .into_iter()
            .find(|t| t.alert_id == Some(first.id))
            .expect("a task of the alert");
        assert!(task.title.starts_with("Follow up: "), "{}", task.title);
        assert_eq!(task.assignee, "maya");
        let screen = h.screen();
        assert!(screen.contains("1 open"), "{screen}");
        assert!(screen.contains("Follow up: "), "{screen}");
        insta::assert_snapshot!(format!("larkspur_alert_task_{}", dims(size)), screen);
        // x: done, as in the inbox; again: open.
        h.key(ch('x')).await;
        let Record::Alert(done) = h.store.get(K::Alert, first.id).await.expect("the alert") else {
            panic!("not an alert");
        };
        assert_eq!(done.state, AlertState::Done);
        assert!(
            footer_text(&h).contains("marked the alert done"),
            "{}",
            footer_text(&h)
        );
        // f: open ones only; the done one is gone from the list.
        h.key(ch('f')).await;
        assert!(
            alerts_listed(&h)
                .iter()
                .all(|a| a.state_at(now()) == AlertState::Open)
        );
        assert!(!alerts_listed(&h).iter().any(|a| a.id == first.id));
        // z: snoozed a day, listed under snoozed (f) with its end.
        h.key(ch('g')).await;
        let snoozing = alerts_listed(&h)[0].clone();
        h.key(ch('z')).await;
        let Record::Alert(snoozed) = h.store.get(K::Alert, snoozing.id).await.expect("alert")
        else {
            panic!("not an alert");
        };
        assert_eq!(snoozed.state, AlertState::Snoozed);
        assert_eq!(snoozed.snoozed_until, Some(now() + TimeDelta::days(1)));
        h.key(ch('f')).await;
        assert_eq!(
            alerts_listed(&h).iter().map(|a| a.id).collect::<Vec<_>>(),
            vec![snoozing.id]
        );
        assert!(h.screen().contains("until "), "{}", h.screen());
        // Nothing in a state: the tab says so and which key shows the others.
        h.key(ch('f')).await;
        h.key(ch('x')).await; // the done one, reopened
        h.key(ch('f')).await; // all
        h.key(ch('f')).await; // open
        h.key(ch('f')).await; // snoozed
        h.key(ch('f')).await; // done: none left
        let screen = h.screen();
        assert!(
            screen.contains("no done alerts on this account — f shows the others"),
            "{screen}"
        );
    }
}

/// Enter on an alert opens the tab it is about; Esc comes back to the alerts.
#[tokio::test]
async fn enter_on_an_account_alert_opens_its_tab_and_esc_comes_back() {
    let mut h = Harness::new(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Alerts).await;
    let at = alerts_listed(&h)
        .iter()
        .position(|a| a.rule == "renewal_at_risk")
        .expect("Larkspur's renewal alert");
    for _ in 0..at {
        h.key(ch('j')).await;
    }
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(h.tab_now(), Some(Tab::Agreements));
    h.key(press(KeyCode::Esc)).await;
    assert_eq!(h.tab_now(), Some(Tab::Alerts));
    assert_eq!(h.app.account.as_ref().map(|a| a.selected()), Some(at));
}

/// An account without alerts says so instead of an empty table.
#[tokio::test]
async fn an_account_without_alerts_says_so() {
    let mut h = Harness::new(NARROW).await;
    let quiet = h.rows().iter().map(|r| r.id).collect::<Vec<_>>();
    let mut found = None;
    for id in quiet {
        if h.store.account(id).await.expect("a 360").alerts.is_empty() {
            found = Some(id);
            break;
        }
    }
    let id = found.expect("a demo account without alerts");
    h.open(id).await;
    h.tab(Tab::Alerts).await;
    let screen = h.screen();
    assert!(screen.contains("no alerts on this account"), "{screen}");
}

/// A churn risk set today and a case opened escalated three weeks ago: both in
/// the timeline under the chart and marked on it, in the at-risk colour.
#[tokio::test]
async fn the_timeline_lists_key_events_and_marks_them_on_the_chart() {
    use tend::domain::{ChurnLikelihood, Record};
    for size in [NARROW, WIDE] {
        let mut h = Harness::writable(size).await;
        let d = stored(&h, LARKSPUR).await;
        let mut account = d.account.clone();
        account.churn.likelihood = ChurnLikelihood::AtRisk;
        h.store
            .update("priya.patel", Record::Account(account))
            .await
            .expect("churn risk set");
        let opened = now() - TimeDelta::days(21);
        let case: tend::domain::SupportCase = serde_json::from_value(serde_json::json!({
            "id": 0, "created_at": opened, "updated_at": opened, "account_id": LARKSPUR,
            "number": "CS-9001", "subject": "Exports time out", "priority": "urgent",
            "severity": 1, "status": "open", "escalated": true, "team": "platform",
            "region": "EMEA", "opened_at": opened
        }))
        .expect("a case");
        h.store
            .create("priya.patel", Record::SupportCase(case))
            .await
            .expect("an escalated case");
        h.open(LARKSPUR).await;
        // The first account was loaded before the writes: load it again.
        h.key(ctrl('r')).await;
        let events = h
            .app
            .account
            .as_ref()
            .and_then(|a| a.timeline.value())
            .expect("the timeline")
            .clone();
        assert!(
            events
                .iter()
                .any(|e| e.text == "Churn forecast none → at risk (by priya.patel)"),
            "{events:?}"
        );
        assert!(
            events
                .iter()
                .any(|e| e.text.starts_with("Case CS-9001 escalated")),
            "{events:?}"
        );
        let top = h.draw();
        // The chart is above the KPIs: a mark there in the at-risk colour.
        let kpis = cells_of(&top, "KPIs").first().map(|c| c.1);
        let chart_rows = 5..kpis.unwrap_or(top.area.height);
        let at_risk = h.theme.at_risk.fg.unwrap_or(Color::Reset);
        let marked = |buffer: &Buffer, mark: &str| {
            chart_rows.clone().any(|y| {
                (0..buffer.area.width).any(|x| {
                    let c = &buffer[(x, y)];
                    c.symbol() == mark && c.fg == at_risk
                })
            })
        };
        assert!(marked(&top, "E"), "no E on the chart:\n{}", text(&top));
        if size == NARROW {
            insta::assert_snapshot!("larkspur_timeline_chart_80x24", text(&top));
            h.key(ch('G')).await;
        }
        let screen = h.screen();
        assert!(
            screen.contains("C 23 Nov Churn forecast none → at risk (by priya.patel)")
                || screen.contains("Churn forecast none → at risk"),
            "{screen}"
        );
        assert!(
            screen.contains("Case CS-9001 escalated: Exports time out (urgent)"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("larkspur_timeline_{}", dims(size)), screen);
        // Drawn with ASCII only, the letters are on the chart too.
        h.key(ch('g')).await;
        h.app.ascii = true;
        let ascii = h.draw();
        assert!(
            marked(&ascii, "E"),
            "no E on the ASCII chart:\n{}",
            text(&ascii)
        );
        h.app.ascii = false;
    }
}

/// Every contact has its health indicator in the list, in its colour; the
/// selected one's is explained under it, signal by signal.
#[tokio::test]
async fn the_contacts_list_shows_each_contacts_health_and_what_makes_it() {
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.open(LARKSPUR).await;
        h.tab(Tab::Contacts).await;
        let d = the_360(&h);
        assert_eq!(d.contact_health.len(), d.contacts.len());
        let lara = d
            .contacts
            .iter()
            .position(|c| c.name == "Lara Tanaka")
            .expect("Larkspur's sponsor");
        for _ in 0..lara {
            h.key(ch('j')).await;
        }
        let frame = h.draw();
        let screen = text(&frame);
        // Lara, the sponsor nobody has talked to in months: at risk, for that.
        assert!(screen.contains("Lara Tanaka ■ 0 at risk"), "{screen}");
        assert!(screen.contains("last touch 166 days ago"), "{screen}");
        let row = cells_of(&frame, "Lara Tanaka")
            .first()
            .map(|c| c.1)
            .expect("her row");
        let mark = (0..frame.area.width)
            .find(|x| frame[(*x, row)].symbol() == "■")
            .expect("her health mark");
        assert_eq!(
            frame[(mark, row)].fg,
            h.theme.at_risk.fg.unwrap_or(Color::Reset)
        );
        insta::assert_snapshot!(format!("larkspur_contact_health_{}", dims(size)), screen);
    }
}

/// A parent account's overview: its group's MRR, its worst subsidiary, each
/// subsidiary's renewal; a subsidiary says whose group it is part of.
#[tokio::test]
async fn a_parent_shows_its_groups_mrr_worst_health_and_renewals() {
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        let id = |h: &Harness, name: &str| {
            h.rows()
                .iter()
                .find(|r| r.name == name)
                .map(|r| r.id)
                .unwrap_or_else(|| panic!("{name} in the demo"))
        };
        let heron = id(&h, "Heron Robotics");
        h.open(heron).await;
        let g = the_360(&h)
            .group
            .clone()
            .expect("Heron Robotics heads a group");
        assert_eq!(g.subsidiaries.len(), 3);
        assert_eq!(
            g.group_mrr_cents,
            g.own_mrr_cents + g.subsidiaries.iter().map(|m| m.mrr_cents).sum::<i64>()
        );
        // Drawn once, the Overview knows how far it scrolls.
        let _ = h.draw();
        h.key(ch('G')).await;
        let screen = h.screen();
        for text in [
            format!("{} MRR", tend::format::money(g.group_mrr_cents)),
            "worst ▲ Heron Robotics Spain 2 53 concerning".to_string(),
            "Heron Robotics Spain 2 $34,741 · notice in 197d".to_string(),
        ] {
            assert!(screen.contains(&text), "{text}:\n{screen}");
        }
        insta::assert_snapshot!(format!("heron_group_{}", dims(size)), screen);
        let spain = id(&h, "Heron Robotics Spain");
        let commands = h.app.jump_to(spain);
        h.run(commands).await;
        let _ = h.draw();
        h.key(ch('G')).await;
        let screen = h.screen();
        assert!(
            screen.contains("no subsidiaries of its own; part of Heron Robotics (P)"),
            "{screen}"
        );
    }
}

// Column sets ----------------------------------------------------------------

fn shift(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::SHIFT)
}

#[tokio::test]
async fn the_column_chooser_lists_every_column_and_locks_the_score_and_the_name() {
    use tend::tui::screens::portfolio::columns::Column;
    let mut h = Harness::new(NARROW).await;
    h.key(ch('c')).await;
    assert!(matches!(h.app.overlays.top(), Some(Overlay::Columns(_))));
    let screen = h.screen();
    for text in [
        "Columns — portfolio",
        "[x] HEALTH   coloured health score, always first (locked)",
        "[x] TREND",
        "[x] ACCOUNT  account name, always shown (locked)",
        "▸ [x] MRR",
        "[ ] ARR",
        "[ ] PARENT",
        "Enter shows these for this session (no config file)",
    ] {
        assert!(screen.contains(text), "{text}:\n{screen}");
    }
    // Every column is listed, the chosen first, in their order.
    let listed: Vec<&str> = screen
        .lines()
        .skip(2) // the header and the views bar ("[ ] views")
        .filter_map(|l| {
            let at = l.find("[x] ").or_else(|| l.find("[ ] "))?;
            l[at + 4..].split_whitespace().next()
        })
        .collect();
    assert_eq!(
        listed,
        [
            "HEALTH", "TREND", "ACCOUNT", "MRR", "RENEWAL", "OWNER", "STAGE", "SEGMENT", "REGION",
            "CHURN", "TAGS", "ARR", "DOMAIN", "PARENT"
        ]
    );
    let footer = footer_text(&h);
    assert!(
        footer.contains("Space show/hide") && footer.contains("J/K reorder"),
        "{footer}"
    );
    insta::assert_snapshot!("column_chooser_80x24", screen);
    // The score is not hidden nor moved: the footer says why.
    h.key(ch('g')).await;
    h.key(ch(' ')).await;
    assert!(
        footer_text(&h).contains("the health score is always the first column"),
        "{}",
        footer_text(&h)
    );
    h.key(ch('J')).await;
    assert!(h.screen().contains("[x] HEALTH"));
    // Esc leaves the columns as they were.
    h.key(press(KeyCode::Esc)).await;
    assert!(h.app.overlays.top().is_none());
    assert_eq!(h.app.portfolio.columns.shown, Column::DEFAULT);
    assert!(h.app.status.is_none());
}

#[tokio::test]
async fn a_column_set_chosen_shows_in_its_order_and_the_width_drops_from_the_end() {
    use tend::tui::screens::portfolio::columns::Column::*;
    let mut h = Harness::new(NARROW).await;
    h.key(ch('c')).await;
    // MRR hidden (the cursor starts on it), PARENT shown and moved up to just
    // under the name (J/K and Shift-arrows alike; no further up), the trend hidden.
    h.key(ch(' ')).await;
    h.key(ch('G')).await;
    h.key(ch(' ')).await;
    for _ in 0..6 {
        h.key(ch('K')).await;
    }
    for _ in 0..6 {
        h.key(shift(KeyCode::Up)).await;
    }
    h.key(ch('g')).await;
    h.key(press(KeyCode::Down)).await;
    h.key(ch(' ')).await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.top().is_none());
    assert_eq!(
        h.app.portfolio.columns.shown,
        [Parent, Renewal, Owner, Stage, Segment, Region, Churn, Tags]
    );
    // The demo keeps no config file: the footer says so, and how to keep a set.
    let footer = footer_text(&h);
    assert!(
        footer.contains("columns set for this session; [portfolio] columns in a config"),
        "{footer}"
    );
    // At 78 cells: the parent, the renewal and the owner; the stage and what
    // follows it are dropped, the name keeps its room. No trend arrow.
    let header = portfolio_header(&h.screen());
    let words: Vec<&str> = header.trim_matches('│').split_whitespace().collect();
    assert_eq!(words, ["HEALTH", "ACCOUNT", "PARENT", "RENEWAL", "OWNER"]);
    let screen = h.screen();
    assert!(
        screen.contains("│■   38 Larkspur Logistics"),
        "no arrow between the score and the name:\n{screen}"
    );
    // Subsidiaries name their parent.
    let spain = screen
        .lines()
        .find(|l| l.contains("Heron Robotics Spain 2"))
        .unwrap_or_default();
    assert!(
        spain.contains("Heron Robotics Spain 2") && spain.matches("Heron Robotics").count() == 2,
        "{spain}"
    );
    // The chooser opens on the set as it is now.
    h.key(ch('c')).await;
    assert!(h.screen().contains("▸ [x] PARENT"), "{}", h.screen());
}

#[tokio::test]
async fn portfolio_column_set_snapshots() {
    use tend::tui::screens::portfolio::columns::Column::*;
    for size in [NARROW, WIDE] {
        let mut h = Harness::new(size).await;
        h.app.portfolio.columns.shown = vec![Churn, Arr, Parent, Owner, Trend];
        let screen = h.screen();
        let header = portfolio_header(&h.screen());
        // Beside an account (58 cells) the churn forecast and the ARR; alone (78)
        // the parent too; the owner nowhere: dropped from the end.
        let expected: &[&str] = if size == NARROW {
            &["HEALTH", "ACCOUNT", "CHURN", "ARR", "PARENT"]
        } else {
            &["HEALTH", "ACCOUNT", "CHURN", "ARR"]
        };
        let words: Vec<&str> = header
            .split('│')
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert_eq!(words, expected, "{screen}");
        // ARR is twelve times the MRR.
        assert!(screen.contains("Larkspur Logistics"), "{screen}");
        assert!(
            screen
                .lines()
                .find(|l| l.contains("38 → Larkspur Logistics"))
                .is_some_and(|l| l.contains("$50,400")),
            "{screen}"
        );
        insta::assert_snapshot!(format!("portfolio_column_set_{}", dims(size)), screen);
    }
}

#[tokio::test]
async fn the_column_chooser_reads_without_colour_and_in_ascii() {
    let plain = Theme::new(ThemeName::Dark, true);
    let mut h = Harness::with(Keymap::default(), plain, NARROW).await;
    h.app.ascii = true;
    h.key(ch('c')).await;
    assert_colourless(&h.draw(), "column chooser");
    let screen = h.screen();
    // The cursor, the marks and the locks read as text.
    assert!(screen.contains("> [x] MRR"), "{screen}");
    assert!(screen.contains("[x] HEALTH"), "{screen}");
    assert!(screen.contains("(locked)"), "{screen}");
    // The line under the cursor is reversed, as a selection is without colour.
    let frame = h.draw();
    let (x, y) = cells_of(&frame, "[x] MRR")[0];
    assert!(
        frame[(x, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

#[tokio::test]
async fn a_saved_views_columns_are_written_with_it_and_come_back_with_it() {
    use tend::tui::screens::portfolio::columns::Column;
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "# kept\n[ui]\ntheme = \"light\"\n").expect("a config");
    let mut h = Harness::new(NARROW).await;
    h.app.views.file = Some(file.clone());
    let read = |file: &std::path::Path| {
        tend::config::Settings::load_with_env(Some(file), Vec::new()).expect("loads")
    };
    // Outside a view the chooser sets the portfolio's own columns, in the file.
    h.key(ch('c')).await;
    assert!(
        h.screen()
            .contains("Enter shows these and keeps them in the config file")
    );
    h.key(ch(' ')).await;
    h.key(press(KeyCode::Enter)).await;
    let own: Vec<String> = [
        "trend", "renewal", "owner", "stage", "segment", "region", "churn", "tags",
    ]
    .map(String::from)
    .to_vec();
    let s = read(&file);
    assert_eq!(s.portfolio.columns.as_ref(), Some(&own));
    assert_eq!(s.ui.theme, "light");
    assert!(
        footer_text(&h).contains("[portfolio] columns"),
        "{}",
        footer_text(&h)
    );
    // A view saved now has no set of its own: it shows the portfolio's.
    h.key(ch('w')).await;
    h.type_text("mine").await;
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(read(&file).views[0].columns, None);
    // In the view the chooser sets the view's columns, and leaves the portfolio's.
    h.key(ch('c')).await;
    assert!(h.screen().contains("Columns — view mine"), "{}", h.screen());
    h.key(ch('G')).await;
    h.key(ch(' ')).await;
    h.key(press(KeyCode::Enter)).await;
    let s = read(&file);
    let mut mine = own.clone();
    mine.push("parent".into());
    assert_eq!(s.views[0].columns.as_ref(), Some(&mine));
    assert_eq!(s.portfolio.columns.as_ref(), Some(&own));
    assert!(footer_text(&h).contains("the view \"mine\" keeps these columns"));
    assert!(!h.app.view_modified());
    assert_eq!(h.app.portfolio.columns.shown.last(), Some(&Column::Parent));
    // The portfolio page shows its own set; the view brings its own back.
    h.key(ch(']')).await;
    assert_eq!(h.app.views.active, None);
    assert!(!h.app.portfolio.columns.shown.contains(&Column::Parent));
    h.key(ch('[')).await;
    assert_eq!(h.app.views.active, Some(0));
    assert_eq!(h.app.portfolio.columns.shown.last(), Some(&Column::Parent));
    // Read back, both sets load as written.
    let options = read(&file).tui_options().expect("options");
    assert_eq!(options.views[0].columns.as_ref(), Some(&mine));
    assert_eq!(options.columns.len(), own.len());
}

// --- documents' files -----------------------------------------------------------

/// An opener for the tests: a script that writes what it was given into
/// `said`, and the folder it lives in.
#[cfg(unix)]
fn recording_opener(dir: &std::path::Path) -> (tend::tui::files::Opener, std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let said = dir.join("opened.txt");
    let script = dir.join("opener.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", said.display()),
    )
    .expect("write the opener");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (
        tend::tui::files::Opener::parse(&script.display().to_string()),
        said,
    )
}

/// What the opener was given, once it has run (it runs beside the app).
fn opened(said: &std::path::Path) -> String {
    for _ in 0..250 {
        if let Ok(text) = std::fs::read_to_string(said)
            && !text.is_empty()
        {
            let _ = std::fs::remove_file(said);
            return text;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("the opener was not run");
}

/// The Settings tab lists a document that keeps a file as `title (kind) name ·
/// size`, highlights the document selected (not the name line above it), and
/// opens it with `o`: the file fetched into the cache under its hash and name,
/// then handed to the opener; Enter opens a link as it is.
#[cfg(unix)]
#[tokio::test]
async fn a_document_with_a_file_is_listed_and_opened_from_settings() {
    use tend::domain::{Document, Record, Source};
    let mut h = Harness::writable(WIDE).await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(48_000).collect();
    let file = h
        .store
        .put_file("Q3 review.pdf", bytes.clone())
        .await
        .expect("put the file");
    h.store
        .create(
            "maya",
            Record::Document(Document {
                id: 0,
                version: 1,
                created_at: now(),
                updated_at: now(),
                source: Source::Ui,
                external_id: None,
                account_id: LARKSPUR,
                title: "Q3 review".into(),
                kind: "qbr".into(),
                link: String::new(),
                file: Some(file.clone()),
            }),
        )
        .await
        .expect("a document keeping the file");
    h.open(LARKSPUR).await;
    // Written behind the app's back: loaded again.
    h.run(vec![tend::tui::state::Command::LoadAccount(LARKSPUR)])
        .await;
    h.tab(Tab::Settings).await;
    // The account pane alone (the portfolio beside it is not what this is about).
    h.key(ch('z')).await;
    assert!(h.app.maximised);
    let screen = h.screen();
    assert!(
        screen.contains("document  Q3 review (qbr) Q3 review.pdf · 46.9 KiB"),
        "{screen}"
    );
    insta::assert_snapshot!("settings_document_file_160x48", screen);

    // The name line is row 0 and the documents follow it, ordered by title
    // (the file's is the third): on the name line no document is highlighted,
    // and a document selected is.
    let selected = dark().selected.bg.unwrap_or(Color::Reset);
    let bg_of = |buffer: &Buffer, text: &str| {
        let (x, y) = cells_of(buffer, text)[0];
        buffer[(x, y)].bg
    };
    let buffer = h.draw();
    assert_eq!(bg_of(&buffer, "name  Larkspur Logistics"), selected);
    assert_ne!(bg_of(&buffer, "CRM account page (link)"), selected);
    let docs = &the_360(&h).documents;
    let at = docs
        .iter()
        .position(|d| d.file.is_some())
        .expect("the document with a file");
    for _ in 0..=at {
        h.key(ch('j')).await;
    }
    let buffer = h.draw();
    assert_eq!(bg_of(&buffer, "Q3 review (qbr)"), selected);
    assert_ne!(bg_of(&buffer, "name  Larkspur Logistics"), selected);
    assert_ne!(bg_of(&buffer, "Last QBR deck (qbr)"), selected);

    // `o`: fetched into the cache, then opened.
    let dir = tempfile::tempdir().expect("dir");
    let (opener, said) = recording_opener(dir.path());
    let cache = dir.path().join("cache");
    h.app.opener = opener;
    h.app.files_cache = Some(cache.clone());
    let started = h.key(ch('o')).await;
    assert!(
        matches!(
            started.as_slice(),
            [tend::tui::state::Command::OpenDocument { .. }]
        ),
        "{started:?}"
    );
    let copy = cache.join(&file.sha256).join("Q3 review.pdf");
    assert_eq!(opened(&said), copy.display().to_string());
    assert_eq!(std::fs::read(&copy).expect("the fetched copy"), bytes);
    assert_eq!(h.app.status.as_deref(), Some("opened Q3 review.pdf"));
    assert!(h.app.opening.is_none(), "the spinner stops");

    // Enter on the first document, a link: opened as it is.
    h.key(ch('g')).await;
    h.key(ch('j')).await;
    let link = docs_link(&h, 0);
    h.key(press(KeyCode::Enter)).await;
    assert_eq!(opened(&said), link);
    assert_eq!(
        h.app.status.as_deref(),
        Some(format!("opened {link}").as_str())
    );
    // On the name line there is nothing to open.
    h.key(ch('g')).await;
    h.key(ch('o')).await;
    assert_eq!(
        h.app.status.as_deref(),
        Some("select a document to open it")
    );
}

fn docs_link(h: &Harness, i: usize) -> String {
    the_360(h).documents[i].link.clone()
}

/// The new-document form takes a file by its path on this machine: a path that
/// is not there is refused in the form naming it (nothing written); a real one
/// is stored, then the document is created keeping it, and the link may stay
/// empty.
#[tokio::test]
async fn the_new_document_form_attaches_a_file_by_its_path() {
    let mut h = Harness::writable(NARROW).await;
    h.open(LARKSPUR).await;
    h.tab(Tab::Settings).await;
    let before = the_360(&h).documents.len();
    h.key(ch('n')).await;
    h.type_text("Board deck").await;
    let form = h.app.overlays.form_mut().expect("the new document form");
    form.focus = form
        .fields
        .iter()
        .position(|f| f.path == "file")
        .expect("a file field");
    let dir = tempfile::tempdir().expect("dir");
    let gone = dir.path().join("gone.pdf");
    h.type_text(&gone.display().to_string()).await;
    h.key(press(KeyCode::Enter)).await;
    let form = h.app.overlays.form().expect("the form stays open");
    let error = form
        .fields
        .iter()
        .find(|f| f.path == "file")
        .and_then(|f| f.error.clone())
        .expect("the file field says why");
    assert!(
        error.starts_with(&format!("cannot read {}", gone.display())),
        "{error}"
    );
    assert_eq!(the_360(&h).documents.len(), before, "nothing written");

    let deck = dir.path().join("board.pptx");
    std::fs::write(&deck, b"PK\x03\x04 a deck").expect("write");
    let form = h.app.overlays.form_mut().expect("the form");
    let at = form.focus;
    form.fields[at].set_text("");
    h.type_text(&deck.display().to_string()).await;
    h.key(press(KeyCode::Enter)).await;
    assert!(h.app.overlays.form().is_none(), "{}", h.screen());
    assert_eq!(
        h.app.status.as_deref(),
        Some("created the document with board.pptx")
    );
    let docs = &the_360(&h).documents;
    assert_eq!(docs.len(), before + 1);
    let made = docs
        .iter()
        .find(|d| d.title == "Board deck")
        .expect("the new document");
    let file = made.file.as_ref().expect("it keeps the file");
    assert_eq!((file.name.as_str(), file.size), ("board.pptx", 11));
    assert_eq!(made.link, "");
    assert_eq!(
        h.store.read_file(&file.sha256).await.expect("stored"),
        b"PK\x03\x04 a deck"
    );
}
