//! Settings: the account's fields, team, tags, parent and children, documents, and
//! its change history (who changed what, from what to what, when).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

use super::list_at;
use crate::backend::Account360;
use crate::domain::*;
use crate::tui::app::{AccountView, Loadable};
use crate::tui::theme::Theme;
use crate::tui::view::message;

/// A change-log value in a few words.
fn short(v: &Option<serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "-".into(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Object(_)) => "(record)".into(),
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

/// A kind of record in a word.
fn entity(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::PlaybookRun => "run",
        EntityKind::SupportCase => "case",
        EntityKind::NpsResponse => "nps",
        other => other.as_str(),
    }
}

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
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
            "health profile",
            acc.health_profile
                .clone()
                .unwrap_or_else(|| "chosen by segment or stage".into()),
        ),
        field("tags", acc.tags.join(", ")),
        field(
            "owner, team",
            format!("{} · {}", acc.owner, acc.team.join(", ")),
        ),
    ];
    for (i, doc) in d.documents.iter().enumerate() {
        let line = field(
            "document",
            format!("{} ({}) {}", doc.title, doc.kind, doc.link),
        );
        lines.push(if i == sel {
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
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), fields);
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
    let today = d.as_of.date_naive();
    list_at(
        f,
        history,
        theme,
        a,
        (
            vec!["WHEN", "WHO", "WHAT", "FIELD", "FROM → TO"],
            vec![
                Constraint::Length(9),
                Constraint::Length(12),
                Constraint::Length(18),
                Constraint::Length(16),
                Constraint::Min(10),
            ],
        ),
        entries.len(),
        sel.checked_sub(1 + d.documents.len()),
        |i| {
            let c = &entries[i];
            let change = match c.action {
                ChangeAction::Update => format!("{} → {}", short(&c.from), short(&c.to)),
                _ => String::new(),
            };
            Row::new(vec![
                Cell::from(crate::format::days_from(today, c.at.date_naive())),
                Cell::from(c.actor.clone()),
                Cell::from(format!(
                    "{} {} #{}",
                    c.action,
                    entity(c.entity),
                    c.record_id
                )),
                Cell::from(c.field.clone().unwrap_or_default()),
                Cell::from(change),
            ])
        },
        "no change recorded yet",
    );
}
