//! Keys on My work (open the account on the tab of the item, complete, snooze,
//! reassign) and the answers they bring: the list, the record an item is about,
//! the write.

use tend_backend::outbound::{WorkItem, WorkKind};
use tend_backend::{Error, Write};
use tend_domain::*;

use crate::app::App;
use crate::keys::Action;
use crate::overlay::{Asking, AskingFor, Overlay};
use crate::state::{Command, Loadable, Page, Tab, Triage};

/// The tab of its account an item is about.
pub fn tab_of(item: &WorkItem) -> Tab {
    match item.kind {
        WorkKind::Step => Tab::Playbooks,
        WorkKind::Task => Tab::Tasks,
        WorkKind::Email => Tab::Interactions,
        // The alert's title is its rule, spaced.
        WorkKind::Alert => crate::screens::alerts::state::alert_tab(&item.title.replace(' ', "_")),
    }
}

/// "1 day", "3 days".
fn days(n: u32) -> String {
    format!("{n} day{}", if n == 1 { "" } else { "s" })
}

impl App {
    /// Loads My work again (what is shown stays until it answers).
    pub(crate) fn load_work(&mut self) -> Vec<Command> {
        self.work.loading = true;
        if self.work.list.value().is_none() {
            self.work.list = Loadable::Loading;
        }
        vec![Command::LoadWork]
    }

    /// A key on My work.
    pub(crate) fn work_action(&mut self, action: Action) -> Vec<Command> {
        let page = self.page();
        let w = &mut self.work;
        let last = w.list.value().map_or(0, Vec::len).saturating_sub(1);
        match action {
            Action::Down => w.selected = (w.selected + 1).min(last),
            Action::Up => w.selected = w.selected.saturating_sub(1),
            Action::PageDown => w.selected = (w.selected + page).min(last),
            Action::PageUp => w.selected = w.selected.saturating_sub(page),
            Action::Top => w.selected = 0,
            Action::Bottom => w.selected = last,
            Action::Back => return self.back(),
            Action::Open | Action::Right => {
                let Some(item) = w.selected_item().cloned() else {
                    return vec![];
                };
                let cmds = self.open_from_list(item.account.id, tab_of(&item), Page::Work);
                if let Some(a) = self.account.as_mut() {
                    a.want = match item.kind {
                        WorkKind::Alert => None,
                        _ => Some((item.record_kind, item.record_id)),
                    };
                }
                return cmds;
            }
            Action::Done | Action::Snooze | Action::Reassign => {
                let Some(item) = w.selected_item().cloned() else {
                    self.status = Some("nothing selected: nothing waits on you".into());
                    return vec![];
                };
                return match action {
                    Action::Done => self.triage(item, Triage::Complete),
                    Action::Snooze => self.ask_snooze(item),
                    _ => self.ask_reassign(item),
                };
            }
            _ => {}
        }
        vec![]
    }

    /// `z`: how many days (1 unless changed), for a task or an alert.
    fn ask_snooze(&mut self, item: WorkItem) -> Vec<Command> {
        let why = match item.kind {
            WorkKind::Task | WorkKind::Alert => None,
            WorkKind::Step => Some(
                "a playbook step cannot be snoozed: complete it (c), give it to someone (a), or open its run (Enter)",
            ),
            WorkKind::Email => Some(
                "an email cannot be snoozed: answer it (Enter opens it, R replies) or mark it answered (c)",
            ),
        };
        if let Some(why) = why {
            self.status = Some(why.into());
            return vec![];
        }
        let question = match item.kind {
            WorkKind::Task => " snooze the task: due in how many days? ",
            _ => " snooze the alert for how many days? ",
        };
        self.overlays.open(Overlay::Asking(Asking {
            question: question.into(),
            input: "1".into(),
            verb: "snooze",
            purpose: AskingFor::Snooze(Box::new(item)),
        }));
        vec![]
    }

    /// `a`: to whom, for a task or a playbook step.
    fn ask_reassign(&mut self, item: WorkItem) -> Vec<Command> {
        if matches!(item.kind, WorkKind::Alert | WorkKind::Email) {
            self.status = Some(format!(
                "only tasks and playbook steps are reassigned: an {} stays with the account's owner and team",
                kind_word(item.kind)
            ));
            return vec![];
        }
        self.overlays.open(Overlay::Asking(Asking {
            question: format!(" give the {} to (user): ", kind_word(item.kind)),
            input: String::new(),
            verb: "reassign",
            purpose: AskingFor::Reassign(Box::new(item)),
        }));
        vec![]
    }

