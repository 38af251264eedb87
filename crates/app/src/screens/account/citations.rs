//! Citations: how the records a statement rests on read ("[case 12]"), and
//! following one to the tab that shows its record, selected.

use serde_json::Value;
use tend_backend::Account360;
use tend_domain::*;

use crate::app::App;
use crate::overlay::{Info, Overlay, Pick, PickFor};
use crate::screens::account::state::{
    set_tab, task_place, visible_agreements, visible_interactions,
};
use crate::state::{Command, Loadable, Page, Tab};

pub use super::cite::{compact, distinct, grouped, kind_words};

/// A cited record in a few words, for choosing among several.
pub fn label(d: &Account360, c: Citation) -> String {
    let day = |t: Timestamp| t.format("%Y-%m-%d").to_string();
    let found = match c.kind {
        EntityKind::Interaction => d
            .interactions
            .iter()
            .find(|i| i.id == c.id)
            .map(|i| format!("{} {} · {}", i.kind, day(i.at), i.subject)),
        EntityKind::SupportCase => d
            .cases
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| format!("{} · {} · {}", x.number, x.priority, x.subject)),
        EntityKind::Contact => d
            .contacts
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.name.clone()),
        EntityKind::Agreement => d
            .agreements
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.name.clone()),
        EntityKind::Opportunity => d
            .opportunities
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.name.clone()),
        EntityKind::Task => d
            .tasks
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.title.clone()),
        EntityKind::Project => d
            .projects
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.name.clone()),
        EntityKind::PlaybookRun => d
            .playbook_runs
            .iter()
            .find(|x| x.id == c.id)
            .map(|r| playbook_name(d, r.playbook_id)),
        EntityKind::Playbook => Some(playbook_name(d, c.id)),
        EntityKind::NpsResponse => d
            .nps
            .iter()
            .find(|x| x.id == c.id)
            .map(|n| format!("score {} · {}", n.score, day(n.at))),
        EntityKind::Document => d
            .documents
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.title.clone()),
        EntityKind::Alert => d
            .alerts
            .iter()
            .find(|x| x.id == c.id)
            .map(|a| format!("{} · {}", a.rule, a.message)),
        EntityKind::SuccessPlan => d
            .plans
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.name.clone()),
        EntityKind::Objective => d
            .objectives
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.name.clone()),
        EntityKind::Kpi => d.kpis.iter().find(|x| x.id == c.id).map(|x| x.name.clone()),
        EntityKind::BusinessChallenge => d
            .challenges
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| x.title.clone()),
        EntityKind::Invoice => d
            .invoices
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| format!("{} · {}", x.number, x.issued_on)),
        EntityKind::Payment => d
            .payments
            .iter()
            .find(|x| x.id == c.id)
            .map(|x| format!("{} · {}", x.paid_on, x.method)),
        EntityKind::Account => Some(d.account.name.clone()),
        EntityKind::Summary => None,
    };
    let (one, _) = kind_words(c.kind);
    match found {
        Some(what) => format!("{one} {} · {what}", c.id),
        None => format!("{one} {}", c.id),
    }
}

fn playbook_name(d: &Account360, id: Id) -> String {
    d.playbooks
        .iter()
        .find(|p| p.id == id)
        .map_or_else(|| format!("playbook {id}"), |p| p.name.clone())
}

/// The fields of a record as "name: value" lines, without the bookkeeping ones
/// (ids, versions, times of writing).
pub fn fields(record: &Record) -> Vec<String> {
    const HIDDEN: &[&str] = &[
        "id",
        "version",
        "created_at",
        "updated_at",
        "source",
        "external_id",
        "account_id",
    ];
    let value = match record {
        Record::SuccessPlan(x) => serde_json::to_value(x),
        Record::Objective(x) => serde_json::to_value(x),
        Record::Kpi(x) => serde_json::to_value(x),
        Record::BusinessChallenge(x) => serde_json::to_value(x),
        _ => return vec![],
    };
    let Ok(Value::Object(map)) = value else {
        return vec![];
    };
    let show = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.is_empty() => None,
        other => Some(other.to_string()),
    };
    map.iter()
        .filter(|(k, _)| !HIDDEN.contains(&k.as_str()))
        .filter_map(|(k, v)| show(v).map(|v| format!("{}: {v}", k.replace('_', " "))))
        .collect()
}

impl App {
    /// Enter on a statement: the record it cites, or a choice among several.
    pub(crate) fn follow_citations(&mut self, citations: &[Citation]) -> Vec<Command> {
        let all = distinct(citations);
        match all.as_slice() {
            [] => {
                self.status = Some("this statement cites no record".into());
                vec![]
            }
            [one] => self.open_citation(*one),
            many => {
                let Some(d) = self.account.as_ref().and_then(|a| a.data.value()) else {
                    return vec![];
                };
                let items = many.iter().map(|c| label(d, *c)).collect();
                self.overlays.open(Overlay::Pick(Pick {
                    title: "Open a cited record".into(),
                    items,
                    cursor: 0,
                    purpose: PickFor::Citations(many.to_vec()),
                }));
                vec![]
            }
        }
    }

