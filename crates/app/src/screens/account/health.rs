//! Health: the full explanation and the profile in force.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};
use tend_engines::health::num;

use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::state::Loadable;
use crate::theme::Theme;
use crate::widgets::message;

pub fn draw(f: &mut Frame, a: &AccountView, theme: &Theme, area: Rect) {
    let h = match &a.health {
        Loadable::Ready { value, .. } => value,
        Loadable::Failed(e) => {
            return message(
                f,
                area,
                &format!("could not explain the score: {e}"),
                theme.error,
            );
        }
        _ => return message(f, area, "explaining the score…", theme.dim),
    };
    let e = &h.explanation;
    let drags = e
        .drags
        .iter()
        .filter(|d| d.points_lost >= 0.05)
        .count()
        .min(5);
    let notes = u16::from(!e.missing_rule.is_empty()) * 2;
    let [head, table, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(4),
        Constraint::Length(drags as u16 + 1 + notes),
    ])
    .areas(area);
    f.render_widget(
        Paragraph::new(vec![
            Line::from(vec![
                Span::styled(
                    format!(
                        "{} ",
                        e.score.map_or("-".into(), tend_domain::format::tenths)
                    ),
                    theme.health(e.status),
                ),
                Span::styled(
                    e.status.map_or("no data", |s| s.label()).to_string(),
                    theme.health(e.status),
                ),
                Span::styled(
                    format!(
                        " · profile \"{}\" · healthy ≥ {}, concerning ≥ {} · = 100 − the drags",
                        e.profile,
                        num(e.bands.healthy),
                        num(e.bands.concerning)
                    ),
                    theme.dim,
                ),
            ]),
            Line::styled(h.profile.description.clone(), theme.dim),
        ]),
        head,
    );
    // Rows: each component, then its measures.
    let mut rows: Vec<Row> = vec![];
    for c in &e.components {
        let status = c.score.map(|s| e.bands.status(s));
        rows.push(Row::new(vec![
            Cell::from(Span::styled(c.name.clone(), theme.title)),
            Cell::from(""),
            Cell::from(Span::styled(
                if c.excluded {
                    "excluded".into()
                } else {
                    c.score
                        .map_or("no data".into(), |s| tend_domain::format::score(Some(s)))
                },
                theme.health(status),
            )),
            Cell::from(if c.score.is_some() {
                format!("{:.0}%", c.overall_pct)
            } else {
                "-".into()
            }),
            Cell::from(""),
            Cell::from(""),
        ]));
        for m in &c.measures {
            let status = m.points.map(|p| e.bands.status(p));
            rows.push(Row::new(vec![
                Cell::from(format!("  {}", m.label)),
                Cell::from(
                    m.raw
                        .map_or("-".into(), |v| tend_engines::health::raw_text(m.measure, v)),
                ),
                Cell::from(Span::styled(
                    m.points
                        .map_or("-".into(), |p| tend_domain::format::score(Some(p))),
                    theme.health(status),
                )),
                Cell::from(if m.points.is_some() {
                    format!("{:.1}%", m.overall_pct)
                } else {
                    "-".into()
                }),
                Cell::from(Span::styled(
                    if m.drag > 0.0 {
                        format!("-{:.1}", m.drag)
                    } else {
                        String::new()
                    },
                    theme.negative,
                )),
                Cell::from(Span::styled(m.note.clone(), theme.dim)),
            ]));
        }
    }
    let n = rows.len();
    list(
        f,
        table,
        theme,
        a,
        vec!["MEASURE", "RAW", "POINTS", "SHARE", "DRAG", "RULE"],
        vec![
            Constraint::Length(30),
            Constraint::Length(18),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Min(10),
        ],
        n,
        |i| rows[i].clone(),
        "this profile has no measures",
    );
    let mut lines = vec![Line::styled("What pulls it down", theme.header)];
    for d in e.drags.iter().filter(|d| d.points_lost >= 0.05).take(5) {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:>6} ", format!("-{:.1}", d.points_lost)),
                theme.negative,
            ),
            Span::raw(d.condition.clone()),
        ]));
    }
    if !e.missing_rule.is_empty() {
        lines.push(Line::styled(e.missing_rule.clone(), theme.dim));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), foot);
}
