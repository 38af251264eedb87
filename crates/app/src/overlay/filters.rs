//! `F` on a list of the account: a few filters, each a choice among the values
//! the account has (its contacts, the tags its interactions use, the owners of
//! its opportunities...), applied together on Enter.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tend_backend::Account360;
use tend_domain::*;

use crate::app::App;
use crate::keys::{Action, Screen};
use crate::screens::account::state::{
    AccountView, InteractionFilter, OpportunityFilter, interaction_kind_filter, on_team,
};
use crate::state::{Command, Tab};
use crate::theme::Theme;
use crate::widgets::centered;

/// One filter: its name, its choices (the first is "any"), the one chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterRow {
    pub label: &'static str,
    /// A value (None: any) and how it reads.
    pub options: Vec<(Option<String>, String)>,
    pub chosen: usize,
}

impl FilterRow {
    fn new(label: &'static str, any: &str, values: Vec<(String, String)>) -> FilterRow {
        let mut options = vec![(None, any.to_string())];
        options.extend(values.into_iter().map(|(v, l)| (Some(v), l)));
        FilterRow {
            label,
            options,
            chosen: 0,
        }
    }

    /// Chooses the option of value `v` (any when it is not among them).
    fn choose(mut self, v: Option<&str>) -> FilterRow {
        self.chosen = self
            .options
            .iter()
            .position(|(o, _)| o.as_deref() == v)
            .unwrap_or(0);
        self
    }

    pub fn value(&self) -> Option<&str> {
        self.options
            .get(self.chosen)
            .and_then(|(v, _)| v.as_deref())
    }
}

/// Which list the filters are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiltersFor {
    Interactions,
    Opportunities,
    Tasks,
}

/// The filters dialog.
#[derive(Debug, Clone, PartialEq)]
pub struct Filters {
    pub title: String,
    pub rows: Vec<FilterRow>,
    pub cursor: usize,
    pub purpose: FiltersFor,
}

fn sorted(mut v: Vec<String>) -> Vec<(String, String)> {
    v.sort();
    v.dedup();
    v.into_iter()
        .map(|x| (x.clone(), x.replace('_', " ")))
        .collect()
}

/// The Interactions filters, set as they are now: kind, direction, contact, the
/// interaction tags and the contacts' roles the account has.
pub fn for_interactions(a: &AccountView, d: &Account360) -> Filters {
    let f = &a.interaction_filter;
    let kinds = InteractionKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.to_string()))
        .collect();
    let kind = interaction_kind_filter(a).map(|k| k.as_str());
    let directions = [Direction::In, Direction::Out]
        .iter()
        .map(|d| (d.as_str().to_string(), d.to_string()))
        .collect();
    let mut contacts: Vec<&Contact> = d.contacts.iter().collect();
    contacts.sort_by(|x, y| x.name.cmp(&y.name));
    let contacts = contacts
        .iter()
        .map(|c| {
            let roles = if c.roles.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.roles.join(", ").replace('_', " "))
            };
            (c.id.to_string(), format!("{}{roles}", c.name))
        })
        .collect();
    let mut tags: Vec<String> = d
        .interactions
        .iter()
        .flat_map(|i| i.tags.iter().cloned())
        .collect();
    // A tag chosen before stays choosable.
    tags.extend(f.tag.clone());
    let mut roles: Vec<String> = d
        .contacts
        .iter()
        .flat_map(|c| c.roles.iter().cloned())
        .collect();
    roles.extend(f.role.clone());
    let contact = f.contact.map(|id| id.to_string());
    Filters {
        title: format!("Filter interactions — {}", d.account.name),
        rows: vec![
            FilterRow::new("kind", "every kind", kinds).choose(kind),
            FilterRow::new("direction", "in and out", directions)
                .choose(f.direction.map(|d| d.as_str())),
            FilterRow::new("contact", "any contact", contacts).choose(contact.as_deref()),
            FilterRow::new("tag", "any tag", sorted(tags)).choose(f.tag.as_deref()),
            FilterRow::new("contact's role", "any role", sorted(roles)).choose(f.role.as_deref()),
        ],
        cursor: 0,
        purpose: FiltersFor::Interactions,
    }
}

