//! The portfolio's columns: every column a row can show, the column sets a user
//! chooses from them (`[portfolio] columns` in the config, a saved view's
//! `columns`, the chooser), and which of a set a pane of some width holds.
//!
//! The health indicator (the coloured score) is the first column of every set and
//! the account name always shows: neither is in a set. The trend arrow, when
//! chosen, sits beside the score it qualifies, wherever a set lists it; the other
//! columns follow the name in the set's order.

use std::fmt;
use std::str::FromStr;

/// A column of the portfolio a user can show or hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The score's change against last week, as an arrow beside the score.
    Trend,
    Mrr,
    /// Annual recurring revenue: twelve times the MRR.
    Arr,
    /// The nearest renewal notice date, in days from today.
    Renewal,
    Owner,
    Stage,
    Segment,
    Region,
    /// The churn forecast (blank when none is set).
    Churn,
    Tags,
    /// The account's web domain.
    Domain,
    /// The parent account's name (accounts of a group).
    Parent,
}

impl Column {
    /// Every column, in the order the chooser lists those not chosen.
    pub const ALL: [Column; 12] = [
        Column::Trend,
        Column::Mrr,
        Column::Arr,
        Column::Renewal,
        Column::Owner,
        Column::Stage,
        Column::Segment,
        Column::Region,
        Column::Churn,
        Column::Tags,
        Column::Domain,
        Column::Parent,
    ];

    /// The set shown when the config names none: the portfolio as it always was.
    pub const DEFAULT: [Column; 9] = [
        Column::Trend,
        Column::Mrr,
        Column::Renewal,
        Column::Owner,
        Column::Stage,
        Column::Segment,
        Column::Region,
        Column::Churn,
        Column::Tags,
    ];

    /// The name config files and saved views use.
    pub fn name(self) -> &'static str {
        match self {
            Column::Trend => "trend",
            Column::Mrr => "mrr",
            Column::Arr => "arr",
            Column::Renewal => "renewal",
            Column::Owner => "owner",
            Column::Stage => "stage",
            Column::Segment => "segment",
            Column::Region => "region",
            Column::Churn => "churn",
            Column::Tags => "tags",
            Column::Domain => "domain",
            Column::Parent => "parent",
        }
    }

    /// The table's header (the trend arrow has none, as the score's mark has none).
    pub fn title(self) -> &'static str {
        match self {
            Column::Trend => "",
            Column::Mrr => "MRR",
            Column::Arr => "ARR",
            Column::Renewal => "RENEWAL",
            Column::Owner => "OWNER",
            Column::Stage => "STAGE",
            Column::Segment => "SEGMENT",
            Column::Region => "REGION",
            Column::Churn => "CHURN",
            Column::Tags => "TAGS",
            Column::Domain => "DOMAIN",
            Column::Parent => "PARENT",
        }
    }

    /// How many cells the column takes.
    pub fn width(self) -> u16 {
        match self {
            Column::Trend => 1,
            Column::Mrr => 10,
            Column::Arr => 12,
            Column::Renewal => 9,
            Column::Owner => 12,
            Column::Stage => 10,
            Column::Segment => 10,
            Column::Region => 6,
            Column::Churn => 9,
            Column::Tags => 30,
            Column::Domain => 24,
            Column::Parent => 20,
        }
    }

    /// What the column shows, for the chooser.
    pub fn about(self) -> &'static str {
        match self {
            Column::Trend => "score change vs last week, beside the score",
            Column::Mrr => "monthly recurring revenue",
            Column::Arr => "annual recurring revenue, 12 times the MRR",
            Column::Renewal => "days to the nearest renewal notice",
            Column::Owner => "the account's owner",
            Column::Stage => "lifecycle stage",
            Column::Segment => "segment",
            Column::Region => "region",
            Column::Churn => "churn forecast",
            Column::Tags => "tags",
            Column::Domain => "web domain",
            Column::Parent => "parent account",
        }
    }

    /// The names of every column, for messages that list what is allowed.
    pub fn allowed() -> String {
        Column::ALL.map(Column::name).join(", ")
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Column {
    type Err = String;
    fn from_str(s: &str) -> Result<Column, String> {
        let s = s.trim();
        Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let health = if ["health", "score", "account", "name"]
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(s))
                {
                    " (the health score and the account name always show)"
                } else {
                    ""
                };
                format!(
                    "unknown column \"{s}\"{health} (allowed: {})",
                    Column::allowed()
                )
            })
    }
}

/// Reads a column set from its names: each known, none twice. An empty list is a
/// set too (the score and the name only).
pub fn parse_list(names: &[String]) -> Result<Vec<Column>, String> {
    let mut out = vec![];
    for n in names {
        let c: Column = n.parse()?;
        if out.contains(&c) {
            return Err(format!("the column \"{}\" is named twice", n.trim()));
        }
        out.push(c);
    }
    Ok(out)
}

/// The names of a set, as the config file writes them (the trend first, where
/// it shows).
pub fn names(set: &[Column]) -> Vec<String> {
    let trend = set.iter().filter(|c| **c == Column::Trend);
    let rest = set.iter().filter(|c| **c != Column::Trend);
    trend.chain(rest).map(|c| c.name().to_string()).collect()
}

