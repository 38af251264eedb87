//! Moving a whole dataset in time by whole days (the demo's "relative to today").

use chrono::{Days, NaiveDate, TimeDelta};

use super::Dataset;
use tend_domain::*;

trait Shift {
    fn shift(&mut self, days: i64);
}

impl Shift for Timestamp {
    fn shift(&mut self, days: i64) {
        *self = self
            .checked_add_signed(TimeDelta::days(days))
            .unwrap_or(*self);
    }
}

impl Shift for NaiveDate {
    fn shift(&mut self, days: i64) {
        let moved = if days >= 0 {
            self.checked_add_days(Days::new(days as u64))
        } else {
            self.checked_sub_days(Days::new(days.unsigned_abs()))
        };
        *self = moved.unwrap_or(*self);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, days: i64) {
        if let Some(x) = self {
            x.shift(days);
        }
    }
}

/// Shifts the listed fields of every record of a section.
macro_rules! shift_all {
    ($items:expr, $days:expr, [$($field:ident).+ $(, $($more:ident).+)*]) => {
        for r in $items.iter_mut() {
            r.$($field).+.shift($days);
            $( r.$($more).+.shift($days); )*
        }
    };
}

impl Dataset {
    /// Moves every instant and date by `days` (positive: later).
    pub fn shift_days(&mut self, days: i64) {
        if days == 0 {
            return;
        }
        self.anchor.shift(days);
        shift_all!(
            self.accounts,
            days,
            [created_at, updated_at, churn.projected_date]
        );
        for a in &mut self.accounts {
            if let Some(p) = &mut a.pulse {
                p.at.shift(days);
            }
        }
        shift_all!(self.contacts, days, [created_at, updated_at]);
        shift_all!(self.interactions, days, [created_at, updated_at, at]);
        shift_all!(self.usage, days, [day]);
        shift_all!(
            self.support_cases,
            days,
            [created_at, updated_at, opened_at, resolved_at]
        );
        shift_all!(self.agreements, days, [created_at, updated_at, start, end]);
        shift_all!(
            self.opportunities,
            days,
            [created_at, updated_at, close_date]
        );
        shift_all!(self.projects, days, [created_at, updated_at, due]);
        shift_all!(self.tasks, days, [created_at, updated_at, due]);
        shift_all!(self.playbooks, days, [created_at, updated_at]);
        shift_all!(
            self.playbook_runs,
            days,
            [created_at, updated_at, started_at]
        );
        for r in &mut self.playbook_runs {
            for s in &mut r.steps {
                s.at.shift(days);
            }
        }
        shift_all!(self.nps_responses, days, [created_at, updated_at, at]);
        shift_all!(self.documents, days, [created_at, updated_at]);
        shift_all!(
            self.alerts,
            days,
            [created_at, updated_at, at, snoozed_until]
        );
        shift_all!(self.summaries, days, [created_at, updated_at, generated_at]);
        shift_all!(
            self.success_plans,
            days,
            [created_at, updated_at, start, end]
        );
        shift_all!(
            self.objectives,
            days,
            [created_at, updated_at, due, completed_on]
        );
        shift_all!(self.kpis, days, [created_at, updated_at, measured_on]);
        shift_all!(
            self.business_challenges,
            days,
            [created_at, updated_at, raised_on]
        );
        shift_all!(
            self.invoices,
            days,
            [created_at, updated_at, issued_on, due_on]
        );
        shift_all!(self.payments, days, [created_at, updated_at, paid_on]);
        shift_all!(self.change_log, days, [at]);
    }

    /// Shifts the dataset so that its anchor falls on `today` (whole days).
    pub fn rebase_to(&mut self, today: NaiveDate) {
        let days = (today - self.anchor.date_naive()).num_days();
        self.shift_days(days);
    }
}
