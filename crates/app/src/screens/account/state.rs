//! What the account screen keeps (one account's data, its tab, selections,
//! filters), and the selectors that read it.

use std::collections::{BTreeMap, BTreeSet};

use tend_backend::{Account360, HealthReport, InteractionQuery, PageRequest};
use tend_domain::*;
use tend_engines::health::Period;

use crate::screens::account::task_views::column_of;
use crate::state::{Loadable, Tab};

/// One account's tabs.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub id: Id,
    pub data: Loadable<Account360>,
    pub health: Loadable<HealthReport>,
    /// Its 360, health and timeline have been asked of the backend (an account
    /// under the portfolio's selection is asked once the selection rests, or
    /// at once when its pane shows).
    pub asked: bool,
    pub tab: Tab,
    /// The selected row of the tab's list (per tab).
    pub selected: [usize; Tab::COUNT],
    /// Kanban column on the Tasks tab, step list on Playbooks.
    pub column: usize,
    /// The reader (an interaction, a case, a run's steps) is open.
    pub reading: bool,
    pub period: Period,
    /// Curves hidden on the Overview chart (component ids, "overall").
    pub hidden: BTreeSet<String>,
    /// The curve picker (`c` on the Overview) is open.
    pub picking_curves: bool,
    /// The curve picker's cursor.
    pub curve_cursor: usize,
    /// How far the Overview scrolls at most (kept by the drawing); its scroll is
    /// the Overview's `selected`.
    pub overview_max: std::cell::Cell<usize>,
    /// A cycling filter per tab (interaction kind, agreement status...): its position.
    pub filter: [usize; Tab::COUNT],
    /// The account we came from with `P` (to go back).
    pub came_from: Option<Id>,
    /// First visible row of each tab's list (kept by the drawing).
    pub offsets: [std::cell::Cell<usize>; Tab::COUNT],
    /// The Interactions search being typed, or applied.
    pub query: String,
    pub querying: bool,
    /// The interactions the store found for the search and the filters (None:
    /// neither is applied, the account's own list shows).
    pub found: Option<Loadable<Vec<Interaction>>>,
    /// The Interactions tab's filters beyond the kind (`F`), asked of the store.
    pub interaction_filter: InteractionFilter,
    /// The Opportunities tab's filters (`F`).
    pub opportunity_filter: OpportunityFilter,
    /// The Agreements tab shows the financials (invoices, revenue) instead (`v`).
    pub financials: bool,
    /// The Tasks tab's layout and filters.
    pub tasks: crate::screens::account::task_views::TasksView,
    /// The Usage tab's layout and what it asked the store for.
    pub usage: crate::screens::account::usage_views::UsageView,
    /// The account's change history (loaded when Settings opens).
    pub history: Loadable<Vec<ChangeLogEntry>>,
    /// The case to select on the Support tab once the account is loaded (opened
    /// from the cases page).
    pub want_case: Option<Id>,
    /// The tab a followed citation came from: Esc goes back to it.
    pub back_to: Option<Tab>,
    /// The Summary tab's summaries and the work under way for them.
    pub summary: crate::screens::account::summary::SummaryView,
    /// The copilot's conversation (its pane opens over Interactions).
    pub copilot: crate::screens::account::copilot::Copilot,
    /// The record to select once the account is loaded (opened from My work).
    pub want: Option<(EntityKind, Id)>,
    /// The account's deliveries: its outbox and what was sent (loaded when the
    /// Interactions tab shows).
    pub outbox: Loadable<Vec<tend_backend::outbound::Delivery>>,
    /// The outbox list's cursor, and its first row shown (kept by the drawing).
    pub outbox_cursor: usize,
    pub outbox_offset: std::cell::Cell<usize>,
    /// Which of the account's alerts the Alerts tab lists (None: all); `f`
    /// cycles it as in the alerts inbox.
    pub alert_state: Option<AlertState>,
    /// The account's key events, newest first (loaded with the account).
    pub timeline: Loadable<Vec<tend_engines::timeline::TimelineEvent>>,
}

