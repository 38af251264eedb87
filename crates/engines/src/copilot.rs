//! The copilot's offline answers: what a CSM asks about an account, answered from
//! the last six months of its interactions (and its open tasks and cases), every
//! statement citing the records it rests on. Pure: records and `now` in, answer
//! out. Interactions older than the six months are never cited (Engagement names
//! the people who went quiet, citing the contact only).
//!
//! [`facts`] is what a language model may be given for a free question: the same
//! interactions, one statement each.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use tend_domain::*;

use crate::health::feeds_sentiment;
use crate::summary::text::{self, People, and_list, counted};

/// The window the copilot reads: the 183 days before `now`.
pub const WINDOW_DAYS: i64 = 183;
/// Phrases that mark a promise in our messages and notes.
pub const COMMITMENT_MARKERS: &[&str] = &[
    "we will",
    "we'll",
    "i will",
    "i'll",
    "will send",
    "will share",
    "will get back",
    "follow up",
    "follow-up",
    "by friday",
    "by monday",
    "by tomorrow",
    "by end of",
];
/// The themes concerns are grouped by, with the words that mark each; what
/// matches none is "Other".
pub const THEMES: &[(&str, &[&str])] = &[
    (
        "Reliability and performance",
        &[
            "outage",
            "down",
            "slow",
            "error",
            "crash",
            "latency",
            "bug",
            "fail",
            "broken",
            "timeout",
            "performance",
            "load",
        ],
    ),
    (
        "Billing and pricing",
        &[
            "invoice", "billing", "price", "pricing", "cost", "charge", "charged", "refund",
            "discount", "pay",
        ],
    ),
    (
        "Access and security",
        &[
            "sso",
            "login",
            "password",
            "permission",
            "access",
            "security",
            "mfa",
        ],
    ),
    (
        "Support responsiveness",
        &[
            "no answer",
            "no response",
            "ignored",
            "waiting",
            "ticket",
            "support",
            "escalation",
        ],
    ),
    (
        "Adoption and usability",
        &[
            "training",
            "onboarding",
            "adoption",
            "confusing",
            "complicated",
            "usage",
            "hard to use",
        ],
    ),
    (
        "Relationship and renewal",
        &[
            "renewal",
            "contract",
            "cancel",
            "churn",
            "alternatives",
            "competitor",
            "budget",
        ],
    ),
    (
        "Product gaps",
        &[
            "feature",
            "missing",
            "roadmap",
            "request",
            "integration",
            "api",
            "sync",
            "export",
        ],
    ),
];
const OTHER_THEME: &str = "Other";

/// Words too common to be a topic or to tell two commitments apart (sorted: looked
/// up by binary search).
const STOPWORDS: &[&str] = &[
    "about", "after", "again", "all", "also", "and", "any", "are", "back", "been", "before",
    "being", "but", "call", "can", "could", "did", "does", "done", "email", "end", "follow", "for",
    "friday", "from", "fwd", "get", "had", "has", "have", "hello", "her", "here", "his", "how",
    "into", "its", "just", "let", "like", "meeting", "monday", "more", "most", "next", "not",
    "note", "now", "our", "out", "over", "please", "quick", "re", "send", "shall", "share",
    "should", "some", "sure", "than", "thank", "thanks", "that", "the", "their", "them", "then",
    "there", "these", "they", "this", "those", "through", "today", "tomorrow", "update", "very",
    "want", "was", "week", "well", "were", "what", "when", "which", "while", "will", "with",
    "would", "you", "your",
];

const MAX_TOPICS: usize = 5;
const MAX_EVENTS: usize = 3;
const MAX_COMMITMENTS: usize = 10;
const MAX_ENGAGED: usize = 8;
const MAX_PER_THEME: usize = 3;

const NO_INTERACTIONS: &str = "No interactions in the last six months.";

/// The questions the copilot answers offline.
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
pub enum Prompt {
    Summarise,
    Concerns,
    Commitments,
    Engagement,
    FollowUp,
}

impl Prompt {
    pub const ALL: &'static [Prompt] = &[
        Prompt::Summarise,
        Prompt::Concerns,
        Prompt::Commitments,
        Prompt::Engagement,
        Prompt::FollowUp,
    ];

    /// The stable key used in JSON and the CLI.
    pub fn key(self) -> &'static str {
        match self {
            Prompt::Summarise => "summarise",
            Prompt::Concerns => "concerns",
            Prompt::Commitments => "commitments",
            Prompt::Engagement => "engagement",
            Prompt::FollowUp => "follow_up",
        }
    }

    /// The question as a menu shows it.
    pub fn label(self) -> &'static str {
        match self {
            Prompt::Summarise => "Summarise the last six months",
            Prompt::Concerns => "Main concerns",
            Prompt::Commitments => "Commitments we made and their status",
            Prompt::Engagement => "Who is engaged and who went quiet",
            Prompt::FollowUp => "Draft a follow-up email",
        }
    }
}

impl fmt::Display for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.key())
    }
}

impl FromStr for Prompt {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Prompt::ALL
            .iter()
            .copied()
            .find(|p| p.key() == s.trim())
            .ok_or_else(|| {
                let keys: Vec<&str> = Prompt::ALL.iter().map(|p| p.key()).collect();
                format!(
                    "unknown copilot prompt '{s}' (expected one of: {})",
                    keys.join(", ")
                )
            })
    }
}

/// One account's records (only this account's).
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub account: &'a Account,
    pub contacts: &'a [Contact],
    /// In any order.
    pub interactions: &'a [Interaction],
    pub tasks: &'a [Task],
    pub cases: &'a [SupportCase],
}

/// The answer to a prompt.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Clone, Debug, PartialEq)]
pub struct Answer {
    pub prompt: Prompt,
    pub statements: Vec<Statement>,
    /// What the answer left out, or why it says nothing.
    pub note: Option<String>,
}

