//! Write-side checks: create, update, delete of every kind, conflicts, invalid
//! input, rollback, usage upserts.

use chrono::DateTime;
use serde_json::{Value, json};

use tend::backend::*;
use tend::domain::*;

use crate::fixture::ids::*;
use crate::fixture::{self, Fixture, date, days_ago};
use crate::support::*;

/// A new record of every kind, with bookkeeping the store must replace.
fn new_records() -> Vec<Record> {
    let bogus = DateTime::from_timestamp(86_400, 0).expect("instant");
    let mut out = vec![];
    let mut soylent = fixture::account(0, "Soylent", "soylent.com", "dana", Stage::Onboarding);
    soylent.parent_id = Some(GLOBEX);
    soylent.tags = vec!["new".into()];
    out.push(Record::Account(soylent));
    out.push(Record::Contact(fixture::contact(
        0,
        GLOBEX,
        "Gina",
        &["sponsor"],
    )));
    out.push(Record::Interaction(fixture::interaction(
        0,
        GLOBEX,
        InteractionKind::Call,
        Direction::Out,
        days_ago(0),
        &[C_DMITRI],
        "Pricing call",
        "Talked about the narwhal discount",
        &["pricing"],
    )));
    out.push(Record::SupportCase(fixture::case(
        0,
        HOOLI,
        "CS-7",
        "Slow reports",
        Priority::Normal,
        3,
        CaseStatus::New,
        false,
        "platform",
        "apac",
        0,
        &[Signal::Urgency],
    )));
    out.push(Record::Agreement(fixture::agreement(
        0,
        INITECH,
        "Initech start",
        4_500,
        date(2026, 3, 1),
        date(2027, 2, 28),
        30,
        true,
        AgreementStatus::Active,
        AgreementKind::Initial,
    )));
    out.push(Record::Opportunity(fixture::opportunity(
        0,
        INITECH,
        "Initech seats",
        25_000,
        OpportunityPhase::Open,
    )));
    out.push(Record::Project(fixture::project(
        0,
        INITECH,
        "Go-live",
        ProjectStatus::Active,
        Some(date(2026, 5, 1)),
    )));
    out.push(Record::Task(fixture::task(
        0,
        GLOBEX,
        Some(P_QBR),
        "Book the QBR room",
        "carol",
        Some(date(2026, 3, 30)),
        TaskStatus::Todo,
        Priority::Low,
        3,
    )));
    out.push(Record::Playbook(fixture::playbook(
        0,
        "Churn rescue",
        vec![
            fixture::step(
                "Escalate",
                StepAction::SendEmail {
                    to_role: "sponsor".into(),
                    subject: "Let's talk".into(),
                    body: String::new(),
                },
            ),
            fixture::step("Wait", StepAction::Wait { days: 2 }),
        ],
    )));
    out.push(Record::PlaybookRun(fixture::run(
        0,
        GLOBEX,
        PB_ONBOARDING,
        &[StepState::Pending, StepState::Pending, StepState::Pending],
    )));
    out.push(Record::NpsResponse(fixture::nps(
        0, INITECH, None, 10, "Love it", 0,
    )));
    out.push(Record::Document(fixture::document(
        0,
        HOOLI,
        "Security review",
        "pdf",
        "https://docs.example.com/hooli-sec",
    )));
    out.push(Record::Alert(fixture::alert(
        0,
        HOOLI,
        "nps_detractor",
        0,
        AlertState::Open,
    )));
    out.push(Record::Summary(fixture::summary(0, GLOBEX)));
    out.push(Record::SuccessPlan(fixture::plan(0, GLOBEX)));
    out.push(Record::Objective(fixture::objective(
        0,
        ACME,
        Some(SP_ACME),
    )));
    out.push(Record::Kpi(fixture::kpi(0, ACME, OB_ADOPTION)));
    out.push(Record::BusinessChallenge(fixture::challenge(
        0, GLOBEX, None,
    )));
    out.push(Record::Invoice(fixture::invoice_record(
        0,
        GLOBEX,
        Some(AG_GLOBEX),
    )));
    out.push(Record::Payment(fixture::payment_record(0, ACME, INV_ACME)));
    for r in &mut out {
        tend::with_record!(r, x => {
            x.set_id(555);
            x.set_version(7);
            x.set_times(bogus, bogus);
        });
    }
    out
}

fn json_of(r: &Record) -> Value {
    serde_json::to_value(r).expect("json")["record"].clone()
}

pub async fn check_create_every_kind(b: &dyn Backend, fx: &Fixture) {
    let before = snapshot(b).await;
    let mut last = last_change_id(b).await;
    let inputs = new_records();
    assert_eq!(
        inputs.len(),
        EntityKind::ALL.len(),
        "one new record per kind"
    );
    for input in inputs {
        let kind = input.kind();
        let ctx = format!("create {kind}");
        let created = b
            .create("carol", input.clone())
            .await
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let id = created.id();
        assert_eq!(created.kind(), kind, "{ctx}");
        assert!(
            id > 0 && id != 555,
            "{ctx}: the store assigns the id, got {id}"
        );
        let fixture_ids: Vec<Id> = {
            let d = &before;
            match kind {
                EntityKind::Account => ids(&d.accounts),
                EntityKind::Contact => ids(&d.contacts),
                EntityKind::Interaction => ids(&d.interactions),
                EntityKind::SupportCase => ids(&d.support_cases),
                EntityKind::Agreement => ids(&d.agreements),
                EntityKind::Opportunity => ids(&d.opportunities),
                EntityKind::Project => ids(&d.projects),
                EntityKind::Task => ids(&d.tasks),
                EntityKind::Playbook => ids(&d.playbooks),
                EntityKind::PlaybookRun => ids(&d.playbook_runs),
                EntityKind::NpsResponse => ids(&d.nps_responses),
                EntityKind::Document => ids(&d.documents),
                EntityKind::Alert => ids(&d.alerts),
                EntityKind::Summary => ids(&d.summaries),
                EntityKind::SuccessPlan => ids(&d.success_plans),
                EntityKind::Objective => ids(&d.objectives),
                EntityKind::Kpi => ids(&d.kpis),
                EntityKind::BusinessChallenge => ids(&d.business_challenges),
                EntityKind::Invoice => ids(&d.invoices),
                EntityKind::Payment => ids(&d.payments),
            }
        };
        assert!(
            !fixture_ids.contains(&id),
            "{ctx}: id {id} was already taken"
        );
        // The record comes back as sent, with the store's bookkeeping.
        let mut expected = as_stored(input.clone());
        tend::with_record!(&mut expected, x => {
            x.set_id(id);
            x.set_version(1);
            x.set_times(fx.now, fx.now);
        });
        // A saved summary is its saver's.
        if let Record::Summary(s) = &mut expected {
            s.author = "carol".into();
        }
        assert_eq!(created, expected, "{ctx}: returned record");
        assert_eq!(
            b.get(kind, id).await.expect("get"),
            created,
            "{ctx}: get equals the returned record"
        );
        // One change-log entry.
        let changes = changes_since(b, last).await;
        assert_eq!(
            changes.len(),
            1,
            "{ctx}: one change-log entry, got {changes:?}"
        );
        let c = &changes[0];
        let account = if kind == EntityKind::Account {
            Some(id)
        } else {
            created.account_id()
        };
        assert_eq!(
            (
                c.entity,
                c.record_id,
                c.action,
                c.actor.as_str(),
                c.at,
                c.field.as_deref(),
                c.account_id
            ),
            (
                kind,
                id,
                ChangeAction::Create,
                "carol",
                fx.now,
                None,
                account
            ),
            "{ctx}: change-log entry"
        );
        if let Some(a) = account {
            let log = b
                .change_log(a, PageRequest::default())
                .await
                .expect("change log");
            assert_eq!(
                log.items.first(),
                Some(c),
                "{ctx}: newest entry of account {a}"
            );
        }
        last = c.id;
    }
    // A created agreement counts toward its account at once.
    let initech = b.account(INITECH).await.expect("360");
    assert_eq!(initech.row.mrr_cents, 4_500);
    assert_eq!(
        initech.row.renewal,
        Some(date(2027, 1, 29)),
        "2027-02-28 minus 30 days"
    );
    // A created subsidiary shows under its parent.
    let globex = b.account(GLOBEX).await.expect("360");
    assert_eq!(
        globex
            .children
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Soylent"]
    );
}

