//! The one trait every front end talks to, and its two adapters: the embedded
//! SQLite store (`sqlite`) and the team server's HTTP API (`remote`, with the wire
//! types both sides share in `api`).

pub mod ai;
pub mod api;
pub mod db;
pub mod files;
pub mod outbound;
pub mod postgres;
pub mod remote;
pub mod sqlite;
pub mod summary;
pub mod sync;

mod error;
mod grouping;
mod query;
mod usage;
mod view;

pub use error::{Error, Result};
pub use grouping::{Group, GroupBy, group};
pub use query::*;
pub use usage::*;
pub use view::*;

use async_trait::async_trait;

use tend_domain::*;
use tend_engines::dataset::{Dataset, ImportReport};

/// Who is writing: recorded in the change log.
pub type Actor<'a> = &'a str;

/// The store of accounts, behind which sit the embedded SQLite store and the team
/// server's HTTP API. Every write runs in one transaction and lands in the change log;
/// updates and deletes carry the version they were based on and are refused with
/// [`Error::Conflict`] when it is stale.
#[async_trait]
pub trait Backend: Send + Sync {
    /// One page of the portfolio.
    async fn portfolio(&self, query: &PortfolioQuery) -> Result<Page<AccountRow>>;
    /// Everything the account tabs need.
    async fn account(&self, id: Id) -> Result<Account360>;
    /// Interactions of one account (or of all), newest first; full-text when `text` is set.
    async fn interactions(&self, query: &InteractionQuery) -> Result<Page<Interaction>>;
    /// Usage of one account in buckets.
    async fn usage(&self, account: Id, query: &UsageQuery) -> Result<Vec<UsageBucket>>;
    /// Usage of one account per user (its product users) or per feature over a
    /// range of days, busiest first.
    async fn usage_breakdown(
        &self,
        account: Id,
        query: &UsageBreakdownQuery,
    ) -> Result<Vec<UsageShare>>;
    /// Agreements of one account, newest start first.
    async fn agreements(
        &self,
        account: Id,
        status: Option<AgreementStatus>,
    ) -> Result<Vec<Agreement>>;
    /// Tasks by status, assignee, project, account.
    async fn tasks(&self, query: &TaskQuery) -> Result<Vec<Task>>;
    /// Support cases across accounts.
    async fn cases(&self, query: &CaseQuery) -> Result<Page<CaseRow>>;
    /// Alerts across accounts or of one, newest first. Asked for open alerts, it
    /// answers the snoozed ones whose `snoozed_until` has passed too.
    async fn alerts(&self, query: &AlertQuery) -> Result<Page<Alert>>;
    /// The portfolio at a glance: accounts and MRR per health status, this week's
    /// transitions, renewals coming up, MRR at risk, the most common drags.
    async fn dashboard(&self) -> Result<Dashboard>;
    /// Every playbook that can be run.
    async fn playbooks(&self) -> Result<Vec<Playbook>>;
    /// The change history of one account (its records included), newest first.
    async fn change_log(&self, account: Id, page: PageRequest) -> Result<Page<ChangeLogEntry>>;

    /// One account's explained health score, its profile and its history.
    async fn health(&self, account: Id) -> Result<HealthReport>;
    /// One account's key events (escalations, health transitions, churn-risk
    /// changes, renewals, big sentiment drops), newest first.
    async fn timeline(&self, account: Id) -> Result<Vec<tend_engines::timeline::TimelineEvent>>;
    /// Rescores one account, or all of them.
    async fn recompute_health(&self, account: Option<Id>) -> Result<RecomputeReport>;

