//! Words shared by the summary and the copilot: dates, quotes, phrases, people.

use std::collections::HashMap;

use chrono::NaiveDate;
use tend_domain::*;

/// "2026-03-01".
pub(crate) fn day(at: Timestamp) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// "2026-03-01".
pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// "today", "yesterday", "3 days ago", "in 3 days".
pub(crate) fn relative(today: NaiveDate, d: NaiveDate) -> String {
    match (d - today).num_days() {
        0 => "today".into(),
        -1 => "yesterday".into(),
        1 => "tomorrow".into(),
        n if n < 0 => format!("{} days ago", -n),
        n => format!("in {n} days"),
    }
}

/// `text` with its whitespace collapsed, cut to at most `max` characters on a
/// word boundary ("…" marks the cut).
pub(crate) fn clip(text: &str, max: usize) -> String {
    let mut out = String::new();
    for word in text.split_whitespace() {
        let extra = if out.is_empty() { 0 } else { 1 } + word.chars().count();
        if out.chars().count() + extra > max {
            if out.is_empty() {
                out = word.chars().take(max.saturating_sub(1)).collect();
            }
            out.push('…');
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The first line of `text` that has anything on it.
pub(crate) fn first_line(text: &str) -> &str {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
}

/// What an interaction is about: its subject, or the first line of its body.
pub(crate) fn headline(i: &Interaction) -> String {
    let s = i.subject.trim();
    let s = if s.is_empty() { first_line(&i.body) } else { s };
    if s.is_empty() {
        format!("{} without subject", i.kind)
    } else {
        clip(s, 80)
    }
}

/// The sentences of `text` (cut at . ! ? and line ends), trimmed, non-empty.
pub(crate) fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
}

/// Lower case, with typographic apostrophes made plain ("We’ll" → "we'll").
pub(crate) fn fold(text: &str) -> String {
    text.to_lowercase().replace('’', "'")
}

/// Endings a phrase may take and still match ("expand" in "expanding").
const ENDINGS: &[&str] = &["", "s", "d", "ed", "es", "ing"];

/// Whether `folded` (see [`fold`]) holds `phrase` as whole words, allowing plain
/// endings on its last word: "pilot" matches "pilots", not "autopilot"; "additional"
/// does not match "additionally".
pub(crate) fn has_phrase(folded: &str, phrase: &str) -> bool {
    let word_char = |c: char| c.is_alphanumeric();
    let mut from = 0;
    while let Some(pos) = folded[from..].find(phrase) {
        let start = from + pos;
        let end = start + phrase.len();
        let before_ok = folded[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !word_char(c));
        let rest = &folded[end..];
        let tail_len = rest.find(|c: char| !word_char(c)).unwrap_or(rest.len());
        if before_ok && ENDINGS.contains(&&rest[..tail_len]) {
            return true;
        }
        from = start + phrase.chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// A figure without needless decimals: "80", "3.5", "0.25".
pub(crate) fn figure(v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// A figure with its unit: "45%", "80 tickets", "12" (no unit).
pub(crate) fn measure(v: f64, unit: &str) -> String {
    let unit = unit.trim();
    match unit {
        "" => figure(v),
        "%" => format!("{}%", figure(v)),
        _ => format!("{} {unit}", figure(v)),
    }
}

/// A stored key in words: "decision_maker" → "decision maker".
pub(crate) fn words(key: &str) -> String {
    key.replace('_', " ")
}

/// "1 task", "3 tasks".
pub(crate) fn counted(n: usize, one: &str, many: &str) -> String {
    tend_domain::format::counted(n as u64, one, many)
}

/// A list in words: "a", "a and b", "a, b and c".
pub(crate) fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// What an interaction was and with whom: "email from Dana Ruiz", "meeting with
/// Dana Ruiz", "note".
pub(crate) fn what(i: &Interaction, who: &str) -> String {
    let link = match (i.kind, i.direction) {
        (InteractionKind::Meeting | InteractionKind::Call, _) => "with",
        (_, Direction::In) => "from",
        (_, Direction::Out) => "to",
    };
    let kind = match i.kind {
        InteractionKind::CrmEvent => "CRM event",
        k => k.as_str(),
    };
    if who.is_empty() || matches!(i.kind, InteractionKind::Note | InteractionKind::CrmEvent) {
        kind.to_string()
    } else {
        format!("{kind} {link} {who}")
    }
}

/// Whether a title or role marks an executive.
pub(crate) fn is_executive(c: &Contact) -> bool {
    const ROLES: &[&str] = &["sponsor", "decision_maker", "executive", "economic_buyer"];
    const TITLE_WORDS: &[&str] = &[
        "ceo",
        "cfo",
        "coo",
        "cto",
        "cio",
        "cmo",
        "cro",
        "ciso",
        "chief",
        "vp",
        "vice president",
        "president",
        "managing director",
        "director",
        "founder",
        "owner",
        "partner",
    ];
    if ROLES.iter().any(|r| c.has_role(r)) {
        return true;
    }
    let title = c.title.as_deref().map(fold).unwrap_or_default();
    TITLE_WORDS.iter().any(|w| has_phrase(&title, w))
}

/// An account's contacts by id (the sections look one up per interaction).
pub(crate) struct People<'a> {
    by_id: HashMap<Id, &'a Contact>,
}

impl<'a> People<'a> {
    pub(crate) fn new(contacts: impl IntoIterator<Item = &'a Contact>) -> People<'a> {
        People {
            by_id: contacts.into_iter().map(|c| (c.id, c)).collect(),
        }
    }

    pub(crate) fn get(&self, id: Id) -> Option<&'a Contact> {
        self.by_id.get(&id).copied()
    }

    /// The names of an interaction's known contacts, "Dana Ruiz and Tom Lee".
    pub(crate) fn names(&self, i: &Interaction) -> String {
        let names: Vec<String> = i
            .contact_ids
            .iter()
            .filter_map(|id| self.get(*id))
            .map(|c| c.name.clone())
            .collect();
        and_list(&names)
    }

    /// "Dana Ruiz (CFO)" or "Dana Ruiz".
    pub(crate) fn titled(c: &Contact) -> String {
        match c.title.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => format!("{} ({t})", c.name),
            None => c.name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_whole_words_with_plain_endings() {
        assert!(has_phrase("we are expanding to madrid", "expand"));
        assert!(has_phrase("two pilots next month", "pilot"));
        assert!(has_phrase("40 more seats, please", "more seats"));
        assert!(!has_phrase("the autopilot failed", "pilot"));
        assert!(!has_phrase("additionally, it broke", "additional"));
        assert!(has_phrase("autopilot and a pilot", "pilot"));
        assert!(has_phrase("we'll send it", "we'll"));
    }

    #[test]
    fn clips_on_word_boundaries() {
        assert_eq!(clip("  a  b\nc ", 10), "a b c");
        assert_eq!(clip("hello wonderful world", 12), "hello…");
        assert_eq!(figure(80.0), "80");
        assert_eq!(figure(3.5), "3.5");
        assert_eq!(figure(0.254), "0.25");
        assert_eq!(measure(45.0, "%"), "45%");
        assert_eq!(measure(80.0, "tickets"), "80 tickets");
    }
}
