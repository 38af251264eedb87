//! Financials (the Agreements tab's second view, `v`): what is owed and late,
//! revenue by month over a year (invoiced, collected, MRR in force), the
//! subscription history (the agreements as they followed each other), and the
//! invoices with their payments.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row};
use tend_backend::Account360;
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::Action;
use crate::overlay::{Info, Overlay};
use crate::screens::account::list;
use crate::screens::account::months::{self, MonthLine};
use crate::screens::account::state::AccountView;
use crate::state::Command;
use crate::theme::Theme;

/// Months of revenue charted.
const MONTHS: u32 = 12;
/// The width of the subscription history's label.
const LABEL: u16 = 16;

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [head, charts, history, body] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(4),
        Constraint::Length(2),
        Constraint::Min(3),
    ])
    .areas(area);
    let owed: Cents = d
        .invoices
        .iter()
        .map(|i| i.owed_cents(&d.payments, today))
        .sum();
    let late: Vec<&Invoice> = d
        .invoices
        .iter()
        .filter(|i| i.state(&d.payments, today) == InvoiceState::Overdue)
        .collect();
    let late_cents: Cents = late.iter().map(|i| i.owed_cents(&d.payments, today)).sum();
    let paid = payment_up_to_date(&d.invoices, &d.payments, &d.agreements, today);
    let currency = forms::currency_of(d);
    let mut first = vec![
        Span::styled("owed ", theme.dim),
        Span::raw(money(owed, currency)),
        Span::styled(" · late ", theme.dim),
        Span::styled(
            match late.len() {
                0 => "none".to_string(),
                n => format!(
                    "{} ({})",
                    money(late_cents, currency),
                    format::counted(n as u64, "invoice", "invoices")
                ),
            },
            if late.is_empty() {
                theme.base
            } else {
                theme.at_risk
            },
        ),
        Span::styled(" · payment ", theme.dim),
    ];
    first.push(match paid {
        Some(true) => Span::styled("up to date", theme.healthy),
        Some(false) => Span::styled("late", theme.at_risk),
        None => Span::styled("not known", theme.dim),
    });
    if d.invoices.is_empty() {
        first.push(Span::styled(
            " (no invoice: the agreements' flag)",
            theme.dim,
        ));
    }
    f.render_widget(
        Paragraph::new(vec![
            Line::from(first),
            Line::styled(
                "v: agreements · Enter: invoice and payments · n: invoice · x: payment",
                theme.dim,
            ),
        ]),
        head,
    );
    draw_revenue(f, app, d, theme, charts);
    draw_history(f, d, theme, history);
    list(
        f,
        body,
        theme,
        a,
        vec!["INVOICE", "ISSUED", "DUE", "AMOUNT", "OWED", "STATE"],
        vec![
            Constraint::Min(14),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(11),
            Constraint::Length(11),
            Constraint::Length(7),
        ],
        d.invoices.len(),
        |i| {
            let x = &d.invoices[i];
            let state = x.state(&d.payments, today);
            let style = match state {
                InvoiceState::Overdue => theme.at_risk,
                InvoiceState::Open => theme.base,
                InvoiceState::Paid | InvoiceState::Void => theme.dim,
            };
            Row::new(vec![
                Cell::from(x.number.clone()),
                Cell::from(x.issued_on.to_string()),
                Cell::from(x.due_on.to_string()),
                Cell::from(Line::from(money(x.amount_cents, &x.currency)).right_aligned()),
                Cell::from(
                    Line::from(money(x.owed_cents(&d.payments, today), &x.currency))
                        .right_aligned(),
                ),
                Cell::from(Span::styled(state.to_string(), style)),
            ])
        },
        "no invoices yet: n adds one (or load them from the billing tool: tend import --from csv)",
    );
}

/// An amount in its currency ("$" for the dollar, the code otherwise).
fn money(cents: Cents, currency: &str) -> String {
    match currency {
        "USD" => format::money(cents),
        code => format!("{} {code}", format::money(cents).trim_start_matches('$')),
    }
}

/// Invoiced, collected and the MRR in force, a bar a month over a year.
fn draw_revenue(f: &mut Frame, app: &App, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let months = revenue_by_month(&d.invoices, &d.payments, &d.agreements, today, MONTHS);
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return;
    };
    let sum = |f: fn(&RevenueMonth) -> Cents| months.iter().map(f).sum::<Cents>();
    let currency = forms::currency_of(d);
    let m = |c: Cents| money(c, currency);
    // One scale for the money lines: a month's bar compares with the others.
    let max = months
        .iter()
        .flat_map(|m| [m.invoiced_cents, m.collected_cents, m.mrr_cents])
        .max()
        .unwrap_or(0)
        .max(1) as u64;
    let bars = |f: fn(&RevenueMonth) -> Cents| -> Vec<Option<u64>> {
        months.iter().map(|m| Some(f(m).max(0) as u64)).collect()
    };
    let lines: Vec<MonthLine> = vec![
        (
            "invoiced".into(),
            bars(|m| m.invoiced_cents),
            Some(max),
            format!(
                "{} in 12 months · {} this month",
                m(sum(|m| m.invoiced_cents)),
                m(last.invoiced_cents)
            ),
        ),
        (
            "collected".into(),
            bars(|m| m.collected_cents),
            Some(max),
            format!(
                "{} in 12 months · {} this month",
                m(sum(|m| m.collected_cents)),
                m(last.collected_cents)
            ),
        ),
        (
            "MRR".into(),
            bars(|m| m.mrr_cents),
            Some(max),
            format!(
                "{} now · {} a year ago",
                format::money(last.mrr_cents),
                format::money(first.mrr_cents)
            ),
        ),
    ];
    let starts: Vec<chrono::NaiveDate> = months.iter().map(|m| m.month).collect();
    months::draw(f, app, theme, area, ("revenue", &starts, ""), lines);
}

