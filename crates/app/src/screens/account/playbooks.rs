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

fn colour_word(r: &PlaybookRun) -> String {
    match r.colour() {
        RunColour::Green => "● done".into(),
        RunColour::Blue => {
            let open = r.current_step().and_then(|i| r.steps.get(i));
            match (r.waiting_on(), open) {
                (Some((_, who)), _) => format!("● waits on {who}"),
                // The scheduler runs what comes next: an email on its way, a wait.
                (None, Some(s)) if r.automatic && s.delivery_id.is_some() => "● sending".into(),
                (None, Some(s)) if r.automatic && s.due_at.is_some() => "● waiting".into(),
                (None, _) if r.automatic => "● running".into(),
                (None, _) => "● waiting on you".into(),
            }
        }
        RunColour::Orange => "● finished with failures".into(),
        RunColour::Red => "● stuck".into(),
    }
}

/// Whether the step waits on a person.
fn def_waits(step: Option<&PlaybookStep>) -> bool {
    step.is_some_and(|s| matches!(s.action, StepAction::WaitForPerson { .. }))
}

/// What a step does, in a few words, when it says more than its name: whom a
/// step waiting on a person waits on, and for what.
fn step_does(step: Option<&PlaybookStep>, s: &StepRun) -> Option<String> {
    match &step?.action {
        StepAction::WaitForPerson { instructions } => {
            let what = if instructions.trim().is_empty() {
                "to be completed by hand".to_string()
            } else {
                instructions.trim().to_string()
            };
            match (&s.assignee, s.state) {
                (Some(who), StepState::Waiting) => Some(format!("waits on {who}: {what}")),
                (None, StepState::Waiting) => Some(format!("waits for a person: {what}")),
                _ => None,
            }
        }
        StepAction::SendEmail { .. } if s.state == StepState::Waiting => s
            .email
            .as_ref()
            .map(|e| format!("email to {}: {}", e.to.join(", "), e.subject)),
        _ => None,
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
                Cell::from(Span::styled(colour_word(r), theme.run(r.colour()))),
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
        let def = book.and_then(|b| b.steps.get(k));
        let step = def.map_or("step", |s| s.name.as_str());
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
        // (A step waiting on a person has its instructions as its message.)
        let does = step_does(def, s).filter(|_| s.message.is_empty() || def_waits(def));
        // Under the step, wrapped lines hang under the first.
        let width = usize::from(steps.width.saturating_sub(2));
        let hang = |text: &str, style| {
            crate::widgets::wrap(
                &[(text.to_string(), style)],
                width,
                Span::raw("      "),
                Span::raw("      "),
            )
        };
        if let Some(does) = &does {
            let style = if s.state == StepState::Waiting {
                theme.blue
            } else {
                theme.dim
            };
            lines.extend(hang(does, style));
        }
        if !s.message.is_empty() && !does.as_ref().is_some_and(|d| d.ends_with(&s.message)) {
            lines.extend(hang(&s.message, theme.dim));
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
