//! KPI Progress and Strategic Value Achievements: what the customer reached with
//! us, in figures.
//!
//! Achievements only count KPIs that are on track or completed with measurable
//! progress: a KPI off track, blocked or not started is never an achievement,
//! whatever its figures say.

use std::cmp::Reverse;

use chrono::{NaiveDate, TimeDelta};
use tend_domain::format::money;
use tend_domain::*;

use super::context::{Ctx, Draft, Line, Topic, cite};
use super::text::{self, and_list, counted};
use super::{ACHIEVEMENT_INTERACTIONS, GO_LIVE_MARKERS, MAX_ACHIEVEMENTS, MAX_KPIS};
use crate::health::feeds_sentiment;

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// "80 tickets, from 120 toward 60".
fn figures(k: &Kpi) -> String {
    format!(
        "{}, from {} toward {}",
        text::measure(k.current, &k.unit),
        text::measure(k.baseline, &k.unit),
        text::measure(k.target, &k.unit)
    )
}

pub(super) fn kpi_progress(ctx: &Ctx) -> Draft {
    if ctx.kpis.is_empty() {
        return Draft::of(vec![], "No KPIs recorded for this account.", &[]);
    }
    let mut progressed: Vec<&Kpi> = ctx
        .kpis
        .iter()
        .copied()
        .filter(|k| k.status == KpiStatus::Completed || k.progress().is_some_and(|p| p > 0.0))
        .collect();
    progressed.sort_by_key(|k| (Reverse(k.measured_on), k.id));
    let mut lines = vec![];
    for k in progressed.iter().take(MAX_KPIS) {
        let objective = ctx.objective(k.objective_id);
        let mut cites = vec![cite(EntityKind::Kpi, k.id)];
        let mut of = String::new();
        let mut due = None;
        if let Some(o) = objective {
            cites.push(cite(EntityKind::Objective, o.id));
            of = format!(" (objective \"{}\")", o.name);
            due = o.due;
        }
        let progress = k
            .progress()
            .map(|p| format!(", {} of the way", pct(p)))
            .unwrap_or_default();
        let measured = k
            .measured_on
            .map(|d| format!(", measured {}", text::date(d)))
            .unwrap_or_default();
        let status = text::words(k.status.as_str());
        let mut line = Line::new(
            Topic::KpiProgress,
            format!(
                "\"{}\"{of}: {}{progress}; {status}{measured}.",
                k.name,
                figures(k)
            ),
            cites,
        )
        .gist(match k.progress() {
            Some(p) if k.status != KpiStatus::Completed => {
                format!("\"{}\" {} of the way to target ({status})", k.name, pct(p))
            }
            _ => format!("\"{}\" completed", k.name),
        })
        .due(due);
        if k.status != KpiStatus::Completed {
            line = line.step(match due {
                Some(d) if d < ctx.today => format!(
                    "Agree a new date for {} on \"{}\": the objective was due on {} (now {}).",
                    text::measure(k.target, &k.unit),
                    k.name,
                    text::date(d),
                    text::measure(k.current, &k.unit)
                ),
                Some(d) => format!(
                    "Reach {} on \"{}\" by {}, the objective's due date (now {}).",
                    text::measure(k.target, &k.unit),
                    k.name,
                    text::date(d),
                    text::measure(k.current, &k.unit)
                ),
                None => format!(
                    "Agree a date with the customer to reach {} on \"{}\" (now {}).",
                    text::measure(k.target, &k.unit),
                    k.name,
                    text::measure(k.current, &k.unit)
                ),
            });
        }
        lines.push(line);
    }
    let mut notes = vec![];
    if progressed.len() > MAX_KPIS {
        notes.push(Some(format!(
            "Showing the {MAX_KPIS} most recently measured of {} progressed KPIs.",
            progressed.len()
        )));
    }
    let mut stalled: Vec<&Kpi> = ctx
        .kpis
        .iter()
        .copied()
        .filter(|k| !progressed.iter().any(|p| p.id == k.id))
        .collect();
    stalled.sort_by_key(|k| (ctx.objective(k.objective_id).and_then(|o| o.due), k.id));
    if let Some(first) = stalled.first() {
        let named: Vec<String> = stalled
            .iter()
            .take(5)
            .map(|k| format!("\"{}\" ({})", k.name, text::words(k.status.as_str())))
            .collect();
        let more = match stalled.len() {
            n if n > 5 => format!(" and {} more", n - 5),
            _ => String::new(),
        };
        let due = ctx.objective(first.objective_id).and_then(|o| o.due);
        let by = due
            .map(|d| format!(" before {}", text::date(d)))
            .unwrap_or_default();
        lines.push(
            Line::new(
                Topic::KpiStalled,
                format!(
                    "No measurable progress yet on {}: {}{more}.",
                    counted(stalled.len(), "KPI", "KPIs"),
                    and_list(&named)
                ),
                stalled
                    .iter()
                    .map(|k| cite(EntityKind::Kpi, k.id))
                    .collect(),
            )
            .gist(format!(
                "no measurable progress yet on {}",
                counted(stalled.len(), "KPI", "KPIs")
            ))
            .step(format!(
                "Get \"{}\" moving toward {}{by}.",
                first.name,
                text::measure(first.target, &first.unit)
            ))
            .due(due),
        );
    }
    Draft::of(lines, "", &notes)
}

