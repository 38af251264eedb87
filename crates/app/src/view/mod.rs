//! Drawing: the frame's layout (header, portfolio, account, footer), overlays
//! (help, palette) and the shared little pieces. Reads the app, never changes it.

pub mod account;
mod dialog;
pub mod lists;
pub mod portfolio;
pub mod tabs;

use std::cell::Cell;
use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Focus, Loadable, PaletteItem, Tab};
use super::keys::Screen;
use super::lists::{Page, ViewPrompt, WhereBar};
use super::theme::Theme;
use tend_domain::Timestamp;

/// Smaller than this, the app only says so.
pub const MIN: (u16, u16) = super::app::MIN_SIZE;

/// Width of the portfolio pane beside an account, at least.
pub const PORTFOLIO_WIDTH: u16 = 60;

/// Columns the account pane keeps beside the portfolio before the portfolio grows.
pub const ACCOUNT_ROOM: u16 = 100;

/// The portfolio's width beside an account in a body `width` wide: what the
/// account's room leaves, up to half the body, at least `PORTFOLIO_WIDTH` (60 at
/// 160 columns, 100 at 200, where owner, stage, segment and region show).
pub fn portfolio_width(width: u16) -> u16 {
    width
        .saturating_sub(ACCOUNT_ROOM)
        .min(width / 2)
        .max(PORTFOLIO_WIDTH)
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme) {
    let area = f.area();
    if area.width < MIN.0 || area.height < MIN.1 {
        let quit = app
            .keys
            .key_for(Screen::Global, super::keys::Action::Quit)
            .map(|k| format!("; {k} quits"))
            .unwrap_or_default();
        let msg = Paragraph::new(format!(
            "terminal too small: {}x{}, tend needs {}x{}{quit}",
            area.width, area.height, MIN.0, MIN.1
        ))
        .wrap(Wrap { trim: true })
        .style(theme.warning);
        f.render_widget(msg, area);
        return;
    }
    let [header, bar, body, footer] = rows(area);
    draw_header(f, app, theme, header);
    lists::draw_bar(f, app, theme, bar);
    match app.page {
        Page::Portfolio => {
            let (left, right) = panes(app, body);
            if let Some(left) = left {
                portfolio::draw(f, app, theme, left);
            }
            if let Some(right) = right {
                account::draw(f, app, theme, right);
            }
        }
        Page::Cases => lists::draw_cases(f, app, theme, body),
        Page::Alerts => lists::draw_alerts(f, app, theme, body),
        Page::Dashboard => lists::draw_dashboard(f, app, theme, body),
    }
    draw_footer(f, app, theme, footer);
    if app.help {
        draw_help(f, app, theme, area);
    }
    if app.palette.is_some() {
        draw_palette(f, app, theme, area);
    }
    dialog::draw(f, app, theme, body);
}

