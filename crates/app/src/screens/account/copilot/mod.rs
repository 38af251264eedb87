//! The copilot on the Interactions tab: a pane of built-in questions about the
//! last six months (and your own, with a language model), answered in the
//! background with the records each statement cites; an answer can be kept as a
//! note on the account.

pub mod draw;
pub mod update;

use std::sync::Arc;

use tend_backend::ai::ChatMessage;
use tend_engines::copilot::Prompt;

use crate::state::{Cancel, CopilotAnswer};

/// The copilot's conversation with one account.
#[derive(Debug, Clone, Default)]
pub struct Copilot {
    /// The menu's cursor: the built-in prompts, then "Your own question…".
    pub menu: usize,
    /// A question being typed (your own, or a follow-up).
    pub typing: Option<String>,
    /// The questions asked and their answers, oldest first.
    pub turns: Vec<Turn>,
    /// The conversation as the model is given it.
    pub history: Vec<ChatMessage>,
    /// The answer under way.
    pub running: Option<Running>,
    /// An answer came while the pane was closed.
    pub ready: bool,
    /// A message in the pane (how to configure a model, what was saved).
    pub said: Option<String>,
    /// Lines scrolled down from the start of the latest question.
    pub scroll: usize,
    /// How far `scroll` goes at most (kept by the drawing).
    pub scroll_max: std::cell::Cell<usize>,
}

/// One question and its answer (or why there is none).
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub question: String,
    pub prompt: Option<Prompt>,
    pub answer: Result<CopilotAnswer, String>,
}

/// A question being answered.
#[derive(Debug, Clone)]
pub struct Running {
    pub job: u64,
    pub question: String,
    pub prompt: Option<Prompt>,
    /// The model's answer so far.
    pub streamed: String,
    /// Cancels the model's work (a new conversation; leaving the account).
    pub cancel: Option<Arc<Cancel>>,
}

/// What the pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The questions to choose from.
    Menu,
    /// A question being typed.
    Typing,
    /// The conversation (and the answer under way).
    Conversation,
}

impl Copilot {
    pub fn mode(&self) -> Mode {
        if self.typing.is_some() {
            Mode::Typing
        } else if self.turns.is_empty() && self.running.is_none() {
            Mode::Menu
        } else {
            Mode::Conversation
        }
    }

    /// The menu: the built-in prompts' labels, then your own question.
    pub fn menu_items() -> Vec<&'static str> {
        let mut items: Vec<&str> = Prompt::ALL.iter().map(|p| p.label()).collect();
        items.push(OWN_QUESTION);
        items
    }
}

/// The last entry of the menu.
pub const OWN_QUESTION: &str = "Your own question…";

/// An answer as the note saved from it reads: the statements (an email draft as
/// the email), the note, then the records cited.
pub fn answer_text(question: &str, prompt: Option<Prompt>, a: &CopilotAnswer) -> String {
    let body = match prompt {
        Some(p) => tend_engines::copilot::Answer {
            prompt: p,
            statements: a.statements.clone(),
            note: a.note.clone(),
        }
        .text(),
        None => {
            let mut lines: Vec<String> = a
                .statements
                .iter()
                .map(|s| format!("- {}", s.text))
                .collect();
            if let Some(n) = &a.note {
                lines.push(String::new());
                lines.push(format!("({n})"));
            }
            lines.join("\n")
        }
    };
    let cited: Vec<tend_domain::Citation> = a
        .statements
        .iter()
        .flat_map(|s| s.citations.iter().copied())
        .collect();
    let refs = crate::screens::account::cite::grouped(&cited, usize::MAX).join(" ");
    let mut out = format!("Copilot: {question}\n\n{}", body.trim_end());
    if !refs.is_empty() {
        out.push_str(&format!("\n\nCited: {refs}"));
    }
    out
}
