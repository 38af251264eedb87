//! One generated account and everything around it.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, Months, TimeDelta};

use super::Gen;
use super::rng::Rng;
use super::text::*;
use crate::dataset::Dataset;
use crate::sentiment;
use tend_domain::*;

/// The hidden traits an account's records are drawn from.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub segment: &'static str,
    pub region: &'static str,
    pub stage: Stage,
    pub owner: String,
    pub tags: Vec<String>,
    /// 0 (disengaged) ..= 1 (thriving).
    pub engagement: f64,
    /// -1 (usage falling to nothing over the year) ..= 1 (usage growing).
    pub usage_trend: f64,
    /// Probability that an interaction of the last 90 days is negative.
    pub mood_recent: f64,
    /// The same before that.
    pub mood_past: f64,
    /// Support cases per year.
    pub case_rate: f64,
    /// Share of cases escalated.
    pub escalation: f64,
    pub payment_ok: bool,
    /// The sponsor took part in nothing during the last N days (0: no silence).
    pub sponsor_silent_days: i64,
    pub pulse: Option<u8>,
    pub churn: ChurnLikelihood,
    /// Months since the first contract started.
    pub tenure_months: u32,
    pub mrr_cents: Cents,
    /// Days until the current contract's end.
    pub ends_in_days: i64,
    pub auto_renew: bool,
}

