//! The app's state and how it changes: messages in (keys, backend answers),
//! commands out (backend calls to start). No I/O here, so every screen state can
//! be built in a test.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};

use super::form::Form;
use super::fuzzy::Fuzzy;
use super::keys::{Action, Keymap, Screen};
use super::line::Edit;
use super::lists::{AlertsView, BarItem, CaseList, CasesView, DashboardView, Page, Views};
use tend_backend::{
    Account360, AccountRow, HealthReport, InteractionQuery, PageRequest, PortfolioSort, Write,
};
use tend_domain::*;
use tend_engines::health::Period;

/// Data that comes from the backend, with the states a screen draws.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Loadable<T> {
    #[default]
    Idle,
    Loading,
    Ready {
        value: T,
        /// When it was loaded (for "updated N ago").
        at: Timestamp,
    },
    Failed(String),
}

impl<T> Loadable<T> {
    /// Takes an answer. While the backend is offline a failure keeps what is
    /// already shown (the banner says it may be stale) instead of blanking it.
    pub fn take(&mut self, result: Result<T, String>, at: Timestamp, offline: bool) {
        match result {
            Ok(value) => *self = Loadable::Ready { value, at },
            Err(_) if offline && matches!(self, Loadable::Ready { .. }) => {}
            Err(e) => *self = Loadable::Failed(e),
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Loadable::Ready { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// The account tabs, in their key order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    Overview,
    Interactions,
    Usage,
    Contacts,
    Agreements,
    Opportunities,
    Tasks,
    Playbooks,
    Support,
    Nps,
    Health,
    Settings,
}

impl Tab {
    pub const ALL: [Tab; 12] = [
        Tab::Overview,
        Tab::Interactions,
        Tab::Usage,
        Tab::Contacts,
        Tab::Agreements,
        Tab::Opportunities,
        Tab::Tasks,
        Tab::Playbooks,
        Tab::Support,
        Tab::Nps,
        Tab::Health,
        Tab::Settings,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Interactions => "Interactions",
            Tab::Usage => "Usage",
            Tab::Contacts => "Contacts",
            Tab::Agreements => "Agreements",
            Tab::Opportunities => "Opportunities",
            Tab::Tasks => "Tasks",
            Tab::Playbooks => "Playbooks",
            Tab::Support => "Support",
            Tab::Nps => "NPS",
            Tab::Health => "Health",
            Tab::Settings => "Settings",
        }
    }

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }
}

/// Which pane has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Portfolio,
    Account,
}

/// The portfolio pane.
#[derive(Debug, Clone, Default)]
pub struct Portfolio {
    pub rows: Loadable<Vec<AccountRow>>,
    pub sort: PortfolioSort,
    pub descending: bool,
    /// Indices into the rows that pass the filter, in order.
    pub view: Vec<usize>,
    /// Position in `view`.
    pub selected: usize,
    /// First visible position in `view` (kept by the drawing).
    pub offset: std::cell::Cell<usize>,
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    /// The filter-language expression the rows were loaded with (run in the store).
    pub expr: Option<String>,
    /// The expression being typed (the filter bar is open), checked as typed.
    pub bar: Option<super::lists::WhereBar>,
    /// Churned accounts are listed too (by default they are left out, unless the
    /// expression tests the stage).
    pub churned: bool,
    /// How many accounts the store holds for what the portfolio asks, and how many
    /// of them are at risk: counted by the store, not from the rows loaded so far.
    pub counts: Option<Counts>,
}

/// The portfolio's counts, from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub accounts: u64,
    pub at_risk: u64,
}

impl Portfolio {
    /// What the rows are loaded with; an answer to anything else is dropped.
    pub fn asked(&self) -> Asked<PortfolioSort> {
        Asked {
            expr: self.expr.clone(),
            sort: self.sort,
            descending: self.descending,
            churned: self.churned,
        }
    }

    /// Whether churned accounts are left out of what is listed.
    pub fn churned_out(&self) -> bool {
        !self.churned && tend_engines::filter::churned_out_by_default(self.expr.as_deref())
    }

    pub fn selected_row(&self) -> Option<&AccountRow> {
        let rows = self.rows.value()?;
        self.view.get(self.selected).and_then(|i| rows.get(*i))
    }
}

/// One account's tabs.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub id: Id,
    pub data: Loadable<Account360>,
    pub health: Loadable<HealthReport>,
    pub tab: Tab,
    /// The selected row of the tab's list (per tab).
    pub selected: [usize; 12],
    /// Kanban column on the Tasks tab, step list on Playbooks.
    pub column: usize,
    /// The reader (an interaction, a case, a run's steps) is open.
    pub reading: bool,
    pub period: Period,
    /// Curves hidden on the Overview chart (component ids, "overall").
    pub hidden: BTreeSet<String>,
    /// The curve picker (`c` on the Overview) is open.
    pub picking_curves: bool,
    /// The curve picker's cursor.
    pub curve_cursor: usize,
    /// How far the Overview scrolls at most (kept by the drawing); its scroll is
    /// the Overview's `selected`.
    pub overview_max: std::cell::Cell<usize>,
    /// A cycling filter per tab (interaction kind, agreement status...): its position.
    pub filter: [usize; 12],
    /// The account we came from with `P` (to go back).
    pub came_from: Option<Id>,
    /// First visible row of each tab's list (kept by the drawing).
    pub offsets: [std::cell::Cell<usize>; 12],
    /// The Interactions search being typed, or applied.
    pub query: String,
    pub querying: bool,
    /// The interactions the applied search found (None: no search).
    pub found: Option<Loadable<Vec<Interaction>>>,
    /// The account's change history (loaded when Settings opens).
    pub history: Loadable<Vec<ChangeLogEntry>>,
    /// The case to select on the Support tab once the account is loaded (opened
    /// from the cases page).
    pub want_case: Option<Id>,
}

