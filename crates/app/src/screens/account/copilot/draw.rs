//! The copilot's pane: the questions to choose from, or the conversation with
//! each statement's citations, the answer under way, a question being typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::screens::account::cite::compact;
use crate::screens::account::copilot::{Copilot, Mode};
use crate::screens::account::summary::update::dropped_note;
use crate::state::CopilotAnswer;
use crate::theme::Theme;
use crate::widgets::{centered, wrap};
use tend_engines::copilot::Prompt;

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Some(a) = app.account.as_ref() else {
        return;
    };
    let c = &a.copilot;
    let name = a
        .data
        .value()
        .map_or_else(String::new, |d| format!(" — {}", d.account.name));
    let rect = centered(
        area,
        area.width.saturating_sub(2).min(100),
        area.height.saturating_sub(2).max(6),
    );
    f.render_widget(Clear, rect);
    let keys = match c.mode() {
        Mode::Menu => " ↑↓ choose · Enter ask · Esc close ",
        Mode::Typing => " Enter ask · Esc cancel ",
        Mode::Conversation if c.running.is_some() => {
            " Esc close (the answer keeps coming) · c new conversation "
        }
        Mode::Conversation if app.read_only => " f follow-up · c new · j/k scroll · Esc close ",
        Mode::Conversation => " n save as note · f follow-up · c new · j/k scroll · Esc close ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" Copilot{name} "), theme.title))
        .title_bottom(Span::styled(keys, theme.dim));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(
        match &app.ai {
            Some(m) => format!(
                "The last six months of interactions, tasks and cases · language model {}",
                m.settings().model
            ),
            None => {
                "The last six months of interactions, tasks and cases · offline answers".to_string()
            }
        },
        theme.dim,
    )];
    lines.push(Line::raw(""));
    // The line the view starts from: the latest question.
    let mut anchor = 0;
    match c.mode() {
        Mode::Menu => {
            for (i, item) in Copilot::menu_items().iter().enumerate() {
                let text = format!("{} {item}", i + 1);
                lines.push(if i == c.menu {
                    Line::styled(text, theme.selected)
                } else {
                    Line::raw(text)
                });
            }
        }
        Mode::Typing | Mode::Conversation => anchor = conversation(c, theme, width, &mut lines),
    }
    if let Some(typed) = &c.typing {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(
                if c.turns.is_empty() {
                    "question: "
                } else {
                    "follow-up: "
                },
                theme.key,
            ),
            Span::raw(typed.clone()),
            Span::styled("▏", theme.accent),
        ]));
    }
    if let Some(said) = &c.said {
        lines.push(Line::raw(""));
        lines.extend(wrap(
            &[(said.clone(), theme.warning)],
            width,
            Span::raw(""),
            Span::raw(""),
        ));
    }
    // The latest question shows first (the turns before it above, when the rest
    // fits), scrolled down by `scroll`.
    let height = usize::from(inner.height);
    let max = lines.len().saturating_sub(height);
    // A question being typed, or what the pane says, is at the end: in view.
    let anchor = if c.typing.is_some() || c.said.is_some() {
        max
    } else {
        anchor.min(max)
    };
    c.scroll_max.set(max - anchor);
    let top = anchor + c.scroll.min(max - anchor);
    let shown: Vec<Line> = lines.into_iter().skip(top).take(height).collect();
    f.render_widget(Paragraph::new(shown), inner);
}

/// A drafted email reads as an email: its lines as written, then the records
/// it rests on.
fn email<'a>(a: &CopilotAnswer, theme: &Theme, width: usize, lines: &mut Vec<Line<'a>>) {
    let text = tend_engines::copilot::Answer {
        prompt: Prompt::FollowUp,
        statements: a.statements.clone(),
        note: a.note.clone(),
    }
    .text();
    for line in text.trim_end().lines() {
        if line.trim().is_empty() {
            lines.push(Line::raw(""));
            continue;
        }
        lines.extend(wrap(
            &[(line.to_string(), theme.base)],
            width,
            Span::raw("  "),
            Span::raw("  "),
        ));
    }
    let cited: Vec<tend_domain::Citation> = a
        .statements
        .iter()
        .flat_map(|s| s.citations.iter().copied())
        .collect();
    let refs = compact(&cited);
    if !refs.is_empty() {
        let mut words = vec![("cites".to_string(), theme.dim)];
        words.extend(refs.into_iter().map(|r| (r, theme.dim)));
        lines.extend(wrap(&words, width, Span::raw("  "), Span::raw("  ")));
    }
}

/// The conversation's lines; gives where the latest question starts.
fn conversation<'a>(c: &Copilot, theme: &Theme, width: usize, lines: &mut Vec<Line<'a>>) -> usize {
    let italic = theme.dim.add_modifier(Modifier::ITALIC);
    let mut latest = lines.len();
    for (i, t) in c.turns.iter().enumerate() {
        if i > 0 {
            lines.push(Line::raw(""));
        }
        latest = lines.len();
        lines.extend(wrap(
            &[(t.question.clone(), theme.title)],
            width,
            Span::styled("› ", theme.key),
            Span::raw("  "),
        ));
        match &t.answer {
            Ok(a) => {
                if a.statements.is_empty() && a.note.is_none() {
                    lines.push(Line::styled("  nothing to say", italic));
                }
                if t.prompt == Some(Prompt::FollowUp) && !a.statements.is_empty() {
                    email(a, theme, width, lines);
                    continue;
                }
                for s in &a.statements {
                    let mut words = vec![(s.text.clone(), theme.base)];
                    for cite in compact(&s.citations) {
                        words.push((cite, theme.dim));
                    }
                    lines.extend(wrap(
                        &words,
                        width,
                        Span::styled("• ", theme.dim),
                        Span::raw("  "),
                    ));
                }
                if let Some(note) = &a.note {
                    lines.extend(wrap(
                        &[(note.clone(), italic)],
                        width,
                        Span::raw("  "),
                        Span::raw("  "),
                    ));
                }
                if a.dropped > 0 {
                    lines.push(Line::styled(
                        format!("  {}", dropped_note(a.dropped)),
                        theme.warning,
                    ));
                }
            }
            Err(e) => lines.extend(wrap(
                &[(e.clone(), theme.error)],
                width,
                Span::styled("✗ ", theme.error),
                Span::raw("  "),
            )),
        }
    }
    if let Some(r) = &c.running {
        if !c.turns.is_empty() {
            lines.push(Line::raw(""));
        }
        latest = lines.len();
        lines.extend(wrap(
            &[(r.question.clone(), theme.title)],
            width,
            Span::styled("› ", theme.key),
            Span::raw("  "),
        ));
        lines.push(Line::styled("  ⟳ thinking…", theme.accent));
        if !r.streamed.is_empty() {
            lines.extend(wrap(
                &[(r.streamed.clone(), theme.dim)],
                width,
                Span::raw("  "),
                Span::raw("  "),
            ));
        }
    }
    latest
}
