//! The bytes a terminal sends, as crossterm events: what `crossterm::event::read`
//! does for the process's own terminal, done here for a terminal at the other end
//! of a channel (an SSH session), where crossterm cannot read.
//!
//! It follows crossterm's own parser in what each sequence means (a capital
//! letter carries SHIFT, `\n` is Ctrl-J, modifiers in the xterm form `1;5A`), so
//! the app reacts to a key over SSH as it does locally. It differs where a
//! channel needs it: bytes come in pieces of any size, so an unfinished sequence
//! is kept for the next piece instead of being read again from the terminal, and
//! `\x08` is Backspace (terminals that send it for Backspace are common among
//! SSH clients; no binding uses Ctrl-H).

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

/// How long a lone ESC waits for the rest of a sequence before it is the Esc key.
/// A sequence's bytes leave the client in one write, so they arrive together;
/// 30 ms is long enough for a slow link to deliver the rest and short enough that
/// Esc does not feel late.
pub const ESC_WAIT: std::time::Duration = std::time::Duration::from_millis(30);

/// The most bytes of one paste kept: what comes after is dropped, the paste kept
/// as far as this. A paste is one message the app applies at once; a larger one
/// would only fill memory.
pub const MAX_PASTE: usize = 1024 * 1024;

/// The longest control sequence waited for; a longer one is garbage, dropped, so
/// that a stray ESC cannot hold everything typed after it.
const MAX_SEQUENCE: usize = 64;

const ESC: u8 = 0x1b;
const PASTE_END: &[u8] = b"\x1b[201~";

/// Turns the bytes a terminal sends (keys, escape sequences, bracketed paste, SGR
/// mouse) into crossterm events.
#[derive(Debug, Default)]
pub struct InputParser {
    /// The start of a sequence whose end has not come yet.
    held: Vec<u8>,
    /// A bracketed paste under way.
    paste: Option<Paste>,
}

/// A bracketed paste between its start and its end marker.
#[derive(Debug, Default)]
struct Paste {
    text: Vec<u8>,
    /// The last bytes seen, when they may be the start of the end marker.
    tail: Vec<u8>,
    /// Bytes past `MAX_PASTE` were dropped.
    truncated: bool,
}

impl Paste {
    fn keep(&mut self, bytes: &[u8]) {
        let room = MAX_PASTE.saturating_sub(self.text.len());
        if bytes.len() > room {
            self.truncated = true;
        }
        self.text.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn finish(mut self) -> Event {
        if self.truncated {
            // The cut may have fallen inside a character: end at the last whole one.
            if let Err(e) = std::str::from_utf8(&self.text)
                && e.error_len().is_none()
            {
                self.text.truncate(e.valid_up_to());
            }
        }
        Event::Paste(String::from_utf8_lossy(&self.text).into_owned())
    }
}

/// What the bytes at the front of the input are.
enum Parsed {
    /// An event, and how many bytes it took.
    Event(Event, usize),
    /// Bytes that mean nothing to the app (a terminal's report, a broken
    /// sequence): how many to drop.
    Skip(usize),
    /// The start of a bracketed paste, and the marker's length.
    PasteStart(usize),
    /// The start of a sequence whose rest has not come yet.
    Incomplete,
}

impl InputParser {
    pub fn new() -> InputParser {
        InputParser::default()
    }

    /// The events these bytes complete; an incomplete escape sequence (a lone ESC
    /// included) is kept for the next bytes.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(bytes);
        let mut out = vec![];
        let mut at = 0;
        loop {
            if self.paste.is_some() {
                match self.paste_bytes(&data[at..]) {
                    Some((event, used)) => {
                        out.push(event);
                        at += used;
                        continue;
                    }
                    None => break,
                }
            }
            if at >= data.len() {
                break;
            }
            match parse(&data[at..]) {
                Parsed::Event(event, n) => {
                    out.push(event);
                    at += n;
                }
                Parsed::Skip(n) => at += n,
                Parsed::PasteStart(n) => {
                    self.paste = Some(Paste::default());
                    at += n;
                }
                Parsed::Incomplete => {
                    self.held = data[at..].to_vec();
                    break;
                }
            }
        }
        out
    }