impl AccountView {
    pub fn new(id: Id) -> AccountView {
        AccountView {
            id,
            data: Loadable::Loading,
            health: Loadable::Loading,
            tab: Tab::Overview,
            selected: [0; 12],
            column: 0,
            reading: false,
            period: Period::Week,
            hidden: BTreeSet::new(),
            picking_curves: false,
            curve_cursor: 0,
            overview_max: Default::default(),
            filter: [0; 12],
            came_from: None,
            offsets: Default::default(),
            query: String::new(),
            querying: false,
            found: None,
            history: Loadable::Idle,
            want_case: None,
        }
    }

    pub fn selected(&self) -> usize {
        self.selected[self.tab.index()]
    }
}

/// The command palette.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub input: String,
    pub selected: usize,
}

/// A palette entry.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteItem {
    Tab(Tab),
    Account {
        id: Id,
        name: String,
    },
    Command(&'static str),
    /// A page or a saved view.
    Go(BarItem),
}

/// Everything on screen.
pub struct App {
    pub keys: Keymap,
    pub portfolio: Portfolio,
    pub account: Option<AccountView>,
    pub focus: Focus,
    pub help: bool,
    /// Lines the help is scrolled by (when it does not fit).
    pub help_scroll: usize,
    pub palette: Option<Palette>,
    pub quit: bool,
    /// A message for the footer (an error, a hint).
    pub status: Option<String>,
    /// The terminal size, for layout decisions made in `update` (page size).
    pub size: (u16, u16),
    pub fuzzy: Fuzzy,
    /// The instant "updated N ago" is counted from (the clock of the store).
    pub now: Timestamp,
    /// Charts in ASCII only.
    pub ascii: bool,
    /// No writes: write keys say so instead of acting.
    pub read_only: bool,
    /// Why writes are off, when not for --read-only (a viewer's token).
    pub read_only_why: Option<String>,
    /// Who the change log names for writes made here.
    pub user: String,
    /// The record being created or edited.
    pub form: Option<Form>,
    /// A question before a destructive or far-reaching write.
    pub confirm: Option<Confirm>,
    /// A write refused because the screen was stale: says why, offers a reload.
    pub notice: Option<String>,
    /// A write on its way to the store (what it is).
    pub saving: Option<String>,
    /// The score before the last write, to say how the write moved it.
    pub score_before: Option<(Id, Option<f64>, String)>,
    /// Where the Tasks selection goes once a card move is saved (column, row).
    pub follow: Option<(usize, usize)>,
    /// Every playbook (loaded when one is to be run).
    pub playbooks: Option<Vec<Playbook>>,
    /// Set while the backend cannot be reached; the screen keeps what it showed.
    pub offline: Option<Offline>,
    /// The page the views bar has on screen.
    pub page: Page,
    pub cases: CasesView,
    pub alerts: AlertsView,
    pub dashboard: DashboardView,
    pub views: Views,
    /// The list an account was opened from (and the saved view it showed): Esc
    /// goes back to it.
    pub return_to: Option<(Page, Option<usize>)>,
    /// The pane in focus fills the body (`z`), wide or not.
    pub maximised: bool,
    /// Every account, loaded when the portfolio lists only some of them and the
    /// palette or the alerts need a name from outside it (see [`App::accounts`]).
    pub directory: Loadable<Vec<AccountRow>>,
    /// The portfolio's own filter while a dashboard line shows its accounts (Esc
    /// back to the dashboard restores it).
    pub portfolio_before: Option<super::lists::PortfolioAsk>,
    /// The store is being brought to today's scores: what shows is yesterday's.
    pub rescoring: bool,
}

/// A yes/no question (or one that wants a name typed) before writes.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub writes: Vec<Write>,
    /// What the writes do, for the footer once done.
    pub what: String,
    /// The text to type to confirm (deleting an account).
    pub typed: Option<String>,
    pub input: String,
}

/// What the app asks the loop to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadPortfolio {
        sort: PortfolioSort,
        descending: bool,
        /// A filter-language expression the store runs.
        expr: Option<String>,
        /// Churned accounts are listed too.
        churned: bool,
    },
    /// Every account's row, whatever the portfolio's filter (the palette and the
    /// alerts name accounts from it).
    LoadDirectory,
    LoadAccount(Id),
    SearchInteractions(Id, Box<InteractionQuery>),
    LoadHistory(Id),
    /// Writes for the account, in one transaction.
    Save {
        account: Id,
        writes: Vec<Write>,
        what: String,
    },
    /// One record again (after a conflict).
    Reload(EntityKind, Id),
    LoadPlaybooks,
    /// Cases across accounts, filtered in the store.
    LoadCases {
        expr: Option<String>,
        sort: tend_backend::CaseSort,
        descending: bool,
    },
    /// Alerts in a state (None: all).
    /// Alerts in a state (None: all); with a day, only the health transitions
    /// since then, of customers not churned (the dashboard's line).
    LoadAlerts(Option<AlertState>, Option<chrono::NaiveDate>),
    /// How many alerts are open.
    CountAlerts,
    /// How many cases the store holds.
    CountCases,
    /// Bring a store opened on a new day to today's scores, behind the first frame.
    CatchUp,
    /// How many rows a saved view lists.
    CountView(Box<crate::saved::SavedView>),
    LoadDashboard,
    /// Keep the saved views in the config file.
    WriteViews(std::path::PathBuf, Vec<crate::saved::SavedView>),
}

