//! The store's modules written over the connection type, run on both engines
//! with the same calls and compared answer by answer: the credentials, leases,
//! records, settings, rules, runs, My work, reads, the dashboard, the outbox
//! and notifications.

use crate::api::Role;
use crate::db::Conn;
use crate::db::PgConn;
use crate::sqlite::leases::{holder, release, replicas, take};
use crate::sqlite::{read, ssh_keys, tables, tokens};
use tend_domain::{Account, EntityKind, Interaction};

fn run(c: Conn<'_>) -> Vec<String> {
    let mut seen = vec![];
    let now = 1_000_000;
    seen.push(format!("{:?}", take(c, "x", "a", now, now + 100)));
    seen.push(format!("{:?}", take(c, "x", "b", now + 50, now + 150)));
    seen.push(format!("{:?}", take(c, "x", "b", now + 101, now + 200)));
    seen.push(format!("{:?}", holder(c, "x", now + 150)));
    release(c, "x", "b").expect("release");
    seen.push(format!("{:?}", holder(c, "x", now + 150)));
    seen.push(format!("{:?}", replicas(c, "one", now, now + 100)));
    seen.push(format!("{:?}", replicas(c, "two", now + 10, now + 110)));
    seen.push(format!("{:?}", replicas(c, "two", now + 105, now + 200)));

    let at = chrono::DateTime::from_timestamp_millis(1_700_000_000_000).expect("time");
    let t = tokens::insert(c, "hash1", "maya", Role::Csm, at).expect("token");
    seen.push(format!("{:?}", tokens::by_hash(c, "hash1")));
    seen.push(format!("{:?}", tokens::revoke(c, t.id, at)));
    seen.push(format!("{:?}", tokens::revoke(c, t.id, at)));
    seen.push(format!("{:?}", tokens::by_hash(c, "hash1")));
    seen.push(format!("{:?}", tokens::all(c)));
    let k = ssh_keys::insert(c, "SHA256:abc", "ssh-ed25519 AAAA", "vic", Role::Viewer, at)
        .expect("key");
    let again = ssh_keys::insert(c, "SHA256:abc", "ssh-ed25519 AAAA", "ann", Role::Admin, at);
    seen.push(format!("{:?}", again.map_err(|e| e.to_string())));
    seen.push(format!("{:?}", ssh_keys::by_fingerprint(c, "SHA256:abc")));
    seen.push(format!("{:?}", ssh_keys::revoke(c, k.id, at)));
    seen.push(format!("{:?}", ssh_keys::all(c)));
    // Records: inserted with a new id and with their own, read back.
    let demo = tend_engines::dataset::parse(crate::sqlite::DEMO_FIXTURES, "demo")
        .expect("the demo dataset");
    let mut account = demo.accounts[0].clone();
    account.id = 0;
    let id = tables::insert(c, &account).expect("a new id");
    seen.push(format!("{:?}", tables::get::<Account>(c, id)));
    let mut interaction = demo.interactions[0].clone();
    interaction.account_id = id;
    interaction.id = 4242;
    seen.push(format!("{:?}", tables::insert(c, &interaction)));
    seen.push(format!(
        "{:?}",
        tables::get_record(c, EntityKind::Interaction, 4242)
    ));
    seen.push(format!(
        "{:?}",
        tables::select_in::<Interaction>(c, "WHERE account_id = ?", &[&id])
    ));
    seen.push(format!(
        "{:?}",
        tables::get::<Account>(c, 999_999).map_err(|e| e.to_string())
    ));
    // The store's settings and the derived columns (MRR, next renewal).
    crate::sqlite::meta::set_meta(c, "k", "v1").expect("set");
    crate::sqlite::meta::set_meta(c, "k", "v2").expect("set again");
    seen.push(format!("{:?}", crate::sqlite::meta::meta(c, "k")));
    let mut agreement = demo.agreements[0].clone();
    agreement.account_id = id;
    agreement.id = 0;
    agreement.renews_id = None;
    let agreement_id = tables::insert(c, &agreement).expect("agreement");
    let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("day");
    crate::sqlite::derived::refresh_all(c, today).expect("refresh");
    crate::sqlite::derived::refresh_account(c, id, today).expect("refresh one");
    seen.push(format!(
        "{:?}",
        c.query_row(
            "SELECT mrr_cents, renewal_day FROM accounts WHERE id = +?",
            &[&id],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
        )
    ));
    // A renewal of the agreement is held to the rules, and a second one refused.
    let mut renewal = agreement.clone();
    renewal.id = agreement_id + 1000;
    renewal.renews_id = Some(agreement_id);
    let first = crate::sqlite::rules::check(c, None, &renewal).map_err(|e| e.to_string());
    seen.push(format!("{first:?}"));
    // A run's emails rendered from its playbook and the account's contacts.
    seen.push(format!("{:?}", read::account_row(c, id)));
    for mut contact in demo.contacts.iter().take(3).cloned() {
        contact.id = 0;
        contact.account_id = id;
        tables::insert(c, &contact).expect("a contact");
    }
    let playbook = demo
        .playbooks
        .iter()
        .find(|p| {
            p.steps
                .iter()
                .any(|s| matches!(s.action, tend_domain::StepAction::SendEmail { .. }))
        })
        .expect("a playbook that sends")
        .clone();
    let playbook_id = tables::insert(
        c,
        &tend_domain::Playbook {
            id: 0,
            ..playbook.clone()
        },
    )
    .expect("a playbook");
    let mut run = demo
        .playbook_runs
        .iter()
        .find(|r| r.playbook_id == playbook.id)
        .expect("a run of it")
        .clone();
    run.account_id = id;
    run.playbook_id = playbook_id;
    run.automatic = true;
    crate::sqlite::runs::prepare(c, &mut run, at).expect("prepare");
    assert!(
        run.steps.iter().any(|s| s.email.is_some()),
        "an email rendered"
    );
    seen.push(format!("{:?}", run.steps));

    // My work for the account's owner (any case) and for someone on its team:
    // an open alert on the account and a task of the owner's due.
    let alert = tend_domain::Alert {
        id: 0,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Default::default(),
        external_id: None,
        account_id: id,
        rule: "usage_drop".into(),
        at,
        message: "usage fell by half".into(),
        state: tend_domain::AlertState::Open,
        snoozed_until: None,
        from_status: None,
        to_status: None,
        case_id: None,
    };
    tables::insert(c, &alert).expect("an alert");
    let mut task = demo.tasks[0].clone();
    task.id = 0;
    task.account_id = id;
    task.project_id = None;
    task.alert_id = None;
    task.assignee = account.owner.clone();
    task.status = tend_domain::TaskStatus::Todo;
    task.due = Some(at.date_naive());
    tables::insert(c, &task).expect("a task");
    let work =
        crate::sqlite::mywork::my_work(c, &account.owner.to_uppercase(), 3, at).expect("my work");
    assert!(work.len() >= 2, "{work:?}");
    seen.push(format!("{work:?}"));
    if let Some(member) = account.team.first() {
        seen.push(format!(
            "{:?}",
            crate::sqlite::mywork::my_work(c, member, 3, at)
        ));
    }

    // The account's agreements, its open alerts (churned accounts left out),
    // and its change log.
    seen.push(format!("{:?}", read::agreements(c, id, None)));
    let open = read::alerts(
        c,
        &crate::AlertQuery {
            account_id: Some(id),
            state: Some(tend_domain::AlertState::Open),
            exclude_churned: true,
            page: crate::PageRequest {
                offset: 0,
                limit: 10,
            },
            ..Default::default()
        },
        at,
    )
    .expect("alerts");
    assert_eq!(open.total, 1);
    seen.push(format!("{open:?}"));
    seen.push(format!(
        "{:?}",
        read::change_log(
            c,
            id,
            crate::PageRequest {
                offset: 0,
                limit: 5
            }
        )
    ));
    // A group: a subsidiary and its own, rolled up under the account.
    let mut child = demo.accounts[1].clone();
    child.id = 0;
    child.parent_id = Some(id);
    let child_id = tables::insert(c, &child).expect("a subsidiary");
    let mut grandchild = demo.accounts[2].clone();
    grandchild.id = 0;
    grandchild.parent_id = Some(child_id);
    tables::insert(c, &grandchild).expect("its subsidiary");
    let group = crate::sqlite::insights::group(c, id, 100)
        .expect("the group")
        .expect("a group");
    seen.push(format!("{group:?}"));
    // Tasks by assignee (any case), open, due this week or overdue.
    for due in [
        None,
        Some(crate::DueWindow::Overdue),
        Some(crate::DueWindow::ThisWeek),
    ] {
        let tasks = read::tasks(
            c,
            &crate::TaskQuery {
                assignee: Some(account.owner.to_uppercase()),
                open: Some(true),
                due,
                ..Default::default()
            },
            at.date_naive(),
        )
        .expect("tasks");
        seen.push(format!("{tasks:?}"));
    }
    // The account's timeline (its interactions' sentiment, its agreements).
    seen.push(format!("{:?}", crate::sqlite::timeline::events(c, id, at)));
    // Usage: per week, per user and per feature.
    let first = at.date_naive() - chrono::Days::new(20);
    for (offset, contact, features) in [
        (0i64, 0i64, r#"{"reports": 2}"#),
        (1, 0, r#"{"reports": 1, "export": 4}"#),
        (9, 0, r#"{"alerts": 3}"#),
    ] {
        c.execute(
            "INSERT INTO usage (account_id, contact_id, day, connections, minutes, features)
             VALUES (?, ?, ?, 3, 20, ?)",
            &[
                &id,
                &contact,
                &(crate::sqlite::codec::day(&first) + offset),
                &features,
            ],
        )
        .expect("usage");
    }
    seen.push(format!(
        "{:?}",
        read::usage(
            c,
            id,
            &crate::UsageQuery {
                from: first,
                to: at.date_naive(),
                bucket: crate::Bucket::Week,
            }
        )
    ));
    for by in [crate::UsageBy::User, crate::UsageBy::Feature] {
        let shares = read::usage_breakdown(
            c,
            id,
            &crate::UsageBreakdownQuery {
                from: first,
                to: at.date_naive(),
                by,
            },
        )
        .expect("a breakdown");
        assert!(!shares.is_empty());
        seen.push(format!("{shares:?}"));
    }
    // A batch (on PostgreSQL one statement, its rows passed as JSON): large
    // integers, text with quotes, escapes and accents, NULLs and the rows' order
    // come back as one statement at a time gives them.
    let mut b = crate::db::Batch::default();
    let literals = b
        .query(
            "SELECT 9007199254740993, -5, 'it''s \"q\" é\n\\ ☃', NULL, ?",
            &[&"a parameter"],
            |r| {
                Ok((0..5)
                    .map(|i| format!("{:?}", r.get_ref(i)))
                    .collect::<Vec<_>>())
            },
        )
        .expect("a statement");
    let ids = b
        .query("SELECT id, name FROM accounts ORDER BY id DESC", &[], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })
        .expect("a statement");
    let empty = b
        .query("SELECT id FROM accounts WHERE id < 0", &[], |r| {
            r.get::<_, i64>(0)
        })
        .expect("a statement");
    let mut answers = b.run(c).expect("the batch");
    seen.push(format!("{:?}", answers.take(literals)));
    let ids = answers.take(ids);
    assert!(ids.len() > 1 && ids.windows(2).all(|w| w[0].0 > w[1].0));
    seen.push(format!("{ids:?}"));
    seen.push(format!("{:?}", answers.take(empty)));
    // The account's 360, everything in it.
    let view = read::account_360(c, id, at).expect("the 360");
    assert_eq!(view.children.len(), 1);
    assert!(!view.contacts.is_empty() && !view.usage.is_empty());
    seen.push(format!("{view:?}"));
    // Interactions: full-text (the last word a prefix, accents aside), by
    // contact, tag and a contact's role, alone and together.
    let mut tagged = demo.interactions[1].clone();
    tagged.id = 0;
    tagged.account_id = id;
    tagged.subject = "Réunion: renewal pricing".into();
    tagged.tags = vec!["Pricing".into()];
    let first_contact: i64 = c
        .query_row(
            "SELECT min(id) FROM contacts WHERE account_id = ?",
            &[&id],
            |r| r.get(0),
        )
        .expect("a contact");
    tagged.contact_ids = vec![first_contact];
    c.execute(
        "UPDATE contacts SET roles = '[\"Champion\"]' WHERE id = ?",
        &[&first_contact],
    )
    .expect("a champion");
    tables::insert(c, &tagged).expect("an interaction");
    let search = |q: crate::InteractionQuery| {
        let page = read::interactions(c, &q).expect("interactions");
        format!(
            "{} {:?}",
            page.total,
            page.items.iter().map(|i| i.id).collect::<Vec<_>>()
        )
    };
    let page = crate::PageRequest {
        offset: 0,
        limit: 50,
    };
    let text = |t: &str| crate::InteractionQuery {
        text: Some(t.into()),
        page,
        ..Default::default()
    };
    for t in [
        "roadm",
        "discussed timel",
        "reunion renew",
        "PRICING",
        "zzzq",
    ] {
        seen.push(search(text(t)));
    }
    assert!(seen.last().is_some_and(|s| s.starts_with("0 ")));
    assert!(search(text("reunion renew")).starts_with("1 "));
    seen.push(search(crate::InteractionQuery {
        account_id: Some(id),
        tag: Some("pricing".into()),
        contact_role: Some("champion".into()),
        contact_id: Some(first_contact),
        text: Some("pric".into()),
        page,
        ..Default::default()
    }));
    assert!(
        seen.last().is_some_and(|s| s.starts_with("1 ")),
        "{:?}",
        seen.last()
    );
    // The dashboard's tiles: statuses, renewals, transitions, drags.
    c.execute(
        "UPDATE accounts SET health_status = 'at_risk', health_drag = 'usage', \
         renewal_day = ? WHERE id = ?",
        &[&(crate::sqlite::codec::day(&at.date_naive()) + 10), &id],
    )
    .expect("seed the health columns");
    let dashboard = crate::sqlite::dashboard::tiles(c, at).expect("the dashboard");
    assert_eq!(dashboard.health.iter().map(|t| t.accounts).sum::<u64>(), 3);
    seen.push(format!("{dashboard:?}"));
    // The outbox: queued once per key, claimed, recorded, retried, cancelled.
    use crate::outbound::{DeliveryKind, DeliveryQuery, Payload, Settings};
    use crate::sqlite::outbox;
    let payload = Payload::Notice {
        channel: "ops".into(),
        notice: crate::outbound::webhook::Notice {
            event: "health_transition".into(),
            title: "Acme turned red".into(),
            text: "été".into(),
            account_id: Some(id),
            account_name: None,
            at,
            data: serde_json::json!({"from": "yellow"}),
        },
    };
    let new = |key: &str| outbox::NewDelivery {
        kind: DeliveryKind::Webhook,
        key: key.into(),
        channel: "ops",
        account_id: Some(id),
        origin: format!("playbook run 7 step {key}"),
        summary: "a notice".into(),
        payload: &payload,
        actor: "carol",
    };
    seen.push(format!("{:?}", outbox::enqueue(c, new("a"), at)));
    seen.push(format!("{:?}", outbox::enqueue(c, new("a"), at)));
    seen.push(format!("{:?}", outbox::enqueue(c, new("b"), at)));
    let claimed = outbox::claim_due(c, at, 1, false).expect("claim");
    assert_eq!(claimed.len(), 1);
    seen.push(format!("{claimed:?}"));
    let settings = Settings::default();
    for (d, _) in &claimed {
        let failed = Err(crate::outbound::smtp::SendError::Permanent("no".into()));
        seen.push(format!(
            "{:?}",
            outbox::record(c, &settings, d, &failed, at)
        ));
        seen.push(format!("{:?}", outbox::retry(c, d.id, at)));
    }
    outbox::cancel_queued(c, outbox::QueuedOf::Run(7), "dan", at).expect("cancel");
    seen.push(format!("{:?}", outbox::queued(c)));
    seen.push(format!("{:?}", outbox::list(c, &DeliveryQuery::default())));
    seen.push(format!("{:?}", outbox::recover(c, at)));

    // Notifications: the alert raised above, and the renewal coming up.
    let notify = Settings {
        notify: crate::outbound::NotifySettings {
            rules: vec![
                crate::outbound::Rule {
                    on: crate::outbound::Trigger::Alert { rule: "*".into() },
                    channels: vec!["team".into()],
                },
                crate::outbound::Rule {
                    on: crate::outbound::Trigger::Renewal { within_days: 3650 },
                    channels: vec!["team".into()],
                },
            ],
            channels: vec![crate::outbound::Channel {
                name: "team".into(),
                kind: crate::outbound::ChannelKind::Email {
                    to: vec!["cs@example.com".into()],
                },
            }],
        },
        ..Settings::default()
    };
    seen.push(format!("{:?}", crate::sqlite::notify::scan(c, &notify, at)));
    seen.push(format!("{:?}", crate::sqlite::notify::scan(c, &notify, at)));
    seen.push(format!("{:?}", read::last_change(c)));
    seen.push(format!("{:?}", read::changes_after(c, 0, 10)));
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ported_modules_answer_alike_on_both_engines() {
    let Some(db) = crate::postgres::testing::database("ported_modules").await else {
        return;
    };
    let mut client = crate::postgres::connect(&db.url).await.expect("connect");
    crate::postgres::migrate(&mut client).await.expect("schema");
    let pg = PgConn::connect(&db.url).await.expect("connect");
    let on_pg = tokio::task::spawn_blocking(move || run(Conn::Pg(&pg)))
        .await
        .expect("PostgreSQL");

    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("s.db");
    drop(crate::sqlite::Store::open(&path).expect("a store"));
    let sqlite = rusqlite::Connection::open(&path).expect("open");
    let on_sqlite = run(Conn::Sqlite(&sqlite));
    assert_eq!(on_pg.len(), on_sqlite.len());
    for (i, (pg, file)) in on_pg.iter().zip(&on_sqlite).enumerate() {
        assert_eq!(pg, file, "answer {i}: PostgreSQL, then SQLite");
    }
    // Only the refusals asked for: the key registered twice, the missing account.
    let refused: Vec<&String> = on_sqlite.iter().filter(|s| s.starts_with("Err")).collect();
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert_eq!(on_sqlite[0..3], ["Ok(true)", "Ok(false)", "Ok(true)"]);
    assert_eq!(on_sqlite[7], "Ok(1)", "the first presence ran out");
}
