//! Usage: the indicators, connections per week or month, active users, features;
//! `v` goes on to Activity (`activity.rs`) and Modules & Features (`modules.rs`).

use std::collections::BTreeMap;

use chrono::Days;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table};
use tend_backend::Account360;
use tend_domain::format;
use tend_engines::health::{Period, period_start};

use crate::app::App;
use crate::keys::{Action, Offer};
use crate::screens::account::state::AccountView;
use crate::screens::account::usage_views::UsageLayout;
use crate::screens::account::{list, rel};
use crate::state::{Command, Tab};
use crate::theme::Theme;

/// Connections per week (or month), the last 12, oldest first.
pub fn buckets(d: &Account360, period: Period) -> Vec<u64> {
    let today = d.as_of.date_naive();
    let mut starts = vec![period_start(period, today)];
    for _ in 1..12 {
        let last = *starts.last().unwrap_or(&today);
        let prev = match period {
            Period::Week => last - Days::new(7),
            Period::Month => period_start(period, last - Days::new(1)),
        };
        starts.push(prev);
    }
    starts.reverse();
    let mut sums: BTreeMap<chrono::NaiveDate, u64> = starts.iter().map(|s| (*s, 0)).collect();
    for u in &d.usage {
        let s = period_start(period, u.day);
        if let Some(v) = sums.get_mut(&s) {
            *v += u64::from(u.connections);
        }
    }
    sums.into_values().collect()
}

pub fn draw(f: &mut Frame, app: &App, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    match a.usage.layout {
        UsageLayout::Usage => draw_usage(f, app, a, d, theme, area),
        UsageLayout::Activity => crate::screens::account::activity::draw(f, app, a, d, theme, area),
        UsageLayout::Features => crate::screens::account::modules::draw(f, app, a, d, theme, area),
        UsageLayout::Metrics => crate::screens::account::metrics::draw(f, app, a, d, theme, area),
    }
}

fn draw_usage(
    f: &mut Frame,
    app: &App,
    a: &AccountView,
    d: &Account360,
    theme: &Theme,
    area: Rect,
) {
    let today = d.as_of.date_naive();
    let [head, chart, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(5),
        Constraint::Min(3),
    ])
    .areas(area);
    if let Some(h) = a.health.value() {
        let u = &h.explanation.usage;
        let line = if u.tracked {
            Line::from(vec![
                Span::styled("last activity ", theme.dim),
                Span::raw(rel(today, u.last_activity)),
                Span::styled(" · connections 30d ", theme.dim),
                Span::raw(u.connections_30d.to_string()),
                Span::styled(" · ", theme.dim),
                Span::raw(tend_domain::format::trend_vs_m1(u.trend_pct)),
                Span::styled(" · active users ", theme.dim),
                Span::raw(format!(
                    "{}/{} ({})",
                    u.active_users,
                    u.contacts,
                    u.active_users_pct
                        .map_or("-".into(), |p| format!("{p:.0}%"))
                )),
                Span::styled(
                    format!(" · DAU {:.1} WAU {} MAU {}", u.dau, u.wau, u.mau),
                    theme.dim,
                ),
            ])
        } else {
            Line::styled("no product usage tracked for this account", theme.dim)
        };
        f.render_widget(Paragraph::new(line), head);
    }
    let data = buckets(d, a.period);
    let label = match a.period {
        Period::Week => "per week, 12 weeks",
        Period::Month => "per month, 12 months",
    };
    f.render_widget(
        Sparkline::default()
            .block(ratatui::widgets::Block::default().title(Span::styled(
                format!(
                        " connections {label} (p switches, v views): {} ",
                        data.iter()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                theme.dim,
            )))
            .data(&data)
            .bar_set(crate::screens::account::bars(app))
            .style(theme.accent),
        chart,
    );
    let [users, features] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let people = crate::screens::account::state::active_users(d);
    list(
        f,
        users,
        theme,
        a,
        vec!["ACTIVE USER", "LAST", "VISITS 30D"],
        vec![
            Constraint::Min(12),
            Constraint::Length(9),
            Constraint::Length(10),
        ],
        people.len(),
        |i| {
            Row::new(vec![
                Cell::from(people[i].0.clone()),
                Cell::from(format::days_from(today, people[i].1)),
                Cell::from(people[i].2.to_string()),
            ])
        },
        "nobody connected in the last 30 days",
    );
    let feats = a
        .health
        .value()
        .map(|h| h.explanation.usage.features.clone())
        .unwrap_or_default();
    let rows: Vec<Row> = feats
        .iter()
        .map(|x| {
            let trend = x.trend_pct.map_or("new".into(), |t| format!("{t:.0}%"));
            let style = match x.trend_pct {
                Some(t) if t < 80.0 => theme.negative,
                Some(t) if t > 120.0 => theme.positive,
                _ => theme.base,
            };
            Row::new(vec![
                Cell::from(x.name.clone()),
                Cell::from(x.uses_30d.to_string()),
                Cell::from(Span::styled(trend, style)),
            ])
        })
        .collect();
    f.render_widget(
        Table::new(
            rows,
            [
                Constraint::Min(12),
                Constraint::Length(8),
                Constraint::Length(8),
            ],
        )
        .header(Row::new(vec!["FEATURE", "USES 30D", "VS M-1"]).style(theme.header)),
        features,
    );
}

/// What the Usage tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Period),
    Offer::plain(Action::View),
    Offer::plain(Action::Modules),
];

/// A key the Usage tab offers: `p` the period (weeks or months; day, week or
/// month on Activity; the range on Modules & Features), `v` the view, `b`
/// modules or features.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    let a = app.account.as_mut()?;
    match action {
        Action::Period if a.usage.layout == UsageLayout::Usage => a.toggle_period(),
        Action::Period => {
            a.usage.cycle_period();
            a.selected[Tab::Usage.index()] = 0;
        }
        Action::View => {
            a.usage.layout = a.usage.layout.next();
            a.selected[Tab::Usage.index()] = 0;
        }
        Action::Modules => {
            if a.usage.layout != UsageLayout::Features {
                a.usage.layout = UsageLayout::Features;
                a.selected[Tab::Usage.index()] = 0;
            } else {
                a.usage.by_module = !a.usage.by_module;
            }
        }
        _ => return None,
    }
    Some(vec![])
}
