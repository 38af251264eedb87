//! Usage › Activity (Freshsuccess): unique users and minutes engaged per day
//! (30 days), week (12 weeks) or month (12 months), charted, and the same in a
//! table, newest first. The store's usage buckets (`Backend::usage`) draw it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Sparkline};
use tend_backend::{Account360, Bucket, UsageBucket};

use crate::app::App;
use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::state::Loadable;
use crate::theme::Theme;
use crate::widgets::message;

fn span_of(bucket: Bucket) -> &'static str {
    match bucket {
        Bucket::Day => "per day, 30 days",
        Bucket::Week => "per week, 12 weeks",
        Bucket::Month => "per month, 12 months",
    }
}

/// How a bucket's first day reads in the table.
fn label(bucket: Bucket, b: &UsageBucket) -> String {
    match bucket {
        Bucket::Day => b.start.format("%a %b %-d").to_string(),
        Bucket::Week => b.start.format("wk of %b %-d").to_string(),
        Bucket::Month => b.start.format("%b %Y").to_string(),
    }
}

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, _d: &Account360, theme: &Theme, area: Rect) {
    let u = &a.usage;
    let [head, users_chart, minutes_chart, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Min(2),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled("activity", theme.title),
            Span::styled(format!(" · {}", span_of(u.bucket)), theme.base),
            Span::styled(" · p day/week/month · v view", theme.dim),
        ])),
        head,
    );
    let buckets = match &u.activity {
        Loadable::Ready { value, .. } => value,
        Loadable::Failed(e) => {
            return message(
                f,
                area.inner(ratatui::layout::Margin::new(0, 1)),
                &format!("the store could not answer: {e}"),
                theme.error,
            );
        }
        _ => {
            return message(
                f,
                area.inner(ratatui::layout::Margin::new(0, 1)),
                "asking the store for the activity…",
                theme.dim,
            );
        }
    };
    if buckets.iter().all(|b| b.connections == 0 && b.minutes == 0) {
        return message(
            f,
            area.inner(ratatui::layout::Margin::new(0, 1)),
            "no product usage in this period: p looks further back",
            theme.dim,
        );
    }
    let users: Vec<u64> = buckets.iter().map(|b| u64::from(b.active_users)).collect();
    let minutes: Vec<u64> = buckets.iter().map(|b| b.minutes).collect();
    let chart = |title: String, data: &[u64], area: Rect, f: &mut Frame| {
        f.render_widget(
            Sparkline::default()
                .block(Block::default().title(Span::styled(title, theme.dim)))
                .data(data)
                .bar_set(crate::screens::account::bars(app))
                .style(theme.accent),
            area,
        );
    };
    let peak = |v: &[u64]| v.iter().copied().max().unwrap_or(0);
    let last = |v: &[u64]| v.last().copied().unwrap_or(0);
    chart(
        format!(
            " unique users: now {}, peak {} ",
            last(&users),
            peak(&users)
        ),
        &users,
        users_chart,
        f,
    );
    chart(
        format!(
            " minutes engaged: now {}, peak {}, {} in all ",
            last(&minutes),
            peak(&minutes),
            minutes.iter().sum::<u64>()
        ),
        &minutes,
        minutes_chart,
        f,
    );
    // Newest first.
    let rows: Vec<&UsageBucket> = buckets.iter().rev().collect();
    list(
        f,
        table,
        theme,
        a,
        vec!["PERIOD", "USERS", "MINUTES", "CONNECTIONS", "MIN/USER"],
        vec![
            Constraint::Length(14),
            Constraint::Length(6),
            Constraint::Length(8),
            Constraint::Length(12),
            Constraint::Length(8),
        ],
        rows.len(),
        |i| {
            let b = rows[i];
            let per_user = if b.active_users == 0 {
                "-".to_string()
            } else {
                (b.minutes / u64::from(b.active_users)).to_string()
            };
            Row::new(vec![
                Cell::from(label(u.bucket, b)),
                Cell::from(b.active_users.to_string()),
                Cell::from(b.minutes.to_string()),
                Cell::from(b.connections.to_string()),
                Cell::from(per_user),
            ])
        },
        "no usage",
    );
}