/// The account name keeps at least this many cells before another column shows.
pub const NAME_ROOM: u16 = 22;
/// The account name's column at most: past it the room is left at the right, not
/// put between a name and its figures.
pub const NAME_MAX: u16 = 40;
/// The health column's width ("■  38", or "  off").
pub const HEALTH_WIDTH: u16 = 6;

/// What a table `width` cells wide shows of a set: the trend arrow or not, the
/// columns after the name that fit, and the name's width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fitted {
    pub trend: bool,
    /// The columns after the name, in the set's order, as many as fit.
    pub after: Vec<Column>,
    pub name_width: u16,
}

/// Fits a set into a table `width` cells wide: the columns after the name are
/// taken in turn while the name keeps `NAME_ROOM` (the default set at 78 cells
/// holds MRR, renewal, owner and stage; at 98 segment and region too); the name
/// then takes what is left, 12 to `NAME_MAX`. A column is one cell apart from
/// the next.
pub fn fit(set: &[Column], width: u16) -> Fitted {
    let trend = set.contains(&Column::Trend);
    // The score, and the arrow beside it, then the name's room.
    let lead = HEALTH_WIDTH + 1 + if trend { 2 } else { 0 };
    let mut used = lead + NAME_ROOM;
    let mut after = vec![];
    for c in set.iter().copied().filter(|c| *c != Column::Trend) {
        used += c.width() + 1;
        if used > width {
            break;
        }
        after.push(c);
    }
    let others: u16 = lead + after.iter().map(|c| c.width() + 1).sum::<u16>();
    Fitted {
        trend,
        after,
        name_width: width.saturating_sub(others).clamp(12, NAME_MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(set: &[Column], width: u16) -> Vec<&'static str> {
        fit(set, width).after.iter().map(|c| c.title()).collect()
    }

    #[test]
    fn the_default_set_fits_as_the_portfolio_always_did() {
        let d = Column::DEFAULT;
        assert_eq!(titles(&d, 58), ["MRR", "RENEWAL"]);
        assert_eq!(titles(&d, 78), ["MRR", "RENEWAL", "OWNER", "STAGE"]);
        assert_eq!(
            titles(&d, 98),
            ["MRR", "RENEWAL", "OWNER", "STAGE", "SEGMENT", "REGION"]
        );
        assert_eq!(titles(&d, 198).len(), d.len() - 1);
        assert!(fit(&d, 198).trend);
        // The name takes what is left, up to a point.
        assert_eq!(fit(&d, 58).name_width, 28);
        assert_eq!(fit(&d, 78).name_width, 24);
        assert_eq!(fit(&d, 198).name_width, NAME_MAX);
    }

    #[test]
    fn columns_are_dropped_from_the_end_and_the_order_is_the_sets() {
        use Column::*;
        let set = [Churn, Owner, Trend, Tags, Mrr];
        // Without room for the tags, the MRR after them is dropped too: a set is
        // cut at its first column that does not fit, never reordered.
        assert_eq!(titles(&set, 78), ["CHURN", "OWNER"]);
        assert_eq!(titles(&set, 120), ["CHURN", "OWNER", "TAGS", "MRR"]);
        assert!(fit(&set, 78).trend);
        // Too narrow for anything but the name: the score and the name stay.
        let narrow = fit(&set, 30);
        assert!(narrow.after.is_empty());
        assert_eq!(narrow.name_width, 21);
        // No trend: its two cells go to the name.
        assert_eq!(
            fit(&[Owner], 60).name_width,
            fit(&[Trend, Owner], 60).name_width + 2
        );
        // An empty set: the score and the name.
        let bare = fit(&[], 80);
        assert!(!bare.trend && bare.after.is_empty());
        assert_eq!(bare.name_width, NAME_MAX);
    }

    #[test]
    fn sets_are_read_by_name_and_bad_names_say_what_is_allowed() {
        let list =
            |names: &[&str]| parse_list(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            list(&["MRR", " renewal", "trend"]).unwrap(),
            [Column::Mrr, Column::Renewal, Column::Trend]
        );
        assert_eq!(list(&[]).unwrap(), []);
        let e = list(&["mrr", "arr", "nps"]).unwrap_err();
        assert!(e.contains("unknown column \"nps\""), "{e}");
        assert!(
            e.contains(&format!("allowed: {}", Column::allowed())),
            "{e}"
        );
        let e = list(&["health"]).unwrap_err();
        assert!(e.contains("always show"), "{e}");
        let e = list(&["owner", "Owner"]).unwrap_err();
        assert!(e.contains("\"Owner\" is named twice"), "{e}");
        // Every name reads back as its column; the trend is written first.
        for c in Column::ALL {
            assert_eq!(c.name().parse::<Column>(), Ok(c));
        }
        assert_eq!(names(&[Column::Owner, Column::Trend]), ["trend", "owner"]);
        assert_eq!(
            parse_list(&names(&Column::DEFAULT)).unwrap(),
            Column::DEFAULT
        );
    }
}
