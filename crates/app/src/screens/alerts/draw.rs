//! Drawing alerts: the inbox, and the table it shares with an account's Alerts
//! tab.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell as TableCell, Row, Table};
use tend_domain::*;

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::theme::{Theme, health_mark};
use crate::widgets::{ago, message, pane, ready, selectable, window};

pub fn draw_alerts(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let a = &app.alerts;
    let which = match (a.transitions_since, a.state) {
        (Some(since), _) => format!("health transitions since {}", since.format("%b %-d")),
        (None, state) => state.map_or("all".to_string(), |s| s.to_string()),
    };
    let mut title = vec![Span::styled(" Alerts ", theme.title)];
    title.push(Span::styled(format!("{which} "), theme.accent));
    if let Some(list) = a.list.value() {
        title.push(Span::styled(format!("{} ", list.len()), theme.dim));
    }
    let block = pane(Line::from(title), theme, true);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(list) = ready(f, app.retry_key(), theme, inner, "alerts", &a.list) else {
        return;
    };
    if list.is_empty() {
        let cycle = app
            .keys
            .key_for(Screen::Alerts, Action::Cycle)
            .map(|k| format!(" — {k} shows the others"))
            .unwrap_or_default();
        return message(f, inner, &format!("no {which} alerts{cycle}"), theme.dim);
    }
    let wide = inner.width >= 110;
    let alerts: Vec<&Alert> = list.iter().collect();
    let account = |alert: &Alert| {
        a.names
            .get(&alert.account_id)
            .cloned()
            .unwrap_or_else(|| (format!("account #{}", alert.account_id), None))
    };
    draw_table(
        f,
        app,
        theme,
        inner,
        AlertTable {
            alerts: &alerts,
            selected: a.selected,
            offset: &a.offset,
            account: Some((if wide { 26 } else { 18 }, &account)),
            state: wide || a.state != Some(AlertState::Open),
            extra: None,
        },
    );
}

/// A column an alerts table adds before WHAT: header, width, cell.
pub type Extra<'a> = (&'static str, u16, &'a dyn Fn(&Alert) -> String);

/// The ACCOUNT column: its width, and each alert's account name and health.
pub type AccountColumn<'a> = (u16, &'a dyn Fn(&Alert) -> (String, Option<HealthStatus>));

/// The table of alerts the inbox and an account's Alerts tab both draw: WHEN,
/// the account (the inbox's, in its health colour), RULE, STATE, the extra
/// column, WHAT.
pub struct AlertTable<'a> {
    pub alerts: &'a [&'a Alert],
    pub selected: usize,
    /// The first row shown (kept by the drawing).
    pub offset: &'a Cell<usize>,
    /// The inbox's ACCOUNT column.
    pub account: Option<AccountColumn<'a>>,
    /// Whether the STATE column shows.
    pub state: bool,
    pub extra: Option<Extra<'a>>,
}

pub fn draw_table(f: &mut Frame, app: &App, theme: &Theme, area: Rect, t: AlertTable) {
    let height = area.height.saturating_sub(1) as usize;
    let range = window(t.selected, t.alerts.len(), height, t.offset);
    let built: Vec<Row> = t.alerts[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, alert)| {
            let mut cells = vec![TableCell::from(ago(app.now, alert.at))];
            if let Some((_, name)) = &t.account {
                let (name, status) = name(alert);
                cells.push(TableCell::from(Span::styled(
                    format!("{} {name}", health_mark(status)),
                    theme.health(status),
                )));
            }
            cells.push(TableCell::from(rule_label(&alert.rule)));
            if t.state {
                cells.push(TableCell::from(state_text(alert, app.now)));
            }
            if let Some((_, _, cell)) = &t.extra {
                cells.push(TableCell::from(cell(alert)));
            }
            cells.push(TableCell::from(alert.message.clone()));
            selectable(Row::new(cells), range.start + k == t.selected, theme)
        })
        .collect();
    let mut widths = vec![Constraint::Length(10)];
    let mut header = vec!["WHEN"];
    if let Some((width, _)) = &t.account {
        widths.push(Constraint::Length(*width));
        header.push("ACCOUNT");
    }
    widths.push(Constraint::Length(10));
    header.push("RULE");
    if t.state {
        widths.push(Constraint::Length(12));
        header.push("STATE");
    }
    if let Some((title, width, _)) = &t.extra {
        widths.push(Constraint::Length(*width));
        header.push(title);
    }
    widths.push(Constraint::Min(12));
    header.push("WHAT");
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, area);
}

/// An alert's state as a list says it: a snooze still running says until when.
pub fn state_text(alert: &Alert, now: Timestamp) -> String {
    match (alert.state_at(now), alert.snoozed_until) {
        (AlertState::Snoozed, Some(until)) => {
            format!("until {}", until.date_naive().format("%b %-d"))
        }
        (s, _) => s.to_string(),
    }
}

/// A rule's name as the lists say it.
pub fn rule_label(rule: &str) -> String {
    match rule {
        "health_transition" => "health".into(),
        "usage_drop" => "usage".into(),
        "renewal_at_risk" => "renewal".into(),
        other => other.replace('_', " "),
    }
}
