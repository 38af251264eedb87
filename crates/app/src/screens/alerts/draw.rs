//! Drawing the alerts inbox.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
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
    let height = inner.height.saturating_sub(1) as usize;
    let range = window(a.selected, list.len(), height, &a.offset);
    let wide = inner.width >= 110;
    let built: Vec<Row> = list[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, alert)| {
            let (name, status) = a
                .names
                .get(&alert.account_id)
                .map(|(n, s)| (n.clone(), *s))
                .unwrap_or_else(|| (format!("account #{}", alert.account_id), None));
            let state = match (alert.state, alert.snoozed_until) {
                (AlertState::Snoozed, Some(until)) if until > app.now => {
                    format!("until {}", until.date_naive().format("%b %-d"))
                }
                (s, _) => s.to_string(),
            };
            let mut cells = vec![
                Cell::from(ago(app.now, alert.at)),
                Cell::from(Span::styled(
                    format!("{} {name}", health_mark(status)),
                    theme.health(status),
                )),
                Cell::from(rule_label(&alert.rule)),
                Cell::from(alert.message.clone()),
            ];
            if wide || a.state != Some(AlertState::Open) {
                cells.insert(3, Cell::from(state));
            }
            selectable(Row::new(cells), range.start + k == a.selected, theme)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(10),
        Constraint::Length(if wide { 26 } else { 18 }),
        Constraint::Length(10),
        Constraint::Min(12),
    ];
    let mut header = vec!["WHEN", "ACCOUNT", "RULE", "WHAT"];
    if wide || a.state != Some(AlertState::Open) {
        widths.insert(3, Constraint::Length(12));
        header.insert(3, "STATE");
    }
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
}
/// A rule's name as the inbox lists it.
fn rule_label(rule: &str) -> String {
    match rule {
        "health_transition" => "health".into(),
        "usage_drop" => "usage".into(),
        "renewal_at_risk" => "renewal".into(),
        other => other.replace('_', " "),
    }
}
