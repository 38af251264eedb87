//! Acting outward through the trait: emails queued in the outbox (no SMTP server
//! here: they wait, visible), the delivery log, a round of the scheduler, and My
//! work with a playbook step waiting on a person, completed.

use tend::backend::outbound::{
    DeliveryKind, DeliveryQuery, DeliveryState, OutgoingEmail, WorkKind,
};
use tend::backend::*;
use tend::domain::*;

use crate::fixture::ids::*;
use crate::fixture::{self, Fixture};

fn reply(in_reply_to: Option<Id>) -> OutgoingEmail {
    OutgoingEmail {
        account_id: ACME,
        to: vec!["Anna <anna@example.com>".into()],
        cc: vec![],
        subject: "Re: Roadmap".into(),
        body: "Thanks, Anna.".into(),
        in_reply_to,
    }
}

pub async fn check_outbox_and_my_work(b: &dyn Backend, _fx: &Fixture) {
    let d = b
        .send_email("alice", reply(Some(I_ROADMAP)))
        .await
        .expect("queued");
    assert_eq!(
        (d.kind, d.state, d.account_id, d.actor.as_str(), d.attempts),
        (
            DeliveryKind::Email,
            DeliveryState::Queued,
            Some(ACME),
            "alice",
            0
        )
    );
    assert_eq!(d.summary, "To Anna <anna@example.com>: Re: Roadmap");
    assert_eq!(d.origin, "reply");
    // No SMTP server is configured: the round leaves it queued, nothing lost.
    let r = b.tick().await.expect("tick");
    assert_eq!((r.sent, r.failed, r.queued), (0, 0, 1), "{r:?}");
    let list = b
        .deliveries(&DeliveryQuery {
            account: Some(ACME),
            ..DeliveryQuery::default()
        })
        .await
        .expect("outbox");
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].id, list[0].state), (d.id, DeliveryState::Queued));
    assert!(
        b.deliveries(&DeliveryQuery {
            state: Some(DeliveryState::Sent),
            ..DeliveryQuery::default()
        })
        .await
        .expect("sent")
        .is_empty()
    );
    // A queued delivery is not retried by hand; bad emails are refused by field.
    match b.retry_delivery("alice", d.id).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "state"),
        other => panic!("retrying a queued delivery: {other:?}"),
    }
    match b.send_email("alice", reply(Some(I_KICKOFF))).await {
        Err(Error::Invalid { field, message }) => {
            assert_eq!(field, "in_reply_to");
            assert!(message.contains("not an incoming email"), "{message}");
        }
        other => panic!("a reply to a meeting: {other:?}"),
    }
    let mut nobody = reply(None);
    nobody.to = vec![];
    assert!(matches!(
        b.send_email("alice", nobody).await,
        Err(Error::Invalid { field, .. }) if field == "to"
    ));
    let mut lost = reply(None);
    lost.account_id = 999;
    assert!(matches!(
        b.send_email("alice", lost).await,
        Err(Error::NotFound { .. })
    ));

    // A playbook that waits on a person: in its owner's work until completed.
    let now = fixture::now();
    let book = Playbook {
        id: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        source: Source::Ui,
        external_id: None,
        name: "Call first".into(),
        description: String::new(),
        steps: vec![PlaybookStep {
            name: "Call the champion".into(),
            action: StepAction::WaitForPerson {
                instructions: "Ask about the roadmap".into(),
            },
        }],
    };
    let book = match b
        .create("admin", Record::Playbook(book))
        .await
        .expect("playbook")
    {
        Record::Playbook(p) => p,
        _ => unreachable!(),
    };
    let run = b
        .create(
            "alice",
            Record::PlaybookRun(PlaybookRun::start(&book, ACME, now)),
        )
        .await
        .expect("run")
        .id();
    b.tick().await.expect("tick");
    let work = b.my_work("alice").await.expect("my work");
    let step = work
        .iter()
        .find(|w| w.kind == WorkKind::Step)
        .expect("the step waiting on alice");
    assert_eq!(
        (
            step.record_id,
            step.step,
            step.account.id,
            step.title.as_str(),
            step.detail.as_str()
        ),
        (
            run,
            Some(0),
            ACME,
            "Call first: Call the champion",
            "Ask about the roadmap"
        )
    );
    assert!(
        b.my_work("bob")
            .await
            .expect("bob's")
            .iter()
            .all(|w| w.kind != WorkKind::Step)
    );
    let mut r = match b.get(EntityKind::PlaybookRun, run).await.expect("run") {
        Record::PlaybookRun(r) => r,
        _ => unreachable!(),
    };
    assert_eq!(r.colour(), RunColour::Blue);
    r.complete(0, now).expect("complete");
    b.update("alice", Record::PlaybookRun(r))
        .await
        .expect("update");
    b.tick().await.expect("tick");
    match b.get(EntityKind::PlaybookRun, run).await.expect("run") {
        Record::PlaybookRun(r) => assert_eq!(r.colour(), RunColour::Green),
        _ => unreachable!(),
    }
    assert!(
        b.my_work("alice")
            .await
            .expect("my work")
            .iter()
            .all(|w| w.kind != WorkKind::Step)
    );
    // A condition that does not parse is refused when the playbook is written.
    let mut bad = book.clone();
    bad.id = 0;
    bad.steps = vec![PlaybookStep {
        name: "Check".into(),
        action: StepAction::Check {
            condition: "health<<5".into(),
        },
    }];
    match b.create("admin", Record::Playbook(bad)).await {
        Err(Error::Invalid { field, .. }) => assert_eq!(field, "steps[0].condition"),
        other => panic!("a bad condition: {other:?}"),
    }
}