/// The frame's rows: header, views bar, body, footer.
fn rows(area: Rect) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The portfolio and account areas: side by side when wide, else (or maximised
/// with `z`) the focused one.
pub fn panes(app: &App, body: Rect) -> (Option<Rect>, Option<Rect>) {
    if app.wide() && !app.maximised {
        let [l, r] = Layout::horizontal([
            Constraint::Length(portfolio_width(body.width)),
            Constraint::Min(1),
        ])
        .areas(body);
        (Some(l), Some(r))
    } else {
        match app.focus {
            Focus::Portfolio => (Some(body), None),
            Focus::Account => (None, Some(body)),
        }
    }
}

/// The tab under a click, if any.
pub fn tab_at(app: &App, column: u16, row: u16) -> Option<Tab> {
    if app.page != Page::Portfolio {
        return None;
    }
    let [_, _, body, _] = rows(Rect::new(0, 0, app.size.0, app.size.1));
    let (_, right) = panes(app, body);
    let right = right?;
    let current = app.account.as_ref().map_or(Tab::Overview, |a| a.tab);
    let bar = account::tab_bar_area(right);
    if row != bar.y {
        return None;
    }
    account::tab_bar(bar.width, current)
        .into_iter()
        .find(|(_, x)| column >= bar.x + x.start && column < bar.x + x.end)
        .map(|(t, _)| t)
}

fn draw_header(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = vec![Span::styled(" tend ", theme.title)];
    if let Some(c) = app.portfolio.counts {
        spans.push(Span::styled(
            tend_domain::format::counted(c.accounts, "account", "accounts"),
            theme.dim,
        ));
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            format!("{} at risk", tend_domain::format::count(c.at_risk)),
            theme.at_risk,
        ));
        if app.portfolio.churned {
            spans.push(Span::styled("  +churned", theme.dim));
        }
    }
    if let Some(a) = app.header_account()
        && let Some(d) = a.data.value()
    {
        spans.push(Span::raw("  "));
        spans.push(Span::styled("▸ ", theme.dim));
        spans.push(Span::styled(d.account.name.clone(), theme.title));
    }
    let left = Line::from(spans);
    let used = left.width() as u16;
    f.render_widget(left, area);
    if let Some(off) = &app.offline {
        // The backend is out of reach: say so where "updated N ago" goes (what it
        // means first, why last), and keep the data below on screen.
        let shown = loaded_at(app).unwrap_or(off.since);
        let full = format!(
            " ⚠ OFFLINE · data from {} · retrying · {} ",
            ago(app.now, shown),
            off.message
        );
        let max = area.width.saturating_sub(used + 1).max(11) as usize;
        let text: String = if full.chars().count() > max {
            let mut t: String = full.chars().take(max.saturating_sub(2)).collect();
            t.push_str("… ");
            t
        } else {
            full
        };
        let w = (text.chars().count() as u16).min(area.width);
        let r = Rect::new(area.x + area.width - w, area.y, w, 1);
        f.render_widget(Clear, r);
        f.render_widget(
            Span::styled(text, theme.warning.add_modifier(Modifier::REVERSED)),
            r,
        );
        return;
    }
    if app.rescoring {
        // Where "updated N ago" goes: what shows is the last day's scores.
        let text = " ⟳ rescoring for today… ";
        let w = text.chars().count() as u16;
        if w < area.width.saturating_sub(used) {
            let r = Rect::new(area.x + area.width - w, area.y, w, 1);
            f.render_widget(Span::styled(text, theme.accent), r);
        }
        return;
    }
    if let Some(at) = loaded_at(app) {
        let text = format!("updated {} ", ago(app.now, at));
        let w = text.chars().count() as u16;
        if w < area.width / 2 {
            let r = Rect::new(area.x + area.width - w, area.y, w, 1);
            f.render_widget(Span::styled(text, theme.dim), r);
        }
    }
}

/// When what the page shows was loaded.
fn loaded_at(app: &App) -> Option<Timestamp> {
    fn at<T>(l: &Loadable<T>) -> Option<Timestamp> {
        match l {
            Loadable::Ready { at, .. } => Some(*at),
            _ => None,
        }
    }
    match app.page {
        Page::Portfolio => at(&app.portfolio.rows),
        Page::Cases => at(&app.cases.list),
        Page::Alerts => at(&app.alerts.list),
        Page::Dashboard => at(&app.dashboard.list),
    }
}

fn draw_footer(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut lead = vec![];
    if app.offline.is_some() {
        lead.push(Span::styled(
            " OFFLINE ",
            theme.warning.add_modifier(Modifier::REVERSED),
        ));
    }
    if app.read_only {
        lead.push(Span::styled(
            " READ-ONLY ",
            theme.warning.add_modifier(Modifier::REVERSED),
        ));
    }
    if let Some(what) = &app.saving {
        lead.push(Span::styled(format!(" ⟳ saving: {what}…"), theme.accent));
        f.render_widget(Line::from(lead), area);
        return;
    }
    if let Some(msg) = &app.status {
        lead.push(Span::styled(format!(" {msg}"), theme.warning));
        f.render_widget(Line::from(lead), area);
        return;
    }
    if app.form.is_some() {
        lead.push(Span::styled(
            " Tab/S-Tab field · ←→ Space choose · Enter/C-s save · Esc cancel",
            theme.dim,
        ));
        f.render_widget(Line::from(lead), area);
        return;
    }
    if let Some(prompt) = &app.views.prompt {
        match prompt {
            ViewPrompt::Name { input, renaming } => {
                let what = if renaming.is_some() {
                    " rename the view: "
                } else {
                    " save as view: "
                };
                lead.push(Span::styled(what, theme.key));
                lead.push(Span::raw(input.clone()));
                lead.push(Span::styled("▏", theme.accent));
                lead.push(Span::styled(
                    "   Enter save (a view's name: replace it) · Esc cancel",
                    theme.dim,
                ));
            }
            ViewPrompt::Delete(i) => {
                let name = app.views.saved.get(*i).map_or("", |v| v.name.as_str());
                lead.push(Span::styled(
                    format!(" delete the view \"{name}\"? y: delete · any other key: keep"),
                    theme.warning,
                ));
            }
        }
        f.render_widget(Line::from(lead), area);
        return;
    }
    let bar: Option<&WhereBar> = match app.page {
        Page::Portfolio => app.portfolio.bar.as_ref(),
        Page::Cases => app.cases.bar.as_ref(),
        Page::Alerts | Page::Dashboard => None,
    };
    if let Some(bar) = bar {
        lead.push(Span::styled(" where: ", theme.key));
        lead.push(Span::raw(bar.input.clone()));
        lead.push(Span::styled("▏", theme.accent));
        match &bar.error {
            Some(e) => lead.push(Span::styled(
                format!("  ✗ {} (at {})", e.message, e.at + 1),
                theme.warning,
            )),
            None => lead.push(Span::styled(
                "   Enter apply (empty: all) · Esc cancel",
                theme.dim,
            )),
        }
        f.render_widget(Line::from(lead), area);
        return;
    }
    let line = if app.portfolio.filtering {
        Line::from(vec![
            Span::styled(" filter: ", theme.key),
            Span::raw(app.portfolio.filter.clone()),
            Span::styled("▏", theme.accent),
            Span::styled("   Enter open · Esc clear · ↑↓ move", theme.dim),
        ])
    } else {
        let used = Line::from(lead.clone()).width();
        hints(
            app,
            theme,
            app.screen(),
            usize::from(area.width).saturating_sub(used),
        )
    };
    lead.extend(line.spans);
    f.render_widget(Line::from(lead), area);
}

