//! What the portfolio keeps: its rows, sort, fuzzy filter, filter-language
//! expression and counts from the store, and the selection.

use tend_backend::{AccountRow, PortfolioSort};

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
