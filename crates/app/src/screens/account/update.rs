//! Keys on the account screen: moving, tabs, the Overview's curve picker, the
//! Interactions search, jumping to another account.

use crossterm::event::{KeyCode, KeyEvent};
use tend_domain::*;

use crate::app::App;
use crate::keys::{Action, Offer, Screen};
use crate::line::Edit;
use crate::screens::account::state::{
    AccountView, curve_names, interaction_query, list_len, set_tab,
};
use crate::state::{Command, Focus, Loadable, Page, Tab};

/// The keys every account tab offers: moving, tabs, back, the parent account,
/// and deleting the account (which asks for its name first).
const SHARED: &[Offer] = &[
    Offer::plain(Action::Back),
    Offer::plain(Action::Left),
    Offer::plain(Action::Up),
    Offer::plain(Action::Down),
    Offer::plain(Action::PageUp),
    Offer::plain(Action::PageDown),
    Offer::plain(Action::Top),
    Offer::plain(Action::Bottom),
    Offer::plain(Action::NextTab),
    Offer::plain(Action::PrevTab),
    Offer::plain(Action::Tab1),
    Offer::plain(Action::Tab2),
    Offer::plain(Action::Tab3),
    Offer::plain(Action::Tab4),
    Offer::plain(Action::Tab5),
    Offer::plain(Action::Tab6),
    Offer::plain(Action::Tab7),
    Offer::plain(Action::Tab8),
    Offer::plain(Action::Tab9),
    Offer::plain(Action::Tab10),
    Offer::plain(Action::Tab11),
    Offer::plain(Action::Tab12),
    Offer::plain(Action::Tab13),
    Offer::plain(Action::Tab14),
    Offer::plain(Action::Parent),
    Offer::plain(Action::Maximise),
    Offer::dangerous(Action::DeleteAccount),
];

/// What a tab offers beyond the shared keys (each tab's file says).
pub(crate) fn offers(tab: Tab) -> &'static [Offer] {
    use crate::screens::account as t;
    match tab {
        Tab::Overview => t::overview::OFFERS,
        Tab::Interactions => t::interactions::OFFERS,
        Tab::Usage => t::usage::OFFERS,
        Tab::Contacts => t::contacts::OFFERS,
        Tab::Agreements => t::agreements::OFFERS,
        Tab::Opportunities => t::opportunities::OFFERS,
        Tab::Tasks => t::tasks::OFFERS,
        Tab::Playbooks => t::playbooks::OFFERS,
        Tab::Support => t::support::OFFERS,
        Tab::Nps | Tab::Health => &[],
        Tab::Summary => t::summary::update::OFFERS,
        Tab::Settings => t::settings::OFFERS,
        Tab::Alerts => t::alerts::OFFERS,
    }
}

impl App {
    /// Whether the account screen offers `action` on the tab in front (and
    /// whether it asks first): the keys every tab shares, then the tab's own.
    pub(crate) fn account_offer(&self, action: Action) -> Option<Offer> {
        let tab = self.account.as_ref().map_or(Tab::Overview, |a| a.tab);
        SHARED
            .iter()
            .chain(offers(tab))
            .find(|o| o.action == action)
            .copied()
    }

    /// Whether the tab in front offers `action` as its own (not as one of the
    /// keys every tab shares): its meaning wins over another action's on the
    /// same key. Read-only, no writing key is its own.
    pub(crate) fn own_offer(&self, action: Action) -> bool {
        if self.read_only && action.writes() {
            return false;
        }
        match (self.screen(), self.account.as_ref()) {
            (Screen::Account, Some(a)) => offers(a.tab).iter().any(|o| o.action == action),
            _ => false,
        }
    }

    /// A key on the account screen that its tab offers: the tab acts on it (see
    /// `offers` for which tab offers what); `None` when the tab leaves it to the
    /// moves every tab shares.
    pub(crate) fn tab_action(&mut self, action: Action) -> Option<Vec<Command>> {
        let tab = self.account.as_ref()?.tab;
        match tab {
            Tab::Overview => crate::screens::account::overview::act(self, action),
            Tab::Interactions => crate::screens::account::interactions::act(self, action),
            Tab::Usage => crate::screens::account::usage::act(self, action),
            Tab::Contacts => crate::screens::account::contacts::act(self, action),
            Tab::Agreements => crate::screens::account::agreements::act(self, action),
            Tab::Opportunities => crate::screens::account::opportunities::act(self, action),
            Tab::Tasks => crate::screens::account::tasks::act(self, action),
            Tab::Playbooks => crate::screens::account::playbooks::act(self, action),
            Tab::Support => crate::screens::account::support::act(self, action),
            Tab::Nps | Tab::Health => None,
            Tab::Summary => crate::screens::account::summary::update::act(self, action),
            Tab::Settings => crate::screens::account::settings::act(self, action),
            Tab::Alerts => crate::screens::account::alerts::act(self, action),
        }
    }