    /// Whether bytes are held waiting for the rest of a sequence. A bracketed
    /// paste under way is not: it waits for its end marker however long it takes,
    /// and `flush` leaves it alone.
    pub fn pending(&self) -> bool {
        !self.held.is_empty()
    }

    /// The held bytes as what they are on their own (a lone ESC is the Esc key),
    /// called when no more bytes came within a short wait (ESC_WAIT).
    pub fn flush(&mut self) -> Vec<Event> {
        let mut out = vec![];
        while !self.held.is_empty() {
            let held = std::mem::take(&mut self.held);
            let used = match held.as_slice() {
                // ESC and a character: that character with Alt (Alt-[ is `\x1b[`).
                [ESC, rest @ ..] if !rest.is_empty() && rest[0] != ESC => match plain(rest) {
                    Parsed::Event(Event::Key(mut k), n) => {
                        k.modifiers |= KeyModifiers::ALT;
                        out.push(Event::Key(k));
                        1 + n
                    }
                    _ => {
                        out.push(key(KeyCode::Esc, KeyModifiers::NONE));
                        1
                    }
                },
                [ESC, ..] => {
                    out.push(key(KeyCode::Esc, KeyModifiers::NONE));
                    1
                }
                // The start of a character whose other bytes never came.
                _ => 1,
            };
            out.extend(self.feed(&held[used..]));
        }
        out
    }

    /// Bytes inside a bracketed paste: the paste and how many of `bytes` it took
    /// when its end marker is among them, else None (all kept).
    fn paste_bytes(&mut self, bytes: &[u8]) -> Option<(Event, usize)> {
        let paste = self.paste.as_mut()?;
        let before = paste.tail.len();
        let mut joined = std::mem::take(&mut paste.tail);
        joined.extend_from_slice(bytes);
        if let Some(pos) = find(&joined, PASTE_END) {
            paste.keep(&joined[..pos]);
            let event = self.paste.take()?.finish();
            // The marker is longer than the tail, so it ends inside `bytes`.
            return Some((event, pos + PASTE_END.len() - before));
        }
        let keep = (1..PASTE_END.len())
            .rev()
            .find(|&n| joined.ends_with(&PASTE_END[..n]))
            .unwrap_or(0);
        let cut = joined.len() - keep;
        paste.keep(&joined[..cut]);
        paste.tail = joined[cut..].to_vec();
        None
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
    Event::Key(KeyEvent::new(code, modifiers))
}

/// The event at the front of `b` (not empty).
fn parse(b: &[u8]) -> Parsed {
    if b[0] != ESC {
        return plain(b);
    }
    match b.get(1) {
        None => Parsed::Incomplete,
        Some(b'[') => csi(b),
        Some(b'O') => ss3(b),
        // ESC ESC: the first is the Esc key.
        Some(&ESC) => Parsed::Event(key(KeyCode::Esc, KeyModifiers::NONE), 1),
        Some(_) => match plain(&b[1..]) {
            Parsed::Event(Event::Key(mut k), n) => {
                k.modifiers |= KeyModifiers::ALT;
                Parsed::Event(Event::Key(k), n + 1)
            }
            Parsed::Incomplete => Parsed::Incomplete,
            _ => Parsed::Skip(1),
        },
    }
}

/// A key that is one byte or one character (no ESC in front).
fn plain(b: &[u8]) -> Parsed {
    let none = KeyModifiers::NONE;
    let ctrl = KeyModifiers::CONTROL;
    let code = match b[0] {
        b'\r' => KeyCode::Enter,
        b'\t' => KeyCode::Tab,
        0x7f | 0x08 => KeyCode::Backspace,
        0 => return Parsed::Event(key(KeyCode::Char(' '), ctrl), 1),
        c @ 0x01..=0x1a => {
            return Parsed::Event(key(KeyCode::Char((c - 1 + b'a') as char), ctrl), 1);
        }
        c @ 0x1c..=0x1f => {
            return Parsed::Event(key(KeyCode::Char((c - 0x1c + b'4') as char), ctrl), 1);
        }
        _ => return utf8(b),
    };
    Parsed::Event(key(code, none), 1)
}

/// A character of one to four bytes; a capital letter carries SHIFT.
fn utf8(b: &[u8]) -> Parsed {
    let len = match b[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Parsed::Skip(1),
    };
    if b.len() < len {
        // Wait for the rest only if what came so far can start a character.
        return match b[1..].iter().all(|c| c & 0xc0 == 0x80) {
            true => Parsed::Incomplete,
            false => Parsed::Skip(1),
        };
    }
    match std::str::from_utf8(&b[..len])
        .ok()
        .and_then(|s| s.chars().next())
    {
        Some(c) => {
            let modifiers = match c.is_uppercase() {
                true => KeyModifiers::SHIFT,
                false => KeyModifiers::NONE,
            };
            Parsed::Event(key(KeyCode::Char(c), modifiers), len)
        }
        None => Parsed::Skip(1),
    }
}

/// `ESC O x`: arrows, Home, End and F1-F4 in the application-keypad form
/// (`screen`, tmux, xterm in application mode), a modifier digit allowed before x.
fn ss3(b: &[u8]) -> Parsed {
    let (modifiers, at) = match b.get(2) {
        None => return Parsed::Incomplete,
        Some(d @ b'2'..=b'9') => (modifiers(u16::from(d - b'0')), 3),
        Some(_) => (KeyModifiers::NONE, 2),
    };
    let Some(&last) = b.get(at) else {
        return Parsed::Incomplete;
    };
    let code = match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'M' => KeyCode::Enter,
        f @ b'P'..=b'S' => KeyCode::F(1 + f - b'P'),
        // Alt-O followed by what comes next.
        _ if at == 2 => {
            return Parsed::Event(
                key(KeyCode::Char('O'), KeyModifiers::ALT | KeyModifiers::SHIFT),
                2,
            );
        }
        _ => return Parsed::Skip(at + 1),
    };
    Parsed::Event(key(code, modifiers), at + 1)
}

