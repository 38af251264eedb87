//! Contacts: CRM contacts and product users, each with its health indicator
//! (from its own sentiment, last touch, product use and NPS), last touch, last
//! activity, roles; under the list, what makes the selected one's indicator.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};
use tend_backend::Account360;
use tend_domain::*;

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::state::AccountView;
use crate::screens::account::{list, list_and_detail, rel};
use crate::state::Command;
use crate::theme::{Theme, health_mark};
use tend_engines::health::{Bands, ContactHealth, ContactSignalKind};

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let last_touch = |c: &Contact| {
        d.interactions
            .iter()
            .filter(|i| {
                i.contact_ids.contains(&c.id)
                    && tend_engines::health::is_touch(i)
                    && i.at <= d.as_of
            })
            .map(|i| i.at.date_naive())
            .max()
    };
    let last_activity = |c: &Contact| {
        d.usage
            .iter()
            .filter(|u| u.contact_id == Some(c.id) && u.connections > 0)
            .map(|u| u.day)
            .max()
    };
    let health = |c: &Contact| d.contact_health.iter().find(|h| h.contact_id == c.id);
    // The title makes room for the rest below 100 columns.
    let titled = area.width >= 100;
    let rows = d.contacts.len() as u16 + 1;
    let [list_area, detail_area] = if d.contacts.is_empty() {
        [area, Rect::default()]
    } else {
        list_and_detail(area, rows, DETAIL)
    };
    let mut header = vec![
        "NAME",
        "HEALTH",
        "TITLE",
        "ROLES",
        "KIND",
        "LAST TOUCH",
        "LAST ACTIVE",
    ];
    let mut widths = vec![
        Constraint::Min(14),
        Constraint::Length(6),
        Constraint::Length(18),
        Constraint::Length(18),
        Constraint::Length(5),
        Constraint::Length(10),
        Constraint::Length(11),
    ];
    if !titled {
        header.remove(2);
        widths.remove(2);
    }
    list(
        f,
        list_area,
        theme,
        a,
        header,
        widths,
        d.contacts.len(),
        |i| {
            let c = &d.contacts[i];
            let h = health(c);
            let status = h.and_then(|h| h.status);
            let mut cells = vec![
                Cell::from(c.name.clone()),
                Cell::from(Span::styled(
                    format!(
                        "{} {:>3}",
                        health_mark(status),
                        h.and_then(|h| h.score)
                            .map_or("-".into(), |s| tend_domain::format::score(Some(s)))
                    ),
                    theme.health(status),
                )),
                Cell::from(c.title.clone().unwrap_or_default()),
                Cell::from(c.roles.join(", ")),
                Cell::from(c.kind.to_string()),
                Cell::from(rel(today, last_touch(c))),
                Cell::from(rel(today, last_activity(c))),
            ];
            if !titled {
                cells.remove(2);
            }
            Row::new(cells)
        },
        "no contacts yet",
    );
    if let Some(c) = d
        .contacts
        .get(a.selected().min(d.contacts.len().saturating_sub(1)))
    {
        draw_indicator(f, c, health(c), theme, detail_area);
    }
}

/// Lines the selected contact's indicator takes under the list.
const DETAIL: u16 = 7;

/// What makes the selected contact's indicator: each signal's value, points and
/// weight; those without data said to be left out.
fn draw_indicator(
    f: &mut Frame,
    c: &Contact,
    h: Option<&ContactHealth>,
    theme: &Theme,
    area: Rect,
) {
    if area.height == 0 {
        return;
    }
    let status = h.and_then(|h| h.status);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", c.name), theme.header),
        Span::styled(
            format!(
                "{} {} {}",
                health_mark(status),
                tend_domain::format::score(h.and_then(|h| h.score)),
                status.map_or("no data", |s| s.label())
            ),
            theme.health(status),
        ),
        Span::styled(
            " · what makes it (no data is left out, never red)",
            theme.dim,
        ),
    ])];
    for s in h.map(|h| h.signals.as_slice()).unwrap_or_default() {
        let points = s.points.map(|p| p.round());
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>3} ", points.map_or("-".into(), |p| format!("{p:.0}"))),
                theme.health(s.points.map(|p| Bands::default().status(p))),
            ),
            Span::styled(format!("{:<12}", signal_name(s.signal)), theme.base),
            Span::raw(s.value.clone()),
            Span::styled(
                if s.points.is_some() {
                    format!(" · weight {:.0}", s.weight)
                } else {
                    " · no data, left out".to_string()
                },
                theme.dim,
            ),
        ]));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn signal_name(s: ContactSignalKind) -> &'static str {
    match s {
        ContactSignalKind::Sentiment => "sentiment",
        ContactSignalKind::LastTouch => "last touch",
        ContactSignalKind::ProductUse => "product use",
        ContactSignalKind::Nps => "NPS",
    }
}

/// What the Contacts tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
];

/// A key the Contacts tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::New => Some(app.open_form(|c| Some(forms::new_contact(c)))),
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        _ => None,
    }
}
