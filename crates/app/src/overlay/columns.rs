//! `c` on the portfolio: the column chooser. Every column a row can show, with
//! [x] on those shown, in the order they show (the chosen first); the health
//! score and the account name are listed but locked. Enter applies the set: into
//! the saved view on screen, else as the portfolio's own set, kept in the config
//! file when there is one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::overlay::Overlay;
use crate::saved::ViewList;
use crate::screens::portfolio::columns::{self, Column};
use crate::state::Command;
use crate::theme::Theme;
use crate::widgets::{centered, window};

/// Why the health score's line neither hides nor moves.
const HEALTH_FIRST: &str = "the health score is always the first column";

/// A line of the chooser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The health score: always the first column.
    Health,
    /// The account name: always shown, after the score (and its trend arrow).
    Name,
    Column(Column),
}

impl Slot {
    /// Shown whatever the set says.
    pub fn locked(self) -> bool {
        matches!(self, Slot::Health | Slot::Name)
    }

    /// Its place in the order can change: the columns after the name.
    fn movable(self) -> bool {
        matches!(self, Slot::Column(c) if c != Column::Trend)
    }

    fn label(self) -> String {
        match self {
            Slot::Health => "HEALTH".into(),
            Slot::Name => "ACCOUNT".into(),
            Slot::Column(c) => c.name().to_uppercase(),
        }
    }

    fn about(self) -> &'static str {
        match self {
            Slot::Health => "coloured health score, always first",
            Slot::Name => "account name, always shown",
            Slot::Column(c) => c.about(),
        }
    }
}

/// The chooser: its lines in order, each shown or not, and the cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnChooser {
    /// The score, the trend arrow, the name, then the columns after the name:
    /// those shown first, in their order, then the others.
    pub slots: Vec<(Slot, bool)>,
    pub cursor: usize,
    /// The saved view the set goes into (None: the portfolio's own set).
    pub view: Option<String>,
    /// Where Enter keeps the set: the config file is written, or the session only.
    pub kept: bool,
}

impl ColumnChooser {
    /// The chooser for the set `shown`, every other column after it, the cursor
    /// on the first column after the name.
    pub fn new(shown: &[Column], view: Option<String>, kept: bool) -> ColumnChooser {
        let mut slots = vec![
            (Slot::Health, true),
            (Slot::Column(Column::Trend), shown.contains(&Column::Trend)),
            (Slot::Name, true),
        ];
        let after = |c: &&Column| **c != Column::Trend;
        slots.extend(shown.iter().filter(after).map(|c| (Slot::Column(*c), true)));
        slots.extend(
            Column::ALL
                .iter()
                .filter(after)
                .filter(|c| !shown.contains(c))
                .map(|c| (Slot::Column(*c), false)),
        );
        ColumnChooser {
            slots,
            cursor: 3,
            view,
            kept,
        }
    }