/// Changes some fields of a record; returns the names of the fields changed.
fn mutate(r: &mut Record) -> Vec<&'static str> {
    match r {
        Record::Account(a) => {
            a.name = "Acme Holdings".into();
            a.owner = "dana".into();
            vec!["name", "owner"]
        }
        Record::Contact(c) => {
            c.title = Some("COO".into());
            c.roles.push("sponsor".into());
            vec!["title", "roles"]
        }
        Record::Interaction(i) => {
            i.subject = "Roadmap review (moved)".into();
            i.tags.push("followup".into());
            vec!["subject", "tags"]
        }
        Record::SupportCase(c) => {
            c.status = CaseStatus::Open;
            c.escalated = true;
            vec!["status", "escalated"]
        }
        Record::Agreement(a) => {
            a.mrr_cents = 35_000;
            vec!["mrr_cents"]
        }
        Record::Opportunity(o) => {
            o.phase = OpportunityPhase::Won;
            vec!["phase"]
        }
        Record::Project(p) => {
            p.status = ProjectStatus::Completed;
            p.due = Some(date(2026, 3, 31));
            vec!["status", "due"]
        }
        Record::Task(t) => {
            t.status = TaskStatus::Doing;
            t.assignee = "dana".into();
            vec!["status", "assignee"]
        }
        Record::Playbook(p) => {
            p.description = "Prepare every renewal 90 days ahead".into();
            vec!["description"]
        }
        Record::PlaybookRun(r) => {
            r.steps[1].state = StepState::Done;
            vec!["steps"]
        }
        Record::NpsResponse(n) => {
            n.score = 6;
            n.comment = "Better".into();
            vec!["score", "comment"]
        }
        Record::Document(d) => {
            d.link = "https://docs.example.com/acme-qbr-v2".into();
            vec!["link"]
        }
        Record::Alert(a) => {
            a.state = AlertState::Done;
            vec!["state"]
        }
        Record::Summary(s) => {
            s.sections.push(SummarySection {
                title: "Risks".into(),
                body: "None".into(),
                statements: vec![],
                note: None,
            });
            vec!["sections"]
        }
        Record::SuccessPlan(p) => {
            p.status = PlanStatus::Completed;
            vec!["status"]
        }
        Record::Objective(o) => {
            o.completed_on = Some(date(2026, 3, 20));
            vec!["completed_on"]
        }
        Record::Kpi(k) => {
            k.current = 80.0;
            k.status = KpiStatus::Completed;
            vec!["current", "status"]
        }
        Record::BusinessChallenge(c) => {
            c.status = ChallengeStatus::Addressed;
            vec!["status"]
        }
        Record::Invoice(i) => {
            i.due_on = date(2026, 3, 31);
            vec!["due_on"]
        }
        Record::Payment(p) => {
            p.method = "card".into();
            vec!["method"]
        }
    }
}

/// One record of every kind from the fixture.
fn representatives() -> Vec<(EntityKind, Id)> {
    use EntityKind as K;
    vec![
        (K::Account, ACME),
        (K::Contact, C_ANNA),
        (K::Interaction, I_ROADMAP),
        (K::SupportCase, K_EXPORT),
        (K::Agreement, AG_GLOBEX),
        (K::Opportunity, O_UPSELL),
        (K::Project, P_MIGRATION),
        (K::Task, T_DECK),
        (K::Playbook, PB_RENEWAL),
        (K::PlaybookRun, RUN_ACME),
        (K::NpsResponse, NPS_DMITRI),
        (K::Document, D_QBR),
        (K::Alert, AL_USAGE),
        (K::Summary, S_ACME),
        (K::SuccessPlan, SP_ACME),
        (K::Objective, OB_ADOPTION),
        (K::Kpi, KPI_USERS),
        (K::BusinessChallenge, BC_SILOS),
        (K::Invoice, INV_ACME),
        (K::Payment, PAY_ACME),
    ]
}

pub async fn check_update_every_kind(b: &dyn Backend, fx: &Fixture) {
    let reps = representatives();
    assert_eq!(reps.len(), EntityKind::ALL.len());
    for (kind, id) in reps {
        let ctx = format!("update {kind} {id}");
        let original = b.get(kind, id).await.expect("get");
        let last = last_change_id(b).await;
        let mut changed = original.clone();
        let mut fields = mutate(&mut changed);
        // The text of an interaction scores its automatic sentiment.
        let changed = as_stored(changed);
        if let (Record::Interaction(a), Record::Interaction(b)) = (&original, &changed)
            && a.sentiment != b.sentiment
        {
            fields.push("sentiment");
        }
        let updated = b
            .update("dana", changed.clone())
            .await
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let mut expected = changed.clone();
        tend::with_record!(&mut expected, x => {
            x.set_version(2);
            let created = x.created_at();
            x.set_times(created, fx.now);
        });
        assert_eq!(updated.version(), 2, "{ctx}: version increments");
        assert_eq!(updated, expected, "{ctx}: returned record");
        assert_eq!(
            b.get(kind, id).await.expect("get"),
            updated,
            "{ctx}: get equals the returned record"
        );
        // One entry per changed field, with from/to and the actor.
        let changes = changes_since(b, last).await;
        let mut got: Vec<&str> = changes.iter().filter_map(|c| c.field.as_deref()).collect();
        got.sort();
        let mut want = fields.clone();
        want.sort();
        assert_eq!(got, want, "{ctx}: changed fields, entries {changes:?}");
        assert_eq!(changes.len(), fields.len(), "{ctx}: one entry per field");
        let (old_json, new_json) = (json_of(&original), json_of(&changed));
        let account = original.account_id();
        for c in &changes {
            let f = c.field.as_deref().expect("field");
            assert_eq!(
                (
                    c.entity,
                    c.record_id,
                    c.action,
                    c.actor.as_str(),
                    c.at,
                    c.account_id
                ),
                (kind, id, ChangeAction::Update, "dana", fx.now, account),
                "{ctx}: entry for {f}"
            );
            assert_eq!(c.from.as_ref(), Some(&old_json[f]), "{ctx}: from of {f}");
            assert_eq!(c.to.as_ref(), Some(&new_json[f]), "{ctx}: to of {f}");
            assert_ne!(c.from, c.to, "{ctx}: {f} changed");
        }
        if let Some(a) = account {
            let log = b.change_log(a, PageRequest::default()).await.expect("log");
            let newest: Vec<&ChangeLogEntry> = log.items.iter().take(changes.len()).collect();
            let mut newest_ids: Vec<Id> = newest.iter().map(|c| c.id).collect();
            newest_ids.sort();
            assert_eq!(
                newest_ids,
                changes.iter().map(|c| c.id).collect::<Vec<_>>(),
                "{ctx}: in the account's log"
            );
        }
        // Again: the version keeps counting. The caller's created_at is ignored.
        let mut again = updated.clone();
        tend::with_record!(&mut again, x => {
            x.set_times(fx.now, fx.now);
            x.source = if x.source == Source::Crm { Source::Api } else { Source::Crm };
        });
        let last = last_change_id(b).await;
        let again = b.update("dana", again).await.expect("second update");
        assert_eq!(again.version(), 3, "{ctx}: second update");
        let changes = changes_since(b, last).await;
        assert_eq!(
            changes
                .iter()
                .map(|c| c.field.as_deref())
                .collect::<Vec<_>>(),
            vec![Some("source")],
            "{ctx}: second update changed only the source"
        );
        // The store keeps created_at, whatever the caller sends.
        tend::with_record!(&again, x => assert_eq!(x.created_at(), original_created(&original), "{ctx}: created_at"));
    }
    // Spot-check concrete values.
    let log = b
        .change_log(ACME, PageRequest::default())
        .await
        .expect("log");
    let name = log
        .items
        .iter()
        .find(|c| c.entity == EntityKind::Account && c.field.as_deref() == Some("name"))
        .expect("name change");
    assert_eq!(
        (name.from.clone(), name.to.clone()),
        (Some(json!("Acme Group")), Some(json!("Acme Holdings")))
    );
    let globex = b.account(GLOBEX).await.expect("360");
    assert_eq!(
        globex.row.mrr_cents, 35_000,
        "an updated agreement changes MRR"
    );
}

fn original_created(r: &Record) -> Timestamp {
    tend::with_record!(r, x => x.created_at())
}

