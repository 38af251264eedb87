//! Account summaries on the embedded store: the demo's stories read as they
//! should, every citation opens a record of the summarised account, the team's
//! section settings, and saved summaries.

use std::sync::Arc;

use proptest::prelude::*;
use tend::backend::Backend;
use tend::backend::summary::{AccountSummary, SectionId, Settings};
use tend::domain::*;
use tend::generate::{GenConfig, demo_anchor, generate_dataset};
use tend::sqlite::{Options, Store, fixed_clock};

/// Noon of the demo's anchor day: the demo is rebased to that day.
fn noon() -> Timestamp {
    demo_anchor() + chrono::TimeDelta::hours(12)
}

fn demo() -> Store {
    Store::demo(Options::with_clock(fixed_clock(noon()))).expect("the demo store")
}

fn section(s: &AccountSummary, id: SectionId) -> String {
    let sec = s
        .section(id)
        .unwrap_or_else(|| panic!("{} has no {id} section", s.account_name));
    let mut text: Vec<&str> = sec.statements.iter().map(|st| st.text.as_str()).collect();
    if let Some(n) = &sec.note {
        text.push(n);
    }
    text.join("\n")
}

/// Every citation of `s` names a record of the summarised account (the account
/// itself, or a playbook one of its runs follows).
async fn assert_cited_records_exist(store: &dyn Backend, s: &AccountSummary) {
    let view = store.account(s.account_id).await.expect("360");
    let playbooks: Vec<Id> = view.playbook_runs.iter().map(|r| r.playbook_id).collect();
    for sec in &s.sections {
        for st in &sec.statements {
            assert!(
                !st.citations.is_empty(),
                "{}: '{}' in {} cites nothing",
                s.account_name,
                st.text,
                sec.title
            );
            for c in &st.citations {
                let record = store.get(c.kind, c.id).await.unwrap_or_else(|e| {
                    panic!(
                        "{}: '{}' cites {} {}, which does not exist: {e}",
                        s.account_name, st.text, c.kind, c.id
                    )
                });
                let belongs = match record {
                    Record::Playbook(p) => playbooks.contains(&p.id),
                    other => other.account_id() == Some(s.account_id),
                };
                assert!(
                    belongs,
                    "{}: '{}' cites {} {} of another account",
                    s.account_name, st.text, c.kind, c.id
                );
            }
        }
    }
}

#[tokio::test]
async fn the_demo_stories_read_as_they_should() {
    let store = demo();
    let dying = store.summary(1).await.expect("Larkspur");
    let growing = store.summary(2).await.expect("Brightwave");
    let burning = store.summary(3).await.expect("Orion");
    assert_eq!(
        (
            dying.account_name.as_str(),
            growing.account_name.as_str(),
            burning.account_name.as_str()
        ),
        ("Larkspur Logistics", "Brightwave Health", "Orion Freight")
    );
    for s in [&dying, &growing, &burning] {
        assert_eq!(s.sections.len(), 10, "{}", s.account_name);
        assert_cited_records_exist(&store, s).await;
    }

    // Larkspur is quietly dying: the risks say why, and nothing is an achievement.
    let risks = section(&dying, SectionId::Risks);
    assert!(risks.contains("Depots live"), "{risks}");
    assert!(
        risks.contains("sponsor left") || risks.contains("The sponsor left"),
        "{risks}"
    );
    let achievements = section(&dying, SectionId::Achievements);
    assert!(
        !achievements.contains("On-time delivery") && !achievements.contains("Depots live"),
        "off-track and blocked KPIs are no achievement: {achievements}"
    );

    // Brightwave is expanding: its clinics went live, the expansion is in sight.
    let achievements = section(&growing, SectionId::Achievements);
    assert!(achievements.contains("Clinics live"), "{achievements}");
    let expansion = section(&growing, SectionId::Expansion);
    assert!(expansion.contains("Madrid and Lisbon"), "{expansion}");
    let highlights = section(&growing, SectionId::Highlights);
    assert!(highlights.contains("expansion"), "{highlights}");

    // Orion is in escalation: the brief leads with its escalated cases.
    let risks = section(&burning, SectionId::Risks);
    assert!(
        risks.contains("Data sync stopped for all depots"),
        "{risks}"
    );
    assert!(risks.contains("escalated"), "{risks}");
    let actions = section(&burning, SectionId::ImmediateActions);
    assert!(actions.contains("urgent"), "{actions}");

    insta::assert_snapshot!("larkspur_logistics", dying.to_markdown());
    insta::assert_snapshot!("brightwave_health", growing.to_markdown());
    insta::assert_snapshot!("orion_freight", burning.to_markdown());
}

#[tokio::test]
async fn every_demo_citation_opens_a_record_of_its_account() {
    let store = demo();
    for id in 1..=200 {
        let s = store.summary(id).await.expect("summary");
        assert_cited_records_exist(&store, &s).await;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Any generated book of accounts: every citation names an existing record of
    /// the summarised account.
    #[test]
    fn citations_name_records_of_the_account(seed in 0u64..10_000, accounts in 8usize..24) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
        rt.block_on(async {
            let dir = tempfile::tempdir().expect("dir");
            let store = Store::open_with(
                dir.path().join("tend.db"),
                Options::with_clock(fixed_clock(noon())),
            )
            .expect("store");
            store
                .import(generate_dataset(&GenConfig::new(accounts, seed, demo_anchor())))
                .await
                .expect("import");
            for id in 1..=accounts as Id {
                let s = store.summary(id).await.expect("summary");
                assert_cited_records_exist(&store, &s).await;
            }
        });
    }
}

