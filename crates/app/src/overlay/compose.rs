//! Writing an email to an account's contacts (`m` on the Interactions tab) or a
//! reply to an incoming email (`R`): To, Cc, Subject and a multi-line body in the
//! forms' text fields; Ctrl-S queues it in the outbox, Esc asks before a changed
//! draft is thrown away. The backend appends the signature (shown greyed under the
//! body when the app knows it).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tend_backend::Account360;
use tend_backend::outbound::{OutgoingEmail, mailbox};
use tend_domain::*;

use crate::app::App;
use crate::form::{Field, Parse};
use crate::state::Command;
use crate::theme::Theme;
use crate::widgets::centered;

/// The fields, in their order.
pub const TO: usize = 0;
pub const CC: usize = 1;
pub const SUBJECT: usize = 2;
pub const BODY: usize = 3;

/// The contact role a new email is addressed to.
pub const CHAMPION: &str = "champion";

/// What the draft is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeState {
    Editing,
    /// Esc (or Ctrl-C) on a changed draft: discard it?
    ConfirmDiscard,
    /// Handed to the outbox; waiting for its answer.
    Sending,
}

/// An email being written.
#[derive(Debug, Clone)]
pub struct Compose {
    pub account: Id,
    pub account_name: String,
    /// The incoming email this answers.
    pub reply_to: Option<Id>,
    /// To, Cc, Subject, Body.
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Each field as it opened (to tell a changed draft).
    initial: Vec<String>,
    pub state: ComposeState,
    /// Why the last send was refused (a field the store named, or the outbox).
    pub error: Option<String>,
    /// Said under the fields when the draft opens ("no champion with an address").
    pub note: Option<String>,
}

pub use tend_backend::outbound::{quote, reply_subject};