    /// Opens the record a citation names: the tab that shows its kind with it
    /// selected (an interaction open in the reader), the alerts inbox for an
    /// alert, and a plan, objective, KPI or challenge in a dialog.
    pub(crate) fn open_citation(&mut self, c: Citation) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        if a.data.value().is_none() {
            self.status = Some("the account is still loading".into());
            return vec![];
        }
        // The list the record is in shows everything (every kind or status, no
        // search, no filter, the agreements rather than the financials): the
        // record must be found there.
        if let Some(tab) = filtered_tab(c.kind) {
            a.show_everything(tab);
        }
        let Some(d) = a.data.value() else {
            return vec![];
        };
        let (one, _) = kind_words(c.kind);
        let missing = format!(
            "{one} {} is not among the records loaded for this account",
            c.id
        );
        // (tab, row, kanban column); None when the record is not loaded.
        let place: Option<(Tab, usize, usize)> = match c.kind {
            EntityKind::Interaction => visible_interactions(a, d)
                .iter()
                .position(|i| i.id == c.id)
                .map(|p| (Tab::Interactions, p, 0)),
            EntityKind::SupportCase => pos(&d.cases, c.id, |x| x.id).map(|p| (Tab::Support, p, 0)),
            EntityKind::Contact => pos(&d.contacts, c.id, |x| x.id).map(|p| (Tab::Contacts, p, 0)),
            EntityKind::Agreement => visible_agreements(a, d)
                .iter()
                .position(|x| x.id == c.id)
                .map(|p| (Tab::Agreements, p, 0)),
            EntityKind::Opportunity => {
                pos(&d.opportunities, c.id, |x| x.id).map(|p| (Tab::Opportunities, p, 0))
            }
            EntityKind::Task => d
                .tasks
                .iter()
                .find(|t| t.id == c.id)
                .and_then(|t| task_place(d, t)),
            // A project shows as its tasks: its first one on the board.
            EntityKind::Project => d
                .tasks
                .iter()
                .filter(|t| t.project_id == Some(c.id))
                .min_by_key(|t| (t.status, t.position, t.id))
                .and_then(|t| task_place(d, t))
                .or_else(|| {
                    d.projects
                        .iter()
                        .any(|p| p.id == c.id)
                        .then_some((Tab::Tasks, 0, 0))
                }),
            EntityKind::PlaybookRun => {
                pos(&d.playbook_runs, c.id, |x| x.id).map(|p| (Tab::Playbooks, p, 0))
            }
            EntityKind::Playbook => {
                pos(&d.playbook_runs, c.id, |x| x.playbook_id).map(|p| (Tab::Playbooks, p, 0))
            }
            EntityKind::NpsResponse => pos(&d.nps, c.id, |x| x.id).map(|p| (Tab::Nps, p, 0)),
            // The Settings tab lists the account's fields, then its documents.
            EntityKind::Document => {
                pos(&d.documents, c.id, |x| x.id).map(|p| (Tab::Settings, p + 1, 0))
            }
            EntityKind::Account if c.id == a.id => Some((Tab::Overview, 0, 0)),
            EntityKind::Account => return self.jump_to(c.id),
            EntityKind::Alert => return self.open_alert(c.id),
            EntityKind::SuccessPlan
            | EntityKind::Objective
            | EntityKind::Kpi
            | EntityKind::BusinessChallenge
            | EntityKind::Invoice
            | EntityKind::Payment => {
                let record = match c.kind {
                    EntityKind::SuccessPlan => d
                        .plans
                        .iter()
                        .find(|x| x.id == c.id)
                        .map(|x| Record::SuccessPlan(x.clone())),
                    EntityKind::Objective => d
                        .objectives
                        .iter()
                        .find(|x| x.id == c.id)
                        .map(|x| Record::Objective(x.clone())),
                    EntityKind::Kpi => d
                        .kpis
                        .iter()
                        .find(|x| x.id == c.id)
                        .map(|x| Record::Kpi(x.clone())),
                    EntityKind::Invoice => d
                        .invoices
                        .iter()
                        .find(|x| x.id == c.id)
                        .map(|x| Record::Invoice(x.clone())),
                    EntityKind::Payment => d
                        .payments
                        .iter()
                        .find(|x| x.id == c.id)
                        .map(|x| Record::Payment(x.clone())),
                    _ => d
                        .challenges
                        .iter()
                        .find(|x| x.id == c.id)
                        .map(|x| Record::BusinessChallenge(x.clone())),
                };
                match record {
                    Some(r) => {
                        let title = format!("{} — {}", label(d, c), d.account.name);
                        self.overlays.open(Overlay::Info(Info {
                            title,
                            lines: fields(&r),
                        }));
                    }
                    None => self.status = Some(missing),
                }
                return vec![];
            }
            EntityKind::Summary => {
                self.status = Some("a summary cites itself: nothing to open".into());
                return vec![];
            }
        };
        let Some((tab, row, column)) = place else {
            self.status = Some(missing);
            return vec![];
        };
        let from = a.tab;
        set_tab(a, tab);
        a.column = column;
        a.selected[tab.index()] = row;
        a.reading = tab == Tab::Interactions;
        if from != tab {
            a.back_to = Some(from);
            self.status = Some(format!(
                "{one} {} · Esc: back to the {}",
                c.id,
                from.title()
            ));
        }
        vec![]
    }

    /// The alerts inbox, every state listed, with the alert selected once loaded.
    fn open_alert(&mut self, id: Id) -> Vec<Command> {
        self.page = Page::Alerts;
        self.views.active = None;
        self.alerts.state = None;
        self.alerts.transitions_since = None;
        self.alerts.want = Some(id);
        self.alerts.list = Loadable::Loading;
        vec![self.alerts.command()]
    }
}

fn pos<T>(list: &[T], id: Id, key: impl Fn(&T) -> Id) -> Option<usize> {
    list.iter().position(|x| key(x) == id)
}

/// The tab whose list shows records of `kind`, where a filter, a search or the
/// financials view could hide one.
fn filtered_tab(kind: EntityKind) -> Option<Tab> {
    match kind {
        EntityKind::Interaction => Some(Tab::Interactions),
        EntityKind::Agreement => Some(Tab::Agreements),
        EntityKind::Opportunity => Some(Tab::Opportunities),
        EntityKind::Task | EntityKind::Project => Some(Tab::Tasks),
        _ => None,
    }
}
