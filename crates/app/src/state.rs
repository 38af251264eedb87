//! What the app is made of and what it exchanges with the event loop: data
//! loaded from the backend with its states, the account tabs, the pages, the
//! commands out and the messages in. Below every screen and overlay: nothing here
//! imports them.

use std::sync::Arc;

use crossterm::event::{KeyEvent, MouseEvent};
use tend_backend::ai::{AiClient, AiError, ChatMessage};
use tend_backend::outbound::{Delivery, OutgoingEmail, TickReport, WorkItem};
use tend_backend::summary::AccountSummary;
use tend_backend::{
    Account360, AccountRow, CaseRow, Error, HealthReport, InteractionQuery, PortfolioSort, Write,
};
use tend_domain::*;
use tend_engines::copilot::Prompt;
use tend_engines::timeline::TimelineEvent;
use tokio::sync::watch;

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
    /// Why it failed, as the backend said (a conflict, not found, invalid,
    /// unavailable...).
    Failed(Error),
}

impl<T> Loadable<T> {
    /// Takes an answer. While the backend is offline a failure keeps what is
    /// already shown (the banner says it may be stale) instead of blanking it.
    pub fn take(&mut self, result: Result<T, Error>, at: Timestamp, offline: bool) {
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
    Summary,
    Settings,
    /// The account's alerts (open, snoozed, done), each with its alert tasks.
    Alerts,
}

impl Tab {
    /// How many tabs there are.
    pub const COUNT: usize = 14;

    pub const ALL: [Tab; Tab::COUNT] = [
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
        Tab::Summary,
        Tab::Settings,
        Tab::Alerts,
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
            Tab::Summary => "Summary",
            Tab::Settings => "Settings",
            Tab::Alerts => "Alerts",
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

/// The portfolio's counts, from the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub accounts: u64,
    pub at_risk: u64,
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
    /// The account under the portfolio's selection, loaded only once the
    /// selection has rested this long (its pane is not on screen): a held key
    /// or a quick scroll asks the backend nothing for the rows it passes.
    PrefetchAccount(Id, std::time::Duration),
    /// Changes made elsewhere came in: their reloads wait this long, so a burst
    /// of them costs one round of reloads.
    SettleChanges(std::time::Duration),
    SearchInteractions(Id, Box<InteractionQuery>),
    /// A tab's own question about the account (its tasks filtered, its usage in
    /// buckets, per user or per feature).
    AskTab(Id, Box<TabQuery>),
    LoadHistory(Id),
    /// Writes for the account, in one transaction.
    Save {
        account: Id,
        writes: Vec<Write>,
        what: String,
    },
    /// A document saved with a file from this machine: the file read from
    /// `path` and stored first, then the document written with it as its file
    /// (created, or updated when `creating` is false), in one answer as `Save`.
    SaveWithFile {
        account: Id,
        record: Box<Record>,
        creating: bool,
        path: std::path::PathBuf,
        what: String,
    },
    /// A document opened outside tend: its link, or its file fetched into
    /// `cache` (named by hash), handed to `opener`.
    OpenDocument {
        document: Box<Document>,
        cache: std::path::PathBuf,
        opener: crate::files::Opener,
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
    /// Keep the portfolio's own column set (`[portfolio] columns`) in the config
    /// file.
    WritePortfolioColumns(std::path::PathBuf, Vec<String>),
    /// The account's summary, generated by the backend (`job` tells the answer
    /// to a later ask from an earlier one).
    GenerateSummary {
        account: Id,
        job: u64,
    },
    /// A summary reworded by the language model, one section at a time.
    Reword {
        account: Id,
        job: u64,
        summary: Box<AccountSummary>,
        model: Model,
    },
    /// A copilot question over the account's last six months: answered offline,
    /// or with the language model when there is one.
    Copilot {
        account: Id,
        job: u64,
        ask: Ask,
        model: Option<Model>,
    },
    /// What waits on the user across accounts (My work).
    LoadWork,
    /// The record a My work item is about, fresh, to change it as `triage` says.
    WorkRecord {
        item: Box<WorkItem>,
        triage: Triage,
    },
    /// One round of the scheduler (its number: answers name it).
    Tick(u64),
    /// An email into the outbox.
    SendEmail(Box<OutgoingEmail>),
    /// An account's deliveries (its outbox and what was sent).
    LoadDeliveries(Id),
    /// A failed delivery queued again.
    RetryDelivery {
        account: Id,
        delivery: Id,
    },
}

/// What a My work key does to its item.
#[derive(Debug, Clone, PartialEq)]
pub enum Triage {
    Complete,
    /// For this many days.
    Snooze(u32),
    /// To this user.
    Reassign(String),
}

/// Whether a tick did something the screens show (a step ran, a delivery was
/// sent or failed).
pub fn tick_did_something(r: &TickReport) -> bool {
    r.steps_run + r.sent + r.failed > 0
}

/// What the copilot is asked.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    /// One of the built-in prompts.
    Prompt(Prompt),
    /// A question of the user's own (needs the language model), after the
    /// conversation so far.
    Question {
        question: String,
        history: Vec<ChatMessage>,
    },
}

/// The language model a command may use, and the flag that cancels its work.
#[derive(Debug, Clone)]
pub struct Model {
    pub client: Arc<AiClient>,
    pub cancel: watch::Receiver<bool>,
}

impl PartialEq for Model {
    fn eq(&self, other: &Model) -> bool {
        Arc::ptr_eq(&self.client, &other.client) && self.cancel.same_channel(&other.cancel)
    }
}

/// Cancels the model's work when asked to, or when dropped: work for an account
/// no longer on screen stops with it.
#[derive(Debug)]
pub struct Cancel(watch::Sender<bool>);

impl Cancel {
    /// A new flag, and the receiver the work watches.
    pub fn new() -> (Arc<Cancel>, watch::Receiver<bool>) {
        let (tx, rx) = watch::channel(false);
        (Arc::new(Cancel(tx)), rx)
    }

