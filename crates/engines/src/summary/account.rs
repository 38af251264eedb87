//! Account Highlights and Key Stakeholders: what the account is worth, what it
//! runs, where it stands, and who is involved.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use tend_domain::format::{money, score};
use tend_domain::*;

use super::context::{Ctx, Draft, Line, Topic, case_name, cite};
use super::text::{self, and_list, counted};
use super::{MAX_STAKEHOLDERS, STAKEHOLDER_INTERACTIONS};

pub(super) fn highlights(ctx: &Ctx) -> Draft {
    let mut lines = vec![revenue(ctx)];
    lines.extend(products(ctx));
    lines.push(stage_and_health(ctx));
    lines.extend(kpis(ctx));
    lines.push(cases(ctx));
    lines.extend(projects(ctx));
    lines.extend(pipeline(ctx));
    Draft::of(lines, "", &[])
}

fn revenue(ctx: &Ctx) -> Line {
    let active: Vec<&Agreement> = ctx
        .agreements
        .iter()
        .copied()
        .filter(|a| a.is_active_on(ctx.today))
        .collect();
    if active.is_empty() {
        if ctx.agreements.is_empty() {
            return Line::new(
                Topic::Revenue,
                "Annual revenue: none recorded (no agreement on file).",
                vec![ctx.account_cite()],
            )
            .gist("no recurring revenue on file");
        }
        let cites = ctx
            .agreements
            .iter()
            .map(|a| cite(EntityKind::Agreement, a.id))
            .collect();
        return Line::new(
            Topic::Revenue,
            format!(
                "Annual revenue: none today: {} on file, none active on {}.",
                counted(ctx.agreements.len(), "agreement", "agreements"),
                text::date(ctx.today)
            ),
            cites,
        )
        .gist("no active agreement");
    }
    let mrr: Cents = active.iter().map(|a| a.mrr_cents).sum();
    let annual = mrr.saturating_mul(12);
    Line::new(
        Topic::Revenue,
        format!(
            "Annual revenue: {} (12 × {} MRR) from {}.",
            money(annual),
            money(mrr),
            counted(active.len(), "active agreement", "active agreements")
        ),
        active
            .iter()
            .map(|a| cite(EntityKind::Agreement, a.id))
            .collect(),
    )
    .gist(format!("{} in annual revenue", money(annual)))
}

/// An agreement's product: its name without the year or renewal mark a renewal
/// adds ("Cloud 2026 (renewal 2026-01-01)" → "Cloud").
fn product_name(name: &str) -> String {
    let base = name.split(" (renewal ").next().unwrap_or_default().trim();
    let base = match base.rsplit_once(' ') {
        Some((head, year)) if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) => head,
        _ => base,
    };
    base.trim().to_string()
}

fn products(ctx: &Ctx) -> Option<Line> {
    let mut by_name: BTreeMap<String, Vec<Citation>> = BTreeMap::new();
    for a in ctx.agreements.iter().filter(|a| a.is_active_on(ctx.today)) {
        let name = product_name(&a.name);
        if !name.is_empty() {
            by_name
                .entry(name)
                .or_default()
                .push(cite(EntityKind::Agreement, a.id));
        }
    }
    if by_name.is_empty() {
        return None;
    }
    let names: Vec<String> = by_name.keys().cloned().collect();
    Some(Line::new(
        Topic::Products,
        format!("Product family: {}.", and_list(&names)),
        by_name.into_values().flatten().collect(),
    ))
}

fn stage_and_health(ctx: &Ctx) -> Line {
    let stage = ctx.account.stage;
    let Some((s, status)) = ctx.health_now() else {
        return Line::new(
            Topic::Health,
            format!("Stage: {stage}; no health score yet."),
            vec![ctx.account_cite()],
        );
    };
    let trend = match ctx.trend() {
        Some((d, weeks)) if d.round() >= 1.0 => {
            format!(", up {} points over {weeks} weeks", d.round())
        }
        Some((d, weeks)) if d.round() <= -1.0 => {
            format!(", down {} points over {weeks} weeks", -d.round())
        }
        Some((_, weeks)) => format!(", stable over {weeks} weeks"),
        None => String::new(),
    };
    let health = format!("health {} at {}/100{trend}", status.label(), score(Some(s)));
    Line::new(
        Topic::Health,
        format!("Stage: {stage}; {health}."),
        vec![ctx.account_cite()],
    )
    .gist(health)
}

