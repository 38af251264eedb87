//! Keys in a form, a question and a notice.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tend_backend::Write;
use tend_domain::*;

use crate::app::App;
use crate::form::{FormOutcome, FormState};
use crate::state::Command;

impl App {
    pub(crate) fn form_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
            // Quitting with a changed form asks first, like Esc; Ctrl-C again
            // (while it asks) quits.
            if let Some(f) = self.overlays.form_mut()
                && f.changed()
                && f.state != FormState::ConfirmDiscard
            {
                f.state = FormState::ConfirmDiscard;
                return vec![];
            }
            self.quit = true;
            return vec![];
        }
        let Some(form) = self.overlays.form_mut() else {
            return vec![];
        };
        let outcome = form.key(k);
        let (kind, id, creating) = (form.base.kind(), form.base.id(), form.creating);
        // A file to attach (a document's form): stored before the record.
        let attach = form.local_text("file");
        match outcome {
            FormOutcome::Stay => vec![],
            FormOutcome::Close => {
                self.overlays.close_form();
                vec![]
            }
            FormOutcome::Reload => vec![Command::Reload(kind, id)],
            FormOutcome::Save(record) => {
                let record = self.complete_record(*record);
                let what = match (&record, creating) {
                    (Record::Interaction(i), true) => format!("logged the {}", i.kind),
                    (Record::PlaybookRun(_), true) => "started the playbook".into(),
                    (r, true) => format!("created the {}", r.kind().as_str().replace('_', " ")),
                    (r, false) => format!("saved the {}", r.kind().as_str().replace('_', " ")),
                };
                let account = self.account.as_ref().map_or(0, |a| a.id);
                if let Some(path) = attach {
                    let path = std::path::PathBuf::from(path);
                    let name = path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    let what = format!("{what} with {name}");
                    self.saving = Some(what.clone());
                    self.score_before = None;
                    return vec![Command::SaveWithFile {
                        account,
                        record: Box::new(record),
                        creating,
                        path,
                        what,
                    }];
                }
                let writes = if creating {
                    vec![Write::Create { record }]
                } else {
                    vec![Write::Update { record }]
                };
                self.save(account, writes, what)
            }
        }
    }

    pub(crate) fn confirm_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(c) = self.overlays.confirm_mut() else {
            return vec![];
        };
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            // Quits from anywhere: nothing asked about was written yet.
            self.overlays.close_confirm();
            self.quit = true;
            return vec![];
        }
        let yes = match (&c.typed, k.code) {
            (_, KeyCode::Esc) => false,
            (Some(_), KeyCode::Char(_) | KeyCode::Backspace) => {
                crate::line::edit(&mut c.input, &k);
                return vec![];
            }
            (Some(name), KeyCode::Enter) => {
                if c.input.trim() != name {
                    self.status = Some("the name does not match: nothing deleted".into());
                    return vec![];
                }
                true
            }
            (None, KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter) => true,
            (None, _) => false,
            (Some(_), _) => return vec![],
        };
        let Some(c) = self.overlays.close_confirm() else {
            return vec![];
        };
        if !yes {
            self.status = Some("nothing changed".into());
            return vec![];
        }
        let account = self.account.as_ref().map_or(0, |a| a.id);
        self.save(account, c.writes, c.what)
    }

    pub(crate) fn notice_key(&mut self, k: KeyEvent) -> Vec<Command> {
        self.overlays.close_notice();
        match (k.code, self.account.as_ref()) {
            (KeyCode::Char('r'), Some(a)) => {
                self.status = Some("reloaded".into());
                vec![Command::LoadAccount(a.id)]
            }
            _ => vec![],
        }
    }
}
