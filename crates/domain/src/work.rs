//! Tasks, projects, playbooks and their runs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::account::first_version;
use super::*;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    Doing,
    Done,
}

crate::named_enum!(TaskStatus { Todo => "todo", Doing => "doing", Done => "done" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Active,
    Completed,
}

crate::named_enum!(ProjectStatus { Active => "active", Completed => "completed" });

/// What kind of work a task is (Freshsuccess's task type).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    #[default]
    Todo,
    Call,
    Email,
    Meeting,
    Review,
    FollowUp,
}

crate::named_enum!(TaskKind {
    Todo => "todo",
    Call => "call",
    Email => "email",
    Meeting => "meeting",
    Review => "review",
    FollowUp => "follow_up",
});

impl TaskKind {
    /// The kind a title suggests ("Call the sponsor" is a call), for tasks made
    /// without one (a playbook's, a generated one's).
    pub fn from_title(title: &str) -> TaskKind {
        let t = title.to_lowercase();
        let has = |w: &[&str]| {
            w.iter()
                .any(|w| t.split(|c: char| !c.is_alphanumeric()).any(|x| x == *w))
        };
        if has(&["call", "phone"]) {
            TaskKind::Call
        } else if has(&["email", "mail", "send"]) {
            TaskKind::Email
        } else if has(&[
            "meeting", "meet", "qbr", "kickoff", "workshop", "demo", "training",
        ]) {
            TaskKind::Meeting
        } else if has(&["review", "audit", "check"]) {
            TaskKind::Review
        } else if has(&["follow", "chase", "remind"]) {
            TaskKind::FollowUp
        } else {
            TaskKind::Todo
        }
    }
}

/// A group of tasks with a customer (onboarding, QBR preparation, migration...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    pub name: String,
    pub status: ProjectStatus,
    #[serde(default)]
    pub due: Option<NaiveDate>,
}

/// A task: a card on the kanban.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    #[serde(default)]
    pub project_id: Option<Id>,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub due: Option<NaiveDate>,
    pub status: TaskStatus,
    pub priority: Priority,
    /// Order within its kanban column (smaller first).
    #[serde(default)]
    pub position: i64,
    /// The task's type (call, email, meeting...).
    #[serde(default)]
    pub kind: TaskKind,
    /// The alert this task answers (an alert task), of the same account.
    #[serde(default)]
    pub alert_id: Option<Id>,
}

/// What a playbook step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepAction {
    /// Send an email to contacts with a role (e.g. the champion). The subject and
    /// body are templates (`{{account.name}}`, `{{contact.first_name}}`...: see
    /// [`TEMPLATE_FIELDS`]), rendered when the run starts.
    SendEmail {
        to_role: String,
        subject: String,
        #[serde(default)]
        body: String,
    },
    /// Create a task for the owner.
    CreateTask { title: String, due_in_days: u32 },
    /// Wait a number of days.
    Wait { days: u32 },
    /// Check a condition on the account before going on: an expression of the
    /// filter language that the account must match.
    Check { condition: String },
    /// Wait until a person does something and completes the step (a call, a
    /// meeting, a decision): the account owner unless the step is reassigned.
    WaitForPerson {
        #[serde(default)]
        instructions: String,
    },
}

impl StepAction {
    /// Whether the scheduler runs the step by itself (all but waiting for a person).
    pub fn is_automatic(&self) -> bool {
        !matches!(self, StepAction::WaitForPerson { .. })
    }

    /// A short word for the kind of step.
    pub fn kind(&self) -> &'static str {
        match self {
            StepAction::SendEmail { .. } => "send_email",
            StepAction::CreateTask { .. } => "create_task",
            StepAction::Wait { .. } => "wait",
            StepAction::Check { .. } => "check",
            StepAction::WaitForPerson { .. } => "wait_for_person",
        }
    }
}

/// The fields an email template of a playbook may use, as `{{field}}`.
pub const TEMPLATE_FIELDS: &[&str] = &[
    "account.name",
    "account.domain",
    "account.owner",
    "contact.name",
    "contact.first_name",
    "contact.email",
    "contact.title",
    "owner.name",
    "renewal.date",
    "today",
];

