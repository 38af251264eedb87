//! Keys on the cases page (move, open the case's account, filter, group, sort)
//! and the cases as they come in.

use crossterm::event::KeyEvent;
use tend_backend::{CaseSort, GroupBy};
use tend_domain::*;

use crate::app::App;
use crate::keys::Action;
use crate::state::{CaseList, Command, Loadable, Page, Tab};
use crate::where_bar::{WhereBar, WhereOutcome};

impl App {
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
        result: Result<CaseList, tend_backend::Error>,
        at: Timestamp,
        asked: crate::state::Asked<CaseSort>,
    ) {
        let c = &self.cases;
        if asked.expr != c.expr || asked.sort != c.sort || asked.descending != c.descending {
            return;
        }
        let offline = self.offline.is_some();
        self.cases.list.take(result, at, offline);
        self.cases.relayout();
    }
}
