//! Changes made elsewhere: a team server's change feed says what someone else
//! (another app, the CLI, an import, the scheduler) wrote, and what shows it is
//! loaded again, without a key pressed and without asking the server again and
//! again. A burst of changes (an import, a playbook run) waits [`SETTLE`] and
//! costs one round of reloads.

use std::collections::BTreeSet;
use std::time::Duration;

use tend_domain::{ChangeLogEntry, EntityKind, Id};
use tokio::sync::mpsc;

use crate::app::App;
use crate::state::{Command, Loadable, Msg};

/// How long changes gather before what shows them is loaded again.
pub const SETTLE: Duration = Duration::from_millis(100);

/// The task forwarding a backend's changes to the loop; it ends with the loop.
pub struct Watching(tokio::task::JoinHandle<()>);

impl Drop for Watching {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Forwards `changes` to the loop as [`Msg::Changed`].
pub fn forward(
    mut changes: mpsc::Receiver<ChangeLogEntry>,
    tx: mpsc::UnboundedSender<Msg>,
) -> Watching {
    Watching(tokio::spawn(async move {
        while let Some(entry) = changes.recv().await {
            if tx.send(Msg::Changed(Box::new(entry))).is_err() {
                return;
            }
        }
    }))
}

impl App {
    /// A change came in: noted, and a reload is set to follow once they settle.
    pub(crate) fn changed_elsewhere(&mut self, entry: &ChangeLogEntry) -> Vec<Command> {
        if let Some(id) = entry.account_id {
            self.changed.accounts.insert(id);
            // Said in the footer once it shows: the screen changed under the user.
            if self.account.as_ref().is_some_and(|a| a.id == id)
                && entry.actor != self.user
                && !self.changed.by.contains(&entry.actor)
            {
                self.changed.by.push(entry.actor.clone());
            }
        }
        // An account created, or given to someone, may now match the filter.
        if entry.entity == EntityKind::Account {
            self.changed.account_records.insert(entry.record_id);
        }
        if std::mem::replace(&mut self.changed.waiting, true) {
            return vec![];
        }
        vec![Command::SettleChanges(SETTLE)]
    }

    /// The changes settled: the account on screen, the portfolio when it lists
    /// an account that changed, and the lists and counts already loaded are
    /// loaded again; what shows stays until the answers replace it.
    pub(crate) fn changes_settled(&mut self) -> Vec<Command> {
        let changed = std::mem::take(&mut self.changed);
        let mut cmds = self.after_write();
        if let Some(a) = self.account.as_mut()
            && a.asked
            && changed.accounts.contains(&a.id)
        {
            if a.history != Loadable::Idle {
                a.history = Loadable::Idle;
            }
            if a.outbox != Loadable::Idle {
                cmds.push(Command::LoadDeliveries(a.id));
            }
            a.usage.activity_asked = None;
            a.usage.users_asked = None;
            a.usage.features_asked = None;
            cmds.push(Command::LoadAccount(a.id));
            if !changed.by.is_empty() {
                let name = a
                    .data
                    .value()
                    .map_or_else(|| "this account".to_string(), |d| d.account.name.clone());
                self.status = Some(format!(
                    "{name} was just changed by {}",
                    changed.by.join(", ")
                ));
            }
        }
        if self.portfolio_shows_any(&changed.accounts)
            || self.portfolio_lacks_any(&changed.account_records)
        {
            cmds.push(self.portfolio_command());
        }
        cmds
    }

    /// Whether an account changed that the portfolio does not list: one just
    /// created, or one a change may have brought into the filter.
    fn portfolio_lacks_any(&self, accounts: &BTreeSet<Id>) -> bool {
        self.portfolio
            .rows
            .value()
            .is_some_and(|rows| accounts.iter().any(|id| !rows.iter().any(|r| r.id == *id)))
    }

    /// Whether a row of these accounts is on screen, or near it (a page either
    /// side of the selection): the portfolio is loaded again only then, not for
    /// every change anywhere in a big book.
    fn portfolio_shows_any(&self, accounts: &BTreeSet<Id>) -> bool {
        let Some(rows) = self.portfolio.rows.value() else {
            return false;
        };
        let view = &self.portfolio.view;
        let page = self.page();
        let from = self.portfolio.selected.saturating_sub(2 * page);
        let to = (self.portfolio.selected + 2 * page).min(view.len());
        view.get(from..to)
            .unwrap_or_default()
            .iter()
            .any(|&i| rows.get(i).is_some_and(|r| accounts.contains(&r.id)))
    }
}
