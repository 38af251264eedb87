//! Keys: one table per screen drives the dispatch, the footer hints and the `?`
//! help, so what the help says is what the keys do. Remappable in config.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keys are pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Screen {
    /// Everywhere (unless a text field takes the keys).
    Global,
    Portfolio,
    Account,
    Cases,
    Alerts,
    Dashboard,
    /// My work: what waits on the user across accounts.
    Work,
}

impl Screen {
    pub const ALL: [Screen; 7] = [
        Screen::Global,
        Screen::Portfolio,
        Screen::Account,
        Screen::Cases,
        Screen::Alerts,
        Screen::Dashboard,
        Screen::Work,
    ];
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::Global => "global",
            Screen::Portfolio => "portfolio",
            Screen::Account => "account",
            Screen::Cases => "cases",
            Screen::Alerts => "alerts",
            Screen::Dashboard => "dashboard",
            Screen::Work => "work",
        }
    }
}

macro_rules! actions {
    ($( $variant:ident => $name:literal, )*) => {
        /// Everything a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant,)* }
        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            /// The name config files use.
            pub fn name(self) -> &'static str { match self { $(Action::$variant => $name,)* } }
            pub fn from_name(s: &str) -> Option<Action> {
                Action::ALL.iter().copied().find(|a| a.name() == s)
            }
        }
    };
}

actions! {
    Quit => "quit",
    Back => "back",
    Help => "help",
    Palette => "palette",
    Up => "up",
    Down => "down",
    PageUp => "page_up",
    PageDown => "page_down",
    Top => "top",
    Bottom => "bottom",
    Left => "left",
    Right => "right",
    Open => "open",
    Filter => "filter",
    Where => "where",
    Sort => "sort",
    Reverse => "reverse",
    Refresh => "refresh",
    NextTab => "next_tab",
    PrevTab => "prev_tab",
    Tab1 => "tab_1",
    Tab2 => "tab_2",
    Tab3 => "tab_3",
    Tab4 => "tab_4",
    Tab5 => "tab_5",
    Tab6 => "tab_6",
    Tab7 => "tab_7",
    Tab8 => "tab_8",
    Tab9 => "tab_9",
    Tab10 => "tab_10",
    Tab11 => "tab_11",
    Tab12 => "tab_12",
    Tab13 => "tab_13",
    Tab14 => "tab_14",
    Period => "period",
    Curves => "curves",
    Parent => "parent",
    Cycle => "cycle_filter",
    Search => "search",
    New => "new",
    Edit => "edit",
    Delete => "delete",
    Toggle => "toggle",
    MoveLeft => "move_left",
    MoveRight => "move_right",
    MoveUp => "move_up",
    MoveDown => "move_down",
    Renew => "renew",
    Advance => "advance_step",
    Retry => "retry_step",
    Skip => "skip_step",
    NewProject => "new_project",
    DeleteAccount => "delete_account",
    NextPage => "next_view",
    PrevPage => "previous_view",
    Group => "group",
    SaveView => "save_view",
    RenameView => "rename_view",
    DeleteView => "delete_view",
    Done => "done",
    Snooze => "snooze",
    SnoozeLong => "snooze_week",
    Churned => "show_churned",
    Maximise => "maximise",
    Generate => "generate_summary",
    SaveSummary => "save_summary",
    Follow => "follow_citation",
    OlderSummary => "older_summary",
    NewerSummary => "newer_summary",
    Expansion => "create_expansion",
    Reword => "reword",
    Ask => "ask_copilot",
    MyWork => "my_work",
    Reassign => "reassign",
    Email => "compose_email",
    Reply => "reply_email",
    Outbox => "outbox",
    Filters => "filters",
    View => "cycle_view",
    Modules => "modules_features",
    Completed => "completed_projects",
    OpenDocument => "open_document",
    Columns => "columns",
}

impl Action {
    /// Whether the action writes to the store (none is offered read-only).
    pub fn writes(self) -> bool {
        use Action::*;
        matches!(
            self,
            New | Edit
                | Delete
                | Toggle
                | MoveLeft
                | MoveRight
                | MoveUp
                | MoveDown
                | Renew
                | Advance
                | Retry
                | Skip
                | NewProject
                | DeleteAccount
                | Done
                | Snooze
                | SnoozeLong
                | SaveSummary
                | Expansion
                | Reassign
                | Email
                | Reply
        )
    }
}

