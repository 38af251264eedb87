//! The write keys of the account tabs: the forms they open, the questions they
//! ask, and the answers of the store.

use tend_backend::{Account360, Error, Write};
use tend_domain::*;

use crate::app::App;
use crate::form::{Form, FormState};
use crate::forms;
use crate::forms::Ctx;
use crate::keys::Action;
use crate::overlay::{Confirm, Overlay};
use crate::screens::account::change::Change;
use crate::screens::account::state::{
    AccountView, visible_agreements, visible_interactions, visible_opportunities,
};
use crate::state::{Command, Focus, Loadable, Tab};

impl App {
    /// Opens the form `make` builds from the loaded account.
    pub(crate) fn open_form(&mut self, make: impl FnOnce(&Ctx) -> Option<Form>) -> Vec<Command> {
        let Some(d) = self.account.as_ref().and_then(|a| a.data.value()) else {
            self.status = Some("the account is still loading".into());
            return vec![];
        };
        let ctx = Ctx {
            d,
            now: self.now,
            user: &self.user,
            rules: &self.account_rules,
        };
        match make(&ctx) {
            Some(form) => self.overlays.open(Overlay::Form(Box::new(form))),
            None => self.status = Some("nothing here to edit".into()),
        }
        vec![]
    }

    /// Writes `make` works out from the account's data (or why it cannot): asked
    /// first when `action` is marked dangerous where it is pressed, else saved.
    pub(crate) fn change(
        &mut self,
        action: Action,
        make: impl FnOnce(&AccountView, &Account360, Timestamp) -> Result<Change, String>,
    ) -> Vec<Command> {
        let Some(a) = self.account.as_ref() else {
            return vec![];
        };
        let Some(d) = a.data.value() else {
            self.status = Some("the account is still loading".into());
            return vec![];
        };
        let account = a.id;
        let change = match make(a, d, self.now) {
            Ok(c) => c,
            Err(e) => {
                self.status = Some(e);
                return vec![];
            }
        };
        if change.follow.is_some() {
            self.follow = change.follow;
        }
        if self.offer(action).is_some_and(|o| o.dangerous) {
            self.overlays.open(Overlay::Confirm(Confirm {
                title: "Confirm".into(),
                lines: vec![
                    change.question,
                    String::new(),
                    "y: yes · n / Esc: no".into(),
                ],
                writes: change.writes,
                what: change.what,
                typed: None,
                input: String::new(),
            }));
            return vec![];
        }
        self.save(account, change.writes, change.what)
    }

    /// `e`: the form of the selected record.
    pub(crate) fn edit_selected(&mut self) -> Vec<Command> {
        match self.selected_record() {
            Some(r) => self.open_form(|c| forms::edit(c, r)),
            None => {
                self.status = Some("nothing here to edit".into());
                vec![]
            }
        }
    }

    /// `d`: deletes the selected record (a dangerous key: asked first).
    pub(crate) fn delete_selected(&mut self) -> Vec<Command> {
        let record = self.selected_record();
        self.change(Action::Delete, |_, _, _| {
            let r = record.ok_or_else(|| "nothing here to delete".to_string())?;
            Ok(Change::new(
                vec![Write::Delete {
                    kind: r.kind(),
                    id: r.id(),
                    version: r.version(),
                }],
                format!("deleted {}", describe(&r)),
                format!("Delete {}?", describe(&r)),
            ))
        })
    }

    /// `D`: deletes the account, once its name is typed.
    pub(crate) fn delete_account(&mut self) -> Vec<Command> {
        let Some(d) = self.account.as_ref().and_then(|a| a.data.value()) else {
            return vec![];
        };
        let acc = &d.account;
        self.overlays.open(Overlay::Confirm(Confirm {
            title: format!("Delete {}", acc.name),
            lines: vec![
                "This deletes the account and everything recorded with it:".into(),
                {
                    use tend_domain::format::counted;
                    let n = |len: usize| len as u64;
                    format!(
                        "{}, {}, {}, {}, {}, {}, {}.",
                        counted(n(d.contacts.len()), "contact", "contacts"),
                        counted(n(d.interactions.len()), "interaction", "interactions"),
                        counted(n(d.agreements.len()), "agreement", "agreements"),
                        counted(n(d.opportunities.len()), "opportunity", "opportunities"),
                        counted(n(d.tasks.len()), "task", "tasks"),
                        counted(n(d.playbook_runs.len()), "playbook run", "playbook runs"),
                        counted(n(d.cases.len()), "case", "cases"),
                    )
                },
                "A customer who left is better marked churned (e, stage: churned):".into(),
                "the history stays. Type the account's name to delete it.".into(),
            ],
            writes: vec![Write::Delete {
                kind: EntityKind::Account,
                id: acc.id,
                version: acc.version,
            }],
            what: format!("deleted the account {}", acc.name),
            typed: Some(acc.name.clone()),
            input: String::new(),
        }));
        vec![]
    }

