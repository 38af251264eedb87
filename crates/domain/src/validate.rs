//! Field checks every write and every import applies to a record.

use super::*;

/// A field that failed a check, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

fn err(out: &mut Vec<FieldError>, field: impl Into<String>, message: impl Into<String>) {
    out.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

/// The longest a short text may be, in characters: a name, a title, a number, an
/// owner, a tag, a link (every text field not named in [`LONG_TEXT_FIELDS`]).
pub const MAX_SHORT_TEXT: usize = 1_000;
/// The longest a long text may be, in characters: a body, a description, a
/// comment, a message.
pub const MAX_LONG_TEXT: usize = 100_000;
/// The most items a list (tags, team, steps...) or map (custom fields, features)
/// may hold.
pub const MAX_ITEMS: usize = 1_000;
/// The largest a record may be as JSON, in bytes: half the API's default body
/// limit, so that every record stored can be sent back over the API.
pub const MAX_RECORD_BYTES: usize = 512 << 10;
/// The fields that hold long texts.
pub const LONG_TEXT_FIELDS: &[&str] = &[
    "body",
    "description",
    "comment",
    "message",
    "reason_details",
];

fn sizes<T: serde::Serialize>(out: &mut Vec<FieldError>, record: &T) {
    crate::sizes::check(out, record);
}

fn not_blank(out: &mut Vec<FieldError>, field: &str, value: &str) {
    if value.trim().is_empty() {
        err(out, field, "must not be empty");
    }
}

/// Field rules of one kind of record.
pub trait Check {
    fn check(&self, out: &mut Vec<FieldError>);
}

/// Checks the fields of a record on their own (references are the store's job).
pub fn check_record(record: &Record) -> Vec<FieldError> {
    crate::with_record!(record, r => field_errors(r))
}

/// The field rules of one record, its version and its sizes included.
pub fn field_errors<T: RecordMeta + Check + serde::Serialize>(record: &T) -> Vec<FieldError> {
    let mut out = Vec::new();
    if record.version() < 1 {
        err(&mut out, "version", "must be 1 or more");
    }
    sizes(&mut out, record);
    record.check(&mut out);
    out
}

impl Check for Account {
    fn check(&self, o: &mut Vec<FieldError>) {
        let a = self;
        not_blank(o, "name", &a.name);
        if a.parent_id == Some(a.id) && a.id != 0 {
            err(o, "parent_id", "an account cannot be its own parent");
        }
        if let Some(p) = &a.pulse
            && !(1..=5).contains(&p.rating)
        {
            err(
                o,
                "pulse.rating",
                format!("{} is not within 1..=5", p.rating),
            );
        }
    }
}

impl Check for Contact {
    fn check(&self, o: &mut Vec<FieldError>) {
        let c = self;
        not_blank(o, "name", &c.name);
        if let Some(e) = &c.email
            && !e.contains('@')
        {
            err(o, "email", format!("'{e}' is not an email address"));
        }
    }
}

impl Check for Interaction {
    fn check(&self, o: &mut Vec<FieldError>) {
        let i = self;
        if let Some(s) = &i.sentiment
            && !(-1.0..=1.0).contains(&s.score)
        {
            err(
                o,
                "sentiment.score",
                format!("{} is not within -1..=1", s.score),
            );
        }
    }
}

impl Check for SupportCase {
    fn check(&self, o: &mut Vec<FieldError>) {
        let c = self;
        not_blank(o, "number", &c.number);
        if !(1..=4).contains(&c.severity) {
            err(o, "severity", format!("{} is not within 1..=4", c.severity));
        }
        if let Some(x) = c.csat
            && !(1..=5).contains(&x)
        {
            err(o, "csat", format!("{x} is not within 1..=5"));
        }
        if let Some(r) = c.resolved_at
            && r < c.opened_at
        {
            err(o, "resolved_at", "is before opened_at");
        }
    }
}

impl Check for Agreement {
    fn check(&self, o: &mut Vec<FieldError>) {
        let a = self;
        if a.mrr_cents < 0 {
            err(o, "mrr_cents", "must not be negative");
        }
        if a.end < a.start {
            err(
                o,
                "end",
                format!("{} is before the start {}", a.end, a.start),
            );
        }
    }
}

impl Check for Opportunity {
    fn check(&self, o: &mut Vec<FieldError>) {
        let p = self;
        not_blank(o, "name", &p.name);
        if p.amount_cents < 0 {
            err(o, "amount_cents", "must not be negative");
        }
    }
}

impl Check for Project {
    fn check(&self, o: &mut Vec<FieldError>) {
        let p = self;
        not_blank(o, "name", &p.name);
    }
}

impl Check for Task {
    fn check(&self, o: &mut Vec<FieldError>) {
        let t = self;
        not_blank(o, "title", &t.title);
    }
}

impl Check for Playbook {
    fn check(&self, o: &mut Vec<FieldError>) {
        let p = self;
        not_blank(o, "name", &p.name);
        if p.steps.is_empty() {
            err(o, "steps", "a playbook needs at least one step");
        }
        for (i, step) in p.steps.iter().enumerate() {
            if let crate::StepAction::SendEmail { subject, body, .. } = &step.action {
                for (field, text) in [("subject", subject), ("body", body)] {
                    if let Err(e) = crate::template::placeholders(text) {
                        err(o, format!("steps[{i}].{field}"), e);
                    }
                }
            }
        }
    }
}

impl Check for PlaybookRun {
    fn check(&self, o: &mut Vec<FieldError>) {
        let r = self;
        if r.steps.is_empty() {
            err(o, "steps", "a run needs the state of each step");
        }
    }
}

impl Check for NpsResponse {
    fn check(&self, o: &mut Vec<FieldError>) {
        let n = self;
        if n.score > 10 {
            err(o, "score", format!("{} is not within 0..=10", n.score));
        }
    }
}

impl Check for Document {
    fn check(&self, o: &mut Vec<FieldError>) {
        let d = self;
        not_blank(o, "title", &d.title);
        let Some(f) = &d.file else {
            // A document without a file is its link.
            not_blank(o, "link", &d.link);
            return;
        };
        if !is_sha256(&f.sha256) {
            err(
                o,
                "file.sha256",
                format!("'{}' is not a SHA-256 (64 lowercase hex digits)", f.sha256),
            );
        }
        if let Some(problem) = file_name_problem(&f.name) {
            err(o, "file.name", problem);
        }
        if f.size > MAX_FILE_BYTES {
            err(
                o,
                "file.size",
                format!(
                    "{} bytes is over the file store's limit of {} MiB",
                    f.size,
                    MAX_FILE_BYTES >> 20
                ),
            );
        }
    }
}

impl Check for Alert {
    fn check(&self, o: &mut Vec<FieldError>) {
        let a = self;
        not_blank(o, "rule", &a.rule);
        not_blank(o, "message", &a.message);
    }
}

impl Check for Summary {
    fn check(&self, o: &mut Vec<FieldError>) {
        let s = self;
        if s.sections.is_empty() {
            err(o, "sections", "a summary needs at least one section");
        }
    }
}

impl Check for SuccessPlan {
    fn check(&self, o: &mut Vec<FieldError>) {
        not_blank(o, "name", &self.name);
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e < s
        {
            err(o, "end", format!("{e} comes before the start, {s}"));
        }
    }
}

impl Check for Objective {
    fn check(&self, o: &mut Vec<FieldError>) {
        not_blank(o, "name", &self.name);
    }
}

impl Check for Kpi {
    fn check(&self, o: &mut Vec<FieldError>) {
        not_blank(o, "name", &self.name);
        for (field, v) in [
            ("baseline", self.baseline),
            ("target", self.target),
            ("current", self.current),
        ] {
            if !v.is_finite() {
                err(o, field, "must be a finite number");
            }
        }
    }
}

impl Check for Invoice {
    fn check(&self, o: &mut Vec<FieldError>) {
        not_blank(o, "number", &self.number);
        if self.amount_cents < 0 {
            err(
                o,
                "amount_cents",
                "must not be negative (a credit note is a void invoice)",
            );
        }
        let code = self.currency.trim();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            err(
                o,
                "currency",
                "must be a three-letter ISO 4217 code such as EUR or USD",
            );
        }
        if self.due_on < self.issued_on {
            err(
                o,
                "due_on",
                format!(
                    "{} comes before the issue date, {}",
                    self.due_on, self.issued_on
                ),
            );
        }
    }
}

