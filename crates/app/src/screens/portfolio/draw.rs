//! The portfolio pane: accounts with health colour, score, trend, MRR, renewal,
//! then as many of owner, stage, segment, region and churn forecast as the pane's
//! width holds (a maximised pane at 200 columns shows them all). Only the visible
//! rows are built: 100k accounts cost what 50 do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use tend_backend::AccountRow;
use tend_domain::{ChurnLikelihood, format};

use crate::app::App;
use crate::state::Focus;
use crate::theme::{Theme, trend_arrow};
use crate::widgets::{health_score, message, pane, selectable, window};

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let p = &app.portfolio;
    let dir = if p.descending { "↓" } else { "↑" };
    let mut title = vec![Span::styled(" Portfolio ", theme.title)];
    title.push(Span::styled(format!("by {} {dir} ", p.sort), theme.dim));
    if let Some(expr) = &p.expr {
        // The store-side filter stays in sight as long as it applies.
        title.push(Span::styled(format!("where {expr} "), theme.accent));
        if p.filter.is_empty()
            && let Some(rows) = p.rows.value()
        {
            title.push(Span::styled(format!("{} ", rows.len()), theme.dim));
        }
    }
    if !p.filter.is_empty() {
        title.push(Span::styled(format!("/{} ", p.filter), theme.accent));
        title.push(Span::styled(format!("{} match ", p.view.len()), theme.dim));
    }
    let block = pane(Line::from(title), theme, app.focus == Focus::Portfolio);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(rows) = crate::widgets::ready(f, app.retry_key(), theme, inner, "portfolio", &p.rows)
    else {
        return;
    };
    if rows.is_empty() {
        let text = empty_text(app);
        return message(f, inner, &text, theme.dim);
    }
    if p.view.is_empty() {
        return message(
            f,
            inner,
            &format!("no account matches \"{}\"", p.filter),
            theme.dim,
        );
    }
    let height = inner.height.saturating_sub(1) as usize;
    let range = window(p.selected, p.view.len(), height, &p.offset);
    let today = app.now.date_naive();
    let extra = columns(inner.width);
    let built: Vec<Row> = p.view[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let r: &AccountRow = &rows[*i];
            let mut cells = vec![
                if app.health_off {
                    Cell::from(Span::styled("  off", theme.dim))
                } else {
                    Cell::from(health_score(r.health_status, r.health_score, 4, theme))
                },
                Cell::from(if app.health_off {
                    ""
                } else {
                    trend_arrow(r.health_trend)
                }),
                Cell::from(r.name.clone()),
                Cell::from(Line::from(format::money(r.mrr_cents)).right_aligned()),
                Cell::from(
                    r.renewal
                        .map(|d| format::days_from(today, d))
                        .unwrap_or_else(|| "-".into()),
                ),
            ];
            cells.extend(extra.iter().map(|c| Cell::from((c.value)(r))));
            selectable(Row::new(cells), range.start + k == p.selected, theme)
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(6),
        Constraint::Length(1),
        Constraint::Length(name_width(inner.width, extra)),
        Constraint::Length(10),
        Constraint::Length(9),
    ];
    let mut header = vec!["HEALTH", "", "ACCOUNT", "MRR", "RENEWAL"];
    for c in extra {
        widths.push(Constraint::Length(c.width));
        header.push(c.title);
    }
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
}

/// A column shown when the width allows.
struct Column {
    title: &'static str,
    width: u16,
    value: fn(&AccountRow) -> String,
}

/// The columns after the renewal, most wanted first.
const EXTRA: [Column; 6] = [
    Column {
        title: "OWNER",
        width: 12,
        value: |r| r.owner.clone(),
    },
    Column {
        title: "STAGE",
        width: 10,
        value: |r| r.stage.to_string(),
    },
    Column {
        title: "SEGMENT",
        width: 10,
        value: |r| r.segment.clone(),
    },
    Column {
        title: "REGION",
        width: 6,
        value: |r| r.region.clone(),
    },
    Column {
        title: "CHURN",
        width: 9,
        value: |r| match r.churn_likelihood {
            ChurnLikelihood::None => String::new(),
            c => c.to_string(),
        },
    },
    Column {
        title: "TAGS",
        width: 30,
        value: |r| r.tags.join(", "),
    },
];

/// The account name keeps at least this many columns before another column shows.
const NAME_ROOM: u16 = 22;
/// The account name's column at most: past it the room is left at the right, not
/// put between a name and its figures.
const NAME_MAX: u16 = 40;

/// The width of the fixed columns but the name, and of the spaces between all.
const FIXED: u16 = 6 + 1 + 10 + 9 + 4;

/// The account name's column: what the other columns leave, 12 to `NAME_MAX`.
fn name_width(width: u16, extra: &[Column]) -> u16 {
    let others: u16 = extra.iter().map(|c| c.width + 1).sum();
    width.saturating_sub(FIXED + others).clamp(12, NAME_MAX)
}

/// The extra columns a table `width` wide shows: each in turn while the name keeps
/// its room (at 78 columns owner and stage, at 98 segment and region too).
fn columns(width: u16) -> &'static [Column] {
    let mut used = FIXED + NAME_ROOM;
    let mut n = 0;
    for c in &EXTRA {
        used += c.width + 1;
        if used > width {
            break;
        }
        n += 1;
    }
    &EXTRA[..n]
}

/// What an empty portfolio means: the filter matched nothing (and how to undo
/// it), only churned accounts are left out, or the store is empty.
fn empty_text(app: &App) -> String {
    use crate::keys::{Action, Screen};
    let p = &app.portfolio;
    let key = |a: Action| app.keys.key_for(Screen::Portfolio, a);
    match (&p.expr, p.churned_out()) {
        (Some(expr), _) => format!(
            "no account matches where {expr}{}",
            key(Action::Where)
                .map(|k| format!(" — {k} changes it"))
                .unwrap_or_default()
        ),
        (None, true) => format!(
            "no account but churned ones{}",
            key(Action::Churned)
                .map(|k| format!(" — {k} shows them"))
                .unwrap_or_default()
        ),
        (None, false) => "no accounts yet: tend import FILE, or tend demo".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(width: u16) -> Vec<&'static str> {
        columns(width).iter().map(|c| c.title).collect()
    }

    #[test]
    fn columns_follow_the_width() {
        assert!(titles(58).is_empty());
        assert_eq!(titles(78), ["OWNER", "STAGE"]);
        assert_eq!(titles(98), ["OWNER", "STAGE", "SEGMENT", "REGION"]);
        assert_eq!(titles(198).len(), EXTRA.len());
        // The name takes what is left, up to a point.
        assert_eq!(name_width(58, columns(58)), 28);
        assert_eq!(name_width(78, columns(78)), 24);
        assert_eq!(name_width(198, columns(198)), NAME_MAX);
    }
}
