//! What opens over the screens: help, the palette, the saved-view prompt, a form,
//! a question before writing, a notice, the portfolio's column chooser.

pub mod ask;
pub mod columns;
pub mod compose;
pub mod dialog;
pub mod filters;
pub mod help;
pub mod keys;
pub mod outbox;
pub mod palette;
pub mod pick;
pub mod prompt;

pub use ask::{Asking, AskingFor};
pub use columns::ColumnChooser;
pub use compose::Compose;
pub use filters::Filters;

use tend_backend::Write;
use tend_domain::*;

use crate::form::Form;
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

/// A short list to choose one from (the records a statement cites).
#[derive(Debug, Clone, PartialEq)]
pub struct Pick {
    pub title: String,
    pub items: Vec<String>,
    pub cursor: usize,
    pub purpose: PickFor,
}

/// What choosing in a [`Pick`] does.
#[derive(Debug, Clone, PartialEq)]
pub enum PickFor {
    /// Opens the record of the citation chosen.
    Citations(Vec<Citation>),
}

/// A record's fields, read only (a success plan, objective, KPI or challenge a
/// statement cites).
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    pub title: String,
    pub lines: Vec<String>,
}

/// One thing open over the screens.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// `?`, scrolled by this many lines.
    Help {
        scroll: usize,
    },
    Palette(Palette),
    /// The saved-view prompt (in the footer).
    Prompt(ViewPrompt),
    Form(Box<Form>),
    Confirm(Confirm),
    /// A write refused because the screen was stale: why, and the offer to reload.
    Notice(String),
    Pick(Pick),
    Info(Info),
    /// The copilot's pane over the Interactions tab (its state is the account's).
    Copilot,
    /// An email being written (a new one, or a reply).
    Compose(Box<Compose>),
    /// A question in the footer that wants a word typed (days to snooze, a user).
    Asking(Asking),
    /// The account's outbox and sent deliveries (their state is the account's).
    Outbox,
    /// `F`: the filters of an account's list.
    Filters(Box<Filters>),
    /// `c` on the portfolio: which columns show, in which order.
    Columns(Box<ColumnChooser>),
}

/// What is open over the screens, bottom to top: the top one takes the keys first
/// (the root routes them to it), and they are drawn bottom-up, so one place says
/// what is on top. At most one of each kind: opening one again replaces it.
#[derive(Debug, Clone, Default)]
pub struct Overlays {
    stack: Vec<Overlay>,
}

/// The accessors of an overlay kind: read it, change it, close it.
macro_rules! kind {
    ($get:ident, $get_mut:ident, $close:ident, $variant:ident, $ty:ty) => {
        pub fn $get(&self) -> Option<&$ty> {
            self.stack.iter().rev().find_map(|o| match o {
                Overlay::$variant(x) => Some(x),
                _ => None,
            })
        }
        pub fn $get_mut(&mut self) -> Option<&mut $ty> {
            self.stack.iter_mut().rev().find_map(|o| match o {
                Overlay::$variant(x) => Some(x),
                _ => None,
            })
        }
        /// Closes it (wherever it is in the stack), giving it back.
        pub fn $close(&mut self) -> Option<$ty> {
            let i = self
                .stack
                .iter()
                .rposition(|o| matches!(o, Overlay::$variant(_)))?;
            match self.stack.remove(i) {
                Overlay::$variant(x) => Some(x),
                _ => None,
            }
        }
    };
}

impl Overlays {
    /// The overlay on top (the one that takes the keys).
    pub fn top(&self) -> Option<&Overlay> {
        self.stack.last()
    }

    /// Bottom to top, the order they are drawn in.
    pub fn iter(&self) -> impl Iterator<Item = &Overlay> {
        self.stack.iter()
    }

    /// Opens `overlay` on top; an open one of the same kind is closed first.
    pub fn open(&mut self, overlay: Overlay) {
        let kind = std::mem::discriminant(&overlay);
        self.stack.retain(|o| std::mem::discriminant(o) != kind);
        self.stack.push(overlay);
    }

    /// Whether a dialog (form, question, notice) is open: the mouse leaves the
    /// screens under it alone.
    pub fn modal(&self) -> bool {
        self.stack.iter().any(|o| {
            matches!(
                o,
                Overlay::Form(_)
                    | Overlay::Confirm(_)
                    | Overlay::Notice(_)
                    | Overlay::Pick(_)
                    | Overlay::Info(_)
                    | Overlay::Copilot
                    | Overlay::Compose(_)
                    | Overlay::Outbox
                    | Overlay::Filters(_)
                    | Overlay::Columns(_)
            )
        })
    }

    /// How far the help is scrolled, when it is open.
    pub fn help(&self) -> Option<usize> {
        self.stack.iter().find_map(|o| match o {
            Overlay::Help { scroll } => Some(*scroll),
            _ => None,
        })
    }

    pub fn help_mut(&mut self) -> Option<&mut usize> {
        self.stack.iter_mut().find_map(|o| match o {
            Overlay::Help { scroll } => Some(scroll),
            _ => None,
        })
    }

    pub fn close_help(&mut self) {
        self.stack.retain(|o| !matches!(o, Overlay::Help { .. }));
    }

