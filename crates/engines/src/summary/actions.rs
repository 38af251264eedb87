//! Immediate Actions: what to do now to keep things moving or fix urgent issues.

use std::collections::BTreeSet;

use chrono::TimeDelta;
use tend_domain::*;

use super::context::{Action, Ctx, Draft, Line, Topic, case_name, cite};
use super::text;
use super::{ACTION_INTERACTIONS, DUE_SOON_DAYS, MAX_ACTIONS, UNANSWERED_DAYS};

pub(super) fn immediate_actions(ctx: &Ctx) -> Draft {
    let mut lines = vec![];
    urgent_cases(ctx, &mut lines);
    overdue_tasks(ctx, &mut lines);
    let truncated = unanswered(ctx, &mut lines);
    alerts(ctx, &mut lines);
    playbooks(ctx, &mut lines);
    due_soon(ctx, &mut lines);
    let mut notes = vec![];
    if lines.len() > MAX_ACTIONS {
        notes.push(Some(format!(
            "Showing the first {MAX_ACTIONS} of {} actions.",
            lines.len()
        )));
        lines.truncate(MAX_ACTIONS);
    }
    notes.push(truncated);
    Draft::of(
        lines,
        "Nothing needs doing right now: no urgent case, overdue or due-soon task, unanswered email, open alert or waiting playbook step.",
        &notes,
    )
}

fn urgent_cases(ctx: &Ctx, lines: &mut Vec<Line>) {
    for c in ctx.urgent_cases() {
        let mut marks = vec![];
        if c.escalated {
            marks.push("escalated".to_string());
        }
        marks.push(format!("{} priority", c.priority));
        marks.push(format!("severity {}", c.severity));
        lines.push(Line::new(
            Topic::Action(Action::UrgentCase),
            format!(
                "Update the customer on case {} ({}), open since {}, status {}.",
                case_name(c),
                marks.join(", "),
                text::day(c.opened_at),
                c.status
            ),
            vec![cite(EntityKind::SupportCase, c.id)],
        ));
    }
}

fn assignee(t: &Task) -> String {
    let a = t.assignee.trim();
    if a.is_empty() {
        String::new()
    } else {
        format!(", {a}")
    }
}

fn overdue_tasks(ctx: &Ctx, lines: &mut Vec<Line>) {
    for t in ctx.overdue_tasks() {
        let Some(due) = t.due else { continue };
        let late = (ctx.today - due).num_days();
        lines.push(Line::new(
            Topic::Action(Action::OverdueTask),
            format!(
                "Overdue by {}: \"{}\" (due {}{}, {} priority).",
                text::counted(late as usize, "day", "days"),
                t.title,
                text::date(due),
                assignee(t),
                t.priority
            ),
            vec![cite(EntityKind::Task, t.id)],
        ));
    }
}

/// Incoming emails of the last [`UNANSWERED_DAYS`] days that nothing of ours
/// followed: no later outgoing email, call or meeting with any of their contacts
/// (with any contact, for an email without one). Returns the truncation note.
fn unanswered(ctx: &Ctx, lines: &mut Vec<Line>) -> Option<String> {
    let (window, truncated) = ctx.recent(ACTION_INTERACTIONS);
    let oldest = ctx.now - TimeDelta::days(UNANSWERED_DAYS);
    // Newest first: what we sent later is seen before the email it answers.
    let mut answered: BTreeSet<Id> = BTreeSet::new();
    let mut any_reply = false;
    let mut found = vec![];
    for i in window {
        let ours = match i.kind {
            InteractionKind::Meeting | InteractionKind::Call => true,
            InteractionKind::Email => i.direction == Direction::Out,
            _ => false,
        };
        if ours {
            answered.extend(i.contact_ids.iter().copied());
            any_reply = true;
            continue;
        }
        if i.kind != InteractionKind::Email || i.direction != Direction::In || i.at < oldest {
            continue;
        }
        let replied = if i.contact_ids.is_empty() {
            any_reply
        } else {
            i.contact_ids.iter().any(|c| answered.contains(c))
        };
        if !replied {
            found.push(*i);
        }
    }
    // Oldest waiting first.
    for i in found.into_iter().rev() {
        let who = ctx.people.names(i);
        let who = if who.is_empty() {
            "the customer".to_string()
        } else {
            who
        };
        let mut cites = vec![cite(EntityKind::Interaction, i.id)];
        cites.extend(
            i.contact_ids
                .iter()
                .filter(|id| ctx.people.get(**id).is_some())
                .map(|id| cite(EntityKind::Contact, *id)),
        );
        lines.push(Line::new(
            Topic::Action(Action::UnansweredEmail),
            format!(
                "Reply to {who}: \"{}\", received {} ({}) and not answered yet.",
                text::headline(i),
                text::day(i.at),
                text::relative(ctx.today, i.at.date_naive())
            ),
            cites,
        ));
    }
    truncated
}

