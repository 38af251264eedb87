//! Sending out: email over SMTP and webhooks.

pub mod smtp;
pub mod webhook;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use tend_domain::{HealthStatus, Id, Task};

use crate::view::AccountBrief;

/// Where outgoing mail and notifications go, and how hard to try.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// The SMTP server; none: emails wait in the outbox until one is configured.
    pub smtp: Option<smtp::SmtpSettings>,
    /// The sender of emails, "Maya Lin <maya@example.com>".
    pub from: String,
    /// Appended to every email below "-- ".
    pub signature: String,
    /// Attempts before a delivery gives up (0: [`DEFAULT_MAX_ATTEMPTS`]).
    pub max_attempts: u32,
    /// The wait before the first retry, doubled after each failure up to an hour
    /// (0: [`DEFAULT_BACKOFF_SECS`]).
    pub backoff_secs: u64,
    /// Incoming emails unanswered for this many days are in My work (0: 3).
    pub unanswered_days: u32,
    pub notify: NotifySettings,
}

pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
pub const DEFAULT_BACKOFF_SECS: u64 = 30;
/// A delivery claimed this long ago without an outcome was cut off (a crash).
pub const LEASE_SECS: i64 = 120;

impl Settings {
    pub fn max_attempts(&self) -> u32 {
        if self.max_attempts == 0 {
            DEFAULT_MAX_ATTEMPTS
        } else {
            self.max_attempts
        }
    }

    /// How long to wait after the `attempts`-th failed attempt.
    pub fn backoff(&self, attempts: u32) -> TimeDelta {
        let base = if self.backoff_secs == 0 {
            DEFAULT_BACKOFF_SECS
        } else {
            self.backoff_secs
        };
        let secs = base.saturating_mul(1 << attempts.saturating_sub(1).min(16));
        TimeDelta::seconds(secs.min(3600) as i64)
    }

    pub fn unanswered_days(&self) -> u32 {
        if self.unanswered_days == 0 {
            3
        } else {
            self.unanswered_days
        }
    }

    /// The body as sent: the text, then the signature after the "-- " line.
    pub fn signed(&self, body: &str) -> String {
        let body = body.trim_end();
        if self.signature.trim().is_empty() {
            format!("{body}\n")
        } else {
            format!("{body}\n\n-- \n{}\n", self.signature.trim_end())
        }
    }

    /// The domain of the Message-IDs this tend makes: the sender's.
    pub fn message_domain(&self) -> String {
        address(&self.from)
            .rsplit_once('@')
            .map(|(_, d)| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "tend.invalid".into())
    }
}

/// Notification rules and the channels they send to.
#[derive(Clone, Debug, Default)]
pub struct NotifySettings {
    pub rules: Vec<Rule>,
    pub channels: Vec<Channel>,
}

/// When to notify, and whom.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub on: Trigger,
    /// Channel names.
    pub channels: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// A health transition; empty lists match any status.
    HealthTransition {
        from: Vec<HealthStatus>,
        to: Vec<HealthStatus>,
    },
    /// An alert raised by a rule (its name: "usage_drop", "escalation"...; "*": any).
    Alert { rule: String },
    /// A playbook run turned red (stuck at a failed step).
    RunRed,
    /// An active contract's renewal notice date within this many days.
    Renewal { within_days: u32 },
}