pub async fn check_delete_every_kind(b: &dyn Backend, _fx: &Fixture) {
    use EntityKind as K;
    // Records whose deletion takes nothing else with it (runs before their playbook).
    let targets = vec![
        (K::PlaybookRun, RUN_GLOBEX),
        (K::Playbook, PB_RENEWAL),
        (K::Contact, C_FRANK),
        (K::Interaction, I_LOGIN),
        (K::SupportCase, K_WEBHOOK),
        (K::Agreement, AG_DRAFT),
        (K::Opportunity, O_RENEWAL),
        (K::Task, T_DECK),
        (K::Project, P_QBR),
        (K::NpsResponse, NPS_ANON),
        (K::Document, D_CONTRACT),
        (K::Alert, AL_DONE),
        (K::Summary, S_ACME),
        (K::Kpi, KPI_USERS),
        (K::BusinessChallenge, BC_SILOS),
        (K::Payment, PAY_ACME),
        (K::Invoice, INV_ACME),
        (K::Objective, OB_ADOPTION),
        (K::SuccessPlan, SP_ACME),
        (K::Account, UMBRELLA),
    ];
    assert_eq!(targets.len(), EntityKind::ALL.len());
    for (kind, id) in targets {
        let ctx = format!("delete {kind} {id}");
        let record = b.get(kind, id).await.expect("get");
        let before = snapshot(b).await;
        let last = last_change_id(b).await;
        b.delete("erin", kind, id, record.version())
            .await
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        expect_not_found(b.get(kind, id).await, kind, id, &ctx);
        let changes = changes_since(b, last).await;
        assert_eq!(
            changes.len(),
            1,
            "{ctx}: one change-log entry, got {changes:?}"
        );
        let c = &changes[0];
        assert_eq!(
            (
                c.entity,
                c.record_id,
                c.action,
                c.actor.as_str(),
                c.account_id,
                c.field.as_deref()
            ),
            (
                kind,
                id,
                ChangeAction::Delete,
                "erin",
                record.account_id(),
                None
            ),
            "{ctx}: change-log entry"
        );
        assert_eq!(
            c.from.as_ref(),
            Some(&json_of(&record)),
            "{ctx}: the entry keeps what was deleted"
        );
        // Nothing else went (an account takes its records: checked on its own).
        if kind != K::Account {
            let after = snapshot(b).await;
            assert_eq!(
                after.total_rows(),
                before.total_rows(),
                "{ctx}: one record out, one entry in"
            );
            assert_eq!(after.change_log.len(), before.change_log.len() + 1, "{ctx}");
        }
    }
}