/// An achievement before ordering: importance (0 first), date, and the line.
struct Win {
    rank: u8,
    on: Option<NaiveDate>,
    line: Line,
}

pub(super) fn achievements(ctx: &Ctx) -> Draft {
    let mut wins = vec![];
    kpi_wins(ctx, &mut wins);
    objective_wins(ctx, &mut wins);
    let truncated = go_lives(ctx, &mut wins);
    other_wins(ctx, &mut wins);
    wins.sort_by_key(|w| (w.rank, Reverse(w.on)));
    let mut notes = vec![];
    if wins.len() > MAX_ACHIEVEMENTS {
        notes.push(Some(format!(
            "Showing {MAX_ACHIEVEMENTS} of {} achievements.",
            wins.len()
        )));
    }
    let lines: Vec<Line> = wins
        .into_iter()
        .take(MAX_ACHIEVEMENTS)
        .map(|w| w.line.rank(w.rank))
        .collect();
    notes.push(truncated);
    Draft::of(
        lines,
        "No achievement to report yet: no KPI on track or completed with measurable progress, and no completed objective, project or go-live.",
        &notes,
    )
}

fn kpi_wins(ctx: &Ctx, wins: &mut Vec<Win>) {
    for k in &ctx.kpis {
        if !matches!(k.status, KpiStatus::OnTrack | KpiStatus::Completed) {
            continue;
        }
        let Some(p) = k.progress().filter(|p| *p > 0.0) else {
            continue;
        };
        let mut cites = vec![cite(EntityKind::Kpi, k.id)];
        let objective = ctx.objective(k.objective_id);
        let of = match objective {
            Some(o) => {
                cites.push(cite(EntityKind::Objective, o.id));
                format!(" for objective \"{}\"", o.name)
            }
            None => String::new(),
        };
        let measured = k
            .measured_on
            .map(|d| format!(" (measured {})", text::date(d)))
            .unwrap_or_default();
        let (rank, text, gist) = if k.status == KpiStatus::Completed {
            (
                0,
                format!(
                    "KPI \"{}\" completed{of}: from {} to {} against a target of {}{measured}.",
                    k.name,
                    text::measure(k.baseline, &k.unit),
                    text::measure(k.current, &k.unit),
                    text::measure(k.target, &k.unit)
                ),
                format!(
                    "KPI \"{}\" completed, from {} to {}",
                    k.name,
                    text::measure(k.baseline, &k.unit),
                    text::measure(k.current, &k.unit)
                ),
            )
        } else {
            (
                3,
                format!(
                    "KPI \"{}\" on track{of}: from {} to {}, {} of the way to {}{measured}.",
                    k.name,
                    text::measure(k.baseline, &k.unit),
                    text::measure(k.current, &k.unit),
                    pct(p),
                    text::measure(k.target, &k.unit)
                ),
                format!(
                    "KPI \"{}\" on track, {} of the way to {}",
                    k.name,
                    pct(p),
                    text::measure(k.target, &k.unit)
                ),
            )
        };
        wins.push(Win {
            rank,
            on: k.measured_on,
            line: Line::new(Topic::Achievement, text, cites).gist(gist),
        });
    }
}

