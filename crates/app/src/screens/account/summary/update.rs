//! Keys on the Summary tab and the answers of its background work: generating a
//! summary, rewording one with the language model.

use tend_backend::Write;
use tend_backend::ai::AiError;
use tend_backend::summary::{AccountSummary, SectionId};
use tend_domain::*;

use crate::app::App;
use crate::keys::{Action, Offer};
use crate::screens::account::summary::{
    Draft, Rewording, Version, expansion_description, expansion_name, section_starts, shown,
    statements, under_cursor,
};
use crate::state::{Cancel, Command, Focus, Model, Tab};

/// What the Summary tab offers beyond the keys every tab shares.
pub const OFFERS: &[Offer] = &[
    Offer::plain(Action::Open),
    Offer::plain(Action::Follow),
    Offer::plain(Action::Generate),
    Offer::plain(Action::SaveSummary),
    Offer::plain(Action::OlderSummary),
    Offer::plain(Action::NewerSummary),
    Offer::plain(Action::Expansion),
    Offer::plain(Action::Reword),
];

/// What `r` says without a language model.
pub const NO_MODEL: &str =
    "No language model configured: set [ai] in the config (README, 'Language model')";

/// A key the Summary tab offers, and the moves it reads its own way (over
/// statements, a section a page).
pub(crate) fn act(app: &mut App, action: Action) -> Option<Vec<Command>> {
    match action {
        Action::Down
        | Action::Up
        | Action::PageDown
        | Action::PageUp
        | Action::Top
        | Action::Bottom => {
            app.move_in_summary(action);
            Some(vec![])
        }
        Action::Back if app.account.as_ref()?.summary.rewording.is_some() => {
            if let Some(r) = app.account.as_ref()?.summary.rewording.as_ref() {
                r.cancel.cancel();
            }
            app.status = Some("cancelling the rewording…".into());
            Some(vec![])
        }
        Action::Open | Action::Follow => Some(app.follow_statement()),
        Action::Generate => Some(app.generate_summary()),
        Action::SaveSummary => Some(app.save_summary()),
        Action::OlderSummary | Action::NewerSummary => {
            app.step_summary(action == Action::OlderSummary);
            Some(vec![])
        }
        Action::Expansion => Some(app.expansion_from_summary()),
        Action::Reword => Some(app.reword_summary()),
        _ => None,
    }
}

impl App {
    /// On entering the Summary tab (the account in front): the latest saved
    /// summary shows; with none, one is generated.
    pub(crate) fn enter_summary(&mut self) -> Vec<Command> {
        let focused = self.focus == Focus::Account;
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        if a.tab != Tab::Summary || a.summary.entered || !focused {
            return vec![];
        }
        let Some(d) = a.data.value() else {
            return vec![];
        };
        a.summary.entered = true;
        if d.summaries.is_empty() && a.summary.draft.is_none() && a.summary.generating.is_none() {
            return self.generate_summary();
        }
        vec![]
    }

    /// `g`: a fresh summary, generated in the background.
    pub(crate) fn generate_summary(&mut self) -> Vec<Command> {
        if self
            .account
            .as_ref()
            .is_some_and(|a| a.summary.generating.is_some())
        {
            self.status = Some("the summary is being generated".into());
            return vec![];
        }
        let job = self.job();
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        a.summary.generating = Some(job);
        a.summary.failed = None;
        vec![Command::GenerateSummary { account: a.id, job }]
    }

    /// A generated summary came: it shows, unless it is for an account or an
    /// ask no longer on screen.
    pub(crate) fn summary_generated(
        &mut self,
        account: Id,
        job: u64,
        result: Result<Box<AccountSummary>, tend_backend::Error>,
    ) {
        let Some(a) = self.account.as_mut().filter(|a| a.id == account) else {
            return;
        };
        let v = &mut a.summary;
        if v.generating != Some(job) {
            return;
        }
        v.generating = None;
        match result {
            Ok(s) => {
                v.draft = Some(Draft {
                    summary: *s,
                    reworded: false,
                });
                v.shown = 0;
                v.cursor = 0;
                v.offset.set(0);
                v.said = None;
            }
            Err(e) => v.failed = Some(e.to_string()),
        }
    }