impl Check for Payment {
    fn check(&self, o: &mut Vec<FieldError>) {
        if self.amount_cents <= 0 {
            err(o, "amount_cents", "must be more than 0");
        }
    }
}

impl Check for BusinessChallenge {
    fn check(&self, o: &mut Vec<FieldError>) {
        not_blank(o, "title", &self.title);
    }
}

/// Checks a usage row on its own.
pub fn check_usage(u: &UsageDay) -> Vec<FieldError> {
    let mut out = Vec::new();
    sizes(&mut out, u);
    if u.features.keys().any(|k| k.trim().is_empty()) {
        err(&mut out, "features", "a feature name must not be empty");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn sizes_name_the_field_nested_or_not() {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let summary = Summary {
            id: 1,
            version: 1,
            created_at: t,
            updated_at: t,
            source: Source::Ui,
            external_id: Some("e".repeat(MAX_SHORT_TEXT + 1)),
            account_id: 1,
            generated_at: t,
            author: String::new(),
            sections: vec![
                SummarySection {
                    title: "ok".into(),
                    body: "b".repeat(MAX_LONG_TEXT),
                    statements: vec![],
                    note: None,
                },
                SummarySection {
                    title: "ok".into(),
                    body: "b".repeat(MAX_LONG_TEXT + 1),
                    statements: vec![],
                    note: None,
                },
            ],
        };
        let fields: Vec<String> = check_record(&Record::Summary(summary))
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["external_id", "sections[1].body"]);
    }

    #[test]
    fn a_text_at_its_limit_in_characters_passes() {
        #[derive(serde::Serialize)]
        struct Named {
            name: String,
            tags: Vec<String>,
        }
        // 1,000 characters of four bytes each: over the limit in bytes, not in
        // characters.
        let mut out = vec![];
        let at_limit = Named {
            name: "𝄞".repeat(MAX_SHORT_TEXT),
            tags: vec!["t".into(); MAX_ITEMS],
        };
        sizes(&mut out, &at_limit);
        assert!(out.is_empty(), "{out:?}");
        let over = Named {
            name: "𝄞".repeat(MAX_SHORT_TEXT + 1),
            tags: vec!["t".into(); MAX_ITEMS + 1],
        };
        sizes(&mut out, &over);
        let fields: Vec<&str> = out.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "tags"]);
    }

    #[test]
    fn a_record_over_its_size_is_refused_as_a_whole() {
        #[derive(serde::Serialize)]
        struct Notes {
            tags: Vec<String>,
        }
        let mut out = vec![];
        sizes(
            &mut out,
            &Notes {
                tags: vec!["x".repeat(MAX_SHORT_TEXT); MAX_ITEMS],
            },
        );
        let fields: Vec<&str> = out.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["record"]);
    }

    #[test]
    fn agreement_ending_before_start_names_end() {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let a = Agreement {
            id: 1,
            version: 1,
            created_at: t,
            updated_at: t,
            source: Source::Ui,
            external_id: None,
            account_id: 1,
            name: "x".into(),
            mrr_cents: 100,
            start: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            notice_days: 30,
            auto_renew: true,
            status: AgreementStatus::Active,
            kind: AgreementKind::Initial,
            payment_up_to_date: true,
            renews_id: None,
            attachments: vec![],
        };
        let errs = check_record(&Record::Agreement(a));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "end");
    }
}
