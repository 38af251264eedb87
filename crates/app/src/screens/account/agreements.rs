//! Agreements: MRR, renew-in, auto-renew, payment; history filtered by status (`f`),
//! where each came from (tend's UI, the CRM, an import); Enter shows every field;
//! `v` switches to the financials (invoices, payments, revenue).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};
use tend_backend::Account360;
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::overlay::{Info, Overlay};
use crate::screens::account::change::Change;
use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::state::Command;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Min(3)]).areas(area);
    // Once the account has invoices, they say it; before, the agreements' flag.
    let paid = payment_up_to_date(&d.invoices, &d.payments, &d.agreements, today).unwrap_or(true);
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
                    "showing {} · f: status · Enter: every field · v: financials",
                    crate::screens::account::state::agreement_status_filter(a)
                        .map_or("every status".to_string(), |s| s.to_string())
                ),
                theme.dim,
            ),
        ]),
        head,
    );
    let items = crate::screens::account::state::visible_agreements(a, d);
    // Below 88 columns the start goes (Enter shows it) so the source fits.
    let starts = body.width >= 88;
    let mut header = vec!["AGREEMENT", "STATUS", "MRR"];
    let mut widths = vec![
        Constraint::Min(16),
        Constraint::Length(8),
        Constraint::Length(9),
    ];
    if starts {
        header.push("START");
        widths.push(Constraint::Length(10));
    }
    header.extend(["END", "NOTICE", "AUTO", "PAID", "SOURCE"]);
    widths.extend([
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(6),
    ]);
    list(
        f,
        body,
        theme,
        a,
        header,
        widths,
        items.len(),
        |i| {
            let x = items[i];
            let mut cells = vec![
                Cell::from(x.name.clone()),
                Cell::from(x.status.to_string()),
                Cell::from(Line::from(format::money(x.mrr_cents)).right_aligned()),
            ];
            if starts {
                cells.push(Cell::from(x.start.to_string()));
            }
            cells.extend([
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
                Cell::from(Span::styled(
                    x.source.to_string(),
                    if x.source == Source::Ui {
                        theme.dim
                    } else {
                        theme.base
                    },
                )),
            ]);
            Row::new(cells)
        },
        "no agreements (of this status: f changes it)",
    );
}

/// What the Agreements tab offers beyond the keys every tab shares. Flipping a
/// payment and renewing change what the health score and the renewal figures
/// count: both ask first.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Open),
    Offer::plain(Action::View),
    Offer::plain(Action::Cycle),
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
    Offer::dangerous(Action::Toggle),
    Offer::dangerous(Action::Renew),
];

/// A key the Agreements tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    if action == Action::View {
        let a = app.account.as_mut()?;
        a.financials = !a.financials;
        a.selected[a.tab.index()] = 0;
        return Some(vec![]);
    }
    if app.account.as_ref()?.financials {
        return crate::screens::account::financials::act(app, action);
    }
    match action {
        Action::Open => {
            let a = app.account.as_ref()?;
            let d = a.data.value()?;
            let x = crate::screens::account::state::visible_agreements(a, d)
                .get(a.selected())
                .copied();
            match x {
                Some(x) => {
                    let info = details(x, d, d.as_of.date_naive());
                    app.overlays.open(Overlay::Info(info));
                }
                None => app.status = Some("no agreement selected".into()),
            }
            Some(vec![])
        }
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

/// Every field of an agreement, for its detail view: where it came from, its
/// terms, what it renews and what renewed it, its links.
pub fn details(x: &Agreement, d: &Account360, today: chrono::NaiveDate) -> Info {
    let name_of = |id: Id| {
        d.agreements
            .iter()
            .find(|y| y.id == id)
            .map_or_else(|| format!("agreement {id}"), |y| format!("\"{}\"", y.name))
    };
    let source = match x.source {
        Source::Ui => "tend (entered in the app)",
        Source::Crm => "the CRM",
        Source::Import => "an import",
        Source::Api => "the API",
    };
    let mut lines = vec![
        format!("name: {}", x.name),
        format!("status: {}", x.status),
        format!("type: {}", x.kind),
        format!("MRR: {}", format::money(x.mrr_cents)),
        format!("start: {}", x.start),
        format!("end: {}", x.end),
        format!("notice period: {} days", x.notice_days),
        format!(
            "next notice date: {}",
            if x.is_active_on(today) {
                x.next_notice_on_or_after(today).to_string()
            } else {
                "- (not in force)".into()
            }
        ),
        format!("auto-renew: {}", if x.auto_renew { "yes" } else { "no" }),
        format!(
            "payment up to date: {}",
            if x.payment_up_to_date { "yes" } else { "NO" }
        ),
        format!(
            "renews: {}",
            x.renews_id.map_or_else(|| "-".to_string(), name_of)
        ),
        format!(
            "renewed by: {}",
            d.agreements
                .iter()
                .find(|y| y.renews_id == Some(x.id))
                .map_or_else(|| "-".to_string(), |y| format!("\"{}\"", y.name))
        ),
        format!("source: {source}"),
        format!("external id: {}", x.external_id.as_deref().unwrap_or("-")),
    ];
    if x.attachments.is_empty() {
        lines.push("attachments: none".into());
    }
    for l in &x.attachments {
        if l.title.is_empty() || l.title == l.url {
            lines.push(format!("attachment: {}", l.url));
        } else {
            lines.push(format!("attachment: {} — {}", l.title, l.url));
        }
    }
    lines.push(format!(
        "created: {} · updated: {} · version {} · id {}",
        x.created_at.format("%Y-%m-%d"),
        x.updated_at.format("%Y-%m-%d"),
        x.version,
        x.id
    ));
    Info {
        title: format!("Agreement \"{}\"", x.name),
        lines,
    }
}
