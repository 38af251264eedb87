//! What My work keeps: the items, the selection, whether a load is under way; and
//! how an item is labelled.

use std::cell::Cell;

use chrono::NaiveDate;
use tend_backend::outbound::{WorkItem, WorkKind};
use tend_domain::Timestamp;

use crate::state::Loadable;

/// The My work page.
#[derive(Debug, Clone, Default)]
pub struct WorkView {
    pub list: Loadable<Vec<WorkItem>>,
    pub selected: usize,
    /// First visible row (kept by the drawing).
    pub offset: Cell<usize>,
    /// A load is under way (the list shown stays until it answers).
    pub loading: bool,
}

impl WorkView {
    pub fn selected_item(&self) -> Option<&WorkItem> {
        self.list.value()?.get(self.selected)
    }
}

/// The kind of an item as the list says it.
pub fn kind_label(k: WorkKind) -> &'static str {
    match k {
        WorkKind::Step => "step",
        WorkKind::Task => "task",
        WorkKind::Alert => "alert",
        WorkKind::Email => "email",
    }
}

/// When an item is due, or since when it waits: "3d overdue", "due today",
/// "since 2 days".
pub fn when(item: &WorkItem, today: NaiveDate, now: Timestamp) -> String {
    if let Some(due) = item.due {
        let late = (today - due).num_days();
        return match late {
            0 => "due today".into(),
            n if n > 0 => format!("{n}d overdue"),
            n => format!("due in {}d", -n),
        };
    }
    match (now - item.since).num_days().max(0) {
        0 => "since today".into(),
        1 => "since 1 day".into(),
        n => format!("since {n} days"),
    }
}
