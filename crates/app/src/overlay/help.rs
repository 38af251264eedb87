//! `?`: the keys of the screen in front of the user.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::state::Command;
use crate::theme::Theme;
use crate::widgets::centered;

/// The lines of the help of the screen in front of the user.
fn help_lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let screen = app.screen();
    let place = match (&app.account, screen) {
        (Some(a), Screen::Account) => format!("{} · {}", screen.name(), a.tab.title()),
        _ => screen.name().to_string(),
    };
    let mut lines = vec![Line::styled(format!("Keys — {place}"), theme.title)];
    let mut dangerous = false;
    for (title, s) in [("", screen), ("everywhere", Screen::Global)] {
        if !title.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(title.to_string(), theme.header));
        }
        for b in app.keys.bindings(s) {
            // Only the keys that do this here (another tab's meaning of a shared
            // key is not this tab's).
            let keys: Vec<String> = app.keys_here(b).iter().map(|k| k.label()).collect();
            let Some(offer) = app.offer(b.action).filter(|_| !keys.is_empty()) else {
                continue;
            };
            let mut line = vec![
                Span::styled(format!("{:>11}  ", keys.join(" ")), theme.key),
                Span::raw(b.help),
            ];
            if offer.dangerous {
                line.push(Span::styled(" !", theme.warning));
                dangerous = true;
            }
            lines.push(Line::from(line));
        }
    }
    if dangerous {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled(format!("{:>11}  ", "!"), theme.warning),
            Span::styled("asks before it acts", theme.dim),
        ]));
    }
    lines
}

/// How many lines the help scrolls by at most on this terminal (0: it fits), and
/// the columns and lines per column it shows.
fn help_fit(lines: usize, (width, height): (u16, u16)) -> (usize, usize, usize) {
    let room = height.saturating_sub(2).max(1) as usize;
    let fit = (width / 40).max(1) as usize;
    let n = lines.div_ceil(room).clamp(1, fit);
    (lines.saturating_sub(room * n), n, room)
}

/// How far the help scrolls at most (0: it fits, and j/k close it like any key).
pub fn help_scroll_max(app: &App) -> usize {
    help_fit(help_lines(app, &Theme::plain()).len(), app.size).0
}

pub fn draw_help(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let lines = help_lines(app, theme);
    // Columns side by side as the width allows; taller than that, it scrolls.
    let (max_scroll, n, room) = help_fit(lines.len(), (area.width, area.height));
    let shown = room * n;
    let scroll = app.overlays.help().unwrap_or(0).min(max_scroll);
    let mut lines: Vec<Line> = lines.into_iter().skip(scroll).take(shown).collect();
    let per = lines.len().div_ceil(n).max(1);
    let mut columns: Vec<Vec<Line>> = vec![];
    while !lines.is_empty() {
        let rest = lines.split_off(per.min(lines.len()));
        columns.push(std::mem::replace(&mut lines, rest));
    }
    let tallest = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let width = (40 * columns.len() as u16).min(area.width);
    let rect = centered(area, width, tallest + 2);
    f.render_widget(Clear, rect);
    let closing = if max_scroll > 0 {
        " j/k scroll · any other key closes this "
    } else {
        " any key closes this "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(" help ")
        .title_bottom(Span::styled(closing, theme.dim));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let parts = Layout::horizontal(vec![
        Constraint::Ratio(1, columns.len() as u32);
        columns.len()
    ])
    .split(inner);
    for (lines, part) in columns.into_iter().zip(parts.iter()) {
        f.render_widget(Paragraph::new(lines), *part);
    }
}

impl App {
    /// A key while the help is open.
    pub(crate) fn help_key(&mut self, k: KeyEvent) -> Vec<Command> {
        // j/k scroll a help taller than the screen; any other key closes it;
        // quit still quits.
        let max = help_scroll_max(self);
        match k.code {
            _ if max == 0 => {}
            KeyCode::Char('j') | KeyCode::Down => {
                if let Some(s) = self.overlays.help_mut() {
                    *s = (*s + 1).min(max);
                }
                return vec![];
            }
            KeyCode::Char('k') | KeyCode::Up => {
                if let Some(s) = self.overlays.help_mut() {
                    *s = s.saturating_sub(1);
                }
                return vec![];
            }
            _ => {}
        }
        self.overlays.close_help();
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
        }
        vec![]
    }
}