fn kpis(ctx: &Ctx) -> Option<Line> {
    if ctx.kpis.is_empty() {
        return None;
    }
    let progress: Vec<f64> = ctx.kpis.iter().filter_map(|k| k.progress()).collect();
    let mut counts = vec![];
    for status in [
        KpiStatus::Completed,
        KpiStatus::OnTrack,
        KpiStatus::OffTrack,
        KpiStatus::Blocked,
        KpiStatus::NotStarted,
    ] {
        let n = ctx.kpis.iter().filter(|k| k.status == status).count();
        if n > 0 {
            counts.push(format!("{n} {}", text::words(status.as_str())));
        }
    }
    let total = counted(ctx.kpis.len(), "KPI", "KPIs");
    let (text, gist) = if progress.is_empty() {
        (
            format!("Objective KPIs: {total}, {}.", and_list(&counts)),
            None,
        )
    } else {
        let mean = progress.iter().sum::<f64>() / progress.len() as f64 * 100.0;
        (
            format!(
                "Objective KPIs: {:.0}% of the way to target on average across {total}; {}.",
                mean,
                and_list(&counts)
            ),
            Some(format!("KPIs {mean:.0}% of the way to target on average")),
        )
    };
    let line = Line::new(
        Topic::Kpis,
        text,
        ctx.kpis
            .iter()
            .map(|k| cite(EntityKind::Kpi, k.id))
            .collect(),
    );
    Some(match gist {
        Some(g) => line.gist(g),
        None => line,
    })
}

fn cases(ctx: &Ctx) -> Line {
    let open: Vec<&SupportCase> = ctx
        .cases
        .iter()
        .copied()
        .filter(|c| c.status.is_open())
        .collect();
    if open.is_empty() {
        return Line::new(
            Topic::Cases,
            "Support: no open case.",
            vec![ctx.account_cite()],
        );
    }
    let mut escalated: Vec<&SupportCase> = open.iter().copied().filter(|c| c.escalated).collect();
    escalated.sort_by_key(|c| (c.priority, c.severity, c.opened_at, c.id));
    let named: Vec<String> = escalated.iter().take(3).map(|c| case_name(c)).collect();
    let escalation = match escalated.len() {
        0 => "none escalated".to_string(),
        n => format!("{n} escalated ({})", and_list(&named)),
    };
    Line::new(
        Topic::Cases,
        format!(
            "Support: {}, {escalation}.",
            counted(open.len(), "open case", "open cases")
        ),
        open.iter()
            .map(|c| cite(EntityKind::SupportCase, c.id))
            .collect(),
    )
}

fn projects(ctx: &Ctx) -> Option<Line> {
    if ctx.projects.is_empty() {
        return None;
    }
    let active: Vec<&Project> = ctx
        .projects
        .iter()
        .copied()
        .filter(|p| p.status == ProjectStatus::Active)
        .collect();
    if active.is_empty() {
        return Some(Line::new(
            Topic::Projects,
            format!("Projects: none active ({} completed).", ctx.projects.len()),
            ctx.projects
                .iter()
                .map(|p| cite(EntityKind::Project, p.id))
                .collect(),
        ));
    }
    let overdue = ctx.overdue_tasks();
    let mut cites: Vec<Citation> = active
        .iter()
        .map(|p| cite(EntityKind::Project, p.id))
        .collect();
    let mut reds = vec![];
    for p in active.iter().filter(|p| ctx.is_red(p)) {
        let late: Vec<&&Task> = overdue
            .iter()
            .filter(|t| t.project_id == Some(p.id))
            .collect();
        cites.extend(late.iter().map(|t| cite(EntityKind::Task, t.id)));
        let mut why = vec![];
        if let Some(d) = p.due.filter(|d| *d < ctx.today) {
            why.push(format!("past due since {}", text::date(d)));
        }
        if !late.is_empty() {
            why.push(counted(late.len(), "overdue task", "overdue tasks"));
        }
        reds.push(format!("\"{}\" ({})", p.name, why.join(", ")));
    }
    let red = match reds.len() {
        0 => "none red".to_string(),
        n => format!("{n} red: {}", and_list(&reds)),
    };
    Some(Line::new(
        Topic::Projects,
        format!("Projects: {} active, {red}.", active.len()),
        cites,
    ))
}

