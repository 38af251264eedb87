//! One account's tabs.

pub mod change;
pub mod citations;
pub mod cite;
pub mod copilot;
pub mod draw;
pub mod state;
pub mod update;
pub mod write;

pub mod activity;
pub mod agreements;
pub mod alerts;
pub mod asks;
pub mod blocks;
pub mod charts;
pub mod contacts;
pub mod financials;
pub mod health;
pub mod interactions;
pub mod metrics;
pub mod modules;
pub mod months;
pub mod nps;
pub mod opportunities;
pub mod overview;
pub mod playbooks;
pub mod settings;
pub mod summary;
pub mod support;
pub mod task_views;
pub mod tasks;
pub mod usage;
pub mod usage_views;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Row, Table};
use tend_backend::Account360;

use crate::app::App;
use crate::screens::account::state::AccountView;
use crate::state::Tab;
use crate::theme::Theme;
use crate::widgets::{message, window};

pub fn draw_tab(
    f: &mut Frame,
    app: &App,
    a: &AccountView,
    d: &Account360,
    theme: &Theme,
    area: Rect,
) {
    match a.tab {
        Tab::Overview => overview::draw(f, app, a, d, theme, area),
        Tab::Interactions => interactions::draw(f, a, d, theme, area),
        Tab::Usage => usage::draw(f, app, a, d, theme, area),
        Tab::Contacts => contacts::draw(f, a, d, theme, area),
        Tab::Agreements if a.financials => financials::draw(f, app, a, d, theme, area),
        Tab::Agreements => agreements::draw(f, a, d, theme, area),
        Tab::Opportunities => opportunities::draw(f, a, d, theme, area),
        Tab::Tasks => tasks::draw(f, app, a, d, theme, area),
        Tab::Playbooks => playbooks::draw(f, a, d, theme, area),
        Tab::Support => support::draw(f, app, a, d, theme, area),
        Tab::Nps => nps::draw(f, a, d, theme, area),
        Tab::Health => health::draw(f, a, theme, area),
        Tab::Summary => summary::draw::draw(f, app, a, d, theme, area),
        Tab::Settings => settings::draw(f, a, d, &app.account_rules, theme, area),
        Tab::Alerts => alerts::draw(f, app, a, d, theme, area),
    }
}
/// A list as a table: header, only the visible rows built, the selection kept in
/// view; `empty` is said when there is nothing.
#[allow(clippy::too_many_arguments)]
pub fn list<'a>(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    a: &AccountView,
    header: Vec<&'a str>,
    widths: Vec<Constraint>,
    len: usize,
    row: impl Fn(usize) -> Row<'a>,
    empty: &str,
) {
    let selected = Some(a.selected[a.tab.index()]);
    list_at(
        f,
        area,
        theme,
        a,
        (header, widths),
        len,
        selected,
        row,
        empty,
    )
}
/// A list of `rows` lines (its header too) above a detail of at least `detail`
/// lines: the whole list when both fit, else the list scrolls and the detail
/// takes at most half.
pub fn list_and_detail(area: Rect, rows: u16, detail: u16) -> [Rect; 2] {
    if area.height >= rows + detail {
        Layout::vertical([Constraint::Length(rows), Constraint::Min(detail)]).areas(area)
    } else {
        Layout::vertical([
            Constraint::Min(3),
            Constraint::Length(detail.min(area.height / 2)),
        ])
        .areas(area)
    }
}
/// A list whose selected row is given (None: no row is selected).
#[allow(clippy::too_many_arguments)]
pub fn list_at<'a>(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    a: &AccountView,
    (header, widths): (Vec<&'a str>, Vec<Constraint>),
    len: usize,
    selected: Option<usize>,
    row: impl Fn(usize) -> Row<'a>,
    empty: &str,
) {
    if len == 0 {
        return message(f, area, empty, theme.dim);
    }
    let tab = a.tab.index();
    let marked = selected.map(|s| s.min(len - 1));
    let selected = marked.unwrap_or(0);
    let height = area.height.saturating_sub(1) as usize;
    let range = window(selected, len, height, &a.offsets[tab]);
    let rows: Vec<Row> = range
        .map(|i| {
            let r = row(i);
            if Some(i) == marked {
                r.style(theme.selected)
            } else {
                r
            }
        })
        .collect();
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.header))
            .column_spacing(1),
        area,
    );
}
/// A date relative to today, or "-".
pub fn rel(today: chrono::NaiveDate, d: Option<chrono::NaiveDate>) -> String {
    d.map_or("-".into(), |d| tend_domain::format::days_from(today, d))
}
/// The bars of a sparkline: block characters, or ASCII when configured.
pub fn bars(app: &App) -> ratatui::symbols::bar::Set<'static> {
    if app.ascii {
        ratatui::symbols::bar::Set {
            full: "#",
            seven_eighths: "#",
            three_quarters: "=",
            five_eighths: "=",
            half: "-",
            three_eighths: "-",
            one_quarter: ".",
            one_eighth: ".",
            empty: " ",
        }
    } else {
        ratatui::symbols::bar::NINE_LEVELS
    }
}