    /// The account was loaded again: after a save, the summary just saved shows.
    pub(crate) fn summary_reloaded(&mut self, id: Id) {
        let Some(a) = self.account.as_mut().filter(|a| a.id == id) else {
            return;
        };
        if !a.summary.saving || a.data.value().is_none() {
            return;
        }
        let v = &mut a.summary;
        v.saving = false;
        v.draft = None;
        v.shown = 0;
        v.cursor = 0;
        v.offset.set(0);
    }

    fn move_in_summary(&mut self, action: Action) {
        let Some(a) = self.account.as_mut() else {
            return;
        };
        let Some(d) = a.data.value() else { return };
        let Some(s) = shown(&a.summary, d) else {
            return;
        };
        let n = statements(&s.summary).len();
        let starts = section_starts(&s.summary);
        let at = a.summary.cursor.min(n.saturating_sub(1));
        let to = match action {
            Action::Down => (at + 1).min(n.saturating_sub(1)),
            Action::Up => at.saturating_sub(1),
            // A page is a section.
            Action::PageDown => starts.iter().copied().find(|s| *s > at).unwrap_or(at),
            Action::PageUp => starts.iter().copied().rev().find(|s| *s < at).unwrap_or(0),
            Action::Top => 0,
            _ => n.saturating_sub(1),
        };
        a.summary.cursor = to;
    }

    /// Enter or `o`: the record the statement under the cursor cites (a choice
    /// when it cites several).
    fn follow_statement(&mut self) -> Vec<Command> {
        let citations = {
            let Some(a) = self.account.as_ref() else {
                return vec![];
            };
            let Some(d) = a.data.value() else {
                return vec![];
            };
            let Some(s) = shown(&a.summary, d) else {
                self.status = Some("no summary yet: g generates one".into());
                return vec![];
            };
            match under_cursor(&a.summary, &s.summary) {
                Some((_, st)) => st.citations.clone(),
                None => vec![],
            }
        };
        self.follow_citations(&citations)
    }