impl Answer {
    /// The answer as readable text: one line per statement ("- " before each),
    /// the note after; the follow-up as a whole email.
    pub fn text(&self) -> String {
        if self.statements.is_empty() {
            return self.note.clone().unwrap_or_default();
        }
        let mut out = String::new();
        if self.prompt == Prompt::FollowUp {
            let mut previous: Option<&str> = None;
            for s in &self.statements {
                if let Some(p) = previous {
                    let list =
                        s.text.starts_with("- ") && (p.starts_with("- ") || p.ends_with(':'));
                    out.push_str(if list { "\n" } else { "\n\n" });
                }
                out.push_str(&s.text);
                previous = Some(&s.text);
            }
        } else {
            let lines: Vec<String> = self
                .statements
                .iter()
                .map(|s| format!("- {}", s.text))
                .collect();
            out = lines.join("\n");
        }
        if let Some(note) = &self.note {
            out.push_str(&format!("\n\n({note})"));
        }
        out.push('\n');
        out
    }
}

/// The six months' records, ordered once.
struct Window<'a> {
    account: &'a Account,
    now: Timestamp,
    today: NaiveDate,
    people: People<'a>,
    /// Ordered by id.
    contacts: Vec<&'a Contact>,
    /// In the window, newest first.
    interactions: Vec<&'a Interaction>,
    /// The six months before the window, newest first.
    before: Vec<&'a Interaction>,
    tasks: Vec<&'a Task>,
    cases: Vec<&'a SupportCase>,
}

impl<'a> Window<'a> {
    fn new(input: &Input<'a>, now: Timestamp) -> Window<'a> {
        let id = input.account.id;
        let start = now - TimeDelta::days(WINDOW_DAYS);
        let earlier = start - TimeDelta::days(WINDOW_DAYS);
        let mut all: Vec<&Interaction> = input
            .interactions
            .iter()
            .filter(|i| i.account_id == id && i.at <= now && i.at > earlier)
            .collect();
        all.sort_by_key(|i| Reverse((i.at, i.id)));
        let split = all.partition_point(|i| i.at > start);
        let before = all.split_off(split);
        let mut contacts: Vec<&Contact> = input
            .contacts
            .iter()
            .filter(|c| c.account_id == id)
            .collect();
        contacts.sort_by_key(|c| c.id);
        let mut tasks: Vec<&Task> = input.tasks.iter().filter(|t| t.account_id == id).collect();
        tasks.sort_by_key(|t| t.id);
        let mut cases: Vec<&SupportCase> =
            input.cases.iter().filter(|c| c.account_id == id).collect();
        cases.sort_by_key(|c| c.id);
        Window {
            account: input.account,
            now,
            today: now.date_naive(),
            people: People::new(contacts.iter().copied()),
            contacts,
            interactions: all,
            before,
            tasks,
            cases,
        }
    }

    /// "email from Dana Ruiz on 2026-03-01".
    fn what(&self, i: &Interaction) -> String {
        format!(
            "{} on {}",
            text::what(i, &self.people.names(i)),
            text::day(i.at)
        )
    }

    /// Open cases, worst first.
    fn open_cases(&self) -> Vec<&'a SupportCase> {
        let mut open: Vec<&SupportCase> = self
            .cases
            .iter()
            .copied()
            .filter(|c| c.status.is_open())
            .collect();
        open.sort_by_key(|c| (!c.escalated, c.priority, c.severity, c.opened_at, c.id));
        open
    }
}

fn cite(kind: EntityKind, id: Id) -> Citation {
    Citation { kind, id }
}

fn statement(text: impl Into<String>, mut citations: Vec<Citation>) -> Statement {
    citations.sort();
    citations.dedup();
    Statement {
        text: text.into(),
        citations,
    }
}

/// Answers `prompt` about an account as of `now`.
pub fn answer(prompt: Prompt, input: &Input, now: Timestamp) -> Answer {
    let w = Window::new(input, now);
    let (statements, note) = match prompt {
        Prompt::Summarise => summarise(&w),
        Prompt::Concerns => concerns(&w),
        Prompt::Commitments => commitments_answer(&w),
        Prompt::Engagement => engagement(&w),
        Prompt::FollowUp => follow_up(&w),
    };
    Answer {
        prompt,
        statements,
        note,
    }
}

/// The facts the copilot may give a language model for a free question: the six
/// months' interactions as statements (date, kind, direction, contact,
/// subject or first line, sentiment), each citing its interaction, newest first,
/// at most `limit`.
pub fn facts(input: &Input, now: Timestamp, limit: usize) -> Vec<Statement> {
    let w = Window::new(input, now);
    w.interactions
        .iter()
        .take(limit)
        .map(|i| {
            let direction = match i.direction {
                Direction::In => "incoming",
                Direction::Out => "outgoing",
            };
            let sentiment = i
                .sentiment
                .map(|s| format!("; sentiment {} {:+.2}", s.label, s.score))
                .unwrap_or_default();
            statement(
                format!(
                    "{}, {} ({direction}): \"{}\"{sentiment}",
                    text::day(i.at),
                    text::what(i, &w.people.names(i)),
                    text::headline(i)
                ),
                vec![cite(EntityKind::Interaction, i.id)],
            )
        })
        .collect()
}

type Reply = (Vec<Statement>, Option<String>);

