//! The filter bar (`F`): a filter-language expression being typed, checked as typed.

use crossterm::event::{KeyCode, KeyEvent};
use tend_engines::filter::{Filter, FilterError};

use crate::line::Edit;

/// A filter-language expression being typed: checked as typed.
#[derive(Debug, Clone, Default)]
pub struct WhereBar {
    pub input: String,
    pub error: Option<FilterError>,
}

/// What a key in a filter bar comes to.
pub enum WhereOutcome {
    Typing,
    Cancel,
    /// Run this expression (None: no filter).
    Apply(Option<String>),
    Quit,
}

impl WhereBar {
    pub fn new(current: Option<&str>) -> WhereBar {
        WhereBar {
            input: current.unwrap_or_default().to_string(),
            error: None,
        }
    }

    /// Takes pasted text (on one line), checked as if typed.
    pub fn paste(&mut self, text: &str, accounts: bool) {
        crate::line::paste(&mut self.input, text);
        self.check(accounts);
    }

    fn check(&mut self, accounts: bool) {
        self.error = if accounts {
            Filter::parse_accounts(&self.input).err()
        } else {
            Filter::parse(&self.input).err()
        };
    }

    /// Takes a key; `accounts` refuses case fields (a list of accounts).
    pub fn key(&mut self, k: KeyEvent, accounts: bool) -> WhereOutcome {
        match k.code {
            KeyCode::Esc => return WhereOutcome::Cancel,
            KeyCode::Enter if self.error.is_some() => return WhereOutcome::Typing,
            KeyCode::Enter => {
                let typed = self.input.trim().to_string();
                return WhereOutcome::Apply((!typed.is_empty()).then_some(typed));
            }
            _ => match crate::line::edit(&mut self.input, &k) {
                Edit::Changed => {}
                Edit::Quit => return WhereOutcome::Quit,
                Edit::Kept | Edit::Other => return WhereOutcome::Typing,
            },
        }
        self.check(accounts);
        WhereOutcome::Typing
    }
}
