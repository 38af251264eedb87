//! A health indicator per contact (Maximizer's Customer Health Indicator scores
//! individual entries as well as companies), from the contact's own signals:
//!
//! | signal | raw value | points | weight |
//! |---|---|---|---|
//! | sentiment | average sentiment of the interactions the contact took part in over [`SENTIMENT_DAYS`] days, of those that feed the score | linear −0.5→0, 0→40, 0.3→70, 0.6→100 | 30 |
//! | last touch | days since the last touch the contact took part in (a meeting, a call, an incoming email, a reply) | ≤14→100, ≤30→80, ≤60→50, ≤90→25, more→0 | 30 |
//! | product use | the contact's connections over the last 30 days, for a contact with usage rows | linear 0→0, 5→50, 15→80, 30→100 | 25 |
//! | NPS | the contact's latest answer within [`NPS_DAYS`] days | linear 0→0, 6→30, 8→70, 10→100 | 15 |
//!
//! The score is Σ weight × points / Σ weight over the signals that have data; a
//! signal without data (never in touch, no usage tracked, no NPS answer) is left
//! out, never counted as red, as for accounts. The bands are the account's
//! (default ≥ 70 healthy, ≥ 40 concerning).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tend_domain::*;

use super::facts::{feeds_sentiment, is_touch};
use super::profile::{Bands, linear};

/// How far back the sentiment signal reads.
pub const SENTIMENT_DAYS: i64 = 90;
/// How old an NPS answer may be and still count.
pub const NPS_DAYS: i64 = 365;
/// How far back product use counts.
pub const USAGE_DAYS: i64 = 30;

/// What a contact's indicator is made of.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactSignalKind {
    Sentiment,
    LastTouch,
    ProductUse,
    Nps,
}

tend_domain::named_enum!(ContactSignalKind {
    Sentiment => "sentiment",
    LastTouch => "last_touch",
    ProductUse => "product_use",
    Nps => "nps",
});

impl ContactSignalKind {
    /// Its weight in the contact's score.
    pub fn weight(self) -> f64 {
        match self {
            ContactSignalKind::Sentiment => 30.0,
            ContactSignalKind::LastTouch => 30.0,
            ContactSignalKind::ProductUse => 25.0,
            ContactSignalKind::Nps => 15.0,
        }
    }
}

/// One signal of a contact: its value in words and the points it earns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactSignal {
    pub signal: ContactSignalKind,
    /// The raw value in words ("last touch 94 days ago", "sentiment -0.42 over 3").
    pub value: String,
    /// 0..=100; None: no data (left out of the score).
    pub points: Option<f64>,
    pub weight: f64,
}

/// A contact's health indicator, with what makes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContactHealth {
    pub contact_id: Id,
    /// None: no signal has data.
    pub score: Option<f64>,
    pub status: Option<HealthStatus>,
    /// Every signal, in the order of [`ContactSignalKind`].
    pub signals: Vec<ContactSignal>,
}

impl ContactHealth {
    /// The signal that costs the score the most (its share of the weight × the
    /// points it misses), when one costs anything.
    pub fn drag(&self) -> Option<&ContactSignal> {
        let total: f64 = self
            .signals
            .iter()
            .filter(|s| s.points.is_some())
            .map(|s| s.weight)
            .sum();
        self.signals
            .iter()
            .filter_map(|s| Some((s, s.weight / total * (100.0 - s.points?))))
            .filter(|(_, lost)| *lost > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| s)
    }
}

fn touch_points(days: i64) -> f64 {
    match days {
        ..=14 => 100.0,
        15..=30 => 80.0,
        31..=60 => 50.0,
        61..=90 => 25.0,
        _ => 0.0,
    }
}

