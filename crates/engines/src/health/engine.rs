//! The score and its explanation: pure functions of an account's data, a profile
//! and an instant.
//!
//! Component score = Σ wᵢ·pᵢ / Σ wᵢ over its measures that have data; the overall
//! score likewise over components that have data. A measure without data is left
//! out and its weight shared out proportionally among the others (so missing data
//! never counts as red); a component with no data at all is "no data". Each
//! measure's share of the overall score is its component's share times its share
//! in the component, and its drag (points lost to the overall score) is
//! share × (100 − points): the drags add up to exactly 100 − score.

use serde::{Deserialize, Serialize};

use super::facts::{AccountData, KeyIndicators, UsageMetrics};
use super::measures::{Better, Context, Measure, Raw};
use super::profile::{Mapping, Profile, num};
use tend_domain::*;

/// One measure in the explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureScore {
    pub measure: Measure,
    pub label: String,
    pub unit: String,
    /// The raw value, or None when there is no data (see `note`).
    pub raw: Option<f64>,
    /// 0-100, when the measure counted.
    pub points: Option<f64>,
    /// The weight in the profile.
    pub weight: f64,
    /// Its share of the component in %, among the measures that counted.
    pub component_pct: f64,
    /// Its share of the overall score in %.
    pub overall_pct: f64,
    /// Points lost to the overall score (share × (100 − points)).
    pub drag: f64,
    pub excluded: bool,
    /// The rule that gave the points, or why the measure did not count.
    pub note: String,
}

/// One component in the explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComponentScore {
    pub id: String,
    pub name: String,
    /// None: no data at all (or excluded).
    pub score: Option<f64>,
    pub weight: f64,
    /// Its share of the overall score in %, among the components that counted.
    pub overall_pct: f64,
    pub excluded: bool,
    pub measures: Vec<MeasureScore>,
}

/// What pulled the score down, biggest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Drag {
    pub component: String,
    pub measure: Measure,
    /// Points lost to the overall score.
    pub points_lost: f64,
    /// The condition, in words.
    pub condition: String,
}

/// A score with its full explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Explanation {
    pub account_id: Id,
    pub at: chrono::DateTime<chrono::Utc>,
    pub profile: String,
    /// None when no component has data.
    pub score: Option<f64>,
    pub status: Option<HealthStatus>,
    /// Score change against the previous weekly snapshot.
    pub trend: Option<f64>,
    pub previous: Option<f64>,
    pub bands: super::profile::Bands,
    pub components: Vec<ComponentScore>,
    /// Drags, biggest first.
    pub drags: Vec<Drag>,
    /// How missing data was handled, in words (empty when nothing was missing).
    pub missing_rule: String,
    pub indicators: KeyIndicators,
    pub usage: UsageMetrics,
}

impl Explanation {
    /// Component scores by id (for snapshots).
    pub fn component_scores(&self) -> Vec<(String, Option<f64>)> {
        self.components
            .iter()
            .map(|c| (c.id.clone(), c.score))
            .collect()
    }
}

/// A raw value in words, with its unit ("47 days", "yes").
pub fn raw_text(m: Measure, v: f64) -> String {
    if m == Measure::UsageTrend {
        // A ratio: 44% is a 56% fall, and 0% a collapse, not "no change".
        let change = v.round() - 100.0;
        let moved = match change {
            c if c < 0.0 => format!(" (↓{}%)", num(-c)),
            c if c > 0.0 => format!(" (↑{}%)", num(c)),
            _ => " (no change)".into(),
        };
        return format!("{}%{moved}", num(v));
    }
    match m.unit() {
        "yes/no" => (if v >= 1.0 { "yes" } else { "no" }).into(),
        "%" => format!("{}%", num(v)),
        "0-10" => format!("{}/10", num(v)),
        "1-5" | "rating" => format!("{}/5", num(v)),
        unit => format!("{} {unit}", num(v)),
    }
}

/// The condition a drag describes ("days since last touch: 47 days").
fn condition(m: Measure, v: f64, mapping: &Mapping) -> String {
    let what = match (m, m.better()) {
        (Measure::PaymentUpToDate, _) => "payment not up to date".to_string(),
        (_, Better::Lower) => format!("{} is {} (lower is better)", m.label(), raw_text(m, v)),
        (_, Better::Higher) => format!("{} is {} (higher is better)", m.label(), raw_text(m, v)),
    };
    format!("{what}; {}", mapping.rule_for(v))
}

/// The numbers of a score, before any words: what each measure gave, and the
/// component and overall scores.
struct Numbers {
    /// Per component, per measure: the raw value and points, or why not.
    measures: Vec<Vec<Result<(f64, f64), &'static str>>>,
    /// Per component: its score and the weight total of its counted measures.
    components: Vec<Option<(f64, f64)>>,
    /// The overall score and the weight total of the counted components.
    overall: Option<(f64, f64)>,
}

