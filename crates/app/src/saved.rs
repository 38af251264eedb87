//! Saved views: named filters with their sort (and, for cases, grouping; for the
//! portfolio, a column set), shown as tabs in the app and kept in the config
//! file's `[[views]]`; and the portfolio's own column set, `[portfolio] columns`.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Which list a saved view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewList {
    #[default]
    Accounts,
    Cases,
}

/// A named filter with its sort (and, for cases, grouping): `[[views]]` in the config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedView {
    pub name: String,
    /// accounts (the portfolio) or cases.
    #[serde(default)]
    pub list: ViewList,
    /// A filter-language expression ("" for everything).
    #[serde(default)]
    pub filter: String,
    /// A sort key of the list (portfolio: health, mrr, renewal, name, owner, stage,
    /// trend; cases: priority, opened, account_health, status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
    /// Cases only: signal, team, region, priority, health.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// Accounts only: the portfolio's columns after the health score, in order
    /// (mrr, renewal, owner...; none: the portfolio's own set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
}

impl SavedView {
    /// Checks the view: a name, a filter that parses for its list, known sort,
    /// grouping and columns. The message names the field.
    pub fn check(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("name: empty".into());
        }
        let parsed = match self.list {
            ViewList::Accounts => tend_engines::filter::Filter::parse_accounts(&self.filter),
            ViewList::Cases => tend_engines::filter::Filter::parse(&self.filter),
        };
        parsed.map_err(|e| format!("filter: {e}"))?;
        if let Some(sort) = &self.sort {
            match self.list {
                ViewList::Accounts => sort
                    .parse::<tend_backend::PortfolioSort>()
                    .map(drop)
                    .map_err(|e| format!("sort: {e}"))?,
                ViewList::Cases => sort
                    .parse::<tend_backend::CaseSort>()
                    .map(drop)
                    .map_err(|e| format!("sort: {e}"))?,
            }
        }
        match (&self.columns, self.list) {
            (None, _) => {}
            (Some(_), ViewList::Cases) => {
                return Err("columns: only a view of accounts has a column set".into());
            }
            (Some(names), ViewList::Accounts) => {
                crate::screens::portfolio::columns::parse_list(names)
                    .map_err(|e| format!("columns: {e}"))?;
            }
        }
        match (&self.group_by, self.list) {
            (None, _) => Ok(()),
            (Some(_), ViewList::Accounts) => {
                Err("group_by: only a view of cases is grouped".into())
            }
            (Some(g), ViewList::Cases) => g
                .parse::<tend_backend::GroupBy>()
                .map(drop)
                .map_err(|e| format!("group_by: {e}")),
        }
    }
}

/// Writes the saved views into the config file, keeping everything else in it as it
/// was (comments included); creates the file when there is none. Written to a
/// temporary file and renamed, so a failure leaves the old file whole.
pub fn write_views(path: &Path, views: &[SavedView]) -> Result<(), String> {
    let mut doc = read_document(path)?;
    doc.remove("views");
    if !views.is_empty() {
        let mut tables = toml_edit::ArrayOfTables::new();
        for v in views {
            let value = toml_edit::ser::to_document(v).map_err(|e| e.to_string())?;
            tables.push(value.as_table().clone());
        }
        doc.insert("views", toml_edit::Item::ArrayOfTables(tables));
    }
    write_document(path, &doc)
}

/// Writes the portfolio's own column set, `[portfolio] columns`, into the config
/// file, keeping everything else in it as it was (as [`write_views`] does).
pub fn write_portfolio_columns(path: &Path, columns: &[String]) -> Result<(), String> {
    let mut doc = read_document(path)?;
    let portfolio = doc
        .entry("portfolio")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| format!("{}: portfolio is not a table", path.display()))?;
    let mut list = toml_edit::Value::Array(columns.iter().map(String::as_str).collect());
    match portfolio.get_mut("columns") {
        // Replaced in place: the comments around the old list stay.
        Some(item) => {
            if let Some(old) = item.as_value() {
                *list.decor_mut() = old.decor().clone();
            }
            *item = toml_edit::Item::Value(list);
        }
        None => {
            portfolio.insert("columns", toml_edit::Item::Value(list));
        }
    }
    write_document(path, &doc)
}

/// The config file as a document (an empty one when there is no file yet).
fn read_document(path: &Path) -> Result<toml_edit::DocumentMut, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    text.parse().map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the config file whole: to a temporary file renamed over it, so a
/// failure leaves the old file whole. Creates its directory when there is none.
fn write_document(path: &Path, doc: &toml_edit::DocumentMut) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, doc.to_string()).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}