/// The Opportunities filters: an owner (me first), the account's team.
pub fn for_opportunities(a: &AccountView, d: &Account360, me: &str) -> Filters {
    let f = &a.opportunity_filter;
    let mut owners: Vec<String> = d.opportunities.iter().map(|o| o.owner.clone()).collect();
    owners.push(d.account.owner.clone());
    owners.extend(d.account.team.iter().cloned());
    owners.extend(f.owner.clone());
    owners.retain(|o| !o.is_empty() && o != me);
    let mut values = vec![(me.to_string(), format!("me ({me})"))];
    values.extend(sorted(owners).into_iter().map(|(v, _)| {
        let label = if on_team(&d.account, &v) {
            format!("{v} (team)")
        } else {
            v.clone()
        };
        (v, label)
    }));
    let team = vec![
        ("team".to_string(), "the account's team".to_string()),
        (
            "outside".to_string(),
            "outside the account's team".to_string(),
        ),
    ];
    let chosen_team = match f.team {
        Some(true) => Some("team"),
        Some(false) => Some("outside"),
        None => None,
    };
    Filters {
        title: format!("Filter opportunities — {}", d.account.name),
        rows: vec![
            FilterRow::new("owner", "any owner", values).choose(f.owner.as_deref()),
            FilterRow::new("team", "anyone", team).choose(chosen_team),
        ],
        cursor: 0,
        purpose: FiltersFor::Opportunities,
    }
}

/// The Tasks filters: open or closed, when due, the assignee (me first), the type.
pub fn for_tasks(a: &AccountView, d: &Account360, me: &str) -> Filters {
    let f = &a.tasks.filter;
    let state = vec![
        ("open".to_string(), "open (to do, doing)".to_string()),
        ("closed".to_string(), "closed (done)".to_string()),
    ];
    let chosen_state = f.open.map(|o| if o { "open" } else { "closed" });
    let due = tend_backend::DueWindow::ALL
        .iter()
        .map(|w| {
            let label = match w {
                tend_backend::DueWindow::Overdue => "overdue",
                tend_backend::DueWindow::ThisWeek => "this week",
                tend_backend::DueWindow::Later => "later",
                tend_backend::DueWindow::None => "no due date",
            };
            (w.as_str().to_string(), label.to_string())
        })
        .collect();
    let mut people: Vec<String> = d.tasks.iter().map(|t| t.assignee.clone()).collect();
    people.push(d.account.owner.clone());
    people.extend(d.account.team.iter().cloned());
    people.extend(f.assignee.clone());
    people.retain(|p| !p.is_empty() && p != me);
    let mut assignees = vec![(me.to_string(), format!("me ({me})"))];
    assignees.extend(sorted(people).into_iter().map(|(v, _)| (v.clone(), v)));
    let kinds = TaskKind::ALL
        .iter()
        .map(|k| (k.as_str().to_string(), k.as_str().replace('_', " ")))
        .collect();
    Filters {
        title: format!("Filter tasks — {}", d.account.name),
        rows: vec![
            FilterRow::new("state", "open and closed", state).choose(chosen_state),
            FilterRow::new("due", "any time", due).choose(f.due.map(|w| w.as_str())),
            FilterRow::new("assignee", "anyone", assignees).choose(f.assignee.as_deref()),
            FilterRow::new("type", "every type", kinds).choose(f.kind.map(|k| k.as_str())),
        ],
        cursor: 0,
        purpose: FiltersFor::Tasks,
    }
}

pub fn draw_filters(f: &mut Frame, x: &Filters, theme: &Theme, area: Rect) {
    let width = area.width.saturating_sub(4).min(72);
    let height = (x.rows.len() as u16 + 4).min(area.height);
    let rect = centered(area, width, height);
    f.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border_focus)
        .title(Span::styled(format!(" {} ", x.title), theme.title))
        .title_bottom(Span::styled(" Enter apply · Esc cancel ", theme.dim));
    let label = x.rows.iter().map(|r| r.label.len()).max().unwrap_or(0);
    let mut lines: Vec<Line> = x
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let choice = r.options.get(r.chosen).map_or("", |(_, l)| l.as_str());
            let focused = i == x.cursor;
            let value_style = match (focused, r.chosen) {
                (true, _) => theme.selected,
                (false, 0) => theme.dim,
                (false, _) => theme.base,
            };
            Line::from(vec![
                Span::styled(
                    format!(" {:>label$}  ", r.label),
                    if focused { theme.key } else { theme.dim },
                ),
                Span::styled(if focused { "◂ " } else { "  " }, theme.accent),
                Span::styled(choice.to_string(), value_style),
                Span::styled(if focused { " ▸" } else { "" }, theme.accent),
                Span::styled(
                    if focused {
                        format!("  {}/{}", r.chosen + 1, r.options.len())
                    } else {
                        String::new()
                    },
                    theme.dim,
                ),
            ])
        })
        .collect();
    lines.insert(0, Line::raw(""));
    f.render_widget(Paragraph::new(lines).block(block).style(theme.base), rect);
}

