//! What the dashboard keeps, and the lines of it that open something.

use tend_backend::Dashboard;

use crate::state::Loadable;

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