/// An email of a playbook step as rendered when its run started: what a retry
/// sends again (a changed contact needs the playbook run again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenderedEmail {
    /// Addresses, as "Name <address>".
    pub to: Vec<String>,
    /// The contacts they belong to.
    #[serde(default)]
    pub contact_ids: Vec<Id>,
    pub subject: String,
    pub body: String,
}

/// One step of a playbook. (Unknown fields are refused by `StepAction`: serde's
/// `deny_unknown_fields` does not work through `flatten`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlaybookStep {
    pub name: String,
    #[serde(flatten)]
    pub action: StepAction,
}

/// A named list of steps that can be run on an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<PlaybookStep>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not reached yet.
    #[default]
    Pending,
    /// Ran to completion.
    Done,
    /// Needs a user action (or a wait) before the run resumes.
    Waiting,
    /// Ran into an error.
    Failed,
    /// Skipped by a user.
    Skipped,
}

crate::named_enum!(StepState {
    Pending => "pending",
    Done => "done",
    Waiting => "waiting",
    Failed => "failed",
    Skipped => "skipped",
});

impl StepState {
    /// Whether a step may go from this state to `to`, as the actions on a run move
    /// it: an open step (pending or waiting) is completed, skipped, opened (pending
    /// to waiting) or runs into an error; a failed step is retried (waiting again)
    /// or skipped. A finished step (done or skipped) stays as it is, and a failed
    /// one is retried before it is completed. Staying put is always allowed.
    pub fn moves_to(self, to: StepState) -> bool {
        use StepState::*;
        self == to
            || matches!(
                (self, to),
                (Pending, Waiting | Done | Skipped | Failed)
                    | (Waiting, Done | Skipped | Failed)
                    | (Failed, Waiting | Skipped)
            )
    }
}

/// A change of a run's step that no action makes (see [`StepState::moves_to`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepMoveRefusal {
    /// The step, counted from 0.
    pub step: usize,
    pub from: StepState,
    pub to: StepState,
}

impl std::fmt::Display for StepMoveRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.from {
            StepState::Done | StepState::Skipped => "a finished step stays finished",
            StepState::Failed => "a failed step is retried or skipped",
            _ => "an open step is completed, skipped or fails",
        };
        write!(
            f,
            "step {} cannot go from {} to {}: {why}",
            self.step + 1,
            self.from,
            self.to
        )
    }
}

/// The state of one step in a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRun {
    pub state: StepState,
    #[serde(default)]
    pub at: Option<chrono::DateTime<chrono::Utc>>,
    /// What happened (the error, for a failed step).
    #[serde(default)]
    pub message: String,
    /// When an automatic step is due (a wait's end); unset: as soon as it opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A send-email step's email, rendered when the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<RenderedEmail>,
    /// Whom a step waiting on a person waits on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// The task a create-task step made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<Id>,
    /// The outbox delivery of a send-email step on its way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_id: Option<Id>,
}

/// The overall colour of a playbook run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunColour {
    /// Ran smoothly to the end.
    Green,
    /// Started and waiting for an action before it resumes.
    Blue,
    /// Some steps failed but it ran to the end.
    Orange,
    /// Stuck at a step and cannot go further.
    Red,
}

crate::named_enum!(RunColour { Green => "green", Blue => "blue", Orange => "orange", Red => "red" });

/// A playbook running on an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaybookRun {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    pub playbook_id: Id,
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// One entry per step of the playbook, in order.
    pub steps: Vec<StepRun>,
    /// Whether the scheduler runs its automatic steps (every run started by this
    /// tend; runs imported from before are advanced by hand).
    #[serde(default)]
    pub automatic: bool,
}

impl PlaybookRun {
    /// The run's colour follows its steps: a failed step with work still pending after
    /// it means the run is stuck (red); a finished run with failures is orange; a run
    /// waiting on a step (or not finished) is blue; a clean finish is green.
    pub fn colour(&self) -> RunColour {
        let first_open = self
            .steps
            .iter()
            .position(|s| matches!(s.state, StepState::Pending | StepState::Waiting));
        let failed_before_open = self.steps[..first_open.unwrap_or(self.steps.len())]
            .iter()
            .any(|s| s.state == StepState::Failed);
        match first_open {
            Some(i) if i > 0 && self.steps[i - 1].state == StepState::Failed => RunColour::Red,
            Some(_) => RunColour::Blue,
            None if failed_before_open => RunColour::Orange,
            None => RunColour::Green,
        }
    }

