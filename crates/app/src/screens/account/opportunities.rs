//! Opportunities: amount and the amount weighted by the phase's probability.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};
use tend_backend::Account360;
use tend_domain::format;

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::state::AccountView;
use crate::screens::account::{list, rel};
use crate::state::Command;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    list(
        f,
        area,
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
        d.opportunities.len(),
        |i| {
            let o = &d.opportunities[i];
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
        "no opportunities",
    );
}

/// What the Opportunities tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
];

/// A key the Opportunities tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::New => Some(app.open_form(|c| Some(forms::new_opportunity(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        _ => None,
    }
}
