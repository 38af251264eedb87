//! Opportunities: amount and the amount weighted by the phase's probability;
//! filtered by owner (mine, or someone's) and by the account's team (`F`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use tend_backend::Account360;
use tend_domain::format;

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::state::{AccountView, visible_opportunities};
use crate::screens::account::{list, rel};
use crate::state::Command;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let items = visible_opportunities(a, d);
    let filters = a.opportunity_filter.describe();
    let amount: i64 = items.iter().map(|o| o.amount_cents).sum();
    let weighted: i64 = items.iter().map(|o| o.weighted_cents()).sum();
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(
                format!(
                    "showing {} · ",
                    if filters.is_empty() {
                        "every owner".to_string()
                    } else {
                        filters
                    }
                ),
                theme.dim,
            ),
            Span::raw(format::money(amount)),
            Span::styled(" · weighted ", theme.dim),
            Span::raw(format::money((weighted + 50) / 100 * 100)),
            Span::styled(" · F: owner, team", theme.dim),
        ])),
        head,
    );
    list(
        f,
        body,
        theme,
        a,
        vec![
            "OPPORTUNITY",
            "PHASE",
            "AMOUNT",
            "WEIGHTED",
            "CLOSE",
            "OWNER",
        ],
        vec![
            Constraint::Min(14),
            Constraint::Length(11),
            Constraint::Length(11),
            Constraint::Length(11),
            Constraint::Length(9),
            Constraint::Length(11),
        ],
        items.len(),
        |i| {
            let o = items[i];
            Row::new(vec![
                Cell::from(if o.expansion {
                    format!("{} (expansion)", o.name)
                } else {
                    o.name.clone()
                }),
                Cell::from(o.phase.to_string()),
                Cell::from(Line::from(format::money(o.amount_cents)).right_aligned()),
                Cell::from(
                    Line::from(format::money((o.weighted_cents() + 50) / 100 * 100))
                        .right_aligned(),
                ),
                Cell::from(rel(today, o.close_date)),
                Cell::from(o.owner.clone()),
            ])
        },
        if d.opportunities.is_empty() {
            "no opportunities: n adds one"
        } else {
            "no opportunity of this owner or team: F changes the filters"
        },
    );
}

/// What the Opportunities tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Filters),
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
];

/// A key the Opportunities tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::Filters => Some(app.open_filters()),
        Action::New => Some(app.open_form(|c| Some(forms::new_opportunity(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        _ => None,
    }
}
