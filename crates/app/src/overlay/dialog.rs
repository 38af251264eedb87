//! Forms and questions drawn over the screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tend_domain::*;

use crate::form::{Field, Form, FormState, Input};
use crate::overlay::Confirm;
use crate::theme::Theme;
use crate::widgets::centered;

/// Width of the label column.
const LABEL: u16 = 22;

/// A question before writing (with the name to type, for deleting an account).
pub fn draw_confirm(f: &mut Frame, c: &Confirm, theme: &Theme, area: Rect) {
    let mut lines: Vec<Line> = c.lines.iter().map(|l| Line::raw(l.clone())).collect();
    if let Some(name) = &c.typed {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("name: ", theme.key),
            Span::raw(c.input.clone()),
            Span::styled("▏", theme.accent),
        ]));
        let hint = if c.input.trim() == name {
            Span::styled("Enter deletes it · Esc keeps it", theme.error)
        } else {
            Span::styled("Esc keeps it", theme.dim)
        };
        lines.push(Line::from(hint));
    }
    popup(f, theme, area, &c.title, lines, theme.warning);
}

/// A write the store refused because the screen was stale.
pub fn draw_notice(f: &mut Frame, notice: &str, theme: &Theme, area: Rect) {
    let lines = notice.lines().map(|l| Line::raw(l.to_string())).collect();
    popup(f, theme, area, "Not saved", lines, theme.error);
}

fn popup(f: &mut Frame, theme: &Theme, area: Rect, title: &str, lines: Vec<Line>, style: Style) {
    let width = area.width.saturating_sub(4).min(72);
    let text_width = width.saturating_sub(2).max(1) as usize;
    let height: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(text_width).max(1))
        .sum();
    let rect = centered(area, width, height as u16 + 2);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Span::styled(format!(" {title} "), theme.title));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(theme.base),
        rect,
    );
}

/// The height a field takes.
fn height(field: &Field) -> u16 {
    match field.input {
        Input::Text { lines } => lines.max(1),
        _ => 1,
    }
}

pub fn draw_form(f: &mut Frame, form: &Form, theme: &Theme, area: Rect) {
    let width = area.width.saturating_sub(2).min(90);
    let wanted: u16 = form.fields.iter().map(|x| height(x) + 1).sum::<u16>() + 4;
    let rect = centered(area, width, wanted.min(area.height));
    f.render_widget(Clear, rect);
    let border = match form.state {
        FormState::Conflict(_) => theme.error,
        _ => theme.border_focus,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(border)
        .title(Span::styled(format!(" {} ", form.title), theme.title));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    if inner.height < 3 || inner.width < LABEL + 8 {
        return;
    }
    // The last two lines: what the form computes, then its state.
    let body = Rect {
        height: inner.height - 2,
        ..inner
    };
    // Scroll so the focused field shows.
    let tops: Vec<u16> = form
        .fields
        .iter()
        .scan(0u16, |y, x| {
            let top = *y;
            *y += height(x) + 1;
            Some(top)
        })
        .collect();
    let focus_bottom = tops[form.focus] + height(&form.fields[form.focus]) + 1;
    let scroll = focus_bottom.saturating_sub(body.height);
    for (i, field) in form.fields.iter().enumerate() {
        let Some(y) = tops[i].checked_sub(scroll) else {
            continue;
        };
        let h = height(field);
        if y + h > body.height {
            break;
        }
        let focused = i == form.focus;
        let label_style = if focused { theme.key } else { theme.dim };
        let row = Rect {
            x: body.x,
            y: body.y + y,
            width: body.width,
            height: h,
        };
        f.render_widget(
            Span::styled(
                format!("{:>w$} ", field.label, w = LABEL as usize - 1),
                label_style,
            ),
            Rect {
                width: LABEL,
                height: 1,
                ..row
            },
        );
        let value = Rect {
            x: row.x + LABEL,
            width: row.width - LABEL,
            ..row
        };
        draw_value(f, field, focused, theme, value);
        // The error (or warning) under the field.
        let note = match (&field.error, &field.warning) {
            (Some(e), _) if form.shows_error(i) => {
                Some(Span::styled(format!("✗ {e}"), theme.error))
            }
            (None, Some(w)) => Some(Span::styled(format!("! {w}"), theme.warning)),
            _ => None,
        };
        if let Some(note) = note
            && y + h < body.height
        {
            f.render_widget(
                note,
                Rect {
                    y: row.y + h,
                    height: 1,
                    ..value
                },
            );
        }
    }
    let foot = Rect {
        y: inner.y + inner.height - 2,
        height: 2,
        ..inner
    };
    let computed = computed(form).unwrap_or_default();
    let state = match &form.state {
        FormState::Editing => match &form.error {
            Some(e) => Line::styled(format!("✗ {e}"), theme.error),
            None => {
                let errors = (0..form.fields.len())
                    .filter(|i| form.fields[*i].error.is_some() && form.shows_error(*i))
                    .count();
                let mut spans = vec![];
                if errors > 0 {
                    spans.push(Span::styled(
                        format!(
                            "{errors} field{} to fix · ",
                            if errors == 1 { "" } else { "s" }
                        ),
                        theme.error,
                    ));
                }
                spans.push(Span::styled(
                    "Tab next · Enter / C-s save · Esc cancel",
                    theme.dim,
                ));
                Line::from(spans)
            }
        },
        FormState::Saving => Line::styled("saving…", theme.accent),
        FormState::ConfirmDiscard => Line::styled(
            "Discard your changes? y: discard · any other key: keep editing",
            theme.warning,
        ),
        FormState::Conflict(e) => Line::styled(
            format!("{e}: r reloads it, keeping your changes · Esc: back"),
            theme.error,
        ),
    };
    let lines = if computed.is_empty() {
        vec![state]
    } else {
        vec![Line::styled(computed, theme.accent), state]
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), foot);
}

