//! NPS: the answers with their comments, newest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};
use tend_backend::Account360;
use tend_domain::format;

use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::theme::Theme;

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    // The contact's email from 90 columns (narrower, the comment keeps the room).
    let wide = area.width >= 90;
    let (header, widths) = if wide {
        (
            vec!["WHEN", "SCORE", "CONTACT", "EMAIL", "COMMENT"],
            vec![
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(18),
                Constraint::Length(36),
                Constraint::Min(10),
            ],
        )
    } else {
        (
            vec!["WHEN", "SCORE", "CONTACT", "COMMENT"],
            vec![
                Constraint::Length(9),
                Constraint::Length(5),
                Constraint::Length(18),
                Constraint::Min(10),
            ],
        )
    };
    list(
        f,
        area,
        theme,
        a,
        header,
        widths,
        d.nps.len(),
        |i| {
            let n = &d.nps[i];
            let style = match n.score {
                0..=6 => theme.negative,
                7..=8 => theme.neutral,
                _ => theme.positive,
            };
            let contact = n
                .contact_id
                .and_then(|c| d.contacts.iter().find(|x| x.id == c));
            let who = contact.map_or("-".to_string(), |c| c.name.clone());
            let email = contact
                .and_then(|c| c.email.clone())
                .unwrap_or_else(|| "-".into());
            let mut cells = vec![
                Cell::from(format::days_from(today, n.at.date_naive())),
                Cell::from(Span::styled(format!("{:>3}", n.score), style)),
                Cell::from(who),
            ];
            if wide {
                cells.push(Cell::from(email));
            }
            cells.push(Cell::from(n.comment.clone()));
            Row::new(cells)
        },
        "no NPS answers yet",
    );
}
