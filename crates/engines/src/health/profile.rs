//! Health profiles: components of weighted measures, each mapping a raw value to
//! 0-100 points, and the status bands. Written in TOML; the bundled ones are in
//! `assets/health-profiles.toml`, a config file can add or replace profiles.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::measures::Measure;
use tend_domain::*;

/// The bundled profiles.
pub const BUNDLED: &str = include_str!("../../../../assets/health-profiles.toml");
pub const BUNDLED_NAME: &str = "assets/health-profiles.toml";

/// How a raw value becomes 0-100 points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mapping {
    /// Contiguous ranges, lower bound inclusive; values beyond the ends take the
    /// nearest range.
    Thresholds(Vec<Threshold>),
    /// Points at given raw values, straight lines between them, flat beyond the ends.
    Linear(Vec<(f64, f64)>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Threshold {
    pub from: Option<f64>,
    pub to: Option<f64>,
    pub points: f64,
}

/// Straight lines between the points `(x, points)`, flat beyond the ends (0
/// without points).
pub(crate) fn linear(points: &[(f64, f64)], x: f64) -> f64 {
    let Some((&first, rest)) = points.split_first() else {
        return 0.0;
    };
    if x <= first.0 {
        return first.1;
    }
    let mut prev = first;
    for &k in rest {
        if x <= k.0 {
            return prev.1 + (k.1 - prev.1) * (x - prev.0) / (k.0 - prev.0);
        }
        prev = k;
    }
    prev.1
}

impl Mapping {
    /// The points for a raw value.
    pub fn points(&self, raw: f64) -> f64 {
        match self {
            Mapping::Thresholds(ranges) => ranges
                .iter()
                .find(|t| t.to.is_none_or(|to| raw < to))
                .or(ranges.last())
                .map_or(0.0, |t| t.points),
            Mapping::Linear(pts) => linear(pts, raw),
        }
    }

    /// The whole mapping in words.
    pub fn summary(&self) -> String {
        match self {
            Mapping::Thresholds(ranges) => ranges
                .iter()
                .map(|t| {
                    let range = match (t.from, t.to) {
                        (Some(a), Some(b)) => format!("{}-{}", num(a), num(b)),
                        (None, Some(b)) => format!("<{}", num(b)),
                        (Some(a), None) => format!("≥{}", num(a)),
                        (None, None) => "any".into(),
                    };
                    format!("{range}: {}", num(t.points))
                })
                .collect::<Vec<_>>()
                .join(", "),
            Mapping::Linear(_) => self.rule_for(f64::NAN),
        }
    }

    /// The rule that applied to a raw value, in words ("14 <= x < 30 → 30 pts").
    pub fn rule_for(&self, raw: f64) -> String {
        match self {
            Mapping::Thresholds(ranges) => {
                let t = ranges
                    .iter()
                    .find(|t| t.to.is_none_or(|to| raw < to))
                    .or(ranges.last());
                match t {
                    Some(t) => {
                        let range = match (t.from, t.to) {
                            (Some(a), Some(b)) => format!("{} ≤ x < {}", num(a), num(b)),
                            (None, Some(b)) => format!("x < {}", num(b)),
                            (Some(a), None) => format!("x ≥ {}", num(a)),
                            (None, None) => "any value".into(),
                        };
                        format!("{range} → {} pts", num(t.points))
                    }
                    None => String::new(),
                }
            }
            Mapping::Linear(pts) => {
                let parts: Vec<String> = pts
                    .iter()
                    .map(|(x, y)| format!("{}→{}", num(*x), num(*y)))
                    .collect();
                format!("linear {}", parts.join(", "))
            }
        }
    }
}

/// A number without trailing zeros.
pub fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// One measure in a component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureSpec {
    pub measure: Measure,
    pub weight: f64,
    pub exclude: bool,
    pub mapping: Mapping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub weight: f64,
    pub exclude: bool,
    pub measures: Vec<MeasureSpec>,
}

/// The lower bounds of the bands (inclusive); at risk is below `concerning`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Bands {
    pub healthy: f64,
    pub concerning: f64,
}

impl Default for Bands {
    fn default() -> Self {
        Bands {
            healthy: 70.0,
            concerning: 40.0,
        }
    }
}