pub(crate) fn draw_value(f: &mut Frame, field: &Field, focused: bool, theme: &Theme, area: Rect) {
    match &field.input {
        Input::Text { .. } => {
            let mut t = field.text.clone();
            t.set_cursor_line_style(Style::new());
            if focused {
                t.set_cursor_style(Style::new().add_modifier(Modifier::REVERSED));
                t.set_style(theme.base.add_modifier(Modifier::UNDERLINED));
            } else {
                // No cursor on a field that is not being edited.
                t.set_cursor_style(Style::new());
                t.set_style(theme.base);
            }
            f.render_widget(&t, area);
        }
        Input::Pick { options, cursor } if focused => {
            let mut spans = vec![];
            for (i, ((_, label), picked)) in options.iter().zip(&field.picked).enumerate() {
                let mark = if *picked { "[x] " } else { "[ ] " };
                let style = if i == *cursor {
                    theme.selected
                } else {
                    Style::new()
                };
                spans.push(Span::styled(format!("{mark}{label}"), style));
                spans.push(Span::raw("  "));
            }
            if options.is_empty() {
                spans.push(Span::styled("nothing to pick", theme.dim));
            }
            // Keep the cursor's option in view on a long list.
            let before: usize = options
                .iter()
                .take(*cursor)
                .map(|(_, l)| l.chars().count() + 6)
                .sum();
            let skip = before.saturating_sub(area.width as usize / 2) as u16;
            f.render_widget(Paragraph::new(Line::from(spans)).scroll((0, skip)), area);
        }
        _ => {
            let text = field.display();
            let line = if focused {
                let arrows = match field.input {
                    Input::Choice(_) => ("◂ ", " ▸"),
                    _ => ("", ""),
                };
                Line::from(vec![
                    Span::styled(arrows.0, theme.key),
                    Span::styled(text, theme.selected),
                    Span::styled(arrows.1, theme.key),
                ])
            } else {
                Line::raw(text)
            };
            f.render_widget(line, area);
        }
    }
}

/// What the form's values imply, said live: a weighted amount, a notice date.
fn computed(form: &Form) -> Option<String> {
    match form.build().ok()? {
        Record::Opportunity(o) => Some(format!(
            "weighted {} ({}% in {})",
            tend_domain::format::money(o.weighted_cents()),
            o.phase.probability(),
            o.phase
        )),
        Record::Agreement(a) => Some(format!(
            "notice date {} · {} MRR",
            a.notice_date(form.today),
            tend_domain::format::money(a.mrr_cents)
        )),
        _ => None,
    }
}