const EXCLUDED: &str = "excluded by the profile";

fn numbers(ctx: &Context, profile: &Profile) -> Numbers {
    let measures: Vec<Vec<Result<(f64, f64), &'static str>>> = profile
        .components
        .iter()
        .map(|c| {
            c.measures
                .iter()
                .map(|spec| {
                    if spec.exclude {
                        return Err(EXCLUDED);
                    }
                    match spec.measure.raw(ctx) {
                        Raw::Value(v) => Ok((v, spec.mapping.points(v).clamp(0.0, 100.0))),
                        Raw::Missing(why) => Err(why),
                    }
                })
                .collect()
        })
        .collect();
    let components: Vec<Option<(f64, f64)>> = profile
        .components
        .iter()
        .zip(&measures)
        .map(|(c, values)| {
            let (mut sum, mut total) = (0.0, 0.0);
            for (spec, v) in c.measures.iter().zip(values) {
                if let Ok((_, points)) = v {
                    sum += spec.weight * points;
                    total += spec.weight;
                }
            }
            (!c.exclude && total > 0.0).then(|| (sum / total, total))
        })
        .collect();
    let (mut sum, mut total) = (0.0, 0.0);
    for (c, score) in profile.components.iter().zip(&components) {
        if let Some((s, _)) = score {
            sum += c.weight * s;
            total += c.weight;
        }
    }
    Numbers {
        measures,
        components,
        overall: (total > 0.0).then(|| (sum / total, total)),
    }
}

/// A measure's share of its component and of the overall score (in %) and its
/// drag, computed one way for the explanation and the quick score alike (so they
/// break ties the same way).
fn shares(c_weight: f64, total: f64, m_weight: f64, ctotal: f64, points: f64) -> (f64, f64, f64) {
    let component_pct = m_weight * 100.0 / ctotal;
    let overall_pct = (c_weight * 100.0 / total) * component_pct / 100.0;
    (
        component_pct,
        overall_pct,
        overall_pct * (100.0 - points) / 100.0,
    )
}

/// A score without its explanation (history backfills compute thousands).
#[derive(Debug, Clone, PartialEq)]
pub struct Quick {
    pub at: chrono::DateTime<chrono::Utc>,
    pub profile: String,
    pub score: Option<f64>,
    pub status: Option<HealthStatus>,
    pub components: Vec<(String, Option<f64>)>,
    /// The condition of the biggest drag.
    pub biggest_drag: Option<String>,
    /// The measure of the biggest drag.
    pub drag_measure: Option<Measure>,
    /// Where the biggest drag sits in the profile (component, measure) and its raw
    /// value: enough to word its condition later ([`Quick::drag_condition`]).
    pub drag_at: Option<(usize, usize, f64)>,
    /// Connections over the last 30 days, and over the 30 days before (the alert
    /// rules read them).
    pub connections_30d: u64,
    pub connections_prev_30d: u64,
}

/// Scores an account without building the explanation's words; the biggest drag's
/// condition is worded.
pub fn quick(data: &AccountData, profile: &Profile, now: Timestamp) -> Quick {
    let mut q = quick_numbers(data, profile, now);
    q.biggest_drag = q.drag_condition(profile);
    q
}

/// [`quick`] without wording the biggest drag's condition (`biggest_drag` is
/// `None`; [`Quick::drag_condition`] words it): a history backfill scores an
/// account at 64 instants and words only the few that can raise an alert.
pub fn quick_numbers(data: &AccountData, profile: &Profile, now: Timestamp) -> Quick {
    if !data.is_sorted() {
        let mut sorted = data.clone();
        sorted.sort();
        return quick_numbers(&sorted, profile, now);
    }
    let ctx = Context::new(data, now);
    let n = numbers(&ctx, profile);
    // (drag, measure, raw, component index, measure index)
    let mut biggest: Option<(f64, Measure, f64, usize, usize)> = None;
    if let Some((_, total)) = n.overall {
        for (ci, ((c, score), values)) in profile
            .components
            .iter()
            .zip(&n.components)
            .zip(&n.measures)
            .enumerate()
        {
            let Some((_, ctotal)) = score else { continue };
            for (mi, (spec, v)) in c.measures.iter().zip(values).enumerate() {
                if let Ok((raw, points)) = v {
                    let (_, _, drag) = shares(c.weight, total, spec.weight, *ctotal, *points);
                    // Ties go to the catalogue order, as in the explanation.
                    if drag > 0.0
                        && biggest.is_none_or(|b| drag > b.0 || (drag == b.0 && spec.measure < b.1))
                    {
                        biggest = Some((drag, spec.measure, *raw, ci, mi));
                    }
                }
            }
        }
    }
    let score = n.overall.map(|(s, _)| s);
    Quick {
        at: now,
        profile: profile.name.clone(),
        score,
        status: score.map(|s| profile.bands.status(s)),
        components: profile
            .components
            .iter()
            .zip(&n.components)
            .map(|(c, s)| (c.id.clone(), s.map(|(s, _)| s)))
            .collect(),
        biggest_drag: None,
        drag_measure: biggest.map(|(_, m, _, _, _)| m),
        drag_at: biggest.map(|(_, _, raw, ci, mi)| (ci, mi, raw)),
        connections_30d: ctx.usage.connections_30d,
        connections_prev_30d: ctx.usage.connections_prev_30d,
    }
}