impl AccountView {
    pub fn new(id: Id) -> AccountView {
        AccountView {
            id,
            data: Loadable::Loading,
            health: Loadable::Loading,
            asked: false,
            tab: Tab::Overview,
            selected: [0; Tab::COUNT],
            column: 0,
            reading: false,
            period: Period::Week,
            hidden: BTreeSet::new(),
            picking_curves: false,
            curve_cursor: 0,
            overview_max: Default::default(),
            filter: [0; Tab::COUNT],
            came_from: None,
            offsets: Default::default(),
            query: String::new(),
            querying: false,
            found: None,
            interaction_filter: InteractionFilter::default(),
            opportunity_filter: OpportunityFilter::default(),
            financials: false,
            tasks: Default::default(),
            usage: Default::default(),
            history: Loadable::Idle,
            want_case: None,
            back_to: None,
            summary: Default::default(),
            copilot: Default::default(),
            want: None,
            outbox: Loadable::Idle,
            outbox_cursor: 0,
            outbox_offset: Default::default(),
            alert_state: None,
            timeline: Loadable::Loading,
        }
    }

    /// `p`: weeks or months.
    pub fn toggle_period(&mut self) {
        self.period = match self.period {
            Period::Week => Period::Month,
            Period::Month => Period::Week,
        }
    }

    /// `f`: the tab's next filter (interaction kind, agreement status), from the top.
    pub fn cycle_filter(&mut self) {
        let tab = self.tab.index();
        self.filter[tab] += 1;
        self.selected[tab] = 0;
    }

    pub fn selected(&self) -> usize {
        self.selected[self.tab.index()]
    }

    /// Clears what hides records on `tab` (its cycling filter, a search, the
    /// filters of `F`, the financials view), so a record opened from elsewhere
    /// is in the list it lands on.
    pub fn show_everything(&mut self, tab: Tab) {
        self.filter[tab.index()] = 0;
        match tab {
            Tab::Interactions => {
                self.found = None;
                self.query.clear();
                self.interaction_filter = Default::default();
            }
            Tab::Agreements => self.financials = false,
            Tab::Opportunities => self.opportunity_filter = Default::default(),
            Tab::Tasks => self.tasks = Default::default(),
            _ => {}
        }
    }
}

/// The Interactions tab's filters beyond the kind: the store's interaction query
/// applies them (as it does for `tend interactions` and the API).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InteractionFilter {
    pub direction: Option<Direction>,
    /// A contact of the account involved in the interaction.
    pub contact: Option<Id>,
    /// An interaction tag (bug, renewal...).
    pub tag: Option<String>,
    /// A role tag of a contact involved (sponsor, champion...).
    pub role: Option<String>,
}

impl InteractionFilter {
    pub fn is_empty(&self) -> bool {
        *self == InteractionFilter::default()
    }

    /// "in · with Lara Tanaka · tag bug · role sponsor" (empty: no filter).
    pub fn describe(&self, contacts: &[Contact]) -> String {
        let mut parts = vec![];
        if let Some(d) = self.direction {
            parts.push(d.to_string());
        }
        if let Some(id) = self.contact {
            parts.push(format!(
                "with {}",
                contacts
                    .iter()
                    .find(|c| c.id == id)
                    .map_or_else(|| format!("contact {id}"), |c| c.name.clone())
            ));
        }
        if let Some(t) = &self.tag {
            parts.push(format!("tag {t}"));
        }
        if let Some(r) = &self.role {
            parts.push(format!("role {r}"));
        }
        parts.join(" · ")
    }
}

/// The Opportunities tab's filters: an owner, and the account's team (its owner
/// and team members) or those outside it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpportunityFilter {
    pub owner: Option<String>,
    /// Some(true): owned by the account's team; Some(false): by someone outside it.
    pub team: Option<bool>,
}