/// The indicator of every contact of an account, from the account's
/// interactions, usage rows and NPS answers (each read for the contacts they
/// name), in the order of `contacts`.
pub fn contacts_health(
    contacts: &[Contact],
    interactions: &[Interaction],
    usage: &[UsageDay],
    nps: &[NpsResponse],
    bands: &Bands,
    now: Timestamp,
) -> Vec<ContactHealth> {
    let mut by_contact: HashMap<Id, Vec<&Interaction>> = HashMap::new();
    for i in interactions.iter().filter(|i| i.at <= now) {
        for c in &i.contact_ids {
            by_contact.entry(*c).or_default().push(i);
        }
    }
    let mut use_of: HashMap<Id, Vec<&UsageDay>> = HashMap::new();
    for u in usage {
        if let Some(c) = u.contact_id {
            use_of.entry(c).or_default().push(u);
        }
    }
    contacts
        .iter()
        .map(|c| {
            let answers: Vec<&NpsResponse> =
                nps.iter().filter(|n| n.contact_id == Some(c.id)).collect();
            health_of(
                c.id,
                by_contact.get(&c.id).map_or(&[][..], Vec::as_slice),
                use_of.get(&c.id).map_or(&[][..], Vec::as_slice),
                &answers,
                bands,
                now,
            )
        })
        .collect()
}

