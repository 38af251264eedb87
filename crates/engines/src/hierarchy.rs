//! Hierarchy roll-ups: what a parent account (a group: "St-Gobain Groupe" over
//! St-Gobain FR and UK, the customer-view seed) adds up from its subsidiaries,
//! all levels down: the group's MRR, the worst health among them, and each
//! one's renewal, the nearest first.
//!
//! Pure: the members' figures in (as the store derives them for the portfolio),
//! the roll-up out.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tend_domain::*;

/// One account of a group, with the figures the roll-up reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    pub id: Id,
    pub name: String,
    pub parent_id: Option<Id>,
    pub stage: Stage,
    /// MRR of its agreements active today.
    pub mrr_cents: Cents,
    /// Its nearest renewal notice date.
    pub renewal: Option<NaiveDate>,
    pub health_score: Option<f64>,
    pub health_status: Option<HealthStatus>,
    /// 1 for a child of the group's head, 2 for a grandchild...
    #[serde(default)]
    pub depth: u32,
}

/// A parent account's group, summed up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GroupRollup {
    /// The parent's own MRR.
    pub own_mrr_cents: Cents,
    /// The subsidiaries' MRR, all levels down.
    pub subsidiaries_mrr_cents: Cents,
    /// Own and subsidiaries' together.
    pub group_mrr_cents: Cents,
    /// The subsidiary with the lowest health score, churned ones left out (a
    /// lost customer is not at risk); None when none has a score.
    pub worst: Option<Member>,
    /// Every subsidiary, the nearest renewal first; those without one last, by
    /// name.
    pub subsidiaries: Vec<Member>,
}

/// The roll-up of the group headed by `head` (whose own MRR is `own_mrr_cents`)
/// over `members`, its subsidiaries at any depth; None when it has none. A member
/// whose parents do not lead up to `head` is left out.
pub fn rollup(head: Id, own_mrr_cents: Cents, members: &[Member]) -> Option<GroupRollup> {
    let parent: HashMap<Id, Option<Id>> = members.iter().map(|m| (m.id, m.parent_id)).collect();
    let depth_of = |id: Id| -> Option<u32> {
        let mut depth = 0;
        let mut cur = Some(id);
        // Bounded: a loop in the links cannot hold the roll-up.
        while let Some(x) = cur {
            if x == head {
                return Some(depth);
            }
            if depth as usize > members.len() {
                return None;
            }
            depth += 1;
            cur = parent.get(&x).copied().flatten();
        }
        None
    };
    let mut subsidiaries: Vec<Member> = members
        .iter()
        .filter(|m| m.id != head)
        .filter_map(|m| {
            let depth = depth_of(m.id)?;
            Some(Member { depth, ..m.clone() })
        })
        .collect();
    if subsidiaries.is_empty() {
        return None;
    }
    subsidiaries.sort_by(|a, b| {
        (a.renewal.is_none(), a.renewal)
            .cmp(&(b.renewal.is_none(), b.renewal))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then(a.id.cmp(&b.id))
    });
    let subsidiaries_mrr_cents = subsidiaries.iter().map(|m| m.mrr_cents).sum();
    let worst = subsidiaries
        .iter()
        .filter(|m| m.stage != Stage::Churned)
        .filter_map(|m| Some((m.health_score?, m)))
        .min_by(|(a, x), (b, y)| {
            a.total_cmp(b)
                .then_with(|| x.name.to_lowercase().cmp(&y.name.to_lowercase()))
        })
        .map(|(_, m)| m.clone());
    Some(GroupRollup {
        own_mrr_cents,
        subsidiaries_mrr_cents,
        group_mrr_cents: own_mrr_cents + subsidiaries_mrr_cents,
        worst,
        subsidiaries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    fn member(
        id: Id,
        name: &str,
        parent: Id,
        mrr: Cents,
        renewal: Option<NaiveDate>,
        score: Option<f64>,
    ) -> Member {
        Member {
            id,
            name: name.into(),
            parent_id: Some(parent),
            stage: Stage::Adoption,
            mrr_cents: mrr,
            renewal,
            health_score: score,
            health_status: score.map(|s| crate::health::Bands::default().status(s)),
            depth: 0,
        }
    }

    #[test]
    fn an_account_without_subsidiaries_has_no_group() {
        assert_eq!(rollup(1, 10_000, &[]), None);
        // Another group's accounts are not this one's.
        assert_eq!(
            rollup(1, 10_000, &[member(5, "Other", 4, 100, None, None)]),
            None
        );
    }

    #[test]
    fn the_group_adds_up_every_level_down() {
        let members = [
            member(2, "Spain", 1, 20_000, Some(day(6, 1)), Some(62.0)),
            member(3, "France", 1, 5_000, None, Some(81.0)),
            // A grandchild: Spain's own subsidiary.
            member(4, "Madrid", 2, 1_000, Some(day(4, 15)), Some(44.5)),
        ];
        let g = rollup(1, 10_000, &members).expect("a group");
        assert_eq!(g.own_mrr_cents, 10_000);
        assert_eq!(g.subsidiaries_mrr_cents, 26_000);
        assert_eq!(g.group_mrr_cents, 36_000);
        let order: Vec<(Id, u32)> = g.subsidiaries.iter().map(|m| (m.id, m.depth)).collect();
        assert_eq!(
            order,
            vec![(4, 2), (2, 1), (3, 1)],
            "nearest renewal first, none last"
        );
        assert_eq!(g.worst.map(|m| m.id), Some(4));
    }

    #[test]
    fn the_worst_leaves_out_churned_and_unscored_subsidiaries() {
        let mut gone = member(2, "Gone", 1, 0, None, Some(12.0));
        gone.stage = Stage::Churned;
        let members = [
            gone,
            member(3, "New", 1, 0, None, None),
            member(4, "Fine", 1, 0, None, Some(75.0)),
        ];
        let g = rollup(1, 0, &members).expect("a group");
        assert_eq!(g.worst.map(|m| m.name), Some("Fine".to_string()));
        assert_eq!(g.subsidiaries.len(), 3, "all are listed");
        let none = rollup(1, 0, &[member(3, "New", 1, 0, None, None)]).expect("a group");
        assert_eq!(none.worst, None, "no score, no worst");
    }

    #[test]
    fn a_tie_for_worst_goes_to_the_first_name() {
        let members = [
            member(2, "b corp", 1, 0, None, Some(40.0)),
            member(3, "A Corp", 1, 0, None, Some(40.0)),
        ];
        assert_eq!(
            rollup(1, 0, &members).and_then(|g| g.worst).map(|m| m.id),
            Some(3)
        );
    }

    #[test]
    fn a_loop_in_the_links_is_left_out() {
        let members = [
            member(2, "Loop A", 3, 0, None, None),
            member(3, "Loop B", 2, 0, None, None),
            member(4, "Real", 1, 500, None, None),
        ];
        let g = rollup(1, 0, &members).expect("a group");
        assert_eq!(
            g.subsidiaries.iter().map(|m| m.id).collect::<Vec<_>>(),
            vec![4]
        );
        assert_eq!(g.group_mrr_cents, 500);
    }
}
