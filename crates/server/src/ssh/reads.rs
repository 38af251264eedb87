//! The backend an SSH session's app runs over: what any role may read is read
//! from the store in this process, and everything else (every write, and what
//! only some roles may read) goes through the API on loopback with the
//! session's token, so the API's role checks, rate limit and change log stay
//! the one place that decides them.
//!
//! Why the split: moving the selection reads the account's 360, its health and
//! its timeline, some 150 KB of JSON written by the server and read back by the
//! same process for every account passed. Read in place, those cost the store's
//! work only, which is what lets fifty sessions share two cores. The reads taken
//! here are the ones the API answers to any signed-in caller without a check
//! (routes.rs: a `_: Caller`); `@me` in a filter is the session's user, as the
//! API makes it for a token that is not an admin's.

use std::sync::Arc;

use async_trait::async_trait;

use crate::auth::Caller;
use tend_backend::sqlite::Store;
use tend_backend::*;
use tend_domain::*;
use tend_engines::dataset::{Dataset, ImportReport};

/// See the module's text.
pub struct SessionBackend {
    store: Store,
    api: Arc<dyn Backend>,
    caller: Caller,
}

impl SessionBackend {
    /// Reads from `store`, the rest through `api` (the API with the session's
    /// token), for `caller` (the key's user and role).
    pub fn new(store: Store, api: Arc<dyn Backend>, caller: Caller) -> SessionBackend {
        SessionBackend { store, api, caller }
    }
}

#[async_trait]
impl Backend for SessionBackend {
    async fn portfolio(&self, query: &PortfolioQuery) -> Result<Page<AccountRow>> {
        let mut query = query.clone();
        query.filter.me = Some(self.caller.me(query.filter.me.take()));
        self.store.portfolio(&query).await
    }
    async fn account(&self, id: Id) -> Result<Account360> {
        self.store.account(id).await
    }
    async fn interactions(&self, query: &InteractionQuery) -> Result<Page<Interaction>> {
        self.store.interactions(query).await
    }
    async fn usage(&self, account: Id, query: &UsageQuery) -> Result<Vec<UsageBucket>> {
        self.store.usage(account, query).await
    }
    async fn usage_breakdown(
        &self,
        account: Id,
        query: &UsageBreakdownQuery,
    ) -> Result<Vec<UsageShare>> {
        self.store.usage_breakdown(account, query).await
    }
    async fn agreements(
        &self,
        account: Id,
        status: Option<AgreementStatus>,
    ) -> Result<Vec<Agreement>> {
        self.store.agreements(account, status).await
    }
    async fn tasks(&self, query: &TaskQuery) -> Result<Vec<Task>> {
        self.store.tasks(query).await
    }
    async fn cases(&self, query: &CaseQuery) -> Result<Page<CaseRow>> {
        let mut query = query.clone();
        query.account.me = Some(self.caller.me(query.account.me.take()));
        self.store.cases(&query).await
    }
    async fn alerts(&self, query: &AlertQuery) -> Result<Page<Alert>> {
        self.store.alerts(query).await
    }
    async fn dashboard(&self) -> Result<Dashboard> {
        self.store.dashboard().await
    }
    async fn playbooks(&self) -> Result<Vec<Playbook>> {
        self.store.playbooks().await
    }
    async fn change_log(&self, account: Id, page: PageRequest) -> Result<Page<ChangeLogEntry>> {
        self.store.change_log(account, page).await
    }
    async fn health(&self, account: Id) -> Result<HealthReport> {
        self.store.health(account).await
    }
    async fn timeline(&self, account: Id) -> Result<Vec<tend_engines::timeline::TimelineEvent>> {
        self.store.timeline(account).await
    }
    async fn recompute_health(&self, account: Option<Id>) -> Result<RecomputeReport> {
        self.api.recompute_health(account).await
    }
    async fn get(&self, kind: EntityKind, id: Id) -> Result<Record> {
        self.store.get(kind, id).await
    }
    async fn create(&self, actor: Actor<'_>, record: Record) -> Result<Record> {
        self.api.create(actor, record).await
    }
    async fn update(&self, actor: Actor<'_>, record: Record) -> Result<Record> {
        self.api.update(actor, record).await
    }
    async fn delete(&self, actor: Actor<'_>, kind: EntityKind, id: Id, version: i64) -> Result<()> {
        self.api.delete(actor, kind, id, version).await
    }
    async fn apply(&self, actor: Actor<'_>, writes: Vec<Write>) -> Result<Vec<Option<Record>>> {
        self.api.apply(actor, writes).await
    }
    async fn record_usage(&self, rows: Vec<UsageDay>) -> Result<u64> {
        self.api.record_usage(rows).await
    }
    async fn import(&self, dataset: Dataset) -> Result<ImportReport> {
        self.api.import(dataset).await
    }
    async fn export(&self) -> Result<Dataset> {
        self.api.export().await
    }
    async fn summary(&self, account: Id) -> Result<summary::AccountSummary> {
        self.store.summary(account).await
    }
    async fn health_profiles(&self) -> Result<api::HealthProfiles> {
        // An admin's only: the API says so to anyone else.
        self.api.health_profiles().await
    }
    async fn set_health_profiles(
        &self,
        actor: Actor<'_>,
        profiles: api::HealthProfiles,
    ) -> Result<api::HealthProfiles> {
        self.api.set_health_profiles(actor, profiles).await
    }
    async fn account_rules(&self) -> Result<AccountRules> {
        self.store.account_rules().await
    }
    async fn summary_settings(&self) -> Result<summary::Settings> {
        self.store.summary_settings().await
    }
    async fn set_summary_settings(
        &self,
        actor: Actor<'_>,
        settings: summary::Settings,
    ) -> Result<summary::Settings> {
        self.api.set_summary_settings(actor, settings).await
    }
    async fn send_email(
        &self,
        actor: Actor<'_>,
        email: outbound::OutgoingEmail,
    ) -> Result<outbound::Delivery> {
        self.api.send_email(actor, email).await
    }
    async fn deliveries(&self, query: &outbound::DeliveryQuery) -> Result<Vec<outbound::Delivery>> {
        self.store.deliveries(query).await
    }
    async fn retry_delivery(&self, actor: Actor<'_>, id: Id) -> Result<outbound::Delivery> {
        self.api.retry_delivery(actor, id).await
    }
    async fn tick(&self) -> Result<outbound::TickReport> {
        self.api.tick().await
    }
    async fn my_work(&self, user: &str) -> Result<Vec<outbound::WorkItem>> {
        self.store.my_work(user).await
    }
    async fn put_file(&self, name: &str, bytes: Vec<u8>) -> Result<DocumentFile> {
        self.api.put_file(name, bytes).await
    }
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
        self.store.read_file(sha256).await
    }
    async fn ping(&self) -> Result<()> {
        self.api.ping().await
    }
    async fn stale(&self) -> Result<bool> {
        self.api.stale().await
    }
    async fn catch_up(&self) -> Result<()> {
        self.api.catch_up().await
    }
    fn watch(&self) -> Option<tokio::sync::mpsc::Receiver<ChangeLogEntry>> {
        self.api.watch()
    }
    fn runs_own_rounds(&self) -> bool {
        true
    }
}