/// Addresses as typed, split at the commas (or semicolons) between them, not at
/// those inside a quoted name or angle brackets.
pub fn split_addresses(s: &str) -> Vec<String> {
    let mut out = vec![];
    let mut current = String::new();
    let (mut quoted, mut angle) = (false, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' | ';' if !quoted && !angle => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.into_iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect()
}

/// The contacts' addresses as a To line ("Grace Schmidt <grace@…>, …").
fn addresses<'a>(contacts: impl Iterator<Item = &'a Contact>) -> String {
    contacts
        .filter_map(|c| {
            c.email
                .as_deref()
                .filter(|e| e.contains('@'))
                .map(|e| mailbox(&c.name, e))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Compose {
    fn with(
        d: &Account360,
        reply_to: Option<Id>,
        (to, subject, body): (String, String, String),
    ) -> Compose {
        let mut fields = vec![
            Field::text("to", "To", Parse::Str),
            Field::text("cc", "Cc", Parse::Str),
            Field::text("subject", "Subject", Parse::Str),
            Field::area("body", "", 12, Parse::Str),
        ];
        fields[TO].set_text(&to);
        fields[CC].set_text("");
        fields[SUBJECT].set_text(&subject);
        fields[BODY].set_text(&body);
        let initial = fields.iter().map(Field::raw).collect();
        Compose {
            account: d.account.id,
            account_name: d.account.name.clone(),
            reply_to,
            fields,
            focus: 0,
            initial,
            state: ComposeState::Editing,
            error: None,
            note: None,
        }
    }

    /// A new email to the account's champions (To left to type when none has an
    /// address).
    pub fn new_email(d: &Account360) -> Compose {
        let to = addresses(d.contacts.iter().filter(|c| c.has_role(CHAMPION)));
        let empty = to.is_empty();
        let mut c = Compose::with(d, None, (to, String::new(), String::new()));
        if empty {
            c.note = Some("no champion with an address: type whom it goes to".into());
            c.focus = TO;
        } else {
            c.focus = SUBJECT;
        }
        c
    }

    /// A reply to every contact of an incoming email who has an address, "Re: "
    /// its subject, its text quoted under an empty start.
    pub fn reply(d: &Account360, original: &Interaction) -> Compose {
        let on_it = || {
            original
                .contact_ids
                .iter()
                .filter_map(|id| d.contacts.iter().find(|c| c.id == *id))
        };
        let to = addresses(on_it());
        let sender = on_it().next().map_or("they", |c| c.name.as_str());
        let body = format!("\n\n{}", quote(original, sender));
        let empty = to.is_empty();
        let mut c = Compose::with(
            d,
            Some(original.id),
            (to, reply_subject(&original.subject), body),
        );
        if empty {
            c.note = Some("no contact of that email has an address: type whom it goes to".into());
            c.focus = TO;
        } else {
            // Writing starts above the quote.
            let t = &mut c.fields[BODY].text;
            t.move_cursor(ratatui_textarea::CursorMove::Top);
            t.move_cursor(ratatui_textarea::CursorMove::Head);
            c.focus = BODY;
        }
        c
    }

    /// Whether anything was typed since it opened.
    pub fn changed(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.initial)
            .any(|(f, i)| f.raw() != *i)
    }

    /// The email the fields make, or the first thing wrong with them (and its field).
    pub fn email(&self) -> Result<OutgoingEmail, (usize, String)> {
        let to = split_addresses(&self.fields[TO].raw_text());
        let cc = split_addresses(&self.fields[CC].raw_text());
        if to.is_empty() {
            return Err((TO, "whom does it go to? (To is empty)".into()));
        }
        for (field, list) in [(TO, &to), (CC, &cc)] {
            if let Some(bad) = list.iter().find(|a| !a.contains('@')) {
                return Err((field, format!("'{bad}' is not an email address")));
            }
        }
        let subject = self.fields[SUBJECT].raw_text().trim().to_string();
        if subject.is_empty() {
            return Err((SUBJECT, "the subject is empty".into()));
        }
        Ok(OutgoingEmail {
            account_id: self.account,
            to,
            cc,
            subject,
            body: self.fields[BODY].raw_text().trim_end().to_string(),
            in_reply_to: self.reply_to,
        })
    }

    /// Pasted text into the field in focus (line breaks kept in the body only).
    pub fn paste(&mut self, text: &str) {
        if self.state != ComposeState::Editing {
            return;
        }
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        let f = &mut self.fields[self.focus];
        let text = if f.multiline() {
            text
        } else {
            text.replace(['\n', '\t'], " ")
        };
        let text: String = text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
            .collect();
        f.text.insert_str(text);
    }

    /// A key while editing: fields, moves between them.
    fn edit(&mut self, k: KeyEvent) {
        let n = self.fields.len();
        let multiline = self.fields[self.focus].multiline();
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Tab => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab => self.focus = (self.focus + n - 1) % n,
            // Enter in a one-line field goes on to the next (it never sends).
            KeyCode::Enter | KeyCode::Down if !multiline => self.focus = (self.focus + 1) % n,
            KeyCode::Up if !multiline => self.focus = (self.focus + n - 1) % n,
            KeyCode::Char('u') if ctrl => {
                self.fields[self.focus].text.delete_line_by_head();
            }
            KeyCode::Char('z') if ctrl => {
                self.fields[self.focus].text.undo();
            }
            _ => {
                self.fields[self.focus].text.input(k);
            }
        }
        self.error = None;
    }
}

impl App {
    /// `m` on the Interactions tab: a new email to the account's champions.
    pub(crate) fn compose_email(&mut self) -> Vec<Command> {
        let Some(d) = self.account.as_ref().and_then(|a| a.data.value()) else {
            self.status = Some("the account is still loading".into());
            return vec![];
        };
        let c = Compose::new_email(d);
        self.overlays
            .open(crate::overlay::Overlay::Compose(Box::new(c)));
        vec![]
    }

    /// `R` on the Interactions tab: a reply to the incoming email selected.
    pub(crate) fn compose_reply(&mut self) -> Vec<Command> {
        let Some(a) = self.account.as_ref() else {
            return vec![];
        };
        let Some(d) = a.data.value() else {
            self.status = Some("the account is still loading".into());
            return vec![];
        };
        let list = crate::screens::account::state::visible_interactions(a, d);
        let Some(i) = list.get(a.selected()) else {
            self.status = Some("no interaction selected".into());
            return vec![];
        };
        if i.kind != InteractionKind::Email || i.direction != Direction::In {
            self.status = Some(format!(
                "only an incoming email is replied to: this is {} {} (m writes a new email)",
                if i.direction == Direction::In {
                    "an incoming"
                } else {
                    "an outgoing"
                },
                i.kind
            ));
            return vec![];
        }
        let c = Compose::reply(d, i);
        self.overlays
            .open(crate::overlay::Overlay::Compose(Box::new(c)));
        vec![]
    }

    /// A key while an email is being written.
    pub(crate) fn compose_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let Some(c) = self.overlays.compose_mut() else {
            return vec![];
        };
        if k.code == KeyCode::Char('c') && ctrl {
            // As in a form: a changed draft asks once, Ctrl-C again quits.
            if c.changed() && c.state == ComposeState::Editing {
                c.state = ComposeState::ConfirmDiscard;
                return vec![];
            }
            self.quit = true;
            return vec![];
        }
        match c.state {
            ComposeState::Sending => vec![],
            ComposeState::ConfirmDiscard => {
                if matches!(k.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.overlays.close_compose();
                    self.status = Some("the draft was thrown away: nothing sent".into());
                } else {
                    c.state = ComposeState::Editing;
                }
                vec![]
            }
            ComposeState::Editing => match k.code {
                KeyCode::Esc => {
                    if c.changed() {
                        c.state = ComposeState::ConfirmDiscard;
                    } else {
                        self.overlays.close_compose();
                    }
                    vec![]
                }
                KeyCode::Char('s') if ctrl => match c.email() {
                    Ok(email) => {
                        c.state = ComposeState::Sending;
                        c.error = None;
                        vec![Command::SendEmail(Box::new(email))]
                    }
                    Err((field, why)) => {
                        c.focus = field;
                        c.error = Some(why);
                        vec![]
                    }
                },
                _ => {
                    c.edit(k);
                    vec![]
                }
            },
        }
    }
}

