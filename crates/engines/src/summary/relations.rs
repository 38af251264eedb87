//! Relational Health and Suggested Expansion Opportunities: how the customer
//! talks with us, and what they said that suggests they could buy more.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::TimeDelta;
use tend_domain::format::money;
use tend_domain::*;

use super::context::{Ctx, Draft, Line, Topic, cite};
use super::text::{self, People, and_list, counted};
use super::{
    EXPANSION_INTERACTIONS, EXPANSION_SIGNALS, MAX_EXPANSION_SIGNALS, RELATIONAL_INTERACTIONS,
};
use crate::health::{feeds_sentiment, is_touch};

/// At most this many executives are named.
const MAX_EXECUTIVES: usize = 4;

pub(super) fn relational_health(ctx: &Ctx) -> Draft {
    if ctx.interactions.is_empty() && ctx.nps.is_empty() && ctx.account.pulse.is_none() {
        return Draft::of(
            vec![],
            "No interactions, NPS responses or pulse recorded for this account.",
            &[],
        );
    }
    let (window, truncated) = ctx.recent(RELATIONAL_INTERACTIONS);
    let mut lines = vec![];
    lines.extend(sentiment(window));
    lines.extend(collaboration(ctx, window));
    lines.push(executives(ctx, window));
    lines.extend(nps(ctx));
    lines.extend(pulse(ctx));
    Draft::of(lines, "", &[truncated])
}

fn signed(v: f64) -> String {
    format!("{v:+.2}")
}

fn sentiment(window: &[&Interaction]) -> Option<Line> {
    let scored: Vec<(&Interaction, Sentiment)> = window
        .iter()
        .filter(|i| feeds_sentiment(i))
        .filter_map(|i| i.sentiment.map(|s| (*i, s)))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let count = |l: SentimentLabel| scored.iter().filter(|(_, s)| s.label == l).count();
    let (pos, neu, neg) = (
        count(SentimentLabel::Positive),
        count(SentimentLabel::Neutral),
        count(SentimentLabel::Negative),
    );
    let mostly = if pos > neu && pos > neg {
        "positive"
    } else if neg > neu && neg > pos {
        "negative"
    } else {
        "neutral"
    };
    // Newest first: the first half is the latest.
    let trend = (scored.len() >= 4).then(|| {
        let half = scored.len() / 2;
        let mean = |xs: &[(&Interaction, Sentiment)]| {
            xs.iter().map(|(_, s)| s.score).sum::<f64>() / xs.len() as f64
        };
        let (late, early) = (mean(&scored[..half]), mean(&scored[half..]));
        let word = match late - early {
            d if d >= 0.1 => "improving",
            d if d <= -0.1 => "worsening",
            _ => "steady",
        };
        (
            word,
            format!(
                "; {word} (average {} over the latest {half} against {} before)",
                signed(late),
                signed(early)
            ),
        )
    });
    let since = Ctx::since(&scored.iter().map(|(i, _)| *i).collect::<Vec<_>>());
    let text = format!(
        "Customer sentiment {since}: {pos} positive, {neu} neutral and {neg} negative of {}{}.",
        counted(scored.len(), "scored interaction", "scored interactions"),
        trend.as_ref().map(|t| t.1.as_str()).unwrap_or_default()
    );
    let gist = format!(
        "customer sentiment mostly {mostly} ({pos} positive, {neg} negative of {}){}",
        scored.len(),
        trend.map(|t| format!(", {}", t.0)).unwrap_or_default()
    );
    let mut cites: Vec<Citation> = scored
        .iter()
        .filter(|(_, s)| s.label != SentimentLabel::Neutral)
        .map(|(i, _)| cite(EntityKind::Interaction, i.id))
        .collect();
    if cites.is_empty() {
        cites = scored
            .iter()
            .map(|(i, _)| cite(EntityKind::Interaction, i.id))
            .collect();
    }
    Some(Line::new(Topic::Sentiment, text, cites).gist(gist))
}

fn collaboration(ctx: &Ctx, window: &[&Interaction]) -> Option<Line> {
    if window.is_empty() {
        return None;
    }
    let of = |k: InteractionKind| -> Vec<&Interaction> {
        window.iter().copied().filter(|i| i.kind == k).collect()
    };
    let (meetings, calls) = (of(InteractionKind::Meeting), of(InteractionKind::Call));
    let mut cites: Vec<Citation> = meetings
        .iter()
        .chain(&calls)
        .map(|i| cite(EntityKind::Interaction, i.id))
        .collect();
    let together = if meetings.is_empty() && calls.is_empty() {
        "no meeting or call".to_string()
    } else {
        format!(
            "{} and {}",
            counted(meetings.len(), "meeting", "meetings"),
            counted(calls.len(), "call", "calls")
        )
    };
    let since = Ctx::since(window);
    let (touch, gist) = match window.iter().find(|i| is_touch(i)) {
        Some(t) => {
            cites.push(cite(EntityKind::Interaction, t.id));
            let when = text::relative(ctx.today, t.at.date_naive());
            (
                format!(
                    "last customer touch on {} ({when}), {}",
                    text::day(t.at),
                    text::what(t, &ctx.people.names(t))
                ),
                format!("last customer touch {when}"),
            )
        }
        None => (
            "no customer touch in that time".to_string(),
            format!("no customer touch {since}"),
        ),
    };
    if cites.is_empty() {
        cites.push(ctx.account_cite());
    }
    Some(
        Line::new(
            Topic::Collaboration,
            format!("Collaboration {since}: {together}; {touch}."),
            cites,
        )
        .gist(gist),
    )
}

