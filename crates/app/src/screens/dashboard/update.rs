//! Keys on the dashboard: move between its lines, open one as a filtered
//! portfolio or as the week's transitions.

use crate::app::App;
use crate::keys::Action;
use crate::screens::dashboard::state::{TileItem, dashboard_items};
use crate::screens::portfolio::state::PortfolioAsk;
use crate::state::{Command, Focus, Loadable, Page};

impl App {
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
}
