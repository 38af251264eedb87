//! The lists beside the portfolio: every support case across accounts (filtered,
//! grouped, sorted), the alerts inbox, and saved views (named filters shown as tabs).

use std::cell::Cell;
use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Command, Focus, Loadable, Tab};
use super::keys::Action;
use super::line::Edit;
use crate::saved::{SavedView, ViewList};
use tend_backend::{CaseRow, CaseSort, Dashboard, Group, GroupBy, PortfolioSort, Write};
use tend_domain::*;
use tend_engines::filter::{Filter, FilterError};

/// The pages the views bar switches between (saved views show one of the lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    #[default]
    Portfolio,
    Cases,
    Alerts,
    Dashboard,
}

impl Page {
    pub const ALL: [Page; 4] = [Page::Portfolio, Page::Cases, Page::Alerts, Page::Dashboard];

    pub fn title(self) -> &'static str {
        match self {
            Page::Portfolio => "Portfolio",
            Page::Cases => "Cases",
            Page::Alerts => "Alerts",
            Page::Dashboard => "Dashboard",
        }
    }
}

/// A filter-language expression being typed: checked as typed.
#[derive(Debug, Clone, Default)]
pub struct WhereBar {
    pub input: String,
    pub error: Option<FilterError>,
}

/// What a key in a filter bar comes to.
pub enum WhereOutcome {
    Typing,
    Cancel,
    /// Run this expression (None: no filter).
    Apply(Option<String>),
    Quit,
}

impl WhereBar {
    pub fn new(current: Option<&str>) -> WhereBar {
        WhereBar {
            input: current.unwrap_or_default().to_string(),
            error: None,
        }
    }

    /// Takes pasted text (on one line), checked as if typed.
    pub fn paste(&mut self, text: &str, accounts: bool) {
        super::line::paste(&mut self.input, text);
        self.check(accounts);
    }

    fn check(&mut self, accounts: bool) {
        self.error = if accounts {
            Filter::parse_accounts(&self.input).err()
        } else {
            Filter::parse(&self.input).err()
        };
    }

    /// Takes a key; `accounts` refuses case fields (a list of accounts).
    pub fn key(&mut self, k: KeyEvent, accounts: bool) -> WhereOutcome {
        match k.code {
            KeyCode::Esc => return WhereOutcome::Cancel,
            KeyCode::Enter if self.error.is_some() => return WhereOutcome::Typing,
            KeyCode::Enter => {
                let typed = self.input.trim().to_string();
                return WhereOutcome::Apply((!typed.is_empty()).then_some(typed));
            }
            _ => match super::line::edit(&mut self.input, &k) {
                Edit::Changed => {}
                Edit::Quit => return WhereOutcome::Quit,
                Edit::Kept | Edit::Other => return WhereOutcome::Typing,
            },
        }
        self.check(accounts);
        WhereOutcome::Typing
    }
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

/// Every support case across accounts.
#[derive(Debug, Clone, Default)]
pub struct CasesView {
    pub list: Loadable<CaseList>,
    pub expr: Option<String>,
    pub bar: Option<WhereBar>,
    pub sort: CaseSort,
    pub descending: bool,
    pub group_by: Option<GroupBy>,
    /// The groups of the loaded cases (empty when not grouped).
    pub groups: Vec<Group>,
    /// What is drawn, in order.
    pub lines: Vec<CaseLine>,
    /// Position in `lines` (always a case when there is one).
    pub selected: usize,
    pub offset: Cell<usize>,
    /// How many cases the store holds (the views bar shows it before the page is
    /// visited).
    pub count: Option<u64>,
}

impl CasesView {
    /// Rebuilds the groups and lines after a load or a change of grouping, keeping
    /// the selected case when it is still there.
    fn relayout(&mut self) {
        let keep = self.selected_case().map(|r| r.case.id);
        self.relayout_keeping(keep);
    }

