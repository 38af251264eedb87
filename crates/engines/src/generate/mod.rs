//! The dataset generator: the demo fixtures and the benchmark stores come from it.
//!
//! Deterministic: the same configuration (accounts, seed, anchor) gives the same
//! dataset. Accounts are produced in chunks so a 100k-account store never has to
//! sit in memory at once. The first accounts tell the demo's stories: one quietly
//! dying, one expanding, one in escalation, and a group with subsidiaries.

mod account;
mod finance;
mod rng;
mod stories;
mod success;
mod text;

use chrono::{DateTime, Days, NaiveDate, TimeDelta};

use crate::dataset::Dataset;
use rng::Rng;
use tend_domain::*;

/// How much history each account gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Density {
    /// A year of interactions and of daily usage per user: the demo.
    Rich,
    /// About 10 interactions, 100 usage rows and 5 cases per account: benchmark stores
    /// (100k accounts give about 1M interactions and 10M usage rows).
    Bench,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenConfig {
    pub accounts: usize,
    pub seed: u64,
    /// "Today" for the generated data.
    pub anchor: Timestamp,
    pub density: Density,
    /// Accounts per chunk handed to the sink.
    pub chunk: usize,
}

impl GenConfig {
    /// Rich history up to 2,000 accounts, bench density above.
    pub fn new(accounts: usize, seed: u64, anchor: Timestamp) -> Self {
        GenConfig {
            accounts,
            seed,
            anchor,
            density: if accounts <= 2_000 {
                Density::Rich
            } else {
                Density::Bench
            },
            chunk: 1_000,
        }
    }
}

/// Running id counters, so chunks never reuse an id.
#[derive(Default)]
pub(crate) struct Ids {
    account: Id,
    contact: Id,
    interaction: Id,
    case: Id,
    agreement: Id,
    opportunity: Id,
    project: Id,
    task: Id,
    run: Id,
    nps: Id,
    document: Id,
    plan: Id,
    objective: Id,
    kpi: Id,
    challenge: Id,
    invoice: Id,
    payment: Id,
}

macro_rules! next_id {
    ($($name:ident),*) => {
        impl Ids {
            $(pub(crate) fn $name(&mut self) -> Id {
                self.$name += 1;
                self.$name
            })*
        }
    };
}
next_id!(
    account,
    contact,
    interaction,
    case,
    agreement,
    opportunity,
    project,
    task,
    run,
    nps,
    document,
    plan,
    objective,
    kpi,
    challenge,
    invoice,
    payment
);

/// Shared state of one generation run.
pub(crate) struct Gen {
    pub(crate) cfg: GenConfig,
    pub(crate) ids: Ids,
    pub(crate) rng: Rng,
    pub(crate) today: NaiveDate,
    pub(crate) owners: Vec<String>,
    pub(crate) used_names: std::collections::HashSet<String>,
    /// The playbooks every dataset carries, built once.
    pub(crate) playbooks: std::rc::Rc<[Playbook]>,
}

impl Gen {
    /// An instant `days` days before the anchor's day, at a working hour; never
    /// later than the anchor (the demo's anchor is a midnight, made today's: a
    /// working hour of the anchor's day would lie in the future until that hour).
    /// One that would be is moved back by whole days, keeping its hour.
    pub(crate) fn at(&self, days_ago: i64, rng: &mut Rng) -> Timestamp {
        let base = self
            .cfg
            .anchor
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc();
        let t = base - TimeDelta::days(days_ago) + TimeDelta::minutes(rng.range(8 * 60, 18 * 60));
        self.not_after_anchor(t)
    }

    /// `t`, or when it is later than the anchor, `t` moved back by as few whole
    /// days as put it at or before the anchor.
    pub(crate) fn not_after_anchor(&self, t: Timestamp) -> Timestamp {
        let late = (t - self.cfg.anchor).num_seconds();
        if late <= 0 {
            return t;
        }
        // `late` > 0: whole days, rounded up.
        t - TimeDelta::days((late + 86_399) / 86_400)
    }
    pub(crate) fn day(&self, days_ago: i64) -> NaiveDate {
        if days_ago >= 0 {
            self.today.checked_sub_days(Days::new(days_ago as u64))
        } else {
            self.today
                .checked_add_days(Days::new(days_ago.unsigned_abs()))
        }
        .unwrap_or(self.today)
    }
}

