//! The Summary tab: what shows and since when, then the sections as a reader
//! (bullets, citations dimmed, notes in italics), beside a list of the section
//! titles when the pane is wide enough.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tend_backend::Account360;
use tend_backend::summary::SectionChange;

use crate::app::App;
use crate::screens::account::cite::compact;
use crate::screens::account::state::AccountView;
use crate::screens::account::summary::{Shown, SummaryView, Version, shown, statements};
use crate::theme::Theme;
use crate::widgets::{keep_in_view, message, wrap};

/// From this width the section titles list beside the reader.
const WITH_TITLES: u16 = 90;
/// The width of the section titles list (the longest title and a count).
const TITLES: u16 = 38;

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let v = &a.summary;
    let [head, keys, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(area);
    let Some(s) = shown(v, d) else {
        f.render_widget(Line::from(progress(v, theme)), head);
        f.render_widget(key_line(app, theme, keys.width), keys);
        let (text, style) = match (&v.generating, &v.failed) {
            (Some(_), _) => ("⟳ Generating summary…".to_string(), theme.accent),
            (None, Some(e)) => (
                format!("could not generate the summary: {e} — g to try again"),
                theme.error,
            ),
            (None, None) => (
                "No saved summary for this account — g generates one".to_string(),
                theme.dim,
            ),
        };
        return message(f, body, &text, style);
    };
    let changes = s.changes(d);
    f.render_widget(head_line(v, &s, &changes, theme), head);
    f.render_widget(key_line(app, theme, keys.width), keys);
    let (titles, reader) = if body.width >= WITH_TITLES {
        let [t, r] =
            Layout::horizontal([Constraint::Length(TITLES), Constraint::Min(10)]).areas(body);
        (Some(t), r)
    } else {
        (None, body)
    };
    let (lines, cursor) = reader_lines(v, &s, &changes, theme, usize::from(reader.width));
    if let Some(t) = titles {
        draw_titles(f, v, &s, &changes, theme, t);
    }
    let height = usize::from(reader.height);
    let top = keep_in_view(cursor, lines.len(), height, &v.offset);
    let shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    f.render_widget(Paragraph::new(shown), reader);
}

/// What shows, since when, and what is under way.
fn head_line<'a>(v: &SummaryView, s: &Shown, changes: &[SectionChange], theme: &Theme) -> Line<'a> {
    let mut spans = progress(v, theme);
    if !spans.is_empty() {
        spans.push(Span::styled(" · ", theme.dim));
    }
    let (at, of) = s.place;
    match s.version {
        Version::Draft(x) => {
            spans.push(Span::styled(
                format!(
                    "Generated {}{}",
                    x.summary.generated_at.format("%Y-%m-%d %H:%M"),
                    if x.reworded {
                        " · reworded by the language model"
                    } else {
                        ""
                    }
                ),
                theme.title,
            ));
            spans.push(Span::styled(" · not saved", theme.warning));
        }
        Version::Saved(_, saved) => spans.push(Span::styled(
            format!(
                "Saved {} by {}",
                saved.generated_at.format("%Y-%m-%d %H:%M"),
                if saved.author.is_empty() {
                    "someone"
                } else {
                    saved.author.as_str()
                }
            ),
            theme.title,
        )),
    }
    if of > 1 {
        spans.push(Span::styled(format!(" · {} of {of}", at + 1), theme.dim));
    }
    match s.older {
        Some(o) => {
            let (added, removed) = changes
                .iter()
                .fold((0, 0), |(a, r), c| (a + c.added.len(), r + c.removed.len()));
            let since = o.generated_at.format("%Y-%m-%d");
            spans.push(Span::styled(
                if added + removed == 0 {
                    format!(" · no change since {since}")
                } else {
                    format!(" · changes since {since}: +{added} -{removed}")
                },
                theme.accent,
            ));
        }
        None if matches!(s.version, Version::Saved(..)) => {
            spans.push(Span::styled(" · the first saved", theme.dim));
        }
        None => {}
    }
    if let Some(said) = &v.said {
        spans.push(Span::styled(format!(" · {said}"), theme.warning));
    }
    Line::from(spans)
}

/// The work under way: generating, rewording.
fn progress<'a>(v: &SummaryView, theme: &Theme) -> Vec<Span<'a>> {
    let mut spans = vec![];
    if v.generating.is_some() {
        spans.push(Span::styled("⟳ Generating summary…", theme.accent));
    }
    if let Some(r) = &v.rewording {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", theme.dim));
        }
        spans.push(Span::styled(
            format!(
                "⟳ Rewording {}/{}…{} Esc cancels",
                (r.section + 1).min(r.total.max(1)),
                r.total,
                if r.chars > 0 {
                    format!(" ({} characters)", r.chars)
                } else {
                    String::new()
                }
            ),
            theme.accent,
        ));
    }
    spans
}