    /// `s`: saves the generated summary (a new record: nothing is replaced, so
    /// nothing is asked).
    fn save_summary(&mut self) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let Some(d) = a.data.value() else {
            return vec![];
        };
        let draft = match shown(&a.summary, d).map(|s| s.version) {
            Some(Version::Draft(x)) => x.summary.clone(),
            Some(Version::Saved(..)) => {
                self.status = Some("this summary is saved already (g generates a new one)".into());
                return vec![];
            }
            None => {
                self.status = Some("no summary to save: g generates one".into());
                return vec![];
            }
        };
        if a.summary.saving {
            self.status = Some("the summary is being saved".into());
            return vec![];
        }
        a.summary.saving = true;
        let account = a.id;
        let record = Record::Summary(draft.to_record(&self.user));
        self.save(
            account,
            vec![Write::Create { record }],
            "saved the summary".into(),
        )
    }

    /// `[` and `]`: the older or newer summary.
    fn step_summary(&mut self, older: bool) {
        let Some(a) = self.account.as_mut() else {
            return;
        };
        let Some(d) = a.data.value() else { return };
        let n = crate::screens::account::summary::versions(&a.summary, d).len();
        let v = &mut a.summary;
        let at = v.shown.min(n.saturating_sub(1));
        let to = if older {
            (at + 1).min(n.saturating_sub(1))
        } else {
            at.saturating_sub(1)
        };
        if to == at {
            self.status = Some(
                match (older, n) {
                    (_, 0) => "no summary yet: g generates one",
                    (true, _) => "this is the oldest summary",
                    (false, _) => "this is the newest summary",
                }
                .into(),
            );
            return;
        }
        v.shown = to;
        v.cursor = 0;
        v.offset.set(0);
    }

    /// `x`: a new expansion opportunity from the summary's suggestions (the
    /// opportunity form, filled in; saving it creates it).
    fn expansion_from_summary(&mut self) -> Vec<Command> {
        let (name, description) = {
            let Some(a) = self.account.as_ref() else {
                return vec![];
            };
            let Some(d) = a.data.value() else {
                return vec![];
            };
            let Some(s) = shown(&a.summary, d) else {
                self.status = Some("no summary yet: g generates one".into());
                return vec![];
            };
            let Some(description) = expansion_description(&s.summary) else {
                self.status =
                    Some("this summary suggests no expansion opportunity to create".into());
                return vec![];
            };
            // The suggestion under the cursor names it, else the first one.
            let expansion = s
                .summary
                .sections
                .iter()
                .position(|x| x.id == SectionId::Expansion);
            let picked = match under_cursor(&a.summary, &s.summary) {
                Some((i, st)) if Some(i) == expansion => Some(st.text.clone()),
                _ => s
                    .summary
                    .section(SectionId::Expansion)
                    .and_then(|x| x.statements.first())
                    .map(|st| st.text.clone()),
            };
            (
                expansion_name(picked.as_deref(), &d.account.name),
                description,
            )
        };
        self.open_form(|c| Some(crate::forms::new_expansion(c, name, description)))
    }

    /// `r`: the summary on screen reworded by the language model, section by
    /// section, in the background; the result is a new draft.
    fn reword_summary(&mut self) -> Vec<Command> {
        let Some(client) = self.ai.clone() else {
            self.status = Some(NO_MODEL.into());
            return vec![];
        };
        let summary = {
            let Some(a) = self.account.as_ref() else {
                return vec![];
            };
            if a.summary.rewording.is_some() {
                self.status = Some("the summary is being reworded (Esc cancels)".into());
                return vec![];
            }
            let Some(d) = a.data.value() else {
                return vec![];
            };
            let Some(s) = shown(&a.summary, d) else {
                self.status = Some("no summary to reword: g generates one".into());
                return vec![];
            };
            s.summary
        };
        let job = self.job();
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let (cancel, rx) = Cancel::new();
        a.summary.rewording = Some(Rewording {
            job,
            section: 0,
            total: summary.sections.len(),
            chars: 0,
            cancel,
        });
        a.summary.said = None;
        vec![Command::Reword {
            account: a.id,
            job,
            summary: Box::new(summary),
            model: Model { client, cancel: rx },
        }]
    }

    pub(crate) fn rewording(
        &mut self,
        account: Id,
        job: u64,
        (section, total, chars): (usize, usize, usize),
    ) {
        if let Some(r) = self
            .account
            .as_mut()
            .filter(|a| a.id == account)
            .and_then(|a| a.summary.rewording.as_mut())
            .filter(|r| r.job == job)
        {
            r.section = section;
            r.total = total;
            r.chars = chars;
        }
    }

    pub(crate) fn reworded(
        &mut self,
        account: Id,
        job: u64,
        result: Result<(Box<AccountSummary>, usize), AiError>,
    ) {
        let Some(a) = self.account.as_mut().filter(|a| a.id == account) else {
            return;
        };
        let v = &mut a.summary;
        if v.rewording.as_ref().is_none_or(|r| r.job != job) {
            return;
        }
        v.rewording = None;
        v.said = match result {
            Ok((s, dropped)) => {
                v.draft = Some(Draft {
                    summary: *s,
                    reworded: true,
                });
                v.shown = 0;
                v.cursor = 0;
                v.offset.set(0);
                (dropped > 0).then(|| dropped_note(dropped))
            }
            Err(AiError::Cancelled) => Some("rewording cancelled: the summary is as it was".into()),
            Err(e) => Some(format!("rewording failed: {e}")),
        };
    }
}

/// "3 sentences dropped (...)".
pub fn dropped_note(dropped: usize) -> String {
    format!(
        "{} dropped (cited records the model was not given)",
        tend_domain::format::counted(dropped as u64, "sentence", "sentences")
    )
}