    pub fn cancel(&self) {
        // No receiver left: the work is over anyway.
        let _ = self.0.send(true);
    }
}

impl Drop for Cancel {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// The copilot's answer to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct CopilotAnswer {
    pub statements: Vec<Statement>,
    /// What the answer left out, or why it says nothing.
    pub note: Option<String>,
    /// Sentences of the model's dropped for citing records it was not given.
    pub dropped: usize,
    /// Whether the language model wrote it.
    pub by_model: bool,
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
        Result<Vec<AccountRow>, Error>,
        Timestamp,
        Asked<PortfolioSort>,
    ),
    PortfolioCounts(Counts, Asked<PortfolioSort>),
    Directory(Result<Vec<AccountRow>, Error>, Timestamp),
    Account(Id, Result<Box<Account360>, Error>, Timestamp),
    /// The selection rested on this account (see [`Command::PrefetchAccount`]).
    Prefetch(Id),
    /// Someone changed the store (the team server's change feed).
    Changed(Box<tend_domain::ChangeLogEntry>),
    /// The changes that came in have settled: what shows them is loaded again.
    ChangesSettled,
    Health(Id, Result<Box<HealthReport>, Error>, Timestamp),
    /// The account's key events, newest first.
    Timeline(Id, Result<Vec<TimelineEvent>, Error>, Timestamp),
    Interactions(Id, Result<Vec<Interaction>, Error>, Timestamp),
    History(Id, Result<Vec<ChangeLogEntry>, Error>, Timestamp),
    Saved {
        account: Id,
        what: String,
        result: Result<Vec<Option<Record>>, tend_backend::Error>,
    },
    Reloaded(Result<Box<Record>, Error>),
    /// A document was handed to the opener (what was opened), or why not.
    Opened(Result<String, String>),
    Playbooks(Result<Vec<Playbook>, Error>),
    /// Whether the backend answered: Err names why it cannot be reached.
    Connection(Result<(), Error>),
    Cases(
        Result<CaseList, Error>,
        Timestamp,
        Asked<tend_backend::CaseSort>,
    ),
    /// Alerts, and what they were asked for (state, transitions since).
    Alerts(
        Result<Vec<Alert>, Error>,
        Timestamp,
        (Option<AlertState>, Option<chrono::NaiveDate>),
    ),
    AlertCount(Result<u64, Error>),
    CaseCount(Result<u64, Error>),
    /// The store's scores are not today's: rescoring has started.
    Rescoring,
    /// Rescoring ended (every list is loaded again).
    Rescored(Result<(), Error>),
    ViewCount {
        name: String,
        result: Result<u64, Error>,
        at: Timestamp,
    },
    ViewsWritten(Result<(), Error>),
    /// The portfolio's column set was written to the config file (or why not).
    PortfolioColumnsWritten(Result<(), Error>),
    Dashboard(Result<Box<tend_backend::Dashboard>, Error>, Timestamp),
    /// A generated summary (dropped unless `job` is the one the account waits for).
    Summary {
        account: Id,
        job: u64,
        result: Result<Box<AccountSummary>, Error>,
    },
    /// The model is rewording section `section` (0-based) of `total`, and has
    /// written `chars` characters of it.
    Rewording {
        account: Id,
        job: u64,
        section: usize,
        total: usize,
        chars: usize,
    },
    /// The reworded summary and how many sentences were dropped, or why not.
    Reworded {
        account: Id,
        job: u64,
        result: Result<(Box<AccountSummary>, usize), AiError>,
    },
    /// The model's answer so far, as it streams in (markers taken out).
    CopilotDelta {
        account: Id,
        job: u64,
        text: String,
    },
    /// The copilot's answer, or why there is none.
    Copilot {
        account: Id,
        job: u64,
        result: Result<CopilotAnswer, String>,
    },
    /// My work.
    Work(Result<Vec<WorkItem>, Error>, Timestamp),
    /// The record of a My work item, to change as asked.
    WorkRecord {
        item: Box<WorkItem>,
        triage: Triage,
        result: Result<Box<Record>, Error>,
    },
    /// A round of the scheduler ended (its number).
    Ticked(u64, Result<TickReport, Error>),
    /// An email was queued, or why not.
    EmailQueued(Id, Result<Box<Delivery>, Error>),
    /// An account's deliveries, newest first.
    Deliveries(Id, Result<Vec<Delivery>, Error>, Timestamp),
    /// A delivery queued again, or why not.
    DeliveryRetried(Id, Result<Box<Delivery>, Error>),
    /// The answer to a tab's question, with the question (an answer to one no
    /// longer asked is dropped).
    TabAnswer(Id, Box<TabQuery>, Result<TabAnswer, Error>, Timestamp),
}

/// What an account tab asks the store for, beyond the account's 360.
#[derive(Debug, Clone, PartialEq)]
pub enum TabQuery {
    Tasks(tend_backend::TaskQuery),
    Usage(tend_backend::UsageQuery),
    UsageBreakdown(tend_backend::UsageBreakdownQuery),
}

/// The store's answer to a [`TabQuery`].
#[derive(Debug, Clone, PartialEq)]
pub enum TabAnswer {
    Tasks(Vec<Task>),
    Usage(Vec<tend_backend::UsageBucket>),
    UsageBreakdown(Vec<tend_backend::UsageShare>),
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

/// The pages the views bar switches between (saved views show one of the lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    #[default]
    Portfolio,
    Cases,
    Alerts,
    Dashboard,
    /// What waits on the user across accounts.
    Work,
}

impl Page {
    pub const ALL: [Page; 5] = [
        Page::Portfolio,
        Page::Cases,
        Page::Alerts,
        Page::Dashboard,
        Page::Work,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Page::Portfolio => "Portfolio",
            Page::Cases => "Cases",
            Page::Alerts => "Alerts",
            Page::Dashboard => "Dashboard",
            Page::Work => "My work",
        }
    }
}

