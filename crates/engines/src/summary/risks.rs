//! Risks and Blockers: what threatens the relationship or stops progress, worst
//! first. Each risk carries the step it calls for (Strategic Next Steps reads it).

use tend_domain::format::score;
use tend_domain::*;

use super::context::{Ctx, Draft, Line, Topic, case_name, cite};
use super::text::{self, and_list, counted};
use super::{RENEWAL_RISK_DAYS, RISK_INTERACTIONS};
use crate::health::feeds_sentiment;

/// At most this many cases, KPIs or interactions are named one by one.
const MAX_NAMED: usize = 5;

pub(super) fn risks(ctx: &Ctx) -> Draft {
    let (window, truncated) = ctx.recent(RISK_INTERACTIONS);
    let mut lines = vec![];
    lines.extend(churn(ctx));
    lines.extend(health(ctx));
    lines.extend(renewal(ctx));
    lines.extend(cases(ctx));
    lines.extend(negative(ctx, window));
    lines.extend(kpis(ctx));
    lines.extend(challenges(ctx));
    lines.extend(silent_sponsors(ctx));
    lines.extend(projects(ctx));
    lines.extend(overdue(ctx));
    lines.extend(alerts(ctx));
    // Stable: within a rank, the order above.
    lines.sort_by_key(|l| l.rank);
    Draft::of(
        lines,
        "No risk or blocker found in the account's records.",
        &[truncated],
    )
}

fn churn(ctx: &Ctx) -> Option<Line> {
    let c = &ctx.account.churn;
    let (rank, word) = match c.likelihood {
        ChurnLikelihood::None => return None,
        ChurnLikelihood::Confirmed => (0, "confirmed"),
        ChurnLikelihood::AtRisk => (1, "at risk"),
    };
    let reason: Vec<&str> = [&c.reason_category, &c.reason_subcategory]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    let reason = if reason.is_empty() {
        String::new()
    } else {
        format!(" (reason: {})", reason.join(" / "))
    };
    let date = c
        .projected_date
        .map(|d| format!(", projected for {}", text::date(d)))
        .unwrap_or_default();
    let details = [&c.reason_details, &c.description]
        .into_iter()
        .flatten()
        .map(|s| text::clip(s, 120))
        .find(|s| !s.is_empty())
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    let before = c
        .projected_date
        .map(|d| format!(" before {}", text::date(d)))
        .unwrap_or_default();
    Some(
        Line::new(
            Topic::Risk,
            format!("Churn forecast: {word}{reason}{date}{details}."),
            vec![ctx.account_cite()],
        )
        .rank(rank)
        .gist(format!("churn forecast {word}{reason}"))
        .step(format!(
            "Meet the executive sponsor about the churn forecast{reason} and agree a save plan{before}."
        ))
        .due(c.projected_date),
    )
}