    fn relayout_keeping(&mut self, keep: Option<Id>) {
        self.groups.clear();
        self.lines.clear();
        let Some(list) = self.list.value() else {
            return;
        };
        match self.group_by {
            None => self.lines = (0..list.rows.len()).map(CaseLine::Case).collect(),
            Some(by) => {
                self.groups = tend_backend::group(&list.rows, by);
                for (g, group) in self.groups.iter().enumerate() {
                    self.lines.push(CaseLine::Group(g));
                    self.lines
                        .extend(group.rows.iter().map(|i| CaseLine::Case(*i)));
                }
            }
        }
        let rows = &list.rows;
        self.selected = keep
            .and_then(|id| {
                self.lines
                    .iter()
                    .position(|l| matches!(l, CaseLine::Case(i) if rows[*i].case.id == id))
            })
            .or_else(|| {
                self.lines
                    .iter()
                    .position(|l| matches!(l, CaseLine::Case(_)))
            })
            .unwrap_or(0);
    }

    pub fn selected_case(&self) -> Option<&CaseRow> {
        let list = self.list.value()?;
        match self.lines.get(self.selected)? {
            CaseLine::Case(i) => list.rows.get(*i),
            CaseLine::Group(_) => None,
        }
    }

    /// Moves the selection by `by` cases (group headings are passed over).
    fn step(&mut self, by: isize) {
        let cases: Vec<usize> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l, CaseLine::Case(_)))
            .map(|(k, _)| k)
            .collect();
        if cases.is_empty() {
            return;
        }
        let at = cases.iter().position(|k| *k >= self.selected).unwrap_or(0) as isize;
        let to = (at + by).clamp(0, cases.len() as isize - 1) as usize;
        self.selected = cases[to];
    }

    pub(crate) fn command(&self) -> Command {
        Command::LoadCases {
            expr: self.expr.clone(),
            sort: self.sort,
            descending: self.descending,
        }
    }
}

/// The alerts inbox.
#[derive(Debug, Clone)]
pub struct AlertsView {
    pub list: Loadable<Vec<Alert>>,
    /// Which alerts are listed (None: all).
    pub state: Option<AlertState>,
    pub selected: usize,
    pub offset: Cell<usize>,
    /// Names and health of the listed alerts' accounts (from the portfolio).
    pub names: HashMap<Id, (String, Option<HealthStatus>)>,
    /// Only the health transitions since this day are listed (the dashboard's
    /// "this week" line opened them).
    pub transitions_since: Option<chrono::NaiveDate>,
    /// Open alerts (the header shows it everywhere).
    pub open: Option<u64>,
}

impl AlertsView {
    /// The load of what the inbox lists.
    pub fn command(&self) -> Command {
        Command::LoadAlerts(self.state, self.transitions_since)
    }
}

impl Default for AlertsView {
    fn default() -> Self {
        AlertsView {
            list: Loadable::Idle,
            state: Some(AlertState::Open),
            selected: 0,
            offset: Cell::new(0),
            names: HashMap::new(),
            transitions_since: None,
            open: None,
        }
    }
}

impl AlertsView {
    pub fn selected_alert(&self) -> Option<&Alert> {
        self.list.value()?.get(self.selected)
    }
}

/// The dashboard and its selected line.
#[derive(Debug, Clone, Default)]
pub struct DashboardView {
    pub list: Loadable<Dashboard>,
    /// Position in [`dashboard_items`].
    pub selected: usize,
}

/// What a dashboard line opens.
#[derive(Debug, Clone, PartialEq)]
pub enum TileItem {
    /// The portfolio filtered by this expression.
    Accounts(String),
    /// The health transitions since the week's first day (alerts of their rule).
    Transitions(chrono::NaiveDate),
}

/// What the portfolio asked for before a dashboard line replaced it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioAsk {
    pub expr: Option<String>,
    pub filter: String,
    pub churned: bool,
}

/// The dashboard's lines that open something, in the order they are drawn and
/// selected: health by status, renewals by status, MRR at risk and concerning,
/// the week's transitions, the drags.
pub fn dashboard_items(d: &Dashboard) -> Vec<TileItem> {
    let mut items: Vec<TileItem> = d
        .health
        .iter()
        .chain(&d.renewals)
        .chain([&d.mrr_at_risk, &d.mrr_concerning])
        .map(|t| TileItem::Accounts(t.filter.clone()))
        .collect();
    items.push(TileItem::Transitions(d.transitions.week_start));
    items.extend(d.drags.iter().map(|t| TileItem::Accounts(t.filter.clone())));
    items
}

/// How long `z` and `Z` snooze an alert.
pub const SNOOZE_SHORT_DAYS: i64 = 1;
pub const SNOOZE_LONG_DAYS: i64 = 7;

