//! Interactions: key indicators, the list with sentiment colour and a manual or
//! automatic marker, a kind filter (`f`), the filters by direction, contact, tag
//! and a contact's role (`F`, asked of the store with the search), and a reader
//! pane (Enter).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};
use tend_backend::Account360;
use tend_domain::{format, *};
use tend_engines::health::KeyIndicators;

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::change::Change;
use crate::screens::account::list;
use crate::screens::account::state::{AccountView, interaction_kind_filter};
use crate::state::{Command, Loadable};
use crate::theme::Theme;

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    // The outbox's line, when some of the account's emails are not sent.
    let (waiting, failed) = a
        .outbox
        .value()
        .map_or((0, 0), |l| crate::overlay::outbox::counts(l));
    let outbox = waiting + failed > 0;
    let [head, body] = Layout::vertical([
        Constraint::Length(if outbox { 3 } else { 2 }),
        Constraint::Min(3),
    ])
    .areas(area);
    // The engine computed them over the whole history when it scored the account.
    let k = a.health.value().map(|h| h.explanation.indicators);
    let ago = |pick: fn(&KeyIndicators) -> Option<Timestamp>| match k.as_ref().map(pick) {
        None => "…".to_string(),
        Some(None) => "never".to_string(),
        Some(Some(t)) => format::days_from(today, t.date_naive()),
    };
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled("last touch ", theme.dim),
                Span::raw(ago(|k| k.last_touch)),
                Span::styled(" · user touch ", theme.dim),
                Span::raw(ago(|k| k.last_user_touch)),
                Span::styled(" · meeting ", theme.dim),
                Span::raw(ago(|k| k.last_meeting)),
                Span::styled(" · sponsor ", theme.dim),
                Span::raw(ago(|k| k.last_sponsor_touch)),
            ]),
            if a.querying {
                Line::from(vec![
                    Span::styled("search: ", theme.key),
                    Span::raw(a.query.clone()),
                    Span::styled("▏", theme.accent),
                    Span::styled(
                        "  words · kind:call · contact:NAME · tag:bug · role:sponsor · dir:in",
                        theme.dim,
                    ),
                ])
            } else {
                let filters = a.interaction_filter.describe(&d.contacts);
                Line::styled(
                    format!(
                        "showing {}{}{} · F: filters · f: kind · / search · Enter: read · A auto, M manual",
                        interaction_kind_filter(a)
                            .map_or("all kinds".to_string(), |k| k.to_string()),
                        if filters.is_empty() {
                            String::new()
                        } else {
                            format!(" · {filters}")
                        },
                        match &a.found {
                            Some(Loadable::Loading) => " (searching…)".to_string(),
                            Some(Loadable::Failed(e)) => format!(" (search failed: {e})"),
                            Some(_) if !a.query.is_empty() => {
                                format!(" matching \"{}\" (/ then Esc clears)", a.query)
                            }
                            _ => String::new(),
                        }
                    ),
                    theme.dim,
                )
            },
            Line::from(vec![
                Span::styled(
                    format!("Outbox: {waiting} waiting / {failed} failed"),
                    if failed > 0 {
                        theme.at_risk
                    } else {
                        theme.warning
                    },
                ),
                Span::styled(" · O lists them", theme.dim),
            ]),
        ]),
        head,
    );
    let items = crate::screens::account::state::visible_interactions(a, d);
    let (list_area, reader) = if a.reading {
        let [l, r] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(body);
        (l, Some(r))
    } else {
        (body, None)
    };
    list(
        f,
        list_area,
        theme,
        a,
        vec!["WHEN", "KIND", "", "SENT.", "SUBJECT"],
        vec![
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(3),
            Constraint::Length(7),
            Constraint::Min(10),
        ],
        items.len(),
        |i| {
            let it = items[i];
            let (sent, style) = match it.sentiment {
                Some(s) => (
                    format!(
                        "{}{:+.1}",
                        if s.source == SentimentSource::Manual {
                            "M"
                        } else {
                            "A"
                        },
                        s.score
                    ),
                    theme.sentiment(s.label),
                ),
                None => ("-".into(), theme.dim),
            };
            Row::new(vec![
                Cell::from(format::days_from(today, it.at.date_naive())),
                Cell::from(it.kind.to_string()),
                Cell::from(if it.direction == Direction::In {
                    "in"
                } else {
                    "out"
                }),
                Cell::from(Span::styled(sent, style)),
                Cell::from(Span::styled(
                    it.subject.clone(),
                    if it.excluded_from_score {
                        theme.dim
                    } else {
                        theme.base
                    },
                )),
            ])
        },
        &if a.found.is_some() || interaction_kind_filter(a).is_some() {
            "no interaction matches: F changes the filters, f the kind, / the search".to_string()
        } else {
            "no interactions with this account: n logs one".to_string()
        },
    );
    if let Some(r) = reader {
        let sel = a.selected();
        if let Some(it) = items.get(sel.min(items.len().saturating_sub(1))) {
            let names: Vec<&str> = it
                .contact_ids
                .iter()
                .filter_map(|id| {
                    d.contacts
                        .iter()
                        .find(|c| c.id == *id)
                        .map(|c| c.name.as_str())
                })
                .collect();
            let mut lines = vec![
                Line::styled(it.subject.clone(), theme.title),
                Line::styled(
                    format!(
                        "{} · {} {} · {}{}",
                        it.at.format("%Y-%m-%d %H:%M"),
                        it.kind,
                        it.direction,
                        if names.is_empty() {
                            "no contact".to_string()
                        } else {
                            names.join(", ")
                        },
                        it.user
                            .as_ref()
                            .map(|u| format!(" · with {u}"))
                            .unwrap_or_default()
                    ),
                    theme.dim,
                ),
            ];
            if let Some(s) = it.sentiment {
                lines.push(Line::styled(
                    format!(
                        "sentiment {} {:+.2} ({}){}",
                        s.label,
                        s.score,
                        if s.source == SentimentSource::Manual {
                            "set by a person"
                        } else {
                            "automatic"
                        },
                        if it.excluded_from_score {
                            " · excluded from the score"
                        } else {
                            ""
                        }
                    ),
                    theme.sentiment(s.label),
                ));
            }
            if !it.tags.is_empty() {
                lines.push(Line::styled(
                    format!("tags: {}", it.tags.join(", ")),
                    theme.dim,
                ));
            }
            lines.push(Line::raw(""));
            for l in it.body.lines() {
                lines.push(Line::raw(l.to_string()));
            }
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(crate::widgets::pane(" reader · Esc closes ", theme, true)),
                r,
            );
        }
    }
}

