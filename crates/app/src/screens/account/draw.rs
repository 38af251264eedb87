//! The account pane: the account's name line, the tab bar, the tab.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use tend_domain::format;

use crate::app::App;
use crate::state::{Focus, Loadable, Tab};
use crate::theme::{Theme, health_mark, trend_arrow};
use crate::widgets::{message, pane};

/// Which tabs fit in `width`, each with its columns, the current one always in.
pub fn tab_bar(width: u16, current: Tab) -> Vec<(Tab, Range<u16>)> {
    let label = |t: Tab| format!(" {} {} ", key_of(t), t.title());
    let widths: Vec<u16> = Tab::ALL
        .iter()
        .map(|t| label(*t).chars().count() as u16)
        .collect();
    // Start from the first tab, or late enough that the current one fits.
    let cur = current.index();
    let mut first = 0;
    while first < cur && widths[first..=cur].iter().sum::<u16>() > width {
        first += 1;
    }
    let mut out = vec![];
    let mut x = 0;
    for (i, t) in Tab::ALL.iter().enumerate().skip(first) {
        if x + widths[i] > width {
            break;
        }
        out.push((*t, x..x + widths[i]));
        x += widths[i];
    }
    out
}

/// The key of a tab, as the tab bar shows it.
pub fn key_of(t: Tab) -> &'static str {
    [
        "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "=", "\\", "!",
    ][t.index()]
}

pub fn draw(f: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let focused = app.focus == Focus::Account;
    let Some(a) = &app.account else {
        let block = pane(" Account ", theme, focused);
        let inner = block.inner(area);
        f.render_widget(block, area);
        return message(f, inner, "select an account on the left", theme.dim);
    };
    let mut title = vec![Span::styled(" Account ", theme.title)];
    if let Some(work) = background(app, a) {
        title.push(Span::styled(format!("· {work} "), theme.accent));
    }
    let mut block = pane(Line::from(title), theme, focused);
    if let Loadable::Ready { at, .. } = &a.data {
        block = block.title(
            Line::from(Span::styled(
                format!(" updated {} ", crate::widgets::ago(app.now, *at)),
                theme.dim,
            ))
            .right_aligned(),
        );
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [name, bar, _, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(0),
        Constraint::Min(1),
    ])
    .areas(inner);
    let Some(d) = crate::widgets::ready(f, app.retry_key(), theme, inner, "account", &a.data)
    else {
        return;
    };
    let r = &d.row;
    let today = d.as_of.date_naive();
    let mut spans = vec![
        Span::styled(
            format!("{} {} ", health_mark(r.health_status), d.account.name),
            theme.title,
        ),
        if app.health_off {
            Span::styled("health off ", theme.dim)
        } else {
            Span::styled(
                format!(
                    "{} {} {} ",
                    r.health_score
                        .map_or("-".into(), |s| tend_domain::format::score(Some(s))),
                    r.health_status.map_or("no score", |s| s.label()),
                    trend_arrow(r.health_trend)
                ),
                theme.health(r.health_status),
            )
        },
        Span::styled(
            format!(
                "· {} MRR · {} · {} · {}",
                format::money(r.mrr_cents),
                renewal_text(d, today),
                d.account.stage,
                d.account.owner
            ),
            theme.dim,
        ),
    ];
    if let Some(p) = &d.parent {
        spans.push(Span::styled(
            format!(" · part of {} (P)", p.name),
            theme.accent,
        ));
    }
    f.render_widget(Line::from(spans), name);
    let mut tabs_line = vec![];
    let shown = tab_bar(bar.width, a.tab);
    app.drawn.borrow_mut().tabs = Some((
        bar.y,
        shown
            .iter()
            .map(|(t, x)| (*t, bar.x + x.start..bar.x + x.end))
            .collect(),
    ));
    for (t, _) in shown {
        let text = format!(" {} {} ", key_of(t), t.title());
        tabs_line.push(if t == a.tab {
            Span::styled(text, theme.selected)
        } else {
            Span::styled(text, theme.dim)
        });
    }
    f.render_widget(Line::from(tabs_line), bar);
    crate::screens::account::draw_tab(f, app, a, d, theme, body);
}

/// What goes on behind the tab in front, for the pane's title: the copilot's
/// answer coming or ready, a summary being generated or reworded; on the
/// Interactions tab, with nothing else to say, the key that opens the copilot.
fn background(app: &App, a: &crate::screens::account::state::AccountView) -> Option<String> {
    let copilot_open = app.overlays.copilot();
    let ask = || {
        app.keys
            .bindings(crate::keys::Screen::Account)
            .iter()
            .find(|b| b.action == crate::keys::Action::Ask)
            .and_then(|b| app.keys_here(b).first().map(|k| k.label()))
    };
    let mut said = vec![];
    if a.copilot.ready && !copilot_open {
        said.push(match ask() {
            Some(k) if a.tab == Tab::Interactions => format!("copilot: answer ready ({k})"),
            _ => "copilot: answer ready".to_string(),
        });
    } else if a.copilot.running.is_some() && !copilot_open {
        said.push("copilot: thinking…".to_string());
    }
    if a.tab != Tab::Summary {
        if a.summary.generating.is_some() {
            said.push("summary: generating…".to_string());
        }
        if a.summary.rewording.is_some() {
            said.push("summary: rewording…".to_string());
        }
    }
    if said.is_empty()
        && a.tab == Tab::Interactions
        && let Some(k) = ask()
    {
        said.push(format!("{k}: copilot"));
    }
    (!said.is_empty()).then(|| said.join(" · "))
}

/// "notice in 45d · ends in 75d": the account's next renewal decision, from its
/// agreements (the row's renewal is the notice date alone).
pub fn renewal_text(d: &tend_backend::Account360, today: chrono::NaiveDate) -> String {
    match tend_domain::next_renewal(&d.agreements, today) {
        Some((notice, end)) => format::renewal(today, Some(notice), Some(end)),
        None => format::renewal(today, d.row.renewal, None),
    }
}
