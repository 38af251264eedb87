//! The forms of each kind of record: which fields, in which order, with which
//! pickers.

use serde_json::{Value, json};
use tend_backend::Account360;
use tend_domain::*;

use crate::form::{Field, Form, Parse};

/// Interaction tags offered besides those the account already uses.
pub const INTERACTION_TAGS: &[&str] = &[
    "bug",
    "business_review",
    "complaint",
    "feature_request",
    "onboarding",
    "renewal",
    "training",
];

fn s(v: &str) -> Value {
    Value::String(v.into())
}

/// What the forms need to know about the moment and the user.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    pub d: &'a Account360,
    pub now: Timestamp,
    pub user: &'a str,
    /// The organisation's custom fields and churn reasons.
    pub rules: &'a AccountRules,
}

impl Ctx<'_> {
    fn today(&self) -> chrono::NaiveDate {
        self.now.date_naive()
    }
    fn form(&self, title: String, base: Record, creating: bool, fields: Vec<Field>) -> Form {
        Form::new(title, base, creating, fields, self.today())
    }
    fn account(&self) -> Id {
        self.d.account.id
    }
}

/// A new interaction of `kind` (note, call, meeting, email draft).
pub fn new_interaction(c: &Ctx, kind: InteractionKind) -> Form {
    let r = Interaction {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        kind,
        direction: Direction::Out,
        at: c.now,
        contact_ids: vec![],
        user: Some(c.user.to_string()),
        subject: String::new(),
        body: String::new(),
        tags: vec![],
        sentiment: None,
        excluded_from_score: false,
        answered: false,
    };
    let title = format!("Log an interaction — {}", c.d.account.name);
    c.form(
        title,
        Record::Interaction(r),
        true,
        interaction_fields(c, None),
    )
}

fn interaction_fields(c: &Ctx, sentiment: Option<Sentiment>) -> Vec<Field> {
    let contacts =
        c.d.contacts
            .iter()
            .map(|p| (Value::from(p.id), p.name.clone()))
            .collect();
    let mut tags: Vec<String> = INTERACTION_TAGS.iter().map(|t| t.to_string()).collect();
    for i in &c.d.interactions {
        tags.extend(i.tags.iter().cloned());
    }
    tags.sort();
    tags.dedup();
    // Automatic keeps what the scorer said (a manual one goes back to the scorer).
    let auto = match sentiment {
        Some(s) if s.source == SentimentSource::Ai => json!(s),
        _ => Value::Null,
    };
    let manual =
        |score: f64, label: &str| json!({ "score": score, "label": label, "source": "manual" });
    let mut sentiments = vec![(auto, "automatic (from the text)".to_string())];
    let mine = sentiment.filter(|s| s.source == SentimentSource::Manual);
    let ratings = [
        (1.0, "positive", "very positive"),
        (0.6, "positive", "positive"),
        (0.0, "neutral", "neutral"),
        (-0.6, "negative", "negative"),
        (-1.0, "negative", "very negative"),
    ];
    // A manual sentiment set before keeps its score, on the rating nearest to it.
    let nearest = mine.and_then(|m| {
        (0..ratings.len())
            .filter(|&i| ratings[i].1 == m.label.as_str())
            .min_by(|&a, &b| {
                (ratings[a].0 - m.score)
                    .abs()
                    .total_cmp(&(ratings[b].0 - m.score).abs())
            })
    });
    for (i, (score, label, words)) in ratings.into_iter().enumerate() {
        let value = match mine {
            Some(m) if nearest == Some(i) => json!(m),
            _ => manual(score, label),
        };
        sentiments.push((value, format!("{words} (manual)")));
    }
    vec![
        Field::named(
            "kind",
            "kind",
            &[
                InteractionKind::Note,
                InteractionKind::Call,
                InteractionKind::Meeting,
                InteractionKind::Email,
            ],
        ),
        Field::named("direction", "direction", &[Direction::Out, Direction::In]),
        Field::text("subject", "subject", Parse::Str).required(),
        Field::pick("contact_ids", "contacts", contacts),
        Field::pick(
            "tags",
            "tags",
            tags.iter().map(|t| (s(t), t.clone())).collect(),
        ),
        Field::area("body", "text", 6, Parse::Str),
        Field::choice("sentiment", "sentiment", sentiments),
        Field::toggle("excluded_from_score", "exclude from score"),
    ]
}