/// One entry of the views bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarItem {
    Page(Page),
    Saved(usize),
}

/// Cases loaded into the cases view: at most [`CASES_SHOWN`], and how many match.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseList {
    pub rows: Vec<CaseRow>,
    pub total: u64,
}

/// The most cases the view loads (the header says when more match).
pub const CASES_SHOWN: u32 = 5000;

/// A line of the cases list: a group's heading or a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseLine {
    Group(usize),
    Case(usize),
}

/// Tabs with the columns each takes on the tab bar.
pub type TabSpans = Vec<(Tab, std::ops::Range<u16>)>;

/// What the last frame put where, handed back by the drawing for the clicks that
/// follow it: state code never computes the layout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawn {
    /// The account's tab bar: its row, and each tab's columns on it.
    pub tabs: Option<(u16, TabSpans)>,
}

impl Drawn {
    /// The tab under a click, if the last frame drew one there.
    pub fn tab_at(&self, column: u16, row: u16) -> Option<Tab> {
        let (y, tabs) = self.tabs.as_ref()?;
        if row != *y {
            return None;
        }
        tabs.iter()
            .find(|(_, x)| x.contains(&column))
            .map(|(t, _)| *t)
    }
}

/// An email queued from here, followed until a round of the scheduler has tried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailWatch {
    pub account: Id,
    pub delivery: Id,
    /// The first round that started after it was queued.
    pub round: u64,
}

/// Changes made elsewhere since the last reload for them (the change feed; see
/// `live`).
#[derive(Debug, Default, Clone)]
pub struct Changed {
    /// The accounts whose records changed.
    pub accounts: std::collections::BTreeSet<Id>,
    /// The accounts that changed themselves (created, given to someone, renamed).
    pub account_records: std::collections::BTreeSet<Id>,
    /// Who changed the account on screen (others than the app's user), in the
    /// order they did.
    pub by: Vec<String>,
    /// A reload waits for the changes to settle.
    pub waiting: bool,
}
