//! The views bar: going from page to page and view to view, saving, renaming and
//! deleting views, counting what they list, back from an account to its list.

use tend_backend::PortfolioSort;
use tend_domain::*;

use crate::app::App;
use crate::keys::Action;
use crate::overlay::{Overlay, ViewPrompt};
use crate::saved::{SavedView, ViewList};
use crate::state::{BarItem, Command, Focus, Loadable, Page, Tab};

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

    /// Whether the list on screen still is what the active saved view stores
    /// (a view without a column set of its own shows the portfolio's).
    pub fn view_modified(&self) -> bool {
        self.views
            .active
            .and_then(|i| self.views.saved.get(i))
            .is_some_and(|v| {
                let now = self.current_as_view(v.name.clone());
                let shown = |x: &SavedView| {
                    (x.list == ViewList::Accounts)
                        .then(|| self.portfolio.columns.of_view(x.columns.as_deref()))
                };
                let rest = |x: &SavedView| SavedView {
                    columns: None,
                    ..x.clone()
                };
                rest(v) != rest(&now) || shown(v) != shown(&now)
            })
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
                columns: None,
            },
            _ => SavedView {
                name,
                list: ViewList::Accounts,
                filter: self.portfolio.expr.clone().unwrap_or_default(),
                sort: Some(self.portfolio.sort.as_str().to_string()),
                descending: self.portfolio.descending,
                group_by: None,
                // The columns on screen, unless they are the portfolio's own.
                columns: {
                    let c = &self.portfolio.columns;
                    (c.shown != c.default)
                        .then(|| crate::screens::portfolio::columns::names(&c.shown))
                },
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
                    // A saved view's columns are the view's: the portfolio shows
                    // its own set again.
                    let c = &mut self.portfolio.columns;
                    c.shown = c.default.clone();
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
                        p.columns.shown = p.columns.of_view(v.columns.as_deref());
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
            // Always fresh: what waits on you moves while you work elsewhere.
            Page::Work if !self.work.loading => self.load_work(),
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

    /// Opens an account on a tab from a list; Esc comes back to the list.
    pub(crate) fn open_from_list(&mut self, id: Id, tab: Tab, from: Page) -> Vec<Command> {
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
    pub(crate) fn back(&mut self) -> Vec<Command> {
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
        if self.work.list != Loadable::Idle {
            cmds.extend(self.load_work());
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
                self.overlays.open(Overlay::Prompt(ViewPrompt::Name {
                    input,
                    renaming: None,
                }));
            }
            (Action::RenameView, Some(i)) => {
                let input = self.views.saved[i].name.clone();
                self.overlays.open(Overlay::Prompt(ViewPrompt::Name {
                    input,
                    renaming: Some(i),
                }));
            }
            (Action::DeleteView, Some(i)) => {
                self.overlays.open(Overlay::Prompt(ViewPrompt::Delete(i)))
            }
            _ => {
                self.status = Some("open a saved view first ([ and ] go through the views)".into())
            }
        }
        vec![]
    }

    pub(crate) fn name_view(&mut self, name: String, renaming: Option<usize>) -> Vec<Command> {
        if name.is_empty() {
            self.status = Some("a view needs a name".into());
            return vec![];
        }
        let same = self.views.saved.iter().position(|v| v.name == name);
        self.overlays.close_prompt();
        match renaming {
            Some(i) => {
                if same.is_some_and(|j| j != i) {
                    self.overlays.open(Overlay::Prompt(ViewPrompt::Name {
                        input: name.clone(),
                        renaming: Some(i),
                    }));
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

    pub(crate) fn write_views(&mut self) -> Vec<Command> {
        match &self.views.file {
            Some(file) => vec![Command::WriteViews(file.clone(), self.views.saved.clone())],
            None => {
                self.status = Some(
                    "views are kept for this session only (the demo, or no config file)".into(),
                );
                vec![]
            }
        }
    }

    pub(crate) fn view_counted(
        &mut self,
        name: &str,
        result: Result<u64, tend_backend::Error>,
        at: Timestamp,
    ) {
        let offline = self.offline.is_some();
        if let Some(i) = self.views.saved.iter().position(|v| v.name == name) {
            self.views
                .counts
                .resize(self.views.saved.len(), Loadable::Idle);
            self.views.counts[i].take(result, at, offline);
        }
    }
}
