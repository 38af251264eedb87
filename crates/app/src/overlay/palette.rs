//! `:`: the command palette (accounts, tabs, pages, saved views).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::keys::Action;
use crate::line::Edit;
use crate::overlay::{Overlay, PaletteItem};
use crate::screens::account::state::set_tab;
use crate::state::{BarItem, Command, Focus, Page, Tab};
use crate::theme::Theme;
use crate::widgets::centered;

impl App {
    pub(crate) fn palette_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(p) = self.overlays.palette_mut() else {
            return vec![];
        };
        match k.code {
            KeyCode::Esc => {
                self.overlays.close_palette();
            }
            KeyCode::Down | KeyCode::Tab => p.selected += 1,
            KeyCode::Up | KeyCode::BackTab => p.selected = p.selected.saturating_sub(1),
            KeyCode::Enter => {
                let items = self.palette_items();
                let chosen = self.overlays.palette().and_then(|p| {
                    items
                        .get(p.selected.min(items.len().saturating_sub(1)))
                        .cloned()
                });
                self.overlays.close_palette();
                return match chosen {
                    Some(PaletteItem::Tab(t)) => {
                        self.page = Page::Portfolio;
                        self.views.active = None;
                        let cmds = if self.account.is_none() {
                            self.follow_selection()
                        } else {
                            vec![]
                        };
                        self.focus = Focus::Account;
                        if let Some(a) = self.account.as_mut() {
                            set_tab(a, t);
                        }
                        cmds
                    }
                    Some(PaletteItem::Account { id, .. }) => self.jump_to_from_anywhere(id),
                    Some(PaletteItem::Go(item)) => self.go(item),
                    Some(PaletteItem::Command(c)) => match c {
                        "quit" => {
                            self.quit = true;
                            vec![]
                        }
                        "help" => {
                            self.overlays.open(Overlay::Help { scroll: 0 });
                            vec![]
                        }
                        _ => self.act(Action::Refresh),
                    },
                    None => vec![],
                };
            }
            _ => match crate::line::edit(&mut p.input, &k) {
                Edit::Changed => p.selected = 0,
                Edit::Quit => self.quit = true,
                Edit::Kept | Edit::Other => {}
            },
        }
        vec![]
    }

    /// What the palette offers for its input: tabs and commands by name, accounts
    /// by fuzzy name (best first).
    pub fn palette_items(&self) -> Vec<PaletteItem> {
        let input = self
            .overlays
            .palette()
            .map(|p| p.input.to_lowercase())
            .unwrap_or_default();
        let mut items: Vec<PaletteItem> = self
            .bar_items()
            .into_iter()
            .filter(|item| {
                let name = match item {
                    BarItem::Page(p) => p.title().to_lowercase(),
                    BarItem::Saved(i) => self.views.saved[*i].name.to_lowercase(),
                };
                input.is_empty() || name.contains(&input)
            })
            .map(PaletteItem::Go)
            .collect();
        items.extend(
            Tab::ALL
                .iter()
                .filter(|t| input.is_empty() || t.title().to_lowercase().contains(&input))
                .map(|t| PaletteItem::Tab(*t)),
        );
        for c in ["refresh", "help", "quit"] {
            if input.is_empty() || c.contains(&input) {
                items.push(PaletteItem::Command(c));
            }
        }
        // Every account, not only those the portfolio's filter lists.
        let rows = self.accounts();
        if !input.is_empty() {
            for i in self.fuzzy.best(&input, rows).into_iter().take(20) {
                items.push(PaletteItem::Account {
                    id: rows[i].id,
                    name: rows[i].name.clone(),
                });
            }
        }
        items
    }
}

pub fn draw_palette(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Some(p) = app.overlays.palette() else {
        return;
    };
    let items = app.palette_items();
    let rect = centered(area, 60, 16);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(" go to: an account, a tab, a command ");
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme.key),
        Span::raw(p.input.clone()),
        Span::styled("▏", theme.accent),
    ])];
    let selected = p.selected.min(items.len().saturating_sub(1));
    let room = inner.height.saturating_sub(1) as usize;
    let start = selected.saturating_sub(room.saturating_sub(1));
    for (i, item) in items.iter().enumerate().skip(start).take(room) {
        let (kind, text) = match item {
            PaletteItem::Tab(t) => ("tab", t.title().to_string()),
            PaletteItem::Account { id, name } => ("account", format!("{name}  #{id}")),
            PaletteItem::Command(c) => ("command", c.to_string()),
            PaletteItem::Go(crate::state::BarItem::Page(p)) => ("view", p.title().to_string()),
            PaletteItem::Go(crate::state::BarItem::Saved(i)) => (
                "saved view",
                app.views
                    .saved
                    .get(*i)
                    .map_or(String::new(), |v| v.name.clone()),
            ),
        };
        let style = if i == selected {
            theme.selected
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{kind:>8}  "), theme.dim),
            Span::styled(text, style),
        ]));
    }
    if items.is_empty() {
        lines.push(Line::styled("  nothing matches", theme.dim));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