impl OpportunityFilter {
    pub fn is_empty(&self) -> bool {
        *self == OpportunityFilter::default()
    }

    /// "owner maya.chen · the account's team" (empty: no filter).
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if let Some(o) = &self.owner {
            parts.push(format!("owner {o}"));
        }
        match self.team {
            Some(true) => parts.push("the account's team".to_string()),
            Some(false) => parts.push("outside the account's team".to_string()),
            None => {}
        }
        parts.join(" · ")
    }
}

/// Whether a user is the account's owner or on its team.
pub fn on_team(account: &Account, user: &str) -> bool {
    account.owner == user || account.team.iter().any(|t| t == user)
}

/// The opportunities the list shows (the filters applied).
pub fn visible_opportunities<'a>(a: &AccountView, d: &'a Account360) -> Vec<&'a Opportunity> {
    let f = &a.opportunity_filter;
    d.opportunities
        .iter()
        .filter(|o| f.owner.as_ref().is_none_or(|w| o.owner == *w))
        .filter(|o| f.team.is_none_or(|t| on_team(&d.account, &o.owner) == t))
        .collect()
}

/// What the store is asked for on the Interactions tab: the search's words and
/// keys, and the filters of `F` where the search does not set the same one. None
/// when neither is applied (the account's loaded list shows).
pub fn interaction_query(
    a: &AccountView,
    contacts: &[Contact],
) -> Result<Option<InteractionQuery>, String> {
    let searched = if a.query.trim().is_empty() {
        None
    } else {
        Some(parse_query(&a.query, a.id, contacts)?)
    };
    let f = &a.interaction_filter;
    if searched.is_none() && f.is_empty() {
        return Ok(None);
    }
    let mut q = searched.unwrap_or_else(|| InteractionQuery {
        account_id: Some(a.id),
        page: PageRequest {
            offset: 0,
            limit: 500,
        },
        ..Default::default()
    });
    q.direction = q.direction.or(f.direction);
    q.contact_id = q.contact_id.or(f.contact);
    q.tag = q.tag.or_else(|| f.tag.clone());
    q.contact_role = q.contact_role.or_else(|| f.role.clone());
    Ok(Some(q))
}

pub(crate) fn set_tab(a: &mut AccountView, tab: Tab) {
    if a.tab != tab {
        a.tab = tab;
        a.back_to = None;
        a.reading = false;
        a.column = 0;
        // The curve picker belongs to the Overview: it would take keys unseen.
        a.picking_curves = false;
    }
}

/// Reads an Interactions search: `kind:`, `dir:`, `contact:` (part of a name),
/// `tag:`, `role:` (a contact's role tag), and words searched in the text.
pub fn parse_query(q: &str, account: Id, contacts: &[Contact]) -> Result<InteractionQuery, String> {
    let mut out = InteractionQuery {
        account_id: Some(account),
        page: PageRequest {
            offset: 0,
            limit: 500,
        },
        ..Default::default()
    };
    let mut words = vec![];
    for token in q.split_whitespace() {
        match token.split_once(':') {
            Some(("kind", v)) => {
                out.kind = Some(v.parse().map_err(|e: String| format!("kind:{v}: {e}"))?)
            }
            Some(("dir", v)) => {
                out.direction = Some(v.parse().map_err(|e: String| format!("dir:{v}: {e}"))?)
            }
            Some(("tag", v)) => out.tag = Some(v.to_string()),
            Some(("role", v)) => out.contact_role = Some(v.to_string()),
            Some(("contact", v)) => {
                let v = v.to_lowercase();
                let c = contacts
                    .iter()
                    .find(|c| c.name.to_lowercase().contains(&v))
                    .ok_or_else(|| format!("contact:{v}: no contact of this account matches"))?;
                out.contact_id = Some(c.id);
            }
            Some((key, _)) if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase()) => {
                return Err(format!(
                    "{key}: unknown filter (kind, dir, contact, tag, role, or plain words)"
                ));
            }
            _ => words.push(token),
        }
    }
    if !words.is_empty() {
        out.text = Some(words.join(" "));
    }
    Ok(out)
}