fn summarise(w: &Window) -> Reply {
    let Some(oldest) = w.interactions.last() else {
        return (vec![], Some(NO_INTERACTIONS.into()));
    };
    let newest = w.interactions[0];
    let all_cites: Vec<Citation> = w
        .interactions
        .iter()
        .map(|i| cite(EntityKind::Interaction, i.id))
        .collect();
    let mut parts = vec![];
    for kind in InteractionKind::ALL {
        let of: Vec<&&Interaction> = w.interactions.iter().filter(|i| i.kind == *kind).collect();
        if of.is_empty() {
            continue;
        }
        let (one, many) = match kind {
            InteractionKind::Email => ("email", "emails"),
            InteractionKind::Meeting => ("meeting", "meetings"),
            InteractionKind::Call => ("call", "calls"),
            InteractionKind::Note => ("note", "notes"),
            InteractionKind::Ticket => ("ticket", "tickets"),
            InteractionKind::CrmEvent => ("CRM event", "CRM events"),
        };
        let incoming = of.iter().filter(|i| i.direction == Direction::In).count();
        let split = match kind {
            InteractionKind::Email | InteractionKind::Call | InteractionKind::Ticket => {
                format!(" ({incoming} in, {} out)", of.len() - incoming)
            }
            _ => String::new(),
        };
        parts.push(format!("{}{split}", counted(of.len(), one, many)));
    }
    let mut out = vec![statement(
        format!(
            "{} between {} and {}: {}.",
            counted(w.interactions.len(), "interaction", "interactions"),
            text::day(oldest.at),
            text::day(newest.at),
            and_list(&parts)
        ),
        all_cites,
    )];
    out.extend(sentiment_trend(w));
    out.extend(topics(w));
    out.extend(events(w));
    (out, None)
}

fn sentiment_trend(w: &Window) -> Option<Statement> {
    let scored: Vec<(&Interaction, Sentiment)> = w
        .interactions
        .iter()
        .filter(|i| feeds_sentiment(i))
        .filter_map(|i| i.sentiment.map(|s| (*i, s)))
        .collect();
    if scored.is_empty() {
        return None;
    }
    let count = |l: SentimentLabel| scored.iter().filter(|(_, s)| s.label == l).count();
    let middle = w.now - TimeDelta::days(WINDOW_DAYS / 2);
    let mean = |recent: bool| {
        let xs: Vec<f64> = scored
            .iter()
            .filter(|(i, _)| (i.at > middle) == recent)
            .map(|(_, s)| s.score)
            .collect();
        (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
    };
    let trend = match (mean(true), mean(false)) {
        (Some(late), Some(early)) => {
            let word = match late - early {
                d if d >= 0.1 => "improving",
                d if d <= -0.1 => "worsening",
                _ => "steady",
            };
            format!(
                "; average {late:+.2} over the last three months against {early:+.2} the three before: {word}"
            )
        }
        (Some(late), None) => format!("; average {late:+.2}, all in the last three months"),
        (None, Some(early)) => {
            format!("; average {early:+.2}, all more than three months ago (none scored since)")
        }
        (None, None) => String::new(),
    };
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
    Some(statement(
        format!(
            "Customer sentiment: {} positive, {} neutral and {} negative{trend}.",
            count(SentimentLabel::Positive),
            count(SentimentLabel::Neutral),
            count(SentimentLabel::Negative)
        ),
        cites,
    ))
}

/// The meaningful words of a folded text (see [`text::fold`]): letters only, four
/// or more, no stopword; repeats included.
fn keywords(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_alphabetic))
        .filter(|w| STOPWORDS.binary_search(w).is_err())
}

fn topics(w: &Window) -> Option<Statement> {
    let mut by_word: BTreeMap<String, Vec<Id>> = BTreeMap::new();
    for i in &w.interactions {
        let subject = text::fold(&i.subject);
        let mut words: BTreeSet<String> = keywords(&subject).map(str::to_string).collect();
        words.extend(i.tags.iter().map(|t| text::words(&text::fold(t))));
        for word in words {
            by_word.entry(word).or_default().push(i.id);
        }
    }
    let mut ranked: Vec<(String, Vec<Id>)> = by_word
        .into_iter()
        .filter(|(_, ids)| ids.len() >= 2)
        .collect();
    // Most frequent first; ties in alphabetical order (the map's).
    ranked.sort_by_key(|(_, ids)| Reverse(ids.len()));
    ranked.truncate(MAX_TOPICS);
    if ranked.is_empty() {
        return None;
    }
    let named: Vec<String> = ranked
        .iter()
        .enumerate()
        .map(|(k, (word, ids))| {
            if k == 0 {
                format!(
                    "{word} ({})",
                    counted(ids.len(), "interaction", "interactions")
                )
            } else {
                format!("{word} ({})", ids.len())
            }
        })
        .collect();
    Some(statement(
        format!("Main topics: {}.", named.join(", ")),
        ranked
            .iter()
            .flat_map(|(_, ids)| ids.iter().map(|id| cite(EntityKind::Interaction, *id)))
            .collect(),
    ))
}

fn negative(i: &Interaction) -> bool {
    feeds_sentiment(i)
        && i.sentiment
            .is_some_and(|s| s.label == SentimentLabel::Negative)
}

fn events(w: &Window) -> Vec<Statement> {
    const IMPORTANT_TAGS: &[&str] = &["escalation", "business_review", "qbr", "renewal"];
    w.interactions
        .iter()
        .filter(|i| {
            matches!(i.kind, InteractionKind::Meeting | InteractionKind::Call)
                || negative(i)
                || i.tags.iter().any(|t| IMPORTANT_TAGS.contains(&t.as_str()))
        })
        .take(MAX_EVENTS)
        .map(|i| {
            let mood = i
                .sentiment
                .filter(|_| feeds_sentiment(i))
                .map(|s| format!(" ({})", s.label))
                .unwrap_or_default();
            statement(
                format!("Recent: {}, \"{}\"{mood}.", w.what(i), text::headline(i)),
                vec![cite(EntityKind::Interaction, i.id)],
            )
        })
        .collect()
}

/// The theme of a text: an index into [`THEMES`], `THEMES.len()` for Other.
fn theme(s: &str) -> usize {
    let folded = text::fold(s);
    let mut best = (0, THEMES.len());
    for (k, (_, words)) in THEMES.iter().enumerate() {
        let n = words
            .iter()
            .filter(|w| text::has_phrase(&folded, w))
            .count();
        // The theme with most of its words; ties to the first listed.
        if n > best.0 {
            best = (n, k);
        }
    }
    best.1
}