pub(crate) fn random_profile(g: &mut Gen) -> Profile {
    let r = &mut g.rng;
    let segment = *r.pick(&[
        "enterprise",
        "mid_market",
        "mid_market",
        "smb",
        "smb",
        "smb",
    ]);
    let stage = *r.pick(&[
        Stage::Onboarding,
        Stage::Adoption,
        Stage::Adoption,
        Stage::Adoption,
        Stage::Expansion,
        Stage::Expansion,
        Stage::Renewal,
        Stage::Renewal,
        Stage::Renewal,
        Stage::Churned,
    ]);
    let mut engagement = r.f().powf(0.7);
    if stage == Stage::Churned {
        engagement *= 0.3;
    }
    if stage == Stage::Expansion {
        engagement = 0.5 + engagement * 0.5;
    }
    let usage_trend = match stage {
        Stage::Churned => -0.9,
        Stage::Onboarding => 0.6,
        _ => (r.f() * 2.0 - 1.0) * 0.6 + (engagement - 0.5) * 0.6,
    };
    let mood = (1.0 - engagement) * 0.55;
    let mrr_cents = match segment {
        "enterprise" => r.range(5_000, 40_000) * 100,
        "mid_market" => r.range(1_000, 5_000) * 100,
        _ => r.range(100, 1_000) * 100,
    };
    let mut tags = vec![];
    if segment == "enterprise" {
        tags.push("enterprise".to_string());
    }
    for _ in 0..r.range(0, 2) {
        let t = r.pick(ACCOUNT_TAGS).to_string();
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let owner = g.owners[r.range(0, g.owners.len() as i64 - 1) as usize].clone();
    let r = &mut g.rng;
    Profile {
        name: None,
        domain: None,
        segment,
        region: REGIONS[r.range(0, REGIONS.len() as i64 - 1) as usize],
        stage,
        owner,
        tags,
        engagement,
        usage_trend,
        mood_recent: (mood + r.f() * 0.2 - 0.1).clamp(0.02, 0.9),
        mood_past: (mood * 0.7).clamp(0.02, 0.9),
        case_rate: 2.0 + (1.0 - engagement) * 6.0 + if segment == "enterprise" { 3.0 } else { 0.0 },
        escalation: 0.04 + (1.0 - engagement) * 0.1,
        payment_ok: r.chance(0.85 + engagement * 0.13),
        sponsor_silent_days: 0,
        pulse: r
            .chance(0.7)
            .then(|| (1.0 + engagement * 4.0).round().clamp(1.0, 5.0) as u8),
        churn: match stage {
            Stage::Churned => ChurnLikelihood::Confirmed,
            _ if engagement < 0.25 => ChurnLikelihood::AtRisk,
            _ => ChurnLikelihood::None,
        },
        tenure_months: match stage {
            Stage::Onboarding => r.range(1, 3) as u32,
            _ => r.range(8, 48) as u32,
        },
        mrr_cents,
        ends_in_days: r.range(-20, 350),
        auto_renew: r.chance(0.6),
    }
}

/// A random account (a subsidiary when `parent` is given).
pub(crate) fn add_account(g: &mut Gen, d: &mut Dataset, parent: Option<&Account>) -> Account {
    let mut p = random_profile(g);
    if let Some(parent) = parent {
        p.segment = "enterprise";
        p.owner = parent.owner.clone();
        let country = *g
            .rng
            .pick(&["UK", "France", "Germany", "Spain", "Japan", "Brazil", "US"]);
        let base = parent.name.trim_end_matches(" Group").to_string();
        p.name = Some(unique_name(g, format!("{base} {country}")));
    }
    build(g, d, p, parent.map(|a| a.id))
}

fn unique_name(g: &mut Gen, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while !g.used_names.insert(candidate.clone()) {
        candidate = format!("{name} {n}");
        n += 1;
    }
    candidate
}

fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn fill(template: &str, first: &str, csm: &str, feature: &str, company: &str, days: i64) -> String {
    template
        .replace("{first}", first)
        .replace("{csm}", csm.split('.').next().unwrap_or(csm))
        .replace("{product}", PRODUCT)
        .replace("{feature}", feature)
        .replace("{company}", company)
        .replace("{days}", &days.to_string())
}

/// A person at the account, without title or roles: CRM contacts come from the CRM,
/// product users from the product.
fn new_contact(
    g: &mut Gen,
    r: &mut Rng,
    account: Id,
    created: Timestamp,
    domain: &str,
    kind: ContactKind,
) -> Contact {
    let first = r.pick(FIRST_NAMES);
    let last = r.pick(LAST_NAMES);
    Contact {
        id: g.ids.contact(),
        version: 1,
        created_at: created,
        updated_at: created,
        source: match kind {
            ContactKind::Crm => Source::Crm,
            ContactKind::User => Source::Import,
        },
        external_id: None,
        account_id: account,
        name: format!("{first} {last}"),
        email: Some(format!("{}.{}@{domain}", first.to_lowercase(), slug(last))),
        title: None,
        roles: vec![],
        kind,
    }
}

/// Builds an account from its profile, with all its records.
pub(crate) fn build(g: &mut Gen, d: &mut Dataset, p: Profile, parent_id: Option<Id>) -> Account {
    let mut r = g.rng.fork(g.ids.account as u64 + 1);
    let id = g.ids.account();
    let rich = g.cfg.density == super::Density::Rich;
    let name = match p.name.clone() {
        Some(n) => {
            g.used_names.insert(n.clone());
            n
        }
        None => {
            let base = format!("{} {}", r.pick(NAME_HEADS), r.pick(NAME_TAILS));
            unique_name(g, base)
        }
    };
    let tld = *r.pick(&["com", "io", "net", "co", "eu"]);
    let domain = p
        .domain
        .clone()
        .unwrap_or_else(|| format!("{}.{tld}", slug(&name)));
    let created = g.at(p.tenure_months as i64 * 30 + 10, &mut r);
    let account = Account {
        id,
        version: 1,
        created_at: created,
        updated_at: created,
        source: Source::Import,
        external_id: Some(format!("CRM-{:06}", id)),
        name: name.clone(),
        domain: Some(domain.clone()),
        parent_id,
        stage: p.stage,
        segment: p.segment.to_string(),
        region: p.region.to_string(),
        tags: p.tags.clone(),
        owner: p.owner.clone(),
        team: if rich && r.chance(0.5) {
            vec![g.owners[r.range(0, g.owners.len() as i64 - 1) as usize].clone()]
                .into_iter()
                .filter(|t| t != &p.owner)
                .collect()
        } else {
            vec![]
        },
        health_profile: None,
        goals_profile: None,
        focus_areas: if rich {
            vec![format!(
                "Goal: {} adoption across {} teams by the next business review.",
                r.pick(FEATURES),
                r.range(2, 6)
            )]
        } else {
            vec![]
        },
        custom_fields: BTreeMap::new(),
        churn: ChurnForecast {
            likelihood: p.churn,
            reason_category: (p.churn != ChurnLikelihood::None).then(|| "Product".to_string()),
            reason_subcategory: (p.churn != ChurnLikelihood::None).then(|| "Adoption".to_string()),
            reason_details: None,
            projected_date: (p.churn != ChurnLikelihood::None)
                .then(|| g.day(-p.ends_in_days.max(10))),
            description: None,
        },
        pulse: p.pulse.map(|rating| Pulse {
            rating,
            at: g.at(r.range(3, 60), &mut r),
            by: p.owner.clone(),
        }),
    };
    d.accounts.push(account.clone());

    // People: CRM contacts (a sponsor, a champion, others) and product users.
    let mut contacts = vec![];
    let crm = if rich { r.range(3, 6) } else { 2 };
    for k in 0..crm {
        let mut c = new_contact(g, &mut r, id, created, &domain, ContactKind::Crm);
        let (title, roles) = match k {
            0 => (
                r.pick(SPONSOR_TITLES).to_string(),
                vec!["sponsor".to_string(), "decision_maker".to_string()],
            ),
            1 => (
                r.pick(CHAMPION_TITLES).to_string(),
                vec!["champion".to_string()],
            ),
            _ => (r.pick(CRM_TITLES).to_string(), vec![]),
        };
        c.title = Some(title);
        c.roles = roles;
        contacts.push(c);
    }
    let users = match (rich, p.segment) {
        (true, "enterprise") => r.range(3, 4),
        (true, "mid_market") => r.range(2, 3),
        (true, _) => r.range(1, 2),
        (false, _) => r.range(2, 3),
    };
    let user_start = contacts.len();
    for _ in 0..users {
        contacts.push(new_contact(
            g,
            &mut r,
            id,
            created,
            &domain,
            ContactKind::User,
        ));
    }
    d.contacts.extend(contacts.iter().cloned());

    usage(g, d, &p, id, &contacts[user_start..], &mut r);
    interactions(g, d, &p, id, &name, &contacts, &mut r);
    cases(g, d, &p, id, &mut r);
    agreements(g, d, &p, id, &mut r);
    opportunities(g, d, &p, id, &mut r);
    tasks(g, d, &p, id, &mut r);
    runs(g, d, &p, id, &mut r);
    nps(g, d, &p, id, &contacts, &mut r);
    documents(g, d, id, &domain, rich, &mut r);
    account
}

fn usage(g: &Gen, d: &mut Dataset, p: &Profile, account: Id, users: &[Contact], r: &mut Rng) {
    let (days, base) = match g.cfg.density {
        super::Density::Rich => (365, 0.15 + p.engagement * 0.4),
        super::Density::Bench => (90, 0.55),
    };
    let features: Vec<&str> = {
        let n = 3 + (p.engagement * 6.0) as usize;
        FEATURES
            .iter()
            .take(n.min(FEATURES.len()))
            .copied()
            .collect()
    };
    for (ui, user) in users.iter().enumerate() {
        // Late joiners on growing accounts; early leavers on falling ones.
        let joins = if p.usage_trend > 0.3 && ui >= users.len() / 2 {
            r.range(60, 250)
        } else {
            days
        };
        let leaves = if p.usage_trend < -0.5 && ui % 2 == 1 {
            r.range(20, 150)
        } else {
            0
        };
        for ago in (1..=days).rev() {
            if ago > joins || ago <= leaves {
                continue;
            }
            let date = g.day(ago);
            let weekend = date.weekday().num_days_from_monday() >= 5;
            // Trend: -1 falls from full to a tenth over the period, +1 rises the other way.
            let progress = 1.0 - ago as f64 / days as f64;
            let factor = (1.0 + p.usage_trend * (progress - 0.5) * 1.6).clamp(0.05, 2.0);
            let prob = base * factor * if weekend { 0.12 } else { 1.0 };
            if !r.chance(prob.min(0.95)) {
                continue;
            }
            let connections = r.range(1, 2 + (p.engagement * 4.0) as i64) as u32;
            let mut f = BTreeMap::new();
            for _ in 0..r.range(1, 3) {
                *f.entry(r.pick(&features).to_string()).or_insert(0) += r.range(1, 6) as u32;
            }
            d.usage.push(UsageDay {
                account_id: account,
                contact_id: Some(user.id),
                day: date,
                connections,
                minutes: connections * r.range(4, 35) as u32,
                features: f,
            });
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn interaction(
    g: &mut Gen,
    p: &Profile,
    account: Id,
    company: &str,
    kind: InteractionKind,
    direction: Direction,
    days_ago: i64,
    tone: SentimentLabel,
    contacts: &[&Contact],
    r: &mut Rng,
) -> Interaction {
    let pool = match tone {
        SentimentLabel::Positive => POSITIVE,
        SentimentLabel::Neutral => NEUTRAL,
        SentimentLabel::Negative => NEGATIVE,
    };
    let (subject, body) = r.pick(pool);
    let first = contacts
        .first()
        .map(|c| c.name.split(' ').next().unwrap_or("").to_string())
        .unwrap_or_default();
    let feature = r.pick(FEATURES).replace('_', " ");
    let n = r.range(2, 14);
    let subject = fill(subject, &first, &p.owner, &feature, company, n);
    let body = fill(body, &first, &p.owner, &feature, company, n);
    let at = g.at(days_ago, r);
    let rated_by_csm =
        matches!(kind, InteractionKind::Meeting | InteractionKind::Call) && r.chance(0.3);
    let sentiment = if rated_by_csm {
        let score = match tone {
            SentimentLabel::Positive => 0.6,
            SentimentLabel::Neutral => 0.0,
            SentimentLabel::Negative => -0.6,
        };
        Some(Sentiment {
            score,
            label: tone,
            source: SentimentSource::Manual,
        })
    } else {
        Some(sentiment::automatic(&body))
    };
    let mut tags = vec![];
    if tone == SentimentLabel::Negative && r.chance(0.5) {
        tags.push(
            if body.contains("outage") || body.contains("broken") {
                "bug"
            } else {
                "complaint"
            }
            .to_string(),
        );
    }
    if kind == InteractionKind::Meeting && r.chance(0.4) {
        tags.push("business_review".to_string());
    }
    if subject.to_lowercase().contains("renewal") {
        tags.push("renewal".to_string());
    }
    Interaction {
        id: g.ids.interaction(),
        version: 1,
        created_at: at,
        updated_at: at,
        source: if kind == InteractionKind::CrmEvent {
            Source::Crm
        } else {
            Source::Import
        },
        external_id: None,
        account_id: account,
        kind,
        direction,
        at,
        contact_ids: contacts.iter().map(|c| c.id).collect(),
        user: Some(p.owner.clone()),
        subject: if kind == InteractionKind::Note {
            format!("Note: {subject}")
        } else {
            subject
        },
        body,
        tags,
        sentiment,
        excluded_from_score: false,
        answered: direction == Direction::Out && kind == InteractionKind::Email && r.chance(0.7),
    }
}

fn interactions(
    g: &mut Gen,
    d: &mut Dataset,
    p: &Profile,
    account: Id,
    company: &str,
    contacts: &[Contact],
    r: &mut Rng,
) {
    let count = match g.cfg.density {
        super::Density::Rich => 20 + (p.engagement * 50.0) as i64 + r.range(0, 10),
        super::Density::Bench => r.range(6, 14),
    };
    let crm: Vec<&Contact> = contacts
        .iter()
        .filter(|c| c.kind == ContactKind::Crm)
        .collect();
    let mut days: Vec<i64> = (0..count).map(|_| r.range(0, 364)).collect();
    days.sort_unstable_by(|a, b| b.cmp(a));
    for ago in days {
        let neg_p = if ago <= 90 {
            p.mood_recent
        } else {
            p.mood_past
        };
        let x = r.f();
        let tone = if x < neg_p {
            SentimentLabel::Negative
        } else if x < neg_p + (1.0 - neg_p) * 0.45 {
            SentimentLabel::Positive
        } else {
            SentimentLabel::Neutral
        };
        let kind = *r.pick(&[
            InteractionKind::Email,
            InteractionKind::Email,
            InteractionKind::Email,
            InteractionKind::Email,
            InteractionKind::Meeting,
            InteractionKind::Call,
            InteractionKind::Call,
            InteractionKind::Note,
            InteractionKind::Ticket,
            InteractionKind::CrmEvent,
        ]);
        let direction = match kind {
            InteractionKind::Email if r.chance(0.5) => Direction::In,
            InteractionKind::Ticket => Direction::In,
            InteractionKind::Meeting | InteractionKind::Call if r.chance(0.3) => Direction::In,
            _ => Direction::Out,
        };
        let eligible: Vec<&Contact> = crm
            .iter()
            .copied()
            .filter(|c| {
                !(c.has_role("sponsor") && p.sponsor_silent_days > 0 && ago < p.sponsor_silent_days)
            })
            .collect();
        let mut involved = vec![];
        if !eligible.is_empty() && kind != InteractionKind::Note {
            involved.push(*r.pick(&eligible));
            if r.chance(0.25) {
                let other = *r.pick(&eligible);
                if other.id != involved[0].id {
                    involved.push(other);
                }
            }
        }
        let i = interaction(
            g, p, account, company, kind, direction, ago, tone, &involved, r,
        );
        d.interactions.push(i);
    }
}

fn cases(g: &mut Gen, d: &mut Dataset, p: &Profile, account: Id, r: &mut Rng) {
    let n = match g.cfg.density {
        super::Density::Rich => (p.case_rate * (0.6 + r.f() * 0.8)).round() as i64,
        super::Density::Bench => r.range(2, 8),
    };
    for _ in 0..n {
        let ago = r.range(0, 364);
        let priority = *r.pick(&[
            Priority::Urgent,
            Priority::High,
            Priority::High,
            Priority::Normal,
            Priority::Normal,
            Priority::Normal,
            Priority::Normal,
            Priority::Low,
            Priority::Low,
            Priority::Normal,
        ]);
        let escalated = r.chance(p.escalation * if priority <= Priority::High { 2.5 } else { 0.5 });
        push_case(g, d, p, account, ago, priority, escalated, r);
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn push_case(
    g: &mut Gen,
    d: &mut Dataset,
    p: &Profile,
    account: Id,
    ago: i64,
    priority: Priority,
    escalated: bool,
    r: &mut Rng,
) {
    let opened = g.at(ago, r);
    let status = if ago > 30 {
        if r.chance(0.95) {
            *r.pick(&[CaseStatus::Solved, CaseStatus::Closed, CaseStatus::Closed])
        } else {
            CaseStatus::Hold
        }
    } else {
        *r.pick(&[
            CaseStatus::New,
            CaseStatus::Open,
            CaseStatus::Open,
            CaseStatus::Pending,
            CaseStatus::Solved,
        ])
    };
    // Resolved after it was opened, never after the anchor (at worst as it is).
    let resolved_at = (!status.is_open()).then(|| {
        (opened + TimeDelta::hours(r.range(1, 24 * ago.clamp(1, 12)))).min(g.cfg.anchor.max(opened))
    });
    let mut signals = vec![];
    if escalated {
        signals.push(Signal::EscalationRequest);
    }
    if r.chance(p.mood_recent) {
        signals.push(Signal::NegativeSentiment);
    }
    if r.chance(p.mood_recent * 0.6) {
        signals.push(Signal::Frustration);
    }
    if priority == Priority::Urgent {
        signals.push(Signal::Urgency);
    }
    let id = g.ids.case();
    d.support_cases.push(SupportCase {
        id,
        version: 1,
        created_at: opened,
        updated_at: resolved_at.unwrap_or(opened),
        source: Source::Import,
        external_id: None,
        account_id: account,
        number: format!("CS-{:07}", 1000 + id),
        subject: r.pick(CASE_SUBJECTS).to_string(),
        priority,
        severity: match priority {
            Priority::Urgent => 1,
            Priority::High => 2,
            Priority::Normal => 3,
            Priority::Low => 4,
        },
        status,
        escalated,
        team: r.pick(TEAMS).to_string(),
        region: p.region.to_string(),
        opened_at: opened,
        resolved_at,
        signals,
        engineering_issue: r
            .chance(0.15)
            .then(|| format!("ENG-{}", r.range(1000, 9999))),
        csat: (!status.is_open() && r.chance(0.6)).then(|| {
            (1.0 + p.engagement * 4.0 + r.f() - 0.5)
                .round()
                .clamp(1.0, 5.0) as u8
        }),
    });
}

fn agreements(g: &mut Gen, d: &mut Dataset, p: &Profile, account: Id, r: &mut Rng) {
    // The current term ends `ends_in_days` from today; earlier yearly terms go back
    // to the start of the relationship.
    let end = g.day(-p.ends_in_days);
    let mut terms = vec![];
    let mut term_end = end;
    loop {
        let start = term_end
            .checked_sub_months(Months::new(12))
            .and_then(|s| s.checked_add_days(Days::new(1)))
            .unwrap_or(term_end);
        terms.push((start, term_end));
        if (g.today - start).num_days() > p.tenure_months as i64 * 30 || terms.len() >= 5 {
            break;
        }
        term_end = start.pred_opt().unwrap_or(start);
    }
    terms.reverse();
    let mut previous: Option<Id> = None;
    let last = terms.len() - 1;
    for (k, (start, end)) in terms.into_iter().enumerate() {
        let id = g.ids.agreement();
        let current = k == last;
        let status = match (current, p.stage) {
            (true, Stage::Churned) => AgreementStatus::Cancelled,
            (true, _) => AgreementStatus::Active,
            (false, _) => AgreementStatus::Expired,
        };
        let growth = 1.0 - (last - k) as f64 * 0.08;
        let created = start.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
        d.agreements.push(Agreement {
            id,
            version: 1,
            created_at: created,
            updated_at: created,
            source: if r.chance(0.7) {
                Source::Crm
            } else {
                Source::Ui
            },
            external_id: Some(format!("CTR-{id:06}")),
            account_id: account,
            name: format!("{PRODUCT} {}", start.year()),
            mrr_cents: ((p.mrr_cents as f64 * growth) as i64 / 100) * 100,
            start,
            end,
            notice_days: *r.pick(&[30, 60, 90]),
            auto_renew: p.auto_renew,
            status,
            kind: if previous.is_some() {
                AgreementKind::Renewal
            } else {
                AgreementKind::Initial
            },
            payment_up_to_date: if current { p.payment_ok } else { true },
            renews_id: previous,
            attachments: vec![Attachment {
                title: "Signed order form".into(),
                url: format!("https://docs.example.com/contracts/{id}.pdf"),
            }],
        });
        previous = Some(id);
    }
    if g.cfg.density == super::Density::Rich && p.stage != Stage::Churned && r.chance(0.12) {
        let id = g.ids.agreement();
        let start = g.day(r.range(20, 200));
        let created = start.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc();
        d.agreements.push(Agreement {
            id,
            version: 1,
            created_at: created,
            updated_at: created,
            source: Source::Ui,
            external_id: None,
            account_id: account,
            name: "Premium support add-on".into(),
            mrr_cents: (p.mrr_cents / 10 / 100) * 100,
            start,
            end,
            notice_days: 30,
            auto_renew: p.auto_renew,
            status: AgreementStatus::Active,
            kind: AgreementKind::Amendment,
            payment_up_to_date: p.payment_ok,
            renews_id: None,
            attachments: vec![],
        });
    }
}

fn opportunities(g: &mut Gen, d: &mut Dataset, p: &Profile, account: Id, r: &mut Rng) {
    let n = match g.cfg.density {
        super::Density::Rich => r.range(0, 3),
        super::Density::Bench => r.range(0, 1),
    };
    for _ in 0..n {
        let phase = *r.pick(OpportunityPhase::ALL);
        let at = g.at(r.range(10, 200), r);
        let expansion = r.chance(0.6);
        d.opportunities.push(Opportunity {
            id: g.ids.opportunity(),
            version: 1,
            created_at: at,
            updated_at: at,
            source: Source::Crm,
            external_id: None,
            account_id: account,
            name: if expansion {
                format!("{} expansion", r.pick(FEATURES).replace('_', " "))
            } else {
                "Renewal uplift".into()
            },
            amount_cents: ((p.mrr_cents as f64 * 12.0 * (0.1 + r.f() * 0.4)) as i64 / 100) * 100,
            phase,
            owner: p.owner.clone(),
            expansion,
            close_date: Some(g.day(-r.range(-60, 150))),
            description: String::new(),
        });
    }
}

fn tasks(g: &mut Gen, d: &mut Dataset, p: &Profile, account: Id, r: &mut Rng) {
    let rich = g.cfg.density == super::Density::Rich;
    let projects = if rich { r.range(1, 2) } else { r.range(0, 1) };
    let mut project_ids = vec![];
    for _ in 0..projects {
        let at = g.at(r.range(20, 200), r);
        let id = g.ids.project();
        project_ids.push(id);
        d.projects.push(Project {
            id,
            version: 1,
            created_at: at,
            updated_at: at,
            source: Source::Ui,
            external_id: None,
            account_id: account,
            name: r.pick(PROJECT_NAMES).to_string(),
            status: if r.chance(0.2) {
                ProjectStatus::Completed
            } else {
                ProjectStatus::Active
            },
            due: Some(g.day(-r.range(-30, 90))),
        });
    }
    let n = if rich { r.range(2, 7) } else { r.range(1, 3) };
    for k in 0..n {
        let at = g.at(r.range(1, 120), r);
        let status = *r.pick(TaskStatus::ALL);
        let feature = r.pick(FEATURES).replace('_', " ");
        d.tasks.push(Task {
            id: g.ids.task(),
            version: 1,
            created_at: at,
            updated_at: at,
            source: Source::Ui,
            external_id: None,
            account_id: account,
            project_id: if project_ids.is_empty() || r.chance(0.3) {
                None
            } else {
                Some(*r.pick(&project_ids))
            },
            title: r.pick(TASK_TITLES).replace("{feature}", &feature),
            description: String::new(),
            assignee: p.owner.clone(),
            due: Some(g.day(-r.range(-20, 40))),
            status,
            priority: *r.pick(&[
                Priority::High,
                Priority::Normal,
                Priority::Normal,
                Priority::Low,
            ]),
            position: k,
            kind: TaskKind::Todo,
            alert_id: None,
        });
        // Its type from its title (no draw: the rest of the dataset stays the same).
        if let Some(t) = d.tasks.last_mut() {
            t.kind = TaskKind::from_title(&t.title);
        }
    }
}

/// The playbooks every dataset carries.
pub(crate) fn playbooks(anchor: Timestamp) -> Vec<Playbook> {
    let at = anchor - TimeDelta::days(400);
    let step = |name: &str, action: StepAction| PlaybookStep {
        name: name.into(),
        action,
    };
    let mk = |id: Id, name: &str, description: &str, steps: Vec<PlaybookStep>| Playbook {
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Ui,
        external_id: None,
        name: name.into(),
        description: description.into(),
        steps,
    };
    let email = |to_role: &str, subject: &str, body: &str| StepAction::SendEmail {
        to_role: to_role.into(),
        subject: subject.into(),
        body: body.into(),
    };
    let task = |title: &str, due_in_days: u32| StepAction::CreateTask {
        title: title.into(),
        due_in_days,
    };
    let check = |condition: &str| StepAction::Check {
        condition: condition.into(),
    };
    let person = |instructions: &str| StepAction::WaitForPerson {
        instructions: instructions.into(),
    };
    vec![
        mk(
            1,
            "Onboarding",
            "Welcome a new customer and get them live",
            vec![
                step(
                    "Welcome email to the champion",
                    email(
                        "champion",
                        "Welcome aboard, {{account.name}}",
                        "Hi {{contact.first_name}},\n\nWelcome to the team! I am {{owner.name}}, \
                         your customer success manager. Over the next weeks we will get \
                         {{account.name}} live: I will send you an invitation to our \
                         kick-off call shortly.\n\nIf anything comes up before then, just \
                         reply to this email.",
                    ),
                ),
                step("Kick-off call", task("Run the kick-off call", 5)),
                step(
                    "Confirm go-live",
                    person("Confirm with the champion that the team is live"),
                ),
            ],
        ),
        mk(
            2,
            "Renewal preparation",
            "Ninety days before the notice date",
            vec![
                step("Usage review", task("Review usage and value delivered", 7)),
                step(
                    "Email the sponsor",
                    email(
                        "sponsor",
                        "Your renewal on {{renewal.date}}",
                        "Hi {{contact.first_name}},\n\nYour agreement with us renews on \
                         {{renewal.date}}. I would like to walk you through what \
                         {{account.name}} achieved this year and plan the next one. \
                         Could we find thirty minutes in the coming two weeks?",
                    ),
                ),
                step("Renewal meeting", task("Hold the renewal meeting", 21)),
            ],
        ),
        mk(
            3,
            "Risk mitigation",
            "When health turns red",
            vec![
                step(
                    "Alert the owner",
                    task("Call the champion about the risk", 2),
                ),
                step(
                    "Email the sponsor",
                    email(
                        "sponsor",
                        "Let's talk",
                        "Hi {{contact.first_name}},\n\nI would like to hear how things are \
                         going for {{account.name}} and what we can do better. \
                         Do you have time for a call this week?",
                    ),
                ),
                step("Recovery plan", task("Write the recovery plan", 7)),
                step("Give it two weeks", StepAction::Wait { days: 14 }),
                step("Check health", check("health>=40")),
            ],
        ),
        mk(
            4,
            "Champion change",
            "When the champion leaves",
            vec![
                step("Find a new champion", task("Identify a new champion", 10)),
                step(
                    "Introduction email",
                    email(
                        "champion",
                        "Nice to meet you",
                        "Hi {{contact.first_name}},\n\nI am {{owner.name}}, the customer \
                         success manager of {{account.name}}. I would love to introduce \
                         myself and hear what matters to you.",
                    ),
                ),
            ],
        ),
        mk(
            5,
            "Expansion",
            "Grow an account that is doing well",
            vec![
                step("Spot the opportunity", check("health>=70 trend:up")),
                step(
                    "Send the proposal",
                    email(
                        "decision_maker",
                        "A proposal for {{account.name}}",
                        "Hi {{contact.first_name}},\n\nSeeing how your team uses the \
                         product, I put together a proposal to extend it. Shall we \
                         go through it together?",
                    ),
                ),
                step("Follow up", StepAction::Wait { days: 7 }),
                step(
                    "Hear back",
                    person("Call the decision maker about the proposal"),
                ),
            ],
        ),
        mk(
            6,
            "Quarterly business review",
            "Every quarter",
            vec![
                step("Prepare the deck", task("Prepare the QBR deck", 10)),
                step(
                    "Invite the sponsor",
                    email(
                        "sponsor",
                        "Quarterly business review",
                        "Hi {{contact.first_name}},\n\nIt is time for our quarterly \
                         review of {{account.name}}. Which day suits you in the next \
                         three weeks?",
                    ),
                ),
                step("Hold the QBR", task("Hold the QBR", 20)),
            ],
        ),
    ]
}

/// Step states that give a run the wanted colour.
pub(crate) fn states_for(colour: RunColour, steps: usize, r: &mut Rng) -> Vec<StepState> {
    use StepState::*;
    let n = steps.max(1);
    let k = r.range(1, n as i64 - 1).max(0) as usize;
    (0..n)
        .map(|i| match colour {
            RunColour::Green => Done,
            RunColour::Blue => match i.cmp(&k) {
                std::cmp::Ordering::Less => Done,
                std::cmp::Ordering::Equal => Waiting,
                std::cmp::Ordering::Greater => Pending,
            },
            RunColour::Orange => {
                if i == k.min(n - 1) {
                    Failed
                } else {
                    Done
                }
            }
            // Red needs work left after the failed step, so it never fails the last one.
            RunColour::Red => match i.cmp(&k.min(n.saturating_sub(2))) {
                std::cmp::Ordering::Less => Done,
                std::cmp::Ordering::Equal => Failed,
                std::cmp::Ordering::Greater => Pending,
            },
        })
        .collect()
}

pub(crate) fn push_run(
    g: &mut Gen,
    d: &mut Dataset,
    account: Id,
    playbook: &Playbook,
    colour: RunColour,
    days_ago: i64,
    r: &mut Rng,
) {
    let started = g.at(days_ago, r);
    let states = states_for(colour, playbook.steps.len(), r);
    let steps = states
        .into_iter()
        .enumerate()
        .map(|(i, state)| StepRun {
            state,
            at: matches!(
                state,
                StepState::Done | StepState::Failed | StepState::Waiting
            )
            .then(|| (started + TimeDelta::days(i as i64)).min(g.cfg.anchor.max(started))),
            message: match state {
                StepState::Failed => {
                    if matches!(playbook.steps[i].action, StepAction::SendEmail { .. }) {
                        "no contact with that role on the account".into()
                    } else {
                        "the condition was not met".into()
                    }
                }
                StepState::Waiting => "waiting for the owner to complete the task".into(),
                _ => String::new(),
            },
            ..StepRun::default()
        })
        .collect();
    d.playbook_runs.push(PlaybookRun {
        id: g.ids.run(),
        version: 1,
        created_at: started,
        updated_at: started,
        source: Source::Ui,
        external_id: None,
        account_id: account,
        playbook_id: playbook.id,
        started_at: started,
        steps,
        automatic: false,
    });
}

fn runs(g: &mut Gen, d: &mut Dataset, p: &Profile, account: Id, r: &mut Rng) {
    let n = match g.cfg.density {
        super::Density::Rich => r.range(0, 2),
        super::Density::Bench => r.range(0, 1),
    };
    let books = g.playbooks.clone();
    for _ in 0..n {
        let pb = r.pick(&books);
        let colour = if p.engagement < 0.3 && r.chance(0.5) {
            *r.pick(&[RunColour::Red, RunColour::Orange])
        } else {
            *r.pick(&[
                RunColour::Green,
                RunColour::Green,
                RunColour::Blue,
                RunColour::Orange,
                RunColour::Red,
            ])
        };
        push_run(g, d, account, pb, colour, r.range(5, 150), r);
    }
}

fn nps(g: &mut Gen, d: &mut Dataset, p: &Profile, account: Id, contacts: &[Contact], r: &mut Rng) {
    let n = match g.cfg.density {
        super::Density::Rich => r.range(1, 4),
        super::Density::Bench => r.range(0, 1),
    };
    for _ in 0..n {
        let score = (p.engagement * 10.0 + r.f() * 4.0 - 2.0)
            .round()
            .clamp(0.0, 10.0) as u8;
        push_nps(g, d, account, contacts, score, r.range(5, 360), r);
    }
}

pub(crate) fn push_nps(
    g: &mut Gen,
    d: &mut Dataset,
    account: Id,
    contacts: &[Contact],
    score: u8,
    days_ago: i64,
    r: &mut Rng,
) {
    let at = g.at(days_ago, r);
    let comment = match score {
        9..=10 => r.pick(NPS_PROMOTER),
        7..=8 => r.pick(NPS_PASSIVE),
        _ => r.pick(NPS_DETRACTOR),
    };
    d.nps_responses.push(NpsResponse {
        id: g.ids.nps(),
        version: 1,
        created_at: at,
        updated_at: at,
        source: Source::Import,
        external_id: None,
        account_id: account,
        contact_id: contacts
            .iter()
            .find(|c| c.kind == ContactKind::User)
            .map(|c| c.id),
        score,
        comment: comment.to_string(),
        at,
    });
}

fn documents(g: &mut Gen, d: &mut Dataset, account: Id, domain: &str, rich: bool, r: &mut Rng) {
    if !rich {
        return;
    }
    let at = g.at(r.range(10, 300), r);
    let mut push = |title: &str, kind: &str, link: String| {
        d.documents.push(Document {
            id: g.ids.document(),
            version: 1,
            created_at: at,
            updated_at: at,
            source: Source::Ui,
            external_id: None,
            account_id: account,
            title: title.into(),
            kind: kind.into(),
            link,
            file: None,
        })
    };
    push(
        "CRM account page",
        "link",
        format!("https://crm.example.com/accounts/{domain}"),
    );
    if r.chance(0.5) {
        push(
            "Last QBR deck",
            "qbr",
            format!("https://docs.example.com/qbr/{account}.pdf"),
        );
    }
}