impl Bands {
    pub fn status(&self, score: f64) -> HealthStatus {
        if score >= self.healthy {
            HealthStatus::Healthy
        } else if score >= self.concerning {
            HealthStatus::Concerning
        } else {
            HealthStatus::AtRisk
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Profile {
    pub name: String,
    pub description: String,
    /// Accounts of these segments use this profile (unless one is set on the account).
    pub segments: Vec<String>,
    /// Accounts at these stages use this profile.
    pub stages: Vec<Stage>,
    pub bands: Bands,
    pub components: Vec<Component>,
}

/// The profiles in force, in order: selection takes the first that matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Profiles {
    pub profiles: Vec<Profile>,
}

/// The profile used when nothing else matches.
pub const DEFAULT_PROFILE: &str = "default";

impl Profiles {
    /// The bundled profiles.
    pub fn bundled() -> Profiles {
        // The bundled file is checked by a test; failing here is a build defect.
        Profiles::parse(BUNDLED, BUNDLED_NAME).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The bundled profiles with those of `text` added (same name: replaced).
    pub fn bundled_with(text: &str, file: &str) -> Result<Profiles, ProfileError> {
        let extra = Profiles::parse_partial(text, file)?;
        let mut all = Profiles::bundled();
        for p in extra.profiles {
            match all.profiles.iter_mut().find(|q| q.name == p.name) {
                Some(slot) => *slot = p,
                None => all.profiles.push(p),
            }
        }
        Ok(all)
    }

    /// A complete set of profiles (it must hold `default`).
    pub fn parse(text: &str, file: &str) -> Result<Profiles, ProfileError> {
        let p = Profiles::parse_partial(text, file)?;
        if p.get(DEFAULT_PROFILE).is_none() {
            return Err(ProfileError {
                file: file.into(),
                line: 1,
                column: 1,
                path: String::new(),
                message: format!("no profile named \"{DEFAULT_PROFILE}\" (the fallback)"),
            });
        }
        Ok(p)
    }

    fn parse_partial(text: &str, file: &str) -> Result<Profiles, ProfileError> {
        let raw: FileToml = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ProfileError {
                file: file.into(),
                line,
                column,
                path: String::new(),
                message: e.message().trim().to_string(),
            }
        })?;
        let at = |span: Range<usize>, path: String, message: String| {
            let (line, column) = line_col(text, span.start);
            ProfileError {
                file: file.into(),
                line,
                column,
                path,
                message,
            }
        };
        let mut profiles: Vec<Profile> = vec![];
        for p in raw.profile {
            let name = p.name.get_ref().clone();
            let ppath = format!("profile \"{name}\"");
            if name.trim().is_empty() {
                return Err(at(p.name.span(), ppath, "the name is empty".into()));
            }
            if profiles.iter().any(|q| q.name == name) {
                return Err(at(
                    p.name.span(),
                    ppath,
                    "a second profile with this name".into(),
                ));
            }
            let mut stages = vec![];
            for s in &p.stages {
                stages.push(s.get_ref().parse::<Stage>().map_err(|_| {
                    at(
                        s.span(),
                        ppath.clone(),
                        format!("unknown stage \"{}\"", s.get_ref()),
                    )
                })?);
            }
            let bands = match &p.bands {
                None => Bands::default(),
                Some(b) => check_bands(b.get_ref())
                    .map_err(|m| at(b.span(), format!("{ppath}, bands"), m))?,
            };
            let mut components: Vec<Component> = vec![];
            for c in &p.component {
                let id = c.id.get_ref().clone();
                let cpath = format!("{ppath}, component \"{id}\"");
                if components.iter().any(|k| k.id == id) {
                    return Err(at(
                        c.id.span(),
                        cpath,
                        "a second component with this id".into(),
                    ));
                }
                check_weight(*c.weight.get_ref())
                    .map_err(|m| at(c.weight.span(), cpath.clone(), m))?;
                let mut measures: Vec<MeasureSpec> = vec![];
                for m in &c.measure {
                    let key = m.id.get_ref();
                    let mpath = format!("{cpath}, measure \"{key}\"");
                    let measure = Measure::from_key(key).ok_or_else(|| {
                        let known: Vec<&str> = Measure::ALL.iter().map(|m| m.key()).collect();
                        at(
                            m.id.span(),
                            mpath.clone(),
                            format!("unknown measure (known: {})", known.join(", ")),
                        )
                    })?;
                    if measures.iter().any(|s| s.measure == measure) {
                        return Err(at(
                            m.id.span(),
                            mpath,
                            "listed twice in the component".into(),
                        ));
                    }
                    check_weight(*m.weight.get_ref())
                        .map_err(|e| at(m.weight.span(), mpath.clone(), e))?;
                    let mapping = match (&m.thresholds, &m.linear) {
                        (Some(t), None) => check_thresholds(t.get_ref())
                            .map_err(|e| at(t.span(), mpath.clone(), e))?,
                        (None, Some(l)) => {
                            check_linear(l.get_ref()).map_err(|e| at(l.span(), mpath.clone(), e))?
                        }
                        _ => {
                            return Err(at(
                                m.id.span(),
                                mpath,
                                "give exactly one of `thresholds` or `linear`".into(),
                            ));
                        }
                    };
                    measures.push(MeasureSpec {
                        measure,
                        weight: *m.weight.get_ref(),
                        exclude: m.exclude,
                        mapping,
                    });
                }
                let live = measures.iter().filter(|m| !m.exclude);
                if !c.exclude && live.clone().map(|m| m.weight).sum::<f64>() <= 0.0 {
                    return Err(at(
                        c.id.span(),
                        cpath,
                        "all its measures weigh zero or are excluded (exclude the component instead)"
                            .into(),
                    ));
                }
                components.push(Component {
                    name: c.name.clone().unwrap_or_else(|| id.clone()),
                    id,
                    weight: *c.weight.get_ref(),
                    exclude: c.exclude,
                    measures,
                });
            }
            let total: f64 = components
                .iter()
                .filter(|c| !c.exclude)
                .map(|c| c.weight)
                .sum();
            if total <= 0.0 {
                return Err(at(
                    p.name.span(),
                    ppath,
                    "all components weigh zero or are excluded".into(),
                ));
            }
            profiles.push(Profile {
                name,
                description: p.description,
                segments: p.segments.iter().map(|s| s.get_ref().clone()).collect(),
                stages,
                bands,
                components,
            });
        }
        Ok(Profiles { profiles })
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.name == name)
    }

