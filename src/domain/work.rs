//! Tasks, projects, playbooks and their runs.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::account::first_version;
use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Todo,
    Doing,
    Done,
}

crate::named_enum!(TaskStatus { Todo => "todo", Doing => "doing", Done => "done" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Active,
    Completed,
}

crate::named_enum!(ProjectStatus { Active => "active", Completed => "completed" });

/// A group of tasks with a customer (onboarding, QBR preparation, migration...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
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
}

/// What a playbook step does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepAction {
    /// Send an email to contacts with a role (e.g. the champion).
    SendEmail { to_role: String, subject: String },
    /// Create a task for the owner.
    CreateTask { title: String, due_in_days: u32 },
    /// Wait a number of days.
    Wait { days: u32 },
    /// Check a condition on the account before going on.
    Check { condition: String },
}

/// One step of a playbook. (Unknown fields are refused by `StepAction`: serde's
/// `deny_unknown_fields` does not work through `flatten`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookStep {
    pub name: String,
    #[serde(flatten)]
    pub action: StepAction,
}

/// A named list of steps that can be run on an account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub steps: Vec<PlaybookStep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not reached yet.
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

/// The state of one step in a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRun {
    pub state: StepState,
    #[serde(default)]
    pub at: Option<Timestamp>,
    /// What happened (the error, for a failed step).
    #[serde(default)]
    pub message: String,
}

/// The overall colour of a playbook run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaybookRun {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    pub playbook_id: Id,
    pub started_at: Timestamp,
    /// One entry per step of the playbook, in order.
    pub steps: Vec<StepRun>,
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
                    at: None,
                    message: String::new(),
                })
                .collect(),
        }
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
}