    /// The set as chosen: the columns marked, in the order listed.
    pub fn chosen(&self) -> Vec<Column> {
        self.slots
            .iter()
            .filter_map(|(s, on)| match s {
                Slot::Column(c) if *on => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// Shows or hides the column under the cursor; a locked line says why not.
    fn toggle(&mut self) -> Result<(), &'static str> {
        let Some((slot, on)) = self.slots.get_mut(self.cursor) else {
            return Ok(());
        };
        match slot {
            Slot::Health => Err(HEALTH_FIRST),
            Slot::Name => Err("the account name always shows"),
            Slot::Column(_) => {
                *on = !*on;
                Ok(())
            }
        }
    }

    /// Moves the column under the cursor one place down (or up), the cursor with
    /// it; only among the columns after the name.
    fn shift(&mut self, down: bool) -> Result<(), &'static str> {
        let at = self.cursor;
        let Some((slot, _)) = self.slots.get(at).copied() else {
            return Ok(());
        };
        match slot {
            Slot::Health => return Err(HEALTH_FIRST),
            Slot::Name => return Err("the account name always comes after the score"),
            Slot::Column(Column::Trend) => {
                return Err("the trend arrow stays beside the score (Space shows or hides it)");
            }
            Slot::Column(_) => {}
        }
        let to = if down { at + 1 } else { at.wrapping_sub(1) };
        if self.slots.get(to).is_some_and(|(s, _)| s.movable()) {
            self.slots.swap(at, to);
            self.cursor = to;
        }
        Ok(())
    }
}

/// Draws the chooser in the middle of `area`.
pub fn draw_columns(f: &mut Frame, x: &ColumnChooser, ascii: bool, theme: &Theme, area: Rect) {
    let width = area.width.saturating_sub(4).min(64);
    // Every line, a blank one and where Enter keeps the set, inside the border.
    let wanted = x.slots.len() as u16 + 2 + 2;
    let height = wanted.min(area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    let title = match &x.view {
        Some(name) => format!(" Columns — view {name} "),
        None => " Columns — portfolio ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let rows = usize::from(inner.height);
    // The note on where the set goes, when every line fits above it.
    let note = rows >= x.slots.len() + 2;
    let listed = if note { x.slots.len() } else { rows };
    let range = window(x.cursor, x.slots.len(), listed, &std::cell::Cell::new(0));
    let label = x
        .slots
        .iter()
        .map(|(s, _)| s.label().len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = range
        .map(|i| {
            let (slot, on) = x.slots[i];
            let here = i == x.cursor;
            let cursor = match (here, ascii) {
                (false, _) => " ",
                (true, true) => ">",
                (true, false) => "▸",
            };
            let mark = if on { "[x]" } else { "[ ]" };
            let style = match (here, slot.locked(), on) {
                (true, _, _) => theme.selected,
                (false, true, _) | (false, false, false) => theme.dim,
                (false, false, true) => theme.base,
            };
            let lock = if slot.locked() { " (locked)" } else { "" };
            Line::from(vec![
                Span::styled(format!("{cursor} "), theme.accent),
                Span::styled(
                    format!("{mark} {:<label$}  {}{lock}", slot.label(), slot.about()),
                    style,
                ),
            ])
        })
        .collect();
    if note {
        let kept = match (&x.view, x.kept) {
            (Some(name), true) => format!("Enter shows these in the view {name} and saves it"),
            (Some(name), false) => {
                format!("Enter shows these in the view {name} (this session only)")
            }
            (None, true) => "Enter shows these and keeps them in the config file".into(),
            (None, false) => "Enter shows these for this session (no config file)".into(),
        };
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("  {kept}"), theme.dim));
    }
    f.render_widget(Paragraph::new(lines).style(theme.base), inner);
}

impl App {
    /// `c` on the portfolio: the chooser, set as the columns on screen.
    pub(crate) fn open_columns(&mut self) -> Vec<Command> {
        let view = self
            .portfolio_view()
            .map(|i| self.views.saved[i].name.clone());
        let chooser = ColumnChooser::new(
            &self.portfolio.columns.shown,
            view,
            self.views.file.is_some(),
        );
        self.overlays.open(Overlay::Columns(Box::new(chooser)));
        vec![]
    }

    /// The saved view of accounts on screen, if one is.
    fn portfolio_view(&self) -> Option<usize> {
        self.views.active.filter(|i| {
            self.views
                .saved
                .get(*i)
                .is_some_and(|v| v.list == ViewList::Accounts)
        })
    }

    /// A key while the chooser is open: j/k or ↑↓ move, Space (or x) shows or
    /// hides, J/K or Shift-↑↓ move the column in the order, Enter applies, Esc
    /// closes leaving the columns as they were.
    pub(crate) fn columns_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
            return vec![];
        }
        let Some(x) = self.overlays.columns_mut() else {
            return vec![];
        };
        let n = x.slots.len();
        let shift = k.modifiers.contains(KeyModifiers::SHIFT);
        let said = match k.code {
            KeyCode::Esc => {
                self.overlays.close_columns();
                return vec![];
            }
            KeyCode::Enter => {
                let Some(x) = self.overlays.close_columns() else {
                    return vec![];
                };
                return self.apply_columns(x.chosen());
            }
            KeyCode::Char('J') => x.shift(true),
            KeyCode::Char('K') => x.shift(false),
            KeyCode::Down if shift => x.shift(true),
            KeyCode::Up if shift => x.shift(false),
            KeyCode::Char('j') | KeyCode::Down => {
                x.cursor = (x.cursor + 1).min(n.saturating_sub(1));
                Ok(())
            }
            KeyCode::Char('k') | KeyCode::Up => {
                x.cursor = x.cursor.saturating_sub(1);
                Ok(())
            }
            KeyCode::Char('g') | KeyCode::Home => {
                x.cursor = 0;
                Ok(())
            }
            KeyCode::Char('G') | KeyCode::End => {
                x.cursor = n.saturating_sub(1);
                Ok(())
            }
            KeyCode::Char(' ') | KeyCode::Char('x') => x.toggle(),
            _ => Ok(()),
        };
        if let Err(why) = said {
            self.status = Some(why.into());
        }
        vec![]
    }