impl Action {
    /// The tab a tab key goes to (0-based).
    pub fn tab(self) -> Option<usize> {
        use Action::*;
        [
            Tab1, Tab2, Tab3, Tab4, Tab5, Tab6, Tab7, Tab8, Tab9, Tab10, Tab11, Tab12, Tab13, Tab14,
        ]
        .iter()
        .position(|a| *a == self)
    }
}

/// An action offered where the user is, and whether it is dangerous: a dangerous
/// one asks before it writes, and the help marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    pub action: Action,
    pub dangerous: bool,
}

impl Offer {
    pub const fn plain(action: Action) -> Offer {
        Offer {
            action,
            dangerous: false,
        }
    }
    pub const fn dangerous(action: Action) -> Offer {
        Offer {
            action,
            dangerous: true,
        }
    }
}

/// One key with its modifiers (shift only matters for keys without a case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl Key {
    pub fn of(e: &KeyEvent) -> Key {
        let code = match e.code {
            // Terminals send Shift-Tab as BackTab.
            KeyCode::Tab if e.modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            c => c,
        };
        Key {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses "q", "ctrl-c", "esc", "enter", "tab", "shift-tab", "up", "pgdn", "f5", "space"...
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                alt = true;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "esc" => KeyCode::Esc,
            "enter" => KeyCode::Enter,
            "tab" => KeyCode::Tab,
            "shift-tab" | "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("unknown key \"{s}\"")),
        };
        Ok(Key { code, ctrl, alt })
    }

    /// How the footer and help write it.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Backspace => "Bksp".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            _ => "?".into(),
        };
        match (self.ctrl, self.alt) {
            (true, _) => format!("C-{base}"),
            (_, true) => format!("M-{base}"),
            _ => base,
        }
    }
}

/// A key binding: the keys, what they do, and how the help says it.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the footer (the help shows every binding).
    pub hint: bool,
}

/// Every screen's table.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    tables: BTreeMap<Screen, Vec<Binding>>,
}

fn b(keys: &[&str], action: Action, help: &'static str, hint: bool) -> Binding {
    Binding {
        // The defaults are literals checked by a test.
        keys: keys.iter().filter_map(|k| Key::parse(k).ok()).collect(),
        action,
        help,
        hint,
    }
}

