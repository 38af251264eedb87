//! The saved-view prompt: a name to save or rename a view under, or yes/no to
//! delete one.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::App;
use crate::overlay::ViewPrompt;
use crate::state::Command;

impl App {
    /// A key while the footer asks about a saved view.
    pub(crate) fn view_prompt_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(prompt) = self.overlays.prompt_mut() else {
            return vec![];
        };
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return vec![];
        }
        match prompt {
            ViewPrompt::Delete(i) => {
                let i = *i;
                self.overlays.close_prompt();
                if !matches!(k.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.status = Some("kept the view".into());
                    return vec![];
                }
                let gone = self.views.saved.remove(i);
                if i < self.views.counts.len() {
                    self.views.counts.remove(i);
                }
                self.views.active = None;
                self.status = Some(format!("deleted the view \"{}\"", gone.name));
                self.write_views()
            }
            ViewPrompt::Name { input, renaming } => {
                match k.code {
                    KeyCode::Esc => {
                        self.overlays.close_prompt();
                    }
                    KeyCode::Enter => {
                        let name = input.trim().to_string();
                        let renaming = *renaming;
                        return self.name_view(name, renaming);
                    }
                    _ => {
                        crate::line::edit(input, &k);
                    }
                }
                vec![]
            }
        }
    }
}
