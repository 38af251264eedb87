//! Alerts: the account's alerts (open, snoozed, done) in the table the alerts
//! inbox draws, with the keys it has (`x` done or reopen, `z`/`Z` snooze, `f`
//! which state, Enter the tab an alert is about), and under them the selected
//! alert's tasks (its alert tasks; `n` makes one).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tend_backend::{Account360, Write};
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::list_and_detail;
use crate::screens::account::state::{AccountView, alert_tasks, set_tab, visible_alerts};
use crate::screens::alerts::draw::{AlertTable, draw_table, rule_label, state_text};
use crate::screens::alerts::state::alert_tab;
use crate::screens::alerts::update::{next_state, triage};
use crate::state::{Command, Tab};
use crate::theme::Theme;
use crate::widgets::message;

/// Lines the selected alert's detail takes at least under the list.
const DETAIL: u16 = 6;

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let alerts = visible_alerts(a, d);
    let now = d.as_of;
    let count = |s: AlertState| d.alerts.iter().filter(|x| x.state_at(now) == s).count();
    let which = a.alert_state.map_or("all".to_string(), |s| s.to_string());
    let key = |action: Action| {
        app.keys
            .key_for(crate::keys::Screen::Account, action)
            .unwrap_or_default()
    };
    let cycle = key(Action::Cycle);
    // The tab's keys, as the line says them (writing ones left out read-only).
    let mut keys = vec![
        format!("{cycle} which"),
        format!("{} its tab", key(Action::Open)),
    ];
    if !app.read_only {
        keys.extend([
            format!("{} done", key(Action::Done)),
            format!("{}/{} snooze", key(Action::Snooze), key(Action::SnoozeLong)),
            format!("{} task", key(Action::New)),
        ]);
    }
    let head = Line::from(vec![
        Span::styled(
            format!(
                "{} open · {} snoozed · {} done",
                count(AlertState::Open),
                count(AlertState::Snoozed),
                count(AlertState::Done)
            ),
            theme.base,
        ),
        Span::styled(
            format!("  showing {which} · {}", keys.join(" · ")),
            theme.dim,
        ),
    ]);
    let head = Paragraph::new(head).wrap(Wrap { trim: true });
    let lines = head.line_count(area.width.max(1)) as u16;
    let [head_area, body] =
        Layout::vertical([Constraint::Length(lines.min(2)), Constraint::Min(1)]).areas(area);
    f.render_widget(head, head_area);
    if alerts.is_empty() {
        let text = if d.alerts.is_empty() {
            "no alerts on this account: the rules have raised none".to_string()
        } else {
            format!("no {which} alerts on this account — {cycle} shows the others")
        };
        return message(f, body, &text, theme.dim);
    }
    let selected = a.selected().min(alerts.len() - 1);
    let rows = alerts.len() as u16 + 1;
    let [list_area, detail_area] = list_and_detail(body, rows, DETAIL);
    let tasks = |alert: &Alert| {
        let all = alert_tasks(d, alert.id);
        let open = all.iter().filter(|t| t.status != TaskStatus::Done).count();
        match (all.len(), open) {
            (0, _) => "-".to_string(),
            (n, 0) => format!("{n} done"),
            (n, o) if n == o => format!("{n} open"),
            (n, o) => format!("{o}/{n} open"),
        }
    };
    draw_table(
        f,
        app,
        theme,
        list_area,
        AlertTable {
            alerts: &alerts,
            selected,
            offset: &a.offsets[Tab::Alerts.index()],
            account: None,
            state: true,
            extra: Some(("TASKS", 8, &tasks)),
        },
    );
    draw_detail(f, app, d, alerts[selected], theme, detail_area);
}

/// The selected alert in full, and its tasks.
fn draw_detail(f: &mut Frame, app: &App, d: &Account360, alert: &Alert, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let new = app
        .keys
        .key_for(crate::keys::Screen::Account, Action::New)
        .unwrap_or_default();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", rule_label(&alert.rule)), theme.header),
            Span::styled(
                format!(
                    "{} · {} · ",
                    alert.at.date_naive().format("%Y-%m-%d"),
                    state_text(alert, d.as_of)
                ),
                theme.dim,
            ),
            Span::raw(alert.message.clone()),
        ]),
        Line::styled(
            format!("Tasks of this alert ({new} adds one)"),
            theme.header,
        ),
    ];
    let tasks = alert_tasks(d, alert.id);
    if tasks.is_empty() {
        lines.push(Line::styled(
            format!("no task yet — {new} makes one for this alert"),
            theme.dim,
        ));
    }
    for t in tasks {
        let late = t.due.is_some_and(|due| due < today) && t.status != TaskStatus::Done;
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<6}", t.status.to_string()),
                if t.status == TaskStatus::Done {
                    theme.dim
                } else {
                    theme.accent
                },
            ),
            Span::raw(format!("{}  ", t.title)),
            Span::styled(format!("{} ", t.assignee), theme.dim),
            Span::styled(
                t.due
                    .map(|due| format!("due {}", format::days_from(today, due)))
                    .unwrap_or_default(),
                if late { theme.at_risk } else { theme.dim },
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

/// What the Alerts tab offers beyond the keys every tab shares: the inbox's keys,
/// and a new task for the selected alert.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Open),
    Offer::plain(Action::Done),
    Offer::plain(Action::Snooze),
    Offer::plain(Action::SnoozeLong),
    Offer::plain(Action::Cycle),
    Offer::plain(Action::New),
];

/// A key the Alerts tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    let a = app.account.as_mut()?;
    let d = a.data.value()?;
    let alerts = visible_alerts(a, d);
    let alert = alerts
        .get(a.selected().min(alerts.len().saturating_sub(1)))
        .map(|x| (*x).clone());
    match action {
        Action::Cycle => {
            a.alert_state = next_state(a.alert_state);
            a.selected[Tab::Alerts.index()] = 0;
            Some(vec![])
        }
        Action::Open => {
            let Some(alert) = alert else {
                return Some(vec![]);
            };
            let tab = alert_tab(&alert.rule);
            if let Some(case) = alert.case_id
                && let Some(i) = d.cases.iter().position(|c| c.id == case)
            {
                a.selected[Tab::Support.index()] = i;
            }
            // The tab as a whole (the agreements, not the financials).
            a.show_everything(tab);
            set_tab(a, tab);
            a.back_to = Some(Tab::Alerts);
            Some(vec![])
        }
        Action::Done | Action::Snooze | Action::SnoozeLong => {
            let Some(alert) = alert else {
                app.status = Some("no alert selected".into());
                return Some(vec![]);
            };
            let (next, what) = triage(&alert, action, app.now)?;
            let account = a.id;
            Some(app.save(
                account,
                vec![Write::Update {
                    record: Record::Alert(next),
                }],
                what,
            ))
        }
        Action::New => {
            let Some(alert) = alert else {
                app.status = Some("no alert selected: a task is made for an alert".into());
                return Some(vec![]);
            };
            Some(app.open_form(|c| Some(forms::new_alert_task(c, &alert))))
        }
        _ => None,
    }
}