pub async fn check_delete_account_removes_its_records(b: &dyn Backend, fx: &Fixture) {
    let d = &fx.dataset;
    b.delete("erin", EntityKind::Account, GLOBEX, 1)
        .await
        .expect("delete GLOBEX");
    expect_not_found(b.account(GLOBEX).await, EntityKind::Account, GLOBEX, "360");
    let owned: Vec<(EntityKind, Id)> = {
        let mut v = vec![];
        v.extend(
            of_account(&d.contacts, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Contact, r.id)),
        );
        v.extend(
            of_account(&d.interactions, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Interaction, r.id)),
        );
        v.extend(
            of_account(&d.support_cases, GLOBEX)
                .iter()
                .map(|r| (EntityKind::SupportCase, r.id)),
        );
        v.extend(
            of_account(&d.agreements, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Agreement, r.id)),
        );
        v.extend(
            of_account(&d.opportunities, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Opportunity, r.id)),
        );
        v.extend(
            of_account(&d.projects, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Project, r.id)),
        );
        v.extend(
            of_account(&d.tasks, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Task, r.id)),
        );
        v.extend(
            of_account(&d.playbook_runs, GLOBEX)
                .iter()
                .map(|r| (EntityKind::PlaybookRun, r.id)),
        );
        v.extend(
            of_account(&d.nps_responses, GLOBEX)
                .iter()
                .map(|r| (EntityKind::NpsResponse, r.id)),
        );
        v.extend(
            of_account(&d.documents, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Document, r.id)),
        );
        v.extend(
            of_account(&d.alerts, GLOBEX)
                .iter()
                .map(|r| (EntityKind::Alert, r.id)),
        );
        v
    };
    assert_eq!(
        owned.len(),
        12,
        "the fixture gives GLOBEX records of many kinds"
    );
    for (kind, id) in owned {
        expect_not_found(
            b.get(kind, id).await,
            kind,
            id,
            "a record of the deleted account",
        );
    }
    // Playbooks belong to no account and stay.
    assert!(b.get(EntityKind::Playbook, PB_RENEWAL).await.is_ok());
    // Every list forgets the account.
    let portfolio = b
        .portfolio(&PortfolioQuery::default())
        .await
        .expect("portfolio");
    assert_eq!(portfolio.total, 5);
    assert!(portfolio.items.iter().all(|r| r.id != GLOBEX));
    let cases = b.cases(&CaseQuery::default()).await.expect("cases");
    assert_eq!(cases.total, 5);
    let alerts = b.alerts(&AlertQuery::default()).await.expect("alerts");
    assert_eq!(alerts.total, 3);
    let tasks = b.tasks(&TaskQuery::default()).await.expect("tasks");
    assert_eq!(tasks.len(), 5);
    let found = b
        .interactions(&InteractionQuery {
            text: Some("xylophone".into()),
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(ids(&found.items), vec![I_INVOICE]);
    let usage = b
        .usage(
            GLOBEX,
            &UsageQuery {
                from: date(2026, 3, 1),
                to: date(2026, 3, 18),
                bucket: Bucket::Month,
            },
        )
        .await
        .expect("usage");
    assert_eq!(
        usage.iter().map(|x| x.connections).sum::<u64>(),
        0,
        "its usage went too"
    );
    let export = snapshot(b).await;
    assert!(export.usage.iter().all(|u| u.account_id != GLOBEX));
    assert!(export.contacts.iter().all(|r| r.account_id != GLOBEX));
    assert!(export.accounts.iter().all(|r| r.id != GLOBEX));
    // Its history outlives it, newest entry first.
    let log = b
        .change_log(GLOBEX, PageRequest::default())
        .await
        .expect("log");
    let newest = log.items.first().expect("an entry");
    assert_eq!(
        (
            newest.entity,
            newest.record_id,
            newest.action,
            newest.actor.as_str()
        ),
        (EntityKind::Account, GLOBEX, ChangeAction::Delete, "erin")
    );
    assert!(
        log.items.iter().any(|c| c.id == 4),
        "the older entry is kept"
    );
    // Other accounts keep theirs.
    let acme = b.account(ACME).await.expect("ACME");
    assert_eq!(acme.contacts.len(), 3);
    assert_eq!(acme.row.mrr_cents, 70_000);
}

pub async fn check_delete_parent_detaches_children(b: &dyn Backend, _fx: &Fixture) {
    b.delete("erin", EntityKind::Account, ACME, 1)
        .await
        .expect("delete ACME");
    let fr = match b
        .get(EntityKind::Account, ACME_FR)
        .await
        .expect("subsidiary stays")
    {
        Record::Account(a) => a,
        other => panic!("not an account: {other:?}"),
    };
    assert_eq!(fr.parent_id, None, "the subsidiary has no parent any more");
    let v = b.account(ACME_FR).await.expect("360");
    assert_eq!(v.parent, None);
    assert_eq!(
        ids(&v.contacts),
        vec![C_CLARA],
        "the subsidiary keeps its records"
    );
    let children = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                parent_id: Some(ACME),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("portfolio");
    assert_eq!(children.total, 0);
    for (kind, id) in [
        (EntityKind::Contact, C_ANNA),
        (EntityKind::Agreement, AG_PLATFORM),
        (EntityKind::Task, T_WELCOME),
        (EntityKind::Project, P_ONBOARDING),
        (EntityKind::Summary, S_ACME),
    ] {
        expect_not_found(
            b.get(kind, id).await,
            kind,
            id,
            "a record of the deleted parent",
        );
    }
}

pub async fn check_conflicts_every_kind(b: &dyn Backend, _fx: &Fixture) {
    for (kind, id) in representatives() {
        let ctx = format!("conflict on {kind} {id}");
        let v1 = b.get(kind, id).await.expect("get");
        assert_eq!(v1.version(), 1);
        // A version from the future is as stale as one from the past.
        let mut ahead = v1.clone();
        tend::with_record!(&mut ahead, x => x.set_version(5));
        mutate(&mut ahead);
        let before = snapshot(b).await;
        expect_conflict(b.update("frank", ahead).await, kind, id, 5, 1, &ctx);
        expect_conflict(b.delete("frank", kind, id, 5).await, kind, id, 5, 1, &ctx);
        assert_same_dataset(
            &snapshot(b).await,
            &before,
            &format!("{ctx}: unchanged after refusals"),
        );
        // Someone else updates first; our copy at version 1 is now stale.
        let mut theirs = v1.clone();
        mutate(&mut theirs);
        let theirs = b.update("grace", theirs).await.expect("their update");
        assert_eq!(theirs.version(), 2);
        let before = snapshot(b).await;
        let mut ours = v1.clone();
        if let Record::Account(a) = &mut ours {
            a.region = "latam".into();
        } else {
            mutate(&mut ours);
        }
        expect_conflict(b.update("frank", ours).await, kind, id, 1, 2, &ctx);
        expect_conflict(b.delete("frank", kind, id, 1).await, kind, id, 1, 2, &ctx);
        assert_same_dataset(
            &snapshot(b).await,
            &before,
            &format!("{ctx}: unchanged after stale writes"),
        );
        assert_eq!(
            b.get(kind, id).await.expect("get"),
            theirs,
            "{ctx}: their version stands"
        );
    }
}

pub async fn check_missing_records(b: &dyn Backend, _fx: &Fixture) {
    let before = snapshot(b).await;
    for (kind, id) in representatives() {
        let mut r = b.get(kind, id).await.expect("get");
        tend::with_record!(&mut r, x => x.set_id(9999));
        expect_not_found(
            b.update("frank", r).await,
            kind,
            9999,
            "update of a missing record",
        );
        expect_not_found(
            b.delete("frank", kind, 9999, 1).await,
            kind,
            9999,
            "delete of a missing record",
        );
    }
    assert_same_dataset(&snapshot(b).await, &before, "unchanged");
}

async fn get_account(b: &dyn Backend, id: Id) -> Account {
    match b.get(EntityKind::Account, id).await.expect("get") {
        Record::Account(a) => a,
        other => panic!("not an account: {other:?}"),
    }
}

pub async fn check_invalid_inputs(b: &dyn Backend, fx: &Fixture) {
    let d = &fx.dataset;
    let acme = get_account(b, ACME).await;
    let globex_ag = d
        .agreements
        .iter()
        .find(|a| a.id == AG_GLOBEX)
        .cloned()
        .expect("agreement");
    let anna = d
        .contacts
        .iter()
        .find(|c| c.id == C_ANNA)
        .cloned()
        .expect("contact");

    let mut cases: Vec<(&str, bool, Record, &str)> = vec![];
    // (what, is_update, record, field)
    let mut blank = fixture::account(0, "   ", "blank.com", "alice", Stage::Onboarding);
    blank.name = "   ".into();
    cases.push((
        "account with a blank name",
        false,
        Record::Account(blank),
        "name",
    ));
    let mut unnamed = acme.clone();
    unnamed.name = String::new();
    cases.push((
        "account renamed to nothing",
        true,
        Record::Account(unnamed),
        "name",
    ));
    let mut orphan = fixture::account(0, "Orphan", "orphan.com", "alice", Stage::Onboarding);
    orphan.parent_id = Some(999);
    cases.push((
        "account under a missing parent",
        false,
        Record::Account(orphan),
        "parent_id",
    ));
    cases.push((
        "KPI of one account under another's objective",
        false,
        Record::Kpi(fixture::kpi(0, GLOBEX, OB_ADOPTION)),
        "objective_id",
    ));
    cases.push((
        "objective of one account in another's plan",
        false,
        Record::Objective(fixture::objective(0, GLOBEX, Some(SP_ACME))),
        "plan_id",
    ));
    cases.push((
        "payment of one account for another's invoice",
        false,
        Record::Payment(fixture::payment_record(0, GLOBEX, INV_ACME)),
        "invoice_id",
    ));
    cases.push((
        "payment of a missing invoice",
        false,
        Record::Payment(fixture::payment_record(0, ACME, 999)),
        "invoice_id",
    ));
    cases.push((
        "invoice billing another account's agreement",
        false,
        Record::Invoice(fixture::invoice_record(0, GLOBEX, Some(AG_PLATFORM))),
        "agreement_id",
    ));
    cases.push((
        "challenge in a missing plan",
        false,
        Record::BusinessChallenge(fixture::challenge(0, ACME, Some(999))),
        "plan_id",
    ));
    let mut looped = acme.clone();
    looped.parent_id = Some(ACME_FR);
    cases.push((
        "group under its own subsidiary (loop)",
        true,
        Record::Account(looped),
        "parent_id",
    ));
    let mut own = acme.clone();
    own.parent_id = Some(ACME);
    cases.push((
        "account its own parent",
        true,
        Record::Account(own),
        "parent_id",
    ));
    let mut backwards = fixture::agreement(
        0,
        ACME,
        "Backwards",
        1_000,
        date(2026, 6, 1),
        date(2026, 5, 1),
        0,
        false,
        AgreementStatus::Active,
        AgreementKind::Service,
    );
    cases.push((
        "agreement ending before it starts",
        false,
        Record::Agreement(backwards.clone()),
        "end",
    ));
    backwards = globex_ag.clone();
    backwards.end = date(2025, 1, 1);
    cases.push((
        "agreement updated to end before it starts",
        true,
        Record::Agreement(backwards),
        "end",
    ));
    let mut renews = globex_ag.clone();
    renews.renews_id = Some(999);
    cases.push((
        "agreement renewing a missing one",
        true,
        Record::Agreement(renews),
        "renews_id",
    ));
    cases.push((
        "NPS of 11",
        false,
        Record::NpsResponse(fixture::nps(0, ACME, None, 11, "", 0)),
        "score",
    ));
    cases.push((
        "NPS from a missing contact",
        false,
        Record::NpsResponse(fixture::nps(0, ACME, Some(999), 8, "", 0)),
        "contact_id",
    ));
    cases.push((
        "case of severity 9",
        false,
        Record::SupportCase(fixture::case(
            0,
            ACME,
            "CS-9",
            "Sev 9",
            Priority::Low,
            9,
            CaseStatus::New,
            false,
            "",
            "",
            0,
            &[],
        )),
        "severity",
    ));
    cases.push((
        "contact of a missing account",
        false,
        Record::Contact(fixture::contact(0, 999, "Nobody", &[])),
        "account_id",
    ));
    let mut moved = anna.clone();
    moved.account_id = 999;
    cases.push((
        "contact moved to a missing account",
        true,
        Record::Contact(moved),
        "account_id",
    ));
    let mut nameless = anna.clone();
    nameless.name = " ".into();
    cases.push((
        "contact with a blank name",
        true,
        Record::Contact(nameless),
        "name",
    ));
    cases.push((
        "task in a missing project",
        false,
        Record::Task(fixture::task(
            0,
            ACME,
            Some(999),
            "Lost",
            "alice",
            None,
            TaskStatus::Todo,
            Priority::Low,
            0,
        )),
        "project_id",
    ));
    cases.push((
        "task with a blank title",
        false,
        Record::Task(fixture::task(
            0,
            ACME,
            None,
            "",
            "alice",
            None,
            TaskStatus::Todo,
            Priority::Low,
            0,
        )),
        "title",
    ));
    cases.push((
        "interaction with a missing contact",
        false,
        Record::Interaction(fixture::interaction(
            0,
            ACME,
            InteractionKind::Note,
            Direction::Out,
            days_ago(0),
            &[C_ANNA, 999],
            "x",
            "y",
            &[],
        )),
        "contact_ids",
    ));
    cases.push((
        "interaction with another account's contact",
        false,
        Record::Interaction(fixture::interaction(
            0,
            GLOBEX,
            InteractionKind::Note,
            Direction::Out,
            days_ago(0),
            &[C_ANNA],
            "x",
            "y",
            &[],
        )),
        "contact_ids",
    ));
    cases.push((
        "interaction of a missing account",
        false,
        Record::Interaction(fixture::interaction(
            0,
            999,
            InteractionKind::Note,
            Direction::Out,
            days_ago(0),
            &[],
            "x",
            "y",
            &[],
        )),
        "account_id",
    ));
    cases.push((
        "run of a missing playbook",
        false,
        Record::PlaybookRun(fixture::run(0, ACME, 999, &[StepState::Pending])),
        "playbook_id",
    ));
    cases.push((
        "playbook without steps",
        false,
        Record::Playbook(fixture::playbook(0, "Empty", vec![])),
        "steps",
    ));
    cases.push((
        "playbook with a blank name",
        false,
        Record::Playbook(fixture::playbook(
            0,
            "",
            vec![fixture::step("s", StepAction::Wait { days: 1 })],
        )),
        "name",
    ));
    cases.push((
        "opportunity with a blank name",
        false,
        Record::Opportunity(fixture::opportunity(
            0,
            ACME,
            " ",
            1,
            OpportunityPhase::Open,
        )),
        "name",
    ));
    cases.push((
        "project with a blank name",
        false,
        Record::Project(fixture::project(0, ACME, "", ProjectStatus::Active, None)),
        "name",
    ));
    cases.push((
        "document of a missing account",
        false,
        Record::Document(fixture::document(0, 999, "Doc", "pdf", "https://x")),
        "account_id",
    ));
    cases.push((
        "alert with a blank message",
        false,
        Record::Alert({
            let mut a = fixture::alert(0, ACME, "usage_drop", 0, AlertState::Open);
            a.message = String::new();
            a
        }),
        "message",
    ));
    cases.push((
        "summary without sections",
        false,
        Record::Summary({
            let mut s = fixture::summary(0, ACME);
            s.sections.clear();
            s
        }),
        "sections",
    ));

    let before = snapshot(b).await;
    for (what, is_update, record, field) in cases {
        let r = if is_update {
            b.update("mallory", record).await
        } else {
            b.create("mallory", record).await
        };
        expect_invalid(r, field, what);
        // A failed write leaves nothing behind: no record, no change-log entry.
        assert_same_dataset(
            &snapshot(b).await,
            &before,
            &format!("after refusing: {what}"),
        );
    }
    assert_eq!(get_account(b, ACME).await, acme, "ACME untouched");
}

pub async fn check_record_usage_upserts(b: &dyn Backend, _fx: &Fixture) {
    let day = |from, to, bucket| UsageQuery { from, to, bucket };
    let today = fixture::today();
    let last = last_change_id(b).await;
    // An existing row (ANNA on 03-18: 3 connections, 45 minutes) is replaced.
    let mut row = fixture::usage_row(ACME, Some(C_ANNA), today, 9, 99);
    row.features.insert("exports".into(), 2);
    let n = b.record_usage(vec![row.clone()]).await.expect("record");
    assert_eq!(n, 1);
    let got = b
        .usage(ACME, &day(today, today, Bucket::Day))
        .await
        .expect("usage");
    assert_eq!(
        got,
        vec![UsageBucket {
            start: today,
            connections: 9,
            minutes: 99,
            active_users: 1
        }]
    );
    let export = snapshot(b).await;
    let rows: Vec<&UsageDay> = export
        .usage
        .iter()
        .filter(|u| u.account_id == ACME && u.day == today)
        .collect();
    assert_eq!(rows, vec![&row], "one row for the key, the new one");
    // New rows are appended; recording the same key twice keeps one row.
    let first = fixture::usage_row(INITECH, None, today, 5, 50);
    let second = fixture::usage_row(INITECH, None, today, 6, 60);
    let other_day = fixture::usage_row(INITECH, None, date(2026, 3, 17), 1, 1);
    assert_eq!(
        b.record_usage(vec![first, other_day.clone()])
            .await
            .expect("record"),
        2
    );
    assert_eq!(
        b.record_usage(vec![second.clone()]).await.expect("again"),
        1
    );
    let got = b
        .usage(INITECH, &day(date(2026, 3, 17), today, Bucket::Day))
        .await
        .expect("usage");
    assert_eq!(
        got.iter()
            .map(|x| (x.start, x.connections, x.minutes))
            .collect::<Vec<_>>(),
        vec![(date(2026, 3, 17), 1, 1), (today, 6, 60)]
    );
    // An anonymous row (no contact) is upserted too.
    let anon = fixture::usage_row(GLOBEX, None, date(2026, 3, 10), 1, 2);
    b.record_usage(vec![anon]).await.expect("anonymous");
    let got = b
        .usage(
            GLOBEX,
            &day(date(2026, 3, 10), date(2026, 3, 10), Bucket::Day),
        )
        .await
        .expect("usage");
    assert_eq!(
        (got[0].connections, got[0].minutes),
        (1, 2),
        "replaced, not added to 4"
    );
    let export = snapshot(b).await;
    assert_eq!(
        export.usage.len(),
        fixture::usage().len() + 2,
        "two new keys in all"
    );
    // Usage is not in the change log.
    assert_eq!(last_change_id(b).await, last);
    assert_eq!(b.record_usage(vec![]).await.expect("nothing"), 0);
}

pub async fn check_record_usage_rolls_back(b: &dyn Backend, _fx: &Fixture) {
    let before = snapshot(b).await;
    let good = fixture::usage_row(INITECH, None, fixture::today(), 5, 50);
    let replace = fixture::usage_row(ACME, Some(C_ANNA), fixture::today(), 99, 99);
    let bad = fixture::usage_row(999, None, fixture::today(), 1, 1);
    let r = b.record_usage(vec![good, replace, bad]).await;
    expect_invalid(r, "rows[2].account_id", "usage of a missing account");
    let mut blank = fixture::usage_row(ACME, None, fixture::today(), 1, 1);
    blank.features.insert(" ".into(), 1);
    let r = b
        .record_usage(vec![
            fixture::usage_row(INITECH, None, fixture::today(), 5, 50),
            blank,
        ])
        .await;
    expect_invalid(r, "rows[1].features", "usage with a blank feature name");
    assert_same_dataset(
        &snapshot(b).await,
        &before,
        "the valid rows before the bad one are not kept",
    );
}

/// KNOWN BUG (crates/backend/src/sqlite/write.rs, `record_usage`): usage rows are not checked
/// for their contact, so a row naming a contact that does not exist is stored;
/// the store's own export is then refused by `dataset::validate` ("usage[i],
/// field `contact_id`: contact 999 does not exist"). Import checks it; so must
/// `record_usage`.
pub async fn check_record_usage_rejects_dangling_contact(b: &dyn Backend, _fx: &Fixture) {
    let before = snapshot(b).await;
    let r = b
        .record_usage(vec![fixture::usage_row(
            ACME,
            Some(999),
            fixture::today(),
            1,
            1,
        )])
        .await;
    let accepted = r.is_ok();
    let export_problems = tend::dataset::validate(&snapshot(b).await);
    assert!(
        !accepted,
        "usage of a missing contact was accepted; the export now has problems: {export_problems:?}"
    );
    expect_invalid(r, "rows[0].contact_id", "usage of a missing contact");
    assert_same_dataset(&snapshot(b).await, &before, "nothing stored");
}

/// KNOWN BUG (crates/backend/src/sqlite/write.rs `delete` with the schema in
/// crates/backend/src/sqlite/migrations.rs): deleting a contact leaves its id in the
/// `contact_ids` of the account's interactions (a JSON list, no foreign key)
/// and in its usage rows (`usage.contact_id` has no foreign key). Afterwards:
/// updating such an interaction, even only its subject, is refused with
/// `Invalid { field: "contact_ids" }`, and the store's export fails
/// `dataset::validate` (dangling contact in interactions and usage).
pub async fn check_delete_contact_keeps_interactions_editable(b: &dyn Backend, fx: &Fixture) {
    b.delete("erin", EntityKind::Contact, C_BORIS, 1)
        .await
        .expect("delete Boris");
    let _ = fx;
    let Record::Interaction(mut invoice) = b
        .get(EntityKind::Interaction, I_INVOICE)
        .await
        .expect("interaction")
    else {
        panic!("not an interaction")
    };
    assert!(
        !invoice.contact_ids.contains(&C_BORIS),
        "the deleted contact is gone from the interaction"
    );
    invoice.subject = "Escalation call (notes added)".into();
    let r = b.update("erin", Record::Interaction(invoice)).await;
    let export = snapshot(b).await;
    let problems = tend::dataset::validate(&export);
    assert!(
        r.is_ok(),
        "an interaction with a deleted contact cannot be edited any more: {r:?}"
    );
    assert!(
        problems.is_empty(),
        "the export is not importable after deleting a contact: {problems:?}"
    );
}

/// KNOWN BUG (crates/backend/src/sqlite/write.rs, `create`/`update` of a playbook run): the
/// store accepts a run whose step states do not match its playbook's steps,
/// which `dataset::validate` refuses on import ("playbook_runs[i], field
/// `steps`: has 1 step states, playbook 81 has 3 steps"), so the export of
/// such a store cannot be imported.
pub async fn check_playbook_run_steps_match_playbook(b: &dyn Backend, _fx: &Fixture) {
    let before = snapshot(b).await;
    let r = b
        .create(
            "mallory",
            Record::PlaybookRun(fixture::run(0, ACME, PB_ONBOARDING, &[StepState::Pending])),
        )
        .await;
    expect_invalid(r, "steps", "a run with 1 step state for a 3-step playbook");
    assert_same_dataset(&snapshot(b).await, &before, "nothing stored");
}

/// Used by the bulk checks: a few ordinary writes of many kinds.
pub async fn some_writes(b: &dyn Backend) {
    for r in new_records() {
        b.create("carol", r).await.expect("create");
    }
    for (kind, id) in representatives() {
        let mut r = b.get(kind, id).await.expect("get");
        mutate(&mut r);
        b.update("dana", r).await.expect("update");
    }
    for (kind, id) in [
        (EntityKind::Interaction, I_LOGIN),
        (EntityKind::Task, T_KICKOFF),
        (EntityKind::Alert, AL_DONE),
        (EntityKind::Account, UMBRELLA),
    ] {
        b.delete("erin", kind, id, 1).await.expect("delete");
    }
    b.record_usage(vec![fixture::usage_row(
        HOOLI,
        Some(C_FRANK),
        fixture::today(),
        2,
        20,
    )])
    .await
    .expect("usage");
}

// --- batches (Backend::apply) ------------------------------------------------

/// Asserts the store and its change log are exactly as in `before`.
async fn assert_untouched(b: &dyn Backend, before: &tend::dataset::Dataset, ctx: &str) {
    assert_same_dataset(&snapshot(b).await, before, ctx);
}

pub async fn check_apply_all_or_nothing(b: &dyn Backend, fx: &Fixture) {
    // Someone else moves ANNA to version 2: our copy at version 1 is stale.
    let anna_v1 = b.get(EntityKind::Contact, C_ANNA).await.expect("get");
    let mut theirs = anna_v1.clone();
    mutate(&mut theirs);
    b.update("grace", theirs).await.expect("their update");
    let before = snapshot(b).await;

    // 1. A valid create, then a stale update: neither stays.
    let new_task = fixture::task(
        0,
        ACME,
        None,
        "Call the sponsor",
        "alice",
        None,
        TaskStatus::Todo,
        Priority::High,
        3,
    );
    let mut stale = anna_v1.clone();
    if let Record::Contact(c) = &mut stale {
        c.title = Some("Chief of staff".into());
    }
    let r = b
        .apply(
            "mallory",
            vec![
                Write::Create {
                    record: Record::Task(new_task.clone()),
                },
                Write::Update { record: stale },
            ],
        )
        .await;
    expect_conflict(r, EntityKind::Contact, C_ANNA, 1, 2, "stale second write");
    assert_untouched(b, &before, "after a batch whose 2nd write is stale").await;

    // 2. A valid update, then an invalid one: the first is rolled back, and the
    // error names the write and the field.
    let mut renamed = b.get(EntityKind::Account, GLOBEX).await.expect("get");
    if let Record::Account(a) = &mut renamed {
        a.name = "Globex Worldwide".into();
    }
    let mut nameless = b.get(EntityKind::Account, HOOLI).await.expect("get");
    if let Record::Account(a) = &mut nameless {
        a.name = " ".into();
    }
    let r = b
        .apply(
            "mallory",
            vec![
                Write::Update { record: renamed },
                Write::Update { record: nameless },
            ],
        )
        .await;
    expect_invalid(r, "writes[1].name", "invalid second write");
    assert_untouched(b, &before, "after a batch whose 2nd write is invalid").await;

    // 3. A delete, then a create that refers to a missing record.
    let deck = b.get(EntityKind::Task, T_DECK).await.expect("get");
    let r = b
        .apply(
            "mallory",
            vec![
                Write::Delete {
                    kind: EntityKind::Task,
                    id: T_DECK,
                    version: deck.version(),
                },
                Write::Create {
                    record: Record::Contact(fixture::contact(0, 999, "Nobody", &[])),
                },
            ],
        )
        .await;
    expect_invalid(r, "writes[1].account_id", "dangling second write");
    assert_untouched(b, &before, "after a batch with a delete first").await;

    // 4. A delete of a missing record second.
    let r = b
        .apply(
            "mallory",
            vec![
                Write::Create {
                    record: Record::Task(new_task.clone()),
                },
                Write::Delete {
                    kind: EntityKind::Task,
                    id: 9999,
                    version: 1,
                },
            ],
        )
        .await;
    expect_not_found(r, EntityKind::Task, 9999, "missing record second");
    assert_untouched(b, &before, "after a batch whose 2nd write is missing").await;

    // An empty batch writes nothing.
    assert_eq!(b.apply("mallory", vec![]).await.expect("empty"), vec![]);
    assert_untouched(b, &before, "after an empty batch").await;

    // A batch that succeeds answers each write in order (None for a delete) and
    // logs them in order, all at the same instant, under one actor.
    let last = last_change_id(b).await;
    let mut deck_moved = deck.clone();
    if let Record::Task(t) = &mut deck_moved {
        t.status = TaskStatus::Doing;
    }
    let out = b
        .apply(
            "carol",
            vec![
                Write::Create {
                    record: Record::Task(new_task.clone()),
                },
                Write::Update {
                    record: deck_moved.clone(),
                },
                Write::Delete {
                    kind: EntityKind::Alert,
                    id: AL_DONE,
                    version: 1,
                },
            ],
        )
        .await
        .expect("a valid batch");
    assert_eq!(out.len(), 3);
    let created = out[0].clone().expect("the created task");
    assert!(created.id() > 0);
    assert_eq!(
        b.get(EntityKind::Task, created.id()).await.expect("get"),
        created
    );
    let updated = out[1].clone().expect("the updated task");
    assert_eq!(updated.version(), deck.version() + 1);
    assert_eq!(out[2], None);
    expect_not_found(
        b.get(EntityKind::Alert, AL_DONE).await,
        EntityKind::Alert,
        AL_DONE,
        "deleted in the batch",
    );
    let changes = changes_since(b, last).await;
    let got: Vec<(EntityKind, ChangeAction, Option<&str>)> = changes
        .iter()
        .map(|c| (c.entity, c.action, c.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (EntityKind::Task, ChangeAction::Create, None),
            (EntityKind::Task, ChangeAction::Update, Some("status")),
            (EntityKind::Alert, ChangeAction::Delete, None),
        ]
    );
    assert!(
        changes.iter().all(|c| c.actor == "carol" && c.at == fx.now),
        "{changes:?}"
    );
}

/// An invalid version of an existing record of each kind, and the field named.
fn broken(r: &mut Record) -> &'static str {
    match r {
        Record::Account(a) => {
            a.name = String::new();
            "name"
        }
        Record::Contact(c) => {
            c.email = Some("not an address".into());
            "email"
        }
        Record::Interaction(i) => {
            i.sentiment = Some(Sentiment {
                score: 3.0,
                label: SentimentLabel::Positive,
                source: SentimentSource::Manual,
            });
            "sentiment.score"
        }
        Record::SupportCase(c) => {
            c.severity = 9;
            "severity"
        }
        Record::Agreement(a) => {
            a.mrr_cents = -1;
            "mrr_cents"
        }
        Record::Opportunity(o) => {
            o.amount_cents = -5;
            "amount_cents"
        }
        Record::Project(p) => {
            p.name = " ".into();
            "name"
        }
        Record::Task(t) => {
            t.title = String::new();
            "title"
        }
        Record::Playbook(p) => {
            p.steps.clear();
            "steps"
        }
        Record::PlaybookRun(r) => {
            r.steps.clear();
            "steps"
        }
        Record::NpsResponse(n) => {
            n.score = 11;
            "score"
        }
        Record::Document(d) => {
            d.link = String::new();
            "link"
        }
        Record::Alert(a) => {
            a.message = String::new();
            "message"
        }
        Record::Summary(s) => {
            s.sections.clear();
            "sections"
        }
        Record::SuccessPlan(p) => {
            p.end = Some(fixture::date(2025, 1, 1));
            "end"
        }
        Record::Objective(o) => {
            o.name = String::new();
            "name"
        }
        Record::Kpi(k) => {
            k.name = String::new();
            "name"
        }
        Record::BusinessChallenge(c) => {
            c.title = " ".into();
            "title"
        }
        Record::Invoice(i) => {
            i.due_on = fixture::date(2026, 1, 1);
            "due_on"
        }
        Record::Payment(p) => {
            p.amount_cents = 0;
            "amount_cents"
        }
    }
}

