//! The write keys of the account tabs: the forms they open, the questions they
//! ask, and the answers of the store.

use tend_backend::{Error, Write};
use tend_domain::*;

use crate::app::App;
use crate::form::FormState;
use crate::forms;
use crate::forms::Ctx;
use crate::keys::Action;
use crate::overlay::Confirm;

use crate::screens::account::state::{
    TASK_COLUMNS, task_column, visible_agreements, visible_interactions,
};
use crate::state::{Command, Focus, Loadable, Tab};

impl App {
    /// A write key on the account screen.
    pub(crate) fn write_action(&mut self, action: Action) -> Vec<Command> {
        let Some(a) = self.account.as_ref() else {
            return vec![];
        };
        let Some(d) = a.data.value() else {
            self.status = Some("the account is still loading".into());
            return vec![];
        };
        let ctx = Ctx {
            d,
            now: self.now,
            user: &self.user,
        };
        let sel = a.selected();
        let today = self.now.date_naive();
        let form = match (action, a.tab) {
            (Action::New, Tab::Interactions | Tab::Overview) => {
                Some(forms::new_interaction(&ctx, InteractionKind::Note))
            }
            (Action::New, Tab::Contacts) => Some(forms::new_contact(&ctx)),
            (Action::New, Tab::Agreements) => Some(forms::new_agreement(&ctx)),
            (Action::New, Tab::Opportunities) => Some(forms::new_opportunity(&ctx)),
            (Action::New, Tab::Tasks) => Some(forms::new_task(&ctx, TASK_COLUMNS[a.column.min(2)])),
            (Action::NewProject, Tab::Tasks) => Some(forms::new_project(&ctx)),
            (Action::New, Tab::Settings) => Some(forms::new_document(&ctx)),
            (Action::New, Tab::Playbooks) => match &self.playbooks {
                Some(all) if all.is_empty() => {
                    self.status = Some("no playbook is defined yet".into());
                    return vec![];
                }
                Some(all) => Some(forms::run_playbook(&ctx, all)),
                None => {
                    self.status = Some("loading the playbooks…".into());
                    return vec![Command::LoadPlaybooks];
                }
            },
            (Action::Edit, Tab::Overview) => Some(forms::edit_account(&ctx)),
            (Action::Edit, Tab::Settings) if sel == 0 => Some(forms::edit_account(&ctx)),
            (Action::Edit, _) => match self.selected_record() {
                Some(r @ Record::PlaybookRun(_)) | Some(r @ Record::Account(_)) => {
                    self.status = Some(format!(
                        "a {} is changed with its own keys (? lists them)",
                        r.kind().as_str().replace('_', " ")
                    ));
                    return vec![];
                }
                Some(r) => forms::edit(&ctx, r),
                None => {
                    self.status = Some("nothing here to edit".into());
                    return vec![];
                }
            },
            _ => None,
        };
        if let Some(form) = form {
            self.form = Some(form);
            return vec![];
        }
        let account = a.id;
        let (writes, what, question) = match (action, a.tab) {
            (Action::Delete, _) => match self.selected_record() {
                Some(r) => {
                    let what = format!("deleted {}", describe(&r));
                    let q = format!("Delete {}?", describe(&r));
                    (
                        vec![Write::Delete {
                            kind: r.kind(),
                            id: r.id(),
                            version: r.version(),
                        }],
                        what,
                        Some(q),
                    )
                }
                None => {
                    self.status = Some("nothing here to delete".into());
                    return vec![];
                }
            },
            (Action::DeleteAccount, _) => {
                let acc = &d.account;
                self.confirm = Some(Confirm {
                    title: format!("Delete {}", acc.name),
                    lines: vec![
                        "This deletes the account and everything recorded with it:".into(),
                        format!(
                            "{} contacts, {} interactions, {} agreements, {} tasks, {} cases.",
                            d.contacts.len(),
                            d.interactions.len(),
                            d.agreements.len(),
                            d.tasks.len(),
                            d.cases.len()
                        ),
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
                });
                return vec![];
            }
            (Action::Toggle, Tab::Interactions) => {
                let Some(i) = visible_interactions(a, d).get(sel).copied() else {
                    return vec![];
                };
                let mut i = i.clone();
                i.excluded_from_score = !i.excluded_from_score;
                let what = if i.excluded_from_score {
                    "excluded the interaction from the score"
                } else {
                    "counted the interaction in the score again"
                };
                (
                    vec![Write::Update {
                        record: Record::Interaction(i),
                    }],
                    what.to_string(),
                    None,
                )
            }
            (Action::Toggle, Tab::Agreements) => {
                let Some(x) = visible_agreements(a, d).get(sel).copied() else {
                    return vec![];
                };
                let mut x = x.clone();
                x.payment_up_to_date = !x.payment_up_to_date;
                let what = format!(
                    "payment of \"{}\" marked {}",
                    x.name,
                    if x.payment_up_to_date {
                        "up to date"
                    } else {
                        "late"
                    }
                );
                (
                    vec![Write::Update {
                        record: Record::Agreement(x),
                    }],
                    what,
                    None,
                )
            }
            (Action::Toggle | Action::MoveLeft | Action::MoveRight, Tab::Tasks)
            | (Action::MoveUp | Action::MoveDown, Tab::Tasks) => {
                let col = task_column(d, a.column);
                let Some(t) = col.get(sel).copied() else {
                    self.status = Some("no task selected".into());
                    return vec![];
                };
                let cols = TASK_COLUMNS;
                let here = a.column.min(2);
                let (to, index) = match action {
                    Action::Toggle if t.status == TaskStatus::Done => (0, usize::MAX),
                    Action::Toggle => (2, usize::MAX),
                    Action::MoveLeft if here > 0 => (here - 1, usize::MAX),
                    Action::MoveRight if here < 2 => (here + 1, usize::MAX),
                    Action::MoveUp if sel > 0 => (here, sel - 1),
                    Action::MoveDown if sel + 1 < col.len() => (here, sel + 1),
                    _ => return vec![],
                };
                let moved = move_task(&d.tasks, t.id, cols[to], index);
                let what = format!("\"{}\" moved to {}", t.title, cols[to]);
                // The selection follows the card.
                let column_len = d.tasks.iter().filter(|x| x.status == cols[to]).count();
                let pos = if to == here { index } else { column_len };
                self.follow = Some((to, pos.min(column_len)));
                (
                    moved
                        .into_iter()
                        .map(|t| Write::Update {
                            record: Record::Task(t),
                        })
                        .collect(),
                    what,
                    None,
                )
            }
            (Action::Renew, Tab::Agreements) => {
                let Some(x) = visible_agreements(a, d).get(sel).copied() else {
                    self.status = Some("no agreement selected".into());
                    return vec![];
                };
                if matches!(
                    x.status,
                    AgreementStatus::Cancelled | AgreementStatus::Draft
                ) {
                    self.status = Some(format!("a {} agreement is not renewed", x.status));
                    return vec![];
                }
                // Renewing twice would count the MRR twice.
                if let Some(next) = d.agreements.iter().find(|n| n.renews_id == Some(x.id)) {
                    self.status = Some(format!(
                        "\"{}\" was already renewed by \"{}\" ({} to {}): renew that one",
                        x.name, next.name, next.start, next.end
                    ));
                    return vec![];
                }
                let (old, new) = x.renew(today, self.now);
                let q = format!(
                    "Renew \"{}\": a new contract {} → {}, {} MRR, notice {} days{}; this one \
                     ends {} without renewing on its own.",
                    x.name,
                    new.start,
                    new.end,
                    tend_domain::format::money(new.mrr_cents),
                    new.notice_days,
                    if new.auto_renew { ", auto-renew" } else { "" },
                    old.end
                );
                let what = format!("renewed \"{}\" from {}", x.name, new.start);
                (
                    vec![
                        Write::Update {
                            record: Record::Agreement(old),
                        },
                        Write::Create {
                            record: Record::Agreement(new),
                        },
                    ],
                    what,
                    Some(q),
                )
            }
            (Action::Advance | Action::Retry | Action::Skip, Tab::Playbooks) => {
                let Some(run) = d.playbook_runs.get(sel) else {
                    self.status = Some("no playbook run selected".into());
                    return vec![];
                };
                let mut run = run.clone();
                let step = match action {
                    Action::Retry => run
                        .steps
                        .iter()
                        .rposition(|s| s.state == StepState::Failed)
                        .ok_or_else(|| "no failed step to retry".to_string()),
                    _ => run
                        .current_step()
                        .ok_or_else(|| "the run is finished".to_string()),
                };
                let done = step.and_then(|i| {
                    match action {
                        Action::Retry => run.retry(i, self.now),
                        Action::Skip => run.skip(i, self.now),
                        _ => run.complete(i, self.now),
                    }
                    .map(|()| i)
                });
                let i = match done {
                    Ok(i) => i,
                    Err(e) => {
                        self.status = Some(e);
                        return vec![];
                    }
                };
                let name = d
                    .playbooks
                    .iter()
                    .find(|p| p.id == run.playbook_id)
                    .and_then(|p| p.steps.get(i))
                    .map(|s| s.name.clone())
                    .unwrap_or_else(|| format!("step {}", i + 1));
                let verb = match action {
                    Action::Retry => "retried",
                    Action::Skip => "skipped",
                    _ => "completed",
                };
                (
                    vec![Write::Update {
                        record: Record::PlaybookRun(run),
                    }],
                    format!("{verb} \"{name}\""),
                    None,
                )
            }
            _ => {
                self.status = Some(format!(
                    "{} does nothing on the {} tab (? lists the keys)",
                    action.name().replace('_', " "),
                    a.tab.title()
                ));
                return vec![];
            }
        };
        match question {
            Some(q) => {
                self.confirm = Some(Confirm {
                    title: "Confirm".into(),
                    lines: vec![q, String::new(), "y: yes · n / Esc: no".into()],
                    writes,
                    what,
                    typed: None,
                    input: String::new(),
                });
                vec![]
            }
            None => self.save(account, writes, what),
        }
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
            Tab::Agreements => Record::Agreement((*visible_agreements(a, d).get(sel)?).clone()),
            Tab::Opportunities => Record::Opportunity(d.opportunities.get(sel)?.clone()),
            Tab::Tasks => Record::Task((*task_column(d, a.column).get(sel)?).clone()),
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

    /// A new run gets the steps of the playbook chosen in its form.
    pub(crate) fn complete_run(&self, record: Record) -> Record {
        match record {
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
                self.form = None;
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
                if let Some(form) = self.form.as_mut() {
                    form.refused(&e);
                    return vec![];
                }
                match e {
                    Error::Conflict { .. } => {
                        self.notice = Some(format!(
                            "{e}\n\nNothing was written. r: reload the account · any other key: close"
                        ));
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

    pub(crate) fn reloaded(&mut self, result: Result<Box<Record>, String>) -> Vec<Command> {
        match (result, self.form.as_mut()) {
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
        result: Result<Vec<Playbook>, String>,
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
                    return self.write_action(Action::New);
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