/// One contact's indicator from its own interactions, usage rows and answers.
fn health_of(
    contact: Id,
    interactions: &[&Interaction],
    usage: &[&UsageDay],
    nps: &[&NpsResponse],
    bands: &Bands,
    now: Timestamp,
) -> ContactHealth {
    let today = now.date_naive();
    let signal = |signal: ContactSignalKind, value: String, points: Option<f64>| ContactSignal {
        signal,
        value,
        points,
        weight: signal.weight(),
    };

    let recent: Vec<f64> = interactions
        .iter()
        .filter(|i| feeds_sentiment(i) && (now - i.at).num_days() < SENTIMENT_DAYS)
        .filter_map(|i| Some(i.sentiment?.score))
        .collect();
    let sentiment = if recent.is_empty() {
        signal(
            ContactSignalKind::Sentiment,
            format!("no rated interaction in {SENTIMENT_DAYS} days"),
            None,
        )
    } else {
        let mean = recent.iter().sum::<f64>() / recent.len() as f64;
        signal(
            ContactSignalKind::Sentiment,
            format!("sentiment {mean:+.2} over {}", recent.len()),
            Some(linear(
                &[(-0.5, 0.0), (0.0, 40.0), (0.3, 70.0), (0.6, 100.0)],
                mean,
            )),
        )
    };

    let last_touch = interactions
        .iter()
        .filter(|i| is_touch(i))
        .map(|i| i.at)
        .max();
    let touch = match last_touch {
        None => signal(ContactSignalKind::LastTouch, "never in touch".into(), None),
        Some(at) => {
            let days = (today - at.date_naive()).num_days().max(0);
            signal(
                ContactSignalKind::LastTouch,
                format!("last touch {days} days ago"),
                Some(touch_points(days)),
            )
        }
    };

    let product = if usage.is_empty() {
        signal(
            ContactSignalKind::ProductUse,
            "no product use tracked".into(),
            None,
        )
    } else {
        let connections: u64 = usage
            .iter()
            .filter(|u| (today - u.day).num_days() < USAGE_DAYS && u.day <= today)
            .map(|u| u64::from(u.connections))
            .sum();
        let value = if connections > 0 {
            format!("{connections} connections in {USAGE_DAYS} days")
        } else {
            match usage
                .iter()
                .filter(|u| u.connections > 0 && u.day <= today)
                .map(|u| u.day)
                .max()
            {
                Some(d) => format!(
                    "no connection in {USAGE_DAYS} days (last {} days ago)",
                    (today - d).num_days()
                ),
                None => "never connected".into(),
            }
        };
        signal(
            ContactSignalKind::ProductUse,
            value,
            Some(linear(
                &[(0.0, 0.0), (5.0, 50.0), (15.0, 80.0), (30.0, 100.0)],
                connections as f64,
            )),
        )
    };

    let answer = nps
        .iter()
        .filter(|n| n.at <= now && (now - n.at).num_days() < NPS_DAYS)
        .max_by_key(|n| (n.at, n.id));
    let nps = match answer {
        None => signal(
            ContactSignalKind::Nps,
            format!("no NPS answer in {NPS_DAYS} days"),
            None,
        ),
        Some(n) => signal(
            ContactSignalKind::Nps,
            format!("NPS {}/10", n.score),
            Some(linear(
                &[(0.0, 0.0), (6.0, 30.0), (8.0, 70.0), (10.0, 100.0)],
                f64::from(n.score),
            )),
        ),
    };

    let signals = vec![sentiment, touch, product, nps];
    let (sum, weight) = signals
        .iter()
        .filter_map(|s| Some((s.points? * s.weight, s.weight)))
        .fold((0.0, 0.0), |(a, b), (p, w)| (a + p, b + w));
    let score = (weight > 0.0).then(|| sum / weight);
    ContactHealth {
        contact_id: contact,
        score,
        status: score.map(|s| bands.status(s)),
        signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone, Utc};
    use serde_json::json;

    fn now() -> Timestamp {
        Utc.with_ymd_and_hms(2026, 6, 30, 12, 0, 0).unwrap()
    }

    fn ago(days: i64) -> Timestamp {
        now() - TimeDelta::days(days)
    }

    fn contact(id: Id) -> Contact {
        serde_json::from_value(json!({
            "id": id, "created_at": ago(400), "updated_at": ago(400), "account_id": 1,
            "name": format!("Contact {id}")
        }))
        .expect("a contact")
    }

    fn interaction(
        id: Id,
        days_ago: i64,
        kind: &str,
        dir: &str,
        contacts: &[Id],
        score: Option<f64>,
    ) -> Interaction {
        let sentiment = score.map(|s| json!({"score": s, "label": "neutral", "source": "ai"}));
        serde_json::from_value(json!({
            "id": id, "created_at": ago(days_ago), "updated_at": ago(days_ago), "account_id": 1,
            "kind": kind, "direction": dir, "at": ago(days_ago), "contact_ids": contacts,
            "subject": "s", "sentiment": sentiment
        }))
        .expect("an interaction")
    }

    fn usage(contact: Id, days_ago: i64, connections: u32) -> UsageDay {
        UsageDay {
            account_id: 1,
            contact_id: Some(contact),
            day: now().date_naive() - chrono::Days::new(days_ago as u64),
            connections,
            minutes: 0,
            features: Default::default(),
        }
    }

    fn answer(id: Id, contact: Id, days_ago: i64, score: u8) -> NpsResponse {
        serde_json::from_value(json!({
            "id": id, "created_at": ago(days_ago), "updated_at": ago(days_ago), "account_id": 1,
            "contact_id": contact, "score": score, "at": ago(days_ago)
        }))
        .expect("an answer")
    }

    fn one(interactions: &[Interaction], usage: &[UsageDay], nps: &[NpsResponse]) -> ContactHealth {
        contacts_health(
            &[contact(7)],
            interactions,
            usage,
            nps,
            &Bands::default(),
            now(),
        )
        .pop()
        .expect("one contact")
    }

    fn points(h: &ContactHealth, kind: ContactSignalKind) -> Option<f64> {
        h.signals
            .iter()
            .find(|s| s.signal == kind)
            .and_then(|s| s.points)
    }

    #[test]
    fn a_contact_nobody_hears_from_has_no_score() {
        let h = one(&[], &[], &[]);
        assert_eq!(h.score, None);
        assert_eq!(h.status, None);
        assert_eq!(h.drag(), None);
        assert_eq!(h.signals.len(), 4, "every signal says it has no data");
        assert!(h.signals.iter().all(|s| s.points.is_none()));
    }

    #[test]
    fn missing_signals_share_out_their_weight() {
        // Only a touch 10 days ago: 100 points, the whole score.
        let h = one(
            &[interaction(1, 10, "meeting", "out", &[7], None)],
            &[],
            &[],
        );
        assert_eq!(h.score, Some(100.0));
        assert_eq!(h.status, Some(HealthStatus::Healthy));
        assert_eq!(
            points(&h, ContactSignalKind::Sentiment),
            None,
            "an automatic meeting rating does not count"
        );
    }

    #[test]
    fn every_signal_moves_the_score_by_its_weight() {
        let interactions = [
            // An incoming email 45 days ago: a touch (50 points) rated -0.5 (0 points).
            interaction(1, 45, "email", "in", &[7], Some(-0.5)),
            // Another contact's email: not this contact's.
            interaction(2, 1, "email", "in", &[8], Some(0.9)),
        ];
        let usage = [usage(7, 3, 10), usage(7, 40, 50)];
        let nps = [answer(1, 7, 500, 10), answer(2, 7, 20, 6)];
        let h = one(&interactions, &usage, &nps);
        assert_eq!(points(&h, ContactSignalKind::Sentiment), Some(0.0));
        assert_eq!(points(&h, ContactSignalKind::LastTouch), Some(50.0));
        // 10 connections in 30 days: halfway from 5 (50) to 15 (80).
        assert_eq!(points(&h, ContactSignalKind::ProductUse), Some(65.0));
        // The latest answer within a year, 6: 30 points.
        assert_eq!(points(&h, ContactSignalKind::Nps), Some(30.0));
        let want = (30.0 * 0.0 + 30.0 * 50.0 + 25.0 * 65.0 + 15.0 * 30.0) / 100.0;
        assert_eq!(h.score, Some(want));
        assert_eq!(h.status, Some(HealthStatus::AtRisk), "35.75");
        assert_eq!(
            h.drag().map(|s| s.signal),
            Some(ContactSignalKind::Sentiment)
        );
    }

    #[test]
    fn an_unanswered_email_is_no_touch_and_old_touches_fade() {
        let h = one(&[interaction(1, 2, "email", "out", &[7], None)], &[], &[]);
        assert_eq!(points(&h, ContactSignalKind::LastTouch), None);
        let h = one(&[interaction(1, 120, "call", "out", &[7], None)], &[], &[]);
        assert_eq!(points(&h, ContactSignalKind::LastTouch), Some(0.0));
        assert_eq!(h.status, Some(HealthStatus::AtRisk));
        assert_eq!(h.signals[1].value, "last touch 120 days ago");
    }

    #[test]
    fn a_product_user_who_stopped_connecting_scores_zero_on_use() {
        let h = one(&[], &[usage(7, 45, 12)], &[]);
        assert_eq!(points(&h, ContactSignalKind::ProductUse), Some(0.0));
        assert_eq!(
            h.signals[2].value,
            "no connection in 30 days (last 45 days ago)"
        );
        assert_eq!(h.score, Some(0.0));
    }

    #[test]
    fn sentiment_reads_the_last_90_days_only() {
        let interactions = [
            interaction(1, 100, "email", "in", &[7], Some(-0.9)),
            interaction(2, 5, "email", "in", &[7], Some(0.6)),
        ];
        let h = one(&interactions, &[], &[]);
        assert_eq!(points(&h, ContactSignalKind::Sentiment), Some(100.0));
        assert_eq!(h.signals[0].value, "sentiment +0.60 over 1");
    }

    #[test]
    fn the_account_bands_decide_the_status() {
        let strict = Bands {
            healthy: 90.0,
            concerning: 60.0,
        };
        let h = contacts_health(
            &[contact(7)],
            &[interaction(1, 20, "call", "out", &[7], None)],
            &[],
            &[],
            &strict,
            now(),
        );
        assert_eq!(h[0].score, Some(80.0));
        assert_eq!(h[0].status, Some(HealthStatus::Concerning));
    }

    #[test]
    fn linear_is_flat_beyond_its_ends() {
        let k = [(0.0, 0.0), (10.0, 100.0)];
        assert_eq!(linear(&k, -5.0), 0.0);
        assert_eq!(linear(&k, 2.5), 25.0);
        assert_eq!(linear(&k, 50.0), 100.0);
    }
}
