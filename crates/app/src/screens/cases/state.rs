//! What the cases page keeps: the cases loaded with their filter, sort and
//! grouping, the lines drawn (group headings and cases) and the selection.

use std::cell::Cell;

use tend_backend::{CaseRow, CaseSort, Group, GroupBy};
use tend_domain::*;

use crate::state::{CaseLine, CaseList, Command, Loadable};
use crate::where_bar::WhereBar;

/// Every support case across accounts.
#[derive(Debug, Clone, Default)]
pub struct CasesView {
    pub list: Loadable<CaseList>,
    pub expr: Option<String>,
    pub bar: Option<WhereBar>,
    pub sort: CaseSort,
    pub descending: bool,
    pub group_by: Option<GroupBy>,
    /// The groups of the loaded cases (empty when not grouped).
    pub groups: Vec<Group>,
    /// What is drawn, in order.
    pub lines: Vec<CaseLine>,
    /// Position in `lines` (always a case when there is one).
    pub selected: usize,
    pub offset: Cell<usize>,
    /// How many cases the store holds (the views bar shows it before the page is
    /// visited).
    pub count: Option<u64>,
}

impl CasesView {
    /// Rebuilds the groups and lines after a load or a change of grouping, keeping
    /// the selected case when it is still there.
    pub(crate) fn relayout(&mut self) {
        let keep = self.selected_case().map(|r| r.case.id);
        self.relayout_keeping(keep);
    }

    pub(crate) fn relayout_keeping(&mut self, keep: Option<Id>) {
        self.groups.clear();
        self.lines.clear();
        let Some(list) = self.list.value() else {
            return;
        };
        match self.group_by {
            None => self.lines = (0..list.rows.len()).map(CaseLine::Case).collect(),
            Some(by) => {
                self.groups = tend_backend::group(&list.rows, by);
                for (g, group) in self.groups.iter().enumerate() {
                    self.lines.push(CaseLine::Group(g));
                    self.lines
                        .extend(group.rows.iter().map(|i| CaseLine::Case(*i)));
                }
            }
        }
        let rows = &list.rows;
        self.selected = keep
            .and_then(|id| {
                self.lines
                    .iter()
                    .position(|l| matches!(l, CaseLine::Case(i) if rows[*i].case.id == id))
            })
            .or_else(|| {
                self.lines
                    .iter()
                    .position(|l| matches!(l, CaseLine::Case(_)))
            })
            .unwrap_or(0);
    }

    pub fn selected_case(&self) -> Option<&CaseRow> {
        let list = self.list.value()?;
        match self.lines.get(self.selected)? {
            CaseLine::Case(i) => list.rows.get(*i),
            CaseLine::Group(_) => None,
        }
    }

    /// Moves the selection by `by` cases (group headings are passed over).
    pub(crate) fn step(&mut self, by: isize) {
        let cases: Vec<usize> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l, CaseLine::Case(_)))
            .map(|(k, _)| k)
            .collect();
        if cases.is_empty() {
            return;
        }
        let at = cases.iter().position(|k| *k >= self.selected).unwrap_or(0) as isize;
        let to = (at + by).clamp(0, cases.len() as isize - 1) as usize;
        self.selected = cases[to];
    }

    pub(crate) fn command(&self) -> Command {
        Command::LoadCases {
            expr: self.expr.clone(),
            sort: self.sort,
            descending: self.descending,
        }
    }
}