    /// Index of the step the run is at (the first not finished), if any.
    pub fn current_step(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| matches!(s.state, StepState::Pending | StepState::Waiting))
    }

    /// When the scheduler has something to do on this run next: the open step's due
    /// time, unless the step waits on a person or on its email, the run is stuck
    /// (a failed step before it) or the run is not automatic.
    pub fn next_due(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        if !self.automatic {
            return None;
        }
        let s = &self.steps[self.current_step()?];
        if s.state != StepState::Waiting || s.assignee.is_some() || s.delivery_id.is_some() {
            return None;
        }
        Some(s.due_at.or(s.at).unwrap_or(self.started_at))
    }

    /// The step waiting on a person, and whom, if the run is at one.
    pub fn waiting_on(&self) -> Option<(usize, &str)> {
        let i = self.current_step()?;
        let s = &self.steps[i];
        (s.state == StepState::Waiting)
            .then_some(())
            .and(s.assignee.as_deref())
            .map(|who| (i, who))
    }

    /// Step `i` ran into an error: it fails with `why`, and the run stops there
    /// until it is retried or skipped.
    pub fn fail(&mut self, i: usize, why: impl Into<String>, now: Timestamp) -> Result<(), String> {
        let step = self.step_mut(i)?;
        if !matches!(step.state, StepState::Pending | StepState::Waiting) {
            return Err(format!("step {} is {}, not open", i + 1, step.state));
        }
        step.state = StepState::Failed;
        step.at = Some(now);
        step.message = why.into();
        step.delivery_id = None;
        Ok(())
    }
}

impl PlaybookRun {
    /// A new run of `playbook` on an account: its first step waits for an action,
    /// the others are pending.
    pub fn start(playbook: &Playbook, account_id: Id, now: Timestamp) -> PlaybookRun {
        let steps = (0..playbook.steps.len())
            .map(|i| StepRun {
                state: if i == 0 {
                    StepState::Waiting
                } else {
                    StepState::Pending
                },
                at: (i == 0).then_some(now),
                ..StepRun::default()
            })
            .collect();
        PlaybookRun {
            id: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            source: Source::Ui,
            external_id: None,
            account_id,
            playbook_id: playbook.id,
            started_at: now,
            steps,
            automatic: true,
        }
    }

    /// Marks step `i` done and opens the next pending one.
    pub fn complete(&mut self, i: usize, now: Timestamp) -> Result<(), String> {
        let step = self.step_mut(i)?;
        if !matches!(step.state, StepState::Pending | StepState::Waiting) {
            return Err(format!("step {} is {}, not open", i + 1, step.state));
        }
        step.state = StepState::Done;
        step.at = Some(now);
        step.message.clear();
        step.delivery_id = None;
        self.open_next(i, now);
        Ok(())
    }

    /// Runs a failed step again: it waits for its action once more.
    pub fn retry(&mut self, i: usize, now: Timestamp) -> Result<(), String> {
        let step = self.step_mut(i)?;
        if step.state != StepState::Failed {
            return Err(format!(
                "step {} is {}: only a failed step is retried",
                i + 1,
                step.state
            ));
        }
        step.state = StepState::Waiting;
        step.at = Some(now);
        step.message = "retried".into();
        step.due_at = None;
        step.delivery_id = None;
        Ok(())
    }

    /// Skips a step that is not done; the next pending one opens.
    pub fn skip(&mut self, i: usize, now: Timestamp) -> Result<(), String> {
        let step = self.step_mut(i)?;
        if matches!(step.state, StepState::Done | StepState::Skipped) {
            return Err(format!("step {} is already {}", i + 1, step.state));
        }
        step.state = StepState::Skipped;
        step.at = Some(now);
        step.message = "skipped".into();
        step.delivery_id = None;
        self.open_next(i, now);
        Ok(())
    }