fn theme_name(k: usize) -> &'static str {
    THEMES.get(k).map_or(OTHER_THEME, |t| t.0)
}

/// One theme's negative interactions and open cases.
type Concern<'a> = (Vec<&'a Interaction>, Vec<&'a SupportCase>);

fn concerns(w: &Window) -> Reply {
    let negatives: Vec<&Interaction> = w
        .interactions
        .iter()
        .copied()
        .filter(|i| negative(i))
        .collect();
    let cases = w.open_cases();
    if negatives.is_empty() && cases.is_empty() {
        let why = if w.interactions.is_empty() {
            "No interactions in the last six months and no open case."
        } else {
            "No negative interaction in the last six months and no open case."
        };
        return (vec![], Some(why.into()));
    }
    let mut groups: BTreeMap<usize, Concern> = BTreeMap::new();
    for i in &negatives {
        groups
            .entry(theme(&format!("{}\n{}", i.subject, i.body)))
            .or_default()
            .0
            .push(i);
    }
    for c in &cases {
        groups.entry(theme(&c.subject)).or_default().1.push(c);
    }
    let mut ordered: Vec<(usize, Concern)> = groups.into_iter().collect();
    ordered.sort_by_key(|(k, (is, cs))| (Reverse(is.len() + cs.len()), *k));
    let statements = ordered
        .iter()
        .map(|(k, (is, cs))| {
            let mut counts = vec![];
            if !is.is_empty() {
                counts.push(counted(
                    is.len(),
                    "negative interaction",
                    "negative interactions",
                ));
            }
            if !cs.is_empty() {
                counts.push(counted(cs.len(), "open case", "open cases"));
            }
            let mut examples: Vec<String> = is
                .iter()
                .map(|i| {
                    let score = i
                        .sentiment
                        .map(|s| format!(", {:+.2}", s.score))
                        .unwrap_or_default();
                    format!("\"{}\" ({}{score})", text::headline(i), w.what(i))
                })
                .chain(cs.iter().map(|c| {
                    format!(
                        "case #{} \"{}\" ({} priority{}, open since {})",
                        c.number.trim_start_matches('#'),
                        text::clip(&c.subject, 60),
                        c.priority,
                        if c.escalated { ", escalated" } else { "" },
                        text::day(c.opened_at)
                    )
                }))
                .collect();
            let more = examples.len().saturating_sub(MAX_PER_THEME);
            examples.truncate(MAX_PER_THEME);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let cites = is
                .iter()
                .map(|i| cite(EntityKind::Interaction, i.id))
                .chain(cs.iter().map(|c| cite(EntityKind::SupportCase, c.id)))
                .collect();
            statement(
                format!(
                    "{}: {}: {}{more}.",
                    theme_name(*k),
                    and_list(&counts),
                    examples.join("; ")
                ),
                cites,
            )
        })
        .collect();
    (statements, None)
}

/// A promise found in one of our interactions, and what became of it.
struct Commitment<'a> {
    source: &'a Interaction,
    sentence: String,
    status: Status<'a>,
}

enum Status<'a> {
    /// A later interaction mentions it.
    FollowedUp(&'a Interaction),
    /// A task that matches it is done.
    TaskDone(&'a Task),
    /// A task that matches it is not done yet.
    TaskOpen(&'a Task),
    Open,
}

impl Commitment<'_> {
    fn is_open(&self) -> bool {
        matches!(self.status, Status::TaskOpen(_) | Status::Open)
    }
}

/// Whether `text` mentions enough of `keys`: two of them, or the one there is.
fn mentions(text: &BTreeSet<&str>, keys: &BTreeSet<&str>) -> bool {
    let needed = keys.len().min(2);
    needed > 0 && keys.iter().filter(|k| text.contains(*k)).count() >= needed
}

/// Where we speak: what we send, and our notes of meetings and calls.
fn ours(i: &Interaction) -> bool {
    i.direction == Direction::Out
        || matches!(
            i.kind,
            InteractionKind::Meeting | InteractionKind::Call | InteractionKind::Note
        )
}

fn commitments<'a>(w: &Window<'a>) -> Vec<Commitment<'a>> {
    let texts: Vec<String> = w
        .interactions
        .iter()
        .map(|i| text::fold(&format!("{}\n{}", i.subject, i.body)))
        .collect();
    // Which interactions hold each word, in the window's order (newest first), so
    // a commitment looks only at those that share its words.
    let mut postings: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, f) in texts.iter().enumerate() {
        for word in keywords(f) {
            let list = postings.entry(word).or_default();
            if list.last() != Some(&j) {
                list.push(j);
            }
        }
    }
    let task_folded: Vec<String> = w
        .tasks
        .iter()
        .map(|t| text::fold(&format!("{}\n{}", t.title, t.description)))
        .collect();
    let task_words: Vec<BTreeSet<&str>> =
        task_folded.iter().map(|f| keywords(f).collect()).collect();
    let mut hits: Vec<usize> = vec![];
    let mut out = vec![];
    for (k, i) in w.interactions.iter().enumerate() {
        if !ours(i) {
            continue;
        }
        for sentence in text::sentences(&i.body) {
            let folded = text::fold(sentence);
            if !COMMITMENT_MARKERS
                .iter()
                .any(|m| text::has_phrase(&folded, m))
            {
                continue;
            }
            let keys: BTreeSet<&str> = keywords(&folded).collect();
            // Newest first: the interactions before index k are the later ones;
            // the earliest of them that mentions the commitment counts.
            hits.clear();
            hits.resize(k, 0);
            for key in &keys {
                for &j in postings.get(key).map(Vec::as_slice).unwrap_or_default() {
                    if j >= k {
                        break;
                    }
                    hits[j] += 1;
                }
            }
            let needed = keys.len().min(2);
            let later = (0..k)
                .rev()
                .find(|j| needed > 0 && hits[*j] >= needed && w.interactions[*j].at > i.at);
            let task = w
                .tasks
                .iter()
                .zip(&task_words)
                .filter(|(_, tw)| mentions(tw, &keys))
                .map(|(t, _)| *t)
                .min_by_key(|t| (t.status != TaskStatus::Done, t.id));
            let status = match (task, later) {
                (Some(t), _) if t.status == TaskStatus::Done => Status::TaskDone(t),
                (_, Some(j)) => Status::FollowedUp(w.interactions[j]),
                (Some(t), None) => Status::TaskOpen(t),
                (None, None) => Status::Open,
            };
            out.push(Commitment {
                source: i,
                sentence: text::clip(sentence, 200),
                status,
            });
        }
    }
    // Open ones first, newest first within each (the order found).
    out.sort_by_key(|c| !c.is_open());
    out
}