/// What a generation produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenStats {
    pub accounts: usize,
    pub rows: usize,
}

/// Generates the dataset chunk by chunk into `sink`.
pub fn generate<E>(
    cfg: &GenConfig,
    mut sink: impl FnMut(Dataset) -> Result<(), E>,
) -> Result<GenStats, E> {
    let owners = owners_for(cfg.accounts);
    let mut g = Gen {
        cfg: cfg.clone(),
        ids: Ids::default(),
        rng: Rng::new(cfg.seed),
        today: cfg.anchor.date_naive(),
        owners,
        used_names: Default::default(),
        playbooks: account::playbooks(cfg.anchor).into(),
    };
    let mut stats = GenStats::default();
    let mut chunk = Dataset::new(cfg.anchor);
    chunk.playbooks = g.playbooks.to_vec();
    let mut made = 0;
    if cfg.accounts >= stories::STORY_ACCOUNTS {
        stories::add(&mut g, &mut chunk);
        made = stories::STORY_ACCOUNTS;
    }
    while made < cfg.accounts {
        // A group with subsidiaries now and then, kept in one chunk.
        let group = if g.rng.chance(0.04) && cfg.accounts - made >= 4 {
            g.rng.range(2, 3) as usize
        } else {
            0
        };
        let parent = account::add_account(&mut g, &mut chunk, None);
        made += 1;
        for _ in 0..group {
            account::add_account(&mut g, &mut chunk, Some(&parent));
            made += 1;
        }
        if chunk.accounts.len() >= cfg.chunk {
            success::add(&mut g, &mut chunk);
            finance::add(&mut g, &mut chunk);
            stats.rows += chunk.total_rows();
            stats.accounts += chunk.accounts.len();
            sink(std::mem::replace(&mut chunk, Dataset::new(cfg.anchor)))?;
        }
    }
    if chunk.total_rows() > 0 {
        success::add(&mut g, &mut chunk);
        finance::add(&mut g, &mut chunk);
        stats.rows += chunk.total_rows();
        stats.accounts += chunk.accounts.len();
        sink(chunk)?;
    }
    Ok(stats)
}

/// The whole dataset in memory (for the demo size).
pub fn generate_dataset(cfg: &GenConfig) -> Dataset {
    let mut all = Dataset::new(cfg.anchor);
    let _ = generate::<std::convert::Infallible>(cfg, |chunk| {
        all.append(chunk);
        Ok(())
    });
    all
}

/// CSM user names: the six demo CSMs, plus more for big books (about 150 accounts each).
fn owners_for(accounts: usize) -> Vec<String> {
    let mut owners: Vec<String> = text::CSMS.iter().map(|s| s.to_string()).collect();
    let wanted = accounts / 150;
    let mut i = 0;
    while owners.len() < wanted {
        let first = text::FIRST_NAMES[i % text::FIRST_NAMES.len()].to_lowercase();
        let last =
            text::LAST_NAMES[(i / text::FIRST_NAMES.len()) % text::LAST_NAMES.len()].to_lowercase();
        let name = format!("{first}.{last}");
        if !owners.contains(&name) {
            owners.push(name);
        }
        i += 1;
        if i > 100_000 {
            break;
        }
    }
    owners
}

/// The anchor the checked-in demo fixtures were generated at (they are rebased to
/// today when the demo opens).
pub fn demo_anchor() -> Timestamp {
    DateTime::parse_from_rfc3339("2026-11-23T00:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

/// The configuration of the checked-in demo fixtures.
pub fn demo_config() -> GenConfig {
    GenConfig::new(200, 7, demo_anchor())
}
