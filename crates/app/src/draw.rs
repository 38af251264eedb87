//! The frame: header, views bar, the page in front (portfolio and account, cases,
//! alerts, dashboard), footer, then the overlays on top. Reads the app, never
//! changes it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tend_domain::Timestamp;

use crate::app::App;
use crate::keys::Screen;
use crate::overlay::{Overlay, ViewPrompt};
use crate::state::{Focus, Loadable, Page};
use crate::theme::Theme;
use crate::where_bar::WhereBar;
use crate::widgets::ago;

/// Smaller than this, the app only says so.
pub const MIN: (u16, u16) = crate::state::MIN_SIZE;

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
            .key_for(Screen::Global, crate::keys::Action::Quit)
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
    // Only what this frame draws can be clicked.
    app.drawn.borrow_mut().tabs = None;
    let [header, bar, body, footer] = rows(area);
    draw_header(f, app, theme, header);
    crate::screens::views::draw::draw_bar(f, app, theme, bar);
    match app.page {
        Page::Portfolio => {
            let (left, right) = panes(app, body);
            if let Some(left) = left {
                crate::screens::portfolio::draw::draw(f, app, theme, left);
            }
            if let Some(right) = right {
                crate::screens::account::draw::draw(f, app, theme, right);
            }
        }
        Page::Cases => crate::screens::cases::draw::draw_cases(f, app, theme, body),
        Page::Alerts => crate::screens::alerts::draw::draw_alerts(f, app, theme, body),
        Page::Dashboard => crate::screens::dashboard::draw::draw_dashboard(f, app, theme, body),
        Page::Work => crate::screens::work::draw::draw_work(f, app, theme, body),
    }
    draw_footer(f, app, theme, footer);
    // The overlays, bottom-up: the one on top (which takes the keys) last.
    for overlay in app.overlays.iter() {
        match overlay {
            Overlay::Help { .. } => crate::overlay::help::draw_help(f, app, theme, area),
            Overlay::Palette(_) => crate::overlay::palette::draw_palette(f, app, theme, area),
            // The saved-view prompt is a line of the footer.
            Overlay::Prompt(_) => {}
            Overlay::Form(form) => crate::overlay::dialog::draw_form(f, form, theme, body),
            Overlay::Confirm(c) => crate::overlay::dialog::draw_confirm(f, c, theme, body),
            Overlay::Notice(n) => crate::overlay::dialog::draw_notice(f, n, theme, body),
            Overlay::Pick(p) => crate::overlay::pick::draw_pick(f, p, theme, body),
            Overlay::Info(i) => crate::overlay::pick::draw_info(f, i, theme, body),
            Overlay::Copilot => crate::screens::account::copilot::draw::draw(f, app, theme, body),
            Overlay::Compose(c) => {
                crate::overlay::compose::draw_compose(f, c, app.signature.as_deref(), theme, body)
            }
            // A line of the footer.
            Overlay::Asking(_) => {}
            Overlay::Outbox => crate::overlay::outbox::draw_outbox(f, app, theme, body),
            Overlay::Filters(x) => crate::overlay::filters::draw_filters(f, x, theme, body),
            Overlay::Columns(x) => {
                crate::overlay::columns::draw_columns(f, x, app.ascii, theme, body)
            }
        }
    }
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

fn draw_header(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let mut spans = vec![Span::styled(" tend ", theme.title)];
    if let Some(c) = app.portfolio.counts {
        spans.push(Span::styled(
            tend_domain::format::counted(c.accounts, "account", "accounts"),
            theme.dim,
        ));
        spans.push(Span::raw("  "));
        spans.push(if app.health_off {
            Span::styled("health off", theme.dim)
        } else {
            Span::styled(
                format!("{} at risk", tend_domain::format::count(c.at_risk)),
                theme.at_risk,
            )
        });
        if app.portfolio.churned {
            spans.push(Span::styled("  +churned", theme.dim));
        }
    }
    // The account's name from its 360, or, before that is in, from its row.
    if let Some(a) = app.header_account()
        && let Some(name) = a.data.value().map(|d| &d.account.name).or_else(|| {
            app.portfolio
                .selected_row()
                .filter(|r| r.id == a.id)
                .map(|r| &r.name)
        })
    {
        spans.push(Span::raw("  "));
        spans.push(Span::styled("▸ ", theme.dim));
        spans.push(Span::styled(name.clone(), theme.title));
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
        Page::Work => at(&app.work.list),
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
    // A prompt on top keeps its line; a message about it follows the input.
    if let Some(Overlay::Prompt(prompt)) = app.overlays.top() {
        match prompt {
            ViewPrompt::Name { input, renaming } => {
                let (what, hint) = if renaming.is_some() {
                    (" rename the view: ", "   Enter rename · Esc cancel")
                } else {
                    (
                        " save as view: ",
                        "   Enter save (a view's name: replace it) · Esc cancel",
                    )
                };
                lead.push(Span::styled(what, theme.key));
                lead.push(Span::raw(input.clone()));
                lead.push(Span::styled("▏", theme.accent));
                match &app.status {
                    Some(msg) => lead.push(Span::styled(format!("  ✗ {msg}"), theme.warning)),
                    None => lead.push(Span::styled(hint, theme.dim)),
                }
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
    if let Some(Overlay::Asking(a)) = app.overlays.top() {
        lead.push(Span::styled(a.question.clone(), theme.key));
        lead.push(Span::raw(a.input.clone()));
        lead.push(Span::styled("▏", theme.accent));
        match &app.status {
            Some(msg) => lead.push(Span::styled(format!("  ✗ {msg}"), theme.warning)),
            None => lead.push(Span::styled(
                format!("   Enter {} · Esc cancel", a.verb),
                theme.dim,
            )),
        }
        f.render_widget(Line::from(lead), area);
        return;
    }
    if let Some(msg) = &app.status {
        // An email on its way: the spinner turns until a round has tried it.
        if app.watch.is_some() {
            lead.push(Span::styled(format!(" {}", app.spinner()), theme.accent));
        }
        lead.push(Span::styled(format!(" {msg}"), theme.warning));
        f.render_widget(Line::from(lead), area);
        return;
    }
    let overlay_keys = match app.overlays.top() {
        Some(Overlay::Form(_)) => {
            Some(" Tab/S-Tab field · ←→ Space choose · Enter/C-s save · Esc cancel")
        }
        Some(Overlay::Palette(_)) => Some(" type to find · ↑↓ choose · Enter go · Esc close"),
        Some(Overlay::Compose(_)) => Some(" Tab/S-Tab field · C-s send · Esc cancel"),
        Some(Overlay::Outbox) => Some(" ↑↓ choose · r retry · Esc close"),
        Some(Overlay::Filters(_)) => {
            Some(" ↑↓ filter · ←→ Space choose · x clear all · Enter apply · Esc cancel")
        }
        Some(Overlay::Columns(_)) => {
            Some(" ↑↓ move · Space show/hide · J/K reorder · Enter apply · Esc cancel")
        }
        _ => None,
    };
    if let Some(keys) = overlay_keys {
        lead.push(Span::styled(keys, theme.dim));
        f.render_widget(Line::from(lead), area);
        return;
    }
    let bar: Option<&WhereBar> = match app.page {
        Page::Portfolio => app.portfolio.bar.as_ref(),
        Page::Cases => app.cases.bar.as_ref(),
        Page::Alerts | Page::Dashboard | Page::Work => None,
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
        .filter(|b| b.hint && app.offer(b.action).is_some())
    {
        let here = app.keys_here(b);
        let Some(k) = here.first() else { continue };
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