/// The email being written, over the body of the screen.
pub fn draw_compose(
    f: &mut Frame,
    c: &Compose,
    signature: Option<&str>,
    theme: &Theme,
    area: Rect,
) {
    // The whole body (over the pane under it) up to 100 columns.
    let rect = centered(area, area.width.min(100), area.height);
    f.render_widget(Clear, rect);
    let title = match c.reply_to {
        Some(_) => format!(" Reply — {} ", c.account_name),
        None => format!(" Email — {} ", c.account_name),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(title, theme.title));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    const LABEL: u16 = 9;
    if inner.height < 6 || inner.width < LABEL + 10 {
        return;
    }
    let row = |y: u16, h: u16| Rect {
        x: inner.x,
        y: inner.y + y,
        width: inner.width,
        height: h,
    };
    for (i, y) in [(TO, 0u16), (CC, 1), (SUBJECT, 2)] {
        let r = row(y, 1);
        let focused = c.focus == i;
        f.render_widget(
            Span::styled(
                format!("{:>w$} ", c.fields[i].label, w = LABEL as usize - 1),
                if focused { theme.key } else { theme.dim },
            ),
            Rect { width: LABEL, ..r },
        );
        let value = Rect {
            x: r.x + LABEL,
            width: r.width - LABEL,
            ..r
        };
        crate::overlay::dialog::draw_value(f, &c.fields[i], focused, theme, value);
    }
    // Under the fields: what the draft opened with to say, else a rule.
    let rule = match &c.note {
        Some(n) => Line::styled(n.clone(), theme.warning),
        None => Line::styled("─".repeat(usize::from(inner.width)), theme.dim),
    };
    f.render_widget(rule, row(3, 1));
    // The signature the backend appends, greyed, at most four lines.
    let signature: Vec<Line> = signature
        .map(str::trim_end)
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            std::iter::once("-- ")
                .chain(s.lines())
                .take(4)
                .map(|l| Line::styled(l.to_string(), theme.dim))
                .collect()
        })
        .unwrap_or_default();
    let sig_height = signature.len() as u16;
    let body_top = 4;
    let body_height = inner
        .height
        .saturating_sub(body_top + 1 + sig_height)
        .max(1);
    let body = &c.fields[BODY];
    let mut t = body.text.clone();
    t.set_cursor_line_style(Style::new());
    t.set_style(theme.base);
    if c.focus == BODY && c.state == ComposeState::Editing {
        t.set_cursor_style(Style::new().add_modifier(Modifier::REVERSED));
    } else {
        t.set_cursor_style(Style::new());
    }
    if body.raw_text().is_empty() && c.focus != BODY {
        t.set_placeholder_text("(the text: Tab to here)");
        t.set_placeholder_style(theme.dim);
    }
    f.render_widget(&t, row(body_top, body_height));
    if sig_height > 0 && body_top + body_height + sig_height < inner.height {
        f.render_widget(
            Paragraph::new(signature),
            row(body_top + body_height, sig_height),
        );
    }
    let state = match (c.state, &c.error) {
        (ComposeState::Sending, _) => Line::styled("queuing it in the outbox…", theme.accent),
        (ComposeState::ConfirmDiscard, _) => Line::styled(
            "Throw this draft away? y: throw away · any other key: keep writing",
            theme.warning,
        ),
        (ComposeState::Editing, Some(e)) => Line::styled(format!("✗ {e}"), theme.error),
        (ComposeState::Editing, None) => Line::styled(
            "Tab/S-Tab field · C-s send · Esc cancel (the signature is added when sent)",
            theme.dim,
        ),
    };
    f.render_widget(
        Paragraph::new(state).wrap(Wrap { trim: true }),
        row(inner.height - 1, 1),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_at_the_commas_between_them() {
        assert_eq!(
            split_addresses(r#""Smith, Ana" <ana@x.com>, bo@y.org; <c@z.net>,, "#),
            [r#""Smith, Ana" <ana@x.com>"#, "bo@y.org", "<c@z.net>"]
        );
        assert!(split_addresses("  ").is_empty());
    }

    #[test]
    fn a_reply_subject_has_one_re() {
        assert_eq!(reply_subject("Renewal"), "Re: Renewal");
        assert_eq!(reply_subject("RE: Renewal"), "RE: Renewal");
        assert_eq!(reply_subject(" re:x "), "re:x");
    }
}
