//! What the Usage tab keeps: its layout (usage, activity, modules & features),
//! the buckets of the activity charts and the usage per user and per feature the
//! store answered.

use tend_backend::{Bucket, UsageBreakdownQuery, UsageBucket, UsageQuery, UsageShare};
// The ranges the tab asks, shared with `tend usage`.
pub use tend_backend::{activity_query, breakdown_query};

use crate::state::Loadable;

/// How the Usage tab lays usage out (`v` cycles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UsageLayout {
    /// The indicators, connections, active users and the features' trend.
    #[default]
    Usage,
    /// Unique users and minutes engaged per day, week or month.
    Activity,
    /// Usage per feature or module, of the account and of each user.
    Features,
    /// The charts the organisation defines (`[[metrics]]`).
    Metrics,
}

impl UsageLayout {
    pub fn next(self) -> UsageLayout {
        match self {
            UsageLayout::Usage => UsageLayout::Activity,
            UsageLayout::Activity => UsageLayout::Features,
            UsageLayout::Features => UsageLayout::Metrics,
            UsageLayout::Metrics => UsageLayout::Usage,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            UsageLayout::Usage => "usage",
            UsageLayout::Activity => "activity",
            UsageLayout::Features => "modules & features",
            UsageLayout::Metrics => "metrics",
        }
    }
}

/// How far back the Modules & Features view looks (`p` cycles).
pub const FEATURE_RANGES: [u64; 3] = [30, 90, 365];

/// The Usage tab's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageView {
    pub layout: UsageLayout,
    /// The activity charts' bucket (`p` cycles day, week, month).
    pub bucket: Bucket,
    /// The activity charts' buckets, and what they were asked with.
    pub activity: Loadable<Vec<UsageBucket>>,
    pub activity_asked: Option<UsageQuery>,
    /// Modules rather than features (`b`).
    pub by_module: bool,
    /// Which of [`FEATURE_RANGES`] Modules & Features shows.
    pub range: usize,
    /// Usage per user and per feature over the range, and what they were asked with.
    pub users: Loadable<Vec<UsageShare>>,
    pub users_asked: Option<UsageBreakdownQuery>,
    pub features: Loadable<Vec<UsageShare>>,
    pub features_asked: Option<UsageBreakdownQuery>,
}

impl UsageView {
    pub fn days(&self) -> u64 {
        FEATURE_RANGES[self.range % FEATURE_RANGES.len()]
    }

    /// `p` on Activity: day, week, month; on Modules & Features: the range.
    pub fn cycle_period(&mut self) {
        match self.layout {
            UsageLayout::Activity => {
                self.bucket = match self.bucket {
                    Bucket::Day => Bucket::Week,
                    Bucket::Week => Bucket::Month,
                    Bucket::Month => Bucket::Day,
                }
            }
            _ => self.range = (self.range + 1) % FEATURE_RANGES.len(),
        }
    }
}
