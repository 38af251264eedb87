//! The blocks of the account Overview the config's `[overview] blocks` names
//! (here, apart from the drawing, so that the app's state can hold them).

/// A block of the Overview, as `[overview] blocks` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OverviewBlock {
    /// The score, its components and the chart.
    Health,
    Kpis,
    Focus,
    Churn,
    Stakeholders,
    CustomFields,
    /// The group the account heads: its MRR, worst subsidiary, renewals.
    Group,
    /// The key events of the chart's window (marked on the chart).
    Timeline,
}

tend_domain::named_enum!(OverviewBlock {
    Health => "health",
    Kpis => "kpis",
    Focus => "focus",
    Churn => "churn",
    Stakeholders => "stakeholders",
    CustomFields => "custom_fields",
    Group => "group",
    Timeline => "timeline",
});

impl OverviewBlock {
    /// Whether the block takes a row of the whole width, under the columns of the
    /// others (its lines are long).
    pub fn is_wide(self) -> bool {
        matches!(self, OverviewBlock::Group | OverviewBlock::Timeline)
    }

    /// Every block, in the default order.
    pub const DEFAULT: &'static [OverviewBlock] = OverviewBlock::ALL;

    /// The blocks a list of names asks for, in its order (empty: every block);
    /// an unknown or repeated name is refused, saying which and what is allowed.
    pub fn parse_list(names: &[String]) -> Result<Vec<OverviewBlock>, String> {
        if names.is_empty() {
            return Ok(OverviewBlock::DEFAULT.to_vec());
        }
        let allowed = || {
            OverviewBlock::ALL
                .iter()
                .map(|b| b.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = vec![];
        for n in names {
            let b: OverviewBlock = n
                .trim()
                .parse()
                .map_err(|_| format!("unknown block \"{n}\" (allowed: {})", allowed()))?;
            if out.contains(&b) {
                return Err(format!("the block \"{n}\" is named twice"));
            }
            out.push(b);
        }
        Ok(out)
    }
}
