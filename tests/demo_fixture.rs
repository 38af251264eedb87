//! The bundled demo fixtures: valid, exactly the generator's output, and telling
//! their stories.

use tend::generate::{demo_config, generate_dataset};
use tend::sqlite::DEMO_FIXTURES;

#[test]
fn demo_fixtures_are_the_generator_output() {
    let parsed = tend::dataset::parse(DEMO_FIXTURES, "assets/demo.json").expect("valid fixtures");
    let generated = generate_dataset(&demo_config());
    assert_eq!(parsed.accounts.len(), 200);
    assert!(
        parsed == generated,
        "assets/demo.json differs from `tend generate --accounts 200 --seed 7 --anchor 2026-11-23T00:00:00Z`: regenerate it"
    );
}

#[test]
fn the_demo_tells_its_stories() {
    let d = tend::dataset::parse(DEMO_FIXTURES, "assets/demo.json").expect("valid fixtures");
    let today = d.anchor.date_naive();
    // 1: quietly dying: payment late, sponsor silent for months, usage falling.
    let sponsor = d
        .contacts
        .iter()
        .find(|c| c.account_id == 1 && c.has_role("sponsor"))
        .expect("sponsor");
    let last_sponsor = d
        .interactions
        .iter()
        .filter(|i| i.account_id == 1 && i.contact_ids.contains(&sponsor.id))
        .map(|i| (today - i.at.date_naive()).num_days())
        .min()
        .expect("some sponsor touch");
    assert!(
        last_sponsor >= 150,
        "sponsor touched {last_sponsor} days ago"
    );
    assert!(
        d.agreements
            .iter()
            .any(|a| a.account_id == 1 && !a.payment_up_to_date)
    );
    let usage = |from: i64, to: i64| -> u32 {
        d.usage
            .iter()
            .filter(|u| u.account_id == 1)
            .filter(|u| {
                let ago = (today - u.day).num_days();
                ago >= from && ago < to
            })
            .map(|u| u.connections)
            .sum()
    };
    assert!(
        usage(0, 30) * 2 < usage(300, 330),
        "usage falls: {} vs {}",
        usage(0, 30),
        usage(300, 330)
    );
    // 2: expanding: usage grows, an expansion in negotiation.
    let grow = |from: i64, to: i64| -> u32 {
        d.usage
            .iter()
            .filter(|u| {
                u.account_id == 2 && {
                    let ago = (today - u.day).num_days();
                    ago >= from && ago < to
                }
            })
            .map(|u| u.connections)
            .sum()
    };
    assert!(grow(0, 30) > grow(300, 330));
    assert!(
        d.opportunities
            .iter()
            .any(|o| o.account_id == 2 && o.expansion)
    );
    // 3: in escalation: open escalated urgent cases and a red run.
    assert!(
        d.support_cases
            .iter()
            .filter(|c| c.account_id == 3 && c.escalated && c.status.is_open())
            .count()
            >= 4
    );
    assert!(
        d.playbook_runs
            .iter()
            .any(|r| r.account_id == 3 && r.colour() == tend::domain::RunColour::Red)
    );
    // 4: a group with subsidiaries.
    assert_eq!(
        d.accounts.iter().filter(|a| a.parent_id == Some(4)).count(),
        3
    );
    // Every run colour appears.
    for colour in [
        tend::domain::RunColour::Green,
        tend::domain::RunColour::Blue,
        tend::domain::RunColour::Orange,
        tend::domain::RunColour::Red,
    ] {
        assert!(
            d.playbook_runs.iter().any(|r| r.colour() == colour),
            "{colour}"
        );
    }
}
