//! The accounts the demo tells stories with. They come first, so their ids are
//! stable: 1 is quietly dying, 2 is expanding, 3 is in escalation, 4 is a group
//! whose subsidiaries are 5, 6 and 7.

use super::Gen;
use super::account::{Profile, build, push_case, push_nps, push_run};
use crate::dataset::Dataset;
use tend_domain::*;

pub(crate) const STORY_ACCOUNTS: usize = 7;

fn base(g: &Gen, name: &str, domain: &str, owner: &str) -> Profile {
    Profile {
        name: Some(name.into()),
        domain: Some(domain.into()),
        segment: "mid_market",
        region: "EMEA",
        stage: Stage::Adoption,
        owner: owner.into(),
        tags: vec![],
        engagement: 0.7,
        usage_trend: 0.0,
        mood_recent: 0.1,
        mood_past: 0.1,
        case_rate: 3.0,
        escalation: 0.05,
        payment_ok: true,
        sponsor_silent_days: 0,
        pulse: Some(4),
        churn: ChurnLikelihood::None,
        tenure_months: 30,
        mrr_cents: 3_000 * 100,
        ends_in_days: 200,
        auto_renew: true,
    }
    .with_owner_check(g)
}

impl Profile {
    fn with_owner_check(self, g: &Gen) -> Self {
        debug_assert!(g.owners.contains(&self.owner));
        self
    }
}

pub(crate) fn add(g: &mut Gen, d: &mut Dataset) {
    // 1. Quietly dying: usage falling all year, the sponsor silent for five months,
    //    the last invoice unpaid, no escalation to draw anyone's eye.
    let mut dying = base(
        g,
        "Larkspur Logistics",
        "larkspur-logistics.com",
        "maya.chen",
    );
    dying.stage = Stage::Renewal;
    dying.engagement = 0.4;
    dying.usage_trend = -1.0;
    dying.mood_recent = 0.45;
    dying.mood_past = 0.08;
    dying.case_rate = 2.0;
    dying.escalation = 0.0;
    dying.payment_ok = false;
    dying.sponsor_silent_days = 150;
    dying.pulse = Some(2);
    dying.mrr_cents = 4_200 * 100;
    dying.ends_in_days = 75;
    dying.tags = vec!["logistics".into()];
    let a = build(g, d, dying, None);
    let contacts: Vec<Contact> = d
        .contacts
        .iter()
        .filter(|c| c.account_id == a.id)
        .cloned()
        .collect();
    let mut r = g.rng.fork(101);
    push_nps(g, d, a.id, &contacts, 4, 20, &mut r);

    // 2. Expanding: usage growing, new users joining, a big expansion in negotiation.
    let mut growing = base(g, "Brightwave Health", "brightwave.health", "leo.martin");
    growing.segment = "enterprise";
    growing.region = "NA";
    growing.stage = Stage::Expansion;
    growing.engagement = 0.95;
    growing.usage_trend = 1.0;
    growing.mood_recent = 0.03;
    growing.mood_past = 0.05;
    growing.pulse = Some(5);
    growing.mrr_cents = 18_500 * 100;
    growing.ends_in_days = 160;
    growing.tags = vec!["enterprise".into(), "healthcare".into(), "reference".into()];
    let b = build(g, d, growing, None);
    let contacts: Vec<Contact> = d
        .contacts
        .iter()
        .filter(|c| c.account_id == b.id)
        .cloned()
        .collect();
    push_nps(g, d, b.id, &contacts, 10, 12, &mut r);
    let at = g.at(9, &mut r);
    d.opportunities.push(Opportunity {
        id: g.ids.opportunity(),
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        account_id: b.id,
        name: "Madrid and Lisbon clinics (120 seats)".into(),
        amount_cents: 96_000 * 100,
        phase: OpportunityPhase::Negotiation,
        owner: "leo.martin".into(),
        expansion: true,
        close_date: Some(g.day(-25)),
        description: "Two new sites after the successful workflows rollout.".into(),
    });

    // 3. In escalation: urgent escalated cases linked to engineering, frustrated
    //    emails, a stuck risk playbook.
    let mut burning = base(g, "Orion Freight", "orionfreight.com", "priya.patel");
    burning.segment = "enterprise";
    burning.region = "APAC";
    burning.engagement = 0.55;
    burning.usage_trend = -0.2;
    burning.mood_recent = 0.7;
    burning.mood_past = 0.15;
    burning.case_rate = 5.0;
    burning.pulse = Some(2);
    burning.churn = ChurnLikelihood::AtRisk;
    burning.mrr_cents = 12_000 * 100;
    burning.ends_in_days = 120;
    burning.tags = vec!["enterprise".into(), "strategic".into()];
    let c = build(g, d, burning.clone(), None);
    for (ago, prio) in [
        (2, Priority::Urgent),
        (5, Priority::Urgent),
        (9, Priority::High),
        (14, Priority::High),
    ] {
        let before = d.support_cases.len();
        push_case(g, d, &burning, c.id, ago, prio, true, &mut r);
        if let Some(case) = d.support_cases.get_mut(before) {
            case.status = CaseStatus::Open;
            case.resolved_at = None;
            case.csat = None;
            case.engineering_issue = Some(format!("ENG-{}", 4100 + ago));
            case.subject = match ago {
                2 => "Data sync stopped for all depots".into(),
                5 => "Shipment dashboard shows wrong totals".into(),
                9 => "API rate limit errors during peak".into(),
                _ => "Exports time out".into(),
            };
        }
    }
    let books = g.playbooks.clone();
    if let Some(pb) = books.iter().find(|p| p.name == "Risk mitigation") {
        push_run(g, d, c.id, pb, RunColour::Red, 6, &mut r);
    }

    // 4. A group and its subsidiaries.
    let mut group = base(g, "Meridian Group", "meridian-group.com", "jonas.weber");
    group.segment = "enterprise";
    group.stage = Stage::Renewal;
    group.mrr_cents = 9_000 * 100;
    group.tags = vec!["enterprise".into()];
    let parent = build(g, d, group, None);
    for (country, domain, engagement) in [
        ("UK", "meridian.co.uk", 0.8),
        ("France", "meridian.fr", 0.5),
        ("Germany", "meridian.de", 0.25),
    ] {
        let mut sub = base(g, &format!("Meridian {country}"), domain, "jonas.weber");
        sub.segment = "enterprise";
        sub.engagement = engagement;
        sub.mood_recent = (1.0 - engagement) * 0.5;
        sub.mrr_cents = 2_500 * 100;
        build(g, d, sub, Some(parent.id));
    }
}
