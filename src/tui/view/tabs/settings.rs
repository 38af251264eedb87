//! Settings: the account's fields, team, tags, parent and children, documents.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::backend::Account360;
use crate::tui::app::AccountView;
use crate::tui::theme::Theme;

pub fn draw(f: &mut Frame, _a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let acc = &d.account;
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:>16}  "), theme.dim),
            Span::raw(if v.is_empty() { "-".into() } else { v }),
        ])
    };
    let mut lines = vec![
        field("name", acc.name.clone()),
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
        field("stage", acc.stage.to_string()),
        field("segment", acc.segment.clone()),
        field("region", acc.region.clone()),
        field(
            "health profile",
            acc.health_profile
                .clone()
                .unwrap_or_else(|| "chosen by segment or stage".into()),
        ),
        field("tags", acc.tags.join(", ")),
        field("owner", acc.owner.clone()),
        field("team", acc.team.join(", ")),
    ];
    if !d.documents.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Documents", theme.header));
        for doc in &d.documents {
            lines.push(Line::from(vec![
                Span::raw(format!("{} ", doc.title)),
                Span::styled(format!("({}) {}", doc.kind, doc.link), theme.dim),
            ]));
        }
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}