/// A refused update of each kind, on its own and second in a batch after a valid
/// write, leaves nothing behind: no record changed, no change-log entry.
pub async fn check_invalid_update_every_kind(b: &dyn Backend, _fx: &Fixture) {
    let before = snapshot(b).await;
    for (kind, id) in representatives() {
        let ctx = format!("invalid update of {kind} {id}");
        let mut r = b.get(kind, id).await.expect("get");
        let field = broken(&mut r);
        expect_invalid(b.update("mallory", r.clone()).await, field, &ctx);
        assert_untouched(b, &before, &ctx).await;
        let mut fine = b.get(EntityKind::Task, T_KICKOFF).await.expect("get");
        mutate(&mut fine);
        let batch = b
            .apply(
                "mallory",
                vec![Write::Update { record: fine }, Write::Update { record: r }],
            )
            .await;
        expect_invalid(batch, &format!("writes[1].{field}"), &ctx);
        assert_untouched(b, &before, &format!("{ctx} in a batch")).await;
    }
}

async fn agreement_of(b: &dyn Backend, id: Id) -> Agreement {
    match b.get(EntityKind::Agreement, id).await.expect("get") {
        Record::Agreement(a) => a,
        other => panic!("not an agreement: {other:?}"),
    }
}

async fn portfolio_row(b: &dyn Backend, id: Id) -> AccountRow {
    let page = b
        .portfolio(&PortfolioQuery {
            page: PageRequest {
                offset: 0,
                limit: 100,
            },
            ..Default::default()
        })
        .await
        .expect("portfolio");
    page.items
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("account {id} in the portfolio"))
}

