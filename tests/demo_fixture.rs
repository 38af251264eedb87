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

/// Every instant of `d` that is not allowed to be later than its anchor and is:
/// what happened (interactions, cases opened and resolved, runs, ratings, alerts,
/// changes...) and every record's creation. Plans and terms (due dates, contract
/// ends, a snooze) are days or named fields, and may lie ahead.
fn after_the_anchor(d: &tend::dataset::Dataset) -> Vec<String> {
    fn walk(
        v: &serde_json::Value,
        path: &str,
        anchor: &chrono::DateTime<chrono::Utc>,
        out: &mut Vec<String>,
    ) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k != "snoozed_until" {
                        walk(x, &format!("{path}.{k}"), anchor, out);
                    }
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"), anchor, out);
                }
            }
            serde_json::Value::String(s) => {
                if let Ok(t) = s.parse::<chrono::DateTime<chrono::Utc>>()
                    && t > *anchor
                {
                    out.push(format!("{path} = {s}"));
                }
            }
            _ => {}
        }
    }
    let mut out = vec![];
    let mut v = serde_json::to_value(d).expect("a dataset serialises");
    if let Some(m) = v.as_object_mut() {
        m.remove("anchor");
    }
    walk(&v, "", &d.anchor, &mut out);
    let today = d.anchor.date_naive();
    for u in d.usage.iter().filter(|u| u.day > today) {
        out.push(format!("usage of account {} on {}", u.account_id, u.day));
    }
    out
}

#[test]
fn nothing_in_the_demo_lies_after_its_anchor() {
    // The demo is rebased so that its anchor (a midnight) is today's: anything
    // later in the anchor's day would be in the future until that hour, and the
    // key indicators would depend on the hour the demo is opened.
    let d = tend::dataset::parse(DEMO_FIXTURES, "assets/demo.json").expect("valid fixtures");
    let late = after_the_anchor(&d);
    assert!(
        late.is_empty(),
        "{} instants after the anchor: {:?}",
        late.len(),
        &late[..late.len().min(10)]
    );
    // `tend generate` anchors at now, mid-day: nothing later than now either.
    for anchor in [
        "2026-06-15T10:30:00Z",
        "2026-06-15T00:00:00Z",
        "2026-06-15T23:59:00Z",
    ] {
        let anchor = anchor.parse().expect("an instant");
        let g = generate_dataset(&tend::generate::GenConfig::new(60, 3, anchor));
        let late = after_the_anchor(&g);
        assert!(
            late.is_empty(),
            "anchor {anchor}: {} instants after it: {:?}",
            late.len(),
            &late[..late.len().min(10)]
        );
    }
}
