//! Keys on the portfolio (move, open, sort, the fuzzy filter and the filter
//! bar, churned accounts, the column chooser) and what follows the selection.

use crossterm::event::{KeyCode, KeyEvent};
use tend_backend::PortfolioSort;
use tend_domain::*;

use crate::app::App;
use crate::keys::Action;
use crate::line::Edit;
use crate::screens::account::state::AccountView;
use crate::state::{Command, Focus, Loadable};

impl App {
    /// Health switched off (or on): without scores, the portfolio is sorted by
    /// renewal, the nearest first.
    pub fn set_health_off(&mut self, off: bool) {
        self.health_off = off;
        if off && self.portfolio.sort == PortfolioSort::Health {
            self.portfolio.sort = PortfolioSort::Renewal;
            self.portfolio.descending = false;
        }
    }

    /// Recomputes the filtered view of the portfolio.
    pub(crate) fn refilter(&mut self) {
        let Some(rows) = self.portfolio.rows.value() else {
            self.portfolio.view.clear();
            return;
        };
        self.portfolio.view = self.fuzzy.filter(&self.portfolio.filter, rows);
    }

    pub(crate) fn clamp_portfolio(&mut self) {
        let p = &mut self.portfolio;
        p.selected = p.selected.min(p.view.len().saturating_sub(1));
    }

    /// Opens (loads) the account under the portfolio's selection, when it changed.
    pub(crate) fn follow_selection(&mut self) -> Vec<Command> {
        let Some(id) = self.portfolio.selected_row().map(|r| r.id) else {
            return vec![];
        };
        self.open_account(id)
    }

    pub(crate) fn open_account(&mut self, id: Id) -> Vec<Command> {
        if self.account.as_ref().is_some_and(|a| a.id == id) {
            return vec![];
        }
        let tab = self.account.as_ref().map(|a| a.tab);
        let mut view = AccountView::new(id);
        if let Some(tab) = tab {
            view.tab = tab;
        }
        // Asked at once when opened, or when its pane shows beside the portfolio
        // and the selection was not moving a moment ago; else once the selection
        // rests there (or its pane shows, see `wanted`): a held key or a quick
        // scroll asks nothing for the rows it passes.
        let now = std::time::Instant::now();
        let moving = self
            .followed_at
            .is_some_and(|at| now.duration_since(at) < self.prefetch_after);
        let at_once = self.focus == Focus::Account || (self.account_shown() && !moving);
        if self.focus == Focus::Portfolio {
            self.followed_at = Some(now);
        }
        view.asked = at_once;
        self.account = Some(view);
        if at_once {
            vec![Command::LoadAccount(id)]
        } else {
            vec![Command::PrefetchAccount(id, self.prefetch_after)]
        }
    }

    pub(crate) fn portfolio_action(&mut self, action: Action) -> Vec<Command> {
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
            Action::Where => p.bar = Some(crate::where_bar::WhereBar::new(p.expr.as_deref())),
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
            Action::Columns => return self.open_columns(),
            _ => {}
        }
        if self.portfolio.selected != before {
            return self.follow_selection();
        }
        vec![]
    }

    /// Typing a filter-language expression: checked as it is typed, run in the store
    /// on Enter (an empty one clears the filter), Esc leaves it as it was.
    pub(crate) fn where_key(&mut self, k: KeyEvent) -> Vec<Command> {
        use crate::where_bar::WhereOutcome;
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

    pub(crate) fn filter_key(&mut self, k: KeyEvent) -> Vec<Command> {
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
            _ => match crate::line::edit(&mut p.filter, &k) {
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
}

impl App {
    pub(crate) fn portfolio_command(&self) -> Command {
        Command::LoadPortfolio {
            sort: self.portfolio.sort,
            descending: self.portfolio.descending,
            expr: self.portfolio.expr.clone(),
            churned: self.portfolio.churned,
        }
    }
}
