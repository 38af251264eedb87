//! The questions the Tasks and Usage tabs ask the store about their account
//! (tasks through the filters, usage in buckets, per user and per feature), and
//! their answers.

use tend_backend::{Error, UsageBy};
use tend_domain::*;

use crate::app::App;
use crate::screens::account::usage_views::{UsageLayout, activity_query, breakdown_query};
use crate::state::{Command, Loadable, Tab, TabAnswer, TabQuery};

impl App {
    /// Asks the store for the account's tasks the Tasks filters select, or goes
    /// back to the account's own tasks without a filter. `again`: the same
    /// question after a write (the list on screen kept until the answer).
    pub(crate) fn ask_tasks(&mut self, id: Id, again: bool) -> Vec<Command> {
        let Some(a) = self.account.as_mut().filter(|a| a.id == id) else {
            return vec![];
        };
        match a.tasks.filter.query(a.id) {
            None => {
                a.tasks.found = None;
                vec![]
            }
            Some(q) => {
                if !again || a.tasks.found.is_none() {
                    a.tasks.found = Some(Loadable::Loading);
                }
                vec![Command::AskTab(a.id, Box::new(TabQuery::Tasks(q)))]
            }
        }
    }

    /// What the Usage tab in front needs and has not asked for: the activity
    /// buckets, or the usage per user and per feature.
    pub(crate) fn usage_wanted(&mut self) -> Vec<Command> {
        let Some(a) = self.account.as_mut() else {
            return vec![];
        };
        let Some(today) = a.data.value().map(|d| d.as_of.date_naive()) else {
            return vec![];
        };
        if a.tab != Tab::Usage {
            return vec![];
        }
        let u = &mut a.usage;
        let mut asks = vec![];
        match u.layout {
            // Drawn from what the account screen has loaded.
            UsageLayout::Usage | UsageLayout::Metrics => {}
            UsageLayout::Activity => {
                let q = activity_query(u.bucket, today);
                if to_ask(&mut u.activity_asked, &mut u.activity, &q) {
                    asks.push(TabQuery::Usage(q));
                }
            }
            UsageLayout::Features => {
                let q = breakdown_query(UsageBy::User, u.days(), today);
                if to_ask(&mut u.users_asked, &mut u.users, &q) {
                    asks.push(TabQuery::UsageBreakdown(q));
                }
                let q = breakdown_query(UsageBy::Feature, u.days(), today);
                if to_ask(&mut u.features_asked, &mut u.features, &q) {
                    asks.push(TabQuery::UsageBreakdown(q));
                }
            }
        }
        asks.into_iter()
            .map(|q| Command::AskTab(a.id, Box::new(q)))
            .collect()
    }

    /// The store answered a tab's question: kept if it is still the one asked.
    pub(crate) fn tab_answer(
        &mut self,
        id: Id,
        query: TabQuery,
        result: Result<TabAnswer, Error>,
        at: Timestamp,
    ) -> Vec<Command> {
        let offline = self.offline.is_some();
        let Some(a) = self.account.as_mut().filter(|a| a.id == id) else {
            return vec![];
        };
        match query {
            TabQuery::Tasks(q) => {
                if a.tasks.filter.query(id) != Some(q) {
                    return vec![];
                }
                let Some(found) = &mut a.tasks.found else {
                    return vec![];
                };
                let result = match result {
                    Ok(TabAnswer::Tasks(v)) => Ok(v),
                    Ok(_) => return vec![],
                    Err(e) => Err(e),
                };
                // A new question starts at the top; the same one asked again
                // after a write keeps the selection where it was.
                if *found == Loadable::Loading {
                    a.selected[Tab::Tasks.index()] = 0;
                }
                found.take(result, at, offline);
            }
            TabQuery::Usage(q) => {
                if a.usage.activity_asked.as_ref() != Some(&q) {
                    return vec![];
                }
                let result = match result {
                    Ok(TabAnswer::Usage(v)) => Ok(v),
                    Ok(_) => return vec![],
                    Err(e) => Err(e),
                };
                a.usage.activity.take(result, at, offline);
            }
            TabQuery::UsageBreakdown(q) => {
                let (asked, slot) = match q.by {
                    UsageBy::User => (&a.usage.users_asked, &mut a.usage.users),
                    UsageBy::Feature => (&a.usage.features_asked, &mut a.usage.features),
                };
                if asked.as_ref() != Some(&q) {
                    return vec![];
                }
                let result = match result {
                    Ok(TabAnswer::UsageBreakdown(v)) => Ok(v),
                    Ok(_) => return vec![],
                    Err(e) => Err(e),
                };
                slot.take(result, at, offline);
            }
        }
        vec![]
    }
}

/// Whether the Usage tab must ask `q`: it is not what it asked last. A new
/// question shows loading; asked again after a refresh (nothing asked), what is
/// shown stays until the answer replaces it.
fn to_ask<Q: Clone + PartialEq, T>(asked: &mut Option<Q>, shown: &mut Loadable<T>, q: &Q) -> bool {
    if asked.as_ref() == Some(q) {
        return false;
    }
    if asked.is_some() || shown.value().is_none() {
        *shown = Loadable::Loading;
    }
    *asked = Some(q.clone());
    true
}