impl Quick {
    /// The condition of the biggest drag, worded with the profile it was scored
    /// with.
    pub fn drag_condition(&self, profile: &Profile) -> Option<String> {
        let (ci, mi, raw) = self.drag_at?;
        let spec = profile.components.get(ci)?.measures.get(mi)?;
        Some(condition(spec.measure, raw, &spec.mapping))
    }
}

/// Scores an account with a profile at `now`, with the full explanation.
pub fn evaluate(data: &AccountData, profile: &Profile, now: Timestamp) -> Explanation {
    if !data.is_sorted() {
        let mut sorted = data.clone();
        sorted.sort();
        return evaluate(&sorted, profile, now);
    }
    let ctx = Context::new(data, now);
    let n = numbers(&ctx, profile);
    let overall_total = n.overall.map(|(_, t)| t);
    let mut drags = vec![];
    let components: Vec<ComponentScore> = profile
        .components
        .iter()
        .zip(&n.components)
        .zip(&n.measures)
        .map(|((c, score), values)| {
            let overall_pct = match (score, overall_total) {
                (Some(_), Some(t)) => c.weight * 100.0 / t,
                _ => 0.0,
            };
            let measures = c
                .measures
                .iter()
                .zip(values)
                .map(|(spec, v)| {
                    let m = spec.measure;
                    let mut out = MeasureScore {
                        measure: m,
                        label: m.label().into(),
                        unit: m.unit().into(),
                        raw: None,
                        points: None,
                        weight: spec.weight,
                        component_pct: 0.0,
                        overall_pct: 0.0,
                        drag: 0.0,
                        excluded: spec.exclude,
                        note: String::new(),
                    };
                    match v {
                        Err(why) if spec.exclude => out.note = (*why).into(),
                        Err(why) => out.note = format!("no data: {why}"),
                        Ok((raw, points)) => {
                            out.raw = Some(*raw);
                            out.points = Some(*points);
                            out.note = spec.mapping.rule_for(*raw);
                            if let Some((_, ctotal)) = score {
                                let overall_total = overall_total.unwrap_or(1.0);
                                (out.component_pct, out.overall_pct, out.drag) =
                                    shares(c.weight, overall_total, spec.weight, *ctotal, *points);
                            }
                            if out.drag > 0.0 {
                                drags.push(Drag {
                                    component: c.id.clone(),
                                    measure: m,
                                    points_lost: out.drag,
                                    condition: condition(m, *raw, &spec.mapping),
                                });
                            }
                        }
                    }
                    out
                })
                .collect();
            ComponentScore {
                id: c.id.clone(),
                name: c.name.clone(),
                score: score.map(|(s, _)| s),
                weight: c.weight,
                overall_pct,
                excluded: c.exclude,
                measures,
            }
        })
        .collect();
    drags.sort_by(|a, b| {
        b.points_lost
            .total_cmp(&a.points_lost)
            .then(a.measure.cmp(&b.measure))
    });
    let missing_rule = missing_rule(&components);
    let score = n.overall.map(|(s, _)| s);
    Explanation {
        account_id: data.account.as_ref().map_or(0, |a| a.id),
        at: now,
        profile: profile.name.clone(),
        score,
        status: score.map(|s| profile.bands.status(s)),
        trend: None,
        previous: None,
        bands: profile.bands,
        components,
        drags,
        missing_rule,
        indicators: ctx.indicators,
        usage: ctx.usage,
    }
}

fn missing_rule(components: &[ComponentScore]) -> String {
    let mut parts = vec![];
    for c in components {
        if c.excluded {
            continue;
        }
        if c.score.is_none() {
            parts.push(format!("component {} has no data", c.name));
            continue;
        }
        let missing: Vec<&str> = c
            .measures
            .iter()
            .filter(|m| m.points.is_none() && !m.excluded)
            .map(|m| m.label.as_str())
            .collect();
        if !missing.is_empty() {
            parts.push(format!("{}: no data for {}", c.name, missing.join(", ")));
        }
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "Missing data never counts against the account: the weight of what has no data is shared out among the rest in proportion to their weights ({}).",
        parts.join("; ")
    )
}