fn executives(ctx: &Ctx, window: &[&Interaction]) -> Line {
    let execs: Vec<&Contact> = ctx
        .contacts
        .iter()
        .copied()
        .filter(|c| text::is_executive(c))
        .collect();
    if execs.is_empty() {
        return Line::new(
            Topic::Executives,
            "Executive engagement: no executive contact identified (no sponsor or decision maker, no executive title).",
            vec![ctx.account_cite()],
        )
        .gist("no executive contact identified");
    }
    let mut seen: BTreeMap<Id, Vec<&Interaction>> = BTreeMap::new();
    for i in window {
        for id in &i.contact_ids {
            if execs.iter().any(|c| c.id == *id) {
                seen.entry(*id).or_default().push(i);
            }
        }
    }
    let mut ranked: Vec<(&Contact, &[&Interaction])> = execs
        .iter()
        .map(|c| (*c, seen.get(&c.id).map(Vec::as_slice).unwrap_or_default()))
        .collect();
    // Interactions are newest first: the first is the last.
    ranked.sort_by_key(|(c, is)| (Reverse(is.len()), Reverse(is.first().map(|i| i.at)), c.id));
    let mut cites = vec![];
    let mut parts = vec![];
    for (c, is) in ranked.iter().take(MAX_EXECUTIVES) {
        cites.push(cite(EntityKind::Contact, c.id));
        cites.extend(is.iter().map(|i| cite(EntityKind::Interaction, i.id)));
        parts.push(match is.first() {
            Some(last) => format!(
                "{} in {}, last on {}",
                People::titled(c),
                counted(is.len(), "interaction", "interactions"),
                text::day(last.at)
            ),
            None => format!("{} in none", People::titled(c)),
        });
    }
    let since = Ctx::since(window);
    let gist = match ranked.first() {
        Some((c, is)) if !is.is_empty() => format!(
            "executive engagement from {} (last on {})",
            c.name,
            text::day(is[0].at)
        ),
        _ => format!("no executive engaged {since}"),
    };
    Line::new(
        Topic::Executives,
        format!("Executive engagement {since}: {}.", parts.join("; ")),
        cites,
    )
    .gist(gist)
}

fn nps(ctx: &Ctx) -> Option<Line> {
    let latest = ctx.nps.first()?;
    let year_ago = ctx.now - TimeDelta::days(365);
    let recent: Vec<&NpsResponse> = ctx
        .nps
        .iter()
        .copied()
        .filter(|n| n.at >= year_ago)
        .collect();
    if recent.is_empty() {
        return Some(Line::new(
            Topic::Nps,
            format!(
                "NPS: no response in the last 12 months; the latest was {} on {}.",
                latest.score,
                text::day(latest.at)
            ),
            vec![cite(EntityKind::NpsResponse, latest.id)],
        ));
    }
    let n = recent.len();
    let promoters = recent.iter().filter(|r| r.is_promoter()).count();
    let detractors = recent.iter().filter(|r| r.is_detractor()).count();
    let score = ((promoters as f64 - detractors as f64) * 100.0 / n as f64).round() as i64;
    let average = recent.iter().map(|r| f64::from(r.score)).sum::<f64>() / n as f64;
    let who = latest
        .contact_id
        .and_then(|id| ctx.people.get(id))
        .map(|c| format!(" from {}", c.name))
        .unwrap_or_default();
    let comment = text::clip(&latest.comment, 100);
    let comment = if comment.is_empty() {
        String::new()
    } else {
        format!(": \"{comment}\"")
    };
    Some(
        Line::new(
            Topic::Nps,
            format!(
                "NPS: {score:+} from {} in the last 12 months (average {}, {}, {}); latest {}{who} on {}{comment}.",
                counted(n, "response", "responses"),
                text::figure(average),
                counted(promoters, "promoter", "promoters"),
                counted(detractors, "detractor", "detractors"),
                latest.score,
                text::day(latest.at)
            ),
            recent
                .iter()
                .map(|r| cite(EntityKind::NpsResponse, r.id))
                .collect(),
        )
        .gist(format!("NPS {score:+} over {}", counted(n, "response", "responses"))),
    )
}