    /// Whether `next` (this run as a client would write it) changes each step only
    /// as the actions on a run do; the first step that it does not, if any.
    pub fn check_step_moves(&self, next: &PlaybookRun) -> Result<(), StepMoveRefusal> {
        match self
            .steps
            .iter()
            .zip(&next.steps)
            .position(|(a, b)| !a.state.moves_to(b.state))
        {
            Some(step) => Err(StepMoveRefusal {
                step,
                from: self.steps[step].state,
                to: next.steps[step].state,
            }),
            None => Ok(()),
        }
    }

    fn step_mut(&mut self, i: usize) -> Result<&mut StepRun, String> {
        let n = self.steps.len();
        self.steps
            .get_mut(i)
            .ok_or_else(|| format!("step {} does not exist (the run has {n})", i + 1))
    }

    /// After step `i` finished: the first pending step after it waits for its action
    /// unless another step already does.
    fn open_next(&mut self, i: usize, now: Timestamp) {
        if self.steps.iter().any(|s| s.state == StepState::Waiting) {
            return;
        }
        if let Some(next) = self.steps[i + 1..]
            .iter_mut()
            .find(|s| s.state == StepState::Pending)
        {
            next.state = StepState::Waiting;
            next.at = Some(now);
        }
    }
}

/// Moves task `id` to position `index` of the `to` column of a board, and answers
/// the tasks whose status or position changed (what to write). Positions in the
/// column become 1, 2, 3... in their new order.
pub fn move_task(tasks: &[Task], id: Id, to: TaskStatus, index: usize) -> Vec<Task> {
    let Some(moving) = tasks.iter().find(|t| t.id == id) else {
        return vec![];
    };
    let mut column: Vec<&Task> = tasks
        .iter()
        .filter(|t| t.status == to && t.id != id)
        .collect();
    column.sort_by_key(|t| (t.position, t.id));
    column.insert(index.min(column.len()), moving);
    let mut changed = vec![];
    for (k, t) in column.into_iter().enumerate() {
        let position = k as i64 + 1;
        if t.position != position || t.status != to {
            let mut t = t.clone();
            t.position = position;
            t.status = to;
            changed.push(t);
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: Id, status: TaskStatus, position: i64) -> Task {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        Task {
            id,
            version: 1,
            created_at: t,
            updated_at: t,
            source: Source::Ui,
            external_id: None,
            account_id: 1,
            project_id: None,
            title: format!("t{id}"),
            description: String::new(),
            assignee: String::new(),
            due: None,
            status,
            priority: Priority::Normal,
            position,
            kind: TaskKind::Todo,
            alert_id: None,
        }
    }

    #[test]
    fn moving_a_task_renumbers_only_what_changed() {
        use TaskStatus::*;
        let board = [
            task(1, Todo, 1),
            task(2, Todo, 2),
            task(3, Todo, 3),
            task(4, Doing, 1),
        ];
        // Up one place in its column: two tasks swap.
        let moved = move_task(&board, 3, Todo, 1);
        let ids: Vec<(Id, i64)> = moved.iter().map(|t| (t.id, t.position)).collect();
        assert_eq!(ids, vec![(3, 2), (2, 3)]);
        // To the top of the next column.
        let moved = move_task(&board, 1, Doing, 0);
        let ids: Vec<(Id, TaskStatus, i64)> =
            moved.iter().map(|t| (t.id, t.status, t.position)).collect();
        assert_eq!(ids, vec![(1, Doing, 1), (4, Doing, 2)]);
        // Past the end lands last; an unknown task moves nothing.
        assert_eq!(move_task(&board, 4, Todo, 99)[0].position, 4);
        assert!(move_task(&board, 9, Todo, 0).is_empty());
    }

    #[test]
    fn run_steps_advance_retry_and_skip() {
        use StepState::*;
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let mut r = run(&[Waiting, Pending, Pending]);
        r.complete(0, t).unwrap();
        assert_eq!(states(&r), vec![Done, Waiting, Pending]);
        r.steps[1].state = Failed;
        assert_eq!(r.colour(), RunColour::Red);
        assert!(r.complete(1, t).is_err());
        r.retry(1, t).unwrap();
        assert_eq!(r.colour(), RunColour::Blue);
        r.skip(1, t).unwrap();
        assert_eq!(states(&r), vec![Done, Skipped, Waiting]);
        r.complete(2, t).unwrap();
        assert_eq!(r.colour(), RunColour::Green);
        assert!(r.skip(2, t).is_err());
        assert!(r.retry(7, t).is_err());
    }

    fn states(r: &PlaybookRun) -> Vec<StepState> {
        r.steps.iter().map(|s| s.state).collect()
    }

    fn run(states: &[StepState]) -> PlaybookRun {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        PlaybookRun {
            id: 1,
            version: 1,
            created_at: t,
            updated_at: t,
            source: Source::Ui,
            external_id: None,
            account_id: 1,
            playbook_id: 1,
            started_at: t,
            steps: states
                .iter()
                .map(|&state| StepRun {
                    state,
                    ..StepRun::default()
                })
                .collect(),
            automatic: false,
        }
    }

    #[test]
    fn the_scheduler_sees_an_automatic_run_at_its_open_step_unless_a_person_or_an_email_holds_it() {
        use StepState::*;
        let t = |s: i64| chrono::DateTime::from_timestamp(s, 0).unwrap_or_default();
        let mut r = run(&[Waiting, Pending, Pending]);
        r.steps[0].at = Some(t(100));
        assert_eq!(r.next_due(), None, "a run advanced by hand");
        r.automatic = true;
        assert_eq!(r.next_due(), Some(t(100)), "due as soon as it opened");
        r.steps[0].due_at = Some(t(500));
        assert_eq!(r.next_due(), Some(t(500)), "a wait's end");
        r.steps[0].delivery_id = Some(7);
        assert_eq!(r.next_due(), None, "its email is on its way");
        r.steps[0].delivery_id = None;
        r.steps[0].assignee = Some("maya".into());
        assert_eq!(r.next_due(), None, "a person's step");
        assert_eq!(r.waiting_on(), Some((0, "maya")));
        r.complete(0, t(600)).unwrap();
        assert_eq!(r.waiting_on(), None);
        assert_eq!(r.next_due(), Some(t(600)), "the next step opened");
        r.fail(1, "no champion to email", t(700)).unwrap();
        assert_eq!(r.colour(), RunColour::Red);
        assert_eq!(r.next_due(), None, "stuck until retried or skipped");
        assert!(
            r.fail(1, "again", t(800)).is_err(),
            "a failed step is not open"
        );
        r.retry(1, t(900)).unwrap();
        assert_eq!(r.next_due(), Some(t(900)));
    }

    #[test]
    fn colours_follow_steps() {
        use StepState::*;
        assert_eq!(run(&[Done, Done]).colour(), RunColour::Green);
        assert_eq!(run(&[Done, Skipped]).colour(), RunColour::Green);
        assert_eq!(run(&[Done, Waiting, Pending]).colour(), RunColour::Blue);
        assert_eq!(run(&[Failed, Done]).colour(), RunColour::Orange);
        assert_eq!(run(&[Done, Failed, Pending]).colour(), RunColour::Red);
        assert_eq!(run(&[Done, Failed, Waiting]).colour(), RunColour::Red);
        assert_eq!(run(&[Failed, Done, Waiting]).colour(), RunColour::Blue);
    }

    #[test]
    fn every_action_on_a_run_is_a_move_the_rule_allows_and_no_other_is() {
        use StepState::*;
        let all = [Pending, Waiting, Done, Failed, Skipped];
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        // Each action from each state of the middle step (with an open step after
        // it): what it changes the rule allows.
        for from in all {
            for act in 0..3 {
                let before = run(&[Done, from, Pending]);
                let mut after = before.clone();
                let done = match act {
                    0 => after.complete(1, t),
                    1 => after.retry(1, t),
                    _ => after.skip(1, t),
                };
                if done.is_ok() {
                    assert_eq!(before.check_step_moves(&after), Ok(()), "{from} {act}");
                }
            }
        }
        // Reopening, completing a failed step, going back to pending: refused.
        for (from, to) in [
            (Done, Waiting),
            (Done, Pending),
            (Skipped, Waiting),
            (Failed, Done),
            (Waiting, Pending),
        ] {
            assert!(!from.moves_to(to), "{from} -> {to}");
            assert_eq!(
                run(&[Done, from]).check_step_moves(&run(&[Done, to])),
                Err(StepMoveRefusal { step: 1, from, to })
            );
        }
        assert!(all.iter().all(|s| s.moves_to(*s)));
    }
}