fn health(ctx: &Ctx) -> Option<Line> {
    let (s, status) = ctx.health_now()?;
    let rank = match status {
        HealthStatus::Healthy => return None,
        HealthStatus::AtRisk => 1,
        HealthStatus::Concerning => 3,
    };
    let mut weakest: Vec<(&str, f64)> = ctx
        .health
        .map(|h| {
            h.components
                .iter()
                .filter(|c| !c.excluded)
                .filter_map(|c| c.score.map(|s| (c.name.as_str(), s)))
                .collect()
        })
        .unwrap_or_default();
    weakest.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
    let named: Vec<String> = weakest
        .iter()
        .take(2)
        .map(|(n, s)| format!("{n} {}", score(Some(*s))))
        .collect();
    let drag = ctx
        .health
        .and_then(|h| h.drags.first())
        .map(|d| {
            d.condition
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .filter(|d| !d.is_empty());
    let mut text = format!("Health is {} at {}/100", status.label(), score(Some(s)));
    if !named.is_empty() {
        text.push_str(&format!("; weakest components: {}", named.join(", ")));
    }
    if let Some(d) = &drag {
        text.push_str(&format!("; biggest drag: {d}"));
    }
    text.push('.');
    let on = weakest
        .first()
        .map(|(n, _)| format!(" on {n}"))
        .unwrap_or_default();
    let because = drag.map(|d| format!(" ({d})")).unwrap_or_default();
    Some(
        Line::new(Topic::Risk, text, vec![ctx.account_cite()])
            .rank(rank)
            .gist(format!(
                "health {} at {}/100{}",
                status.label(),
                score(Some(s)),
                weakest
                    .first()
                    .map(|(n, _)| format!(", weakest on {n}"))
                    .unwrap_or_default()
            ))
            .step(format!("Run a recovery plan{on}{because}.")),
    )
}

fn renewal(ctx: &Ctx) -> Option<Line> {
    let (_, status) = ctx.health_now()?;
    if status == HealthStatus::Healthy {
        return None;
    }
    let agreements: Vec<Agreement> = ctx.agreements.iter().map(|a| (*a).clone()).collect();
    let (notice, end) = next_renewal(&agreements, ctx.today)?;
    let days = (notice - ctx.today).num_days();
    if !(0..=RENEWAL_RISK_DAYS).contains(&days) {
        return None;
    }
    let mut cites: Vec<Citation> =
        deciding_terms(&agreements, ctx.today, |a| a.is_active_on(ctx.today))
            .into_iter()
            .filter(|a| a.next_notice_on_or_after(ctx.today) == notice)
            .map(|a| cite(EntityKind::Agreement, a.id))
            .collect();
    cites.push(ctx.account_cite());
    let when = text::relative(ctx.today, notice);
    Some(
        Line::new(
            Topic::Risk,
            format!(
                "Renewal decision due {} ({when}; the term ends {}) while health is {}.",
                text::date(notice),
                text::date(end),
                status.label()
            ),
            cites,
        )
        .rank(1)
        .gist(format!(
            "renewal decision {when} with health {}",
            status.label()
        ))
        .step(format!(
            "Prepare the renewal before its notice date, {}: review the value delivered with the sponsor and answer the open risks.",
            text::date(notice)
        ))
        .due(Some(notice)),
    )
}

fn cases(ctx: &Ctx) -> Vec<Line> {
    let urgent = ctx.urgent_cases();
    let mut lines: Vec<Line> = urgent
        .iter()
        .take(MAX_NAMED)
        .map(|c| {
            let mut marks = vec![];
            if c.escalated {
                marks.push("escalated".to_string());
            }
            marks.push(format!("{} priority", c.priority));
            marks.push(format!("severity {}", c.severity));
            let days = (ctx.today - c.opened_at.date_naive()).num_days().max(0);
            let rank = if c.escalated && (c.priority == Priority::Urgent || c.severity <= 1) {
                1
            } else {
                2
            };
            let name = case_name(c);
            Line::new(
                Topic::Risk,
                format!(
                    "Case {name}: {}, open for {} (status {}).",
                    marks.join(", "),
                    counted(days as usize, "day", "days"),
                    c.status
                ),
                vec![cite(EntityKind::SupportCase, c.id)],
            )
            .rank(rank)
            .gist(format!(
                "{} case {name} open for {}",
                if c.escalated { "escalated" } else { "urgent" },
                counted(days as usize, "day", "days")
            ))
            .step(format!(
                "Get case {name} resolved with support and confirm the fix with the customer."
            ))
        })
        .collect();
    if urgent.len() > MAX_NAMED {
        let rest = &urgent[MAX_NAMED..];
        lines.push(
            Line::new(
                Topic::Risk,
                format!(
                    "{} are escalated or urgent.",
                    counted(rest.len(), "more open case", "more open cases")
                ),
                rest.iter()
                    .map(|c| cite(EntityKind::SupportCase, c.id))
                    .collect(),
            )
            .rank(2),
        );
    }
    lines
}

fn negative(ctx: &Ctx, window: &[&Interaction]) -> Option<Line> {
    let mut negative: Vec<(&Interaction, f64)> = window
        .iter()
        .filter(|i| feeds_sentiment(i))
        .filter_map(|i| {
            i.sentiment
                .filter(|s| s.label == SentimentLabel::Negative)
                .map(|s| (*i, s.score))
        })
        .collect();
    if negative.is_empty() {
        return None;
    }
    let n = negative.len();
    // Most negative first; ties to the latest.
    negative.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then(b.0.at.cmp(&a.0.at))
            .then(b.0.id.cmp(&a.0.id))
    });
    let worst: Vec<String> = negative
        .iter()
        .take(3)
        .map(|(i, s)| format!("\"{}\" ({}, {s:+.2})", text::headline(i), ctx.what(i)))
        .collect();
    let (i, _) = negative[0];
    let who = ctx.people.names(i);
    let from = if who.is_empty() {
        String::new()
    } else {
        format!(" from {who}")
    };
    Some(
        Line::new(
            Topic::Risk,
            format!(
                "{} {}; the most negative: {}.",
                counted(
                    n,
                    "negative customer interaction",
                    "negative customer interactions"
                ),
                Ctx::since(window),
                and_list(&worst)
            ),
            negative
                .iter()
                .map(|(i, _)| cite(EntityKind::Interaction, i.id))
                .collect(),
        )
        .rank(2)
        .gist(format!(
            "{} lately",
            counted(
                n,
                "negative customer interaction",
                "negative customer interactions"
            )
        ))
        .step(format!(
            "Follow up on the negative feedback{from} (\"{}\", {}) and agree what will change.",
            text::headline(i),
            text::day(i.at)
        )),
    )
}

