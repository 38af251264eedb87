//! Versioned schema migrations, tracked in SQLite's `user_version`.
//!
//! A store made by an older tend is upgraded in place, one migration per version,
//! each in its own transaction. A store made by a newer tend is refused: this build
//! cannot know what the newer schema means.

use rusqlite::Connection;

use crate::{Error, Result};

/// The SQL of each schema version, in order: index 0 upgrades version 0 to 1.
pub(crate) const MIGRATIONS: &[&str] = &[
    V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12, V13, V14, V15, V16, V17,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the store up to [`SCHEMA_VERSION`], or refuses a newer one.
pub(crate) fn migrate(conn: &mut Connection, path: &str) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

/// Refuses a store written by a newer tend (before anything touches it).
pub(crate) fn refuse_newer(conn: &Connection, path: &str) -> Result<()> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| Error::storage(format!("{path} is not a tend store: {e}")))?;
    if current > SCHEMA_VERSION {
        return Err(Error::Storage {
            message: format!(
                "the store {path} has schema version {current}, but this tend only knows versions up to {SCHEMA_VERSION}; it was written by a newer tend: upgrade tend to open it"
            ),
        });
    }
    Ok(())
}

/// Applies migrations up to `target` (tests use it to build older stores).
pub fn migrate_to(conn: &mut Connection, path: &str, target: i64) -> Result<()> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(Error::storage)?;
    if current > SCHEMA_VERSION {
        return Err(Error::Storage {
            message: format!(
                "the store {path} has schema version {current}, but this tend only knows versions up to {SCHEMA_VERSION}; it was written by a newer tend: upgrade tend to open it"
            ),
        });
    }
    for version in current..target.min(SCHEMA_VERSION) {
        let tx = conn.transaction().map_err(Error::storage)?;
        tx.execute_batch(MIGRATIONS[version as usize])
            .map_err(|e| Error::storage(format!("migration to version {}: {e}", version + 1)))?;
        tx.pragma_update(None, "user_version", version + 1)
            .map_err(Error::storage)?;
        tx.commit().map_err(Error::storage)?;
    }
    Ok(())
}

const V1: &str = r#"
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    name TEXT NOT NULL,
    domain TEXT,
    parent_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    stage TEXT NOT NULL,
    segment TEXT NOT NULL,
    region TEXT NOT NULL,
    tags TEXT NOT NULL,
    owner TEXT NOT NULL,
    team TEXT NOT NULL,
    health_profile TEXT,
    goals_profile TEXT,
    focus_areas TEXT NOT NULL,
    custom_fields TEXT NOT NULL,
    churn TEXT NOT NULL,
    churn_likelihood TEXT NOT NULL,
    pulse TEXT,
    -- Derived, kept by the store: MRR and nearest notice date as of derived_day.
    mrr_cents INTEGER NOT NULL DEFAULT 0,
    renewal_day INTEGER,
    -- Derived, kept by the health engine.
    health_score REAL,
    health_status TEXT,
    health_trend REAL
);
CREATE INDEX accounts_parent ON accounts(parent_id);
CREATE INDEX accounts_owner ON accounts(owner);
CREATE INDEX accounts_name ON accounts(name COLLATE NOCASE, id);
CREATE INDEX accounts_health_asc ON accounts(coalesce(health_score, 1e9), id);
CREATE INDEX accounts_health_desc ON accounts(coalesce(health_score, -1e9), id);
CREATE INDEX accounts_mrr ON accounts(mrr_cents, id);
CREATE INDEX accounts_renewal ON accounts(coalesce(renewal_day, 1e9), id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT,
    title TEXT,
    roles TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX contacts_account ON contacts(account_id);

CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    direction TEXT NOT NULL,
    at INTEGER NOT NULL,
    contact_ids TEXT NOT NULL,
    user TEXT,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    sentiment_score REAL,
    sentiment_label TEXT,
    sentiment_source TEXT,
    excluded_from_score INTEGER NOT NULL,
    answered INTEGER NOT NULL
);
CREATE INDEX interactions_account_at ON interactions(account_id, at DESC);