/// Renews through `apply` as the app and the CLI do: [update old, create new].
async fn renew(
    b: &dyn Backend,
    old: &Agreement,
    today: chrono::NaiveDate,
    now: Timestamp,
) -> (Agreement, Agreement) {
    let (ended, renewal) = old.renew(today, now);
    let out = b
        .apply(
            "dana",
            vec![
                Write::Update {
                    record: Record::Agreement(ended),
                },
                Write::Create {
                    record: Record::Agreement(renewal),
                },
            ],
        )
        .await
        .expect("renewal batch");
    match (out[0].clone(), out[1].clone()) {
        (Some(Record::Agreement(a)), Some(Record::Agreement(b))) => (a, b),
        other => panic!("the batch answered {other:?}"),
    }
}

pub async fn check_apply_renewal(b: &dyn Backend, fx: &Fixture) {
    let today = fixture::today();
    // ACME's platform: auto-renewed, its term ends 2026-12-31.
    let platform = agreement_of(b, AG_PLATFORM).await;
    let row_before = portfolio_row(b, ACME).await;
    let last = last_change_id(b).await;
    let (ended, renewal) = renew(b, &platform, today, fx.now).await;
    assert_eq!(
        agreement_of(b, AG_PLATFORM).await,
        ended,
        "stored as answered"
    );
    assert_eq!(
        agreement_of(b, renewal.id).await,
        renewal,
        "stored as answered"
    );
    assert!(!ended.auto_renew, "the renewed contract stops renewing");
    assert_eq!(ended.end, date(2026, 12, 31));
    assert_eq!(ended.version, platform.version + 1);
    assert_eq!(renewal.renews_id, Some(AG_PLATFORM));
    assert_eq!(renewal.kind, AgreementKind::Renewal);
    assert_eq!(renewal.status, AgreementStatus::Active);
    // The term ran 19 whole months (2025-06-01 .. 2026-12-31): so does the renewal.
    assert_eq!(
        (renewal.start, renewal.end),
        (date(2027, 1, 1), date(2028, 7, 31))
    );
    assert_eq!(renewal.mrr_cents, platform.mrr_cents);
    assert!(renewal.id > 0 && renewal.id != AG_PLATFORM);
    // Today the old term still runs and the renewal has not started: same MRR.
    let row = portfolio_row(b, ACME).await;
    assert_eq!(row.mrr_cents, row_before.mrr_cents, "no double count today");
    // Without tacit renewal the notice date is the end itself.
    assert_eq!(row.renewal, Some(date(2026, 9, 30)), "Services ends first");
    let stored = b.agreements(ACME, None).await.expect("agreements");
    for day in [date(2026, 12, 31), date(2027, 1, 1), date(2028, 7, 31)] {
        let platform_line: Cents = stored
            .iter()
            .filter(|a| a.id == AG_PLATFORM || a.renews_id == Some(AG_PLATFORM))
            .filter(|a| a.is_active_on(day))
            .map(|a| a.mrr_cents)
            .sum();
        assert_eq!(platform_line, 50_000, "one platform line on {day}");
    }
    // One entry for the changed field of the old contract, one for the new one.
    let changes = changes_since(b, last).await;
    let got: Vec<(Id, ChangeAction, Option<&str>)> = changes
        .iter()
        .map(|c| (c.record_id, c.action, c.field.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (AG_PLATFORM, ChangeAction::Update, Some("auto_renew")),
            (renewal.id, ChangeAction::Create, None),
        ]
    );
    assert!(changes.iter().all(|c| c.account_id == Some(ACME)));

    // A late renewal: INITECH's contract ended before today without tacit renewal.
    // After its end the renewal alone counts: the row shows its MRR once.
    let lapsed = fixture::agreement(
        0,
        INITECH,
        "Initech 2025",
        4_500,
        date(2025, 3, 1),
        date(2026, 2, 28),
        30,
        false,
        AgreementStatus::Active,
        AgreementKind::Initial,
    );
    let lapsed = match b
        .create("dana", Record::Agreement(lapsed))
        .await
        .expect("create")
    {
        Record::Agreement(a) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(portfolio_row(b, INITECH).await.mrr_cents, 0, "it lapsed");
    let (ended, renewal) = renew(b, &lapsed, today, fx.now).await;
    assert_eq!(ended.end, date(2026, 2, 28));
    assert_eq!(
        (renewal.start, renewal.end),
        (date(2026, 3, 1), date(2027, 2, 28))
    );
    let row = portfolio_row(b, INITECH).await;
    assert_eq!(
        (row.mrr_cents, row.renewal),
        (4_500, Some(date(2027, 2, 28))),
        "the renewal counts once, after the old end"
    );
    assert_eq!(b.account(INITECH).await.expect("360").row, row);

    // HOOLI's contract ended last year and rolls over by tacit renewal: renewing it
    // ends it with the running term, and the row still counts it once.
    let hooli = agreement_of(b, AG_HOOLI).await;
    let (ended, renewal) = renew(b, &hooli, today, fx.now).await;
    assert_eq!(ended.end, hooli.current_end(today));
    assert!(ended.end >= today);
    assert_eq!(renewal.start, ended.end.succ_opt().expect("day"));
    let row = portfolio_row(b, HOOLI).await;
    // The renewal decides now: its notice date (auto-renew, 30 days before its
    // end), not the old term's end, which renewing made no longer a decision.
    assert_eq!(renewal.next_notice_on_or_after(today), date(2027, 12, 1));
    assert_eq!(
        (row.mrr_cents, row.renewal),
        (8_000, Some(date(2027, 12, 1))),
        "the running term counts once; the renewal's notice date is the renewal date"
    );
}

/// A renewal as the front ends write it: the old contract stops renewing, the new
/// one is created.
fn renewal_batch(old: &Agreement, fx: &Fixture) -> Vec<Write> {
    let (ended, renewal) = old.renew(fixture::today(), fx.now);
    vec![
        Write::Update {
            record: Record::Agreement(ended),
        },
        Write::Create {
            record: Record::Agreement(renewal),
        },
    ]
}

/// The store holds every client to the renewal rules (not only the front ends
/// that check before writing): a contract is renewed once, and only a contract
/// that ran (active or expired).
pub async fn check_renewal_rules(b: &dyn Backend, fx: &Fixture) {
    let before = snapshot(b).await;
    // ACME's old contract is renewed already, by the platform contract.
    let old = agreement_of(b, AG_OLD).await;
    assert_eq!(agreement_of(b, AG_PLATFORM).await.renews_id, Some(AG_OLD));
    let r = b.apply("mallory", renewal_batch(&old, fx)).await;
    expect_invalid(
        r,
        "writes[1].renews_id",
        "a second renewal of a renewed contract",
    );
    let (_, again) = old.renew(fixture::today(), fx.now);
    let r = b.create("mallory", Record::Agreement(again)).await;
    expect_invalid(r, "renews_id", "a second renewal created alone");
    // An agreement of its own made to renew it: refused too.
    let mut services = agreement_of(b, AG_SERVICES).await;
    services.renews_id = Some(AG_OLD);
    let r = b.update("mallory", Record::Agreement(services)).await;
    expect_invalid(r, "renews_id", "another agreement made to renew it");
    // A draft and a cancelled contract are not renewed.
    for id in [AG_DRAFT, AG_UMBRELLA] {
        let x = agreement_of(b, id).await;
        let r = b.apply("mallory", renewal_batch(&x, fx)).await;
        expect_invalid(
            r,
            "writes[1].renews_id",
            &format!("renewing a {} contract", x.status),
        );
    }
    assert_untouched(b, &before, "nothing of the refused renewals stored").await;

    // The existing renewal stays editable, and the platform is renewed once.
    let mut platform = agreement_of(b, AG_PLATFORM).await;
    platform.notice_days = 45;
    b.update("dana", Record::Agreement(platform))
        .await
        .expect("an edit of a renewal that keeps what it renews");
    let platform = agreement_of(b, AG_PLATFORM).await;
    b.apply("dana", renewal_batch(&platform, fx))
        .await
        .expect("the first renewal of the platform");
    let platform = agreement_of(b, AG_PLATFORM).await;
    let r = b.apply("mallory", renewal_batch(&platform, fx)).await;
    expect_invalid(r, "writes[1].renews_id", "renewing the platform twice");
}

/// The store holds every client to the moves of a playbook run's steps: a finished
/// step is not reopened, a failed one is retried before it is completed.
pub async fn check_playbook_step_rules(b: &dyn Backend, _fx: &Fixture) {
    let run_of = |r: Record| match r {
        Record::PlaybookRun(x) => x,
        other => panic!("not a run: {other:?}"),
    };
    let before = snapshot(b).await;
    // ACME's onboarding: done, waiting, pending.
    let run = run_of(b.get(EntityKind::PlaybookRun, RUN_ACME).await.expect("get"));
    let mut reopened = run.clone();
    reopened.steps[0].state = StepState::Waiting;
    let r = b.update("mallory", Record::PlaybookRun(reopened)).await;
    expect_invalid(r, "steps[0].state", "reopening a done step");
    let mut back = run.clone();
    back.steps[1].state = StepState::Pending;
    let r = b
        .apply(
            "mallory",
            vec![Write::Update {
                record: Record::PlaybookRun(back),
            }],
        )
        .await;
    expect_invalid(
        r,
        "writes[0].steps[1].state",
        "a waiting step sent back to pending",
    );
    assert_untouched(b, &before, "nothing of the refused moves stored").await;

    // What the actions do is stored; a failed step is retried before completed.
    let mut failed = run.clone();
    failed.steps[1].state = StepState::Failed;
    let failed = run_of(
        b.update("dana", Record::PlaybookRun(failed))
            .await
            .expect("an open step fails"),
    );
    let mut done = failed.clone();
    done.steps[1].state = StepState::Done;
    let r = b.update("mallory", Record::PlaybookRun(done)).await;
    expect_invalid(r, "steps[1].state", "completing a failed step");
    let mut retried = failed.clone();
    retried.retry(1, fixture::now()).expect("retry");
    let mut completed = run_of(
        b.update("dana", Record::PlaybookRun(retried))
            .await
            .expect("retried"),
    );
    completed.complete(1, fixture::now()).expect("complete");
    let stored = run_of(
        b.update("dana", Record::PlaybookRun(completed))
            .await
            .expect("completed"),
    );
    assert_eq!(
        stored.steps.iter().map(|s| s.state).collect::<Vec<_>>(),
        vec![StepState::Done, StepState::Done, StepState::Waiting]
    );
}

/// ACME's tasks.
async fn board(b: &dyn Backend) -> Vec<Task> {
    let q = TaskQuery {
        account_id: Some(ACME),
        ..Default::default()
    };
    b.tasks(&q).await.expect("tasks")
}

pub async fn check_apply_task_move_renumbers(b: &dyn Backend, _fx: &Fixture) {
    let column = |tasks: &[Task], status: TaskStatus| {
        let mut c: Vec<(i64, Id)> = tasks
            .iter()
            .filter(|t| t.status == status)
            .map(|t| (t.position, t.id))
            .collect();
        c.sort();
        c
    };
    // ACME's todo column: WELCOME 1, TRAIN 2. TRAIN to the top.
    let tasks = board(b).await;
    let before = snapshot(b).await;
    let last = last_change_id(b).await;
    let moves = move_task(&tasks, T_TRAIN, TaskStatus::Todo, 0);
    assert_eq!(moves.len(), 2, "both change place");
    let writes = moves
        .into_iter()
        .map(|t| Write::Update {
            record: Record::Task(t),
        })
        .collect();
    let out = b.apply("alice", writes).await.expect("move");
    assert_eq!(out.len(), 2);
    let tasks = board(b).await;
    assert_eq!(
        column(&tasks, TaskStatus::Todo),
        vec![(1, T_TRAIN), (2, T_WELCOME)]
    );
    for t in &tasks {
        let old = before.tasks.iter().find(|o| o.id == t.id).expect("task");
        let moved = [T_TRAIN, T_WELCOME].contains(&t.id);
        assert_eq!(
            t.version,
            old.version + i64::from(moved),
            "task {} version",
            t.id
        );
    }
    let changes = changes_since(b, last).await;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes
            .iter()
            .all(|c| c.field.as_deref() == Some("position") && c.actor == "alice")
    );

    // KICKOFF from done to the top of doing: SSO moves down, the status changes.
    let last = last_change_id(b).await;
    let moves = move_task(&tasks, T_KICKOFF, TaskStatus::Doing, 0);
    let writes = moves
        .into_iter()
        .map(|t| Write::Update {
            record: Record::Task(t),
        })
        .collect();
    b.apply("alice", writes).await.expect("move");
    let tasks = board(b).await;
    assert_eq!(
        column(&tasks, TaskStatus::Doing),
        vec![(1, T_KICKOFF), (2, T_SSO)]
    );
    assert!(column(&tasks, TaskStatus::Done).is_empty());
    let mut fields: Vec<(Id, String)> = changes_since(b, last)
        .await
        .into_iter()
        .map(|c| (c.record_id, c.field.unwrap_or_default()))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            (T_SSO, "position".to_string()),
            (T_KICKOFF, "status".to_string())
        ]
    );

    // A move computed from a board that changed since is refused as a whole.
    let stale_board = tasks.clone();
    let mut sso = tasks.iter().find(|t| t.id == T_SSO).cloned().expect("SSO");
    sso.assignee = "dana".into();
    b.update("dana", Record::Task(sso))
        .await
        .expect("their edit");
    let before = snapshot(b).await;
    let writes = move_task(&stale_board, T_WELCOME, TaskStatus::Doing, 0)
        .into_iter()
        .map(|t| Write::Update {
            record: Record::Task(t),
        })
        .collect();
    expect_conflict(
        b.apply("alice", writes).await,
        EntityKind::Task,
        T_SSO,
        2,
        3,
        "a move over a stale board",
    );
    assert_untouched(b, &before, "after a refused move").await;
}