fn alerts(ctx: &Ctx, lines: &mut Vec<Line>) {
    for a in ctx.open_alerts() {
        lines.push(Line::new(
            Topic::Action(Action::OpenAlert),
            format!(
                "Handle the {} alert of {}: \"{}\".",
                text::words(&a.rule),
                text::day(a.at),
                text::clip(&a.message, 120)
            ),
            vec![cite(EntityKind::Alert, a.id)],
        ));
    }
}

fn playbooks(ctx: &Ctx, lines: &mut Vec<Line>) {
    for r in &ctx.runs {
        let playbook = ctx.playbook(r.playbook_id);
        let name = playbook.map_or_else(
            || format!("#{}", r.playbook_id),
            |p| format!("\"{}\"", p.name),
        );
        let step_name = |i: usize| {
            playbook
                .and_then(|p| p.steps.get(i))
                .map(|s| format!(" (\"{}\")", s.name))
                .unwrap_or_default()
        };
        let mut cites = vec![cite(EntityKind::PlaybookRun, r.id)];
        if let Some(p) = playbook {
            cites.push(cite(EntityKind::Playbook, p.id));
        }
        let n = r.steps.len();
        let text = if r.colour() == RunColour::Red {
            let Some(failed) = r.steps.iter().rposition(|s| s.state == StepState::Failed) else {
                continue;
            };
            let why = text::clip(&r.steps[failed].message, 100);
            let why = if why.is_empty() {
                String::new()
            } else {
                format!(" ({why})")
            };
            format!(
                "Playbook {name} is stuck: step {} of {n}{} failed{why}; retry or skip it.",
                failed + 1,
                step_name(failed)
            )
        } else {
            let Some(waiting) = r.steps.iter().position(|s| s.state == StepState::Waiting) else {
                continue;
            };
            let since = r.steps[waiting]
                .at
                .map(|at| format!(" since {}", text::day(at)))
                .unwrap_or_default();
            format!(
                "Playbook {name} waits on step {} of {n}{}{since}.",
                waiting + 1,
                step_name(waiting)
            )
        };
        lines.push(Line::new(Topic::Action(Action::PlaybookStep), text, cites));
    }
}

fn due_soon(ctx: &Ctx, lines: &mut Vec<Line>) {
    let mut soon: Vec<&Task> = ctx
        .tasks
        .iter()
        .copied()
        .filter(|t| {
            t.status != TaskStatus::Done
                && t.due.is_some_and(|d| {
                    let days = (d - ctx.today).num_days();
                    (0..=DUE_SOON_DAYS).contains(&days)
                })
        })
        .collect();
    soon.sort_by_key(|t| (t.due, t.priority, t.id));
    for t in soon {
        let Some(due) = t.due else { continue };
        lines.push(Line::new(
            Topic::Action(Action::DueSoon),
            format!(
                "Due {}: \"{}\" ({}{}, {} priority).",
                text::relative(ctx.today, due),
                t.title,
                text::date(due),
                assignee(t),
                t.priority
            ),
            vec![cite(EntityKind::Task, t.id)],
        ));
    }
}
