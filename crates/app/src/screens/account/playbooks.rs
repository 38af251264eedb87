//! Playbooks: the runs in their four colours; the selected run's steps beside them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};
use tend_backend::Account360;
use tend_domain::{format, *};

use crate::app::App;
use crate::forms;
use crate::keys::{Action, Offer};
use crate::screens::account::change::Change;
use crate::screens::account::list;
use crate::screens::account::state::AccountView;
use crate::state::Command;
use crate::theme::Theme;

fn colour_word(c: RunColour) -> &'static str {
    match c {
        RunColour::Green => "● done",
        RunColour::Blue => "● waiting on you",
        RunColour::Orange => "● finished with failures",
        RunColour::Red => "● stuck",
    }
}

pub fn draw(f: &mut Frame, a: &AccountView, d: &Account360, theme: &Theme, area: Rect) {
    let today = d.as_of.date_naive();
    let [runs, steps] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(area);
    let name = |r: &PlaybookRun| {
        d.playbooks
            .iter()
            .find(|p| p.id == r.playbook_id)
            .map_or("(deleted playbook)".to_string(), |p| p.name.clone())
    };
    list(
        f,
        runs,
        theme,
        a,
        vec!["RUN", "STATE", "STARTED"],
        vec![
            Constraint::Min(16),
            Constraint::Length(24),
            Constraint::Length(9),
        ],
        d.playbook_runs.len(),
        |i| {
            let r = &d.playbook_runs[i];
            Row::new(vec![
                Cell::from(name(r)),
                Cell::from(Span::styled(colour_word(r.colour()), theme.run(r.colour()))),
                Cell::from(format::days_from(today, r.started_at.date_naive())),
            ])
        },
        "no playbook has run on this account",
    );
    let Some(run) = d
        .playbook_runs
        .get(a.selected().min(d.playbook_runs.len().saturating_sub(1)))
    else {
        return;
    };
    let book = d.playbooks.iter().find(|p| p.id == run.playbook_id);
    let mut lines = vec![Line::styled(name(run), theme.title)];
    for (k, s) in run.steps.iter().enumerate() {
        let step = book
            .and_then(|b| b.steps.get(k))
            .map_or("step", |s| s.name.as_str());
        let style = match s.state {
            StepState::Done => theme.healthy,
            StepState::Waiting => theme.blue,
            StepState::Failed => theme.at_risk,
            StepState::Skipped => theme.dim,
            StepState::Pending => theme.base,
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{:>2}. {:<8} ", k + 1, s.state), style),
            Span::raw(step.to_string()),
        ]));
        if !s.message.is_empty() {
            lines.push(Line::styled(format!("      {}", s.message), theme.dim));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(crate::widgets::pane(" steps ", theme, false)),
        steps,
    );
}

/// What the Playbooks tab offers beyond the keys every tab shares. Skipping a
/// step leaves work undone for good: it asks first.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::New),
    Offer::dangerous(Action::Delete),
    Offer::plain(Action::Advance),
    Offer::plain(Action::Retry),
    Offer::dangerous(Action::Skip),
];

/// A key the Playbooks tab offers.
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::New => Some(match app.playbooks.clone() {
            Some(all) if all.is_empty() => {
                app.status = Some("no playbook is defined yet".into());
                vec![]
            }
            Some(all) => app.open_form(|c| Some(forms::run_playbook(c, &all))),
            None => {
                app.status = Some("loading the playbooks…".into());
                vec![Command::LoadPlaybooks]
            }
        }),
        Action::Delete => Some(app.delete_selected()),
        Action::Advance | Action::Retry | Action::Skip => Some(app.change(action, |a, d, now| {
            let run = d
                .playbook_runs
                .get(a.selected())
                .ok_or_else(|| "no playbook run selected".to_string())?;
            let mut run = run.clone();
            let i = match action {
                Action::Retry => run
                    .steps
                    .iter()
                    .rposition(|s| s.state == StepState::Failed)
                    .ok_or_else(|| "no failed step to retry".to_string())?,
                _ => run
                    .current_step()
                    .ok_or_else(|| "the run is finished".to_string())?,
            };
            match action {
                Action::Retry => run.retry(i, now),
                Action::Skip => run.skip(i, now),
                _ => run.complete(i, now),
            }?;
            let name = d
                .playbooks
                .iter()
                .find(|p| p.id == run.playbook_id)
                .and_then(|p| p.steps.get(i))
                .map(|s| s.name.clone())
                .unwrap_or_else(|| format!("step {}", i + 1));
            let verb = match action {
                Action::Retry => "retried",
                Action::Skip => "skipped",
                _ => "completed",
            };
            Ok(Change::new(
                vec![tend_backend::Write::Update {
                    record: Record::PlaybookRun(run),
                }],
                format!("{verb} \"{name}\""),
                format!("Skip \"{name}\"? The run goes on without it."),
            ))
        })),
        _ => None,
    }
}