fn pipeline(ctx: &Ctx) -> Option<Line> {
    if ctx.opportunities.is_empty() {
        return None;
    }
    let open: Vec<&Opportunity> = ctx
        .opportunities
        .iter()
        .copied()
        .filter(|o| !matches!(o.phase, OpportunityPhase::Won | OpportunityPhase::Lost))
        .collect();
    if open.is_empty() {
        let won = ctx
            .opportunities
            .iter()
            .filter(|o| o.phase == OpportunityPhase::Won)
            .count();
        let lost = ctx.opportunities.len() - won;
        return Some(Line::new(
            Topic::Pipeline,
            format!("Opportunities: none open ({won} won, {lost} lost)."),
            ctx.opportunities
                .iter()
                .map(|o| cite(EntityKind::Opportunity, o.id))
                .collect(),
        ));
    }
    let total: Cents = open.iter().map(|o| o.amount_cents).sum();
    let weighted: Cents = open.iter().map(|o| o.weighted_cents()).sum();
    let expansion: Vec<&&Opportunity> = open.iter().filter(|o| o.expansion).collect();
    let expansion = match expansion.len() {
        0 => "no active expansion opportunity".to_string(),
        n => format!(
            "{} worth {}",
            counted(
                n,
                "active expansion opportunity",
                "active expansion opportunities"
            ),
            money(expansion.iter().map(|o| o.amount_cents).sum())
        ),
    };
    Some(Line::new(
        Topic::Pipeline,
        format!(
            "Opportunities: {} worth {} ({} weighted); {expansion}.",
            counted(open.len(), "open opportunity", "open opportunities"),
            money(total),
            money(weighted)
        ),
        open.iter()
            .map(|o| cite(EntityKind::Opportunity, o.id))
            .collect(),
    ))
}

/// How much a contact took part in the recent interactions.
#[derive(Default, Clone, Copy)]
struct Engagement {
    count: usize,
    last: Option<(Timestamp, Id)>,
}

pub(super) fn stakeholders(ctx: &Ctx) -> Draft {
    let mut lines = vec![internal(ctx)];
    let (window, truncated) = ctx.recent(STAKEHOLDER_INTERACTIONS);
    let mut engagement: BTreeMap<Id, Engagement> = BTreeMap::new();
    for i in window {
        for id in &i.contact_ids {
            let e = engagement.entry(*id).or_default();
            e.count += 1;
            // Newest first: the first seen is the last.
            e.last.get_or_insert((i.at, i.id));
        }
    }
    let mut people: Vec<(&Contact, Engagement)> = ctx
        .contacts
        .iter()
        .map(|c| (*c, engagement.get(&c.id).copied().unwrap_or_default()))
        .filter(|(c, e)| e.count > 0 || !c.roles.is_empty() || c.title.is_some())
        .collect();
    people.sort_by_key(|(c, e)| (Reverse(e.count), Reverse(e.last), c.id));
    let mut notes = vec![];
    if people.len() > MAX_STAKEHOLDERS {
        notes.push(Some(format!(
            "Showing the {MAX_STAKEHOLDERS} most engaged of {} customer contacts.",
            people.len()
        )));
    }
    if people.is_empty() {
        notes.push(Some(
            "No customer contact recorded for this account.".into(),
        ));
    }
    for (c, e) in people.iter().take(MAX_STAKEHOLDERS) {
        let roles: Vec<String> = c.roles.iter().map(|r| text::words(r)).collect();
        let roles = if roles.is_empty() {
            String::new()
        } else {
            format!(" ({})", roles.join(", "))
        };
        let mut cites = vec![cite(EntityKind::Contact, c.id)];
        let engaged = match e.last {
            Some((at, id)) => {
                cites.push(cite(EntityKind::Interaction, id));
                format!(
                    "{}, last on {}",
                    counted(e.count, "interaction", "interactions"),
                    text::day(at)
                )
            }
            None => "no recent interaction".to_string(),
        };
        let title = match c.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => format!("{}, {t}", c.name),
            None => c.name.clone(),
        };
        lines.push(Line::new(
            Topic::People,
            format!("Customer: {title}{roles}: {engaged}."),
            cites,
        ));
    }
    notes.push(truncated);
    Draft::of(lines, "", &notes)
}

fn internal(ctx: &Ctx) -> Line {
    let owner = ctx.account.owner.trim();
    let team: Vec<String> = ctx
        .account
        .team
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty() && t != owner)
        .collect();
    let owner = if owner.is_empty() {
        "no account owner set".to_string()
    } else {
        format!("{owner} (CSM, account owner)")
    };
    let team = if team.is_empty() {
        String::new()
    } else {
        format!("; account team: {}", and_list(&team))
    };
    Line::new(
        Topic::People,
        format!("Internal: {owner}{team}."),
        vec![ctx.account_cite()],
    )
}

#[cfg(test)]
mod tests {
    use super::product_name;

    #[test]
    fn products_drop_years_and_renewal_marks() {
        assert_eq!(product_name("Cloud 2026 (renewal 2027-01-01)"), "Cloud");
        assert_eq!(product_name("Premium Support"), "Premium Support");
        assert_eq!(product_name("2026"), "2026");
    }
}