    /// A key on the account screen: the tab's own first, then the shared ones.
    pub(crate) fn account_action(&mut self, action: Action) -> Vec<Command> {
        if let Some(cmds) = self.tab_action(action) {
            return cmds;
        }
        let page = self.page();
        let Some(a) = self.account.as_mut() else {
            self.focus = Focus::Portfolio;
            return vec![];
        };
        let tab = a.tab.index();
        let len = list_len(a);
        match action {
            // Back from a cited record to the tab that cited it.
            Action::Back | Action::Left if a.back_to.is_some() => {
                if let Some(tab) = a.back_to.take() {
                    set_tab(a, tab);
                }
            }
            Action::Back | Action::Left if a.reading => a.reading = false,
            Action::Back | Action::Left => {
                if !self.back_to_list() {
                    self.focus = Focus::Portfolio;
                }
            }
            Action::Down => a.selected[tab] = (a.selected[tab] + 1).min(len.saturating_sub(1)),
            Action::Up => a.selected[tab] = a.selected[tab].saturating_sub(1),
            Action::PageDown => {
                a.selected[tab] = (a.selected[tab] + page).min(len.saturating_sub(1))
            }
            Action::PageUp => a.selected[tab] = a.selected[tab].saturating_sub(page),
            Action::Top => a.selected[tab] = 0,
            Action::Bottom => a.selected[tab] = len.saturating_sub(1),
            Action::NextTab => set_tab(a, Tab::ALL[(tab + 1) % Tab::ALL.len()]),
            Action::PrevTab => set_tab(a, Tab::ALL[(tab + Tab::ALL.len() - 1) % Tab::ALL.len()]),
            Action::Parent => {
                let target = match (&a.data, a.came_from) {
                    (_, Some(back)) => Some((back, None)),
                    (Loadable::Ready { value, .. }, None) => {
                        value.parent.as_ref().map(|p| (p.id, Some(a.id)))
                    }
                    _ => None,
                };
                match target {
                    Some((id, came_from)) => {
                        let cmds = self.jump_to(id);
                        if let Some(v) = self.account.as_mut() {
                            v.came_from = came_from;
                        }
                        return cmds;
                    }
                    None => self.status = Some("this account has no parent".into()),
                }
            }
            Action::DeleteAccount => return self.delete_account(),
            other => {
                if let Some(t) = other.tab() {
                    set_tab(a, Tab::ALL[t]);
                }
            }
        }
        vec![]
    }

    /// Opens an account from any page (the palette).
    pub(crate) fn jump_to_from_anywhere(&mut self, id: Id) -> Vec<Command> {
        self.page = Page::Portfolio;
        self.views.active = None;
        self.return_to = None;
        self.jump_to(id)
    }

    /// Opens an account from anywhere (palette, parent jump), selecting it in the
    /// portfolio when it is there.
    pub fn jump_to(&mut self, id: Id) -> Vec<Command> {
        if let Some(pos) = self.position_of(id) {
            self.portfolio.selected = pos;
        }
        self.focus = Focus::Account;
        let tab = self.account.as_ref().map(|a| a.tab);
        self.account = None;
        let cmds = self.open_account(id);
        if let (Some(a), Some(tab)) = (self.account.as_mut(), tab) {
            a.tab = tab;
        }
        cmds
    }

    /// The curve picker: a curve's number or Space/Enter on the cursor shows or
    /// hides it, j/k move, Esc or `c` close.
    pub(crate) fn curve_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
            return vec![];
        }
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let curves = curve_names(a);
        let n = curves.len();
        let toggle = |a: &mut AccountView, i: usize| {
            if let Some(name) = curves.get(i)
                && !a.hidden.remove(name)
            {
                a.hidden.insert(name.clone());
            }
        };
        match k.code {
            KeyCode::Esc | KeyCode::Char('c') => a.picking_curves = false,
            KeyCode::Char('j') | KeyCode::Down => {
                a.curve_cursor = (a.curve_cursor + 1).min(n.saturating_sub(1))
            }
            KeyCode::Char('k') | KeyCode::Up => a.curve_cursor = a.curve_cursor.saturating_sub(1),
            KeyCode::Char(' ') | KeyCode::Enter => toggle(a, a.curve_cursor),
            KeyCode::Char(d @ '1'..='9') => {
                let i = d as usize - '1' as usize;
                if i < n {
                    a.curve_cursor = i;
                    toggle(a, i);
                }
            }
            _ => {}
        }
        vec![]
    }

    /// Asks the store for the interactions the search and the filters select
    /// (the query `tend interactions` and the API run), or goes back to the
    /// account's own list when neither is applied. `again`: the same question
    /// after a write, the list on screen kept until the answer.
    pub(crate) fn search_interactions(&mut self, again: bool) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let contacts = a.data.value().map(|d| d.contacts.as_slice()).unwrap_or(&[]);
        match interaction_query(a, contacts) {
            Ok(None) => {
                a.found = None;
                vec![]
            }
            Ok(Some(q)) => {
                if !again || a.found.is_none() {
                    a.found = Some(Loadable::Loading);
                }
                vec![Command::SearchInteractions(a.id, Box::new(q))]
            }
            Err(e) => {
                a.querying = true;
                self.status = Some(e);
                vec![]
            }
        }
    }

    pub(crate) fn query_key(&mut self, k: KeyEvent) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        match k.code {
            KeyCode::Esc => {
                a.querying = false;
                a.query.clear();
                // The filters of `F` stay applied.
                return self.search_interactions(false);
            }
            KeyCode::Enter => {
                a.querying = false;
                return self.search_interactions(false);
            }
            _ => {
                if crate::line::edit(&mut a.query, &k) == Edit::Quit {
                    self.quit = true;
                }
            }
        }
        vec![]
    }
}
