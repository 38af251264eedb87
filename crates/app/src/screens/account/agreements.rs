//! Agreements: MRR, renew-in, auto-renew, payment; history filtered by status (`f`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use tend_backend::Account360;
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::change::Change;
use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::state::Command;
use crate::theme::Theme;

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

/// What the Agreements tab offers beyond the keys every tab shares. Flipping a
/// payment and renewing change what the health score and the renewal figures
/// count: both ask first.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Cycle),
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
    Offer::dangerous(Action::Toggle),
    Offer::dangerous(Action::Renew),
];

/// A key the Agreements tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::Cycle => {
            app.account.as_mut()?.cycle_filter();
            Some(vec![])
        }
        Action::New => Some(app.open_form(|c| Some(forms::new_agreement(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        Action::Toggle => Some(app.change(action, |a, d, _| {
            let x = crate::screens::account::state::visible_agreements(a, d)
                .get(a.selected())
                .copied()
                .ok_or_else(|| "no agreement selected".to_string())?;
            let mut x = x.clone();
            x.payment_up_to_date = !x.payment_up_to_date;
            let state = if x.payment_up_to_date {
                "up to date"
            } else {
                "late"
            };
            let what = format!("payment of \"{}\" marked {state}", x.name);
            let question = format!("Mark the payment of \"{}\" {state}?", x.name);
            Ok(Change::new(
                vec![tend_backend::Write::Update {
                    record: Record::Agreement(x),
                }],
                what,
                question,
            ))
        })),
        Action::Renew => Some(app.change(action, |a, d, now| {
            let x = crate::screens::account::state::visible_agreements(a, d)
                .get(a.selected())
                .copied()
                .ok_or_else(|| "no agreement selected".to_string())?;
            // The store refuses these too (renewing twice would count the MRR
            // twice); said here before asking.
            x.check_renewal(&d.agreements).map_err(|e| match e {
                RenewRefusal::AlreadyRenewed {
                    name, start, end, ..
                } => format!(
                    "\"{}\" was already renewed by \"{name}\" ({start} to {end}): renew that one",
                    x.name
                ),
                RenewRefusal::NotRenewable { status, .. } => {
                    format!("a {status} agreement is not renewed")
                }
            })?;
            let (old, new) = x.renew(now.date_naive(), now);
            let question = format!(
                "Renew \"{}\": a new contract {} → {}, {} MRR, notice {} days{}; this one \
                 ends {} without renewing on its own.",
                x.name,
                new.start,
                new.end,
                tend_domain::format::money(new.mrr_cents),
                new.notice_days,
                if new.auto_renew { ", auto-renew" } else { "" },
                old.end
            );
            let what = format!("renewed \"{}\" from {}", x.name, new.start);
            Ok(Change::new(
                vec![
                    tend_backend::Write::Update {
                        record: Record::Agreement(old),
                    },
                    tend_backend::Write::Create {
                        record: Record::Agreement(new),
                    },
                ],
                what,
                question,
            ))
        })),
        _ => None,
    }
}
