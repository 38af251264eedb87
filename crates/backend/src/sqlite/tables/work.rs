//! projects, tasks, playbooks, playbook_runs.

use super::*;

impl Table for Project {
    const TABLE: &'static str = "projects";
    const COLUMNS: &'static [&'static str] = &["account_id", "name", "status", "due_day"];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.name)
            .name(self.status)
            .opt_day(self.due.as_ref());
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Project, CommonCols::read(c)?, {
            account_id: c.get()?,
            name: c.get()?,
            status: c.parse()?,
            due: c.opt_day()?,
        }))
    }
    table_plumbing!(Project);
}

impl Table for Task {
    const TABLE: &'static str = "tasks";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "project_id",
        "title",
        "description",
        "assignee",
        "due_day",
        "status",
        "priority",
        "position",
        "kind",
        "alert_id",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .opt_int(self.project_id)
            .text(&self.title)
            .text(&self.description)
            .text(&self.assignee)
            .opt_day(self.due.as_ref())
            .name(self.status)
            .name(self.priority)
            .int(self.position)
            .name(self.kind)
            .opt_int(self.alert_id);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Task, CommonCols::read(c)?, {
            account_id: c.get()?,
            project_id: c.get()?,
            title: c.get()?,
            description: c.get()?,
            assignee: c.get()?,
            due: c.opt_day()?,
            status: c.parse()?,
            priority: c.parse()?,
            position: c.get()?,
            kind: c.parse()?,
            alert_id: c.get()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        let mut refs = vec![Ref {
            field: "account_id",
            kind: EntityKind::Account,
            id: self.account_id,
        }];
        refs.extend(self.project_id.map(|id| Ref {
            field: "project_id",
            kind: EntityKind::Project,
            id,
        }));
        refs.extend(self.alert_id.map(|id| Ref {
            field: "alert_id",
            kind: EntityKind::Alert,
            id,
        }));
        refs
    }
    /// An alert task answers an alert of its own account (and its project is
    /// one of the account's).
    fn same_account(&self) -> bool {
        true
    }
    table_plumbing!(Task);
}

impl Table for Playbook {
    const TABLE: &'static str = "playbooks";
    const COLUMNS: &'static [&'static str] = &["name", "description", "steps"];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.text(&self.name).text(&self.description).json(&self.steps);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Playbook, CommonCols::read(c)?, {
            name: c.get()?,
            description: c.get()?,
            steps: c.json()?,
        }))
    }
    table_plumbing!(Playbook);
}

impl Table for PlaybookRun {
    const TABLE: &'static str = "playbook_runs";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "playbook_id",
        "started_at",
        "steps",
        "automatic",
        "next_due_at",
        "waiting_on",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .int(self.playbook_id)
            .ts(&self.started_at)
            .json(&self.steps)
            .bool(self.automatic)
            .opt_int(self.next_due().map(|t| super::super::codec::ts(&t)))
            .opt_text(self.waiting_on().map(|(_, who)| who));
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        let run = record!(PlaybookRun, CommonCols::read(c)?, {
            account_id: c.get()?,
            playbook_id: c.get()?,
            started_at: c.ts()?,
            steps: c.json()?,
            automatic: c.get()?,
        });
        // next_due_at and waiting_on: derived from the steps, written for the
        // scheduler's and My work's indexes.
        c.skip();
        c.skip();
        Ok(run)
    }
    fn references(&self) -> Vec<Ref> {
        vec![
            Ref {
                field: "account_id",
                kind: EntityKind::Account,
                id: self.account_id,
            },
            Ref {
                field: "playbook_id",
                kind: EntityKind::Playbook,
                id: self.playbook_id,
            },
        ]
    }
    fn as_run(&self) -> Option<&PlaybookRun> {
        Some(self)
    }
    table_plumbing!(PlaybookRun);
}