/// The tab's keys, as its second line says them (the footer has no room for
/// them below 120 columns).
fn key_line<'a>(app: &App, theme: &Theme, width: u16) -> Line<'a> {
    let mut parts = vec!["g generate", "Enter open cited", "[ ] versions", "r reword"];
    if !app.read_only {
        parts.insert(1, "s save");
        parts.insert(4, "x expansion");
    }
    // Each part whole or not at all.
    let mut text = String::new();
    for p in parts {
        let sep = if text.is_empty() { "" } else { " · " };
        if text.chars().count() + sep.chars().count() + p.chars().count() <= usize::from(width) {
            text.push_str(sep);
            text.push_str(p);
        }
    }
    Line::styled(text, theme.dim)
}

/// The sections as lines: a header each, its statements as bullets (added since
/// the saved one before marked `+`, removed ones after them marked `-`), its
/// note in italics. Also the lines of the statement under the cursor.
fn reader_lines<'a>(
    v: &SummaryView,
    s: &Shown,
    changes: &[SectionChange],
    theme: &Theme,
    width: usize,
) -> (Vec<Line<'a>>, (usize, usize)) {
    let total = statements(&s.summary).len();
    let cursor = v.cursor.min(total.saturating_sub(1));
    let italic = theme.dim.add_modifier(Modifier::ITALIC);
    let mut lines: Vec<Line> = vec![];
    let mut at = (0, 0);
    let mut n = 0;
    for (i, sec) in s.summary.sections.iter().enumerate() {
        if i > 0 {
            lines.push(Line::raw(""));
        }
        let change = changes.iter().find(|c| c.id == sec.id);
        let mut header = vec![Span::styled(sec.title.clone(), theme.header)];
        if let Some(c) = change {
            header.push(Span::styled(
                format!("  +{} -{}", c.added.len(), c.removed.len()),
                theme.accent,
            ));
        }
        let title_at = lines.len();
        lines.push(Line::from(header));
        for (k, st) in sec.statements.iter().enumerate() {
            let added = change.is_some_and(|c| c.added.contains(&st.text));
            let here = total > 0 && n == cursor;
            let (text_style, cite_style) = if here {
                (theme.selected, theme.selected)
            } else if added {
                (theme.positive, theme.dim)
            } else {
                (theme.base, theme.dim)
            };
            let mut words = vec![(st.text.clone(), text_style)];
            for c in compact(&st.citations) {
                words.push((c, cite_style));
            }
            let bullet = if added { "+ " } else { "• " };
            let first = Span::styled(bullet, if added { theme.positive } else { theme.dim });
            let start = lines.len();
            lines.extend(wrap(&words, width, first, Span::raw("  ")));
            if here {
                // A section's first statement brings its title into view too.
                at = (if k == 0 { title_at } else { start }, lines.len());
            }
            n += 1;
        }
        if let Some(c) = change {
            for gone in &c.removed {
                let style = theme.dim.add_modifier(Modifier::CROSSED_OUT);
                lines.extend(wrap(
                    &[(gone.clone(), style)],
                    width,
                    Span::styled("- ", theme.dim),
                    Span::raw("  "),
                ));
            }
        }
        if let Some(note) = &sec.note {
            lines.extend(wrap(
                &[(note.clone(), italic)],
                width,
                Span::raw("  "),
                Span::raw("  "),
            ));
        }
    }
    (lines, at)
}

/// The section titles, each with its number of statements; the one the cursor
/// is in highlighted, those that changed marked.
fn draw_titles(
    f: &mut Frame,
    v: &SummaryView,
    s: &Shown,
    changes: &[SectionChange],
    theme: &Theme,
    area: Rect,
) {
    let here = crate::screens::account::summary::under_cursor(v, &s.summary).map(|(i, _)| i);
    // A column left blank before the reader.
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = s
        .summary
        .sections
        .iter()
        .enumerate()
        .map(|(i, sec)| {
            let changed = changes.iter().any(|c| c.id == sec.id);
            let count = sec.statements.len().to_string();
            let mark = if changed { "*" } else { " " };
            let room = width.saturating_sub(count.len() + 2);
            let title: String = sec.title.chars().take(room).collect();
            let text = format!("{mark}{title:<room$} {count}");
            let style: Style = if Some(i) == here {
                theme.selected
            } else if sec.statements.is_empty() {
                theme.dim
            } else {
                theme.base
            };
            Line::styled(text, style)
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}