pub fn new_task(c: &Ctx, status: TaskStatus) -> Form {
    c.form(
        "New task".into(),
        Record::Task(task_record(c, status)),
        true,
        task_fields(c),
    )
}

/// A new task answering an alert (an alert task): titled after the alert, due in
/// three days, in the todo column.
pub fn new_alert_task(c: &Ctx, alert: &Alert) -> Form {
    let mut t = task_record(c, TaskStatus::Todo);
    t.alert_id = Some(alert.id);
    t.kind = TaskKind::FollowUp;
    t.title = format!("Follow up: {}", first_words(&alert.message, 60));
    t.due = Some(c.now.date_naive() + chrono::Days::new(ALERT_TASK_DAYS));
    c.form(
        "New alert task".into(),
        Record::Task(t),
        true,
        task_fields(c),
    )
}

/// When a new alert task is due, in days from today.
pub const ALERT_TASK_DAYS: u64 = 3;

/// The start of a text, cut at a word within `max` characters ("…" when cut).
fn first_words(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let cut: String = line.chars().take(max).collect();
    let at = cut.rfind(' ').unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

/// A task of the account at the bottom of a column, for the new-task forms.
fn task_record(c: &Ctx, status: TaskStatus) -> Task {
    Task {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        project_id: None,
        title: String::new(),
        description: String::new(),
        assignee: c.user.to_string(),
        due: None,
        status,
        priority: Priority::Normal,
        // After the last card of its column.
        position: c
            .d
            .tasks
            .iter()
            .filter(|t| t.status == status)
            .map(|t| t.position)
            .max()
            .unwrap_or(0)
            + 1,
        kind: TaskKind::Todo,
        alert_id: None,
    }
}

fn task_fields(c: &Ctx) -> Vec<Field> {
    let mut projects = vec![(Value::Null, "no project".to_string())];
    projects.extend(
        c.d.projects
            .iter()
            .map(|p| (Value::from(p.id), p.name.clone())),
    );
    vec![
        Field::text("title", "title", Parse::Str).required(),
        Field::named("kind", "type", TaskKind::ALL),
        Field::text("assignee", "assignee", Parse::Str),
        Field::text("due", "due (YYYY-MM-DD)", Parse::OptDate),
        Field::named("status", "column", TaskStatus::ALL),
        Field::named("priority", "priority", Priority::ALL),
        Field::choice("project_id", "project", projects),
        Field::area("description", "description", 3, Parse::Str),
    ]
}

pub fn new_project(c: &Ctx) -> Form {
    let r = Project {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        name: String::new(),
        status: ProjectStatus::Active,
        due: None,
    };
    c.form(
        "New project".into(),
        Record::Project(r),
        true,
        project_fields(),
    )
}

fn project_fields() -> Vec<Field> {
    vec![
        Field::text("name", "name", Parse::Str).required(),
        Field::named("status", "status", ProjectStatus::ALL),
        Field::text("due", "due (YYYY-MM-DD)", Parse::OptDate),
    ]
}

pub fn new_agreement(c: &Ctx) -> Form {
    let start = c.today();
    let r = Agreement {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        name: String::new(),
        mrr_cents: 0,
        start,
        end: start
            .checked_add_months(chrono::Months::new(12))
            .and_then(|d| d.pred_opt())
            .unwrap_or(start),
        notice_days: 60,
        auto_renew: true,
        status: AgreementStatus::Active,
        kind: AgreementKind::Initial,
        payment_up_to_date: true,
        renews_id: None,
        attachments: vec![],
    };
    c.form(
        "New agreement".into(),
        Record::Agreement(r),
        true,
        agreement_fields(),
    )
}

fn agreement_fields() -> Vec<Field> {
    vec![
        Field::text("name", "name", Parse::Str),
        Field::text("mrr_cents", "MRR ($)", Parse::Money),
        Field::text("start", "start (YYYY-MM-DD)", Parse::Date),
        Field::text("end", "end (YYYY-MM-DD)", Parse::Date),
        Field::text("notice_days", "notice (days)", Parse::Count),
        Field::toggle("auto_renew", "auto-renew"),
        Field::named("kind", "type", AgreementKind::ALL),
        Field::named("status", "status", AgreementStatus::ALL),
        Field::toggle("payment_up_to_date", "payment up to date"),
        Field::area("attachments", "links (title | url)", 3, Parse::Links),
    ]
}

/// A new invoice of the account, numbered after the highest "INV-" number it
/// has, due in 30 days, billing the agreement in force (when there is one).
pub fn new_invoice(c: &Ctx) -> Form {
    let today = c.today();
    let next =
        c.d.invoices
            .iter()
            .filter_map(|x| x.number.rsplit('-').next()?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
    let r = Invoice {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        agreement_id: c
            .d
            .agreements
            .iter()
            .find(|a| a.status == AgreementStatus::Active && a.is_active_on(today))
            .map(|a| a.id),
        number: format!("INV-{next:05}"),
        amount_cents: c.d.row.mrr_cents,
        currency: currency_of(c.d).to_string(),
        issued_on: today,
        due_on: today + chrono::Days::new(30),
        void: false,
    };
    c.form(
        format!("New invoice — {}", c.d.account.name),
        Record::Invoice(r),
        true,
        invoice_fields(),
    )
}

fn invoice_fields() -> Vec<Field> {
    vec![
        Field::text("number", "number", Parse::Str).required(),
        Field::text("amount_cents", "amount", Parse::Money),
        Field::text("currency", "currency (ISO code)", Parse::Str),
        Field::text("issued_on", "issued (YYYY-MM-DD)", Parse::Date),
        Field::text("due_on", "due (YYYY-MM-DD)", Parse::Date),
        Field::toggle("void", "void (cancelled)"),
    ]
}

/// The account's currency: its latest invoice's (the dollar without any).
pub fn currency_of(d: &Account360) -> &str {
    d.invoices.first().map_or("USD", |i| i.currency.as_str())
}

/// A payment of an invoice: what it still owes, today.
pub fn new_payment(c: &Ctx, invoice: &Invoice) -> Form {
    let today = c.today();
    let r = Payment {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        invoice_id: invoice.id,
        amount_cents: invoice.owed_cents(&c.d.payments, today),
        paid_on: today,
        method: "transfer".into(),
    };
    c.form(
        format!("Payment of {} — {}", invoice.number, c.d.account.name),
        Record::Payment(r),
        true,
        payment_fields(),
    )
}

fn payment_fields() -> Vec<Field> {
    vec![
        Field::text("amount_cents", "amount", Parse::Money),
        Field::text("paid_on", "paid on (YYYY-MM-DD)", Parse::Date),
        Field::text("method", "method", Parse::Str),
    ]
}

pub fn new_contact(c: &Ctx) -> Form {
    let r = Contact {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        name: String::new(),
        email: None,
        title: None,
        roles: vec![],
        kind: ContactKind::Crm,
    };
    c.form(
        "New contact".into(),
        Record::Contact(r),
        true,
        contact_fields(),
    )
}

fn contact_fields() -> Vec<Field> {
    vec![
        Field::text("name", "name", Parse::Str).required(),
        Field::text("email", "email", Parse::OptStr),
        Field::text("title", "job title", Parse::OptStr),
        Field::text("roles", "roles (a, b, ...)", Parse::List),
        Field::named("kind", "kind", ContactKind::ALL),
    ]
}

pub fn new_opportunity(c: &Ctx) -> Form {
    let r = Opportunity {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        name: String::new(),
        amount_cents: 0,
        phase: OpportunityPhase::Open,
        owner: c.user.to_string(),
        expansion: true,
        close_date: None,
        description: String::new(),
    };
    c.form(
        "New opportunity".into(),
        Record::Opportunity(r),
        true,
        opportunity_fields(),
    )
}

/// A new expansion opportunity, named and described from a summary's
/// suggestions (the user sets the amount and phase).
pub fn new_expansion(c: &Ctx, name: String, description: String) -> Form {
    let r = Opportunity {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        name,
        amount_cents: 0,
        phase: OpportunityPhase::Open,
        owner: c.user.to_string(),
        expansion: true,
        close_date: None,
        description,
    };
    c.form(
        format!("New expansion opportunity — {}", c.d.account.name),
        Record::Opportunity(r),
        true,
        opportunity_fields(),
    )
}

fn opportunity_fields() -> Vec<Field> {
    vec![
        Field::text("name", "name", Parse::Str).required(),
        Field::text("amount_cents", "amount ($)", Parse::Money),
        Field::named("phase", "phase", OpportunityPhase::ALL),
        Field::text("owner", "owner", Parse::Str),
        Field::toggle("expansion", "expansion"),
        Field::text("close_date", "close (YYYY-MM-DD)", Parse::OptDate),
        Field::area("description", "description", 3, Parse::Str),
    ]
}

/// A new support case, opened now: a number of tend's own (T-account-n) until
/// the helpdesk gives one, the account's region, normal priority.
pub fn new_case(c: &Ctx) -> Form {
    let prefix = format!("T-{}-", c.account());
    // After the highest number of this form already on the account.
    let next =
        c.d.cases
            .iter()
            .filter_map(|x| x.number.strip_prefix(&prefix)?.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
    let r = SupportCase {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        number: format!("{prefix}{next}"),
        subject: String::new(),
        priority: Priority::Normal,
        severity: 3,
        status: CaseStatus::New,
        escalated: false,
        team: String::new(),
        region: c.d.account.region.clone(),
        opened_at: c.now,
        resolved_at: None,
        signals: vec![],
        engineering_issue: None,
        csat: None,
    };
    c.form(
        format!("New support case — {}", c.d.account.name),
        Record::SupportCase(r),
        true,
        case_fields(),
    )
}

fn case_fields() -> Vec<Field> {
    let severities = [
        (1, "1 critical"),
        (2, "2 major"),
        (3, "3 moderate"),
        (4, "4 minor"),
    ]
    .iter()
    .map(|(n, l)| (Value::from(*n), l.to_string()))
    .collect();
    let mut csat = vec![(Value::Null, "not answered".to_string())];
    csat.extend((1..=5u8).map(|n| (Value::from(n), format!("{n}/5"))));
    vec![
        Field::text("number", "case number", Parse::Str).required(),
        Field::text("subject", "subject", Parse::Str).required(),
        Field::named("priority", "priority", Priority::ALL),
        Field::choice("severity", "severity", severities),
        Field::named("status", "status", CaseStatus::ALL),
        Field::toggle("escalated", "escalated"),
        Field::text("team", "support team", Parse::Str),
        Field::text("region", "region", Parse::Str),
        Field::pick(
            "signals",
            "signals",
            Signal::ALL
                .iter()
                .map(|x| (s(x.as_str()), x.as_str().replace('_', " ")))
                .collect(),
        ),
        Field::text("engineering_issue", "engineering issue", Parse::OptStr),
        Field::choice("csat", "CSAT", csat),
    ]
}

pub fn new_document(c: &Ctx) -> Form {
    let r = Document {
        id: 0,
        version: 1,
        created_at: c.now,
        updated_at: c.now,
        source: Source::Ui,
        external_id: None,
        account_id: c.account(),
        title: String::new(),
        kind: String::new(),
        link: String::new(),
        file: None,
    };
    c.form(
        "New document".into(),
        Record::Document(r),
        true,
        document_fields(None),
    )
}

/// A document's fields. The file is a path on this machine, kept by the form:
/// on save the app stores the file, then writes the document with it (a
/// document that keeps one already keeps it when the path is left empty).
fn document_fields(kept: Option<&DocumentFile>) -> Vec<Field> {
    let file_label = match kept {
        Some(f) => format!("replace file ({})", f.name),
        None => "file (a path here)".into(),
    };
    vec![
        Field::text("title", "title", Parse::Str).required(),
        Field::text("kind", "kind (deck, page...)", Parse::Str),
        Field::text("link", "link (URL or path)", Parse::Str),
        Field::text("file", file_label, Parse::OptStr).local(&["link"]),
    ]
}

/// The form that edits a record of the account (None for kinds edited elsewhere).
pub fn edit(c: &Ctx, r: Record) -> Option<Form> {
    let (title, fields) = match &r {
        Record::Interaction(i) => (
            format!("Edit the {} of {}", i.kind, i.at.format("%Y-%m-%d")),
            interaction_fields(c, i.sentiment),
        ),
        Record::Task(t) => (format!("Edit task \"{}\"", t.title), task_fields(c)),
        Record::Project(p) => (format!("Edit project \"{}\"", p.name), project_fields()),
        Record::Agreement(a) => (format!("Edit agreement \"{}\"", a.name), agreement_fields()),
        Record::Contact(p) => (format!("Edit contact {}", p.name), contact_fields()),
        Record::Opportunity(o) => (
            format!("Edit opportunity \"{}\"", o.name),
            opportunity_fields(),
        ),
        Record::Document(d) => (
            format!("Edit document \"{}\"", d.title),
            document_fields(d.file.as_ref()),
        ),
        Record::SupportCase(x) => (format!("Edit case {}", x.number), case_fields()),
        Record::Invoice(x) => (format!("Edit invoice {}", x.number), invoice_fields()),
        Record::Account(_) => return Some(edit_account(c)),
        _ => return None,
    };
    Some(c.form(title, r, false, fields))
}

/// The churn reason's three levels, the first at field `at`: pick lists that
/// follow the level above when the organisation has a tree of reasons (a value
/// from before the tree stays offered), free text when it has none.
fn churn_reason_fields(c: &Ctx, at: usize) -> Vec<Field> {
    let tree = &c.rules.churn_reasons;
    if tree.is_empty() {
        return vec![
            Field::text("churn.reason_category", "churn reason", Parse::OptStr),
            Field::text("churn.reason_subcategory", "  sub-reason", Parse::OptStr),
            Field::text("churn.reason_details", "  detail", Parse::OptStr),
        ];
    }
    let churn = &c.d.account.churn;
    let none = || (Value::Null, "none".to_string());
    let option = |name: &str| (s(name), name.to_string());
    // A stored value the tree no longer has stays offered (with_stored).
    let categories = with_stored(
        std::iter::once(none())
            .chain(tree.categories.iter().map(|k| option(&k.name)))
            .collect(),
        &churn.reason_category,
    );
    let mut reasons = std::collections::BTreeMap::new();
    let mut details = std::collections::BTreeMap::new();
    for k in &tree.categories {
        reasons.insert(
            k.name.clone(),
            std::iter::once(none())
                .chain(k.reasons.iter().map(|r| option(&r.name)))
                .collect(),
        );
        for r in &k.reasons {
            details.insert(
                format!("{} > {}", k.name, r.name),
                std::iter::once(none())
                    .chain(r.details.iter().map(|d| option(d)))
                    .collect(),
            );
        }
    }
    // The stored reason and detail stay offered under the stored category.
    let cat = churn.reason_category.clone().unwrap_or_default();
    let sub = churn.reason_subcategory.clone().unwrap_or_default();
    let under = reasons.remove(&cat).unwrap_or_else(|| vec![none()]);
    reasons.insert(cat.clone(), with_stored(under, &churn.reason_subcategory));
    let key = format!("{cat} > {sub}");
    let under = details.remove(&key).unwrap_or_else(|| vec![none()]);
    details.insert(key, with_stored(under, &churn.reason_details));
    vec![
        Field::choice("churn.reason_category", "churn reason", categories),
        Field::choice("churn.reason_subcategory", "  sub-reason", vec![none()])
            .follows(vec![at], reasons),
        Field::choice("churn.reason_details", "  detail", vec![none()])
            .follows(vec![at, at + 1], details),
    ]
}

/// The goals profile: a pick list of the organisation's profiles (a value from
/// before the list changed stays offered), free text when it has none.
fn goals_profile_field(c: &Ctx) -> Field {
    let profiles = &c.rules.goals_profiles;
    if profiles.is_empty() {
        return Field::text("goals_profile", "goals profile", Parse::OptStr);
    }
    let options = std::iter::once((Value::Null, "none".to_string()))
        .chain(profiles.iter().map(|p| (s(&p.name), p.name.clone())))
        .collect();
    Field::choice(
        "goals_profile",
        "goals profile",
        with_stored(options, &c.d.account.goals_profile),
    )
}

/// The options of a pick list, with the stored value kept as an option of its
/// own (marked) when the list no longer has it.
fn with_stored(mut options: Vec<(Value, String)>, stored: &Option<String>) -> Vec<(Value, String)> {
    if let Some(v) = stored
        && !options.iter().any(|(o, _)| o.as_str() == Some(v))
    {
        options.push((s(v), format!("{v} (not in the list)")));
    }
    options
}

/// One field per custom field of the organisation, as its type asks.
fn custom_fields(rules: &AccountRules) -> Vec<Field> {
    rules
        .custom_fields
        .iter()
        .map(|def| {
            let path = format!("custom_fields.{}", def.name);
            let label = def.title().to_string();
            let field = match def.kind {
                CustomFieldType::Choice => Field::choice(
                    path,
                    label,
                    std::iter::once((Value::Null, "none".to_string()))
                        .chain(def.choices.iter().map(|c| (s(c), c.clone())))
                        .collect(),
                ),
                // The label as defined (the form's labels are narrow): a date or
                // a user name that does not fit says so under the field.
                CustomFieldType::Text
                | CustomFieldType::Number
                | CustomFieldType::Date
                | CustomFieldType::User => Field::text(path, label, Parse::OptStr),
            };
            field.custom(def.clone())
        })
        .collect()
}

/// The account's settings, churn forecast and CSM pulse.
pub fn edit_account(c: &Ctx) -> Form {
    let a = &c.d.account;
    let mut pulses = vec![(Value::Null, "not rated".to_string())];
    for rating in 1..=5u8 {
        // The rating given before keeps its date and author.
        let value = match &a.pulse {
            Some(p) if p.rating == rating => json!(p),
            _ => json!({ "rating": rating, "at": c.now, "by": c.user }),
        };
        let words = ["very bad", "bad", "fair", "good", "very good"][usize::from(rating - 1)];
        pulses.push((value, format!("{rating}/5 {words}")));
    }
    let fields = vec![
        Field::text("name", "name", Parse::Str).required(),
        Field::text("domain", "domain", Parse::OptStr),
        Field::text("external_id", "external id", Parse::OptStr),
        Field::named("stage", "stage", Stage::ALL),
        Field::text("segment", "segment", Parse::Str),
        Field::text("region", "region", Parse::Str),
        Field::text("tags", "tags (a, b, ...)", Parse::List),
        Field::text("owner", "owner", Parse::Str),
        Field::text("team", "team (a, b, ...)", Parse::List),
        Field::text("parent_id", "parent account id", Parse::OptId),
        Field::text("health_profile", "health profile", Parse::OptStr),
        goals_profile_field(c),
        Field::area("focus_areas", "focus (one per line)", 3, Parse::Lines),
        Field::choice("pulse", "CSM pulse", pulses),
        Field::named("churn.likelihood", "churn likelihood", ChurnLikelihood::ALL),
    ];
    let mut fields = fields;
    fields.extend(churn_reason_fields(c, fields.len()));
    fields.extend([
        Field::text(
            "churn.projected_date",
            "projected churn date",
            Parse::OptDate,
        )
        .warn_past(),
        Field::area("churn.description", "churn description", 2, Parse::OptStr),
    ]);
    fields.extend(custom_fields(c.rules));
    c.form(
        format!("Settings of {}", a.name),
        Record::Account(a.clone()),
        false,
        fields,
    )
}

/// Choosing a playbook to run on the account.
pub fn run_playbook(c: &Ctx, playbooks: &[Playbook]) -> Form {
    let options = playbooks
        .iter()
        .map(|p| {
            (
                Value::from(p.id),
                format!("{} ({} steps)", p.name, p.steps.len()),
            )
        })
        .collect();
    let first = playbooks.first();
    let run = first
        .map(|p| PlaybookRun::start(p, c.account(), c.now))
        .unwrap_or_else(|| PlaybookRun {
            id: 0,
            version: 1,
            created_at: c.now,
            updated_at: c.now,
            source: Source::Ui,
            external_id: None,
            account_id: c.account(),
            playbook_id: 0,
            started_at: c.now,
            steps: vec![],
            automatic: true,
        });
    c.form(
        format!("Run a playbook on {}", c.d.account.name),
        Record::PlaybookRun(run),
        true,
        vec![Field::choice("playbook_id", "playbook", options)],
    )
}
