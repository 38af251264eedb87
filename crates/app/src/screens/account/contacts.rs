//! Contacts: CRM contacts and product users, last touch, last activity, roles.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};
use tend_backend::Account360;
use tend_domain::*;

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::state::AccountView;
use crate::screens::account::{list, rel};
use crate::state::Command;
use crate::theme::Theme;

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
    list(
        f,
        area,
        theme,
        a,
        vec![
            "NAME",
            "TITLE",
            "ROLES",
            "KIND",
            "LAST TOUCH",
            "LAST ACTIVE",
        ],
        vec![
            Constraint::Min(14),
            Constraint::Length(18),
            Constraint::Length(18),
            Constraint::Length(5),
            Constraint::Length(10),
            Constraint::Length(11),
        ],
        d.contacts.len(),
        |i| {
            let c = &d.contacts[i];
            Row::new(vec![
                Cell::from(c.name.clone()),
                Cell::from(c.title.clone().unwrap_or_default()),
                Cell::from(c.roles.join(", ")),
                Cell::from(c.kind.to_string()),
                Cell::from(rel(today, last_touch(c))),
                Cell::from(rel(today, last_activity(c))),
            ])
        },
        "no contacts yet",
    );
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