fn objective_wins(ctx: &Ctx, wins: &mut Vec<Win>) {
    for o in &ctx.objectives {
        let Some(done) = o.completed_on.filter(|d| *d <= ctx.today) else {
            continue;
        };
        let mut cites = vec![cite(EntityKind::Objective, o.id)];
        let plan = o
            .plan_id
            .and_then(|id| ctx.plans.iter().find(|p| p.id == id))
            .map(|p| {
                cites.push(cite(EntityKind::SuccessPlan, p.id));
                format!(" (success plan \"{}\")", p.name)
            })
            .unwrap_or_default();
        wins.push(Win {
            rank: 1,
            on: Some(done),
            line: Line::new(
                Topic::Achievement,
                format!(
                    "Objective reached: \"{}\" on {}{plan}.",
                    o.name,
                    text::date(done)
                ),
                cites,
            )
            .gist(format!("objective \"{}\" reached", o.name)),
        });
    }
    for p in &ctx.plans {
        if p.status != PlanStatus::Completed {
            continue;
        }
        let end = p.end.filter(|d| *d <= ctx.today);
        wins.push(Win {
            rank: 1,
            on: end.or(Some(p.updated_at.date_naive())),
            line: Line::new(
                Topic::Achievement,
                format!(
                    "Success plan \"{}\" completed{}.",
                    p.name,
                    end.map(|d| format!(" ({})", text::date(d)))
                        .unwrap_or_default()
                ),
                vec![cite(EntityKind::SuccessPlan, p.id)],
            )
            .gist(format!("success plan \"{}\" completed", p.name)),
        });
    }
}

/// Go-lives in interactions (subject or tags) and done tasks; the truncation note.
fn go_lives(ctx: &Ctx, wins: &mut Vec<Win>) -> Option<String> {
    let marked = |s: &str| {
        let s = text::fold(s);
        GO_LIVE_MARKERS.iter().any(|m| text::has_phrase(&s, m))
    };
    let (window, truncated) = ctx.recent(ACHIEVEMENT_INTERACTIONS);
    for i in window {
        let negative = feeds_sentiment(i)
            && i.sentiment
                .is_some_and(|s| s.label == SentimentLabel::Negative);
        if negative || !(marked(&i.subject) || i.tags.iter().any(|t| marked(&text::words(t)))) {
            continue;
        }
        wins.push(Win {
            rank: 2,
            on: Some(i.at.date_naive()),
            line: Line::new(
                Topic::Achievement,
                format!("Go-live: \"{}\" ({}).", text::headline(i), ctx.what(i)),
                vec![cite(EntityKind::Interaction, i.id)],
            )
            .gist(format!(
                "go-live \"{}\" on {}",
                text::headline(i),
                text::day(i.at)
            )),
        });
    }
    for t in &ctx.tasks {
        if t.status == TaskStatus::Done && marked(&t.title) {
            wins.push(Win {
                rank: 2,
                on: Some(t.updated_at.date_naive()),
                line: Line::new(
                    Topic::Achievement,
                    format!("Go-live task done: \"{}\".", t.title),
                    vec![cite(EntityKind::Task, t.id)],
                )
                .gist(format!("go-live \"{}\" done", t.title)),
            });
        }
    }
    truncated
}

fn other_wins(ctx: &Ctx, wins: &mut Vec<Win>) {
    let year_ago = ctx.today - TimeDelta::days(365);
    for o in &ctx.opportunities {
        if o.phase != OpportunityPhase::Won || o.close_date.is_some_and(|d| d < year_ago) {
            continue;
        }
        let kind = if o.expansion {
            "expansion"
        } else {
            "opportunity"
        };
        let closed = o
            .close_date
            .map(|d| format!(", closed {}", text::date(d)))
            .unwrap_or_default();
        wins.push(Win {
            rank: 2,
            on: o.close_date,
            line: Line::new(
                Topic::Achievement,
                format!(
                    "Won {kind} \"{}\": {}{closed}.",
                    o.name,
                    money(o.amount_cents)
                ),
                vec![cite(EntityKind::Opportunity, o.id)],
            )
            .gist(format!(
                "won {kind} \"{}\" ({})",
                o.name,
                money(o.amount_cents)
            )),
        });
    }
    for p in &ctx.projects {
        if p.status != ProjectStatus::Completed {
            continue;
        }
        wins.push(Win {
            rank: 4,
            on: Some(p.updated_at.date_naive()),
            line: Line::new(
                Topic::Achievement,
                format!("Project \"{}\" completed.", p.name),
                vec![cite(EntityKind::Project, p.id)],
            )
            .gist(format!("project \"{}\" completed", p.name)),
        });
    }
    for c in &ctx.challenges {
        if c.status != ChallengeStatus::Addressed {
            continue;
        }
        wins.push(Win {
            rank: 5,
            on: Some(c.updated_at.date_naive()),
            line: Line::new(
                Topic::Achievement,
                format!(
                    "Business challenge \"{}\" ({} severity) addressed.",
                    c.title, c.severity
                ),
                vec![cite(EntityKind::BusinessChallenge, c.id)],
            )
            .gist(format!("business challenge \"{}\" addressed", c.title)),
        });
    }
}
