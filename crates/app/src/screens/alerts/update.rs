//! Keys on the alerts inbox (open, done, snooze, which state is listed) and the
//! alerts as they come in.

use tend_backend::Write;
use tend_domain::*;

use crate::app::App;
use crate::keys::Action;
use crate::screens::alerts::state::{SNOOZE_LONG_DAYS, SNOOZE_SHORT_DAYS};
use crate::state::{Command, Loadable, Page};

impl App {
    /// A key on the alerts page.
    pub(crate) fn alerts_action(&mut self, action: Action) -> Vec<Command> {
        let page = self.page();
        let a = &mut self.alerts;
        let len = a.list.value().map_or(0, Vec::len);
        let last = len.saturating_sub(1);
        match action {
            Action::Down => a.selected = (a.selected + 1).min(last),
            Action::Up => a.selected = a.selected.saturating_sub(1),
            Action::PageDown => a.selected = (a.selected + page).min(last),
            Action::PageUp => a.selected = a.selected.saturating_sub(page),
            Action::Top => a.selected = 0,
            Action::Bottom => a.selected = last,
            Action::Cycle => {
                a.transitions_since = None;
                a.state = next_state(a.state);
                a.list = Loadable::Loading;
                a.selected = 0;
                return vec![a.command()];
            }
            Action::Open | Action::Right => {
                let Some(alert) = a.selected_alert() else {
                    return vec![];
                };
                let tab = crate::screens::alerts::state::alert_tab(&alert.rule);
                let id = alert.account_id;
                return self.open_from_list(id, tab, Page::Alerts);
            }
            Action::Done | Action::Snooze | Action::SnoozeLong => {
                let Some(alert) = a.selected_alert() else {
                    self.status = Some("no alert selected".into());
                    return vec![];
                };
                let account = alert.account_id;
                let Some((next, what)) = triage(alert, action, self.now) else {
                    return vec![];
                };
                return vec![Command::Save {
                    account,
                    writes: vec![Write::Update {
                        record: Record::Alert(next),
                    }],
                    what,
                }];
            }
            Action::Back => return self.back(),
            _ => {}
        }
        vec![]
    }

    pub(crate) fn alerts_loaded(
        &mut self,
        result: Result<Vec<Alert>, tend_backend::Error>,
        at: Timestamp,
    ) {
        let offline = self.offline.is_some();
        self.alerts.list.take(result, at, offline);
        let wanted: std::collections::HashSet<Id> = self
            .alerts
            .list
            .value()
            .map(|l| l.iter().map(|a| a.account_id).collect())
            .unwrap_or_default();
        self.alerts.names.retain(|id, _| wanted.contains(id));
        self.name_alerts();
        let len = self.alerts.list.value().map_or(0, Vec::len);
        if let Some(id) = self.alerts.want.take()
            && let Some(i) = self
                .alerts
                .list
                .value()
                .and_then(|l| l.iter().position(|a| a.id == id))
        {
            self.alerts.selected = i;
        }
        self.alerts.selected = self.alerts.selected.min(len.saturating_sub(1));
    }

    /// Names the alerts' accounts from every account known (not only those the
    /// portfolio's filter lists).
    pub(crate) fn name_alerts(&mut self) {
        let Some(list) = self.alerts.list.value() else {
            return;
        };
        // Every load names them again: a write or a rescore moves their health.
        let wanted: std::collections::HashSet<Id> = list.iter().map(|a| a.account_id).collect();
        if wanted.is_empty() {
            return;
        }
        let found: Vec<_> = self
            .accounts()
            .iter()
            .filter(|r| wanted.contains(&r.id))
            .map(|r| (r.id, (r.name.clone(), r.health_status)))
            .collect();
        self.alerts.names.extend(found);
    }
}

/// The state `f` lists next: open, snoozed, done, all, open...
pub(crate) fn next_state(state: Option<AlertState>) -> Option<AlertState> {
    match state {
        Some(AlertState::Open) => Some(AlertState::Snoozed),
        Some(AlertState::Snoozed) => Some(AlertState::Done),
        Some(AlertState::Done) => None,
        None => Some(AlertState::Open),
    }
}

/// What `x` (done, again: reopen), `z` (snooze a day) and `Z` (a week) make of
/// an alert, and what the footer says once it is saved; None for another key.
pub(crate) fn triage(alert: &Alert, action: Action, now: Timestamp) -> Option<(Alert, String)> {
    let mut next = alert.clone();
    let what = match action {
        Action::Done if alert.state == AlertState::Done => {
            next.state = AlertState::Open;
            next.snoozed_until = None;
            "reopened the alert".to_string()
        }
        Action::Done => {
            next.state = AlertState::Done;
            next.snoozed_until = None;
            "marked the alert done".to_string()
        }
        Action::Snooze | Action::SnoozeLong => {
            let days = if action == Action::Snooze {
                SNOOZE_SHORT_DAYS
            } else {
                SNOOZE_LONG_DAYS
            };
            next.state = AlertState::Snoozed;
            next.snoozed_until = Some(now + chrono::Duration::days(days));
            format!(
                "snoozed the alert for {days} day{}",
                if days == 1 { "" } else { "s" }
            )
        }
        _ => return None,
    };
    Some((next, what))
}