CREATE VIRTUAL TABLE interactions_fts USING fts5(
    subject, body, content='interactions', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
-- Bulk loads index their rows in one statement at the end instead (FTS5 flushes its
-- pending terms at every statement's savepoint, which makes row-by-row indexing slow).
CREATE TRIGGER interactions_fts_insert AFTER INSERT ON interactions
WHEN NOT EXISTS (SELECT 1 FROM store_meta WHERE key = 'bulk_load') BEGIN
    INSERT INTO interactions_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
END;
CREATE TRIGGER interactions_fts_delete AFTER DELETE ON interactions BEGIN
    INSERT INTO interactions_fts(interactions_fts, rowid, subject, body)
        VALUES ('delete', old.id, old.subject, old.body);
END;
CREATE TRIGGER interactions_fts_update AFTER UPDATE OF subject, body ON interactions BEGIN
    INSERT INTO interactions_fts(interactions_fts, rowid, subject, body)
        VALUES ('delete', old.id, old.subject, old.body);
    INSERT INTO interactions_fts(rowid, subject, body) VALUES (new.id, new.subject, new.body);
END;

CREATE TABLE usage (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id INTEGER,
    day INTEGER NOT NULL,
    connections INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    features TEXT NOT NULL
);
CREATE UNIQUE INDEX usage_account_day ON usage(account_id, day, coalesce(contact_id, 0));

CREATE TABLE support_cases (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    subject TEXT NOT NULL,
    priority TEXT NOT NULL,
    priority_rank INTEGER NOT NULL,
    severity INTEGER NOT NULL,
    status TEXT NOT NULL,
    is_open INTEGER NOT NULL,
    escalated INTEGER NOT NULL,
    team TEXT NOT NULL,
    region TEXT NOT NULL,
    opened_at INTEGER NOT NULL,
    resolved_at INTEGER,
    signals TEXT NOT NULL,
    engineering_issue TEXT,
    csat INTEGER
);
CREATE INDEX cases_account ON support_cases(account_id, opened_at DESC);
CREATE INDEX cases_priority ON support_cases(priority_rank, opened_at DESC);
CREATE INDEX cases_open ON support_cases(is_open, priority_rank, opened_at DESC);

CREATE TABLE agreements (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    mrr_cents INTEGER NOT NULL,
    start_day INTEGER NOT NULL,
    end_day INTEGER NOT NULL,
    notice_days INTEGER NOT NULL,
    auto_renew INTEGER NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    payment_up_to_date INTEGER NOT NULL,
    renews_id INTEGER REFERENCES agreements(id) ON DELETE SET NULL,
    attachments TEXT NOT NULL
);
CREATE INDEX agreements_account ON agreements(account_id);

CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    phase TEXT NOT NULL,
    owner TEXT NOT NULL,
    expansion INTEGER NOT NULL,
    close_day INTEGER,
    description TEXT NOT NULL
);
CREATE INDEX opportunities_account ON opportunities(account_id);

CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    due_day INTEGER
);
CREATE INDEX projects_account ON projects(account_id);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    assignee TEXT NOT NULL,
    due_day INTEGER,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX tasks_account ON tasks(account_id, status, position);
CREATE INDEX tasks_assignee ON tasks(assignee, status);

CREATE TABLE playbooks (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    steps TEXT NOT NULL
);

CREATE TABLE playbook_runs (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    playbook_id INTEGER NOT NULL REFERENCES playbooks(id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    steps TEXT NOT NULL
);
CREATE INDEX runs_account ON playbook_runs(account_id);
CREATE INDEX runs_playbook ON playbook_runs(playbook_id);

CREATE TABLE nps_responses (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    score INTEGER NOT NULL,
    comment TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX nps_account ON nps_responses(account_id, at DESC);

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    link TEXT NOT NULL
);
CREATE INDEX documents_account ON documents(account_id);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    rule TEXT NOT NULL,
    at INTEGER NOT NULL,
    message TEXT NOT NULL,
    state TEXT NOT NULL,
    snoozed_until INTEGER
);
CREATE INDEX alerts_account ON alerts(account_id, at DESC);
CREATE INDEX alerts_state ON alerts(state, at DESC);

