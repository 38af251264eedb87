//! The saved views, their counts, and which one is on screen.

use crate::saved::SavedView;
use crate::state::Loadable;

/// Saved views and their counts.
#[derive(Debug, Clone, Default)]
pub struct Views {
    pub saved: Vec<SavedView>,
    /// How many each view lists, and when that was counted.
    pub counts: Vec<Loadable<u64>>,
    /// The saved view on screen.
    pub active: Option<usize>,
    /// The config file views are written to.
    pub file: Option<std::path::PathBuf>,
}