/// xterm's modifier parameter (1 + a mask: shift 1, alt 2, ctrl 4, ...).
fn modifiers(n: u16) -> KeyModifiers {
    let mask = n.saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    for (bit, modifier) in [
        (1, KeyModifiers::SHIFT),
        (2, KeyModifiers::ALT),
        (4, KeyModifiers::CONTROL),
        (8, KeyModifiers::SUPER),
        (16, KeyModifiers::HYPER),
        (32, KeyModifiers::META),
    ] {
        if mask & bit != 0 {
            m |= modifier;
        }
    }
    m
}

/// `ESC [ ...`: keys in the xterm, `screen`/rxvt and Linux console forms,
/// bracketed paste's start, SGR and X10 mouse, focus; a terminal's reports are
/// skipped.
fn csi(b: &[u8]) -> Parsed {
    match b.get(2) {
        None => return Parsed::Incomplete,
        // X10 mouse: ESC [ M and three bytes.
        Some(b'M') => {
            return match b.get(3..6) {
                None => Parsed::Incomplete,
                Some(&[cb, x, y]) => mouse(
                    u16::from(cb.saturating_sub(32)),
                    u16::from(x.saturating_sub(33)),
                    u16::from(y.saturating_sub(33)),
                    false,
                    6,
                ),
                Some(_) => Parsed::Skip(6),
            };
        }
        // The Linux console's F1-F5: ESC [ [ A..E.
        Some(b'[') => {
            return match b.get(3) {
                None => Parsed::Incomplete,
                Some(f @ b'A'..=b'E') => {
                    Parsed::Event(key(KeyCode::F(1 + f - b'A'), KeyModifiers::NONE), 4)
                }
                Some(_) => Parsed::Skip(4),
            };
        }
        Some(_) => {}
    }
    // Parameters (0x30-0x3f), intermediates (0x20-0x2f), then a final byte. rxvt
    // ends a modified key with `$` (shift), `^` (ctrl) or `@` (both).
    let mut end = None;
    for (i, &c) in b.iter().enumerate().skip(2) {
        match c {
            b'$' if b[2..i].iter().all(u8::is_ascii_digit) && i > 2 => {
                end = Some(i);
                break;
            }
            0x20..=0x3f => {}
            0x40..=0x7e => {
                end = Some(i);
                break;
            }
            // A control byte inside: the sequence was broken off; drop what came.
            _ => return Parsed::Skip(i),
        }
        if i >= MAX_SEQUENCE {
            return Parsed::Skip(i + 1);
        }
    }
    let Some(end) = end else {
        return Parsed::Incomplete;
    };
    let used = end + 1;
    let last = b[end];
    let params = &b[2..end];
    let skip = Parsed::Skip(used);
    if let Some(sgr) = params.strip_prefix(b"<") {
        let n = numbers(sgr);
        return match (last, n.as_slice()) {
            (b'M' | b'm', &[cb, x, y]) => mouse(
                cb,
                x.saturating_sub(1),
                y.saturating_sub(1),
                last == b'm',
                used,
            ),
            _ => skip,
        };
    }
    // Reports and private sequences (`?`, `>`, `=`): nothing the app asked for.
    if params
        .first()
        .is_some_and(|c| matches!(c, b'?' | b'>' | b'='))
    {
        return skip;
    }
    let n = numbers(params);
    let first = n.first().copied().unwrap_or(1);
    let mods = modifiers(n.get(1).copied().unwrap_or(1));
    let code = match last {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        f @ b'P'..=b'S' => KeyCode::F(1 + f - b'P'),
        b'Z' => return Parsed::Event(key(KeyCode::BackTab, KeyModifiers::SHIFT | mods), used),
        // rxvt's shifted arrows.
        a @ b'a'..=b'd' => {
            let code =
                [KeyCode::Up, KeyCode::Down, KeyCode::Right, KeyCode::Left][usize::from(a - b'a')];
            return Parsed::Event(key(code, KeyModifiers::SHIFT), used);
        }
        b'I' => return Parsed::Event(Event::FocusGained, used),
        b'O' => return Parsed::Event(Event::FocusLost, used),
        b'~' | b'$' | b'^' | b'@' => {
            if last == b'~' && first == 200 {
                return Parsed::PasteStart(used);
            }
            let mods = match last {
                b'$' => KeyModifiers::SHIFT,
                b'^' => KeyModifiers::CONTROL,
                b'@' => KeyModifiers::CONTROL | KeyModifiers::SHIFT,
                _ => mods,
            };
            let code = match first {
                1 | 7 => KeyCode::Home,
                2 => KeyCode::Insert,
                3 => KeyCode::Delete,
                4 | 8 => KeyCode::End,
                5 => KeyCode::PageUp,
                6 => KeyCode::PageDown,
                f @ 11..=15 => KeyCode::F((f - 10) as u8),
                f @ 17..=21 => KeyCode::F((f - 11) as u8),
                f @ 23..=26 => KeyCode::F((f - 12) as u8),
                f @ 28..=29 => KeyCode::F((f - 13) as u8),
                f @ 31..=34 => KeyCode::F((f - 14) as u8),
                _ => return skip,
            };
            return Parsed::Event(key(code, mods), used);
        }
        _ => return skip,
    };
    Parsed::Event(key(code, mods), used)
}

