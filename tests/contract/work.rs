//! The Tasks tab's filters (open or closed, when due, type) and the Usage tab's
//! breakdown per user and per feature.

use chrono::NaiveDate;
use tend::backend::*;
use tend::domain::*;

use crate::fixture::ids::*;
use crate::fixture::{Fixture, date, now};
use crate::support::*;

/// The fixture's today is Wednesday 2026-03-18: this week runs to Sunday the 22nd.
pub async fn check_task_filters_open_due_kind(b: &dyn Backend, _fx: &Fixture) {
    let q = TaskQuery::default;
    let get = |query: TaskQuery| async move { b.tasks(&query).await.expect("tasks") };
    let cases: Vec<(&str, TaskQuery, Vec<Id>)> = vec![
        (
            "open",
            TaskQuery {
                open: Some(true),
                ..q()
            },
            vec![T_WELCOME, T_DECK, T_TRAIN, T_SSO, T_MIGRATE],
        ),
        (
            "closed",
            TaskQuery {
                open: Some(false),
                ..q()
            },
            vec![T_KICKOFF],
        ),
        (
            "due this week (today to Sunday)",
            TaskQuery {
                due: Some(DueWindow::ThisWeek),
                ..q()
            },
            vec![T_WELCOME],
        ),
        (
            "due later",
            TaskQuery {
                due: Some(DueWindow::Later),
                ..q()
            },
            vec![T_SSO, T_MIGRATE],
        ),
        (
            "no due date",
            TaskQuery {
                due: Some(DueWindow::None),
                ..q()
            },
            vec![T_DECK, T_TRAIN],
        ),
        (
            "overdue: the kickoff was due on the 10th but is done",
            TaskQuery {
                due: Some(DueWindow::Overdue),
                ..q()
            },
            vec![],
        ),
        (
            "type",
            TaskQuery {
                kind: Some(TaskKind::Call),
                ..q()
            },
            vec![T_KICKOFF],
        ),
        (
            "account, open, this week, assignee together",
            TaskQuery {
                account_id: Some(ACME),
                open: Some(true),
                due: Some(DueWindow::ThisWeek),
                assignee: Some("alice".into()),
                ..q()
            },
            vec![T_WELCOME],
        ),
    ];
    for (what, query, expected) in cases {
        let got = get(query).await;
        assert_same_ids(&ids(&got), &expected, what);
    }
    let welcome = get(TaskQuery {
        kind: Some(TaskKind::Email),
        ..q()
    })
    .await;
    assert_eq!(ids(&welcome), vec![T_WELCOME], "the type reads back");

    // A task due yesterday and not done is overdue, until it is done.
    let Record::Task(late) = b
        .create(
            "contract",
            Record::Task(crate::fixture::task(
                0,
                ACME,
                None,
                "Call the sponsor back",
                "alice",
                Some(date(2026, 3, 17)),
                TaskStatus::Doing,
                Priority::High,
                5,
            )),
        )
        .await
        .expect("a late task")
    else {
        panic!("not a task");
    };
    assert_eq!(late.kind, TaskKind::Call);
    let overdue = TaskQuery {
        due: Some(DueWindow::Overdue),
        ..q()
    };
    assert_eq!(ids(&get(overdue.clone()).await), vec![late.id], "overdue");
    let done = Task {
        status: TaskStatus::Done,
        ..late
    };
    b.update("contract", Record::Task(done))
        .await
        .expect("done");
    assert!(get(overdue).await.is_empty(), "a done task is not overdue");
}

pub async fn check_usage_breakdown(b: &dyn Backend, _fx: &Fixture) {
    let q = |by| UsageBreakdownQuery {
        from: date(2026, 3, 9),
        to: now().date_naive(),
        by,
    };
    let users = b
        .usage_breakdown(ACME, &q(UsageBy::User))
        .await
        .expect("per user");
    type Seen<'a> = (Option<Id>, &'a str, u64, u64, u64, u32, Option<NaiveDate>);
    let got: Vec<Seen> = users
        .iter()
        .map(|u| {
            (
                u.contact_id,
                u.name.as_str(),
                u.connections,
                u.minutes,
                u.events,
                u.active_days,
                u.last_day,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                Some(C_ANNA),
                "Anna",
                21,
                315,
                21,
                10,
                Some(date(2026, 3, 18))
            ),
            (
                Some(C_BORIS),
                "Boris",
                10,
                35,
                10,
                5,
                Some(date(2026, 3, 17))
            ),
            // A product user with rows but no connection in the range.
            (Some(C_EVE), "Eve", 0, 0, 0, 0, None),
        ],
        "per user, busiest first"
    );
    assert_eq!(users[0].features.get("reports"), Some(&21));

    let features = b
        .usage_breakdown(ACME, &q(UsageBy::Feature))
        .await
        .expect("per feature");
    assert_eq!(features.len(), 1, "{features:?}");
    let f = &features[0];
    assert_eq!(
        (f.name.as_str(), f.events, f.users, f.connections, f.minutes),
        ("reports", 31, 2, 31, 350),
        "per feature"
    );
    assert_eq!(f.contact_id, None);

    // Usage no user is known for goes under one row.
    let anonymous = b
        .usage_breakdown(GLOBEX, &q(UsageBy::User))
        .await
        .expect("anonymous");
    assert_eq!(anonymous.len(), 1);
    assert_eq!(
        (
            anonymous[0].contact_id,
            anonymous[0].name.as_str(),
            anonymous[0].connections
        ),
        (None, UNKNOWN_USER, 12)
    );

    // Nothing in the range: no rows; an unknown account or a reversed range: refused.
    let empty = b
        .usage_breakdown(
            ACME,
            &UsageBreakdownQuery {
                from: date(2025, 1, 1),
                to: date(2025, 1, 31),
                by: UsageBy::User,
            },
        )
        .await
        .expect("empty range");
    assert!(empty.is_empty());
    assert!(matches!(
        b.usage_breakdown(999_999, &q(UsageBy::User)).await,
        Err(Error::NotFound { .. })
    ));
    let reversed = UsageBreakdownQuery {
        from: date(2026, 3, 18),
        to: date(2026, 3, 1),
        by: UsageBy::Feature,
    };
    assert!(matches!(
        b.usage_breakdown(ACME, &reversed).await,
        Err(Error::Invalid { .. })
    ));
}
