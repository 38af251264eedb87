//! Agreements: MRR, renew-in, auto-renew, payment; history filtered by status (`f`).

use ratatui::Frame;
use tend_backend::Account360;

use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use tend_domain::{format, *};

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    let paid = payments_up_to_date(&d.agreements, today);
    f.render_widget(
        ratatui::widgets::Paragraph::new(vec![
            Line::from(vec![
                Span::styled("MRR ", theme.dim),
                Span::raw(format::money(d.row.mrr_cents)),
                Span::styled(" · ", theme.dim),
                Span::raw(crate::screens::account::draw::renewal_text(d, today)),
                Span::styled(" · payment ", theme.dim),
                Span::styled(
                    if paid { "up to date" } else { "late" },
                    if paid { theme.healthy } else { theme.at_risk },
                ),
            ]),
            Line::styled(
                format!(
                    "showing {} · f: status",
                    crate::screens::account::state::agreement_status_filter(a)
                        .map_or("every status".to_string(), |s| s.to_string())
                ),
                theme.dim,
            ),
        ]),
        head,
    );
    let items = crate::screens::account::state::visible_agreements(a, d);
    list(
        f,
        body,
        theme,
        a,
        vec![
            "AGREEMENT",
            "STATUS",
            "MRR",
            "START",
            "END",
            "NOTICE",
            "AUTO",
            "PAID",
        ],
        vec![
            Constraint::Min(16),
            Constraint::Length(8),
            Constraint::Length(9),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(4),
            Constraint::Length(4),
        ],
        items.len(),
        |i| {
            let x = items[i];
            Row::new(vec![
                Cell::from(x.name.clone()),
                Cell::from(x.status.to_string()),
                Cell::from(Line::from(format::money(x.mrr_cents)).right_aligned()),
                Cell::from(x.start.to_string()),
                Cell::from(x.end.to_string()),
                // A notice date only means something for a contract in force.
                Cell::from(if x.is_active_on(today) {
                    x.next_notice_on_or_after(today).to_string()
                } else {
                    "-".into()
                }),
                Cell::from(if x.auto_renew { "yes" } else { "no" }),
                Cell::from(Span::styled(
                    if x.payment_up_to_date { "yes" } else { "NO" },
                    if x.payment_up_to_date {
                        theme.base
                    } else {
                        theme.at_risk
                    },
                )),
            ])
        },
        "no agreements (of this status: f changes it)",
    );
}