fn commitments_answer(w: &Window) -> Reply {
    if w.interactions.is_empty() {
        return (vec![], Some(NO_INTERACTIONS.into()));
    }
    let all = commitments(w);
    if all.is_empty() {
        return (
            vec![],
            Some("No commitment found in our messages and notes of the last six months.".into()),
        );
    }
    let note = (all.len() > MAX_COMMITMENTS).then(|| {
        format!(
            "Showing {MAX_COMMITMENTS} of {} commitments, open ones first.",
            all.len()
        )
    });
    let statements = all
        .iter()
        .take(MAX_COMMITMENTS)
        .map(|c| {
            let mut cites = vec![cite(EntityKind::Interaction, c.source.id)];
            let status = match c.status {
                Status::FollowedUp(j) => {
                    cites.push(cite(EntityKind::Interaction, j.id));
                    format!(
                        "Done: followed up in the {} (\"{}\").",
                        w.what(j),
                        text::headline(j)
                    )
                }
                Status::TaskDone(t) => {
                    cites.push(cite(EntityKind::Task, t.id));
                    format!("Done: task \"{}\" is done.", t.title)
                }
                Status::TaskOpen(t) => {
                    cites.push(cite(EntityKind::Task, t.id));
                    let due = t
                        .due
                        .map(|d| {
                            let late = if d < w.today { ", overdue" } else { "" };
                            format!(", due {}{late}", text::date(d))
                        })
                        .unwrap_or_default();
                    format!("Open: task \"{}\" is {}{due}.", t.title, t.status)
                }
                Status::Open => "Open: no later interaction or task mentions it.".to_string(),
            };
            statement(
                format!(
                    "{}: \"{}\" {status}",
                    capital(&w.what(c.source)),
                    c.sentence
                ),
                cites,
            )
        })
        .collect();
    (statements, note)
}

fn capital(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Per contact: the window's interactions with them, newest first.
fn by_contact<'a>(list: &[&'a Interaction]) -> BTreeMap<Id, Vec<&'a Interaction>> {
    let mut out: BTreeMap<Id, Vec<&Interaction>> = BTreeMap::new();
    for i in list {
        for id in &i.contact_ids {
            out.entry(*id).or_default().push(i);
        }
    }
    out
}

/// Contacts of the window by engagement: most interactions first, then champions
/// and sponsors, then the latest.
fn engaged<'a>(w: &Window<'a>) -> Vec<(&'a Contact, Vec<&'a Interaction>)> {
    let recent = by_contact(&w.interactions);
    let role = |c: &Contact| {
        ["champion", "sponsor", "decision_maker"]
            .iter()
            .position(|r| c.has_role(r))
            .unwrap_or(3)
    };
    let mut out: Vec<(&Contact, Vec<&Interaction>)> = w
        .contacts
        .iter()
        .filter_map(|c| recent.get(&c.id).map(|is| (*c, is.clone())))
        .collect();
    out.sort_by_key(|(c, is)| (Reverse(is.len()), role(c), Reverse(is[0].at), c.id));
    out
}

