//! The app's state and how it changes: messages in (keys, backend answers),
//! commands out (backend calls to start). No I/O here, so every screen state can
//! be built in a test.

use crossterm::event::{KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use tend_backend::AccountRow;
use tend_domain::*;

use crate::fuzzy::Fuzzy;
use crate::keys::{Action, Key, Keymap, Offer, Screen};
use crate::line::Edit;
use crate::overlay::{Overlay, Overlays, Palette};
use crate::screens::account::state::{AccountView, set_tab};
use crate::screens::alerts::state::AlertsView;
use crate::screens::cases::state::CasesView;
use crate::screens::dashboard::state::DashboardView;
use crate::screens::portfolio::state::Portfolio;
use crate::screens::views::state::Views;
use crate::screens::work::state::WorkView;
use crate::state::{Command, Focus, Loadable, MIN_SIZE, Msg, Offline, Page, Tab, WIDE};

/// Everything on screen.
pub struct App {
    pub keys: Keymap,
    pub portfolio: Portfolio,
    pub account: Option<AccountView>,
    pub focus: Focus,
    /// What is open over the screens (help, palette, prompt, form, question,
    /// notice): the top one takes the keys.
    pub overlays: Overlays,
    pub quit: bool,
    /// A message for the footer (an error, a hint).
    pub status: Option<String>,
    /// The terminal size, for layout decisions made in `update` (page size).
    pub size: (u16, u16),
    pub fuzzy: Fuzzy,
    /// The instant "updated N ago" is counted from (the clock of the store).
    pub now: Timestamp,
    /// Charts in ASCII only.
    pub ascii: bool,
    /// No writes: write keys say so instead of acting.
    pub read_only: bool,
    /// Why writes are off, when not for --read-only (a viewer's token).
    pub read_only_why: Option<String>,
    /// Who the change log names for writes made here.
    pub user: String,
    /// A write on its way to the store (what it is).
    pub saving: Option<String>,
    /// The score before the last write, to say how the write moved it.
    pub score_before: Option<(Id, Option<f64>, String)>,
    /// Where the Tasks selection goes once a card move is saved (column, row).
    pub follow: Option<(usize, usize)>,
    /// Every playbook (loaded when one is to be run).
    pub playbooks: Option<Vec<Playbook>>,
    /// Set while the backend cannot be reached; the screen keeps what it showed.
    pub offline: Option<Offline>,
    /// The page the views bar has on screen.
    pub page: Page,
    pub cases: CasesView,
    pub alerts: AlertsView,
    pub dashboard: DashboardView,
    pub views: Views,
    /// The list an account was opened from (and the saved view it showed): Esc
    /// goes back to it.
    pub return_to: Option<(Page, Option<usize>)>,
    /// The pane in focus fills the body (`z`), wide or not.
    pub maximised: bool,
    /// Every account, loaded when the portfolio lists only some of them and the
    /// palette, the alerts or the PARENT column need a name from outside it (see
    /// [`App::accounts`]).
    pub directory: Loadable<Vec<AccountRow>>,
    /// The portfolio's own filter while a dashboard line shows its accounts (Esc
    /// back to the dashboard restores it).
    pub portfolio_before: Option<crate::screens::portfolio::state::PortfolioAsk>,
    /// The store is being brought to today's scores: what shows is yesterday's.
    pub rescoring: bool,
    /// What the last frame drew where (for clicks), handed back by the drawing.
    pub drawn: std::cell::RefCell<crate::state::Drawn>,
    /// The language model (`[ai]` in the config), when one is configured.
    pub ai: Option<std::sync::Arc<tend_backend::ai::AiClient>>,
    /// The number of the last background job started (its answers carry it).
    pub jobs: u64,
    /// My work: what waits on the user across accounts.
    pub work: WorkView,
    /// The round of the scheduler running now (its number), if one is.
    pub ticking: Option<u64>,
    /// The number of the last round started.
    pub rounds: u64,
    /// A round was asked for while one ran: it follows.
    pub tick_again: bool,
    /// An email queued from here, said in the footer once a round tried it.
    pub watch: Option<crate::state::EmailWatch>,
    /// The signature the backend appends to emails, when known.
    pub signature: Option<String>,
    /// Which module each product feature belongs to (`[usage.modules]`).
    pub modules: tend_backend::ModuleMap,
    /// The Metrics view's charts (`[[metrics]]`; none: the defaults).
    pub metrics: Vec<crate::screens::account::charts::MetricChart>,
    /// The organisation's custom account fields and churn reasons.
    pub account_rules: std::sync::Arc<AccountRules>,
    /// The Overview's blocks, in order (`[overview] blocks`).
    pub overview: Vec<crate::screens::account::blocks::OverviewBlock>,
    /// Health is switched off: where a score would show, the app says so.
    pub health_off: bool,
    /// The spinner's frame (moved by the loop while something loads).
    pub spin: usize,
    /// What opens a document's link or file.
    pub opener: crate::files::Opener,
    /// Where documents' files fetched to be opened are kept (None: a folder in
    /// the system's temporary folder).
    pub files_cache: Option<std::path::PathBuf>,
    /// A document being fetched or handed to the opener (its name).
    pub opening: Option<String>,
    /// How long the portfolio's selection rests before the account under it is
    /// loaded while its pane is not on screen (see [`Command::PrefetchAccount`]).
    pub prefetch_after: std::time::Duration,
    /// When the portfolio's selection last loaded the account under it: moves
    /// quicker than `prefetch_after` after it wait for the selection to rest,
    /// even with the account's pane on screen.
    pub followed_at: Option<std::time::Instant>,
    /// Accounts changed elsewhere since the last reload for them (the change
    /// feed), and whether that reload is waiting (see [`Command::SettleChanges`]).
    pub changed: crate::state::Changed,
}

/// The default of [`App::prefetch_after`]: longer than between two presses of a
/// held key or a quick scroll, short enough that Enter on a row that has rested
/// finds the account loaded.
pub const PREFETCH_AFTER: std::time::Duration = std::time::Duration::from_millis(150);

impl App {
    pub fn new(keys: Keymap, now: Timestamp) -> App {
        App {
            keys,
            portfolio: Portfolio {
                rows: Loadable::Loading,
                ..Portfolio::default()
            },
            account: None,
            focus: Focus::Portfolio,
            overlays: Overlays::default(),
            quit: false,
            status: None,
            size: (80, 24),
            fuzzy: Fuzzy::default(),
            now,
            ascii: false,
            read_only: false,
            user: "tend".into(),
            saving: None,
            score_before: None,
            follow: None,
            playbooks: None,
            offline: None,
            read_only_why: None,
            page: Page::Portfolio,
            cases: CasesView::default(),
            alerts: AlertsView::default(),
            dashboard: DashboardView::default(),
            views: Views::default(),
            return_to: None,
            directory: Loadable::Idle,
            portfolio_before: None,
            rescoring: false,
            drawn: Default::default(),
            maximised: false,
            ai: None,
            jobs: 0,
            work: WorkView::default(),
            ticking: None,
            rounds: 0,
            tick_again: false,
            watch: None,
            signature: None,
            modules: tend_backend::default_modules(),
            metrics: vec![],
            account_rules: Default::default(),
            overview: crate::screens::account::blocks::OverviewBlock::DEFAULT.to_vec(),
            health_off: false,
            spin: 0,
            opener: crate::files::Opener::from_env(),
            files_cache: None,
            opening: None,
            prefetch_after: PREFETCH_AFTER,
            followed_at: None,
            changed: Default::default(),
        }
    }

    /// Whether work the user waits on runs in the background (My work loading, an
    /// email being sent): the spinner turns while it does.
    pub fn busy(&self) -> bool {
        (self.work.loading && self.page == Page::Work)
            || self.watch.is_some()
            || self.opening.is_some()
    }

    /// The spinner's frame now.
    pub fn spinner(&self) -> &'static str {
        const DOTS: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
        const ASCII: [&str; 4] = ["|", "/", "-", "\\"];
        if self.ascii {
            ASCII[self.spin % ASCII.len()]
        } else {
            DOTS[self.spin % DOTS.len()]
        }
    }

    /// A new job number.
    pub(crate) fn job(&mut self) -> u64 {
        self.jobs += 1;
        self.jobs
    }

    /// The backend answered, or could not be reached. Back online, everything on
    /// screen is loaded again.
    fn connection(&mut self, result: Result<(), tend_backend::Error>) -> Vec<Command> {
        match (result, self.offline.is_some()) {
            (Err(e), false) => {
                self.offline = Some(Offline {
                    since: self.now,
                    message: e.to_string(),
                });
                vec![]
            }
            (Err(e), true) => {
                if let Some(o) = &mut self.offline {
                    o.message = e.to_string();
                }
                vec![]
            }
            (Ok(()), true) => {
                // Reloaded while still marked offline, so nothing blanks meanwhile.
                let cmds = self.act(Action::Refresh);
                self.offline = None;
                self.status = Some("back online: screen reloaded".into());
                cmds
            }
            (Ok(()), false) => vec![],
        }
    }

    /// The commands to run at start.
    pub fn start(&mut self) -> Vec<Command> {
        let mut cmds = vec![self.portfolio_command()];
        cmds.extend(self.count_commands());
        cmds.extend(self.load_work());
        cmds.push(Command::CatchUp);
        cmds
    }

    /// Whether the terminal is below the smallest size the app draws in.
    /// Whether `action` does something where the user is, and whether it asks
    /// first: the keys of every screen (global), then the screen's own; on the
    /// account screen only what the tab in front offers. Read-only, no writing
    /// key is offered.
    pub fn offer(&self, action: Action) -> Option<Offer> {
        if self.read_only && action.writes() {
            return None;
        }
        let screen = self.screen();
        let bound = |s: Screen| self.keys.bindings(s).iter().any(|b| b.action == action);
        if bound(Screen::Global) {
            return Some(Offer::plain(action));
        }
        match screen {
            Screen::Account => self.account_offer(action),
            // Only a saved view on screen is renamed or deleted; deleting asks
            // y/n in its own prompt.
            Screen::Portfolio | Screen::Cases
                if matches!(action, Action::RenameView | Action::DeleteView)
                    && self.views.active.is_none() =>
            {
                None
            }
            s if bound(s) && action == Action::DeleteView => Some(Offer::dangerous(action)),
            s if bound(s) => Some(Offer::plain(action)),
            _ => None,
        }
    }

    /// What `key` does where the user is. A key bound to several actions (`g`:
    /// first row, or generate a summary) does what the tab in front offers as its
    /// own, else the first action offered here, else the first bound (which then
    /// says why it does nothing).
    pub fn resolve(&self, key: &Key) -> Option<Action> {
        let candidates = self.keys.candidates(self.screen(), key);
        candidates
            .iter()
            .copied()
            .find(|a| self.own_offer(*a))
            .or_else(|| {
                candidates
                    .iter()
                    .copied()
                    .find(|a| self.offer(*a).is_some())
            })
            .or_else(|| candidates.first().copied())
    }

    /// The keys of a binding that do its action where the user is (a key another
    /// action takes here is left out).
    pub fn keys_here(&self, b: &crate::keys::Binding) -> Vec<Key> {
        b.keys
            .iter()
            .filter(|k| self.resolve(k) == Some(b.action))
            .copied()
            .collect()
    }

    /// The key that loads again what failed to load here, for "— ^R to retry".
    pub fn retry_key(&self) -> Option<String> {
        self.keys.key_for(self.screen(), Action::Refresh)
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    pub fn wide(&self) -> bool {
        self.size.0 >= WIDE
    }

    /// The screen whose key table applies.
    pub fn screen(&self) -> Screen {
        match (self.page, self.focus) {
            (Page::Cases, _) => Screen::Cases,
            (Page::Alerts, _) => Screen::Alerts,
            (Page::Dashboard, _) => Screen::Dashboard,
            (Page::Work, _) => Screen::Work,
            (Page::Portfolio, Focus::Portfolio) => Screen::Portfolio,
            (Page::Portfolio, Focus::Account) => Screen::Account,
        }
    }

    /// Rows a page moves (the list's height, roughly).
    pub(crate) fn page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(8)).max(1)
    }

    /// Applies a message; returns the backend calls to start. What the screen
    /// then shows but has not loaded is asked for whatever the message was (a
    /// write's answer that empties the change history loads it again at once,
    /// not at the next key).
    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        let mut cmds = self.apply(msg);
        cmds.extend(self.wanted());
        cmds
    }

    fn apply(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Resize(w, h) => {
                self.size = (w, h);
                vec![]
            }
            Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
            // Below the minimum size nothing is drawn but the size: a key acting
            // there would act on what nobody can see. Only quit works.
            Msg::Key(k) if self.too_small() => {
                if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
                    self.quit = true;
                }
                vec![]
            }
            Msg::Mouse(_) | Msg::Paste(_) if self.too_small() => vec![],
            Msg::Paste(text) => self.paste(&text),
            Msg::Key(k) => self.key(k),
            Msg::Mouse(m) => self.mouse(m),
            Msg::History(id, result, at) => {
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.history.take(result, at, offline);
                }
                vec![]
            }
            Msg::Connection(result) => self.connection(result),
            Msg::Portfolio(_, _, asked) | Msg::PortfolioCounts(_, asked)
                if asked != self.portfolio.asked() =>
            {
                vec![]
            }
            Msg::PortfolioCounts(counts, _) => {
                self.portfolio.counts = Some(counts);
                vec![]
            }
            Msg::Directory(result, at) => {
                let offline = self.offline.is_some();
                self.directory.take(result, at, offline);
                self.name_alerts();
                self.portfolio
                    .index_parents(self.directory.value().map(Vec::as_slice));
                vec![]
            }
            Msg::Portfolio(result, at, _) => {
                match result {
                    Ok(rows) => {
                        let keep = self.portfolio.selected_row().map(|r| r.id);
                        self.portfolio.rows = Loadable::Ready { value: rows, at };
                        self.portfolio
                            .index_parents(self.directory.value().map(Vec::as_slice));
                        self.refilter();
                        if let Some(id) = keep
                            && let Some(pos) = self.position_of(id)
                        {
                            self.portfolio.selected = pos;
                        }
                        self.clamp_portfolio();
                        // Beside the portfolio the account pane shows the row
                        // selected: not one the new rows left out.
                        let shown = self.account.as_ref().map(|a| a.id);
                        let selected = self.portfolio.selected_row().map(|r| r.id);
                        if shown.is_none()
                            || (self.focus == Focus::Portfolio
                                && shown != selected
                                && shown.and_then(|id| self.position_of(id)).is_none())
                        {
                            return self.follow_selection();
                        }
                    }
                    Err(e) => {
                        let offline = self.offline.is_some();
                        self.portfolio.rows.take(Err(e), at, offline)
                    }
                }
                vec![]
            }
            // Deleted elsewhere (another user, the CLI): the pane closes and says
            // so, instead of offering to retry a load that cannot succeed.
            Msg::Account(
                id,
                Err(tend_backend::Error::NotFound {
                    kind: EntityKind::Account,
                    ..
                }),
                _,
            ) if self.account.as_ref().is_some_and(|a| a.id == id) => {
                let name = self
                    .account
                    .as_ref()
                    .and_then(|a| a.data.value())
                    .map_or_else(|| format!("account {id}"), |d| d.account.name.clone());
                self.account = None;
                self.focus = Focus::Portfolio;
                self.status = Some(format!("{name} no longer exists: it was deleted elsewhere"));
                self.directory = Loadable::Idle;
                vec![self.portfolio_command()]
            }
            Msg::Changed(entry) => self.changed_elsewhere(&entry),
            Msg::ChangesSettled => self.changes_settled(),
            Msg::Prefetch(id) => match self.account.as_mut() {
                Some(a) if a.id == id && !a.asked => {
                    a.asked = true;
                    vec![Command::LoadAccount(id)]
                }
                _ => vec![],
            },
            Msg::Account(id, result, at) => {
                // The 360 carries the account's portfolio row: a row changed by a
                // write is refreshed in place (no reload, the list does not jump).
                if let (Ok(v), Loadable::Ready { value: rows, .. }) =
                    (&result, &mut self.portfolio.rows)
                    && let Some(row) = rows.iter_mut().find(|r| r.id == id)
                    && *row != v.row
                {
                    *row = v.row.clone();
                    self.refilter();
                }
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.data.take(result.map(|v| *v), at, offline);
                    if let (Some(case), Some(d)) = (a.want_case, a.data.value())
                        && let Some(i) = d.cases.iter().position(|c| c.id == case)
                    {
                        a.selected[Tab::Support.index()] = i;
                        a.want_case = None;
                    }
                    crate::screens::account::state::place_wanted(a);
                }
                self.summary_reloaded(id);
                // A write may change what the search and the filters select.
                let mut cmds = self.ask_tasks(id, true);
                if self
                    .account
                    .as_ref()
                    .is_some_and(|a| a.id == id && a.found.is_some())
                {
                    cmds.extend(self.search_interactions(true));
                }
                cmds
            }
            Msg::Interactions(id, result, at) => {
                if let Some(a) = self
                    .account
                    .as_mut()
                    .filter(|a| a.id == id && a.found.is_some())
                {
                    // A new question starts at the top; the same one asked again
                    // after a write keeps the selection where it was.
                    if a.found == Some(Loadable::Loading) {
                        a.selected[Tab::Interactions.index()] = 0;
                    }
                    a.found = Some(match result {
                        Ok(v) => Loadable::Ready { value: v, at },
                        Err(e) => Loadable::Failed(e),
                    });
                }
                vec![]
            }
            Msg::Health(id, result, at) => {
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.health.take(result.map(|v| *v), at, offline);
                }
                self.say_score_change(id);
                vec![]
            }
            Msg::Timeline(id, result, at) => {
                let offline = self.offline.is_some();
                if let Some(a) = self.account.as_mut().filter(|a| a.id == id) {
                    a.timeline.take(result, at, offline);
                }
                vec![]
            }
            Msg::Saved {
                account,
                what,
                result,
            } => self.saved(account, what, result),
            Msg::Reloaded(result) => self.reloaded(result),
            Msg::Opened(result) => {
                self.opening = None;
                self.status = Some(match result {
                    Ok(what) => format!("opened {what}"),
                    Err(e) => e,
                });
                vec![]
            }
            Msg::Playbooks(result) => self.playbooks_loaded(result),
            Msg::Cases(result, at, asked) => {
                self.cases_loaded(result, at, asked);
                vec![]
            }
            Msg::Alerts(result, at, asked) => {
                if asked == (self.alerts.state, self.alerts.transitions_since) {
                    self.alerts_loaded(result, at);
                }
                vec![]
            }
            Msg::Rescoring => {
                self.rescoring = true;
                vec![]
            }
            Msg::Rescored(result) => {
                self.rescoring = false;
                match result {
                    Ok(()) => {
                        self.status = Some("rescored every account for today".into());
                        self.act(Action::Refresh)
                    }
                    Err(e) => {
                        self.status = Some(format!("rescoring for today failed: {e}"));
                        vec![]
                    }
                }
            }
            Msg::CaseCount(result) => {
                if let Ok(n) = result {
                    self.cases.count = Some(n);
                }
                vec![]
            }
            Msg::AlertCount(result) => {
                if let Ok(n) = result {
                    self.alerts.open = Some(n);
                }
                vec![]
            }
            Msg::ViewCount { name, result, at } => {
                self.view_counted(&name, result, at);
                vec![]
            }
            Msg::Dashboard(result, at) => {
                let offline = self.offline.is_some();
                self.dashboard.list.take(result.map(|d| *d), at, offline);
                vec![]
            }
            Msg::ViewsWritten(result) => {
                if let Err(e) = result {
                    self.status = Some(format!("the views were not written: {e}"));
                }
                vec![]
            }
            Msg::PortfolioColumnsWritten(result) => {
                if let Err(e) = result {
                    self.status = Some(format!("the portfolio's columns were not written: {e}"));
                }
                vec![]
            }
            Msg::Summary {
                account,
                job,
                result,
            } => {
                self.summary_generated(account, job, result);
                vec![]
            }
            Msg::Rewording {
                account,
                job,
                section,
                total,
                chars,
            } => {
                self.rewording(account, job, (section, total, chars));
                vec![]
            }
            Msg::Reworded {
                account,
                job,
                result,
            } => {
                self.reworded(account, job, result);
                vec![]
            }
            Msg::CopilotDelta { account, job, text } => {
                self.copilot_delta(account, job, text);
                vec![]
            }
            Msg::Copilot {
                account,
                job,
                result,
            } => {
                self.copilot_answered(account, job, result);
                vec![]
            }
            Msg::Work(result, at) => {
                self.work_loaded(result, at);
                vec![]
            }
            Msg::WorkRecord {
                item,
                triage,
                result,
            } => self.work_record(*item, triage, result),
            Msg::Ticked(round, result) => self.ticked(round, result),
            Msg::EmailQueued(account, result) => self.email_queued(account, result),
            Msg::Deliveries(account, result, at) => {
                self.deliveries_loaded(account, result, at);
                vec![]
            }
            Msg::DeliveryRetried(account, result) => self.delivery_retried(account, result),
            Msg::TabAnswer(id, query, result, at) => self.tab_answer(id, *query, result, at),
        }
    }

    /// What the screen now shows but has not loaded: the change history when the
    /// Settings tab opens; every account's name when the palette, the alerts or
    /// the portfolio's PARENT column need one the portfolio does not list.
    fn wanted(&mut self) -> Vec<Command> {
        let mut cmds = vec![];
        if let Some(a) = self.account.as_mut()
            && a.tab == Tab::Settings
            && a.history == Loadable::Idle
        {
            a.history = Loadable::Loading;
            cmds.push(Command::LoadHistory(a.id));
        }
        // The Interactions tab says what waits in the account's outbox.
        if let Some(a) = self.account.as_mut()
            && a.tab == Tab::Interactions
            && a.outbox == Loadable::Idle
            && a.data.value().is_some()
        {
            a.outbox = Loadable::Loading;
            cmds.push(Command::LoadDeliveries(a.id));
        }
        // The account was opened (Enter, the palette, a click on its tabs) before
        // the selection rested on it: asked now. (A pane that comes on screen
        // otherwise, the window grown or `z`, shows it once the selection rests.)
        let opened = self.page == Page::Portfolio && self.focus == Focus::Account;
        if opened
            && let Some(a) = self.account.as_mut()
            && !a.asked
        {
            a.asked = true;
            cmds.push(Command::LoadAccount(a.id));
        }
        cmds.extend(self.enter_summary());
        cmds.extend(self.usage_wanted());
        if self.portfolio.rows == Loadable::Idle {
            self.portfolio.rows = Loadable::Loading;
            cmds.push(self.portfolio_command());
        }
        let lists_all = self.portfolio.expr.is_none() && !self.portfolio.churned_out();
        if lists_all {
            // The portfolio is the directory: no second copy.
            self.directory = Loadable::Idle;
        } else if self.directory == Loadable::Idle
            && (self.overlays.palette().is_some()
                || self.page == Page::Alerts
                || self.portfolio.parent_shown())
        {
            self.directory = Loadable::Loading;
            cmds.push(Command::LoadDirectory);
        }
        cmds
    }

    /// The account's pane is on screen: beside the portfolio on a wide terminal,
    /// or in its place once opened.
    pub fn account_shown(&self) -> bool {
        self.page == Page::Portfolio
            && (self.focus == Focus::Account || (self.wide() && !self.maximised))
    }

    /// The account the header names: the one on screen, or on the portfolio the
    /// one under the selection (none when a filter left it out).
    pub fn header_account(&self) -> Option<&AccountView> {
        let a = self.account.as_ref()?;
        let shown = match (self.page, self.focus) {
            (Page::Portfolio, Focus::Account) => true,
            (Page::Portfolio, Focus::Portfolio) => {
                self.portfolio.selected_row().is_some_and(|r| r.id == a.id)
            }
            _ => false,
        };
        shown.then_some(a)
    }

    /// Every account the store holds, as far as loaded: the portfolio's rows when
    /// it lists them all, else the directory once it is in (until then, the
    /// portfolio's rows).
    pub fn accounts(&self) -> &[AccountRow] {
        let rows = self.portfolio.rows.value().map_or(&[][..], Vec::as_slice);
        match self.directory.value() {
            Some(all) if self.portfolio.expr.is_some() || self.portfolio.churned_out() => all,
            _ => rows,
        }
    }

    pub(crate) fn position_of(&self, id: Id) -> Option<usize> {
        let rows = self.portfolio.rows.value()?;
        self.portfolio.view.iter().position(|i| rows[*i].id == id)
    }

    /// Pasted text goes to the text input on top, in the order keys go there;
    /// with none open it is dropped (a paste is never taken as keys).
    fn paste(&mut self, text: &str) -> Vec<Command> {
        if let Some(c) = self.overlays.compose_mut() {
            c.paste(text);
            return vec![];
        }
        if let Some(a) = self.overlays.asking_mut() {
            crate::line::paste(&mut a.input, text);
            return vec![];
        }
        if matches!(
            self.overlays.top(),
            Some(
                Overlay::Copilot
                    | Overlay::Pick(_)
                    | Overlay::Info(_)
                    | Overlay::Outbox
                    | Overlay::Filters(_)
                    | Overlay::Columns(_)
            )
        ) {
            if self.overlays.copilot()
                && let Some(typed) = self
                    .account
                    .as_mut()
                    .and_then(|a| a.copilot.typing.as_mut())
            {
                crate::line::paste(typed, text);
            }
            return vec![];
        }
        if self.overlays.confirm().is_some() || self.overlays.notice().is_some() {
            if let Some(c) = self.overlays.confirm_mut().filter(|c| c.typed.is_some()) {
                crate::line::paste(&mut c.input, text);
            }
            return vec![];
        }
        if let Some(form) = self.overlays.form_mut() {
            form.paste(text);
            return vec![];
        }
        if let Some(p) = self.overlays.palette_mut() {
            if crate::line::paste(&mut p.input, text) == Edit::Changed {
                p.selected = 0;
            }
            return vec![];
        }
        if let Some(prompt) = self.overlays.prompt_mut() {
            if let crate::overlay::ViewPrompt::Name { input, .. } = prompt {
                crate::line::paste(input, text);
            }
            return vec![];
        }
        if self.page == Page::Cases
            && let Some(bar) = self.cases.bar.as_mut()
        {
            bar.paste(text, false);
            return vec![];
        }
        if self.portfolio.filtering {
            if crate::line::paste(&mut self.portfolio.filter, text) == Edit::Changed {
                self.portfolio.selected = 0;
                self.refilter();
                self.clamp_portfolio();
                return self.follow_selection();
            }
            return vec![];
        }
        if self.page == Page::Portfolio
            && let Some(bar) = self.portfolio.bar.as_mut()
        {
            bar.paste(text, true);
            return vec![];
        }
        if let Some(a) = self.account.as_mut().filter(|a| a.querying) {
            crate::line::paste(&mut a.query, text);
        }
        vec![]
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Command> {
        self.status = None;
        // The overlay on top takes the key.
        match self.overlays.top() {
            Some(Overlay::Confirm(_)) => return self.confirm_key(k),
            Some(Overlay::Notice(_)) => return self.notice_key(k),
            Some(Overlay::Form(_)) => return self.form_key(k),
            Some(Overlay::Palette(_)) => return self.palette_key(k),
            Some(Overlay::Prompt(_)) => return self.view_prompt_key(k),
            Some(Overlay::Help { .. }) => return self.help_key(k),
            Some(Overlay::Pick(_)) => return self.pick_key(k),
            Some(Overlay::Info(_)) => return self.info_key(k),
            Some(Overlay::Copilot) => return self.copilot_key(k),
            Some(Overlay::Compose(_)) => return self.compose_key(k),
            Some(Overlay::Asking(_)) => return self.asking_key(k),
            Some(Overlay::Outbox) => return self.outbox_key(k),
            Some(Overlay::Filters(_)) => return self.filters_key(k),
            Some(Overlay::Columns(_)) => return self.columns_key(k),
            None => {}
        }
        if self.page == Page::Cases && self.cases.bar.is_some() {
            return self.cases_where_key(k);
        }
        if self.portfolio.filtering {
            return self.filter_key(k);
        }
        if self.page == Page::Portfolio && self.portfolio.bar.is_some() {
            return self.where_key(k);
        }
        if self.account.as_ref().is_some_and(|a| a.querying) {
            return self.query_key(k);
        }
        if self.account.as_ref().is_some_and(|a| a.picking_curves) {
            return self.curve_key(k);
        }
        // Said only when a key does nothing (not on every key press).
        let help = |app: &App| {
            app.keys
                .key_for(app.screen(), Action::Help)
                .map(|label| format!(" ({label} lists the keys)"))
                .unwrap_or_default()
        };
        let Some(action) = self.resolve(&Key::of(&k)) else {
            self.status = Some(format!("no action on that key here{}", help(self)));
            return vec![];
        };
        if action.writes() && self.read_only {
            self.status = Some(self.read_only_says());
            return vec![];
        }
        if self.offer(action).is_none() {
            // Named as the help names it ("renew agreement does nothing here").
            let what = self
                .keys
                .help_of(self.screen(), action)
                .map_or_else(|| action.name().replace('_', " "), str::to_string);
            let place = match (&self.account, self.screen()) {
                (Some(a), Screen::Account) => format!("on the {} tab", a.tab.title()),
                _ => "here".to_string(),
            };
            self.status = Some(format!("{what} does nothing {place}{}", help(self)));
            return vec![];
        }
        self.act(action)
    }

    /// Why a write is refused here.
    pub(crate) fn read_only_says(&self) -> String {
        self.read_only_why.clone().unwrap_or_else(|| {
            "read-only: writes are off (started with --read-only or read_only in the config)".into()
        })
    }

    /// Runs an action (keys and mouse clicks end here).
    pub fn act(&mut self, action: Action) -> Vec<Command> {
        match action {
            Action::Quit => {
                self.quit = true;
                vec![]
            }
            Action::Help => {
                self.overlays.open(Overlay::Help { scroll: 0 });
                vec![]
            }
            Action::Palette => {
                self.overlays.open(Overlay::Palette(Palette::default()));
                vec![]
            }
            Action::MyWork => {
                let mut cmds = self.go(crate::state::BarItem::Page(Page::Work));
                if !self.work.loading {
                    cmds.extend(self.load_work());
                }
                cmds
            }
            Action::NextPage => self.cycle_page(true),
            Action::PrevPage => self.cycle_page(false),
            Action::Maximise => {
                self.maximised = !self.maximised;
                if !self.wide() {
                    self.status = Some(format!(
                        "below {WIDE} columns the pane in focus already fills the screen"
                    ));
                }
                vec![]
            }
            Action::Refresh => {
                self.directory = Loadable::Idle;
                let mut cmds = vec![self.portfolio_command()];
                cmds.extend(self.count_commands());
                if self.cases.list != Loadable::Idle {
                    cmds.push(self.cases.command());
                }
                if self.alerts.list != Loadable::Idle {
                    cmds.push(self.alerts.command());
                }
                if self.dashboard.list != Loadable::Idle {
                    cmds.push(Command::LoadDashboard);
                }
                cmds.extend(self.load_work());
                if let Some(a) = &mut self.account {
                    if a.outbox != Loadable::Idle {
                        cmds.push(Command::LoadDeliveries(a.id));
                    }
                    // The Usage tab asks its questions again when it shows them
                    // (a failed one too).
                    a.usage.activity_asked = None;
                    a.usage.users_asked = None;
                    a.usage.features_asked = None;
                    // What is shown stays until the answer replaces it ("updated
                    // just now"); if the backend is out of reach, it stays.
                    if a.data.value().is_none() {
                        a.data = Loadable::Loading;
                    }
                    if a.health.value().is_none() {
                        a.health = Loadable::Loading;
                    }
                    a.asked = true;
                    cmds.push(Command::LoadAccount(a.id));
                }
                cmds
            }
            _ => match self.screen() {
                Screen::Cases => self.cases_action(action),
                Screen::Alerts => self.alerts_action(action),
                Screen::Dashboard => self.dashboard_action(action),
                Screen::Work => self.work_action(action),
                Screen::Account => self.account_action(action),
                Screen::Portfolio | Screen::Global => self.portfolio_action(action),
            },
        }
    }

    fn mouse(&mut self, m: MouseEvent) -> Vec<Command> {
        if self.overlays.modal() {
            return vec![];
        }
        match m.kind {
            MouseEventKind::ScrollDown => self.act(Action::Down),
            MouseEventKind::ScrollUp => self.act(Action::Up),
            MouseEventKind::Down(_) => {
                // A click on the tab bar (second line of the account pane) picks a tab.
                let clicked = self.drawn.borrow().tab_at(m.column, m.row);
                if let Some(tab) = clicked {
                    self.focus = Focus::Account;
                    if let Some(a) = self.account.as_mut() {
                        set_tab(a, tab);
                    }
                }
                vec![]
            }
            _ => vec![],
        }
    }
}