/// A question in the footer about saved views.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewPrompt {
    /// Typing a name to save the list under (`Some(i)`: renaming view i).
    Name {
        input: String,
        renaming: Option<usize>,
    },
    /// Deleting view i: y or n.
    Delete(usize),
}

/// Saved views and their counts.
#[derive(Debug, Clone, Default)]
pub struct Views {
    pub saved: Vec<SavedView>,
    /// How many each view lists, and when that was counted.
    pub counts: Vec<Loadable<u64>>,
    /// The saved view on screen.
    pub active: Option<usize>,
    pub prompt: Option<ViewPrompt>,
    /// The config file views are written to.
    pub file: Option<std::path::PathBuf>,
}

/// One entry of the views bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarItem {
    Page(Page),
    Saved(usize),
}

impl App {
    /// The entries of the views bar, in order.
    pub fn bar_items(&self) -> Vec<BarItem> {
        let mut items: Vec<BarItem> = Page::ALL.iter().map(|p| BarItem::Page(*p)).collect();
        items.extend((0..self.views.saved.len()).map(BarItem::Saved));
        items
    }

    /// The bar entry shown now.
    pub fn current_bar_item(&self) -> BarItem {
        match self.views.active {
            Some(i) => BarItem::Saved(i),
            None => BarItem::Page(self.page),
        }
    }

    /// Whether the list on screen still is what the active saved view stores.
    pub fn view_modified(&self) -> bool {
        self.views
            .active
            .and_then(|i| self.views.saved.get(i))
            .is_some_and(|v| *v != self.current_as_view(v.name.clone()))
    }

    /// The list on screen as a saved view of that name (None: not a list).
    pub fn current_as_view(&self, name: String) -> SavedView {
        match self.page {
            Page::Cases => SavedView {
                name,
                list: ViewList::Cases,
                filter: self.cases.expr.clone().unwrap_or_default(),
                sort: Some(self.cases.sort.as_str().to_string()),
                descending: self.cases.descending,
                group_by: self.cases.group_by.map(|g| g.as_str().to_string()),
            },
            _ => SavedView {
                name,
                list: ViewList::Accounts,
                filter: self.portfolio.expr.clone().unwrap_or_default(),
                sort: Some(self.portfolio.sort.as_str().to_string()),
                descending: self.portfolio.descending,
                group_by: None,
            },
        }
    }

    /// Goes to a page or a saved view.
    pub fn go(&mut self, item: BarItem) -> Vec<Command> {
        self.return_to = None;
        // The inbox is the inbox again: the dashboard's "this week" narrowing ends
        // when the user goes elsewhere by the views bar.
        if self.alerts.transitions_since.take().is_some() {
            self.alerts.list = Loadable::Idle;
        }
        // Leaving by the views bar ends a dashboard line's detour: the filter the
        // portfolio had before it is not brought back later by surprise.
        self.portfolio_before = None;
        match item {
            BarItem::Page(page) => {
                self.views.active = None;
                self.page = page;
                if page == Page::Portfolio {
                    self.focus = Focus::Portfolio;
                }
                self.page_wanted()
            }
            BarItem::Saved(i) => {
                let Some(v) = self.views.saved.get(i).cloned() else {
                    return vec![];
                };
                self.views.active = Some(i);
                let expr = (!v.filter.trim().is_empty()).then(|| v.filter.clone());
                match v.list {
                    ViewList::Accounts => {
                        self.page = Page::Portfolio;
                        self.focus = Focus::Portfolio;
                        let p = &mut self.portfolio;
                        p.expr = expr;
                        p.counts = None;
                        // A view lists what its filter says, churned left out
                        // unless it names the stage (as its count does).
                        p.churned = false;
                        p.sort = v
                            .sort
                            .as_deref()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(PortfolioSort::Health);
                        p.descending = v.descending;
                        p.filter.clear();
                        p.rows = Loadable::Loading;
                        p.selected = 0;
                        vec![self.portfolio_command()]
                    }
                    ViewList::Cases => {
                        self.page = Page::Cases;
                        let c = &mut self.cases;
                        c.expr = expr;
                        c.sort = v
                            .sort
                            .as_deref()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or_default();
                        c.descending = v.descending;
                        c.group_by = v.group_by.as_deref().and_then(|g| g.parse().ok());
                        c.list = Loadable::Loading;
                        c.selected = 0;
                        vec![c.command()]
                    }
                }
            }
        }
    }