impl Trigger {
    pub fn name(&self) -> &'static str {
        match self {
            Trigger::HealthTransition { .. } => "health_transition",
            Trigger::Alert { .. } => "alert",
            Trigger::RunRed => "run_red",
            Trigger::Renewal { .. } => "renewal",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Channel {
    pub name: String,
    pub kind: ChannelKind,
}

#[derive(Clone, Debug)]
pub enum ChannelKind {
    Webhook(webhook::Webhook),
    /// Emails to these addresses (the team's, not the customer's).
    Email {
        to: Vec<String>,
    },
}

/// What a delivery carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Payload {
    Email {
        email: smtp::Email,
        /// Logged as an outgoing interaction of the account once sent (customer
        /// email, not a notification to the team).
        log: Option<EmailLog>,
    },
    Notice {
        channel: String,
        notice: webhook::Notice,
    },
}

/// How a sent email is kept on its account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailLog {
    pub account_id: Id,
    pub contact_ids: Vec<Id>,
    pub user: String,
    /// The incoming email it answers: marked answered once this one is sent.
    pub reply_to: Option<Id>,
    /// The playbook run and step that sends it: the step completes once sent.
    pub run: Option<(Id, usize)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryKind {
    Email,
    Webhook,
}
tend_domain::named_enum!(DeliveryKind { Email => "email", Webhook => "webhook" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Queued,
    /// Being sent now.
    Sending,
    Sent,
    /// Gave up: refused for good, or out of attempts. Retried by hand.
    Failed,
    /// Cut off between sending and recording (a crash): it may have gone out.
    /// An email in this state is not sent again by itself (a customer never gets
    /// it twice); check and retry it by hand. Notifications are retried.
    Unknown,
    /// Not sent: the playbook step that queued it was completed or skipped by
    /// hand before it went out.
    Cancelled,
}
tend_domain::named_enum!(DeliveryState {
    Queued => "queued",
    Sending => "sending",
    Sent => "sent",
    Failed => "failed",
    Unknown => "unknown",
    Cancelled => "cancelled",
});

/// An email or notification on its way or delivered, with its attempts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Delivery {
    pub id: Id,
    pub kind: DeliveryKind,
    /// The idempotency key: one delivery per key, sent with it (Idempotency-Key
    /// header, Message-ID) so a receiver can tell a retry from a new message.
    pub key: String,
    /// "smtp", or the notification channel's name.
    pub channel: String,
    pub account_id: Option<Id>,
    /// What made it: "email", "playbook_run 12 step 1", "health_transition alert 7"...
    pub origin: String,
    /// One line: "To ana@acme.com: Welcome aboard".
    pub summary: String,
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: String,
    /// Who queued it.
    pub actor: String,
    /// Each attempt, oldest first.
    pub log: Vec<DeliveryAttempt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryAttempt {
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub detail: String,
}

/// Which deliveries to list (newest first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    #[serde(default)]
    pub state: Option<DeliveryState>,
    #[serde(default)]
    pub kind: Option<DeliveryKind>,
    #[serde(default)]
    pub account: Option<Id>,
    /// At most this many (0: 100; at most 1,000).
    #[serde(default)]
    pub limit: u32,
}

/// An email to send from the app or the command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutgoingEmail {
    pub account_id: Id,
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub subject: String,
    /// Without the signature (added from the settings).
    pub body: String,
    /// The incoming email interaction this replies to.
    #[serde(default)]
    pub in_reply_to: Option<Id>,
}

/// What one tick of the scheduler did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TickReport {
    /// Runs that had a step due.
    pub runs_due: u32,
    /// Steps that ran (completed, failed or started waiting).
    pub steps_run: u32,
    /// Notifications queued.
    pub notifications: u32,
    /// Deliveries sent, failed for good and to be retried.
    pub sent: u32,
    pub failed: u32,
    pub retrying: u32,
    /// Deliveries still queued (e.g. no SMTP server configured).
    pub queued: u32,
}

/// What kind of thing waits on someone in My work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// A playbook step waiting on a person.
    Step,
    /// A task due or overdue.
    Task,
    /// An open alert on an account of mine.
    Alert,
    /// An incoming email unanswered for days.
    Email,
}
tend_domain::named_enum!(WorkKind { Step => "step", Task => "task", Alert => "alert", Email => "email" });

/// One thing that waits on a user, across accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WorkItem {
    pub kind: WorkKind,
    pub account: AccountBrief,
    pub title: String,
    pub detail: String,
    /// Since when it waits (the step opened, the alert was raised, the email came).
    pub since: DateTime<Utc>,
    /// When it is due (tasks).
    pub due: Option<chrono::NaiveDate>,
    pub overdue: bool,
    /// The record to open or complete: the run, task, alert or interaction.
    pub record_kind: tend_domain::EntityKind,
    pub record_id: Id,
    /// The step, for a playbook step.
    pub step: Option<usize>,
    /// The task itself, for a task (to complete, snooze or reassign it).
    pub task: Option<Task>,
}

/// "Name <address>", the name quoted when it needs to be.
pub fn mailbox(name: &str, address: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        address.to_string()
    } else if name
        .chars()
        .all(|c| c.is_alphanumeric() || " -'".contains(c))
    {
        format!("{name} <{address}>")
    } else {
        format!("\"{}\" <{address}>", name.replace(['"', '\\'], ""))
    }
}

/// "Re: " before a subject that has none yet.
pub fn reply_subject(subject: &str) -> String {
    let s = subject.trim();
    if s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("re:")) {
        s.to_string()
    } else {
        format!("Re: {s}")
    }
}

/// The original under a reply: "On 22 Nov 2026 at 11:04, Sami Bianchi wrote:" and
/// its lines after "> ".
pub fn quote(original: &tend_domain::Interaction, sender: &str) -> String {
    let quoted: String = original
        .body
        .lines()
        .map(|l| {
            if l.is_empty() {
                ">\n".to_string()
            } else {
                format!("> {l}\n")
            }
        })
        .collect();
    format!(
        "On {}, {sender} wrote:\n{quoted}",
        original.at.format("%-d %b %Y at %H:%M")
    )
}

/// The address inside "Name <address>" (or the whole of a bare address).
pub fn address(mailbox: &str) -> &str {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(a), Some(b)) if a < b => mailbox[a + 1..b].trim(),
        _ => mailbox.trim(),
    }
}