CREATE TABLE summaries (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    generated_at INTEGER NOT NULL,
    sections TEXT NOT NULL
);
CREATE INDEX summaries_account ON summaries(account_id, generated_at DESC);

-- No foreign key: the history of a deleted record outlives it.
CREATE TABLE change_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    account_id INTEGER,
    action TEXT NOT NULL,
    field TEXT,
    from_value TEXT,
    to_value TEXT
);
CREATE INDEX change_log_account ON change_log(account_id, id DESC);
"#;

/// Version 2: health history (weekly and monthly snapshots, overall and per
/// component); usage rows clustered by account and day (the health engine reads
/// every account's recent days), anonymous usage as contact 0.
const V2: &str = r#"
CREATE TABLE usage_v2 (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    -- 0: usage not tied to a contact (anonymous, or of a deleted contact).
    contact_id INTEGER NOT NULL DEFAULT 0,
    day INTEGER NOT NULL,
    connections INTEGER NOT NULL,
    minutes INTEGER NOT NULL,
    features TEXT NOT NULL,
    PRIMARY KEY (account_id, day, contact_id)
) WITHOUT ROWID;
INSERT INTO usage_v2 (account_id, contact_id, day, connections, minutes, features)
    SELECT account_id, coalesce(contact_id, 0), day, connections, minutes, features FROM usage
    ORDER BY account_id, day, coalesce(contact_id, 0);
DROP TABLE usage;
ALTER TABLE usage_v2 RENAME TO usage;

CREATE TABLE health_snapshots (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    start_day INTEGER NOT NULL,
    at INTEGER NOT NULL,
    score REAL,
    status TEXT,
    profile TEXT NOT NULL,
    -- "component=score,..." in the profile's order; an empty score is "no data".
    components TEXT NOT NULL,
    -- Clustered by period: a recompute rewrites one week's and one month's rows,
    -- which then sit together instead of on one page per account.
    PRIMARY KEY (period, start_day, account_id)
) WITHOUT ROWID;
CREATE INDEX health_snapshots_account ON health_snapshots(account_id, period, start_day);
"#;

/// Version 3: the team server's API tokens, kept as SHA-256 hashes (the token itself
/// is shown once, when it is created).
const V3: &str = r#"
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
"#;

/// Version 4: the alerts inbox and the dashboard. Accounts keep the measure of
/// their biggest drag and which alert conditions held at their last score;
/// transition alerts keep their statuses (read back from the message of the
/// alerts already there), escalation alerts their case. The health fingerprint
/// is dropped so the next open rescores every account and fills the new columns.
const V4: &str = r#"
ALTER TABLE accounts ADD COLUMN health_drag TEXT;
-- Bits of the alert conditions that held at the last score (1 usage drop,
-- 2 renewal at risk); NULL: not known yet.
ALTER TABLE accounts ADD COLUMN alert_conditions INTEGER;
-- The dashboard's counts read this index alone, not the accounts' rows.
CREATE INDEX accounts_status ON accounts(health_status, renewal_day, mrr_cents);
CREATE INDEX accounts_drag ON accounts(health_drag);

ALTER TABLE alerts ADD COLUMN from_status TEXT;
ALTER TABLE alerts ADD COLUMN to_status TEXT;
ALTER TABLE alerts ADD COLUMN case_id INTEGER;
UPDATE alerts SET
    from_status = CASE
        WHEN message LIKE 'Health went from healthy to %' THEN 'healthy'
        WHEN message LIKE 'Health went from concerning to %' THEN 'concerning'
        WHEN message LIKE 'Health went from at risk to %' THEN 'at_risk'
    END,
    to_status = CASE
        WHEN message LIKE 'Health went from % to healthy (%' THEN 'healthy'
        WHEN message LIKE 'Health went from % to concerning (%' THEN 'concerning'
        WHEN message LIKE 'Health went from % to at risk (%' THEN 'at_risk'
    END