    /// The record under the selection, for deleting.
    fn selected_record(&self) -> Option<Record> {
        let a = self.account.as_ref()?;
        let d = a.data.value()?;
        let sel = a.selected();
        Some(match a.tab {
            Tab::Interactions => {
                Record::Interaction((*visible_interactions(a, d).get(sel)?).clone())
            }
            Tab::Contacts => Record::Contact(d.contacts.get(sel)?.clone()),
            Tab::Agreements if a.financials => Record::Invoice(d.invoices.get(sel)?.clone()),
            Tab::Agreements => Record::Agreement((*visible_agreements(a, d).get(sel)?).clone()),
            Tab::Opportunities => {
                Record::Opportunity((*visible_opportunities(a, d).get(sel)?).clone())
            }
            Tab::Support => Record::SupportCase(d.cases.get(sel)?.clone()),
            Tab::Tasks => {
                crate::screens::account::task_views::selected_record(&a.tasks, d, a.column, sel)?
            }
            Tab::Playbooks => Record::PlaybookRun(d.playbook_runs.get(sel)?.clone()),
            Tab::Settings => Record::Document(d.documents.get(sel.checked_sub(1)?)?.clone()),
            _ => return None,
        })
    }

    /// Sends writes to the store, remembering the score to say how it moved.
    pub(crate) fn save(&mut self, account: Id, writes: Vec<Write>, what: String) -> Vec<Command> {
        let before = self
            .account
            .as_ref()
            .and_then(|a| a.health.value())
            .and_then(|h| h.explanation.score);
        self.score_before = Some((account, before, what.clone()));
        self.saving = Some(what.clone());
        vec![Command::Save {
            account,
            writes,
            what,
        }]
    }

    /// What a form leaves to the app: a new run gets the steps of the playbook
    /// chosen in its form; a case solved or closed is resolved now (once), and a
    /// case opened again is not resolved any more.
    pub(crate) fn complete_record(&self, record: Record) -> Record {
        match record {
            Record::SupportCase(mut c) => {
                match (c.status.is_open(), c.resolved_at) {
                    (false, None) => c.resolved_at = Some(self.now.max(c.opened_at)),
                    (true, Some(_)) => c.resolved_at = None,
                    _ => {}
                }
                Record::SupportCase(c)
            }
            Record::PlaybookRun(run) if run.id == 0 => {
                let chosen = self
                    .playbooks
                    .iter()
                    .flatten()
                    .find(|p| p.id == run.playbook_id);
                match chosen {
                    Some(p) => Record::PlaybookRun(PlaybookRun::start(p, run.account_id, self.now)),
                    None => Record::PlaybookRun(run),
                }
            }
            other => other,
        }
    }

    /// The store answered a write.
    pub(crate) fn saved(
        &mut self,
        account: Id,
        what: String,
        result: Result<Vec<Option<Record>>, Error>,
    ) -> Vec<Command> {
        self.saving = None;
        match result {
            Ok(records) => {
                self.overlays.close_form();
                let deleted_account =
                    records.iter().all(Option::is_none) && what.starts_with("deleted the account");
                self.status = Some(describe_saved(&what, &records));
                if deleted_account {
                    self.account = None;
                    self.focus = Focus::Portfolio;
                    self.score_before = None;
                    return vec![self.portfolio_command()];
                }
                // The account's 360 brings its portfolio row along; the lists a
                // write may change (alerts, cases) load again.
                let mut cmds = self.after_write();
                // A run started or a step moved: the scheduler runs the steps that
                // follow now, not at its next round.
                if records
                    .iter()
                    .flatten()
                    .any(|r| matches!(r, Record::PlaybookRun(_)))
                {
                    cmds.extend(self.tick());
                }
                if let Some(a) = self.account.as_mut().filter(|a| a.id == account)
                    && what == crate::screens::account::copilot::update::NOTE_SAVED
                {
                    a.copilot.said =
                        Some("saved as a note on the account (Interactions, tag:copilot)".into());
                }
                if let Some(a) = self.account.as_mut().filter(|a| a.id == account) {
                    if let Some((column, row)) = self.follow.take() {
                        a.column = column;
                        a.selected[Tab::Tasks.index()] = row;
                    }
                    a.history = Loadable::Idle;
                    cmds.push(Command::LoadAccount(account));
                }
                cmds
            }
            Err(e) => {
                self.score_before = None;
                self.follow = None;
                if let Some(a) = self.account.as_mut() {
                    a.summary.saving = false;
                    if what == crate::screens::account::copilot::update::NOTE_SAVED {
                        a.copilot.said = Some(format!("not saved: {e}"));
                    }
                }
                if let Some(form) = self.overlays.form_mut() {
                    form.refused(&e);
                    return vec![];
                }
                match e {
                    Error::Conflict { .. } => {
                        self.overlays.open(Overlay::Notice(format!(
                            "{e}\n\nNothing was written. r: reload the account · any other key: close"
                        )));
                    }
                    other => self.status = Some(format!("not saved: {other}")),
                }
                vec![]
            }
        }
    }