fn kpis(ctx: &Ctx) -> Vec<Line> {
    let mut stuck: Vec<&Kpi> = ctx
        .kpis
        .iter()
        .copied()
        .filter(|k| matches!(k.status, KpiStatus::Blocked | KpiStatus::OffTrack))
        .collect();
    // Blocked before off track.
    stuck.sort_by_key(|k| (k.status != KpiStatus::Blocked, k.id));
    stuck
        .iter()
        .take(MAX_NAMED)
        .map(|k| {
            let objective = ctx.objective(k.objective_id);
            let mut cites = vec![cite(EntityKind::Kpi, k.id)];
            let mut of = String::new();
            let mut by = String::new();
            let mut due = None;
            if let Some(o) = objective {
                cites.push(cite(EntityKind::Objective, o.id));
                of = format!(" for objective \"{}\"", o.name);
                if let Some(d) = o.due {
                    by = format!(" before {}", text::date(d));
                    due = Some(d);
                }
            }
            let word = text::words(k.status.as_str());
            let rank = if k.status == KpiStatus::Blocked { 2 } else { 3 };
            let verb = if k.status == KpiStatus::Blocked {
                "Unblock"
            } else {
                "Get back on track"
            };
            Line::new(
                Topic::Risk,
                format!(
                    "KPI \"{}\" is {word} at {} (baseline {}, target {}){of}.",
                    k.name,
                    text::measure(k.current, &k.unit),
                    text::measure(k.baseline, &k.unit),
                    text::measure(k.target, &k.unit)
                ),
                cites,
            )
            .rank(rank)
            .gist(format!("KPI \"{}\" {word}", k.name))
            .step(format!(
                "{verb} KPI \"{}\" (now {}, target {}){by}.",
                k.name,
                text::measure(k.current, &k.unit),
                text::measure(k.target, &k.unit)
            ))
            .due(due)
        })
        .collect()
}

fn challenges(ctx: &Ctx) -> Vec<Line> {
    ctx.challenges
        .iter()
        .filter(|c| c.status == ChallengeStatus::Open && c.severity == Severity::High)
        .map(|c| {
            let raised = c
                .raised_on
                .map(|d| format!(", raised on {}", text::date(d)))
                .unwrap_or_default();
            let about = text::clip(&c.description, 120);
            let about = about.trim_end_matches('.');
            let about = if about.is_empty() {
                String::new()
            } else {
                format!(": {about}")
            };
            Line::new(
                Topic::Risk,
                format!(
                    "Open high-severity business challenge \"{}\"{raised}{about}.",
                    c.title
                ),
                vec![cite(EntityKind::BusinessChallenge, c.id)],
            )
            .rank(2)
            .gist(format!("open business challenge \"{}\"", c.title))
            .step(format!(
                "Agree a plan with the customer to address \"{}\".",
                c.title
            ))
        })
        .collect()
}

/// A sponsor no interaction has reached for this many days is a risk.
pub const SPONSOR_SILENT_DAYS: i64 = 60;

