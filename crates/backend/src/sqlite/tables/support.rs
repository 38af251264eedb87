//! support_cases, alerts, summaries.

use super::*;

/// Sort rank of a priority: urgent first.
pub(crate) fn priority_rank(p: Priority) -> i64 {
    match p {
        Priority::Urgent => 0,
        Priority::High => 1,
        Priority::Normal => 2,
        Priority::Low => 3,
    }
}

impl Table for SupportCase {
    const TABLE: &'static str = "support_cases";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "number",
        "subject",
        "priority",
        "priority_rank",
        "severity",
        "status",
        "is_open",
        "escalated",
        "team",
        "region",
        "opened_at",
        "resolved_at",
        "signals",
        "engineering_issue",
        "csat",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.number)
            .text(&self.subject)
            .name(self.priority)
            .int(priority_rank(self.priority))
            .int(self.severity as i64)
            .name(self.status)
            .bool(self.status.is_open())
            .bool(self.escalated)
            .text(&self.team)
            .text(&self.region)
            .ts(&self.opened_at)
            .opt_ts(self.resolved_at.as_ref())
            .json(&self.signals)
            .opt_text(self.engineering_issue.as_deref())
            .opt_int(self.csat.map(i64::from));
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(SupportCase, CommonCols::read(c)?, {
            account_id: c.get()?,
            number: c.get()?,
            subject: c.get()?,
            priority: {
                let p = c.parse()?;
                c.get::<i64>()?;
                p
            },
            severity: c.get()?,
            status: {
                let s = c.parse()?;
                c.get::<bool>()?;
                s
            },
            escalated: c.get()?,
            team: c.get()?,
            region: c.get()?,
            opened_at: c.ts()?,
            resolved_at: c.opt_ts()?,
            signals: c.json()?,
            engineering_issue: c.get()?,
            csat: c.get()?,
        }))
    }
    table_plumbing!(SupportCase);
}

impl Table for Alert {
    const TABLE: &'static str = "alerts";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "rule",
        "at",
        "message",
        "state",
        "snoozed_until",
        "from_status",
        "to_status",
        "case_id",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.rule)
            .ts(&self.at)
            .text(&self.message)
            .name(self.state)
            .opt_ts(self.snoozed_until.as_ref())
            .opt_name(self.from_status)
            .opt_name(self.to_status)
            .opt_int(self.case_id);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Alert, CommonCols::read(c)?, {
            account_id: c.get()?,
            rule: c.get()?,
            at: c.ts()?,
            message: c.get()?,
            state: c.parse()?,
            snoozed_until: c.opt_ts()?,
            from_status: c.opt_parse()?,
            to_status: c.opt_parse()?,
            case_id: c.get()?,
        }))
    }
    table_plumbing!(Alert);
}

impl Table for Summary {
    const TABLE: &'static str = "summaries";
    const COLUMNS: &'static [&'static str] = &["account_id", "generated_at", "sections", "author"];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .ts(&self.generated_at)
            .json(&self.sections)
            .text(&self.author);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Summary, CommonCols::read(c)?, {
            account_id: c.get()?,
            generated_at: c.ts()?,
            sections: c.json()?,
            author: c.get()?,
        }))
    }
    table_plumbing!(Summary);
}