    /// The profile for an account: the one set on it, else the first whose segments
    /// or stages match, else `default`.
    pub fn for_account(&self, account: &Account) -> &Profile {
        if let Some(p) = account.health_profile.as_deref().and_then(|n| self.get(n)) {
            return p;
        }
        self.profiles
            .iter()
            .find(|p| {
                p.name != DEFAULT_PROFILE
                    && (p.segments.iter().any(|s| s == &account.segment)
                        || p.stages.contains(&account.stage))
            })
            .or_else(|| self.get(DEFAULT_PROFILE))
            .unwrap_or(&self.profiles[0])
    }

    /// A short fingerprint of the profiles: stored scores made with other profiles
    /// are recomputed.
    pub fn fingerprint(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        // FNV-1a: stable across builds and platforms.
        let mut h: u64 = 0xcbf29ce484222325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
    }
}

/// A refused profile file, with its place.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {}{message}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ProfileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub path: String,
    pub message: String,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// `a < b`, false when either is not a number.
fn is_below(a: f64, b: f64) -> bool {
    a.partial_cmp(&b) == Some(std::cmp::Ordering::Less)
}

fn check_weight(w: f64) -> Result<(), String> {
    if !w.is_finite() || w < 0.0 {
        return Err(format!("weight {w} is not a number ≥ 0"));
    }
    Ok(())
}

fn check_points(p: f64) -> Result<(), String> {
    if !(0.0..=100.0).contains(&p) {
        return Err(format!("points {p} are outside 0-100"));
    }
    Ok(())
}