WHERE rule = 'health_transition';
CREATE INDEX alerts_case ON alerts(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX alerts_rule ON alerts(rule, at);

-- The escalation rule looks for open escalated cases.
CREATE INDEX cases_escalated ON support_cases(account_id) WHERE escalated AND is_open;

DELETE FROM store_meta WHERE key = 'health_fingerprint';
"#;

/// Version 5: indexes for the filter language, so that a filter's total is counted
/// from an index instead of from every row: the accounts' region and segment (each
/// followed by health, the portfolio's default order; segment also by MRR), the
/// cases' opened time (with the escalated flag), status (in the cases list's
/// priority order, with the signals) and each account's cases by priority. The
/// planner chooses between them with statistics (see `super::analyze`), gathered
/// once the store has accounts.
const V5: &str = r#"
CREATE INDEX accounts_region ON accounts(region COLLATE NOCASE, coalesce(health_score, 1e9));
CREATE INDEX accounts_segment
    ON accounts(segment COLLATE NOCASE, coalesce(health_score, 1e9), mrr_cents);
CREATE INDEX cases_opened ON support_cases(opened_at, escalated);
CREATE INDEX cases_status ON support_cases(status, priority_rank, opened_at DESC, signals);
CREATE INDEX cases_account_priority ON support_cases(account_id, priority);
"#;

/// Version 6: churned accounts are left out of the dashboard's counts; this index
/// finds their few rows (to take them out of the totals) without reading every
/// account.
const V6: &str = r#"
CREATE INDEX accounts_churned ON accounts(id) WHERE stage = 'churned';
"#;

/// Version 7: the app's header counts the customers not churned, and those at
/// risk, as it opens; this index covers both counts (status, then stage), so they
/// read it instead of every account's row (on 100k accounts 18 ms -> 3.5 ms warm,
/// and no read of the whole table from a cold file).
const V7: &str = r#"
CREATE INDEX accounts_status_stage ON accounts(health_status, stage);
"#;

/// Version 8: the ids records have in the systems they are imported from (a CRM,
/// a helpdesk, a product's events): one row per record and source system, unique
/// per kind, with the record's version when that source last wrote it (a later
/// version was edited in tend since). Deleting a record forgets its ids. And the
/// product events already counted into usage, by a hash of their id per source,
/// so that an event loaded twice counts once. Accounts by domain and contacts by
/// email, without case, indexed: the records a source does not know by id yet are
/// matched on them.
const V8: &str = r#"
CREATE TABLE external_ids (
    kind TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    imported_version INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (kind, system, external_id)
) WITHOUT ROWID;
CREATE INDEX external_ids_record ON external_ids(kind, record_id);
-- Records matched by what identifies them in any source.
CREATE INDEX accounts_domain ON accounts(domain COLLATE NOCASE);
CREATE INDEX contacts_email ON contacts(email COLLATE NOCASE);
-- An event's id hashed with its source's name (64-bit FNV-1a): the key alone.
CREATE TABLE source_events (hash INTEGER PRIMARY KEY);
"#;

/// Version 9: success planning (success plans, their objectives, each objective's
/// KPIs, the customer's business challenges), each kept with its account; and who
/// saved a summary.
const V9: &str = r#"
CREATE TABLE success_plans (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    start_day INTEGER,
    end_day INTEGER,
    description TEXT NOT NULL
);
CREATE INDEX success_plans_account ON success_plans(account_id);

CREATE TABLE objectives (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    plan_id INTEGER REFERENCES success_plans(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    due INTEGER,
    completed_on INTEGER,
    description TEXT NOT NULL
);
CREATE INDEX objectives_account ON objectives(account_id);
CREATE INDEX objectives_plan ON objectives(plan_id) WHERE plan_id IS NOT NULL;

CREATE TABLE kpis (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    objective_id INTEGER NOT NULL REFERENCES objectives(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    baseline REAL NOT NULL,
    target REAL NOT NULL,
    current REAL NOT NULL,
    status TEXT NOT NULL,
    measured_on INTEGER
);
CREATE INDEX kpis_account ON kpis(account_id);
CREATE INDEX kpis_objective ON kpis(objective_id);

CREATE TABLE business_challenges (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    plan_id INTEGER REFERENCES success_plans(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    severity TEXT NOT NULL,
    status TEXT NOT NULL,
    raised_on INTEGER,
    description TEXT NOT NULL
);
CREATE INDEX business_challenges_account ON business_challenges(account_id);

ALTER TABLE summaries ADD COLUMN author TEXT NOT NULL DEFAULT '';
"#;

/// Version 10: acting outward. A playbook run keeps when the scheduler next has
/// something to do on it (indexed: a tick reads only the due ones); the outbox
/// holds every email and notification on its way, with each attempt logged.
const V10: &str = r#"
ALTER TABLE playbook_runs ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE playbook_runs ADD COLUMN next_due_at INTEGER;
CREATE INDEX runs_due ON playbook_runs(next_due_at) WHERE next_due_at IS NOT NULL;
ALTER TABLE playbook_runs ADD COLUMN waiting_on TEXT;
CREATE INDEX runs_waiting_on ON playbook_runs(waiting_on) WHERE waiting_on IS NOT NULL;

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    origin TEXT NOT NULL,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER,
    sent_at INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    actor TEXT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE state = 'queued';
CREATE INDEX deliveries_state ON deliveries(state, id);

CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id);
"#;

/// Version 11: what a source last said of each record it wrote (a hash of its
/// fields), so that loading the same file again tells an unchanged record
/// without reading it. Ids imported before have none and are read once more.
const V11: &str = r#"
ALTER TABLE external_ids ADD COLUMN imported_hash INTEGER;
"#;

/// Version 12: financials, the invoices sent to an account and the payments
/// received for them.
const V12: &str = r#"
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    agreement_id INTEGER REFERENCES agreements(id) ON DELETE SET NULL,
    number TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    issued_on INTEGER NOT NULL,
    due_on INTEGER NOT NULL,
    void INTEGER NOT NULL
);
CREATE INDEX invoices_account ON invoices(account_id, issued_on);
CREATE INDEX invoices_agreement ON invoices(agreement_id) WHERE agreement_id IS NOT NULL;

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    external_id TEXT,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    amount_cents INTEGER NOT NULL,
    paid_on INTEGER NOT NULL,
    method TEXT NOT NULL
);
CREATE INDEX payments_account ON payments(account_id, paid_on);
CREATE INDEX payments_invoice ON payments(invoice_id);
"#;

/// Version 13: a task's type (call, email, meeting...); the tasks made before
/// are to-dos.
const V13: &str = r#"
ALTER TABLE tasks ADD COLUMN kind TEXT NOT NULL DEFAULT 'todo';
"#;

/// Version 14: a task may answer an alert of its account (an alert task); a
/// deleted alert leaves its tasks without one.
const V14: &str = r#"
ALTER TABLE tasks ADD COLUMN alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL;
CREATE INDEX tasks_alert ON tasks(alert_id) WHERE alert_id IS NOT NULL;
"#;

/// Version 15: a document may keep a file (its bytes in the file store beside
/// the store, named by their SHA-256); the documents made before keep none.
const V15: &str = r#"
ALTER TABLE documents ADD COLUMN file_sha256 TEXT;
ALTER TABLE documents ADD COLUMN file_name TEXT;
ALTER TABLE documents ADD COLUMN file_size INTEGER;
ALTER TABLE documents ADD COLUMN file_media_type TEXT;
CREATE INDEX documents_file ON documents(file_sha256) WHERE file_sha256 IS NOT NULL;
"#;

/// Version 16: the SSH keys of the team server's users (`tend serve --ssh`), by
/// their SHA-256 fingerprint; at most one live key per fingerprint, and a revoked
/// key is kept (the list shows when it was revoked).
const V16: &str = r#"
CREATE TABLE ssh_keys (
    id INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    public_key TEXT NOT NULL,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE UNIQUE INDEX ssh_keys_live ON ssh_keys(fingerprint) WHERE revoked_at IS NULL;
"#;

/// Version 17: leases, so that of several servers over one store one at a time
/// runs the scheduler's rounds: who holds each, until when (ms since the epoch).
const V17: &str = r#"
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
);
"#;
