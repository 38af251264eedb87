//! What the alerts inbox keeps: the alerts of the state asked for, the
//! selection, the names of their accounts; and how long a snooze lasts.

use std::cell::Cell;
use std::collections::HashMap;

use tend_domain::*;

use crate::state::{Command, Loadable, Tab};

/// The alerts inbox.
#[derive(Debug, Clone)]
pub struct AlertsView {
    pub list: Loadable<Vec<Alert>>,
    /// Which alerts are listed (None: all).
    pub state: Option<AlertState>,
    pub selected: usize,
    pub offset: Cell<usize>,
    /// Names and health of the listed alerts' accounts (from the portfolio).
    pub names: HashMap<Id, (String, Option<HealthStatus>)>,
    /// Only the health transitions since this day are listed (the dashboard's
    /// "this week" line opened them).
    pub transitions_since: Option<chrono::NaiveDate>,
    /// Open alerts (the header shows it everywhere).
    pub open: Option<u64>,
    /// The alert to select once the list is in (one a summary cites).
    pub want: Option<Id>,
}

impl AlertsView {
    /// The load of what the inbox lists.
    pub fn command(&self) -> Command {
        Command::LoadAlerts(self.state, self.transitions_since)
    }
}

impl Default for AlertsView {
    fn default() -> Self {
        AlertsView {
            list: Loadable::Idle,
            state: Some(AlertState::Open),
            selected: 0,
            offset: Cell::new(0),
            names: HashMap::new(),
            transitions_since: None,
            open: None,
            want: None,
        }
    }
}

impl AlertsView {
    pub fn selected_alert(&self) -> Option<&Alert> {
        self.list.value()?.get(self.selected)
    }
}

/// How long `z` and `Z` snooze an alert.
pub const SNOOZE_SHORT_DAYS: i64 = 1;

pub const SNOOZE_LONG_DAYS: i64 = 7;

/// The account tab an alert of `rule` is about.
pub fn alert_tab(rule: &str) -> Tab {
    match rule {
        "usage_drop" => Tab::Usage,
        "renewal_at_risk" => Tab::Agreements,
        "escalation" => Tab::Support,
        _ => Tab::Health,
    }
}