fn check_bands(b: &BandsToml) -> Result<Bands, String> {
    let ranges = [
        ("at_risk", b.at_risk),
        ("concerning", b.concerning),
        ("healthy", b.healthy),
    ];
    for (name, [lo, hi]) in ranges {
        if !is_below(lo, hi) {
            return Err(format!("{name} = [{}, {}] is empty", num(lo), num(hi)));
        }
    }
    if b.at_risk[0] != 0.0 || b.healthy[1] != 100.0 {
        return Err("the bands must cover 0 to 100".into());
    }
    for w in ranges.windows(2) {
        let ((a, ra), (c, rc)) = (w[0], w[1]);
        if ra[1] < rc[0] {
            return Err(format!(
                "gap between {a} (up to {}) and {c} (from {})",
                num(ra[1]),
                num(rc[0])
            ));
        }
        if ra[1] > rc[0] {
            return Err(format!(
                "{a} (up to {}) overlaps {c} (from {})",
                num(ra[1]),
                num(rc[0])
            ));
        }
    }
    Ok(Bands {
        healthy: b.healthy[0],
        concerning: b.concerning[0],
    })
}

fn check_thresholds(t: &[ThresholdToml]) -> Result<Mapping, String> {
    if t.is_empty() {
        return Err("thresholds are empty".into());
    }
    for (k, r) in t.iter().enumerate() {
        check_points(r.points).map_err(|e| format!("threshold {}: {e}", k + 1))?;
        if k > 0 && r.from.is_none() {
            return Err(format!("threshold {} has no `from`", k + 1));
        }
        if k + 1 < t.len() && r.to.is_none() {
            return Err(format!("threshold {} has no `to`", k + 1));
        }
        for bound in [r.from, r.to].into_iter().flatten() {
            if !bound.is_finite() {
                return Err(format!(
                    "threshold {}: bound {bound} is not a number",
                    k + 1
                ));
            }
        }
        if let (Some(a), Some(b)) = (r.from, r.to)
            && !is_below(a, b)
        {
            return Err(format!(
                "threshold {}: from {} is not below to {}",
                k + 1,
                num(a),
                num(b)
            ));
        }
    }
    for (k, w) in t.windows(2).enumerate() {
        let (to, from) = (w[0].to.unwrap_or(f64::NAN), w[1].from.unwrap_or(f64::NAN));
        if to < from {
            return Err(format!(
                "gap between threshold {} (to {}) and {} (from {})",
                k + 1,
                num(to),
                k + 2,
                num(from)
            ));
        }
        if to > from {
            return Err(format!(
                "threshold {} (to {}) overlaps {} (from {})",
                k + 1,
                num(to),
                k + 2,
                num(from)
            ));
        }
    }
    Ok(Mapping::Thresholds(
        t.iter()
            .map(|r| Threshold {
                from: r.from,
                to: r.to,
                points: r.points,
            })
            .collect(),
    ))
}

fn check_linear(l: &[[f64; 2]]) -> Result<Mapping, String> {
    if l.len() < 2 {
        return Err("linear needs at least two [value, points] pairs".into());
    }
    for (k, [x, y]) in l.iter().enumerate() {
        if !x.is_finite() {
            return Err(format!("pair {}: value {x} is not a number", k + 1));
        }
        check_points(*y).map_err(|e| format!("pair {}: {e}", k + 1))?;
        if k > 0 && !is_below(l[k - 1][0], *x) {
            return Err(format!(
                "pair {}: values must increase ({} then {})",
                k + 1,
                num(l[k - 1][0]),
                num(*x)
            ));
        }
    }
    Ok(Mapping::Linear(l.iter().map(|[x, y]| (*x, *y)).collect()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    profile: Vec<ProfileToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileToml {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    segments: Vec<Spanned<String>>,
    #[serde(default)]
    stages: Vec<Spanned<String>>,
    #[serde(default)]
    bands: Option<Spanned<BandsToml>>,
    #[serde(default)]
    component: Vec<ComponentToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BandsToml {
    healthy: [f64; 2],
    concerning: [f64; 2],
    at_risk: [f64; 2],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentToml {
    id: Spanned<String>,
    #[serde(default)]
    name: Option<String>,
    weight: Spanned<f64>,
    #[serde(default)]
    exclude: bool,
    #[serde(default)]
    measure: Vec<MeasureToml>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeasureToml {
    id: Spanned<String>,
    weight: Spanned<f64>,
    #[serde(default)]
    exclude: bool,
    #[serde(default)]
    thresholds: Option<Spanned<Vec<ThresholdToml>>>,
    #[serde(default)]
    linear: Option<Spanned<Vec<[f64; 2]>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdToml {
    #[serde(default)]
    from: Option<f64>,
    #[serde(default)]
    to: Option<f64>,
    points: f64,
}
