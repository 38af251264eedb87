//! The scheduler's rounds while the app runs (every [`crate::run::TICK_EVERY`],
//! after a playbook run starts or a step moves, after an email is queued): one at
//! a time, in the background; the screens a round changed are loaded again. And
//! the emails on their way: queued, then sent or not, said in the footer.

use tend_backend::Error;
use tend_backend::outbound::{Delivery, DeliveryState, TickReport};
use tend_domain::*;

use crate::app::App;
use crate::state::{Command, Loadable, Msg, tick_did_something};

pub use crate::state::EmailWatch;

impl App {
    /// A round of the scheduler, unless one is running (then one more follows it).
    /// None read-only: a viewer's server refuses it, and a read-only store cannot.
    pub fn tick(&mut self) -> Vec<Command> {
        if self.read_only {
            return vec![];
        }
        if self.ticking.is_some() {
            self.tick_again = true;
            return vec![];
        }
        self.rounds += 1;
        self.ticking = Some(self.rounds);
        vec![Command::Tick(self.rounds)]
    }

    /// Whether a message changes nothing on screen: a round of the scheduler that
    /// did nothing, with no email waiting on it.
    pub fn quiet(&self, msg: &Msg) -> bool {
        matches!(msg, Msg::Ticked(_, Ok(r)) if !tick_did_something(r))
            && self.watch.is_none()
            && !self.tick_again
    }

    /// A round ended: what it changed is loaded again; an email waiting on it is
    /// looked up; a round asked for meanwhile starts.
    pub(crate) fn ticked(&mut self, round: u64, result: Result<TickReport, Error>) -> Vec<Command> {
        if self.ticking == Some(round) {
            self.ticking = None;
        }
        let mut cmds = vec![];
        if let Ok(r) = &result
            && tick_did_something(r)
        {
            cmds.extend(self.after_tick());
        }
        if let Some(w) = self.watch
            && round >= w.round
        {
            match &result {
                Ok(_) => {
                    // Said once the account's deliveries are in.
                    if !cmds.contains(&Command::LoadDeliveries(w.account)) {
                        cmds.push(Command::LoadDeliveries(w.account));
                    }
                }
                Err(e) => {
                    self.watch = None;
                    self.status = Some(format!(
                        "Email queued, but the outbox could not run: {e} (it is tried again in {} s)",
                        crate::run::TICK_EVERY.as_secs()
                    ));
                }
            }
        }
        if std::mem::take(&mut self.tick_again) {
            cmds.extend(self.tick());
        }
        cmds
    }

    /// What a round that ran steps or sent something may have changed, loaded
    /// again where it is shown.
    fn after_tick(&mut self) -> Vec<Command> {
        let mut cmds = self.after_write();
        if let Some(a) = self.account.as_mut() {
            a.history = Loadable::Idle;
            if a.outbox != Loadable::Idle {
                cmds.push(Command::LoadDeliveries(a.id));
            }
            cmds.push(Command::LoadAccount(a.id));
        }
        cmds
    }

    /// The outbox answered an email handed to it.
    pub(crate) fn email_queued(
        &mut self,
        account: Id,
        result: Result<Box<Delivery>, Error>,
    ) -> Vec<Command> {
        match result {
            Ok(d) => {
                self.overlays.close_compose();
                self.status = Some("Email queued: sending…".into());
                // The next round to start sends it.
                self.watch = Some(EmailWatch {
                    account,
                    delivery: d.id,
                    round: self.rounds + 1,
                });
                let mut cmds = self.tick();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == account) {
                    a.outbox = Loadable::Loading;
                    cmds.push(Command::LoadDeliveries(account));
                }
                cmds
            }
            Err(e) => {
                match self.overlays.compose_mut() {
                    Some(c) => {
                        c.state = crate::overlay::compose::ComposeState::Editing;
                        c.error = Some(format!("not queued: {e}"));
                    }
                    None => self.status = Some(format!("the email was not queued: {e}")),
                }
                vec![]
            }
        }
    }

    /// An account's deliveries came: its outbox, and the fate of an email waiting
    /// to be said.
    pub(crate) fn deliveries_loaded(
        &mut self,
        account: Id,
        result: Result<Vec<Delivery>, Error>,
        at: Timestamp,
    ) {
        if let Some(w) = self.watch.filter(|w| w.account == account)
            && let Ok(list) = &result
            && self.ticking.is_none_or(|r| r > w.round)
            && !self.tick_again
        {
            let found = list.iter().find(|d| d.id == w.delivery);
            self.watch = None;
            self.status = Some(match found {
                Some(d) => fate(d),
                None => "Email queued".into(),
            });
        }
        let offline = self.offline.is_some();
        if let Some(a) = self.account.as_mut().filter(|a| a.id == account) {
            a.outbox.take(result, at, offline);
            let len = a.outbox.value().map_or(0, Vec::len);
            a.outbox_cursor = a.outbox_cursor.min(len.saturating_sub(1));
        }
    }

    /// A delivery was queued again (or not): a round tries it now.
    pub(crate) fn delivery_retried(
        &mut self,
        account: Id,
        result: Result<Box<Delivery>, Error>,
    ) -> Vec<Command> {
        match result {
            Ok(d) => {
                self.status = Some(format!("queued again: {} · sending…", d.summary));
                self.watch = Some(EmailWatch {
                    account,
                    delivery: d.id,
                    round: self.rounds + 1,
                });
                let mut cmds = self.tick();
                cmds.push(Command::LoadDeliveries(account));
                cmds
            }
            Err(e) => {
                self.status = Some(format!("not queued again: {e}"));
                vec![Command::LoadDeliveries(account)]
            }
        }
    }
}

/// What became of an email once a round tried it.
fn fate(d: &Delivery) -> String {
    match d.state {
        DeliveryState::Sent => format!("Sent: {}", d.summary),
        DeliveryState::Failed => format!("Not sent: {} ({})", d.last_error, d.summary),
        DeliveryState::Unknown => format!("May not have been sent: {}", d.last_error),
        DeliveryState::Cancelled => format!("Not sent: {}", d.last_error),
        DeliveryState::Queued if d.attempts == 0 => {
            "Email queued, not sent yet: no SMTP server ([smtp] in the config) · O: outbox".into()
        }
        DeliveryState::Queued | DeliveryState::Sending => format!(
            "Not sent yet ({}): it stays in the outbox and is tried again",
            d.last_error
        ),
    }
}