/// Sponsors the account's interactions have not reached for
/// [`SPONSOR_SILENT_DAYS`] (or ever).
fn silent_sponsors(ctx: &Ctx) -> Vec<Line> {
    ctx.contacts
        .iter()
        .filter(|c| c.has_role("sponsor"))
        .filter_map(|c| {
            let last = ctx
                .interactions
                .iter()
                .find(|i| i.contact_ids.contains(&c.id));
            let title = c
                .title
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            let mut cites = vec![cite(EntityKind::Contact, c.id)];
            let text = match last {
                Some(i) => {
                    let days = (ctx.today - i.at.date_naive()).num_days();
                    if days < SPONSOR_SILENT_DAYS {
                        return None;
                    }
                    cites.push(cite(EntityKind::Interaction, i.id));
                    format!(
                        "The sponsor, {}{title}, has been silent for {days} days (last on {}).",
                        c.name,
                        text::date(i.at.date_naive())
                    )
                }
                None => format!(
                    "The sponsor, {}{title}, appears in no interaction on record.",
                    c.name
                ),
            };
            Some(
                Line::new(Topic::Risk, text, cites)
                    .rank(2)
                    .gist(format!("sponsor {} silent", c.name))
                    .step(format!(
                        "Re-engage the sponsor, {}: ask for a meeting on the value delivered so far.",
                        c.name
                    )),
            )
        })
        .collect()
}

fn projects(ctx: &Ctx) -> Vec<Line> {
    ctx.projects
        .iter()
        .filter(|p| ctx.is_red(p))
        .map(|p| {
            let late: Vec<&Task> = ctx
                .overdue_tasks()
                .into_iter()
                .filter(|t| t.project_id == Some(p.id))
                .collect();
            let mut why = vec![];
            if let Some(d) = p.due.filter(|d| *d < ctx.today) {
                why.push(format!("past due since {}", text::date(d)));
            }
            if !late.is_empty() {
                why.push(counted(late.len(), "overdue task", "overdue tasks"));
            }
            let mut cites = vec![cite(EntityKind::Project, p.id)];
            cites.extend(late.iter().map(|t| cite(EntityKind::Task, t.id)));
            Line::new(
                Topic::Risk,
                format!("Project \"{}\" is red: {}.", p.name, why.join(", ")),
                cites,
            )
            .rank(3)
            .gist(format!("project \"{}\" is red", p.name))
            .step(format!(
                "Re-plan project \"{}\" with the customer and agree a new date.",
                p.name
            ))
        })
        .collect()
}

fn overdue(ctx: &Ctx) -> Option<Line> {
    let overdue = ctx.overdue_tasks();
    let oldest = overdue.first()?;
    let who = if oldest.assignee.trim().is_empty() {
        String::new()
    } else {
        format!(", {}", oldest.assignee.trim())
    };
    let due = oldest.due.map(text::date).unwrap_or_default();
    Some(
        Line::new(
            Topic::Risk,
            format!(
                "{}; the oldest: \"{}\" due {due}{who}.",
                counted(overdue.len(), "overdue task", "overdue tasks"),
                oldest.title
            ),
            overdue
                .iter()
                .map(|t| cite(EntityKind::Task, t.id))
                .collect(),
        )
        .rank(3)
        .gist(counted(overdue.len(), "overdue task", "overdue tasks"))
        .step(format!(
            "Clear the {}, starting with \"{}\".",
            counted(overdue.len(), "overdue task", "overdue tasks"),
            oldest.title
        )),
    )
}

fn alerts(ctx: &Ctx) -> Option<Line> {
    let open = ctx.open_alerts();
    let latest = open.first()?;
    Some(
        Line::new(
            Topic::Risk,
            format!(
                "{}; the latest: \"{}\" ({}, {}).",
                counted(open.len(), "open alert", "open alerts"),
                text::clip(&latest.message, 120),
                text::words(&latest.rule),
                text::day(latest.at)
            ),
            open.iter().map(|a| cite(EntityKind::Alert, a.id)).collect(),
        )
        .rank(3)
        .gist(counted(open.len(), "open alert", "open alerts"))
        .step(format!(
            "Work through the {} and close what is handled.",
            counted(open.len(), "open alert", "open alerts")
        )),
    )
}