impl Default for Keymap {
    fn default() -> Keymap {
        use Action::*;
        let global = vec![
            b(&["q", "ctrl-c"], Quit, "quit", true),
            b(&["?"], Help, "keys", true),
            b(&[":"], Palette, "go to account or tab", true),
            b(&["esc"], Back, "back, close", false),
            b(&["ctrl-r", "f5"], Refresh, "reload", false),
            b(&["]"], NextPage, "next view", false),
            b(&["["], PrevPage, "previous view", false),
            b(&["M"], MyWork, "my work", false),
        ];
        let moves = |what: &'static str| {
            vec![
                b(&["j", "down"], Down, what, false),
                b(&["k", "up"], Up, what, false),
                b(&["pgdn", "ctrl-d"], PageDown, "page down", false),
                b(&["pgup", "ctrl-u"], PageUp, "page up", false),
                b(&["g", "home"], Top, "first", false),
                b(&["G", "end"], Bottom, "last", false),
            ]
        };
        let mut portfolio = moves("move");
        portfolio.extend([
            b(&["enter", "l", "right"], Open, "open", true),
            b(&["/"], Filter, "filter (fuzzy)", true),
            b(&["F"], Where, "where (filter language)", true),
            b(&["s"], Sort, "sort", true),
            b(&["r"], Reverse, "reverse sort", false),
            b(&["C"], Churned, "show / hide churned", false),
            b(&["w"], SaveView, "save as a view", false),
            b(&["W"], RenameView, "rename this view", false),
            b(&["X"], DeleteView, "delete this view", false),
            b(&["z"], Maximise, "maximise pane (toggle)", true),
            b(&["c"], Columns, "choose columns", false),
        ]);
        let mut cases = moves("move");
        cases.extend([
            b(
                &["enter", "l", "right"],
                Open,
                "open the account's Support",
                true,
            ),
            b(&["F"], Where, "where (filter language)", true),
            b(&["b"], Group, "group by", true),
            b(&["s"], Sort, "sort", true),
            b(&["r"], Reverse, "reverse sort", false),
            b(&["w"], SaveView, "save as a view", true),
            b(&["W"], RenameView, "rename this view", false),
            b(&["X"], DeleteView, "delete this view", false),
        ]);
        let mut alerts = moves("move");
        alerts.extend([
            b(&["enter", "l", "right"], Open, "open the account", true),
            b(&["x"], Done, "done (again: reopen)", true),
            b(&["z"], Snooze, "snooze a day", true),
            b(&["Z"], SnoozeLong, "snooze a week", false),
            b(&["f"], Cycle, "open / snoozed / done / all", true),
        ]);
        let mut dashboard = moves("move");
        dashboard.extend([
            b(
                &["enter"],
                Open,
                "open the accounts (or alerts) of a line",
                true,
            ),
            b(&["l", "right", "tab"], Right, "next line", false),
            b(&["h", "left", "shift-tab"], Left, "previous line", false),
        ]);
        let mut work = moves("move");
        work.extend([
            b(&["enter", "o", "l", "right"], Open, "open", true),
            b(&["c"], Done, "complete", true),
            b(&["z"], Snooze, "snooze", true),
            b(&["a"], Reassign, "reassign", true),
        ]);
        let mut account = moves("move");
        account.extend([
            b(&["tab"], NextTab, "next tab", true),
            b(&["shift-tab"], PrevTab, "previous tab", false),
            b(&["1"], Tab1, "Overview", false),
            b(&["2"], Tab2, "Interactions", false),
            b(&["3"], Tab3, "Usage", false),
            b(&["4"], Tab4, "Contacts", false),
            b(&["5"], Tab5, "Agreements", false),
            b(&["6"], Tab6, "Opportunities", false),
            b(&["7"], Tab7, "Tasks", false),
            b(&["8"], Tab8, "Playbooks", false),
            b(&["9"], Tab9, "Support", false),
            b(&["0"], Tab10, "NPS", false),
            b(&["-"], Tab11, "Health", false),
            b(&["="], Tab12, "Summary", false),
            b(&["\\"], Tab13, "Settings", false),
            b(&["!"], Tab14, "Alerts", false),
            b(&["h", "left"], Left, "back, left column", true),
            b(&["l", "right"], Right, "right column", false),
            b(&["enter"], Open, "read, open", true),
            b(&["p"], Period, "weeks / months", false),
            b(&["c"], Curves, "pick chart curves", false),
            b(&["f"], Cycle, "cycle filter", false),
            b(&["F"], Filters, "filters (who, tag, team…)", true),
            b(&["v"], View, "cycle view", true),
            b(&["b"], Modules, "by module / feature", true),
            b(&["C"], Completed, "completed projects", false),
            b(&["/"], Search, "search interactions", false),
            b(&["P"], Parent, "parent and back", false),
            b(&["n"], New, "new (log, add, run)", true),
            b(&["e"], Edit, "edit", true),
            b(&["d"], Delete, "delete", false),
            b(&["x"], Toggle, "exclude / done / paid", false),
            b(&["H"], MoveLeft, "card to left column", false),
            b(&["L"], MoveRight, "card to right column", false),
            b(&["K"], MoveUp, "card up", false),
            b(&["J"], MoveDown, "card down", false),
            b(&["R"], Renew, "renew agreement", false),
            b(&["a"], Advance, "complete step", false),
            b(&["t"], Retry, "retry failed step", false),
            b(&["S"], Skip, "skip step", false),
            b(&["N"], NewProject, "new project", false),
            b(&["D"], DeleteAccount, "delete account", false),
            // The copilot's and the Summary's. `a`, `g`, `x`, `[` and `]` are bound
            // to another action too (here or in the global table): the tab in
            // front that offers one as its own decides (see `App::resolve`).
            b(&["a"], Ask, "ask the copilot", true),
            b(&["g"], Generate, "generate a summary", true),
            b(&["s"], SaveSummary, "save this summary", true),
            b(&["o"], Follow, "open the cited record", false),
            // The Settings tab's documents (`o` follows a citation on Summary).
            b(&["o"], OpenDocument, "open the document", false),
            b(&["["], OlderSummary, "older saved summary", false),
            b(&["]"], NewerSummary, "newer summary", false),
            b(&["x"], Expansion, "new expansion opportunity", false),
            b(&["r"], Reword, "reword (language model)", false),
            // The Interactions tab's email keys (`R` renews on Agreements).
            b(&["m"], Email, "email the account", true),
            b(&["R"], Reply, "reply to the email", true),
            b(&["O"], Outbox, "outbox", false),
            // The Alerts tab's, as the alerts inbox has them (`x` and `z` mean
            // something else on other tabs: the tab in front decides).
            b(&["x"], Done, "alert done / reopen", false),
            b(&["z"], Snooze, "snooze alert a day", false),
            b(&["Z"], SnoozeLong, "snooze alert a week", false),
            b(&["z"], Maximise, "maximise pane (toggle)", true),
        ]);
        Keymap {
            tables: [
                (Screen::Global, global),
                (Screen::Portfolio, portfolio),
                (Screen::Account, account),
                (Screen::Cases, cases),
                (Screen::Alerts, alerts),
                (Screen::Dashboard, dashboard),
                (Screen::Work, work),
            ]
            .into(),
        }
    }
}

