//! `O` on the Interactions tab: the account's outbox and what was sent, newest
//! first, each with its state, attempts, last error and next try; `r` queues a
//! failed one (or one that may not have gone out) again.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tend_backend::outbound::{Delivery, DeliveryState};
use tend_domain::Timestamp;

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::overlay::Overlay;
use crate::state::{Command, Loadable};
use crate::theme::Theme;
use crate::widgets::{ago, centered, message, window};

/// Whether a delivery still has to go out (or failed): the Interactions tab says
/// how many.
pub fn pending(d: &Delivery) -> (bool, bool) {
    match d.state {
        DeliveryState::Queued | DeliveryState::Sending => (true, false),
        DeliveryState::Failed | DeliveryState::Unknown => (false, true),
        DeliveryState::Sent | DeliveryState::Cancelled => (false, false),
    }
}

/// How many deliveries wait and how many failed.
pub fn counts(list: &[Delivery]) -> (usize, usize) {
    list.iter().map(pending).fold((0, 0), |(w, f), (a, b)| {
        (w + usize::from(a), f + usize::from(b))
    })
}

/// "in 3 min", "2 h ago".
fn when(now: Timestamp, t: Timestamp) -> String {
    let s = (t - now).num_seconds();
    match s {
        i64::MIN..=0 => ago(now, t),
        1..=59 => "in under a minute".into(),
        60..=3599 => format!("in {} min", s / 60),
        3600..=86_399 => format!("in {} h", s / 3600),
        _ => format!("in {} d", s / 86_400),
    }
}

fn state_style(s: DeliveryState, theme: &Theme) -> Style {
    match s {
        DeliveryState::Sent => theme.healthy,
        DeliveryState::Cancelled => theme.dim,
        DeliveryState::Queued | DeliveryState::Sending => theme.accent,
        DeliveryState::Failed | DeliveryState::Unknown => theme.at_risk,
    }
}

/// The second line of a delivery: kind, attempts, when, the last error.
fn detail(d: &Delivery, now: Timestamp) -> String {
    let mut parts = vec![d.kind.to_string()];
    if d.attempts > 0 {
        parts.push(tend_domain::format::counted(
            u64::from(d.attempts),
            "attempt",
            "attempts",
        ));
    }
    match (d.state, d.sent_at, d.next_attempt_at) {
        (DeliveryState::Sent, Some(at), _) => parts.push(format!("sent {}", ago(now, at))),
        (DeliveryState::Queued, _, _) if d.attempts == 0 => {
            parts.push(format!("not tried yet · queued {}", ago(now, d.created_at)))
        }
        (DeliveryState::Queued, _, Some(next)) => {
            parts.push(format!("next try {}", when(now, next)))
        }
        _ => parts.push(format!("queued {}", ago(now, d.created_at))),
    }
    if !d.last_error.is_empty() {
        parts.push(d.last_error.clone());
    }
    parts.join(" · ")
}

pub fn draw_outbox(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Some(a) = app.account.as_ref() else {
        return;
    };
    let name = a
        .data
        .value()
        .map_or_else(String::new, |d| d.account.name.clone());
    let len = a.outbox.value().map_or(0, Vec::len);
    let width = area.width.saturating_sub(2).min(110);
    let height = (len as u16 * 2 + 2).clamp(5, area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" Outbox — {name} "), theme.title))
        .title_bottom(Span::styled(
            " ↑↓ choose · r retry a failed one · Esc close ",
            theme.dim,
        ));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let list = match &a.outbox {
        Loadable::Ready { value, .. } => value,
        Loadable::Failed(e) => {
            return message(
                f,
                inner,
                &format!("could not load the outbox: {e}"),
                theme.error,
            );
        }
        _ => return message(f, inner, "loading the outbox…", theme.dim),
    };
    if list.is_empty() {
        return message(f, inner, "nothing was sent from here yet", theme.dim);
    }
    let cursor = a.outbox_cursor.min(len - 1);
    let rows = usize::from(inner.height / 2).max(1);
    let range = window(cursor, len, rows, &a.outbox_offset);
    let w = usize::from(inner.width);
    let cut = |s: String, n: usize| -> String {
        if s.chars().count() > n {
            let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
            t.push('…');
            t
        } else {
            s
        }
    };
    let mut lines = vec![];
    for i in range {
        let d = &list[i];
        let selected = i == cursor;
        let mut first = Line::from(vec![
            Span::styled(
                format!("{:<8} ", d.state.to_string()),
                state_style(d.state, theme),
            ),
            Span::raw(cut(d.summary.clone(), w.saturating_sub(9))),
        ]);
        if selected {
            first = first.style(theme.selected);
        }
        lines.push(first);
        lines.push(Line::styled(
            cut(format!("         {}", detail(d, app.now)), w),
            theme.dim,
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

impl App {
    /// `O` on the Interactions tab: the account's deliveries.
    pub(crate) fn open_outbox(&mut self) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        a.outbox_cursor = 0;
        self.overlays.open(Overlay::Outbox);
        // Fresh each time it opens (what is shown stays meanwhile).
        if a.outbox.value().is_none() {
            a.outbox = Loadable::Loading;
        }
        vec![Command::LoadDeliveries(a.id)]
    }

    /// A key while the outbox is open.
    pub(crate) fn outbox_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
            return vec![];
        }
        let read_only = self.read_only;
        let refusal = self.read_only_says();
        let Some(a) = self.account.as_mut() else {
            self.overlays.close_outbox();
            return vec![];
        };
        let len = a.outbox.value().map_or(0, Vec::len);
        match k.code {
            KeyCode::Esc | KeyCode::Char('O') => self.overlays.close_outbox(),
            KeyCode::Char('j') | KeyCode::Down => {
                a.outbox_cursor = (a.outbox_cursor + 1).min(len.saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => a.outbox_cursor = a.outbox_cursor.saturating_sub(1),
            KeyCode::Char('r') => {
                let Some(d) = a.outbox.value().and_then(|l| l.get(a.outbox_cursor)) else {
                    return vec![];
                };
                if read_only {
                    self.status = Some(refusal);
                    return vec![];
                }
                if !matches!(d.state, DeliveryState::Failed | DeliveryState::Unknown) {
                    self.status = Some(format!(
                        "only a failed delivery (or one that may not have gone out) is retried: this one is {}",
                        d.state
                    ));
                    return vec![];
                }
                self.status = Some(format!("queuing again: {}…", d.summary));
                return vec![Command::RetryDelivery {
                    account: a.id,
                    delivery: d.id,
                }];
            }
            _ => {}
        }
        vec![]
    }
}
