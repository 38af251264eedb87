//! Opportunities: amount and the amount weighted by the phase's probability.

use ratatui::Frame;
use ratatui::text::Line;
use tend_backend::Account360;
use tend_domain::format;

use crate::screens::account::state::AccountView;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use crate::screens::account::{list, rel};

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
