//! Usage › Modules & Features (Freshsuccess): on the left the whole account and
//! each of its product users (connections, minutes, events, last day); on the
//! right the features, or with `b` the modules, of the row selected: the
//! account's (events, users, last day) or the user's own (events, share). A
//! feature's module comes from `[usage.modules]` in the config, else from the
//! prefix of its name (`reports.export` is in `reports`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use tend_backend::{Account360, UsageShare, events_by_module, modules_of_users};
use tend_domain::format;

use crate::app::App;
use crate::screens::account::state::AccountView;
use crate::screens::account::{list, rel};
use crate::state::Loadable;
use crate::theme::Theme;
use crate::widgets::{message, pane};

/// One line of the right-hand table: name, events, users (None for one
/// user's), last day, share of the events in percent.
struct Share {
    name: String,
    events: u64,
    users: Option<u32>,
    last: Option<chrono::NaiveDate>,
    share: u64,
}

fn lines_of(rows: Vec<(String, u64, Option<u32>, Option<chrono::NaiveDate>)>) -> Vec<Share> {
    let total: u64 = rows.iter().map(|r| r.1).sum::<u64>().max(1);
    rows.into_iter()
        .map(|(name, events, users, last)| Share {
            name,
            events,
            users,
            last,
            share: (events * 100 + total / 2) / total,
        })
        .collect()
}

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let u = &a.usage;
    let what = if u.by_module { "module" } else { "feature" };
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(2)]).areas(area);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("modules & features", theme.title),
            Span::styled(format!(" · by {what} · {} days", u.days()), theme.base),
            Span::styled(
                if u.by_module {
                    " · b features · p range · v view"
                } else {
                    " · b modules · p range · v view"
                },
                theme.dim,
            ),
        ])),
        head,
    );
    let (users, features) = match (&u.users, &u.features) {
        (Loadable::Ready { value: x, .. }, Loadable::Ready { value: y, .. }) => (x, y),
        (Loadable::Failed(e), _) | (_, Loadable::Failed(e)) => {
            return message(
                f,
                body,
                &format!("the store could not answer: {e}"),
                theme.error,
            );
        }
        _ => return message(f, body, "asking the store for the usage…", theme.dim),
    };
    if users.iter().all(|x| x.connections == 0 && x.events == 0) && features.is_empty() {
        return message(
            f,
            body,
            &format!(
                "no product usage in the last {} days: p looks further back",
                u.days()
            ),
            theme.dim,
        );
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    // Narrow, the events are left to the right-hand table.
    let wide = left.width >= 50;
    let total = UsageShare {
        connections: users.iter().map(|x| x.connections).sum(),
        minutes: users.iter().map(|x| x.minutes).sum(),
        events: users.iter().map(|x| x.events).sum(),
        users: users.iter().filter(|x| x.users > 0).count() as u32,
        last_day: users.iter().filter_map(|x| x.last_day).max(),
        ..UsageShare::empty(None, "account".into())
    };
    let rows: Vec<&UsageShare> = std::iter::once(&total).chain(users.iter()).collect();
    let sel = a.selected().min(rows.len() - 1);
    list(
        f,
        left,
        theme,
        a,
        if wide {
            vec!["USER", "CONN", "MIN", "EVENTS", "LAST"]
        } else {
            vec!["USER", "CONN", "MIN", "LAST"]
        },
        [
            Constraint::Min(10),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(8),
        ]
        .into_iter()
        .enumerate()
        .filter(|(k, _)| wide || *k != 3)
        .map(|(_, c)| c)
        .collect(),
        rows.len(),
        |i| {
            let r = rows[i];
            let name = if i == 0 {
                Cell::from(Span::styled(
                    format!("{} ({} active)", r.name, r.users),
                    theme.title,
                ))
            } else {
                Cell::from(r.name.clone())
            };
            let mut cells = vec![
                name,
                Cell::from(r.connections.to_string()),
                Cell::from(r.minutes.to_string()),
            ];
            if wide {
                cells.push(Cell::from(r.events.to_string()));
            }
            cells.push(Cell::from(rel(today, r.last_day)));
            Row::new(cells)
        },
        "no product users",
    );
    // The right-hand table: the account's features or modules, or the user's.
    let chosen = rows[sel];
    let lines = if sel == 0 {
        let of_modules;
        let shares: &[UsageShare] = if u.by_module {
            of_modules = modules_of_users(users, &app.modules);
            &of_modules
        } else {
            features
        };
        lines_of(
            shares
                .iter()
                .map(|s| (s.name.clone(), s.events, Some(s.users), s.last_day))
                .collect(),
        )
    } else if u.by_module {
        lines_of(
            events_by_module(&chosen.features, &app.modules)
                .into_iter()
                .map(|(m, n)| (m, n, None, None))
                .collect(),
        )
    } else {
        let mut own: Vec<(String, u64)> = chosen
            .features
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        own.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        lines_of(own.into_iter().map(|(k, n)| (k, n, None, None)).collect())
    };
    let block = pane(
        Line::from(Span::styled(
            format!(" {}s of {} ", what, chosen.name),
            theme.title,
        )),
        theme,
        false,
    );
    let inner = block.inner(right);
    f.render_widget(block, right);
    if lines.is_empty() {
        return message(
            f,
            inner,
            &format!("no {what} used in the last {} days", u.days()),
            theme.dim,
        );
    }
    let account = sel == 0;
    let header = if account {
        vec![
            what.to_uppercase(),
            "EVENTS".into(),
            "USERS".into(),
            "LAST".into(),
        ]
    } else {
        vec![what.to_uppercase(), "EVENTS".into(), "SHARE".into()]
    };
    let table_rows: Vec<Row> = lines
        .iter()
        .take(inner.height.saturating_sub(1) as usize)
        .map(|l| {
            let mut cells = vec![
                Cell::from(l.name.replace('_', " ")),
                Cell::from(l.events.to_string()),
            ];
            if account {
                cells.push(Cell::from(l.users.map_or("-".into(), |n| n.to_string())));
                cells.push(Cell::from(
                    l.last.map_or("-".into(), |x| format::days_from(today, x)),
                ));
            } else {
                cells.push(Cell::from(format!("{}%", l.share)));
            }
            Row::new(cells)
        })
        .collect();
    let widths: Vec<Constraint> = if account {
        vec![
            Constraint::Min(10),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(8),
        ]
    } else {
        vec![
            Constraint::Min(10),
            Constraint::Length(6),
            Constraint::Length(5),
        ]
    };
    f.render_widget(
        Table::new(table_rows, widths)
            .header(Row::new(header).style(theme.header))
            .column_spacing(1),
        inner,
    );
}