/// The curves of the Overview chart: overall, then each component.
pub fn curve_names(a: &AccountView) -> Vec<String> {
    let mut names = vec!["overall".to_string()];
    if let Some(h) = a.health.value() {
        names.extend(h.profile.components.iter().map(|c| c.id.clone()));
    }
    names
}

/// How many rows the current tab's list has (for moving the selection).
pub fn list_len(a: &AccountView) -> usize {
    let Some(d) = a.data.value() else { return 0 };
    match a.tab {
        Tab::Interactions => visible_interactions(a, d).len(),
        Tab::Contacts => d.contacts.len(),
        Tab::Agreements if a.financials => d.invoices.len(),
        Tab::Agreements => visible_agreements(a, d).len(),
        Tab::Opportunities => visible_opportunities(a, d).len(),
        Tab::Tasks => crate::screens::account::task_views::row_count(&a.tasks, d, a.column),
        Tab::Playbooks => d.playbook_runs.len(),
        Tab::Support => d.cases.len(),
        Tab::Nps => d.nps.len(),
        Tab::Health => a.health.value().map_or(0, |h| {
            h.explanation
                .components
                .iter()
                .map(|c| c.measures.len() + 1)
                .sum()
        }),
        Tab::Usage => {
            use crate::screens::account::usage_views::UsageLayout;
            match a.usage.layout {
                UsageLayout::Usage => active_users(d).len(),
                UsageLayout::Activity => a.usage.activity.value().map_or(0, Vec::len),
                // The whole account, then each user.
                UsageLayout::Features => 1 + a.usage.users.value().map_or(0, Vec::len),
                // Charts, not a list.
                UsageLayout::Metrics => 0,
            }
        }
        // The account's fields, its documents, then its history.
        Tab::Settings => 1 + d.documents.len() + a.history.value().map_or(0, Vec::len),
        Tab::Overview => a.overview_max.get() + 1,
        // The Summary moves over its statements itself.
        Tab::Summary => 0,
        Tab::Alerts => visible_alerts(a, d).len(),
    }
}

/// The account's alerts the Alerts tab lists: those in the state asked for (a
/// snoozed alert whose time is up counts as open), newest first.
pub fn visible_alerts<'a>(a: &AccountView, d: &'a Account360) -> Vec<&'a Alert> {
    let mut alerts: Vec<&Alert> = d
        .alerts
        .iter()
        .filter(|x| a.alert_state.is_none_or(|s| x.state_at(d.as_of) == s))
        .collect();
    alerts.sort_by(|x, y| y.at.cmp(&x.at).then(y.id.cmp(&x.id)));
    alerts
}

/// The tasks made for an alert (its alert tasks): open ones first, then by due day.
pub fn alert_tasks(d: &Account360, alert: Id) -> Vec<&Task> {
    let mut tasks: Vec<&Task> = d
        .tasks
        .iter()
        .filter(|t| t.alert_id == Some(alert))
        .collect();
    tasks.sort_by_key(|t| (t.status == TaskStatus::Done, t.due.is_none(), t.due, t.id));
    tasks
}

pub fn agreement_status_filter(a: &AccountView) -> Option<AgreementStatus> {
    let n = AgreementStatus::ALL.len() + 1;
    match a.filter[a.tab.index()] % n {
        0 => None,
        k => Some(AgreementStatus::ALL[k - 1]),
    }
}

pub fn visible_agreements<'a>(a: &AccountView, d: &'a Account360) -> Vec<&'a Agreement> {
    let s = agreement_status_filter(a);
    d.agreements
        .iter()
        .filter(|x| s.is_none_or(|s| x.status == s))
        .collect()
}