    /// One record by kind and id.
    async fn get(&self, kind: EntityKind, id: Id) -> Result<Record>;
    /// Creates a record; the store assigns id, version 1 and times.
    async fn create(&self, actor: Actor<'_>, record: Record) -> Result<Record>;
    /// Replaces a record whose version matches the stored one; returns it at its new version.
    async fn update(&self, actor: Actor<'_>, record: Record) -> Result<Record>;
    /// Deletes a record whose version matches the stored one (an account takes its records with it).
    async fn delete(&self, actor: Actor<'_>, kind: EntityKind, id: Id, version: i64) -> Result<()>;
    /// Applies several writes in one transaction, in order: all of them or none.
    /// Answers each write's record (None for a delete).
    async fn apply(&self, actor: Actor<'_>, writes: Vec<Write>) -> Result<Vec<Option<Record>>>;
    /// Appends product usage rows (facts, not records: no versions, no change log).
    async fn record_usage(&self, rows: Vec<UsageDay>) -> Result<u64>;

    /// Loads a whole dataset after validating all of it; nothing is written unless all is valid.
    async fn import(&self, dataset: Dataset) -> Result<ImportReport>;
    /// Everything in the store, in the dataset format.
    async fn export(&self) -> Result<Dataset>;

    /// The account's summary as of now, with the team's summary settings.
    async fn summary(&self, account: Id) -> Result<summary::AccountSummary>;
    /// The health profiles in force and the TOML an admin gave (an admin's,
    /// over the server).
    async fn health_profiles(&self) -> Result<api::HealthProfiles>;
    /// Replaces the health profiles (an admin's, over the server): every
    /// account is rescored with them; profiles that do not parse are refused.
    async fn set_health_profiles(
        &self,
        actor: Actor<'_>,
        profiles: api::HealthProfiles,
    ) -> Result<api::HealthProfiles>;
    /// The organisation's custom account fields and churn reasons, which every
    /// write to an account is held to.
    async fn account_rules(&self) -> Result<AccountRules>;
    /// The team's summary settings: which sections show, in which order.
    async fn summary_settings(&self) -> Result<summary::Settings>;
    /// Replaces the team's summary settings (an admin's, over the server).
    async fn set_summary_settings(
        &self,
        actor: Actor<'_>,
        settings: summary::Settings,
    ) -> Result<summary::Settings>;

    /// Whether the backend can be reached now (one quick try, no retries). An
    /// embedded store always can.
    /// Queues an email to a customer: sent by the next [`Backend::tick`], logged on
    /// its account once sent (a reply marks the email it answers answered).
    async fn send_email(
        &self,
        actor: Actor<'_>,
        email: outbound::OutgoingEmail,
    ) -> Result<outbound::Delivery>;
    /// The outbox and the delivery log: emails and notifications, newest first.
    async fn deliveries(&self, query: &outbound::DeliveryQuery) -> Result<Vec<outbound::Delivery>>;
    /// Queues a failed (or possibly unsent) delivery again.
    async fn retry_delivery(&self, actor: Actor<'_>, id: Id) -> Result<outbound::Delivery>;
    /// One round of the scheduler: due playbook steps run, notifications are
    /// queued, due deliveries are sent.
    async fn tick(&self) -> Result<outbound::TickReport>;
    /// What waits on `user` across accounts, most urgent first.
    async fn my_work(&self, user: &str) -> Result<Vec<outbound::WorkItem>>;

    /// Keeps a file's bytes in the store's file store under their SHA-256 (the
    /// same bytes twice are kept once) and answers what a document records of
    /// it, to be set as its `file`. A name with folders in it, and a file over
    /// [`MAX_FILE_BYTES`], are refused.
    async fn put_file(&self, name: &str, bytes: Vec<u8>) -> Result<DocumentFile>;
    /// The bytes of a kept file, by their SHA-256; [`Error::FileNotFound`] when
    /// the store keeps none with it, [`Error::Invalid`] for a text that is not a
    /// SHA-256.
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>>;
    async fn ping(&self) -> Result<()> {
        Ok(())
    }

    /// Whether the scores (and the values derived from the date) are behind
    /// today: a store opened on a new day before [`Backend::catch_up`]. A team
    /// server keeps its own up to date.
    async fn stale(&self) -> Result<bool> {
        Ok(false)
    }

    /// Brings the scores to today (every account rescored), reads answering
    /// meanwhile with the scores as they were.
    async fn catch_up(&self) -> Result<()> {
        Ok(())
    }

    /// Whether the backend runs the scheduler's rounds itself (a team server
    /// does, every `[server] tick_secs`): an app over it then runs none of its
    /// own on a timer, only the one it asks for after queueing an email.
    fn runs_own_rounds(&self) -> bool {
        false
    }

    /// The store's changes as they are written by anyone, when the backend can
    /// tell them (a team server's change feed, followed until the receiver is
    /// dropped); None when it cannot.
    fn watch(&self) -> Option<tokio::sync::mpsc::Receiver<ChangeLogEntry>> {
        None
    }
}