/// The footer: the global hinted keys, then the screen's, each whole or not at
/// all within `width` columns (a hint cut mid-word reads as another key).
fn hints(app: &App, theme: &Theme, screen: Screen, width: usize) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    let mut left = width.saturating_sub(1);
    // The global keys first: "? keys" must show even on a narrow terminal.
    for b in app
        .keys
        .bindings(Screen::Global)
        .iter()
        .chain(app.keys.bindings(screen))
        .filter(|b| b.hint && !(app.read_only && b.action.writes()))
    {
        let Some(k) = b.keys.first() else { continue };
        let (key, help) = (k.label(), format!(" {}", b.help));
        let need = key.chars().count() + help.chars().count();
        if need > left {
            continue;
        }
        left -= need;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(help, theme.dim));
        // The gap to the next hint, when there is room for one.
        if left >= 2 {
            spans.push(Span::raw("  "));
            left -= 2;
        }
    }
    Line::from(spans)
}

/// A centred rectangle.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The lines of the help of the screen in front of the user.
fn help_lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let screen = app.screen();
    let mut lines = vec![Line::styled(
        format!("Keys — {}", screen.name()),
        theme.title,
    )];
    for (title, s) in [("", screen), ("everywhere", Screen::Global)] {
        if !title.is_empty() {
            lines.push(Line::raw(""));
            lines.push(Line::styled(title.to_string(), theme.header));
        }
        for b in app.keys.bindings(s) {
            let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
            if keys.is_empty() || (app.read_only && b.action.writes()) {
                continue;
            }
            lines.push(Line::from(vec![
                Span::styled(format!("{:>11}  ", keys.join(" ")), theme.key),
                Span::raw(b.help),
            ]));
        }
    }
    lines
}

/// How many lines the help scrolls by at most on this terminal (0: it fits), and
/// the columns and lines per column it shows.
fn help_fit(lines: usize, (width, height): (u16, u16)) -> (usize, usize, usize) {
    let room = height.saturating_sub(2).max(1) as usize;
    let fit = (width / 40).max(1) as usize;
    let n = lines.div_ceil(room).clamp(1, fit);
    (lines.saturating_sub(room * n), n, room)
}

/// How far the help scrolls at most (0: it fits, and j/k close it like any key).
pub fn help_scroll_max(app: &App) -> usize {
    help_fit(help_lines(app, &Theme::plain()).len(), app.size).0
}