    pub fn form(&self) -> Option<&Form> {
        self.stack.iter().rev().find_map(|o| match o {
            Overlay::Form(f) => Some(f.as_ref()),
            _ => None,
        })
    }

    pub fn form_mut(&mut self) -> Option<&mut Form> {
        self.stack.iter_mut().rev().find_map(|o| match o {
            Overlay::Form(f) => Some(f.as_mut()),
            _ => None,
        })
    }

    /// Closes the form (wherever it is in the stack), giving it back.
    pub fn close_form(&mut self) -> Option<Form> {
        let i = self
            .stack
            .iter()
            .rposition(|o| matches!(o, Overlay::Form(_)))?;
        match self.stack.remove(i) {
            Overlay::Form(f) => Some(*f),
            _ => None,
        }
    }

    kind!(palette, palette_mut, close_palette, Palette, Palette);
    kind!(prompt, prompt_mut, close_prompt, Prompt, ViewPrompt);
    kind!(confirm, confirm_mut, close_confirm, Confirm, Confirm);
    kind!(notice, notice_mut, close_notice, Notice, String);
    kind!(pick, pick_mut, close_pick, Pick, Pick);
    kind!(info, info_mut, close_info, Info, Info);
    kind!(asking, asking_mut, close_asking, Asking, Asking);

    pub fn compose(&self) -> Option<&Compose> {
        self.stack.iter().rev().find_map(|o| match o {
            Overlay::Compose(c) => Some(c.as_ref()),
            _ => None,
        })
    }

    pub fn compose_mut(&mut self) -> Option<&mut Compose> {
        self.stack.iter_mut().rev().find_map(|o| match o {
            Overlay::Compose(c) => Some(c.as_mut()),
            _ => None,
        })
    }

    pub fn close_compose(&mut self) -> Option<Compose> {
        let i = self
            .stack
            .iter()
            .rposition(|o| matches!(o, Overlay::Compose(_)))?;
        match self.stack.remove(i) {
            Overlay::Compose(c) => Some(*c),
            _ => None,
        }
    }

    pub fn filters(&self) -> Option<&Filters> {
        self.stack.iter().rev().find_map(|o| match o {
            Overlay::Filters(x) => Some(x.as_ref()),
            _ => None,
        })
    }

    pub fn filters_mut(&mut self) -> Option<&mut Filters> {
        self.stack.iter_mut().rev().find_map(|o| match o {
            Overlay::Filters(x) => Some(x.as_mut()),
            _ => None,
        })
    }

    pub fn close_filters(&mut self) -> Option<Filters> {
        let i = self
            .stack
            .iter()
            .rposition(|o| matches!(o, Overlay::Filters(_)))?;
        match self.stack.remove(i) {
            Overlay::Filters(x) => Some(*x),
            _ => None,
        }
    }

    pub fn columns_mut(&mut self) -> Option<&mut ColumnChooser> {
        self.stack.iter_mut().rev().find_map(|o| match o {
            Overlay::Columns(x) => Some(x.as_mut()),
            _ => None,
        })
    }

    pub fn close_columns(&mut self) -> Option<ColumnChooser> {
        let i = self
            .stack
            .iter()
            .rposition(|o| matches!(o, Overlay::Columns(_)))?;
        match self.stack.remove(i) {
            Overlay::Columns(x) => Some(*x),
            _ => None,
        }
    }

    /// Whether the outbox list is open.
    pub fn outbox(&self) -> bool {
        self.stack.iter().any(|o| matches!(o, Overlay::Outbox))
    }

    pub fn close_outbox(&mut self) {
        self.stack.retain(|o| !matches!(o, Overlay::Outbox));
    }

    /// Whether the copilot's pane is open.
    pub fn copilot(&self) -> bool {
        self.stack.iter().any(|o| matches!(o, Overlay::Copilot))
    }

    pub fn close_copilot(&mut self) {
        self.stack.retain(|o| !matches!(o, Overlay::Copilot));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_opened_is_on_top_and_one_of_a_kind_replaces_the_other() {
        let mut o = Overlays::default();
        assert!(o.top().is_none() && !o.modal());
        o.open(Overlay::Help { scroll: 3 });
        o.open(Overlay::Palette(Palette::default()));
        assert!(matches!(o.top(), Some(Overlay::Palette(_))));
        assert!(
            !o.modal(),
            "help and palette leave the mouse to the screens"
        );
        o.open(Overlay::Notice("stale".into()));
        assert!(o.modal());
        // Opening the help again moves it on top, with its new scroll.
        o.open(Overlay::Help { scroll: 0 });
        assert!(matches!(o.top(), Some(Overlay::Help { scroll: 0 })));
        assert_eq!(o.iter().count(), 3);
        // Closing one kind leaves the others in their order.
        assert_eq!(o.close_notice().as_deref(), Some("stale"));
        let kinds: Vec<&str> = o
            .iter()
            .map(|x| match x {
                Overlay::Palette(_) => "palette",
                Overlay::Help { .. } => "help",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["palette", "help"]);
        o.close_help();
        assert!(o.palette().is_some() && o.help().is_none());
    }
}