/// What comes in.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// Text pasted into the terminal (bracketed paste): one message, however long.
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Portfolio rows, and what they were asked for (an answer to an older ask is
    /// dropped: two quick sorts must not end on the first one's rows).
    Portfolio(
        Result<Vec<AccountRow>, String>,
        Timestamp,
        Asked<PortfolioSort>,
    ),
    PortfolioCounts(Counts, Asked<PortfolioSort>),
    Directory(Result<Vec<AccountRow>, String>, Timestamp),
    Account(Id, Result<Box<Account360>, String>, Timestamp),
    Health(Id, Result<Box<HealthReport>, String>, Timestamp),
    Interactions(Id, Result<Vec<Interaction>, String>, Timestamp),
    History(Id, Result<Vec<ChangeLogEntry>, String>, Timestamp),
    Saved {
        account: Id,
        what: String,
        result: Result<Vec<Option<Record>>, tend_backend::Error>,
    },
    Reloaded(Result<Box<Record>, String>),
    Playbooks(Result<Vec<Playbook>, String>),
    /// Whether the backend answered: Err names why it cannot be reached.
    Connection(Result<(), String>),
    Cases(
        Result<CaseList, String>,
        Timestamp,
        Asked<tend_backend::CaseSort>,
    ),
    /// Alerts, and what they were asked for (state, transitions since).
    Alerts(
        Result<Vec<Alert>, String>,
        Timestamp,
        (Option<AlertState>, Option<chrono::NaiveDate>),
    ),
    AlertCount(Result<u64, String>),
    CaseCount(Result<u64, String>),
    /// The store's scores are not today's: rescoring has started.
    Rescoring,
    /// Rescoring ended (every list is loaded again).
    Rescored(Result<(), String>),
    ViewCount {
        name: String,
        result: Result<u64, String>,
        at: Timestamp,
    },
    ViewsWritten(Result<(), String>),
    Dashboard(Result<Box<tend_backend::Dashboard>, String>, Timestamp),
}

/// What a list was loaded with.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked<S> {
    pub expr: Option<String>,
    pub sort: S,
    pub descending: bool,
    /// Churned accounts listed too.
    pub churned: bool,
}

/// The backend cannot be reached (a team server that is down): since when, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Offline {
    pub since: Timestamp,
    pub message: String,
}

/// Smaller than this, the app only says so (and takes no key but quit).
pub const MIN_SIZE: (u16, u16) = (40, 12);

/// Below this width the portfolio and the account do not fit side by side.
pub const WIDE: u16 = 120;

impl App {
    pub fn new(keys: Keymap, now: Timestamp) -> App {
        App {
            keys,
            portfolio: Portfolio {
                rows: Loadable::Loading,
                ..Portfolio::default()
            },
            account: None,
            focus: Focus::Portfolio,
            help: false,
            help_scroll: 0,
            palette: None,
            quit: false,
            status: None,
            size: (80, 24),
            fuzzy: Fuzzy::default(),
            now,
            ascii: false,
            read_only: false,
            user: "tend".into(),
            form: None,
            confirm: None,
            notice: None,
            saving: None,
            score_before: None,
            follow: None,
            playbooks: None,
            offline: None,
            read_only_why: None,
            page: Page::Portfolio,
            cases: CasesView::default(),
            alerts: AlertsView::default(),
            dashboard: DashboardView::default(),
            views: Views::default(),
            return_to: None,
            directory: Loadable::Idle,
            portfolio_before: None,
            rescoring: false,
            maximised: false,
        }
    }

    /// The backend answered, or could not be reached. Back online, everything on
    /// screen is loaded again.
    fn connection(&mut self, result: Result<(), String>) -> Vec<Command> {
        match (result, self.offline.is_some()) {
            (Err(message), false) => {
                self.offline = Some(Offline {
                    since: self.now,
                    message,
                });
                vec![]
            }
            (Err(message), true) => {
                if let Some(o) = &mut self.offline {
                    o.message = message;
                }
                vec![]
            }
            (Ok(()), true) => {
                // Reloaded while still marked offline, so nothing blanks meanwhile.
                let cmds = self.act(Action::Refresh);
                self.offline = None;
                self.status = Some("back online: screen reloaded".into());
                cmds
            }
            (Ok(()), false) => vec![],
        }
    }

    /// The commands to run at start.
    pub fn start(&mut self) -> Vec<Command> {
        let mut cmds = vec![self.portfolio_command()];
        cmds.extend(self.count_commands());
        cmds.push(Command::CatchUp);
        cmds
    }

