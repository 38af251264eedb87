//! Small pieces every screen draws with: panes, windows of rows, scores,
//! "updated N ago", messages in place of a list.

use std::cell::Cell;
use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tend_domain::Timestamp;

use crate::state::Loadable;
use crate::theme::Theme;

/// A centred rectangle.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// "3 min ago", "2 h ago", "just now".
pub fn ago(now: Timestamp, then: Timestamp) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

/// The rows of a list to draw: keeps the selection visible, moving the window as
/// little as possible (the window's start is remembered between frames).
pub fn window(selected: usize, len: usize, height: usize, offset: &Cell<usize>) -> Range<usize> {
    if height == 0 || len == 0 {
        offset.set(0);
        return 0..0;
    }
    let mut start = offset.get().min(len.saturating_sub(1));
    if selected < start {
        start = selected;
    } else if selected >= start + height {
        start = selected + 1 - height;
    }
    start = start.min(len.saturating_sub(height));
    offset.set(start);
    start..(start + height).min(len)
}

/// A block with the theme's border, focused or not.
pub fn pane<'a>(title: impl Into<Line<'a>>, theme: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(title)
}

/// A list's row, in the selection's colours when it is the selected one.
pub fn selectable<'a>(
    row: ratatui::widgets::Row<'a>,
    selected: bool,
    theme: &Theme,
) -> ratatui::widgets::Row<'a> {
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}

/// A health mark and whole score (`width` digits, right-aligned) in the status's
/// colour, as lists show an account's health.
pub fn health_score(
    status: Option<tend_domain::HealthStatus>,
    score: Option<f64>,
    width: usize,
    theme: &Theme,
) -> Span<'static> {
    Span::styled(
        format!(
            "{} {:>width$}",
            crate::theme::health_mark(status),
            whole(score)
        ),
        theme.health(status),
    )
}

/// A score as lists show it: whole points, rounded (the CLI's rule too).
pub fn whole(s: Option<f64>) -> String {
    tend_domain::format::score(s)
}

/// A centred message for a loading, empty or failed pane.
/// The value of a load once it is in (`retry`: the key that loads it again); until then draws "loading the {what}…", or
/// why it failed with the key that retries, in `area`, and gives `None`.
pub fn ready<'a, T>(
    f: &mut Frame,
    retry: Option<String>,
    theme: &Theme,
    area: Rect,
    what: &str,
    load: &'a Loadable<T>,
) -> Option<&'a T> {
    match load {
        Loadable::Ready { value, .. } => Some(value),
        Loadable::Failed(e) => {
            let retry = retry
                .map(|k| format!(" — {k} to retry"))
                .unwrap_or_default();
            let text = format!("could not load the {what}: {e}{retry}");
            message(f, area, &text, theme.error);
            None
        }
        _ => {
            message(f, area, &format!("loading the {what}…"), theme.dim);
            None
        }
    }
}

pub fn message(f: &mut Frame, area: Rect, text: &str, style: Style) {
    let y = area.y + area.height / 2;
    let r = Rect::new(area.x, y, area.width, 1.min(area.height));
    f.render_widget(
        Paragraph::new(text.to_string())
            .style(style)
            .alignment(ratatui::layout::Alignment::Center),
        r,
    );
}

/// Words with their styles laid out in lines of at most `width` columns: the
/// first line after `first` (a bullet), the others after `rest` (as wide, to
/// hang under the text). A word longer than a line is cut.
pub fn wrap(
    words: &[(String, Style)],
    width: usize,
    first: Span<'static>,
    rest: Span<'static>,
) -> Vec<Line<'static>> {
    let mut lines = vec![];
    let mut line: Vec<Span<'static>> = vec![first];
    let mut used = line[0].width();
    let mut empty = true;
    let indent = rest.width();
    for (text, style) in words {
        for word in text.split_whitespace() {
            let mut word = word.to_string();
            loop {
                let w = Span::raw(word.as_str()).width();
                let gap = usize::from(!empty);
                if used + gap + w <= width {
                    if gap == 1 {
                        line.push(Span::styled(" ", *style));
                    }
                    line.push(Span::styled(word, *style));
                    used += gap + w;
                    empty = false;
                    break;
                }
                if !empty {
                    lines.push(Line::from(std::mem::take(&mut line)));
                    line.push(rest.clone());
                    used = indent;
                    empty = true;
                    continue;
                }
                // Alone on its line and still too long: cut it.
                let room = width.saturating_sub(used).max(1);
                let head: String = word.chars().take(room).collect();
                let tail: String = word.chars().skip(room).collect();
                line.push(Span::styled(head, *style));
                lines.push(Line::from(std::mem::take(&mut line)));
                line.push(rest.clone());
                used = indent;
                if tail.is_empty() {
                    break;
                }
                word = tail;
            }
        }
    }
    if !empty || lines.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

/// The lines `start..end` of `total` keep in view in `height` rows: the first
/// line shown, moving as little as possible from the last frame's.
pub fn keep_in_view(
    (start, end): (usize, usize),
    total: usize,
    height: usize,
    offset: &Cell<usize>,
) -> usize {
    let mut top = offset.get();
    if end > top + height {
        top = end.saturating_sub(height);
    }
    if start < top {
        top = start;
    }
    top = top.min(total.saturating_sub(height));
    offset.set(top);
    top
}
