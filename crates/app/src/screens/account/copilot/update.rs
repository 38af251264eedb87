//! Keys in the copilot's pane and the answers of its background work.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tend_backend::Write;
use tend_backend::ai::ChatMessage;
use tend_domain::*;
use tend_engines::copilot::Prompt;

use crate::app::App;
use crate::line::Edit;
use crate::overlay::Overlay;
use crate::screens::account::copilot::{Copilot, Mode, Running, Turn, answer_text};
use crate::state::{Ask, Cancel, Command, CopilotAnswer, Model};

/// What "Your own question…" and `f` say without a language model.
pub const NEEDS_MODEL: &str = "Your own questions need a language model: set [ai] in the config (README, 'Language model'). The built-in questions work without one.";

/// What saving an answer as a note is called (the footer says it once saved).
pub const NOTE_SAVED: &str = "saved the copilot's answer as a note";

/// The longest subject a saved note takes from its question.
const SUBJECT_CHARS: usize = 120;

impl App {
    /// `a` on the Interactions tab: the copilot's pane (what it was doing, as it
    /// was left).
    pub(crate) fn open_copilot(&mut self) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        if a.data.value().is_none() {
            self.status = Some("the account is still loading".into());
            return vec![];
        }
        a.copilot.ready = false;
        a.copilot.scroll = 0;
        self.overlays.open(Overlay::Copilot);
        vec![]
    }

    /// A key while the copilot's pane is open.
    pub(crate) fn copilot_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let ctrl_c = k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl_c {
            self.quit = true;
            return vec![];
        }
        let Some(a) = self.account.as_mut() else {
            self.overlays.close_copilot();
            return vec![];
        };
        let c = &mut a.copilot;
        match c.mode() {
            Mode::Typing => {
                let typed = c.typing.get_or_insert_with(String::new);
                match k.code {
                    KeyCode::Esc => c.typing = None,
                    KeyCode::Enter => {
                        let question = typed.trim().to_string();
                        if question.is_empty() {
                            return vec![];
                        }
                        c.typing = None;
                        let history = c.history.clone();
                        return self.ask_copilot(
                            Ask::Question {
                                question: question.clone(),
                                history,
                            },
                            question,
                            None,
                        );
                    }
                    _ => {
                        if crate::line::edit(typed, &k) == Edit::Quit {
                            self.quit = true;
                        }
                    }
                }
                vec![]
            }
            Mode::Menu => {
                c.said = None;
                let n = Copilot::menu_items().len();
                let chosen = match k.code {
                    KeyCode::Esc => {
                        self.overlays.close_copilot();
                        return vec![];
                    }
                    KeyCode::Char('q') => {
                        self.quit = true;
                        return vec![];
                    }
                    KeyCode::Char('j') | KeyCode::Down => {
                        c.menu = (c.menu + 1).min(n - 1);
                        return vec![];
                    }
                    KeyCode::Char('k') | KeyCode::Up => {
                        c.menu = c.menu.saturating_sub(1);
                        return vec![];
                    }
                    KeyCode::Enter => c.menu,
                    KeyCode::Char(d @ '1'..='9') if (d as usize - '1' as usize) < n => {
                        c.menu = d as usize - '1' as usize;
                        c.menu
                    }
                    _ => return vec![],
                };
                match Prompt::ALL.get(chosen) {
                    Some(p) => self.ask_copilot(Ask::Prompt(*p), p.label().to_string(), Some(*p)),
                    None => {
                        if self.ai.is_some() {
                            c.typing = Some(String::new());
                        } else {
                            c.said = Some(NEEDS_MODEL.into());
                        }
                        vec![]
                    }
                }
            }
            Mode::Conversation => {
                c.said = None;
                match k.code {
                    KeyCode::Esc => self.overlays.close_copilot(),
                    KeyCode::Char('q') => self.quit = true,
                    KeyCode::Char('j') | KeyCode::Down => {
                        c.scroll = (c.scroll + 1).min(c.scroll_max.get())
                    }
                    KeyCode::Char('k') | KeyCode::Up => c.scroll = c.scroll.saturating_sub(1),
                    KeyCode::Char('c') => {
                        // A new conversation: what is under way stops.
                        if let Some(r) = c.running.take()
                            && let Some(cancel) = r.cancel
                        {
                            cancel.cancel();
                        }
                        *c = Copilot::default();
                    }
                    KeyCode::Char('f') if c.running.is_some() => {
                        c.said = Some("wait for the answer (Esc closes, it keeps coming)".into())
                    }
                    KeyCode::Char('f') if self.ai.is_none() => c.said = Some(NEEDS_MODEL.into()),
                    KeyCode::Char('f') => c.typing = Some(String::new()),
                    KeyCode::Char('n') => return self.save_copilot_note(),
                    _ => {}
                }
                vec![]
            }
        }
    }

    /// Starts answering a question in the background.
    fn ask_copilot(&mut self, ask: Ask, question: String, prompt: Option<Prompt>) -> Vec<Command> {
        let job = self.job();
        let ai = self.ai.clone();
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let (cancel, model) = match ai {
            Some(client) => {
                let (cancel, rx) = Cancel::new();
                (Some(cancel), Some(Model { client, cancel: rx }))
            }
            None => (None, None),
        };
        a.copilot.running = Some(Running {
            job,
            question,
            prompt,
            streamed: String::new(),
            cancel,
        });
        a.copilot.scroll = 0;
        vec![Command::Copilot {
            account: a.id,
            job,
            ask,
            model,
        }]
    }

    pub(crate) fn copilot_delta(&mut self, account: Id, job: u64, text: String) {
        if let Some(r) = self
            .account
            .as_mut()
            .filter(|a| a.id == account)
            .and_then(|a| a.copilot.running.as_mut())
            .filter(|r| r.job == job)
        {
            r.streamed = text;
        }
    }

    /// The answer came: it joins the conversation; with the pane closed, the
    /// account's title says it is ready.
    pub(crate) fn copilot_answered(
        &mut self,
        account: Id,
        job: u64,
        result: Result<CopilotAnswer, String>,
    ) {
        let open = self.overlays.copilot();
        let Some(a) = self.account.as_mut().filter(|a| a.id == account) else {
            return;
        };
        let c = &mut a.copilot;
        if c.running.as_ref().is_none_or(|r| r.job != job) {
            return;
        }
        let Some(r) = c.running.take() else { return };
        if let Ok(answer) = &result {
            c.history.push(ChatMessage::user(r.question.clone()));
            let said: Vec<&str> = answer.statements.iter().map(|s| s.text.as_str()).collect();
            c.history.push(ChatMessage::assistant(said.join(" ")));
        }
        c.turns.push(Turn {
            question: r.question,
            prompt: r.prompt,
            answer: result,
        });
        c.scroll = 0;
        c.ready = !open;
    }

    /// `n`: the last answer kept as a note on the account.
    fn save_copilot_note(&mut self) -> Vec<Command> {
        if self.read_only {
            let why = self.read_only_says();
            if let Some(a) = self.account.as_mut() {
                a.copilot.said = Some(why);
            }
            return vec![];
        }
        let (now, user) = (self.now, self.user.clone());
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        if a.copilot.running.is_some() {
            a.copilot.said = Some("wait for the answer before saving it".into());
            return vec![];
        }
        let Some(Turn {
            question,
            prompt,
            answer: Ok(answer),
        }) = a.copilot.turns.last()
        else {
            a.copilot.said = Some("no answer to save".into());
            return vec![];
        };
        let subject: String = format!("Copilot: {question}")
            .chars()
            .take(SUBJECT_CHARS)
            .collect();
        let note = Interaction {
            id: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            source: Source::Ui,
            external_id: None,
            account_id: a.id,
            kind: InteractionKind::Note,
            direction: Direction::Out,
            at: now,
            contact_ids: vec![],
            user: Some(user),
            subject,
            body: answer_text(question, *prompt, answer),
            tags: vec!["copilot".into()],
            sentiment: None,
            // It restates other records: counted once, through them.
            excluded_from_score: true,
            answered: false,
        };
        a.copilot.said = Some("saving the answer as a note…".into());
        let account = a.id;
        self.save(
            account,
            vec![Write::Create {
                record: Record::Interaction(note),
            }],
            NOTE_SAVED.into(),
        )
    }
}