    /// Shows the set `chosen`: in the saved view on screen (written with the
    /// views), else as the portfolio's own set (written as `[portfolio] columns`),
    /// kept for the session only where there is no config file (the demo).
    pub(crate) fn apply_columns(&mut self, chosen: Vec<Column>) -> Vec<Command> {
        let names = columns::names(&chosen);
        let view = self.portfolio_view();
        let p = &mut self.portfolio;
        let changed = p.columns.shown != chosen;
        p.columns.shown = chosen.clone();
        match view {
            Some(i) => {
                let view = &mut self.views.saved[i];
                if !changed && view.columns.as_ref() == Some(&names) {
                    self.status = Some("the columns are as they were".into());
                    return vec![];
                }
                view.columns = Some(names);
                let name = view.name.clone();
                match &self.views.file {
                    Some(file) => {
                        self.status = Some(format!("the view \"{name}\" keeps these columns"));
                        vec![Command::WriteViews(file.clone(), self.views.saved.clone())]
                    }
                    None => {
                        self.status = Some(format!(
                            "the view \"{name}\" has these columns for this session (no config file)"
                        ));
                        vec![]
                    }
                }
            }
            None => {
                if !changed && p.columns.default == chosen {
                    self.status = Some("the columns are as they were".into());
                    return vec![];
                }
                p.columns.default = chosen;
                match &self.views.file {
                    Some(file) => {
                        self.status = Some(
                            "columns kept as the portfolio's ([portfolio] columns in the config)"
                                .into(),
                        );
                        vec![Command::WritePortfolioColumns(file.clone(), names)]
                    }
                    None => {
                        self.status = Some(
                            "columns set for this session; [portfolio] columns in a config keeps them"
                                .into(),
                        );
                        vec![]
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(x: &ColumnChooser) -> Vec<String> {
        x.slots
            .iter()
            .map(|(s, on)| format!("{}{}", if *on { "+" } else { "-" }, s.label()))
            .collect()
    }

    #[test]
    fn the_chosen_come_first_in_their_order_after_the_locked_lines() {
        let x = ColumnChooser::new(&[Column::Owner, Column::Mrr], None, false);
        assert_eq!(
            labels(&x)[..6],
            ["+HEALTH", "-TREND", "+ACCOUNT", "+OWNER", "+MRR", "-ARR"]
        );
        assert_eq!(x.slots.len(), Column::ALL.len() + 2);
        assert_eq!(x.chosen(), [Column::Owner, Column::Mrr]);
        assert_eq!(x.cursor, 3, "on the first column after the name");
    }

    #[test]
    fn locked_lines_stay_and_columns_move_only_after_the_name() {
        let mut x = ColumnChooser::new(&Column::DEFAULT, None, false);
        // MRR down below the renewal, then back up; not above the name.
        assert_eq!(x.slots[3].0, Slot::Column(Column::Mrr));
        x.shift(true).unwrap();
        assert_eq!(x.cursor, 4);
        assert_eq!(x.chosen()[1..3], [Column::Renewal, Column::Mrr]);
        x.shift(false).unwrap();
        x.shift(false).unwrap();
        assert_eq!(x.cursor, 3, "the name stays above");
        assert_eq!(x.chosen(), Column::DEFAULT);
        // The score, the name and the trend keep their places.
        for at in 0..3 {
            x.cursor = at;
            assert!(x.shift(true).is_err());
            assert_eq!(x.chosen(), Column::DEFAULT);
        }
        x.cursor = 0;
        assert!(x.toggle().is_err());
        x.cursor = 2;
        assert!(x.toggle().is_err());
        // The trend is hidden (and shown) in place.
        x.cursor = 1;
        x.toggle().unwrap();
        assert!(!x.chosen().contains(&Column::Trend));
        // A hidden column stays where it was, and moves like the others.
        x.cursor = 4;
        x.toggle().unwrap();
        assert!(!x.chosen().contains(&Column::Renewal));
        assert_eq!(x.slots[4], (Slot::Column(Column::Renewal), false));
        // The last one goes no further down.
        x.cursor = x.slots.len() - 1;
        x.shift(true).unwrap();
        assert_eq!(x.cursor, x.slots.len() - 1);
    }
}
