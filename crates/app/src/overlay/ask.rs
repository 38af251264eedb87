//! A question in the footer that wants a word typed: how many days to snooze a My
//! work item for, whom to give it to.

use crossterm::event::{KeyCode, KeyEvent};
use tend_backend::outbound::WorkItem;

use crate::app::App;
use crate::line::Edit;
use crate::state::{Command, Triage};

/// The most days an item is snoozed for at once.
pub const MAX_SNOOZE_DAYS: u32 = 365;

/// What is asked, what is typed so far, and what the answer is for.
#[derive(Debug, Clone, PartialEq)]
pub struct Asking {
    /// " snooze for how many days? "
    pub question: String,
    pub input: String,
    /// What Enter does, for the hint ("snooze", "reassign").
    pub verb: &'static str,
    pub purpose: AskingFor,
}

/// What the typed answer is for.
#[derive(Debug, Clone, PartialEq)]
pub enum AskingFor {
    /// Snooze this item for the days typed.
    Snooze(Box<WorkItem>),
    /// Give this item to the user typed.
    Reassign(Box<WorkItem>),
}

/// The days typed, or why they are not a number of days.
pub fn parse_days(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_SNOOZE_DAYS).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{}' is not a number of days (1 to {MAX_SNOOZE_DAYS})",
            s.trim()
        )),
    }
}

impl App {
    /// A key while the footer asks for a word.
    pub(crate) fn asking_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(a) = self.overlays.asking_mut() else {
            return vec![];
        };
        match k.code {
            KeyCode::Esc => {
                self.overlays.close_asking();
                self.status = Some("nothing changed".into());
                vec![]
            }
            KeyCode::Enter => {
                let triage = match &a.purpose {
                    AskingFor::Snooze(_) => match parse_days(&a.input) {
                        Ok(days) => Triage::Snooze(days),
                        Err(e) => {
                            self.status = Some(e);
                            return vec![];
                        }
                    },
                    AskingFor::Reassign(_) => {
                        let user = a.input.trim().to_string();
                        if user.is_empty() || user.contains(char::is_whitespace) {
                            self.status =
                                Some("type the user's name (one word, as in the config)".into());
                            return vec![];
                        }
                        Triage::Reassign(user)
                    }
                };
                let Some(asked) = self.overlays.close_asking() else {
                    return vec![];
                };
                let (AskingFor::Snooze(item) | AskingFor::Reassign(item)) = asked.purpose;
                self.triage(*item, triage)
            }
            _ => {
                if crate::line::edit(&mut a.input, &k) == Edit::Quit {
                    self.quit = true;
                }
                vec![]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_a_whole_number_within_a_year() {
        assert_eq!(parse_days(" 3 "), Ok(3));
        assert_eq!(parse_days("1"), Ok(1));
        assert!(parse_days("0").is_err());
        assert!(parse_days("-2").is_err());
        assert!(parse_days("two").is_err());
        assert!(parse_days("366").is_err());
    }
}