/// The numbers of `1;5` (a sub-parameter after `:` is ignored; a missing number
/// is 1, as in `;5`).
fn numbers(params: &[u8]) -> Vec<u16> {
    params
        .split(|&c| c == b';')
        .map(|p| {
            let p = p.split(|&c| c == b':').next().unwrap_or(&[]);
            match p.is_empty() {
                true => 1,
                false => p.iter().fold(0u16, |n, &d| {
                    n.saturating_mul(10)
                        .saturating_add(u16::from(d.wrapping_sub(b'0')).min(9))
                }),
            }
        })
        .collect()
}

/// A mouse report: its button byte (as crossterm reads it), the cell (from 0),
/// and whether it is an SGR release.
fn mouse(cb: u16, column: u16, row: u16, release: bool, used: usize) -> Parsed {
    let button = (cb & 0b11) | ((cb & 0b1100_0000) >> 4);
    let dragging = cb & 0b10_0000 != 0;
    let which = |n| match n {
        0 => MouseButton::Left,
        1 => MouseButton::Middle,
        _ => MouseButton::Right,
    };
    let kind = match (button, dragging) {
        (0..=2, false) if release => MouseEventKind::Up(which(button)),
        (0..=2, false) => MouseEventKind::Down(which(button)),
        (0..=2, true) => MouseEventKind::Drag(which(button)),
        (3, false) => MouseEventKind::Up(MouseButton::Left),
        (3..=5, true) => MouseEventKind::Moved,
        (4, false) => MouseEventKind::ScrollUp,
        (5, false) => MouseEventKind::ScrollDown,
        (6, false) => MouseEventKind::ScrollLeft,
        (7, false) => MouseEventKind::ScrollRight,
        _ => return Parsed::Skip(used),
    };
    let mut modifiers = KeyModifiers::NONE;
    if cb & 0b100 != 0 {
        modifiers |= KeyModifiers::SHIFT;
    }
    if cb & 0b1000 != 0 {
        modifiers |= KeyModifiers::ALT;
    }
    if cb & 0b1_0000 != 0 {
        modifiers |= KeyModifiers::CONTROL;
    }
    Parsed::Event(
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers,
        }),
        used,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, m: KeyModifiers) -> Event {
        key(code, m)
    }

    fn ch(c: char) -> Event {
        k(KeyCode::Char(c), KeyModifiers::NONE)
    }

    const NONE: KeyModifiers = KeyModifiers::NONE;

    #[test]
    fn keys_are_read_one_by_one() {
        let mut p = InputParser::new();
        assert_eq!(
            p.feed(b"jQ\r\x7f\x08\t\x1b[Z\x03\n"),
            vec![
                ch('j'),
                k(KeyCode::Char('Q'), KeyModifiers::SHIFT),
                k(KeyCode::Enter, NONE),
                k(KeyCode::Backspace, NONE),
                k(KeyCode::Backspace, NONE),
                k(KeyCode::Tab, NONE),
                k(KeyCode::BackTab, KeyModifiers::SHIFT),
                k(KeyCode::Char('c'), KeyModifiers::CONTROL),
                k(KeyCode::Char('j'), KeyModifiers::CONTROL),
            ]
        );
        assert!(!p.pending());
    }

    #[test]
    fn alt_x_in_one_read_is_alt_and_a_lone_esc_waits_then_is_esc() {
        let mut p = InputParser::new();
        assert_eq!(
            p.feed(b"\x1bx"),
            vec![k(KeyCode::Char('x'), KeyModifiers::ALT)]
        );
        assert!(!p.pending());
        assert_eq!(p.feed(b"\x1b"), vec![]);
        assert!(p.pending(), "a lone ESC may start a sequence");
        assert_eq!(p.flush(), vec![k(KeyCode::Esc, NONE)]);
        assert!(!p.pending());
        // ESC then the rest of a sequence in the next read: one key, not Esc.
        assert_eq!(p.feed(b"\x1b"), vec![]);
        assert_eq!(p.feed(b"[A"), vec![k(KeyCode::Up, NONE)]);
        // Two Escs pressed: the first at once, the second after the wait.
        assert_eq!(p.feed(b"\x1b\x1b"), vec![k(KeyCode::Esc, NONE)]);
        assert_eq!(p.flush(), vec![k(KeyCode::Esc, NONE)]);
        // A half sequence left alone: Alt and its first character, then the rest.
        assert_eq!(p.feed(b"\x1b[1;"), vec![]);
        assert_eq!(
            p.flush(),
            vec![k(KeyCode::Char('['), KeyModifiers::ALT), ch('1'), ch(';')]
        );
    }

    #[test]
    fn arrows_and_editing_keys_in_the_xterm_screen_and_rxvt_forms() {
        let mut p = InputParser::new();
        let xterm = p.feed(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F\x1b[1;5C\x1b[1;2A");
        let screen = p.feed(b"\x1bOA\x1bOB\x1bOC\x1bOD\x1b[1~\x1b[4~");
        assert_eq!(
            xterm,
            vec![
                k(KeyCode::Up, NONE),
                k(KeyCode::Down, NONE),
                k(KeyCode::Right, NONE),
                k(KeyCode::Left, NONE),
                k(KeyCode::Home, NONE),
                k(KeyCode::End, NONE),
                k(KeyCode::Right, KeyModifiers::CONTROL),
                k(KeyCode::Up, KeyModifiers::SHIFT),
            ]
        );
        assert_eq!(
            screen,
            vec![
                k(KeyCode::Up, NONE),
                k(KeyCode::Down, NONE),
                k(KeyCode::Right, NONE),
                k(KeyCode::Left, NONE),
                k(KeyCode::Home, NONE),
                k(KeyCode::End, NONE),
            ]
        );
        assert_eq!(
            p.feed(b"\x1b[7~\x1b[8~\x1b[2~\x1b[3~\x1b[5~\x1b[6~\x1b[3^\x1b[a"),
            vec![
                k(KeyCode::Home, NONE),
                k(KeyCode::End, NONE),
                k(KeyCode::Insert, NONE),
                k(KeyCode::Delete, NONE),
                k(KeyCode::PageUp, NONE),
                k(KeyCode::PageDown, NONE),
                k(KeyCode::Delete, KeyModifiers::CONTROL),
                k(KeyCode::Up, KeyModifiers::SHIFT),
            ]
        );
        let f: Vec<Event> = (1..=12).map(|n| k(KeyCode::F(n), NONE)).collect();
        assert_eq!(
            p.feed(b"\x1bOP\x1bOQ\x1bOR\x1bOS\x1b[15~\x1b[17~\x1b[18~\x1b[19~\x1b[20~\x1b[21~\x1b[23~\x1b[24~"),
            f
        );
        assert_eq!(
            p.feed(b"\x1b[11~\x1b[12~\x1b[[A"),
            vec![
                k(KeyCode::F(1), NONE),
                k(KeyCode::F(2), NONE),
                k(KeyCode::F(1), NONE)
            ]
        );
    }

    #[test]
    fn a_sequence_split_across_reads_is_one_key() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"\x1b["), vec![]);
        assert!(p.pending());
        assert_eq!(p.feed(b"5"), vec![]);
        assert_eq!(p.feed(b"~j"), vec![k(KeyCode::PageUp, NONE), ch('j')]);
        assert!(!p.pending());
    }

    #[test]
    fn a_paste_split_across_reads_is_one_event_with_what_follows_it_after() {
        let mut p = InputParser::new();
        assert_eq!(p.feed(b"a\x1b[200~first li"), vec![ch('a')]);
        assert_eq!(p.feed(b"ne\r\nq \x1b[2"), vec![]);
        assert!(!p.pending(), "a paste is not flushed");
        assert_eq!(p.flush(), vec![]);
        assert_eq!(p.feed(b"01"), vec![]);
        assert_eq!(
            p.feed(b"~q"),
            vec![Event::Paste("first line\r\nq ".into()), ch('q')]
        );
        // A look-alike of the end marker inside the paste stays in it.
        assert_eq!(
            p.feed(b"\x1b[200~x\x1b[201y\x1b[201~"),
            vec![Event::Paste("x\x1b[201y".into())]
        );
    }

    #[test]
    fn a_paste_is_cut_at_the_cap_on_a_character_boundary() {
        let mut p = InputParser::new();
        let mut events = p.feed(b"\x1b[200~");
        let chunk = "é".repeat(1000);
        for _ in 0..(MAX_PASTE / chunk.len() + 2) {
            events.extend(p.feed(chunk.as_bytes()));
        }
        events.extend(p.feed(b"\x1b[201~z"));
        let [Event::Paste(text), z] = events.as_slice() else {
            panic!("one paste and one key: {:?}", events.len());
        };
        assert!(text.len() <= MAX_PASTE && text.len() > MAX_PASTE - 4);
        assert!(text.chars().all(|c| c == 'é'));
        assert_eq!(z, &ch('z'));
    }

    #[test]
    fn sgr_and_x10_mouse() {
        let mut p = InputParser::new();
        let at = |kind, column, row, modifiers| {
            Event::Mouse(MouseEvent {
                kind,
                column,
                row,
                modifiers,
            })
        };
        assert_eq!(
            p.feed(b"\x1b[<0;10;5M\x1b[<0;10;5m\x1b[<64;1;1M\x1b[<65;2;3M\x1b[<32;4;4M\x1b[<35;7;8M\x1b[<18;3;3M"),
            vec![
                at(MouseEventKind::Down(MouseButton::Left), 9, 4, NONE),
                at(MouseEventKind::Up(MouseButton::Left), 9, 4, NONE),
                at(MouseEventKind::ScrollUp, 0, 0, NONE),
                at(MouseEventKind::ScrollDown, 1, 2, NONE),
                at(MouseEventKind::Drag(MouseButton::Left), 3, 3, NONE),
                at(MouseEventKind::Moved, 6, 7, NONE),
                at(MouseEventKind::Down(MouseButton::Right), 2, 2, KeyModifiers::CONTROL),
            ]
        );
        // Split in the middle, and the old X10 form (1-based, offset by 32).
        assert_eq!(p.feed(b"\x1b[<0;1"), vec![]);
        assert_eq!(
            p.feed(b"2;3M\x1b[M !!"),
            vec![
                at(MouseEventKind::Down(MouseButton::Left), 11, 2, NONE),
                at(MouseEventKind::Down(MouseButton::Left), 0, 0, NONE),
            ]
        );
    }

    #[test]
    fn utf8_split_across_reads_is_one_character() {
        let mut p = InputParser::new();
        let euro = "€".as_bytes();
        assert_eq!(p.feed(&euro[..1]), vec![]);
        assert!(p.pending());
        assert_eq!(p.feed(&euro[1..2]), vec![]);
        assert_eq!(p.feed(&euro[2..]), vec![ch('€')]);
        let crab = "🦀".as_bytes();
        assert_eq!(p.feed(&[b'a', crab[0], crab[1]]), vec![ch('a')]);
        assert_eq!(p.feed(&crab[2..]), vec![ch('🦀')]);
        // Alt with a character of several bytes.
        assert_eq!(
            p.feed("\x1bé".as_bytes()),
            vec![k(KeyCode::Char('é'), KeyModifiers::ALT)]
        );
        // A byte that starts no character is dropped, and what follows is read.
        assert_eq!(p.feed(b"\xffb"), vec![ch('b')]);
    }

    #[test]
    fn reports_and_garbage_do_not_hold_the_keys_after_them() {
        let mut p = InputParser::new();
        assert_eq!(
            p.feed(b"\x1b[?1;2cx\x1b[I"),
            vec![ch('x'), Event::FocusGained]
        );
        let mut long = b"\x1b[".to_vec();
        long.extend(std::iter::repeat_n(b'1', MAX_SEQUENCE + 10));
        long.push(b'j');
        let events = p.feed(&long);
        assert_eq!(events.last(), Some(&ch('j')));
        assert!(!p.pending());
    }
}