    /// Loads what the page shows the first time it opens.
    fn page_wanted(&mut self) -> Vec<Command> {
        match self.page {
            Page::Cases if self.cases.list == Loadable::Idle => {
                self.cases.list = Loadable::Loading;
                vec![self.cases.command()]
            }
            Page::Alerts if self.alerts.list == Loadable::Idle => {
                self.alerts.list = Loadable::Loading;
                vec![self.alerts.command()]
            }
            Page::Dashboard if self.dashboard.list == Loadable::Idle => {
                self.dashboard.list = Loadable::Loading;
                vec![Command::LoadDashboard]
            }
            _ => vec![],
        }
    }

    /// The next or previous entry of the views bar.
    pub(crate) fn cycle_page(&mut self, forward: bool) -> Vec<Command> {
        let items = self.bar_items();
        let at = items
            .iter()
            .position(|i| *i == self.current_bar_item())
            .unwrap_or(0);
        let n = items.len();
        let to = if forward {
            (at + 1) % n
        } else {
            (at + n - 1) % n
        };
        self.go(items[to])
    }

    /// The counts the views bar shows: open alerts and each saved view's.
    pub(crate) fn count_commands(&mut self) -> Vec<Command> {
        let mut cmds = vec![Command::CountAlerts, Command::CountCases];
        self.views
            .counts
            .resize(self.views.saved.len(), Loadable::Idle);
        for (v, count) in self.views.saved.iter().zip(self.views.counts.iter_mut()) {
            if count.value().is_none() {
                *count = Loadable::Loading;
            }
            cmds.push(Command::CountView(Box::new(v.clone())));
        }
        cmds
    }

    pub(crate) fn portfolio_command(&self) -> Command {
        Command::LoadPortfolio {
            sort: self.portfolio.sort,
            descending: self.portfolio.descending,
            expr: self.portfolio.expr.clone(),
            churned: self.portfolio.churned,
        }
    }

    /// A key on the cases page.
    pub(crate) fn cases_action(&mut self, action: Action) -> Vec<Command> {
        let page = self.page();
        let c = &mut self.cases;
        match action {
            Action::Down => c.step(1),
            Action::Up => c.step(-1),
            Action::PageDown => c.step(page as isize),
            Action::PageUp => c.step(-(page as isize)),
            Action::Top => c.step(-(c.lines.len() as isize)),
            Action::Bottom => c.step(c.lines.len() as isize),
            Action::Open | Action::Right => {
                let Some((id, case)) = c.selected_case().map(|r| (r.case.account_id, r.case.id))
                else {
                    return vec![];
                };
                let cmds = self.open_from_list(id, Tab::Support, Page::Cases);
                if let Some(a) = self.account.as_mut() {
                    a.want_case = Some(case);
                }
                return cmds;
            }
            Action::Where => c.bar = Some(WhereBar::new(c.expr.as_deref())),
            Action::Group => {
                c.group_by = match c.group_by {
                    None => Some(GroupBy::CYCLE[0]),
                    Some(g) => GroupBy::CYCLE
                        .iter()
                        .position(|x| *x == g)
                        .and_then(|k| GroupBy::CYCLE.get(k + 1))
                        .copied(),
                };
                // New groups, new order: back to the first case.
                c.relayout_keeping(None);
                c.offset.set(0);
            }
            Action::Sort | Action::Reverse => {
                if action == Action::Sort {
                    let all = CaseSort::ALL;
                    let at = all.iter().position(|s| *s == c.sort).unwrap_or(0);
                    c.sort = all[(at + 1) % all.len()];
                    c.descending = false;
                } else {
                    c.descending = !c.descending;
                }
                c.list = Loadable::Loading;
                return vec![c.command()];
            }
            Action::Back => return self.back(),
            Action::SaveView | Action::RenameView | Action::DeleteView => {
                return self.view_action(action);
            }
            _ => {}
        }
        vec![]
    }

    /// Opens an account on a tab from a list; Esc comes back to the list.
    fn open_from_list(&mut self, id: Id, tab: Tab, from: Page) -> Vec<Command> {
        self.page = Page::Portfolio;
        let cmds = self.jump_to(id);
        if let Some(a) = self.account.as_mut() {
            a.tab = tab;
        }
        self.return_to = Some((from, self.views.active));
        self.views.active = None;
        cmds
    }