/// The subscription history: each agreement's term and MRR, oldest first, on
/// one line ("2024 $1,200 → 2025 $1,300 → …").
fn draw_history(f: &mut Frame, d: &Account360, theme: &Theme, area: Rect) {
    let mut terms: Vec<&Agreement> = d
        .agreements
        .iter()
        .filter(|a| a.status != AgreementStatus::Draft)
        .collect();
    terms.sort_by_key(|a| (a.start, a.id));
    let mut spans = vec![Span::styled(
        format!("{:<w$}", "subscriptions", w = LABEL as usize),
        theme.header,
    )];
    if terms.is_empty() {
        spans.push(Span::styled("no agreement yet", theme.dim));
    }
    for (k, a) in terms.iter().enumerate() {
        if k > 0 {
            spans.push(Span::styled(" → ", theme.dim));
        }
        spans.push(Span::raw(format!(
            "{} {}",
            a.start.format("%b %Y"),
            format::money(a.mrr_cents)
        )));
        if a.kind == AgreementKind::Amendment {
            spans.push(Span::styled(" (add-on)", theme.dim));
        }
        if a.status == AgreementStatus::Cancelled {
            spans.push(Span::styled(" cancelled", theme.at_risk));
        }
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}

/// An invoice's every field, then its payments.
fn details(x: &Invoice, d: &Account360) -> Info {
    let today = d.as_of.date_naive();
    let mut lines = vec![
        format!("number: {}", x.number),
        format!("amount: {}", money(x.amount_cents, &x.currency)),
        format!("issued: {}", x.issued_on),
        format!("due: {}", x.due_on),
        format!("state: {}", x.state(&d.payments, today)),
        format!(
            "owed: {}",
            money(x.owed_cents(&d.payments, today), &x.currency)
        ),
        format!(
            "bills: {}",
            x.agreement_id.map_or("-".to_string(), |id| d
                .agreements
                .iter()
                .find(|a| a.id == id)
                .map_or(format!("agreement {id}"), |a| format!("\"{}\"", a.name)))
        ),
        format!(
            "source: {}{}",
            x.source,
            x.external_id
                .as_ref()
                .map_or(String::new(), |e| format!(" ({e})"))
        ),
        String::new(),
    ];
    let mut paid: Vec<&Payment> = d.payments.iter().filter(|p| p.invoice_id == x.id).collect();
    paid.sort_by_key(|p| (p.paid_on, p.id));
    if paid.is_empty() {
        lines.push("no payment yet (x records one)".into());
    }
    for p in paid {
        lines.push(format!(
            "paid {} on {}{}",
            money(p.amount_cents, &x.currency),
            p.paid_on,
            if p.method.is_empty() {
                String::new()
            } else {
                format!(" by {}", p.method)
            }
        ));
    }
    Info {
        title: format!("Invoice {} — {}", x.number, d.account.name),
        lines,
    }
}

/// A key the Financials view offers (the Agreements tab's keys, read for invoices).
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    let selected = || -> Option<Invoice> {
        let a = app.account.as_ref()?;
        a.data.value()?.invoices.get(a.selected()).cloned()
    };
    match action {
        Action::Open => {
            let a = app.account.as_ref()?;
            let d = a.data.value()?;
            match d.invoices.get(a.selected()) {
                Some(x) => {
                    let info = details(x, d);
                    app.overlays.open(Overlay::Info(info));
                }
                None => app.status = Some("no invoice selected".into()),
            }
            Some(vec![])
        }
        Action::New => Some(app.open_form(|c| Some(forms::new_invoice(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        Action::Toggle => match selected() {
            Some(x) if x.void => {
                app.status = Some(format!("{} is void: it owes nothing", x.number));
                Some(vec![])
            }
            Some(x)
                if app
                    .account
                    .as_ref()
                    .and_then(|a| a.data.value())
                    .is_some_and(|d| x.owed_cents(&d.payments, d.as_of.date_naive()) == 0) =>
            {
                app.status = Some(format!(
                    "{} is paid in full (Enter shows its payments)",
                    x.number
                ));
                Some(vec![])
            }
            Some(x) => Some(app.open_form(|c| Some(forms::new_payment(c, &x)))),
            None => {
                app.status = Some("no invoice selected".into());
                Some(vec![])
            }
        },
        Action::Cycle | Action::Renew => {
            app.status = Some("v shows the agreements again".into());
            Some(vec![])
        }
        _ => None,
    }
}