fn roles_of(c: &Contact) -> String {
    let mut parts: Vec<String> = c.title.iter().map(|t| t.trim().to_string()).collect();
    parts.extend(c.roles.iter().map(|r| text::words(r)));
    parts.retain(|p| !p.is_empty());
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn engagement(w: &Window) -> Reply {
    let engaged = engaged(w);
    let recent = by_contact(&w.interactions);
    let earlier = by_contact(&w.before);
    let quiet: Vec<(&Contact, &Vec<&Interaction>)> = w
        .contacts
        .iter()
        .filter(|c| !recent.contains_key(&c.id))
        .filter_map(|c| earlier.get(&c.id).map(|is| (*c, is)))
        .collect();
    if engaged.is_empty() && quiet.is_empty() {
        let why = if w.interactions.is_empty() {
            NO_INTERACTIONS
        } else {
            "No interaction of the last six months names a known contact."
        };
        return (vec![], Some(why.into()));
    }
    let mut out = vec![];
    for (c, is) in engaged.iter().take(MAX_ENGAGED) {
        let last = is[0];
        let mut cites = vec![cite(EntityKind::Contact, c.id)];
        cites.extend(is.iter().map(|i| cite(EntityKind::Interaction, i.id)));
        out.push(statement(
            format!(
                "Engaged: {}{}: {} in the last six months, the last on {} ({}).",
                c.name,
                roles_of(c),
                counted(is.len(), "interaction", "interactions"),
                text::day(last.at),
                text::what(last, "")
            ),
            cites,
        ));
    }
    let mut quiet = quiet;
    quiet.sort_by_key(|(c, is)| (Reverse(is.len()), c.id));
    for (c, is) in &quiet {
        // The older interactions are outside the window: only the contact is cited.
        out.push(statement(
            format!(
                "Went quiet: {}{}: {} in the six months before, none since {}.",
                c.name,
                roles_of(c),
                counted(is.len(), "interaction", "interactions"),
                text::day(is[0].at)
            ),
            vec![cite(EntityKind::Contact, c.id)],
        ));
    }
    let note = (engaged.len() > MAX_ENGAGED).then(|| {
        format!(
            "Showing the {MAX_ENGAGED} most engaged of {} contacts.",
            engaged.len()
        )
    });
    (out, note)
}

fn first_name(c: &Contact) -> &str {
    c.name.split_whitespace().next().unwrap_or(c.name.as_str())
}

fn follow_up(w: &Window) -> Reply {
    if w.interactions.is_empty() {
        return (vec![], Some(NO_INTERACTIONS.into()));
    }
    let engaged = engaged(w);
    let contact = engaged.first().map(|(c, _)| *c).or_else(|| {
        ["champion", "sponsor"]
            .iter()
            .find_map(|r| w.contacts.iter().copied().find(|c| c.has_role(r)))
    });
    // The last conversation: a meeting or call, else the last exchange with the
    // contact, else the last interaction.
    let last = w
        .interactions
        .iter()
        .copied()
        .find(|i| matches!(i.kind, InteractionKind::Meeting | InteractionKind::Call))
        .or_else(|| {
            contact.and_then(|c| {
                w.interactions
                    .iter()
                    .copied()
                    .find(|i| i.contact_ids.contains(&c.id))
            })
        })
        .unwrap_or(w.interactions[0]);
    let last_cite = cite(EntityKind::Interaction, last.id);
    let (noun, verb) = match last.kind {
        InteractionKind::Meeting => ("meeting", "our meeting"),
        InteractionKind::Call => ("call", "our call"),
        _ if last.direction == Direction::In => ("message", "your message"),
        _ => ("exchange", "our exchange"),
    };
    let on = text::day(last.at);
    let mut out = vec![statement(
        format!("Subject: Following up on our {noun} of {on}"),
        vec![last_cite],
    )];
    out.push(match contact {
        Some(c) => statement(
            format!("Hi {},", first_name(c)),
            vec![cite(EntityKind::Contact, c.id)],
        ),
        None => statement("Hello,", vec![]),
    });
    out.push(statement(
        format!(
            "Thank you for {verb} on {on} about \"{}\". Here is a short recap and where things stand.",
            text::headline(last)
        ),
        vec![last_cite],
    ));
    // Promises made to the customer; one in our own notes is not theirs to read.
    let open: Vec<Commitment> = commitments(w)
        .into_iter()
        .filter(|c| c.is_open() && c.source.kind != InteractionKind::Note)
        .take(3)
        .collect();
    let cases: Vec<&SupportCase> = w.open_cases().into_iter().take(3).collect();
    if open.is_empty() && cases.is_empty() {
        out.push(statement(
            "Nothing is waiting on our side: everything we agreed is done.",
            vec![last_cite],
        ));
    } else {
        out.push(statement("Open points:", vec![]));
        for c in &open {
            let mut cites = vec![cite(EntityKind::Interaction, c.source.id)];
            let task = match c.status {
                Status::TaskOpen(t) => {
                    cites.push(cite(EntityKind::Task, t.id));
                    t.due
                        .filter(|d| *d >= w.today)
                        .map(|d| format!(" It is planned for {}.", text::date(d)))
                        .unwrap_or_default()
                }
                _ => String::new(),
            };
            out.push(statement(
                format!(
                    "- As promised on {}: \"{}\" This is still open on our side.{task}",
                    text::day(c.source.at),
                    c.sentence
                ),
                cites,
            ));
        }
        for c in &cases {
            out.push(statement(
                format!(
                    "- Your case #{} \"{}\" ({} priority) is still open; I am following it with our support team and will keep you posted.",
                    c.number.trim_start_matches('#'),
                    text::clip(&c.subject, 60),
                    c.priority
                ),
                vec![cite(EntityKind::SupportCase, c.id)],
            ));
        }
    }
    out.push(statement(
        format!(
            "As a next step, could we set up a 30-minute call in the week of {} to go through these points and agree what comes next?",
            text::date(next_monday(w.today))
        ),
        vec![],
    ));
    let owner = w.account.owner.trim();
    out.push(statement(
        if owner.is_empty() {
            "Best regards,".to_string()
        } else {
            format!("Best regards,\n{owner}")
        },
        vec![cite(EntityKind::Account, w.account.id)],
    ));
    (out, None)
}

/// The Monday after `day` (a week later when `day` is a Monday).
fn next_monday(day: NaiveDate) -> NaiveDate {
    let ahead = 7 - u64::from(day.weekday().num_days_from_monday());
    day.checked_add_days(Days::new(ahead)).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::fixture::*;
    use InteractionKind::*;
    use proptest::prelude::*;

    struct Records {
        account: Account,
        contacts: Vec<Contact>,
        interactions: Vec<Interaction>,
        tasks: Vec<Task>,
        cases: Vec<SupportCase>,
    }

    impl Records {
        fn input(&self) -> Input<'_> {
            Input {
                account: &self.account,
                contacts: &self.contacts,
                interactions: &self.interactions,
                tasks: &self.tasks,
                cases: &self.cases,
            }
        }
    }

    fn records() -> Records {
        let mut note = interaction(
            7,
            150,
            Note,
            Direction::Out,
            &[],
            "Note: renewal planning",
            "Renewal in Q3. We'll follow up with the sponsor.",
        );
        note.user = None;
        Records {
            account: account(),
            contacts: vec![
                contact(1, "Dana Ruiz", Some("CFO"), &["sponsor"]),
                contact(2, "Sam Park", Some("Operations Lead"), &["champion"]),
                contact(3, "Tom Lee", Some("CTO"), &[]),
                contact(4, "Ana Gomez", None, &[]),
            ],
            interactions: vec![
                email_in(
                    1,
                    3,
                    2,
                    "Dashboards down again",
                    "The dashboards were down again this morning. Very frustrating.",
                    -0.7,
                ),
                interaction(
                    2,
                    10,
                    Meeting,
                    Direction::Out,
                    &[1, 2],
                    "Quarterly business review",
                    "Reviewed adoption. We will send the revised pricing proposal by Friday. Sam asked for SSO training.",
                ),
                interaction(
                    3,
                    8,
                    Email,
                    Direction::Out,
                    &[1],
                    "Revised pricing proposal",
                    "Here is the revised pricing proposal as promised.",
                ),
                interaction(
                    4,
                    30,
                    Call,
                    Direction::Out,
                    &[2],
                    "SSO setup",
                    "Walked through the setup. I'll share the SSO configuration guide with the IT team.",
                ),
                email_in(
                    5,
                    60,
                    1,
                    "Invoice dispute",
                    "The last invoice is wrong: we were charged for seats we removed.",
                    -0.6,
                ),
                email_in(
                    6,
                    100,
                    4,
                    "Thank you for the workshop",
                    "Great workshop, the team loved it.",
                    0.8,
                ),
                note,
                email_in(
                    8,
                    250,
                    3,
                    "Old thread",
                    "Old stuff about the outage, we will escalate.",
                    -0.9,
                ),
                email_in(
                    9,
                    200,
                    3,
                    "API question",
                    "How do we page through the API?",
                    0.0,
                ),
                email_in(
                    10,
                    20,
                    2,
                    "Re: renewal planning",
                    "Looking forward to the renewal discussion.",
                    0.3,
                ),
            ],
            tasks: vec![task(
                31,
                "Send SSO configuration guide",
                TaskStatus::Todo,
                Some(3),
                None,
            )],
            cases: vec![
                case(
                    21,
                    "SSO login fails",
                    Priority::Urgent,
                    true,
                    CaseStatus::Open,
                ),
                case(
                    22,
                    "Invoice charged twice",
                    Priority::Normal,
                    false,
                    CaseStatus::Open,
                ),
                case(
                    23,
                    "Old export bug",
                    Priority::High,
                    false,
                    CaseStatus::Closed,
                ),
            ],
        }
    }

    fn ask(r: &Records, p: Prompt) -> Answer {
        answer(p, &r.input(), now())
    }

    fn texts(a: &Answer) -> Vec<&str> {
        a.statements.iter().map(|s| s.text.as_str()).collect()
    }

    fn interactions_cited(a: &Answer) -> Vec<Id> {
        a.statements
            .iter()
            .flat_map(|s| &s.citations)
            .filter(|c| c.kind == EntityKind::Interaction)
            .map(|c| c.id)
            .collect()
    }

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn prompts_have_keys_and_labels() {
        for p in Prompt::ALL {
            assert_eq!(p.key().parse::<Prompt>(), Ok(*p));
            assert_eq!(
                serde_json::to_string(p).unwrap(),
                format!("\"{}\"", p.key())
            );
        }
        assert_eq!(Prompt::FollowUp.key(), "follow_up");
        assert_eq!(
            Prompt::Engagement.label(),
            "Who is engaged and who went quiet"
        );
        let err = "recap".parse::<Prompt>().unwrap_err();
        assert!(
            err.contains("summarise, concerns, commitments, engagement, follow_up"),
            "{err}"
        );
    }

    #[test]
    fn summarise_counts_kinds_and_directions_topics_and_events() {
        let a = ask(&records(), Prompt::Summarise);
        let t = texts(&a);
        assert_eq!(
            t[0],
            "8 interactions between 2025-10-17 and 2026-03-13: 5 emails (4 in, 1 out), 1 meeting, 1 call (0 in, 1 out) and 1 note."
        );
        assert!(
            t[1].starts_with("Customer sentiment: 2 positive, 0 neutral and 2 negative;"),
            "{}",
            t[1]
        );
        assert!(t[1].ends_with("worsening."), "{}", t[1]);
        assert_eq!(t[2], "Main topics: planning (2 interactions), renewal (2).");
        assert_eq!(
            t[3],
            "Recent: email from Sam Park on 2026-03-13, \"Dashboards down again\" (negative)."
        );
        assert_eq!(
            t[4],
            "Recent: meeting with Dana Ruiz and Sam Park on 2026-03-06, \"Quarterly business review\"."
        );
        let cited = interactions_cited(&a);
        assert!(!cited.contains(&8) && !cited.contains(&9));
        assert_eq!(a.note, None);
    }

    #[test]
    fn concerns_group_negative_interactions_and_open_cases_by_theme() {
        let a = ask(&records(), Prompt::Concerns);
        assert_eq!(
            texts(&a),
            vec![
                "Billing and pricing: 1 negative interaction and 1 open case: \"Invoice dispute\" (email from Dana Ruiz on 2026-01-15, -0.60); case #4522 \"Invoice charged twice\" (normal priority, open since 2026-03-04).",
                "Reliability and performance: 1 negative interaction: \"Dashboards down again\" (email from Sam Park on 2026-03-13, -0.70).",
                "Access and security: 1 open case: case #4521 \"SSO login fails\" (urgent priority, escalated, open since 2026-03-04).",
            ]
        );
        assert_eq!(
            a.statements[0].citations,
            vec![
                Citation {
                    kind: EntityKind::Interaction,
                    id: 5
                },
                Citation {
                    kind: EntityKind::SupportCase,
                    id: 22
                }
            ]
        );
        assert!(!interactions_cited(&a).contains(&8));
    }

    #[test]
    fn commitments_are_done_when_followed_up_or_their_task_is_done() {
        let r = records();
        let a = ask(&r, Prompt::Commitments);
        assert_eq!(
            texts(&a),
            vec![
                "Call with Sam Park on 2026-02-14: \"I'll share the SSO configuration guide with the IT team.\" Open: task \"Send SSO configuration guide\" is todo, due 2026-03-19.",
                "Note on 2025-10-17: \"We'll follow up with the sponsor.\" Open: no later interaction or task mentions it.",
                "Meeting with Dana Ruiz and Sam Park on 2026-03-06: \"We will send the revised pricing proposal by Friday.\" Done: followed up in the email to Dana Ruiz on 2026-03-08 (\"Revised pricing proposal\").",
            ]
        );
        // The task done: the commitment is done.
        let mut r = r;
        r.tasks[0].status = TaskStatus::Done;
        let a = ask(&r, Prompt::Commitments);
        assert!(
            texts(&a)
                .iter()
                .any(|t| t.ends_with("Done: task \"Send SSO configuration guide\" is done.")),
            "{:#?}",
            texts(&a)
        );
        // A promise older than six months is not read.
        assert!(!interactions_cited(&a).contains(&8));
    }

    #[test]
    fn engagement_names_the_engaged_and_those_who_went_quiet() {
        let a = ask(&records(), Prompt::Engagement);
        assert_eq!(
            texts(&a),
            vec![
                "Engaged: Sam Park (Operations Lead, champion): 4 interactions in the last six months, the last on 2026-03-13 (email).",
                "Engaged: Dana Ruiz (CFO, sponsor): 3 interactions in the last six months, the last on 2026-03-08 (email).",
                "Engaged: Ana Gomez: 1 interaction in the last six months, the last on 2025-12-06 (email).",
                "Went quiet: Tom Lee (CTO): 2 interactions in the six months before, none since 2025-08-28.",
            ]
        );
        assert_eq!(
            a.statements[3].citations,
            vec![Citation {
                kind: EntityKind::Contact,
                id: 3
            }]
        );
        assert!(!interactions_cited(&a).iter().any(|id| *id == 8 || *id == 9));
    }

    #[test]
    fn follow_up_is_a_whole_email_to_the_most_engaged_contact() {
        let a = ask(&records(), Prompt::FollowUp);
        assert_eq!(
            a.text(),
            "Subject: Following up on our meeting of 2026-03-06\n\
             \n\
             Hi Sam,\n\
             \n\
             Thank you for our meeting on 2026-03-06 about \"Quarterly business review\". Here is a short recap and where things stand.\n\
             \n\
             Open points:\n\
             - As promised on 2026-02-14: \"I'll share the SSO configuration guide with the IT team.\" This is still open on our side. It is planned for 2026-03-19.\n\
             - Your case #4521 \"SSO login fails\" (urgent priority) is still open; I am following it with our support team and will keep you posted.\n\
             - Your case #4522 \"Invoice charged twice\" (normal priority) is still open; I am following it with our support team and will keep you posted.\n\
             \n\
             As a next step, could we set up a 30-minute call in the week of 2026-03-23 to go through these points and agree what comes next?\n\
             \n\
             Best regards,\n\
             maya.chen\n"
        );
        assert_eq!(
            a.statements[1].citations,
            vec![Citation {
                kind: EntityKind::Contact,
                id: 2
            }]
        );
    }

    #[test]
    fn facts_are_the_windows_interactions_newest_first() {
        let r = records();
        let f = facts(&r.input(), now(), 3);
        let t: Vec<&str> = f.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            t,
            vec![
                "2026-03-13, email from Sam Park (incoming): \"Dashboards down again\"; sentiment negative -0.70",
                "2026-03-08, email to Dana Ruiz (outgoing): \"Revised pricing proposal\"",
                "2026-03-06, meeting with Dana Ruiz and Sam Park (outgoing): \"Quarterly business review\"",
            ]
        );
        assert_eq!(
            f[0].citations,
            vec![Citation {
                kind: EntityKind::Interaction,
                id: 1
            }]
        );
        assert_eq!(facts(&r.input(), now(), 100).len(), 8);
    }

    #[test]
    fn nothing_in_six_months_says_so() {
        let mut r = records();
        r.interactions.retain(|i| i.id == 8 || i.id == 9);
        r.cases.clear();
        for p in Prompt::ALL {
            let a = ask(&r, *p);
            if *p == Prompt::Engagement {
                // Tom went quiet: that is still an answer, citing only him.
                assert_eq!(a.statements.len(), 1);
                assert!(interactions_cited(&a).is_empty());
                continue;
            }
            assert!(a.statements.is_empty(), "{p}");
            let note = a.note.clone().unwrap();
            assert!(
                note.starts_with("No interactions in the last six months"),
                "{p}: {note}"
            );
            assert_eq!(a.text().trim(), note);
        }
        assert!(facts(&r.input(), now(), 10).is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]

        #[test]
        fn answers_cite_only_the_input_and_never_an_older_interaction(
            w in crate::summary::props::worlds(),
        ) {
            let input = Input {
                account: &w.account,
                contacts: &w.contacts,
                interactions: &w.interactions,
                tasks: &w.tasks,
                cases: &w.cases,
            };
            let present = crate::summary::props::present(&w);
            let start = now() - TimeDelta::days(WINDOW_DAYS);
            for p in Prompt::ALL {
                let a = answer(*p, &input, now());
                prop_assert_eq!(&a, &answer(*p, &input, now()));
                prop_assert!(!a.statements.is_empty() || a.note.is_some());
                for s in a.statements.iter().chain(&facts(&input, now(), 20)) {
                    for c in &s.citations {
                        prop_assert!(present.contains(&(c.kind, c.id)), "{p}: {:?}", c);
                        if c.kind == EntityKind::Interaction {
                            let i = w.interactions.iter().find(|i| i.id == c.id).unwrap();
                            prop_assert!(i.at > start && i.at <= now(), "{p}: {} is outside the window", i.id);
                        }
                    }
                }
            }
        }
    }
}
