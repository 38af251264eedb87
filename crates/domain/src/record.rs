//! The entity kinds and the `Record` envelope that generic writes carry.

use serde::{Deserialize, Serialize};

use super::*;

/// Every kind of editable record the store keeps.
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
pub enum EntityKind {
    Account,
    Contact,
    Interaction,
    SupportCase,
    Agreement,
    Opportunity,
    Project,
    Task,
    Playbook,
    PlaybookRun,
    NpsResponse,
    Document,
    Alert,
    Summary,
    SuccessPlan,
    Objective,
    Kpi,
    BusinessChallenge,
    Invoice,
    Payment,
}

crate::named_enum!(EntityKind {
    Account => "account",
    Contact => "contact",
    Interaction => "interaction",
    SupportCase => "support_case",
    Agreement => "agreement",
    Opportunity => "opportunity",
    Project => "project",
    Task => "task",
    Playbook => "playbook",
    PlaybookRun => "playbook_run",
    NpsResponse => "nps_response",
    Document => "document",
    Alert => "alert",
    Summary => "summary",
    SuccessPlan => "success_plan",
    Objective => "objective",
    Kpi => "kpi",
    BusinessChallenge => "business_challenge",
    Invoice => "invoice",
    Payment => "payment",
});

/// Bookkeeping every record shares.
pub trait RecordMeta {
    const KIND: EntityKind;
    fn id(&self) -> Id;
    fn set_id(&mut self, id: Id);
    fn version(&self) -> i64;
    fn set_version(&mut self, version: i64);
    fn created_at(&self) -> Timestamp;
    fn set_times(&mut self, created_at: Timestamp, updated_at: Timestamp);
    /// The account the record belongs to (None for account-less records such as playbooks).
    fn account_id(&self) -> Option<Id>;
}

/// Implements [`RecordMeta`] for a struct with the standard bookkeeping fields.
macro_rules! record_meta {
    ($ty:ident, $kind:ident, account: $acc:expr) => {
        impl RecordMeta for $ty {
            const KIND: EntityKind = EntityKind::$kind;
            fn id(&self) -> Id {
                self.id
            }
            fn set_id(&mut self, id: Id) {
                self.id = id;
            }
            fn version(&self) -> i64 {
                self.version
            }
            fn set_version(&mut self, version: i64) {
                self.version = version;
            }
            fn created_at(&self) -> Timestamp {
                self.created_at
            }
            fn set_times(&mut self, created_at: Timestamp, updated_at: Timestamp) {
                self.created_at = created_at;
                self.updated_at = updated_at;
            }
            fn account_id(&self) -> Option<Id> {
                #[allow(clippy::redundant_closure_call)]
                ($acc)(self)
            }
        }
    };
}

record_meta!(Account, Account, account: |a: &Account| Some(a.id));
record_meta!(Contact, Contact, account: |r: &Contact| Some(r.account_id));
record_meta!(Interaction, Interaction, account: |r: &Interaction| Some(r.account_id));
record_meta!(SupportCase, SupportCase, account: |r: &SupportCase| Some(r.account_id));
record_meta!(Agreement, Agreement, account: |r: &Agreement| Some(r.account_id));
record_meta!(Opportunity, Opportunity, account: |r: &Opportunity| Some(r.account_id));
record_meta!(Project, Project, account: |r: &Project| Some(r.account_id));
record_meta!(Task, Task, account: |r: &Task| Some(r.account_id));
record_meta!(Playbook, Playbook, account: |_: &Playbook| None);
record_meta!(PlaybookRun, PlaybookRun, account: |r: &PlaybookRun| Some(r.account_id));
record_meta!(NpsResponse, NpsResponse, account: |r: &NpsResponse| Some(r.account_id));
record_meta!(Document, Document, account: |r: &Document| Some(r.account_id));
record_meta!(Alert, Alert, account: |r: &Alert| Some(r.account_id));
record_meta!(Summary, Summary, account: |r: &Summary| Some(r.account_id));
record_meta!(SuccessPlan, SuccessPlan, account: |r: &SuccessPlan| Some(r.account_id));
record_meta!(Objective, Objective, account: |r: &Objective| Some(r.account_id));
record_meta!(Kpi, Kpi, account: |r: &Kpi| Some(r.account_id));
record_meta!(BusinessChallenge, BusinessChallenge, account: |r: &BusinessChallenge| Some(r.account_id));
record_meta!(Invoice, Invoice, account: |r: &Invoice| Some(r.account_id));
record_meta!(Payment, Payment, account: |r: &Payment| Some(r.account_id));

/// Any editable record, tagged by kind: what generic create/update carry.
// Records travel by value one at a time; boxing each variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(
    tag = "kind",
    content = "record",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum Record {
    Account(Account),
    Contact(Contact),
    Interaction(Interaction),
    SupportCase(SupportCase),
    Agreement(Agreement),
    Opportunity(Opportunity),
    Project(Project),
    Task(Task),
    Playbook(Playbook),
    PlaybookRun(PlaybookRun),
    NpsResponse(NpsResponse),
    Document(Document),
    Alert(Alert),
    Summary(Summary),
    SuccessPlan(SuccessPlan),
    Objective(Objective),
    Kpi(Kpi),
    BusinessChallenge(BusinessChallenge),
    Invoice(Invoice),
    Payment(Payment),
}

/// Applies `$body` to the record inside any `Record` variant.
#[macro_export]
macro_rules! with_record {
    ($rec:expr, $r:ident => $body:expr) => {
        match $rec {
            $crate::Record::Account($r) => $body,
            $crate::Record::Contact($r) => $body,
            $crate::Record::Interaction($r) => $body,
            $crate::Record::SupportCase($r) => $body,
            $crate::Record::Agreement($r) => $body,
            $crate::Record::Opportunity($r) => $body,
            $crate::Record::Project($r) => $body,
            $crate::Record::Task($r) => $body,
            $crate::Record::Playbook($r) => $body,
            $crate::Record::PlaybookRun($r) => $body,
            $crate::Record::NpsResponse($r) => $body,
            $crate::Record::Document($r) => $body,
            $crate::Record::Alert($r) => $body,
            $crate::Record::Summary($r) => $body,
            $crate::Record::SuccessPlan($r) => $body,
            $crate::Record::Objective($r) => $body,
            $crate::Record::Kpi($r) => $body,
            $crate::Record::BusinessChallenge($r) => $body,
            $crate::Record::Invoice($r) => $body,
            $crate::Record::Payment($r) => $body,
        }
    };
}

impl Record {
    pub fn kind(&self) -> EntityKind {
        fn k<T: RecordMeta>(_: &T) -> EntityKind {
            T::KIND
        }
        with_record!(self, r => k(r))
    }
    pub fn id(&self) -> Id {
        with_record!(self, r => r.id())
    }
    pub fn version(&self) -> i64 {
        with_record!(self, r => r.version())
    }
    pub fn account_id(&self) -> Option<Id> {
        with_record!(self, r => r.account_id())
    }
}

/// One entry of the change log: who changed which field of which record, from what to what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeLogEntry {
    pub id: Id,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor: String,
    pub entity: EntityKind,
    pub record_id: Id,
    pub account_id: Option<Id>,
    pub action: ChangeAction,
    /// The field changed (None for whole-record creates and deletes).
    pub field: Option<String>,
    /// Absent when there is no old value; `null` when the old value was null.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub from: Option<serde_json::Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub to: Option<serde_json::Value>,
}

/// A present field is Some, even when it is `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    Create,
    Update,
    Delete,
}

crate::named_enum!(ChangeAction { Create => "create", Update => "update", Delete => "delete" });
