//! Settings: the account's fields, team, tags, parent and children, documents, and
//! its change history (who changed what, from what to what, when).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};
use tend_backend::Account360;
use tend_domain::*;

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::list_at;
use crate::screens::account::state::AccountView;
use crate::state::{Command, Loadable};
use crate::theme::Theme;
use crate::widgets::message;

/// A change-log value in a few words.
fn short(v: &Option<serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "-".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(o)) => {
            let fields: Vec<String> = o
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k}={}", short(&Some(v.clone()))))
                .collect();
            if fields.is_empty() {
                "-".into()
            } else {
                fields.join(", ")
            }
        }
        Some(serde_json::Value::Array(items)) => {
            let words: Vec<String> = items
                .iter()
                .map(|x| match x {
                    serde_json::Value::String(s) => s.clone(),
                    // Playbook steps say their state; other records their title.
                    serde_json::Value::Object(o) => ["state", "title", "name"]
                        .iter()
                        .find_map(|k| o.get(*k).and_then(|v| v.as_str()))
                        .unwrap_or("…")
                        .to_string(),
                    other => other.to_string(),
                })
                .collect();
            if words.is_empty() {
                "none".into()
            } else {
                words.join(", ")
            }
        }
        Some(other) => other.to_string(),
    }
}

/// What an update changed: for a field holding a record of its own (`churn`),
/// each of its fields that moved, old and new ("likelihood none → at_risk;
/// projected_date - → 2027-06-30"); for any other, old → new.
fn change(from: &Option<serde_json::Value>, to: &Option<serde_json::Value>) -> String {
    use serde_json::Value;
    let empty = serde_json::Map::new();
    let object = |v: &Option<Value>| match v {
        Some(Value::Object(o)) => Some(o.clone()),
        None | Some(Value::Null) => Some(empty.clone()),
        _ => None,
    };
    let nested = matches!(from, Some(Value::Object(_))) || matches!(to, Some(Value::Object(_)));
    match (nested, object(from), object(to)) {
        (true, Some(old), Some(new)) => {
            let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
            keys.sort();
            keys.dedup();
            let moved: Vec<String> = keys
                .into_iter()
                .filter(|k| old.get(*k) != new.get(*k))
                .map(|k| {
                    format!(
                        "{k} {} → {}",
                        short(&old.get(k).cloned()),
                        short(&new.get(k).cloned())
                    )
                })
                .collect();
            if moved.is_empty() {
                "no change".into()
            } else {
                moved.join("; ")
            }
        }
        _ => format!("{} → {}", short(from), short(to)),
    }
}

/// When a change was made, in local time: "14:05" today, "Nov 28 09:12" before.
fn when(at: Timestamp, now: Timestamp) -> String {
    let local = at.with_timezone(&chrono::Local);
    if local.date_naive() == now.with_timezone(&chrono::Local).date_naive() {
        local.format("today %H:%M").to_string()
    } else {
        local.format("%b %d %H:%M").to_string()
    }
}

/// A kind of record in a word.
fn entity(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::PlaybookRun => "run",
        EntityKind::SupportCase => "case",
        EntityKind::NpsResponse => "nps",
        other => other.as_str(),
    }
}