impl App {
    /// `F`: the filters of the tab in front.
    pub(crate) fn open_filters(&mut self) -> Vec<Command> {
        let Some(a) = self.account.as_ref() else {
            return vec![];
        };
        let Some(d) = a.data.value() else {
            self.status = Some("the account is still loading".into());
            return vec![];
        };
        let filters = match a.tab {
            Tab::Interactions => for_interactions(a, d),
            Tab::Opportunities => for_opportunities(a, d, &self.user),
            Tab::Tasks => for_tasks(a, d, &self.user),
            _ => return vec![],
        };
        self.overlays
            .open(crate::overlay::Overlay::Filters(Box::new(filters)));
        vec![]
    }

    /// A key while the filters are open: j/k or ↑↓ move between filters, ←→ (h/l,
    /// Space) change the one under the cursor, x clears them all, Enter applies,
    /// Esc closes without applying.
    pub(crate) fn filters_key(&mut self, k: KeyEvent) -> Vec<Command> {
        if self.keys.action(Screen::Global, &k) == Some(Action::Quit) {
            self.quit = true;
            return vec![];
        }
        let Some(x) = self.overlays.filters_mut() else {
            return vec![];
        };
        let n = x.rows.len();
        match k.code {
            KeyCode::Esc => {
                self.overlays.close_filters();
                return vec![];
            }
            KeyCode::Char('j') | KeyCode::Down | KeyCode::Tab => {
                x.cursor = (x.cursor + 1) % n.max(1)
            }
            KeyCode::Char('k') | KeyCode::Up | KeyCode::BackTab => {
                x.cursor = (x.cursor + n.max(1) - 1) % n.max(1)
            }
            KeyCode::Char('l') | KeyCode::Right | KeyCode::Char(' ') => {
                if let Some(r) = x.rows.get_mut(x.cursor) {
                    r.chosen = (r.chosen + 1) % r.options.len().max(1);
                }
            }
            KeyCode::Char('h') | KeyCode::Left => {
                if let Some(r) = x.rows.get_mut(x.cursor) {
                    let m = r.options.len().max(1);
                    r.chosen = (r.chosen + m - 1) % m;
                }
            }
            KeyCode::Char('x') | KeyCode::Backspace | KeyCode::Delete => {
                for r in &mut x.rows {
                    r.chosen = 0;
                }
            }
            KeyCode::Enter => {
                let Some(x) = self.overlays.close_filters() else {
                    return vec![];
                };
                return self.apply_filters(&x);
            }
            _ => {}
        }
        vec![]
    }

    /// Applies the filters chosen: opportunities at once, interactions through
    /// the store's query (the one `tend interactions` and the API run).
    fn apply_filters(&mut self, x: &Filters) -> Vec<Command> {
        let value = |label: &str| {
            x.rows
                .iter()
                .find(|r| r.label == label)
                .and_then(|r| r.value())
                .map(str::to_string)
        };
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        match x.purpose {
            FiltersFor::Opportunities => {
                a.opportunity_filter = OpportunityFilter {
                    owner: value("owner"),
                    team: value("team").map(|t| t == "team"),
                };
                a.selected[Tab::Opportunities.index()] = 0;
                vec![]
            }
            FiltersFor::Tasks => {
                a.tasks.filter = crate::screens::account::task_views::TaskFilter {
                    open: value("state").map(|s| s == "open"),
                    due: value("due").and_then(|d| d.parse().ok()),
                    assignee: value("assignee"),
                    kind: value("type").and_then(|k| k.parse().ok()),
                };
                a.selected[Tab::Tasks.index()] = 0;
                let id = a.id;
                self.ask_tasks(id, false)
            }
            FiltersFor::Interactions => {
                let kind = value("kind").and_then(|k| k.parse::<InteractionKind>().ok());
                a.filter[Tab::Interactions.index()] = kind
                    .and_then(|k| InteractionKind::ALL.iter().position(|x| *x == k))
                    .map_or(0, |i| i + 1);
                a.selected[Tab::Interactions.index()] = 0;
                a.interaction_filter = InteractionFilter {
                    direction: value("direction").and_then(|d| d.parse().ok()),
                    contact: value("contact").and_then(|c| c.parse().ok()),
                    tag: value("tag"),
                    role: value("contact's role"),
                };
                self.search_interactions(false)
            }
        }
    }
}
