//! One-line text input as a shell edits it: the filter (`/`), the where bar (`F`),
//! the palette (`:`), the Interactions search, view names and typed confirmations
//! all take their keys through [`edit`], so Ctrl-U, Ctrl-W and Ctrl-H do the same
//! everywhere and never type letters.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The text changed.
    Changed,
    /// The key belongs to the line but changed nothing (Backspace on an empty line,
    /// a control key with no meaning here).
    Kept,
    /// Ctrl-C: leave the app.
    Quit,
    /// Not a line-editing key: the prompt decides (Enter, Esc, arrows...).
    Other,
}

/// Applies a key to `line`: characters are typed at the end; Backspace and Ctrl-H
/// delete a character, Ctrl-W the word before the end (and the spaces after it),
/// Ctrl-U the whole line.
pub fn edit(line: &mut String, k: &KeyEvent) -> Edit {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    let changed = |did: bool| if did { Edit::Changed } else { Edit::Kept };
    match k.code {
        KeyCode::Char('c') if ctrl => Edit::Quit,
        KeyCode::Backspace | KeyCode::Char('h') if k.code == KeyCode::Backspace || ctrl => {
            changed(line.pop().is_some())
        }
        KeyCode::Char('w') if ctrl => changed(delete_word(line)),
        KeyCode::Char('u') if ctrl => {
            let had = !line.is_empty();
            line.clear();
            changed(had)
        }
        // Another control or Alt chord is not text.
        KeyCode::Char(_) if ctrl || alt => Edit::Kept,
        KeyCode::Char(c) => {
            line.push(c);
            Edit::Changed
        }
        _ => Edit::Other,
    }
}

/// Pastes text into a line: line breaks and tabs become spaces, other control
/// characters are dropped.
pub fn paste(line: &mut String, text: &str) -> Edit {
    let before = line.len();
    line.extend(text.chars().filter_map(|c| match c {
        '\n' | '\r' | '\t' => Some(' '),
        c if c.is_control() => None,
        c => Some(c),
    }));
    if line.len() == before {
        Edit::Kept
    } else {
        Edit::Changed
    }
}

/// Deletes the word before the end of the line, as Ctrl-W in a shell: the spaces
/// at the end, then the characters up to the previous space.
fn delete_word(line: &mut String) -> bool {
    let trimmed = line.trim_end().len();
    let start = line[..trimmed].rfind(char::is_whitespace).map_or(0, |i| {
        i + line[i..].chars().next().map_or(1, char::len_utf8)
    });
    let changed = start < line.len();
    line.truncate(start);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    fn ctrl(c: char) -> KeyEvent {
        key(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn keys_edit_as_in_a_shell() {
        let mut s = String::new();
        for c in "health<40 region:EMEA".chars() {
            assert_eq!(
                edit(&mut s, &key(KeyCode::Char(c), KeyModifiers::NONE)),
                Edit::Changed
            );
        }
        assert_eq!(edit(&mut s, &ctrl('w')), Edit::Changed);
        assert_eq!(s, "health<40 ");
        assert_eq!(edit(&mut s, &ctrl('h')), Edit::Changed);
        assert_eq!(s, "health<40");
        assert_eq!(
            edit(&mut s, &key(KeyCode::Backspace, KeyModifiers::NONE)),
            Edit::Changed
        );
        assert_eq!(s, "health<4");
        // Ctrl-W with spaces at the end takes them and the word before.
        s = "owner:@me  tag:x   ".into();
        edit(&mut s, &ctrl('w'));
        assert_eq!(s, "owner:@me  ");
        edit(&mut s, &ctrl('w'));
        assert_eq!(s, "");
        assert_eq!(edit(&mut s, &ctrl('w')), Edit::Kept);
        s = "stage:churned".into();
        assert_eq!(edit(&mut s, &ctrl('u')), Edit::Changed);
        assert_eq!(s, "");
        assert_eq!(edit(&mut s, &ctrl('u')), Edit::Kept);
        assert_eq!(edit(&mut s, &ctrl('c')), Edit::Quit);
        // No control chord types a letter.
        for c in ['a', 'f', 'x', 'z'] {
            assert_eq!(edit(&mut s, &ctrl(c)), Edit::Kept);
        }
        assert_eq!(
            edit(&mut s, &key(KeyCode::Char('x'), KeyModifiers::ALT)),
            Edit::Kept
        );
        assert_eq!(s, "");
        assert_eq!(
            edit(&mut s, &key(KeyCode::Enter, KeyModifiers::NONE)),
            Edit::Other
        );
        // Capitals come with Shift and are text.
        assert_eq!(
            edit(&mut s, &key(KeyCode::Char('A'), KeyModifiers::SHIFT)),
            Edit::Changed
        );
        assert_eq!(s, "A");
    }

    #[test]
    fn ctrl_w_deletes_words_of_any_script() {
        let mut s = String::from("Zoë Ångström");
        edit(&mut s, &ctrl('w'));
        assert_eq!(s, "Zoë ");
        let mut s = String::from("a\u{3000}日本");
        edit(&mut s, &ctrl('w'));
        assert_eq!(s, "a\u{3000}");
    }

    #[test]
    fn a_paste_is_one_line() {
        let mut s = String::from("acme ");
        assert_eq!(paste(&mut s, "north\r\nwind\t\u{1b}co"), Edit::Changed);
        assert_eq!(s, "acme north  wind co");
        assert_eq!(paste(&mut s, "\u{7}"), Edit::Kept);
    }
}