    /// Whether the terminal is below the smallest size the app draws in.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    pub fn wide(&self) -> bool {
        self.size.0 >= WIDE
    }

    /// The screen whose key table applies.
    pub fn screen(&self) -> Screen {
        match (self.page, self.focus) {
            (Page::Cases, _) => Screen::Cases,
            (Page::Alerts, _) => Screen::Alerts,
            (Page::Dashboard, _) => Screen::Dashboard,
            (Page::Portfolio, Focus::Portfolio) => Screen::Portfolio,
            (Page::Portfolio, Focus::Account) => Screen::Account,
        }
    }

    /// Rows a page moves (the list's height, roughly).
    pub(crate) fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(8)).max(1)
    }

    /// Applies a message; returns the backend calls to start. What the screen
    /// then shows but has not loaded is asked for whatever the message was (a
    /// write's answer that empties the change history loads it again at once,
    /// not at the next key).
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        let mut cmds = self.apply(msg);
        cmds.extend(self.wanted());
        cmds
    }

    fn apply(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
            // Below the minimum size nothing is drawn but the size: a key acting
            // there would act on what nobody can see. Only quit works.
            Msg::Key(k) if self.too_small() => {
                if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
                    self.quit = true;
                }
                vec![]
            }
            Msg::Mouse(_) | Msg::Paste(_) if self.too_small() => vec![],
            Msg::Paste(text) => self.paste(&text),
            Msg::Key(k) => self.key(k),
            Msg::Mouse(m) => self.mouse(m),
            Msg::History(id, result, at) => {
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.history.take(result, at, offline);
                }
                vec![]
            }
            Msg::Connection(result) => self.connection(result),
            Msg::Portfolio(_, _, asked) | Msg::PortfolioCounts(_, asked)
                if asked != self.portfolio.asked() =>
            {
                vec![]
            }
            Msg::PortfolioCounts(counts, _) => {
                self.portfolio.counts = Some(counts);
                vec![]
            }
            Msg::Directory(result, at) => {
                let offline = self.offline.is_some();
                self.directory.take(result, at, offline);
                self.name_alerts();
                vec![]
            }
            Msg::Portfolio(result, at, _) => {
                match result {
                    Ok(rows) => {
                        let keep = self.portfolio.selected_row().map(|r| r.id);
                        self.portfolio.rows = Loadable::Ready { value: rows, at };
                        self.refilter();
                        if let Some(id) = keep
                            && let Some(pos) = self.position_of(id)
                        {
                            self.portfolio.selected = pos;
                        }
                        self.clamp_portfolio();
                        // Beside the portfolio the account pane shows the row
                        // selected: not one the new rows left out.
                        let shown = self.account.as_ref().map(|a| a.id);
                        let selected = self.portfolio.selected_row().map(|r| r.id);
                        if shown.is_none()
                            || (self.focus == Focus::Portfolio
                                && shown != selected
                                && shown.and_then(|id| self.position_of(id)).is_none())
                        {
                            return self.follow_selection();
                        }
                    }
                    Err(e) => {
                        let offline = self.offline.is_some();
                        self.portfolio.rows.take(Err(e), at, offline)
                    }
                }
                vec![]
            }
            Msg::Account(id, result, at) => {
                // The 360 carries the account's portfolio row: a row changed by a
                // write is refreshed in place (no reload, the list does not jump).
                if let (Ok(v), Loadable::Ready { value: rows, .. }) =
                    (&result, &mut self.portfolio.rows)
                    && let Some(row) = rows.iter_mut().find(|r| r.id == id)
                    && *row != v.row
                {
                    *row = v.row.clone();
                    self.refilter();
                }
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.data.take(result.map(|v| *v), at, offline);
                    if let (Some(case), Some(d)) = (a.want_case, a.data.value())
                        && let Some(i) = d.cases.iter().position(|c| c.id == case)
                    {
                        a.selected[Tab::Support.index()] = i;
                        a.want_case = None;
                    }
                }
                vec![]
            }
            Msg::Interactions(id, result, at) => {
                if let Some(a) = self
                    .account
                    .as_mut()
                    .filter(|a| a.id == id && a.found.is_some())
                {
                    a.found = Some(match result {
                        Ok(v) => Loadable::Ready { value: v, at },
                        Err(e) => Loadable::Failed(e),
                    });
                    a.selected[Tab::Interactions.index()] = 0;
                }
                vec![]
            }
            Msg::Health(id, result, at) => {
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.health.take(result.map(|v| *v), at, offline);
                }
                self.say_score_change(id);
                vec![]
            }
            Msg::Saved {
                account,
                what,
                result,
            } => self.saved(account, what, result),
            Msg::Reloaded(result) => self.reloaded(result),
            Msg::Playbooks(result) => self.playbooks_loaded(result),
            Msg::Cases(result, at, asked) => {
                self.cases_loaded(result, at, asked);
                vec![]
            }
            Msg::Alerts(result, at, asked) => {
                if asked == (self.alerts.state, self.alerts.transitions_since) {
                    self.alerts_loaded(result, at);
                }
                vec![]
            }
            Msg::Rescoring => {
                self.rescoring = true;
                vec![]
            }
            Msg::Rescored(result) => {
                self.rescoring = false;
                match result {
                    Ok(()) => {
                        self.status = Some("rescored every account for today".into());
                        self.act(Action::Refresh)
                    }
                    Err(e) => {
                        self.status = Some(format!("rescoring for today failed: {e}"));
                        vec![]
                    }
                }
            }
            Msg::CaseCount(result) => {
                if let Ok(n) = result {
                    self.cases.count = Some(n);
                }
                vec![]
            }
            Msg::AlertCount(result) => {
                if let Ok(n) = result {
                    self.alerts.open = Some(n);
                }
                vec![]
            }
            Msg::ViewCount { name, result, at } => {
                self.view_counted(&name, result, at);
                vec![]
            }
            Msg::Dashboard(result, at) => {
                let offline = self.offline.is_some();
                self.dashboard.list.take(result.map(|d| *d), at, offline);
                vec![]
            }
            Msg::ViewsWritten(result) => {
                if let Err(e) = result {
                    self.status = Some(format!("the views were not written: {e}"));
                }
                vec![]
            }
        }
    }

    /// What the screen now shows but has not loaded: the change history when the
    /// Settings tab opens; every account's name when the palette or the alerts
    /// need one the portfolio does not list.
    fn wanted(&mut self) -> Vec<Command> {
        let mut cmds = vec![];
        if let Some(a) = self.account.as_mut()
            && a.tab == Tab::Settings
            && a.history == Loadable::Idle
        {
            a.history = Loadable::Loading;
            cmds.push(Command::LoadHistory(a.id));
        }
        if self.portfolio.rows == Loadable::Idle {
            self.portfolio.rows = Loadable::Loading;
            cmds.push(self.portfolio_command());
        }
        let lists_all = self.portfolio.expr.is_none() && !self.portfolio.churned_out();
        if lists_all {
            // The portfolio is the directory: no second copy.
            self.directory = Loadable::Idle;
        } else if self.directory == Loadable::Idle
            && (self.palette.is_some() || self.page == Page::Alerts)
        {
            self.directory = Loadable::Loading;
            cmds.push(Command::LoadDirectory);
        }
        cmds
    }

    /// The account the header names: the one on screen, or on the portfolio the
    /// one under the selection (none when a filter left it out).
    pub fn header_account(&self) -> Option<&AccountView> {
        let a = self.account.as_ref()?;
        let shown = match (self.page, self.focus) {
            (Page::Portfolio, Focus::Account) => true,
            (Page::Portfolio, Focus::Portfolio) => {
                self.portfolio.selected_row().is_some_and(|r| r.id == a.id)
            }
            _ => false,
        };
        shown.then_some(a)
    }

    /// Every account the store holds, as far as loaded: the portfolio's rows when
    /// it lists them all, else the directory once it is in (until then, the
    /// portfolio's rows).
    pub fn accounts(&self) -> &[AccountRow] {
        let rows = self.portfolio.rows.value().map_or(&[][..], Vec::as_slice);
        match self.directory.value() {
            Some(all) if self.portfolio.expr.is_some() || self.portfolio.churned_out() => all,
            _ => rows,
        }
    }

    fn position_of(&self, id: Id) -> Option<usize> {
        let rows = self.portfolio.rows.value()?;
        self.portfolio.view.iter().position(|i| rows[*i].id == id)
    }

    /// Recomputes the filtered view of the portfolio.
    fn refilter(&mut self) {
        let Some(rows) = self.portfolio.rows.value() else {
            self.portfolio.view.clear();
            return;
        };
        self.portfolio.view = self.fuzzy.filter(&self.portfolio.filter, rows);
    }

    fn clamp_portfolio(&mut self) {
        let p = &mut self.portfolio;
        p.selected = p.selected.min(p.view.len().saturating_sub(1));
    }

    /// Opens (loads) the account under the portfolio's selection, when it changed.
    fn follow_selection(&mut self) -> Vec<Command> {
        let Some(id) = self.portfolio.selected_row().map(|r| r.id) else {
            return vec![];
        };
        self.open_account(id)
    }

    fn open_account(&mut self, id: Id) -> Vec<Command> {
        if self.account.as_ref().is_some_and(|a| a.id == id) {
            return vec![];
        }
        let tab = self.account.as_ref().map(|a| a.tab);
        let mut view = AccountView::new(id);
        if let Some(tab) = tab {
            view.tab = tab;
        }
        self.account = Some(view);
        vec![Command::LoadAccount(id)]
    }

    /// Pasted text goes to the text input on top, in the order keys go there;
    /// with none open it is dropped (a paste is never taken as keys).
    fn paste(&mut self, text: &str) -> Vec<Command> {
        if self.confirm.is_some() || self.notice.is_some() {
            if let Some(c) = self.confirm.as_mut().filter(|c| c.typed.is_some()) {
                super::line::paste(&mut c.input, text);
            }
            return vec![];
        }
        if let Some(form) = self.form.as_mut() {
            form.paste(text);
            return vec![];
        }
        if let Some(p) = self.palette.as_mut() {
            if super::line::paste(&mut p.input, text) == Edit::Changed {
                p.selected = 0;
            }
            return vec![];
        }
        if let Some(prompt) = self.views.prompt.as_mut() {
            if let super::lists::ViewPrompt::Name { input, .. } = prompt {
                super::line::paste(input, text);
            }
            return vec![];
        }
        if self.page == Page::Cases
            && let Some(bar) = self.cases.bar.as_mut()
        {
            bar.paste(text, false);
            return vec![];
        }
        if self.portfolio.filtering {
            if super::line::paste(&mut self.portfolio.filter, text) == Edit::Changed {
                self.portfolio.selected = 0;
                self.refilter();
                self.clamp_portfolio();
                return self.follow_selection();
            }
            return vec![];
        }
        if self.page == Page::Portfolio
            && let Some(bar) = self.portfolio.bar.as_mut()
        {
            bar.paste(text, true);
            return vec![];
        }
        if let Some(a) = self.account.as_mut().filter(|a| a.querying) {
            super::line::paste(&mut a.query, text);
        }
        vec![]
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Command> {
        self.status = None;
        if self.confirm.is_some() {
            return self.confirm_key(k);
        }
        if self.notice.is_some() {
            return self.notice_key(k);
        }
        if self.form.is_some() {
            return self.form_key(k);
        }
        if self.palette.is_some() {
            return self.palette_key(k);
        }
        if self.views.prompt.is_some() {
            return self.view_prompt_key(k);
        }
        if self.page == Page::Cases && self.cases.bar.is_some() {
            return self.cases_where_key(k);
        }
        if self.portfolio.filtering {
            return self.filter_key(k);
        }
        if self.page == Page::Portfolio && self.portfolio.bar.is_some() {
            return self.where_key(k);
        }
        if self.account.as_ref().is_some_and(|a| a.querying) {
            return self.query_key(k);
        }
        if self.account.as_ref().is_some_and(|a| a.picking_curves) {
            return self.curve_key(k);
        }
        if self.help {
            // j/k scroll a help taller than the screen; any other key closes it;
            // quit still quits.
            let max = super::view::help_scroll_max(self);
            match k.code {
                _ if max == 0 => {}
                KeyCode::Char('j') | KeyCode::Down => {
                    self.help_scroll = (self.help_scroll + 1).min(max);
                    return vec![];
                }
                KeyCode::Char('k') | KeyCode::Up => {
                    self.help_scroll = self.help_scroll.saturating_sub(1);
                    return vec![];
                }
                _ => {}
            }
            self.help = false;
            self.help_scroll = 0;
            if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
                self.quit = true;
            }
            return vec![];
        }
        let Some(action) = self.keys.action(self.screen(), &k) else {
            if let Some(label) = self.keys.key_for(self.screen(), Action::Help) {
                self.status = Some(format!(
                    "no action on that key here: {label} lists the keys"
                ));
            }
            return vec![];
        };
        if action.writes() && self.read_only {
            self.status = Some(self.read_only_why.clone().unwrap_or_else(|| {
                "read-only: writes are off (started with --read-only or read_only in the config)"
                    .into()
            }));
            return vec![];
        }
        self.act(action)
    }

    /// Runs an action (keys and mouse clicks end here).
    pub fn act(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::Help => {
                self.help = true;
                vec![]
            }
            Action::Palette => {
                self.palette = Some(Palette::default());
                vec![]
            }
            Action::NextPage => self.cycle_page(true),
            Action::PrevPage => self.cycle_page(false),
            Action::Maximise => {
                self.maximised = !self.maximised;
                if !self.wide() {
                    self.status = Some(format!(
                        "below {WIDE} columns the pane in focus already fills the screen"
                    ));
                }
                vec![]
            }
            Action::Refresh => {
                self.directory = Loadable::Idle;
                let mut cmds = vec![self.portfolio_command()];
                cmds.extend(self.count_commands());
                if self.cases.list != Loadable::Idle {
                    cmds.push(self.cases.command());
                }
                if self.alerts.list != Loadable::Idle {
                    cmds.push(self.alerts.command());
                }
                if self.dashboard.list != Loadable::Idle {
                    cmds.push(Command::LoadDashboard);
                }
                if let Some(a) = &mut self.account {
                    // What is shown stays until the answer replaces it ("updated
                    // just now"); if the backend is out of reach, it stays.
                    if a.data.value().is_none() {
                        a.data = Loadable::Loading;
                    }
                    if a.health.value().is_none() {
                        a.health = Loadable::Loading;
                    }
                    cmds.push(Command::LoadAccount(a.id));
                }
                cmds
            }
            _ => match self.screen() {
                Screen::Cases => self.cases_action(action),
                Screen::Alerts => self.alerts_action(action),
                Screen::Dashboard => self.dashboard_action(action),
                Screen::Account => self.account_action(action),
                Screen::Portfolio | Screen::Global => self.portfolio_action(action),
            },
        }
    }

    fn portfolio_action(&mut self, action: Action) -> Vec<Command> {
        let len = self.portfolio.view.len();
        let page = self.page();
        let p = &mut self.portfolio;
        let before = p.selected;
        match action {
            Action::Down => p.selected = (p.selected + 1).min(len.saturating_sub(1)),
            Action::Up => p.selected = p.selected.saturating_sub(1),
            Action::PageDown => p.selected = (p.selected + page).min(len.saturating_sub(1)),
            Action::PageUp => p.selected = p.selected.saturating_sub(page),
            Action::Top => p.selected = 0,
            Action::Bottom => p.selected = len.saturating_sub(1),
            Action::Open | Action::Right if p.selected_row().is_some() => {
                self.focus = Focus::Account;
                return self.follow_selection();
            }
            Action::Filter => p.filtering = true,
            Action::Where => p.bar = Some(super::lists::WhereBar::new(p.expr.as_deref())),
            Action::Back if !p.filter.is_empty() => {
                p.filter.clear();
                self.refilter();
                self.clamp_portfolio();
                return self.follow_selection();
            }
            Action::Back => {
                self.back_to_list();
            }
            Action::Sort | Action::Reverse => {
                if action == Action::Sort {
                    let all = PortfolioSort::ALL;
                    let at = all.iter().position(|s| *s == p.sort).unwrap_or(0);
                    p.sort = all[(at + 1) % all.len()];
                    p.descending = false;
                } else {
                    p.descending = !p.descending;
                }
                p.rows = Loadable::Loading;
                return vec![self.portfolio_command()];
            }
            Action::Churned => {
                p.churned = !p.churned;
                p.rows = Loadable::Loading;
                p.counts = None;
                p.selected = 0;
                self.status = Some(
                    match (
                        p.churned,
                        tend_engines::filter::churned_out_by_default(p.expr.as_deref()),
                    ) {
                        (true, _) => "churned accounts listed too",
                        (false, true) => "churned accounts left out",
                        (false, false) => "the filter tests the stage: it says which stages show",
                    }
                    .into(),
                );
                return vec![self.portfolio_command()];
            }
            Action::SaveView | Action::RenameView | Action::DeleteView => {
                return self.view_action(action);
            }
            _ => {}
        }
        if self.portfolio.selected != before {
            return self.follow_selection();
        }
        vec![]
    }

    /// Typing a filter-language expression: checked as it is typed, run in the store
    /// on Enter (an empty one clears the filter), Esc leaves it as it was.
    fn where_key(&mut self, k: KeyEvent) -> Vec<Command> {
        use super::lists::WhereOutcome;
        let p = &mut self.portfolio;
        let Some(bar) = p.bar.as_mut() else {
            return vec![];
        };
        match bar.key(k, true) {
            WhereOutcome::Typing => {}
            WhereOutcome::Cancel => p.bar = None,
            WhereOutcome::Quit => self.quit = true,
            WhereOutcome::Apply(expr) => {
                p.bar = None;
                p.expr = expr;
                p.counts = None;
                // A filter of the user's own: no dashboard detour to come back from.
                self.portfolio_before = None;
                p.rows = Loadable::Loading;
                p.selected = 0;
                return vec![self.portfolio_command()];
            }
        }
        vec![]
    }

    fn filter_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let p = &mut self.portfolio;
        match k.code {
            KeyCode::Esc => {
                p.filtering = false;
                p.filter.clear();
            }
            KeyCode::Enter => {
                p.filtering = false;
                if p.selected_row().is_some() {
                    self.focus = Focus::Account;
                }
                return self.follow_selection();
            }
            KeyCode::Down => p.selected = (p.selected + 1).min(p.view.len().saturating_sub(1)),
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            _ => match super::line::edit(&mut p.filter, &k) {
                Edit::Changed => {}
                Edit::Quit => {
                    self.quit = true;
                    return vec![];
                }
                Edit::Kept | Edit::Other => return vec![],
            },
        }
        self.portfolio.selected = 0;
        self.refilter();
        self.clamp_portfolio();
        self.follow_selection()
    }

    fn account_action(&mut self, action: Action) -> Vec<Command> {
        let page = self.page();
        let Some(a) = self.account.as_mut() else {
            self.focus = Focus::Portfolio;
            return vec![];
        };
        let tab = a.tab.index();
        let len = list_len(a);
        match action {
            Action::Back | Action::Left if a.reading => a.reading = false,
            Action::Left if a.tab == Tab::Tasks && a.column > 0 => {
                a.column -= 1;
                a.selected[tab] = 0;
            }
            Action::Right if a.tab == Tab::Tasks => {
                a.column = (a.column + 1).min(2);
                a.selected[tab] = 0;
            }
            Action::Back | Action::Left => {
                if !self.back_to_list() {
                    self.focus = Focus::Portfolio;
                }
            }
            Action::Down => a.selected[tab] = (a.selected[tab] + 1).min(len.saturating_sub(1)),
            Action::Up => a.selected[tab] = a.selected[tab].saturating_sub(1),
            Action::PageDown => {
                a.selected[tab] = (a.selected[tab] + page).min(len.saturating_sub(1))
            }
            Action::PageUp => a.selected[tab] = a.selected[tab].saturating_sub(page),
            Action::Top => a.selected[tab] = 0,
            Action::Bottom => a.selected[tab] = len.saturating_sub(1),
            Action::NextTab => set_tab(a, Tab::ALL[(tab + 1) % Tab::ALL.len()]),
            Action::PrevTab => set_tab(a, Tab::ALL[(tab + Tab::ALL.len() - 1) % Tab::ALL.len()]),
            Action::Open => a.reading = !a.reading,
            Action::Period => {
                a.period = match a.period {
                    Period::Week => Period::Month,
                    Period::Month => Period::Week,
                }
            }
            Action::Curves if a.tab == Tab::Overview => {
                a.picking_curves = true;
                a.curve_cursor = 0;
            }
            Action::Curves => {
                self.status = Some("c picks the chart's curves on the Overview tab".into());
            }
            Action::Cycle => {
                a.filter[tab] += 1;
                a.selected[tab] = 0;
            }
            Action::Search if a.tab == Tab::Interactions => a.querying = true,
            Action::Search => {
                self.status = Some("/ searches on the Interactions tab (2)".into());
            }
            Action::Parent => {
                let target = match (&a.data, a.came_from) {
                    (_, Some(back)) => Some((back, None)),
                    (Loadable::Ready { value, .. }, None) => {
                        value.parent.as_ref().map(|p| (p.id, Some(a.id)))
                    }
                    _ => None,
                };
                match target {
                    Some((id, came_from)) => {
                        let cmds = self.jump_to(id);
                        if let Some(v) = self.account.as_mut() {
                            v.came_from = came_from;
                        }
                        return cmds;
                    }
                    None => self.status = Some("this account has no parent".into()),
                }
            }
            other if other.writes() => return self.write_action(other),
            other => {
                if let Some(t) = other.tab() {
                    set_tab(a, Tab::ALL[t]);
                }
            }
        }
        vec![]
    }

    /// Opens an account from any page (the palette).
    fn jump_to_from_anywhere(&mut self, id: Id) -> Vec<Command> {
        self.page = Page::Portfolio;
        self.views.active = None;
        self.return_to = None;
        self.jump_to(id)
    }

    /// Opens an account from anywhere (palette, parent jump), selecting it in the
    /// portfolio when it is there.
    pub fn jump_to(&mut self, id: Id) -> Vec<Command> {
        if let Some(pos) = self.position_of(id) {
            self.portfolio.selected = pos;
        }
        self.focus = Focus::Account;
        let tab = self.account.as_ref().map(|a| a.tab);
        self.account = None;
        let cmds = self.open_account(id);
        if let (Some(a), Some(tab)) = (self.account.as_mut(), tab) {
            a.tab = tab;
        }
        cmds
    }

    /// The curve picker: a curve's number or Space/Enter on the cursor shows or
    /// hides it, j/k move, Esc or `c` close.
    fn curve_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
            return vec![];
        }
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let curves = curve_names(a);
        let n = curves.len();
        let toggle = |a: &mut AccountView, i: usize| {
            if let Some(name) = curves.get(i)
                && !a.hidden.remove(name)
            {
                a.hidden.insert(name.clone());
            }
        };
        match k.code {
            KeyCode::Esc | KeyCode::Char('c') => a.picking_curves = false,
            KeyCode::Char('j') | KeyCode::Down => {
                a.curve_cursor = (a.curve_cursor + 1).min(n.saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => a.curve_cursor = a.curve_cursor.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::Enter => toggle(a, a.curve_cursor),
            KeyCode::Char(d @ '1'..='9') => {
                let i = d as usize - '1' as usize;
                if i < n {
                    a.curve_cursor = i;
                    toggle(a, i);
                }
            }
            _ => {}
        }
        vec![]
    }

    fn query_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        match k.code {
            KeyCode::Esc => {
                a.querying = false;
                a.query.clear();
                a.found = None;
            }
            KeyCode::Enter => {
                a.querying = false;
                if a.query.trim().is_empty() {
                    a.found = None;
                    return vec![];
                }
                let contacts = a.data.value().map(|d| d.contacts.as_slice()).unwrap_or(&[]);
                match parse_query(&a.query, a.id, contacts) {
                    Ok(q) => {
                        a.found = Some(Loadable::Loading);
                        return vec![Command::SearchInteractions(a.id, Box::new(q))];
                    }
                    Err(e) => {
                        a.querying = true;
                        self.status = Some(e);
                    }
                }
            }
            _ => {
                if super::line::edit(&mut a.query, &k) == Edit::Quit {
                    self.quit = true;
                }
            }
        }
        vec![]
    }

    fn palette_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(p) = self.palette.as_mut() else {
            return vec![];
        };
        match k.code {
            KeyCode::Esc => self.palette = None,
            KeyCode::Down | KeyCode::Tab => p.selected += 1,
            KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
            KeyCode::Enter => {
                let items = self.palette_items();
                let chosen = self.palette.as_ref().and_then(|p| {
                    items
                        .get(p.selected.min(items.len().saturating_sub(1)))
                        .cloned()
                });
                self.palette = None;
                return match chosen {
                    Some(PaletteItem::Tab(t)) => {
                        self.page = Page::Portfolio;
                        self.views.active = None;
                        let cmds = if self.account.is_none() {
                            self.follow_selection()
                        } else {
                            vec![]
                        };
                        self.focus = Focus::Account;
                        if let Some(a) = self.account.as_mut() {
                            set_tab(a, t);
                        }
                        cmds
                    }
                    Some(PaletteItem::Account { id, .. }) => self.jump_to_from_anywhere(id),
                    Some(PaletteItem::Go(item)) => self.go(item),
                    Some(PaletteItem::Command(c)) => match c {
                        "quit" => {
                            self.quit = true;
                            vec![]
                        }
                        "help" => {
                            self.help = true;
                            vec![]
                        }
                        _ => self.act(Action::Refresh),
                    },
                    None => vec![],
                };
            }
            _ => match super::line::edit(&mut p.input, &k) {
                Edit::Changed => p.selected = 0,
                Edit::Quit => self.quit = true,
                Edit::Kept | Edit::Other => {}
            },
        }
        vec![]
    }

    /// What the palette offers for its input: tabs and commands by name, accounts
    /// by fuzzy name (best first).
    pub fn palette_items(&self) -> Vec<PaletteItem> {
        let input = self
            .palette
            .as_ref()
            .map(|p| p.input.to_lowercase())
            .unwrap_or_default();
        let mut items: Vec<PaletteItem> = self
            .bar_items()
            .into_iter()
            .filter(|item| {
                let name = match item {
                    BarItem::Page(p) => p.title().to_lowercase(),
                    BarItem::Saved(i) => self.views.saved[*i].name.to_lowercase(),
                };
                input.is_empty() || name.contains(&input)
            })
            .map(PaletteItem::Go)
            .collect();
        items.extend(
            Tab::ALL
                .iter()
                .filter(|t| input.is_empty() || t.title().to_lowercase().contains(&input))
                .map(|t| PaletteItem::Tab(*t)),
        );
        for c in ["refresh", "help", "quit"] {
            if input.is_empty() || c.contains(&input) {
                items.push(PaletteItem::Command(c));
            }
        }
        // Every account, not only those the portfolio's filter lists.
        let rows = self.accounts();
        if !input.is_empty() {
            for i in self.fuzzy.best(&input, rows).into_iter().take(20) {
                items.push(PaletteItem::Account {
                    id: rows[i].id,
                    name: rows[i].name.clone(),
                });
            }
        }
        items
    }

    fn mouse(&mut self, m: MouseEvent) -> Vec<Command> {
        if self.form.is_some() || self.confirm.is_some() || self.notice.is_some() {
            return vec![];
        }
        match m.kind {
            MouseEventKind::ScrollDown => self.act(Action::Down),
            MouseEventKind::ScrollUp => self.act(Action::Up),
            MouseEventKind::Down(_) => {
                // A click on the tab bar (second line of the account pane) picks a tab.
                if let Some(tab) = super::view::tab_at(self, m.column, m.row) {
                    self.focus = Focus::Account;
                    if let Some(a) = self.account.as_mut() {
                        set_tab(a, tab);
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }
}

fn set_tab(a: &mut AccountView, tab: Tab) {
    if a.tab != tab {
        a.tab = tab;
        a.reading = false;
        a.column = 0;
        // The curve picker belongs to the Overview: it would take keys unseen.
        a.picking_curves = false;
    }
}

/// Reads an Interactions search: `kind:`, `dir:`, `contact:` (part of a name),
/// `tag:`, `role:` (a contact's role tag), and words searched in the text.
pub fn parse_query(q: &str, account: Id, contacts: &[Contact]) -> Result<InteractionQuery, String> {
    let mut out = InteractionQuery {
        account_id: Some(account),
        page: PageRequest {
            offset: 0,
            limit: 500,
        },
        ..Default::default()
    };
    let mut words = vec![];
    for token in q.split_whitespace() {
        match token.split_once(':') {
            Some(("kind", v)) => {
                out.kind = Some(v.parse().map_err(|e: String| format!("kind:{v}: {e}"))?)
            }
            Some(("dir", v)) => {
                out.direction = Some(v.parse().map_err(|e: String| format!("dir:{v}: {e}"))?)
            }
            Some(("tag", v)) => out.tag = Some(v.to_string()),
            Some(("role", v)) => out.contact_role = Some(v.to_string()),
            Some(("contact", v)) => {
                let v = v.to_lowercase();
                let c = contacts
                    .iter()
                    .find(|c| c.name.to_lowercase().contains(&v))
                    .ok_or_else(|| format!("contact:{v}: no contact of this account matches"))?;
                out.contact_id = Some(c.id);
            }
            Some((key, _)) if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase()) => {
                return Err(format!(
                    "{key}: unknown filter (kind, dir, contact, tag, role, or plain words)"
                ));
            }
            _ => words.push(token),
        }
    }
    if !words.is_empty() {
        out.text = Some(words.join(" "));
    }
    Ok(out)
}

/// The curves of the Overview chart: overall, then each component.
pub fn curve_names(a: &AccountView) -> Vec<String> {
    let mut names = vec!["overall".to_string()];
    if let Some(h) = a.health.value() {
        names.extend(h.profile.components.iter().map(|c| c.id.clone()));
    }
    names
}

/// How many rows the current tab's list has (for moving the selection).
pub fn list_len(a: &AccountView) -> usize {
    let Some(d) = a.data.value() else { return 0 };
    match a.tab {
        Tab::Interactions => super::view::tabs::interactions::visible(a, d).len(),
        Tab::Contacts => d.contacts.len(),
        Tab::Agreements => super::view::tabs::agreements::visible(a, d).len(),
        Tab::Opportunities => d.opportunities.len(),
        Tab::Tasks => super::view::tabs::tasks::column(d, a.column).len(),
        Tab::Playbooks => d.playbook_runs.len(),
        Tab::Support => d.cases.len(),
        Tab::Nps => d.nps.len(),
        Tab::Health => a.health.value().map_or(0, |h| {
            h.explanation
                .components
                .iter()
                .map(|c| c.measures.len() + 1)
                .sum()
        }),
        Tab::Usage => super::view::tabs::usage::active_users(d).len(),
        // The account's fields, its documents, then its history.
        Tab::Settings => 1 + d.documents.len() + a.history.value().map_or(0, Vec::len),
        Tab::Overview => a.overview_max.get() + 1,
    }
}