    /// Settles an item as asked: a task is changed as listed (its version
    /// checked by the store); a step, an alert or an email is read fresh first.
    pub(crate) fn triage(&mut self, item: WorkItem, triage: Triage) -> Vec<Command> {
        match (&item.task, item.kind) {
            (Some(task), WorkKind::Task) => {
                let mut t = task.clone();
                let what = match &triage {
                    Triage::Complete => {
                        t.status = TaskStatus::Done;
                        format!("\"{}\" is done", t.title)
                    }
                    Triage::Snooze(n) => {
                        let due = self.now.date_naive() + chrono::Days::new(u64::from(*n));
                        t.due = Some(due);
                        format!("\"{}\" snoozed: due {}", t.title, due.format("%b %-d"))
                    }
                    Triage::Reassign(user) => {
                        t.assignee = user.clone();
                        format!("\"{}\" given to {user}", t.title)
                    }
                };
                self.work_save(
                    item.account.id,
                    vec![Write::Update {
                        record: Record::Task(t),
                    }],
                    what,
                )
            }
            _ => vec![Command::WorkRecord {
                item: Box::new(item),
                triage,
            }],
        }
    }

    /// The record of an item came: the write that settles it.
    pub(crate) fn work_record(
        &mut self,
        item: WorkItem,
        triage: Triage,
        result: Result<Box<Record>, Error>,
    ) -> Vec<Command> {
        let record = match result {
            Ok(r) => *r,
            Err(e) => {
                self.status = Some(format!("not saved: {e}"));
                return self.load_work();
            }
        };
        let now = self.now;
        let changed: Result<(Record, String), String> = match (record, &triage) {
            (Record::PlaybookRun(mut run), _) => {
                let i = item.step.unwrap_or(usize::MAX);
                if run.waiting_on().map(|(k, _)| k) != Some(i) {
                    Err(format!(
                        "\"{}\" no longer waits on anyone: the list is loaded again",
                        item.title
                    ))
                } else {
                    match &triage {
                        Triage::Complete => run
                            .complete(i, now)
                            .map(|()| (format!("completed \"{}\"", item.title), run)),
                        Triage::Reassign(user) => {
                            run.steps[i].assignee = Some(user.clone());
                            Ok((format!("\"{}\" now waits on {user}", item.title), run))
                        }
                        Triage::Snooze(_) => Err("a playbook step cannot be snoozed".into()),
                    }
                    .map(|(what, run)| (Record::PlaybookRun(run), what))
                }
            }
            (Record::Alert(mut alert), Triage::Complete) => {
                alert.state = AlertState::Done;
                alert.snoozed_until = None;
                Ok((Record::Alert(alert), "marked the alert done".into()))
            }
            (Record::Alert(mut alert), Triage::Snooze(n)) => {
                alert.state = AlertState::Snoozed;
                alert.snoozed_until = Some(now + chrono::Duration::days(i64::from(*n)));
                Ok((
                    Record::Alert(alert),
                    format!("snoozed the alert for {}", days(*n)),
                ))
            }
            (Record::Interaction(mut i), Triage::Complete) => {
                i.answered = true;
                Ok((
                    Record::Interaction(i),
                    format!("marked \"{}\" answered", item.title),
                ))
            }
            (r, t) => Err(format!(
                "{} cannot be {}",
                r.kind().as_str().replace('_', " "),
                match t {
                    Triage::Complete => "completed",
                    Triage::Snooze(_) => "snoozed",
                    Triage::Reassign(_) => "reassigned",
                }
            )),
        };
        match changed {
            Ok((record, what)) => {
                self.work_save(item.account.id, vec![Write::Update { record }], what)
            }
            Err(e) => {
                self.status = Some(e);
                self.load_work()
            }
        }
    }

    /// A write from My work: the same path as every write (the store's answer
    /// comes as `Saved`), without a score to compare (the account may not be on
    /// screen).
    fn work_save(&mut self, account: Id, writes: Vec<Write>, what: String) -> Vec<Command> {
        self.saving = Some(what.clone());
        vec![Command::Save {
            account,
            writes,
            what,
        }]
    }

    /// My work came: the selection stays on its item when it is still there.
    pub(crate) fn work_loaded(&mut self, result: Result<Vec<WorkItem>, Error>, at: Timestamp) {
        let keep = self
            .work
            .selected_item()
            .map(|i| (i.record_kind, i.record_id, i.step));
        let offline = self.offline.is_some();
        let w = &mut self.work;
        w.loading = false;
        w.list.take(result, at, offline);
        let list = w.list.value().map_or(&[][..], Vec::as_slice);
        if let Some(k) = keep
            && let Some(i) = list
                .iter()
                .position(|i| (i.record_kind, i.record_id, i.step) == k)
        {
            w.selected = i;
        }
        w.selected = w.selected.min(list.len().saturating_sub(1));
    }
}

/// The kind of an item in a sentence.
fn kind_word(k: WorkKind) -> &'static str {
    match k {
        WorkKind::Step => "playbook step",
        WorkKind::Task => "task",
        WorkKind::Alert => "alert",
        WorkKind::Email => "email",
    }
}