pub fn draw(
    f: &mut Frame,
    a: &AccountView,
    d: &Account360,
    rules: &AccountRules,
    theme: &Theme,
    area: Rect,
) {
    let acc = &d.account;
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:>15}  "), theme.dim),
            Span::raw(if v.is_empty() { "-".into() } else { v }),
        ])
    };
    let sel = a.selected();
    let mut lines = vec![
        if sel == 0 {
            field("name", acc.name.clone()).style(theme.selected)
        } else {
            field("name", acc.name.clone())
        },
        field("domain", acc.domain.clone().unwrap_or_default()),
        field("external id", acc.external_id.clone().unwrap_or_default()),
        field(
            "parent",
            d.parent
                .as_ref()
                .map(|p| format!("{} (P jumps there)", p.name))
                .unwrap_or_default(),
        ),
        field(
            "subsidiaries",
            d.children
                .iter()
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        field(
            "stage, region",
            format!("{} · {} · {}", acc.stage, acc.segment, acc.region),
        ),
        field(
            "profiles",
            format!(
                "health {} · goals {}",
                acc.health_profile
                    .as_deref()
                    .unwrap_or("chosen by segment or stage"),
                acc.goals_profile.as_deref().unwrap_or("none"),
            ),
        ),
    ];
    // The goals the profile means, when the organisation defines them.
    if let Some(goals) = acc
        .goals_profile
        .as_deref()
        .and_then(|p| rules.goals_profile(p))
        .filter(|p| !p.goals.is_empty())
    {
        lines.push(field("goals", goals.goals.join(" · ")));
    }
    lines.extend([
        field("tags", acc.tags.join(", ")),
        field(
            "owner, team",
            format!("{} · {}", acc.owner, acc.team.join(", ")),
        ),
    ]);
    let churn = &acc.churn;
    let reason: Vec<&str> = [
        &churn.reason_category,
        &churn.reason_subcategory,
        &churn.reason_details,
    ]
    .into_iter()
    .filter_map(|r| r.as_deref())
    .collect();
    if !reason.is_empty() || !rules.churn_reasons.is_empty() {
        lines.push(field(
            "churn reason",
            if reason.is_empty() {
                churn.likelihood.to_string()
            } else {
                format!("{} · {}", churn.likelihood, reason.join(" > "))
            },
        ));
    }
    // The organisation's custom fields (e edits them), then any a source loaded.
    for (label, value) in rules.values(acc) {
        let label: String = label.chars().take(15).collect();
        lines.push(field(&label, value.to_string()));
    }
    let documents_from = lines.len();
    for (i, doc) in d.documents.iter().enumerate() {
        let what = match &doc.file {
            Some(file) => format!("{} · {}", file.name, tend_domain::format::bytes(file.size)),
            None => doc.link.clone(),
        };
        let line = field("document", format!("{} ({}) {what}", doc.title, doc.kind));
        // The first line (the name) is row 0: documents start at row 1, as
        // the selected record and a citation count them.
        lines.push(if i + 1 == sel {
            line.style(theme.selected)
        } else {
            line
        });
    }
    let [fields, history] = Layout::vertical([
        Constraint::Length(lines.len() as u16 + 1),
        Constraint::Min(3),
    ])
    .areas(area);
    // More lines than rows (a narrow pane, many custom fields or documents): the
    // selected line stays in sight, and the last row says what is below.
    let rows = fields.height as usize;
    let total = lines.len();
    let mut skip = 0;
    if total > rows && rows > 1 {
        let selected = match sel {
            0 => 0,
            n => documents_from + n - 1,
        };
        skip = (selected + 2).saturating_sub(rows).min(total - (rows - 1));
        let below = total - skip - (rows - 1);
        if below > 0 {
            lines.truncate(skip + rows - 1);
            lines.push(Line::from(Span::styled(
                format!(
                    "{:>15}  {below} more line{} (j moves down)",
                    "↓",
                    if below == 1 { "" } else { "s" }
                ),
                theme.dim,
            )));
        }
    }
    f.render_widget(
        Paragraph::new(lines.split_off(skip)).wrap(Wrap { trim: false }),
        fields,
    );
    let entries = match &a.history {
        Loadable::Ready { value, .. } => value,
        Loadable::Failed(e) => {
            return message(
                f,
                history,
                &format!("could not load the history: {e}"),
                theme.error,
            );
        }
        _ => return message(f, history, "loading the change history…", theme.dim),
    };
    let now = d.as_of;
    let what = |c: &ChangeLogEntry| format!("{} {} #{}", c.action, entity(c.entity), c.record_id);
    // Wide enough for every id in full.
    let what_width = entries
        .iter()
        .map(|c| what(c).chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 32) as u16;
    list_at(
        f,
        history,
        theme,
        a,
        (
            vec!["WHEN", "WHO", "WHAT", "FIELD", "FROM → TO"],
            vec![
                Constraint::Length(12),
                Constraint::Length(12),
                Constraint::Length(what_width),
                Constraint::Length(16),
                Constraint::Min(10),
            ],
        ),
        entries.len(),
        sel.checked_sub(1 + d.documents.len()),
        |i| {
            let c = &entries[i];
            let change = match c.action {
                ChangeAction::Update => change(&c.from, &c.to),
                _ => String::new(),
            };
            Row::new(vec![
                Cell::from(when(c.at, now)),
                Cell::from(c.actor.clone()),
                Cell::from(what(c)),
                Cell::from(c.field.clone().unwrap_or_default()),
                Cell::from(change),
            ])
        },
        "no change recorded yet",
    );
}

/// What the Settings tab offers beyond the keys every tab shares: the account's
/// fields (its first line) and its documents, which open outside tend.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
    Offer::plain(Action::Open),
    Offer::plain(Action::OpenDocument),
];

/// A key the Settings tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::New => Some(app.open_form(|c| Some(forms::new_document(c)))),
        Action::Edit if app.account.as_ref()?.selected() == 0 => {
            Some(app.open_form(|c| Some(forms::edit_account(c))))
        }
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        Action::Open | Action::OpenDocument => Some(open_document(app)),
        _ => None,
    }
}

/// `Enter` or `o` on a document: its link, or its file fetched from the store,
/// opened outside tend, behind the screen (the footer says how it went).
fn open_document(app: &mut App) -> Vec<Command> {
    let document = app.account.as_ref().and_then(|a| {
        let d = a.data.value()?;
        d.documents.get(a.selected().checked_sub(1)?).cloned()
    });
    let Some(document) = document else {
        app.status = Some("select a document to open it".into());
        return vec![];
    };
    if document.file.is_none() && document.link.trim().is_empty() {
        app.status = Some(format!(
            "\"{}\" has neither a link nor a file to open",
            document.title
        ));
        return vec![];
    }
    app.status = Some(match &document.file {
        Some(file) => format!("fetching {}…", file.name),
        None => format!("opening {}…", document.link),
    });
    app.opening = Some(document.title.clone());
    let cache = app
        .files_cache
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("tend-files"));
    vec![Command::OpenDocument {
        document: Box::new(document),
        cache,
        opener: app.opener.clone(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_nested_field_says_what_moved_in_it() {
        let from = Some(json!({"likelihood": "none", "reason": null, "projected_date": null}));
        let to =
            Some(json!({"likelihood": "at_risk", "reason": null, "projected_date": "2027-06-30"}));
        assert_eq!(
            change(&from, &to),
            "likelihood none → at_risk; projected_date - → 2027-06-30"
        );
        assert_eq!(
            change(&Some(json!("adoption")), &Some(json!("renewal"))),
            "adoption → renewal"
        );
        assert_eq!(change(&None, &Some(json!({"a": 1}))), "a - → 1");
        assert_eq!(short(&Some(json!({"a": 1, "b": null}))), "a=1");
    }
}
