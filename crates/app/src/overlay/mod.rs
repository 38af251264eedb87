//! What opens over the screens: help, the palette, the saved-view prompt, a form,
//! a question before writing, a notice.

pub mod dialog;
pub mod help;
pub mod keys;
pub mod palette;
pub mod prompt;

use tend_backend::Write;
use tend_domain::*;

use crate::state::{BarItem, Tab};

/// The command palette.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    pub input: String,
    pub selected: usize,
}

/// A palette entry.
#[derive(Debug, Clone, PartialEq)]
pub enum PaletteItem {
    Tab(Tab),
    Account {
        id: Id,
        name: String,
    },
    Command(&'static str),
    /// A page or a saved view.
    Go(BarItem),
}

/// A yes/no question (or one that wants a name typed) before writes.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub lines: Vec<String>,
    pub writes: Vec<Write>,
    /// What the writes do, for the footer once done.
    pub what: String,
    /// The text to type to confirm (deleting an account).
    pub typed: Option<String>,
    pub input: String,
}

/// A question in the footer about saved views.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewPrompt {
    /// Typing a name to save the list under (`Some(i)`: renaming view i).
    Name {
        input: String,
        renaming: Option<usize>,
    },
    /// Deleting view i: y or n.
    Delete(usize),
}