    /// After a write, once the new score is in: say how the write moved it.
    pub(crate) fn say_score_change(&mut self, id: Id) {
        let Some((account, before, what)) = self.score_before.clone() else {
            return;
        };
        if account != id {
            return;
        }
        let after = self
            .account
            .as_ref()
            .filter(|a| a.id == id)
            .and_then(|a| a.health.value())
            .and_then(|h| h.explanation.score);
        self.score_before = None;
        let score = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{s:.1}"));
        let moved = if before.map(|b| (b * 10.0).round()) == after.map(|a| (a * 10.0).round()) {
            format!("health unchanged at {}", score(after))
        } else {
            format!("health {} → {}", score(before), score(after))
        };
        let status = self.status.take().unwrap_or(what);
        self.status = Some(format!("{status} · {moved}"));
    }

    pub(crate) fn reloaded(&mut self, result: Result<Box<Record>, Error>) -> Vec<Command> {
        match (result, self.overlays.form_mut()) {
            (Ok(fresh), Some(form)) => {
                let fresh = *fresh;
                let v = fresh.version();
                form.rebase(fresh);
                self.status = Some(format!(
                    "reloaded version {v}; your changes are kept: Enter saves them"
                ));
                self.account
                    .as_ref()
                    .map(|a| vec![Command::LoadAccount(a.id)])
                    .unwrap_or_default()
            }
            (Err(e), Some(form)) => {
                form.state = FormState::Editing;
                form.error = Some(format!("could not reload: {e}"));
                vec![]
            }
            _ => vec![],
        }
    }

    pub(crate) fn playbooks_loaded(
        &mut self,
        result: Result<Vec<Playbook>, Error>,
    ) -> Vec<Command> {
        match result {
            Ok(all) => {
                self.playbooks = Some(all);
                self.status = None;
                if self
                    .account
                    .as_ref()
                    .is_some_and(|a| a.tab == Tab::Playbooks)
                {
                    return self.tab_action(Action::New).unwrap_or_default();
                }
            }
            Err(e) => self.status = Some(format!("could not load the playbooks: {e}")),
        }
        vec![]
    }
}

/// A record in a few words ("the call of 2026-11-20", "task \"Send the deck\"").
fn describe(r: &Record) -> String {
    match r {
        Record::Interaction(i) => format!("the {} of {}", i.kind, i.at.format("%Y-%m-%d")),
        Record::Contact(c) => format!("the contact {}", c.name),
        Record::Agreement(a) => format!("the agreement \"{}\"", a.name),
        Record::Opportunity(o) => format!("the opportunity \"{}\"", o.name),
        Record::Task(t) => format!("the task \"{}\"", t.title),
        Record::Document(d) => format!("the document \"{}\"", d.title),
        Record::PlaybookRun(_) => "the playbook run".into(),
        Record::SupportCase(c) => format!("the case {}", c.number),
        other => format!("{} {}", other.kind(), other.id()),
    }
}
/// What the footer says after a write: a logged interaction says how it was scored.
fn describe_saved(what: &str, records: &[Option<Record>]) -> String {
    for r in records.iter().flatten() {
        if let Record::Interaction(i) = r
            && let Some(s) = i.sentiment
        {
            return format!("{what}: sentiment {}", s.summary());
        }
    }
    what.to_string()
}
