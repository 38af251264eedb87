//! A chart of a year by month, as the Support and Financials views draw it: a
//! header naming the months by their initial, then one line a measure (its
//! label, a bar a month, what it adds up to).

use std::borrow::Cow;

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use crate::app::App;
use crate::theme::Theme;

/// The width of a line's label.
const LABEL: u16 = 16;

/// A label in its column, cut short (…) to leave a space before the bars.
fn label(text: &str) -> String {
    let room = LABEL as usize - 1;
    match text.chars().count() > room {
        true => format!("{}… ", text.chars().take(room - 1).collect::<String>()),
        false => format!("{text:<w$}", w = LABEL as usize),
    }
}

/// One measure: its label, a value a month (None: no data that month, a dot),
/// the value of a full bar (None: the largest shown), what it says after.
pub type MonthLine<'a> = (Cow<'a, str>, Vec<Option<u64>>, Option<u64>, String);

/// Draws `title` over `months` (the first day of each, oldest first; `note`
/// after their range), then a line a measure, in rows of `area` from the top.
pub fn draw(
    f: &mut Frame,
    app: &App,
    theme: &Theme,
    area: Rect,
    (title, months, note): (&str, &[NaiveDate], &str),
    lines: Vec<MonthLine>,
) {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return;
    };
    let rows = Layout::vertical(vec![Constraint::Length(1); lines.len() + 1]).split(area);
    let initials: String = months
        .iter()
        .map(|m| m.format("%b").to_string().chars().next().unwrap_or(' '))
        .collect();
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(label(title), theme.header),
            Span::styled(initials, theme.dim),
            Span::styled(
                format!(
                    "  {} – {}{note}",
                    first.format("%b %Y"),
                    last.format("%b %Y")
                ),
                theme.dim,
            ),
        ])),
        rows[0],
    );
    for ((label, data, max, said), row) in lines.into_iter().zip(rows.iter().skip(1)) {
        let [l, spark, text] = Layout::horizontal([
            Constraint::Length(LABEL),
            Constraint::Length(months.len() as u16),
            Constraint::Min(0),
        ])
        .areas(*row);
        f.render_widget(Span::styled(self::label(&label), theme.dim), l);
        let mut s = Sparkline::default()
            .data(data)
            .bar_set(crate::screens::account::bars(app))
            .absent_value_symbol(if app.ascii { "." } else { "·" })
            .absent_value_style(theme.dim)
            .style(theme.accent);
        if let Some(max) = max {
            s = s.max(max);
        }
        f.render_widget(s, spark);
        f.render_widget(Span::raw(format!("  {said}")), text);
    }
}