/// The kind filter `f` cycles through (None: every kind).
pub fn interaction_kind_filter(a: &AccountView) -> Option<InteractionKind> {
    let n = InteractionKind::ALL.len() + 1;
    match a.filter[a.tab.index()] % n {
        0 => None,
        k => Some(InteractionKind::ALL[k - 1]),
    }
}

/// The interactions the list shows.
pub fn visible_interactions<'a>(a: &'a AccountView, d: &'a Account360) -> Vec<&'a Interaction> {
    let kind = interaction_kind_filter(a);
    let all: &[Interaction] = match &a.found {
        Some(Loadable::Ready { value, .. }) => value,
        Some(_) => &[],
        None => &d.interactions,
    };
    all.iter()
        .filter(|i| kind.is_none_or(|k| i.kind == k))
        .collect()
}

pub use crate::screens::account::task_views::TASK_COLUMNS;

/// The users with a connection in the last 30 days: name, last day, connections;
/// most recent first.
pub fn active_users(d: &Account360) -> Vec<(String, chrono::NaiveDate, u64)> {
    let today = d.as_of.date_naive();
    let mut active: BTreeMap<i64, (chrono::NaiveDate, u64)> = BTreeMap::new();
    for u in &d.usage {
        if let Some(c) = u.contact_id
            && u.connections > 0
            && (today - u.day).num_days() < 30
        {
            let e = active.entry(c).or_insert((u.day, 0));
            e.0 = e.0.max(u.day);
            e.1 += u64::from(u.connections);
        }
    }
    let mut people: Vec<(String, chrono::NaiveDate, u64)> = active
        .iter()
        .map(|(id, (day, n))| {
            let name = d
                .contacts
                .iter()
                .find(|c| c.id == *id)
                .map_or(format!("#{id}"), |c| c.name.clone());
            (name, *day, *n)
        })
        .collect();
    people.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    people
}

/// Where a task is on the kanban: (tab, row, column).
pub(crate) fn task_place(d: &Account360, t: &Task) -> Option<(Tab, usize, usize)> {
    let column = TASK_COLUMNS.iter().position(|s| *s == t.status)?;
    // The board whatever the filters.
    let row = column_of(&d.tasks, column)
        .iter()
        .position(|x| x.id == t.id)?;
    Some((Tab::Tasks, row, column))
}

/// Selects the record the account was opened for, once it is loaded: a task on
/// its column, a run, an email open in the reader.
pub(crate) fn place_wanted(a: &mut AccountView) {
    let Some((kind, id)) = a.want else {
        return;
    };
    if a.data.value().is_none() {
        return;
    }
    a.want = None;
    if let Some((tab, row, column)) = wanted_place(a, kind, id) {
        set_tab(a, tab);
        a.column = column;
        a.selected[tab.index()] = row;
        a.reading = tab == Tab::Interactions;
    }
}

/// Where the record the account was opened for is: (tab, row, kanban column).
fn wanted_place(a: &mut AccountView, kind: EntityKind, id: Id) -> Option<(Tab, usize, usize)> {
    match kind {
        EntityKind::Task => {
            // On the kanban without a filter: the task must be on its column.
            a.show_everything(Tab::Tasks);
            let d = a.data.value()?;
            d.tasks
                .iter()
                .find(|t| t.id == id)
                .and_then(|t| task_place(d, t))
        }
        EntityKind::PlaybookRun => a
            .data
            .value()?
            .playbook_runs
            .iter()
            .position(|r| r.id == id)
            .map(|p| (Tab::Playbooks, p, 0)),
        EntityKind::Interaction => {
            // Every kind, no search, no filter: the email must be in the list.
            a.show_everything(Tab::Interactions);
            let d = a.data.value()?;
            visible_interactions(a, d)
                .iter()
                .position(|i| i.id == id)
                .map(|p| (Tab::Interactions, p, 0))
        }
        _ => None,
    }
}
