//! Drawing the views bar.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use tend_domain::format;

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::state::{BarItem, Loadable, Page};
use crate::theme::Theme;
use crate::widgets::ago;

/// The views bar: the pages, then the saved views, each with its count; the one on
/// screen stands out.
pub fn draw_bar(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let current = app.current_bar_item();
    let mut spans = vec![Span::raw(" ")];
    for (k, item) in app.bar_items().into_iter().enumerate() {
        if k > 0 {
            spans.push(Span::styled(" │ ", theme.dim));
        }
        let (label, count, age) = bar_label(app, item);
        let style = if item == current {
            theme.selected.add_modifier(Modifier::BOLD)
        } else {
            theme.base
        };
        spans.push(Span::styled(label, style));
        if let Some(count) = count {
            let alert = matches!(item, BarItem::Page(Page::Alerts)) && count != "0";
            spans.push(Span::styled(
                format!(" {count}"),
                if alert { theme.warning } else { theme.dim },
            ));
        }
        if let Some(age) = age {
            spans.push(Span::styled(format!(" {age}"), theme.dim));
        }
    }
    // Which keys switch, at the right when there is room.
    let used = Line::from(spans.clone()).width() as u16;
    let hint = switch_hint(app);
    let room = area.width.saturating_sub(used);
    if !hint.is_empty() && room > hint.chars().count() as u16 + 2 {
        let w = hint.chars().count() as u16;
        spans.push(Span::raw(" ".repeat(usize::from(room - w - 1))));
        spans.push(Span::styled(hint, theme.dim));
    }
    f.render_widget(Line::from(spans), area);
}
/// "[ ] views": the keys that go through the bar.
fn switch_hint(app: &App) -> String {
    let keys: Vec<String> = [Action::PrevPage, Action::NextPage]
        .into_iter()
        .filter_map(|a| app.keys.key_for(Screen::Global, a))
        .collect();
    if keys.is_empty() {
        String::new()
    } else {
        format!("{} views", keys.join(" "))
    }
}
/// An entry's name, count and (for saved views) how old the count is.
fn bar_label(app: &App, item: BarItem) -> (String, Option<String>, Option<String>) {
    match item {
        BarItem::Page(Page::Portfolio) => (
            "Portfolio".into(),
            app.portfolio
                .counts
                .filter(|_| app.views.active.is_none())
                .map(|c| format::count(c.accounts)),
            None,
        ),
        BarItem::Page(Page::Cases) => (
            "Cases".into(),
            match app.cases.list.value() {
                Some(l) if app.views.active.is_none() => Some(format::count(l.total)),
                // Before the page is visited: every case.
                None if app.cases.expr.is_none() => app.cases.count.map(format::count),
                _ => None,
            },
            None,
        ),
        BarItem::Page(Page::Dashboard) => ("Dashboard".into(), None, None),
        BarItem::Page(Page::Work) => (
            Page::Work.title().into(),
            app.work.list.value().map(|l| format::count(l.len() as u64)),
            None,
        ),
        BarItem::Page(Page::Alerts) => ("Alerts".into(), app.alerts.open.map(format::count), None),
        BarItem::Saved(i) => {
            let name = app.views.saved.get(i).map_or("?", |v| v.name.as_str());
            let modified = app.views.active == Some(i) && app.view_modified();
            let label = format!("{name}{}", if modified { "*" } else { "" });
            match app.views.counts.get(i) {
                Some(Loadable::Ready { value, at }) => (
                    label,
                    Some(format::count(*value)),
                    Some(ago(app.now, *at).replace(" ago", "")),
                ),
                Some(Loadable::Failed(_)) => (label, Some("!".into()), None),
                Some(Loadable::Loading) => (label, Some("…".into()), None),
                _ => (label, None, None),
            }
        }
    }
}
