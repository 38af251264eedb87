//! A short list to choose from (the records a statement cites), and a record's
//! fields shown read only.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::overlay::{Info, Pick, PickFor};
use crate::state::Command;
use crate::theme::Theme;
use crate::widgets::{centered, window};

pub fn draw_pick(f: &mut Frame, p: &Pick, theme: &Theme, area: Rect) {
    let width = area.width.saturating_sub(4).min(72);
    let height = (p.items.len() as u16 + 3).min(area.height.saturating_sub(2).max(4));
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", p.title), theme.title))
        .title_bottom(Span::styled(
            " ↑↓ choose · Enter open · Esc close ",
            theme.dim,
        ));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let rows = usize::from(inner.height);
    let range = window(p.cursor, p.items.len(), rows, &std::cell::Cell::new(0));
    let lines: Vec<Line> = range
        .map(|i| {
            let text = format!("{:>2} {}", i + 1, p.items[i]);
            if i == p.cursor {
                Line::styled(text, theme.selected)
            } else {
                Line::raw(text)
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_info(f: &mut Frame, info: &Info, theme: &Theme, area: Rect) {
    let width = area.width.saturating_sub(4).min(72);
    let text_width = width.saturating_sub(2).max(1) as usize;
    let lines: Vec<Line> = if info.lines.is_empty() {
        vec![Line::styled("no fields to show", theme.dim)]
    } else {
        info.lines
            .iter()
            .map(|l| match l.split_once(": ") {
                Some((k, v)) => Line::from(vec![
                    Span::styled(format!("{k}: "), theme.key),
                    Span::raw(v.to_string()),
                ]),
                None => Line::raw(l.clone()),
            })
            .collect()
    };
    let height: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(text_width).max(1))
        .sum();
    let rect = centered(area, width, height as u16 + 2);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", info.title), theme.title))
        .title_bottom(Span::styled(" any key closes this ", theme.dim));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .style(theme.base),
        rect,
    );
}

impl App {
    /// A key while a list to choose from is open: j/k or arrows move, a number
    /// or Enter chooses, Esc closes.
    pub(crate) fn pick_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
            return vec![];
        }
        let Some(p) = self.overlays.pick_mut() else {
            return vec![];
        };
        let n = p.items.len();
        let chosen = match k.code {
            KeyCode::Esc => {
                self.overlays.close_pick();
                return vec![];
            }
            KeyCode::Char('j') | KeyCode::Down => {
                p.cursor = (p.cursor + 1).min(n.saturating_sub(1));
                return vec![];
            }
            KeyCode::Char('k') | KeyCode::Up => {
                p.cursor = p.cursor.saturating_sub(1);
                return vec![];
            }
            KeyCode::Enter | KeyCode::Char('o') => p.cursor,
            KeyCode::Char(d @ '1'..='9') if (d as usize - '1' as usize) < n => {
                d as usize - '1' as usize
            }
            _ => return vec![],
        };
        let Some(p) = self.overlays.close_pick() else {
            return vec![];
        };
        match p.purpose {
            PickFor::Citations(all) => match all.get(chosen) {
                Some(c) => self.open_citation(*c),
                None => vec![],
            },
        }
    }

    /// Any key closes a record's fields (quit still quits).
    pub(crate) fn info_key(&mut self, k: KeyEvent) -> Vec<Command> {
        self.overlays.close_info();
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
        }
        vec![]
    }
}