impl Keymap {
    /// The defaults with config overrides: `screen -> action -> keys`; an empty
    /// list unbinds the action.
    pub fn with_overrides(
        overrides: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (screen, actions) in overrides {
            let screen = Screen::ALL
                .into_iter()
                .find(|s| s.name() == screen)
                .ok_or_else(|| {
                    format!(
                        "keys.{screen}: unknown screen ({})",
                        Screen::ALL.map(Screen::name).join(", ")
                    )
                })?;
            for (action, keys) in actions {
                let a = Action::from_name(action)
                    .ok_or_else(|| format!("keys.{}.{action}: unknown action", screen.name()))?;
                let keys = keys
                    .iter()
                    .map(|k| {
                        Key::parse(k).map_err(|e| format!("keys.{}.{action}: {e}", screen.name()))
                    })
                    .collect::<Result<Vec<Key>, String>>()?;
                let table = map.tables.entry(screen).or_default();
                match table.iter_mut().find(|b| b.action == a) {
                    Some(b) => b.keys = keys,
                    None => table.push(Binding {
                        keys,
                        action: a,
                        help: a.name(),
                        hint: false,
                    }),
                }
            }
        }
        Ok(map)
    }

    /// The bindings of a screen, in help order.
    pub fn bindings(&self, screen: Screen) -> &[Binding] {
        self.tables.get(&screen).map_or(&[], Vec::as_slice)
    }

    /// What a key does on a screen (its own table first, then the global one).
    pub fn action(&self, screen: Screen, key: &KeyEvent) -> Option<Action> {
        let k = Key::of(key);
        [screen, Screen::Global]
            .iter()
            .flat_map(|s| self.bindings(*s))
            .find(|b| b.keys.contains(&k))
            .map(|b| b.action)
    }

    /// Every action a key is bound to on a screen: the screen's table first, in
    /// its order, then the global one. More than one when a key means different
    /// things on different tabs (`g`: first on a list, generate on Summary).
    pub fn candidates(&self, screen: Screen, key: &Key) -> Vec<Action> {
        [screen, Screen::Global]
            .iter()
            .flat_map(|s| self.bindings(*s))
            .filter(|b| b.keys.contains(key))
            .map(|b| b.action)
            .collect()
    }

    /// How the help names an action on a screen (its own table, then the global one).
    pub fn help_of(&self, screen: Screen, action: Action) -> Option<&'static str> {
        [screen, Screen::Global]
            .iter()
            .flat_map(|s| self.bindings(*s))
            .find(|b| b.action == action)
            .map(|b| b.help)
    }

    /// The first key of an action on a screen, for hints ("press ? for help").
    pub fn key_for(&self, screen: Screen, action: Action) -> Option<String> {
        [screen, Screen::Global]
            .iter()
            .flat_map(|s| self.bindings(*s))
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(Key::label)
    }
}