/// What the Interactions tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Open),
    Offer::plain(Action::Cycle),
    Offer::plain(Action::Filters),
    Offer::plain(Action::Search),
    Offer::plain(Action::New),
    Offer::plain(Action::Edit),
    Offer::dangerous(Action::Delete),
    Offer::plain(Action::Toggle),
    Offer::plain(Action::Ask),
    Offer::plain(Action::Email),
    Offer::plain(Action::Reply),
    Offer::plain(Action::Outbox),
];

/// A key the Interactions tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::Open => {
            let a = app.account.as_mut()?;
            a.reading = !a.reading;
            Some(vec![])
        }
        Action::Cycle => {
            app.account.as_mut()?.cycle_filter();
            Some(vec![])
        }
        Action::Filters => Some(app.open_filters()),
        Action::Search => {
            app.account.as_mut()?.querying = true;
            Some(vec![])
        }
        Action::New => {
            Some(app.open_form(|c| Some(forms::new_interaction(c, InteractionKind::Note))))
        }
        Action::Edit => Some(app.edit_selected()),
        Action::Delete => Some(app.delete_selected()),
        Action::Ask => Some(app.open_copilot()),
        Action::Email => Some(app.compose_email()),
        Action::Reply => Some(app.compose_reply()),
        Action::Outbox => Some(app.open_outbox()),
        // Excluding an interaction from the score, or counting it again.
        Action::Toggle => Some(app.change(action, |a, d, _| {
            let i = crate::screens::account::state::visible_interactions(a, d)
                .get(a.selected())
                .copied()
                .ok_or_else(|| "no interaction selected".to_string())?;
            let mut i = i.clone();
            i.excluded_from_score = !i.excluded_from_score;
            let what = if i.excluded_from_score {
                "excluded the interaction from the score"
            } else {
                "counted the interaction in the score again"
            };
            Ok(Change::new(
                vec![tend_backend::Write::Update {
                    record: Record::Interaction(i),
                }],
                what,
                what,
            ))
        })),
        _ => None,
    }
}
