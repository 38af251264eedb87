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
                if u.activity_asked.as_ref() != Some(&q) {
                    u.activity = Loadable::Loading;
                    u.activity_asked = Some(q.clone());
                    asks.push(TabQuery::Usage(q));
                }
            }
            UsageLayout::Features => {
                let q = breakdown_query(UsageBy::User, u.days(), today);
                if u.users_asked.as_ref() != Some(&q) {
                    u.users = Loadable::Loading;
                    u.users_asked = Some(q.clone());
                    asks.push(TabQuery::UsageBreakdown(q));
                }
                let q = breakdown_query(UsageBy::Feature, u.days(), today);
                if u.features_asked.as_ref() != Some(&q) {
                    u.features = Loadable::Loading;
                    u.features_asked = Some(q.clone());
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
        let Some(a) = self.account.as_mut().filter(|a| a.id == id) else {
            return vec![];
        };
        match query {
            TabQuery::Tasks(q) => {
                if a.tasks.filter.query(id) != Some(q) || a.tasks.found.is_none() {
                    return vec![];
                }
                // A new question starts at the top; the same one asked again
                // after a write keeps the selection where it was.
                if a.tasks.found == Some(Loadable::Loading) {
                    a.selected[Tab::Tasks.index()] = 0;
                }
                a.tasks.found = Some(match result {
                    Ok(TabAnswer::Tasks(v)) => Loadable::Ready { value: v, at },
                    Ok(_) => return vec![],
                    Err(e) => Loadable::Failed(e),
                });
            }
            TabQuery::Usage(q) => {
                if a.usage.activity_asked.as_ref() != Some(&q) {
                    return vec![];
                }
                a.usage.activity = match result {
                    Ok(TabAnswer::Usage(v)) => Loadable::Ready { value: v, at },
                    Ok(_) => return vec![],
                    Err(e) => Loadable::Failed(e),
                };
            }
            TabQuery::UsageBreakdown(q) => {
                let (asked, slot) = match q.by {
                    UsageBy::User => (&a.usage.users_asked, &mut a.usage.users),
                    UsageBy::Feature => (&a.usage.features_asked, &mut a.usage.features),
                };
                if asked.as_ref() != Some(&q) {
                    return vec![];
                }
                *slot = match result {
                    Ok(TabAnswer::UsageBreakdown(v)) => Loadable::Ready { value: v, at },
                    Ok(_) => return vec![],
                    Err(e) => Loadable::Failed(e),
                };
            }
        }
        vec![]
    }
}
