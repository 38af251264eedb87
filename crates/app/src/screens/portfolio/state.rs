//! What the portfolio keeps: its rows, sort, fuzzy filter, filter-language
//! expression and counts from the store, the selection, and the columns shown.

use std::collections::HashMap;

use tend_backend::{AccountRow, PortfolioSort};
use tend_domain::Id;

use super::columns::Column;

use crate::state::{Asked, Counts, Loadable};

/// The portfolio pane.
#[derive(Debug, Clone, Default)]
pub struct Portfolio {
    pub rows: Loadable<Vec<AccountRow>>,
    pub sort: PortfolioSort,
    pub descending: bool,
    /// Indices into the rows that pass the filter, in order.
    pub view: Vec<usize>,
    /// Position in `view`.
    pub selected: usize,
    /// First visible position in `view` (kept by the drawing).
    pub offset: std::cell::Cell<usize>,
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    /// The filter-language expression the rows were loaded with (run in the store).
    pub expr: Option<String>,
    /// The expression being typed (the filter bar is open), checked as typed.
    pub bar: Option<crate::where_bar::WhereBar>,
    /// Churned accounts are listed too (by default they are left out, unless the
    /// expression tests the stage).
    pub churned: bool,
    /// How many accounts the store holds for what the portfolio asks, and how many
    /// of them are at risk: counted by the store, not from the rows loaded so far.
    pub counts: Option<Counts>,
    /// The columns shown, and the set a saved view without its own shows.
    pub columns: Columns,
    /// The names of the accounts some row has as its parent (the PARENT column),
    /// from the rows and, once loaded, every account.
    pub parents: HashMap<Id, String>,
}

/// The portfolio's column sets (see [`super::columns`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// The set on screen.
    pub shown: Vec<Column>,
    /// The portfolio's own set (`[portfolio] columns`, or the last one applied
    /// outside a saved view): what a view without its own set shows.
    pub default: Vec<Column>,
}

impl Columns {
    /// Both sets `set`.
    pub fn new(set: Vec<Column>) -> Columns {
        Columns {
            shown: set.clone(),
            default: set,
        }
    }

    /// The set a saved view shows: its own, else the portfolio's. (Its names were
    /// checked when the config was read; one that no longer reads falls back.)
    pub fn of_view(&self, names: Option<&[String]>) -> Vec<Column> {
        names
            .and_then(|n| super::columns::parse_list(n).ok())
            .unwrap_or_else(|| self.default.clone())
    }
}

impl Default for Columns {
    fn default() -> Columns {
        Columns::new(Column::DEFAULT.to_vec())
    }
}

impl Portfolio {
    /// What the rows are loaded with; an answer to anything else is dropped.
    pub fn asked(&self) -> Asked<PortfolioSort> {
        Asked {
            expr: self.expr.clone(),
            sort: self.sort,
            descending: self.descending,
            churned: self.churned,
        }
    }

    /// Whether churned accounts are left out of what is listed.
    pub fn churned_out(&self) -> bool {
        !self.churned && tend_engines::filter::churned_out_by_default(self.expr.as_deref())
    }

    /// Notes the names of the accounts that `rows` (and the `directory` of every
    /// account, when loaded) name as a parent, for the PARENT column: one pass
    /// over the rows when they arrive, not one per row drawn.
    pub fn index_parents(&mut self, directory: Option<&[AccountRow]>) {
        self.parents.clear();
        let Some(rows) = self.rows.value() else {
            return;
        };
        let wanted: std::collections::HashSet<Id> =
            rows.iter().filter_map(|r| r.parent_id).collect();
        if wanted.is_empty() {
            return;
        }
        for r in rows.iter().chain(directory.unwrap_or_default()) {
            if wanted.contains(&r.id) {
                self.parents.entry(r.id).or_insert_with(|| r.name.clone());
            }
        }
    }

    /// Whether the PARENT column is in the set on screen (its names may need
    /// every account loaded).
    pub fn parent_shown(&self) -> bool {
        self.columns.shown.contains(&Column::Parent)
    }

    pub fn selected_row(&self) -> Option<&AccountRow> {
        let rows = self.rows.value()?;
        self.view.get(self.selected).and_then(|i| rows.get(*i))
    }
}

/// What the portfolio asked for before a dashboard line replaced it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioAsk {
    pub expr: Option<String>,
    pub filter: String,
    pub churned: bool,
}
