//! The portfolio pane: accounts with health colour and score, then the name and
//! the columns of the set on screen (see [`super::columns`]), as many as the
//! pane's width holds (a maximised pane at 200 columns shows the default set
//! whole). Only the visible rows are built: 100k accounts cost what 50 do.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};
use tend_backend::AccountRow;
use tend_domain::{ChurnLikelihood, format};

use super::columns::{Column, HEALTH_WIDTH, fit};
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
    let fitted = fit(&p.columns.shown, inner.width);
    let built: Vec<Row> = p.view[range.clone()]
        .iter()
        .enumerate()
        .map(|(k, i)| {
            let r: &AccountRow = &rows[*i];
            let mut cells = vec![if app.health_off {
                Cell::from(Span::styled("  off", theme.dim))
            } else {
                Cell::from(health_score(r.health_status, r.health_score, 4, theme))
            }];
            if fitted.trend {
                cells.push(Cell::from(if app.health_off {
                    ""
                } else {
                    trend_arrow(r.health_trend)
                }));
            }
            cells.push(Cell::from(r.name.clone()));
            cells.extend(fitted.after.iter().map(|c| cell(*c, r, app, today)));
            selectable(Row::new(cells), range.start + k == p.selected, theme)
        })
        .collect();
    let mut widths = vec![Constraint::Length(HEALTH_WIDTH)];
    let mut header = vec!["HEALTH"];
    if fitted.trend {
        widths.push(Constraint::Length(Column::Trend.width()));
        header.push(Column::Trend.title());
    }
    widths.push(Constraint::Length(fitted.name_width));
    header.push("ACCOUNT");
    for c in &fitted.after {
        widths.push(Constraint::Length(c.width()));
        header.push(c.title());
    }
    let table = Table::new(built, widths)
        .header(Row::new(header).style(theme.header))
        .column_spacing(1);
    f.render_widget(table, inner);
}

/// A row's cell in a column after the name.
fn cell(c: Column, r: &AccountRow, app: &App, today: NaiveDate) -> Cell<'static> {
    let text = match c {
        Column::Trend => trend_arrow(r.health_trend).to_string(),
        Column::Mrr => return Cell::from(Line::from(format::money(r.mrr_cents)).right_aligned()),
        Column::Arr => {
            let arr = format::money(r.mrr_cents.saturating_mul(12));
            return Cell::from(Line::from(arr).right_aligned());
        }
        Column::Renewal => r
            .renewal
            .map(|d| format::days_from(today, d))
            .unwrap_or_else(|| "-".into()),
        Column::Owner => r.owner.clone(),
        Column::Stage => r.stage.to_string(),
        Column::Segment => r.segment.clone(),
        Column::Region => r.region.clone(),
        Column::Churn => match r.churn_likelihood {
            ChurnLikelihood::None => String::new(),
            c => c.to_string(),
        },
        Column::Tags => r.tags.join(", "),
        Column::Domain => r.domain.clone().unwrap_or_default(),
        // A parent outside the rows loaded (and before every account is) is
        // named by its number, as `tend account ID` takes it.
        Column::Parent => match r.parent_id {
            None => String::new(),
            Some(id) => app
                .portfolio
                .parents
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("#{id}")),
        },
    };
    Cell::from(text)
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