    /// Esc on a page: back where it was opened from, else to the portfolio.
    fn back(&mut self) -> Vec<Command> {
        if self.back_to_list() {
            return vec![];
        }
        self.go(BarItem::Page(Page::Portfolio))
    }

    /// Back from an account opened from a list: to that list as it was.
    pub(crate) fn back_to_list(&mut self) -> bool {
        let Some((page, active)) = self.return_to.take() else {
            return false;
        };
        self.page = page;
        self.views.active = active;
        self.focus = Focus::Portfolio;
        if page != Page::Portfolio
            && let Some(before) = self.portfolio_before.take()
        {
            // The portfolio as it was before a dashboard line replaced its filter
            // (loaded again by `wanted`).
            let p = &mut self.portfolio;
            p.expr = before.expr;
            p.filter = before.filter;
            p.churned = before.churned;
            p.counts = None;
            p.selected = 0;
            p.rows = Loadable::Idle;
        }
        true
    }

    /// Typing the cases filter.
    pub(crate) fn cases_where_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let c = &mut self.cases;
        let Some(bar) = c.bar.as_mut() else {
            return vec![];
        };
        match bar.key(k, false) {
            WhereOutcome::Typing => {}
            WhereOutcome::Cancel => c.bar = None,
            WhereOutcome::Quit => self.quit = true,
            WhereOutcome::Apply(expr) => {
                c.bar = None;
                c.expr = expr;
                c.list = Loadable::Loading;
                c.selected = 0;
                return vec![c.command()];
            }
        }
        vec![]
    }

    pub(crate) fn cases_loaded(
        &mut self,
        result: Result<CaseList, String>,
        at: Timestamp,
        asked: super::app::Asked<CaseSort>,
    ) {
        let c = &self.cases;
        if asked.expr != c.expr || asked.sort != c.sort || asked.descending != c.descending {
            return;
        }
        let offline = self.offline.is_some();
        self.cases.list.take(result, at, offline);
        self.cases.relayout();
    }

    /// A key on the alerts page.
    pub(crate) fn alerts_action(&mut self, action: Action) -> Vec<Command> {
        let page = self.page();
        let a = &mut self.alerts;
        let len = a.list.value().map_or(0, Vec::len);
        let last = len.saturating_sub(1);
        match action {
            Action::Down => a.selected = (a.selected + 1).min(last),
            Action::Up => a.selected = a.selected.saturating_sub(1),
            Action::PageDown => a.selected = (a.selected + page).min(last),
            Action::PageUp => a.selected = a.selected.saturating_sub(page),
            Action::Top => a.selected = 0,
            Action::Bottom => a.selected = last,
            Action::Cycle => {
                a.transitions_since = None;
                a.state = match a.state {
                    Some(AlertState::Open) => Some(AlertState::Snoozed),
                    Some(AlertState::Snoozed) => Some(AlertState::Done),
                    Some(AlertState::Done) => None,
                    None => Some(AlertState::Open),
                };
                a.list = Loadable::Loading;
                a.selected = 0;
                return vec![a.command()];
            }
            Action::Open | Action::Right => {
                let Some(alert) = a.selected_alert() else {
                    return vec![];
                };
                let tab = match alert.rule.as_str() {
                    "usage_drop" => Tab::Usage,
                    "renewal_at_risk" => Tab::Agreements,
                    "escalation" => Tab::Support,
                    _ => Tab::Health,
                };
                let id = alert.account_id;
                return self.open_from_list(id, tab, Page::Alerts);
            }
            Action::Done | Action::Snooze | Action::SnoozeLong => {
                let Some(alert) = a.selected_alert().cloned() else {
                    self.status = Some("no alert selected".into());
                    return vec![];
                };
                let mut next = alert.clone();
                let what = match action {
                    Action::Done if alert.state == AlertState::Done => {
                        next.state = AlertState::Open;
                        next.snoozed_until = None;
                        "reopened the alert".to_string()
                    }
                    Action::Done => {
                        next.state = AlertState::Done;
                        next.snoozed_until = None;
                        "marked the alert done".to_string()
                    }
                    _ => {
                        let days = if action == Action::Snooze {
                            SNOOZE_SHORT_DAYS
                        } else {
                            SNOOZE_LONG_DAYS
                        };
                        next.state = AlertState::Snoozed;
                        next.snoozed_until = Some(self.now + chrono::Duration::days(days));
                        format!(
                            "snoozed the alert for {days} day{}",
                            if days == 1 { "" } else { "s" }
                        )
                    }
                };
                return vec![Command::Save {
                    account: alert.account_id,
                    writes: vec![Write::Update {
                        record: Record::Alert(next),
                    }],
                    what,
                }];
            }
            Action::Back => return self.back(),
            _ => {}
        }
        vec![]
    }

    pub(crate) fn alerts_loaded(&mut self, result: Result<Vec<Alert>, String>, at: Timestamp) {
        let offline = self.offline.is_some();
        self.alerts.list.take(result, at, offline);
        let wanted: std::collections::HashSet<Id> = self
            .alerts
            .list
            .value()
            .map(|l| l.iter().map(|a| a.account_id).collect())
            .unwrap_or_default();
        self.alerts.names.retain(|id, _| wanted.contains(id));
        self.name_alerts();
        let len = self.alerts.list.value().map_or(0, Vec::len);
        self.alerts.selected = self.alerts.selected.min(len.saturating_sub(1));
    }

    /// Names the alerts' accounts from every account known (not only those the
    /// portfolio's filter lists).
    pub(crate) fn name_alerts(&mut self) {
        let Some(list) = self.alerts.list.value() else {
            return;
        };
        // Every load names them again: a write or a rescore moves their health.
        let wanted: std::collections::HashSet<Id> = list.iter().map(|a| a.account_id).collect();
        if wanted.is_empty() {
            return;
        }
        let found: Vec<_> = self
            .accounts()
            .iter()
            .filter(|r| wanted.contains(&r.id))
            .map(|r| (r.id, (r.name.clone(), r.health_status)))
            .collect();
        self.alerts.names.extend(found);
    }

    /// A key on the dashboard.
    pub(crate) fn dashboard_action(&mut self, action: Action) -> Vec<Command> {
        let items = self
            .dashboard
            .list
            .value()
            .map(dashboard_items)
            .unwrap_or_default();
        let last = items.len().saturating_sub(1);
        let d = &mut self.dashboard;
        match action {
            Action::Down | Action::Right => d.selected = (d.selected + 1).min(last),
            Action::Up | Action::Left => d.selected = d.selected.saturating_sub(1),
            Action::Top | Action::PageUp => d.selected = 0,
            Action::Bottom | Action::PageDown => d.selected = last,
            Action::Open => match items.get(d.selected) {
                Some(TileItem::Accounts(expr)) => {
                    let expr = expr.clone();
                    self.views.active = None;
                    self.page = Page::Portfolio;
                    self.focus = Focus::Portfolio;
                    let p = &mut self.portfolio;
                    // Esc brings the portfolio's own filter back.
                    if self.portfolio_before.is_none() {
                        self.portfolio_before = Some(PortfolioAsk {
                            expr: p.expr.clone(),
                            filter: p.filter.clone(),
                            churned: p.churned,
                        });
                    }
                    p.expr = Some(expr);
                    p.counts = None;
                    p.filter.clear();
                    p.rows = Loadable::Loading;
                    p.selected = 0;
                    self.return_to = Some((Page::Dashboard, None));
                    return vec![self.portfolio_command()];
                }
                Some(TileItem::Transitions(week)) => {
                    let week = *week;
                    self.page = Page::Alerts;
                    self.return_to = Some((Page::Dashboard, None));
                    let a = &mut self.alerts;
                    a.state = None;
                    a.transitions_since = Some(week);
                    a.list = Loadable::Loading;
                    a.selected = 0;
                    return vec![a.command()];
                }
                None => {}
            },
            Action::Back => return self.back(),
            _ => {}
        }
        vec![]
    }

    /// Lists that a write may have changed, loaded again (only those already shown).
    pub(crate) fn after_write(&mut self) -> Vec<Command> {
        let mut cmds = vec![Command::CountAlerts, Command::CountCases];
        // Names and health may have moved: loaded again when next needed.
        self.directory = Loadable::Idle;
        if self.dashboard.list != Loadable::Idle {
            cmds.push(Command::LoadDashboard);
        }
        if self.alerts.list != Loadable::Idle {
            cmds.push(self.alerts.command());
        }
        if self.cases.list != Loadable::Idle {
            cmds.push(self.cases.command());
        }
        cmds
    }

    /// Save, rename or delete a saved view.
    pub(crate) fn view_action(&mut self, action: Action) -> Vec<Command> {
        let active = self.views.active;
        match (action, active) {
            (Action::SaveView, _) => {
                let input = active
                    .and_then(|i| self.views.saved.get(i))
                    .map(|v| v.name.clone())
                    .unwrap_or_default();
                self.views.prompt = Some(ViewPrompt::Name {
                    input,
                    renaming: None,
                });
            }
            (Action::RenameView, Some(i)) => {
                let input = self.views.saved[i].name.clone();
                self.views.prompt = Some(ViewPrompt::Name {
                    input,
                    renaming: Some(i),
                });
            }
            (Action::DeleteView, Some(i)) => self.views.prompt = Some(ViewPrompt::Delete(i)),
            _ => {
                self.status = Some("open a saved view first ([ and ] go through the views)".into())
            }
        }
        vec![]
    }

    /// A key while the footer asks about a saved view.
    pub(crate) fn view_prompt_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(prompt) = self.views.prompt.as_mut() else {
            return vec![];
        };
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return vec![];
        }
        match prompt {
            ViewPrompt::Delete(i) => {
                let i = *i;
                self.views.prompt = None;
                if !matches!(k.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.status = Some("kept the view".into());
                    return vec![];
                }
                let gone = self.views.saved.remove(i);
                if i < self.views.counts.len() {
                    self.views.counts.remove(i);
                }
                self.views.active = None;
                self.status = Some(format!("deleted the view \"{}\"", gone.name));
                self.write_views()
            }
            ViewPrompt::Name { input, renaming } => {
                match k.code {
                    KeyCode::Esc => self.views.prompt = None,
                    KeyCode::Enter => {
                        let name = input.trim().to_string();
                        let renaming = *renaming;
                        return self.name_view(name, renaming);
                    }
                    _ => {
                        super::line::edit(input, &k);
                    }
                }
                vec![]
            }
        }
    }

    fn name_view(&mut self, name: String, renaming: Option<usize>) -> Vec<Command> {
        if name.is_empty() {
            self.status = Some("a view needs a name".into());
            return vec![];
        }
        let same = self.views.saved.iter().position(|v| v.name == name);
        self.views.prompt = None;
        match renaming {
            Some(i) => {
                if same.is_some_and(|j| j != i) {
                    self.views.prompt = Some(ViewPrompt::Name {
                        input: name.clone(),
                        renaming: Some(i),
                    });
                    self.status = Some(format!("there is a view \"{name}\" already"));
                    return vec![];
                }
                let old = std::mem::replace(&mut self.views.saved[i].name, name.clone());
                self.status = Some(format!("renamed the view \"{old}\" to \"{name}\""));
            }
            None => {
                let view = self.current_as_view(name.clone());
                let i = match same {
                    Some(i) => {
                        self.views.saved[i] = view;
                        self.status = Some(format!("updated the view \"{name}\""));
                        i
                    }
                    None => {
                        self.views.saved.push(view);
                        self.status = Some(format!("saved the view \"{name}\""));
                        self.views.saved.len() - 1
                    }
                };
                self.views.active = Some(i);
                self.views
                    .counts
                    .resize(self.views.saved.len(), Loadable::Idle);
                self.views.counts[i] = Loadable::Loading;
                let mut cmds = self.write_views();
                cmds.push(Command::CountView(Box::new(self.views.saved[i].clone())));
                return cmds;
            }
        }
        self.write_views()
    }

    fn write_views(&mut self) -> Vec<Command> {
        match &self.views.file {
            Some(file) => vec![Command::WriteViews(file.clone(), self.views.saved.clone())],
            None => {
                self.status = Some("no config file to keep views in: kept for this session".into());
                vec![]
            }
        }
    }

    pub(crate) fn view_counted(&mut self, name: &str, result: Result<u64, String>, at: Timestamp) {
        let offline = self.offline.is_some();
        if let Some(i) = self.views.saved.iter().position(|v| v.name == name) {
            self.views
                .counts
                .resize(self.views.saved.len(), Loadable::Idle);
            self.views.counts[i].take(result, at, offline);
        }
    }
}