fn pulse(ctx: &Ctx) -> Option<Line> {
    let p = ctx.account.pulse.as_ref().filter(|p| p.at <= ctx.now)?;
    let by = if p.by.trim().is_empty() {
        String::new()
    } else {
        format!(" by {}", p.by.trim())
    };
    Some(Line::new(
        Topic::Pulse,
        format!(
            "CSM pulse: {}/5, given{by} on {}.",
            p.rating,
            text::day(p.at)
        ),
        vec![ctx.account_cite()],
    ))
}

/// The expansion signals an interaction holds, and the sentence that shows the
/// first of them.
fn signals_in(i: &Interaction) -> Option<(Vec<&'static str>, String)> {
    let all = text::fold(&format!("{}\n{}", i.subject, i.body));
    let found: Vec<&'static str> = EXPANSION_SIGNALS
        .iter()
        .copied()
        .filter(|s| text::has_phrase(&all, s))
        .collect();
    if found.is_empty() {
        return None;
    }
    let sentence = text::sentences(&i.body)
        .chain(text::sentences(&i.subject))
        .find(|s| {
            let s = text::fold(s);
            found.iter().any(|f| text::has_phrase(&s, f))
        })
        .unwrap_or(i.subject.as_str());
    Some((found, text::clip(sentence, 160)))
}

/// Where the customer speaks: what they send, and our notes of meetings and calls.
fn customer_voice(i: &Interaction) -> bool {
    i.direction == Direction::In
        || matches!(
            i.kind,
            InteractionKind::Meeting | InteractionKind::Call | InteractionKind::Note
        )
}

pub(super) fn expansion(ctx: &Ctx) -> Draft {
    let (window, truncated) = ctx.recent(EXPANSION_INTERACTIONS);
    let mut lines = vec![];
    let found: Vec<(&Interaction, Vec<&str>, String)> = window
        .iter()
        .filter(|i| customer_voice(i))
        .filter_map(|i| signals_in(i).map(|(s, sentence)| (*i, s, sentence)))
        .collect();
    for (i, signals, sentence) in found.iter().take(MAX_EXPANSION_SIGNALS) {
        let signals: Vec<String> = signals.iter().map(|s| format!("\"{s}\"")).collect();
        let signals = and_list(&signals);
        let who = ctx.people.names(i);
        let who = if who.is_empty() {
            "the customer".to_string()
        } else {
            who
        };
        let mut what = ctx.what(i);
        if let Some(first) = what.get(..1) {
            what = first.to_uppercase() + &what[1..];
        }
        lines.push(
            Line::new(
                Topic::Expansion,
                format!("{what} mentions {signals}: \"{sentence}\""),
                vec![cite(EntityKind::Interaction, i.id)],
            )
            .gist(format!(
                "expansion interest from {who} ({signals}, {})",
                text::day(i.at)
            ))
            .step(format!(
                "Qualify the expansion interest {who} raised on {} ({signals}) and open an expansion opportunity for it.",
                text::day(i.at)
            )),
        );
    }
    if found.len() > MAX_EXPANSION_SIGNALS {
        let rest = &found[MAX_EXPANSION_SIGNALS..];
        let oldest = rest
            .last()
            .map(|(i, _, _)| text::day(i.at))
            .unwrap_or_default();
        lines.push(Line::new(
            Topic::Expansion,
            format!(
                "{} also mention expansion signals, back to {oldest}.",
                counted(rest.len(), "more interaction", "more interactions")
            ),
            rest.iter()
                .map(|(i, _, _)| cite(EntityKind::Interaction, i.id))
                .collect(),
        ));
    }
    let mut open: Vec<&Opportunity> = ctx
        .opportunities
        .iter()
        .copied()
        .filter(|o| {
            o.expansion && !matches!(o.phase, OpportunityPhase::Won | OpportunityPhase::Lost)
        })
        .collect();
    open.sort_by_key(|o| (Reverse(o.phase), o.close_date, o.id));
    for o in open {
        let close = o
            .close_date
            .map(|d| format!(", expected to close on {}", text::date(d)))
            .unwrap_or_default();
        let by = o
            .close_date
            .map(|d| format!(" by {}", text::date(d)))
            .unwrap_or_default();
        lines.push(
            Line::new(
                Topic::Expansion,
                format!(
                    "Open expansion opportunity \"{}\": {} in {} ({}%){close}.",
                    o.name,
                    money(o.amount_cents),
                    o.phase,
                    o.phase.probability()
                ),
                vec![cite(EntityKind::Opportunity, o.id)],
            )
            .gist(format!(
                "expansion opportunity \"{}\" ({}, {})",
                o.name,
                money(o.amount_cents),
                o.phase
            ))
            .step(format!(
                "Move expansion opportunity \"{}\" ({}, {}) to a decision{by}.",
                o.name,
                money(o.amount_cents),
                o.phase
            ))
            .due(o.close_date),
        );
    }
    let scope = if truncated.is_some() {
        format!("the {EXPANSION_INTERACTIONS} most recent interactions")
    } else {
        "the account's interactions".to_string()
    };
    Draft::of(
        lines,
        &format!("No expansion signal in {scope} and no open expansion opportunity."),
        &[truncated],
    )
}
