//! success_plans, objectives, kpis, business_challenges.

use super::*;

/// A reference to a record that must belong to the same account.
fn same_account(field: &'static str, kind: EntityKind, id: Option<Id>, account: Id) -> Vec<Ref> {
    let mut refs = vec![Ref {
        field: "account_id",
        kind: EntityKind::Account,
        id: account,
    }];
    refs.extend(id.map(|id| Ref { field, kind, id }));
    refs
}

impl Table for SuccessPlan {
    const TABLE: &'static str = "success_plans";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "name",
        "status",
        "owner",
        "start_day",
        "end_day",
        "description",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.name)
            .name(self.status)
            .text(&self.owner)
            .opt_day(self.start.as_ref())
            .opt_day(self.end.as_ref())
            .text(&self.description);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(SuccessPlan, CommonCols::read(c)?, {
            account_id: c.get()?,
            name: c.get()?,
            status: c.parse()?,
            owner: c.get()?,
            start: c.opt_day()?,
            end: c.opt_day()?,
            description: c.get()?,
        }))
    }
    table_plumbing!(SuccessPlan);
}

impl Table for Objective {
    const TABLE: &'static str = "objectives";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "plan_id",
        "name",
        "owner",
        "due",
        "completed_on",
        "description",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .opt_int(self.plan_id)
            .text(&self.name)
            .text(&self.owner)
            .opt_day(self.due.as_ref())
            .opt_day(self.completed_on.as_ref())
            .text(&self.description);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Objective, CommonCols::read(c)?, {
            account_id: c.get()?,
            plan_id: c.get()?,
            name: c.get()?,
            owner: c.get()?,
            due: c.opt_day()?,
            completed_on: c.opt_day()?,
            description: c.get()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        same_account(
            "plan_id",
            EntityKind::SuccessPlan,
            self.plan_id,
            self.account_id,
        )
    }
    fn same_account(&self) -> bool {
        true
    }
    table_plumbing!(Objective);
}

impl Table for Kpi {
    const TABLE: &'static str = "kpis";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "objective_id",
        "name",
        "unit",
        "baseline",
        "target",
        "current",
        "status",
        "measured_on",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .int(self.objective_id)
            .text(&self.name)
            .text(&self.unit)
            .real(self.baseline)
            .real(self.target)
            .real(self.current)
            .name(self.status)
            .opt_day(self.measured_on.as_ref());
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Kpi, CommonCols::read(c)?, {
            account_id: c.get()?,
            objective_id: c.get()?,
            name: c.get()?,
            unit: c.get()?,
            baseline: c.get()?,
            target: c.get()?,
            current: c.get()?,
            status: c.parse()?,
            measured_on: c.opt_day()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        same_account(
            "objective_id",
            EntityKind::Objective,
            Some(self.objective_id),
            self.account_id,
        )
    }
    fn same_account(&self) -> bool {
        true
    }
    table_plumbing!(Kpi);
}

impl Table for BusinessChallenge {
    const TABLE: &'static str = "business_challenges";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "plan_id",
        "title",
        "severity",
        "status",
        "raised_on",
        "description",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .opt_int(self.plan_id)
            .text(&self.title)
            .name(self.severity)
            .name(self.status)
            .opt_day(self.raised_on.as_ref())
            .text(&self.description);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(BusinessChallenge, CommonCols::read(c)?, {
            account_id: c.get()?,
            plan_id: c.get()?,
            title: c.get()?,
            severity: c.parse()?,
            status: c.parse()?,
            raised_on: c.opt_day()?,
            description: c.get()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        same_account(
            "plan_id",
            EntityKind::SuccessPlan,
            self.plan_id,
            self.account_id,
        )
    }
    fn same_account(&self) -> bool {
        true
    }
    table_plumbing!(BusinessChallenge);
}