fn draw_help(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let lines = help_lines(app, theme);
    // Columns side by side as the width allows; taller than that, it scrolls.
    let (max_scroll, n, room) = help_fit(lines.len(), (area.width, area.height));
    let shown = room * n;
    let scroll = app.help_scroll.min(max_scroll);
    let mut lines: Vec<Line> = lines.into_iter().skip(scroll).take(shown).collect();
    let per = lines.len().div_ceil(n).max(1);
    let mut columns: Vec<Vec<Line>> = vec![];
    while !lines.is_empty() {
        let rest = lines.split_off(per.min(lines.len()));
        columns.push(std::mem::replace(&mut lines, rest));
    }
    let tallest = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let width = (40 * columns.len() as u16).min(area.width);
    let rect = centered(area, width, tallest + 2);
    f.render_widget(Clear, rect);
    let closing = if max_scroll > 0 {
        " j/k scroll · any other key closes this "
    } else {
        " any key closes this "
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(" help ")
        .title_bottom(Span::styled(closing, theme.dim));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let parts = Layout::horizontal(vec![
        Constraint::Ratio(1, columns.len() as u32);
        columns.len()
    ])
    .split(inner);
    for (lines, part) in columns.into_iter().zip(parts.iter()) {
        f.render_widget(Paragraph::new(lines), *part);
    }
}

fn draw_palette(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let Some(p) = &app.palette else { return };
    let items = app.palette_items();
    let rect = centered(area, 60, 16);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(" go to: an account, a tab, a command ");
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme.key),
        Span::raw(p.input.clone()),
        Span::styled("▏", theme.accent),
    ])];
    let selected = p.selected.min(items.len().saturating_sub(1));
    let room = inner.height.saturating_sub(1) as usize;
    let start = selected.saturating_sub(room.saturating_sub(1));
    for (i, item) in items.iter().enumerate().skip(start).take(room) {
        let (kind, text) = match item {
            PaletteItem::Tab(t) => ("tab", t.title().to_string()),
            PaletteItem::Account { id, name } => ("account", format!("{name}  #{id}")),
            PaletteItem::Command(c) => ("command", c.to_string()),
            PaletteItem::Go(super::lists::BarItem::Page(p)) => ("view", p.title().to_string()),
            PaletteItem::Go(super::lists::BarItem::Saved(i)) => (
                "saved view",
                app.views
                    .saved
                    .get(*i)
                    .map_or(String::new(), |v| v.name.clone()),
            ),
        };
        let style = if i == selected {
            theme.selected
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{kind:>8}  "), theme.dim),
            Span::styled(text, style),
        ]));
    }
    if items.is_empty() {
        lines.push(Line::styled("  nothing matches", theme.dim));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// "3 min ago", "2 h ago", "just now".
pub fn ago(now: Timestamp, then: Timestamp) -> String {
    let s = (now - then).num_seconds().max(0);
    match s {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", s / 60),
        3600..=86_399 => format!("{} h ago", s / 3600),
        _ => format!("{} d ago", s / 86_400),
    }
}

/// The rows of a list to draw: keeps the selection visible, moving the window as
/// little as possible (the window's start is remembered between frames).
pub fn window(selected: usize, len: usize, height: usize, offset: &Cell<usize>) -> Range<usize> {
    if height == 0 || len == 0 {
        offset.set(0);
        return 0..0;
    }
    let mut start = offset.get().min(len.saturating_sub(1));
    if selected < start {
        start = selected;
    } else if selected >= start + height {
        start = selected + 1 - height;
    }
    start = start.min(len.saturating_sub(height));
    offset.set(start);
    start..(start + height).min(len)
}

/// A block with the theme's border, focused or not.
pub fn pane<'a>(title: impl Into<Line<'a>>, theme: &Theme, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(if focused {
            theme.border_focus
        } else {
            theme.border
        })
        .title(title)
}

/// A list's row, in the selection's colours when it is the selected one.
pub fn selectable<'a>(
    row: ratatui::widgets::Row<'a>,
    selected: bool,
    theme: &Theme,
) -> ratatui::widgets::Row<'a> {
    if selected {
        row.style(theme.selected)
    } else {
        row
    }
}

/// A health mark and whole score (`width` digits, right-aligned) in the status's
/// colour, as lists show an account's health.
pub fn health_score(
    status: Option<tend_domain::HealthStatus>,
    score: Option<f64>,
    width: usize,
    theme: &Theme,
) -> Span<'static> {
    Span::styled(
        format!(
            "{} {:>width$}",
            super::theme::health_mark(status),
            whole(score)
        ),
        theme.health(status),
    )
}

/// A score as lists show it: whole points, rounded (the CLI's rule too).
pub fn whole(s: Option<f64>) -> String {
    tend_domain::format::score(s)
}

/// A centred message for a loading, empty or failed pane.
/// The value of a load once it is in; until then draws "loading the {what}…", or
/// why it failed with the key that retries, in `area`, and gives `None`.
pub fn ready<'a, T>(
    f: &mut Frame,
    app: &App,
    theme: &Theme,
    area: Rect,
    what: &str,
    load: &'a Loadable<T>,
) -> Option<&'a T> {
    match load {
        Loadable::Ready { value, .. } => Some(value),
        Loadable::Failed(e) => {
            let retry = app
                .keys
                .key_for(app.screen(), crate::keys::Action::Refresh)
                .map(|k| format!(" — {k} to retry"))
                .unwrap_or_default();
            let text = format!("could not load the {what}: {e}{retry}");
            message(f, area, &text, theme.error);
            None
        }
        _ => {
            message(f, area, &format!("loading the {what}…"), theme.dim);
            None
        }
    }
}

pub fn message(f: &mut Frame, area: Rect, text: &str, style: Style) {
    let y = area.y + area.height / 2;
    let r = Rect::new(area.x, y, area.width, 1.min(area.height));
    f.render_widget(
        Paragraph::new(text.to_string())
            .style(style)
            .alignment(ratatui::layout::Alignment::Center),
        r,
    );
}