#[tokio::test]
async fn hidden_sections_leave_the_summaries_built_on_them_without_data() {
    let store = demo();
    let feeders_hidden = Settings {
        sections: vec![
            SectionId::Stakeholders,
            SectionId::ExecutiveSummary,
            SectionId::Expansion,
            SectionId::NextSteps,
        ],
    };
    store
        .set_summary_settings("admin", feeders_hidden.clone())
        .await
        .expect("settings");
    let s = store.summary(1).await.expect("summary");
    let ids: Vec<SectionId> = s.sections.iter().map(|x| x.id).collect();
    assert_eq!(ids, feeders_hidden.sections, "only these, in this order");
    let exec = s.section(SectionId::ExecutiveSummary).expect("exec");
    assert!(exec.statements.is_empty());
    assert!(
        exec.note
            .as_deref()
            .unwrap_or("")
            .contains("Not enough data"),
        "{exec:?}"
    );
    // Next steps still has a feeder shown (expansion), so it speaks.
    let next = s.section(SectionId::NextSteps).expect("next steps");
    assert!(!next.statements.is_empty() || next.note.is_some());

    let none_left = Settings {
        sections: vec![SectionId::NextSteps],
    };
    store
        .set_summary_settings("admin", none_left)
        .await
        .expect("settings");
    let s = store.summary(1).await.expect("summary");
    let next = s.section(SectionId::NextSteps).expect("next steps");
    assert!(next.statements.is_empty());
    assert!(
        next.note
            .as_deref()
            .unwrap_or("")
            .contains("Not enough data"),
        "{next:?}"
    );

    // Refused settings change nothing.
    let before = store.summary_settings().await.expect("settings");
    for bad in [
        Settings { sections: vec![] },
        Settings {
            sections: vec![SectionId::Risks, SectionId::Risks],
        },
    ] {
        assert!(matches!(
            store.set_summary_settings("admin", bad).await,
            Err(tend::backend::Error::Invalid { .. })
        ));
    }
    assert_eq!(store.summary_settings().await.expect("settings"), before);
}

#[tokio::test]
async fn a_store_without_settings_of_its_own_follows_the_config() {
    let only = Settings {
        sections: vec![SectionId::Risks],
    };
    let store = Store::demo(Options {
        summary: only.clone(),
        ..Options::with_clock(fixed_clock(noon()))
    })
    .expect("demo");
    assert_eq!(store.summary_settings().await.expect("settings"), only);
    assert_eq!(store.summary(3).await.expect("summary").sections.len(), 1);
    store
        .set_summary_settings("admin", Settings::default())
        .await
        .expect("settings");
    assert_eq!(store.summary(3).await.expect("summary").sections.len(), 10);
}

#[tokio::test]
async fn a_long_history_is_summarised_from_its_most_recent_interactions() {
    let store = demo();
    let view = store.account(3).await.expect("360");
    assert!(view.interactions.len() > 50, "Orion has a long history");
    let s = store.summary(3).await.expect("summary");
    let relational = s.section(SectionId::RelationalHealth).expect("relational");
    let note = relational.note.as_deref().unwrap_or("");
    assert!(
        note.starts_with("Based on the 50 most recent interactions, from "),
        "{note}"
    );
    // The date it names is that of the 50th most recent interaction.
    let mut ats: Vec<Timestamp> = view.interactions.iter().map(|i| i.at).collect();
    ats.sort_unstable_by(|a, b| b.cmp(a));
    let day = ats[49].date_naive().to_string();
    assert!(note.contains(&day), "{note} should name {day}");
}

#[tokio::test]
async fn a_saved_summary_keeps_its_author_and_what_changed_is_visible() {
    let store = Arc::new(demo());
    let first = store.summary(2).await.expect("summary");
    let mut record = first.to_record("someone-else");
    record.author = "forged".into();
    let saved = store
        .create("maya.chen", Record::Summary(record))
        .await
        .expect("save");
    let Record::Summary(saved) = saved else {
        panic!("a summary")
    };
    assert_eq!(
        saved.author, "maya.chen",
        "the saver, whatever the body said"
    );
    let back = AccountSummary::from_record(&saved, "Brightwave Health");
    assert_eq!(back.sections, first.sections, "saved as generated");

    // The expansion is won: the next summary no longer suggests it.
    let view = store.account(2).await.expect("360");
    let mut opp = view
        .opportunities
        .iter()
        .find(|o| o.name.starts_with("Madrid and Lisbon"))
        .cloned()
        .expect("the expansion");
    opp.phase = OpportunityPhase::Won;
    store
        .update("maya.chen", Record::Opportunity(opp))
        .await
        .expect("won");
    let second = store.summary(2).await.expect("summary");
    let changes = second.changes_since(&back);
    assert!(
        changes
            .iter()
            .any(|c| !c.added.is_empty() || !c.removed.is_empty()),
        "{changes:?}"
    );
    store
        .create(
            "leo.martin",
            Record::Summary(second.to_record("leo.martin")),
        )
        .await
        .expect("save again");
    let view = store.account(2).await.expect("360");
    assert_eq!(view.summaries.len(), 2);
    assert_eq!(view.summaries[0].author, "leo.martin", "the latest first");
}
