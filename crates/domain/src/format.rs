//! How numbers, money and dates read on screen and in tables.

use chrono::NaiveDate;

use crate::Cents;

/// "$12,400" for whole amounts, "$12,400.50" otherwise.
pub fn money(cents: Cents) -> String {
    let neg = cents < 0;
    let c = cents.unsigned_abs();
    let frac = c % 100;
    let grouped = count(c / 100);
    let sign = if neg { "-" } else { "" };
    if frac == 0 {
        format!("{sign}${grouped}")
    } else {
        format!("{sign}${grouped}.{frac:02}")
    }
}

/// "12,345": a count with thousands separators.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    grouped
}

/// "1 account", "12,345 accounts": a count and its noun, singular for one.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n == 1 { one } else { many })
}

/// "in 12d", "today", "3d ago".
pub fn days_from(today: NaiveDate, day: NaiveDate) -> String {
    let n = (day - today).num_days();
    match n {
        0 => "today".into(),
        n if n > 0 => format!("in {n}d"),
        n => format!("{}d ago", -n),
    }
}

/// A score in whole points, rounded to the nearest (54.5 and 54.989 read 55), or
/// "-" when there is none: the one rule of the app, the CLI and the API's tables.
pub fn score(s: Option<f64>) -> String {
    s.map(|s| format!("{:.0}", s.round()))
        .unwrap_or_else(|| "-".into())
}

/// A size in bytes as a person reads it: "812 B", "14.2 KiB", "3.0 MiB",
/// "1.2 GiB" (binary units, one decimal above bytes).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut size = n as f64 / 1024.0;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < UNITS.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.1} {}", UNITS[unit])
}

/// A score to one decimal, rounded to the nearest tenth (where a detail shows
/// more than whole points).
pub fn tenths(s: f64) -> String {
    format!("{:.1}", (s * 10.0).round() / 10.0)
}

/// Usage against the month before, as Skalin's ratio (connections over the last
/// 30 days / the 30 days before, in %) with the change beside it, so a fall never
/// reads as growth: "44% of M-1 ↓56%", "0% of M-1 ↓100%", "150% of M-1 ↑50%",
/// "100% of M-1 =" ; "-" when there is no month before to compare with.
pub fn trend_vs_m1(pct: Option<f64>) -> String {
    let Some(p) = pct.filter(|p| p.is_finite()) else {
        return "-".into();
    };
    let ratio = p.round();
    let change = ratio - 100.0;
    let moved = if change < 0.0 {
        format!("↓{:.0}%", -change)
    } else if change > 0.0 {
        format!("↑{change:.0}%")
    } else {
        "=".into()
    };
    format!("{ratio:.0}% of M-1 {moved}")
}

/// An account's renewal: the notice date (the last day to decide) and the end of
/// the term: "notice in 45d · ends in 75d"; the end alone when it is the notice
/// date (no auto-renew).
pub fn renewal(today: NaiveDate, notice: Option<NaiveDate>, end: Option<NaiveDate>) -> String {
    match (notice, end) {
        (Some(n), Some(e)) if n != e => format!(
            "notice {} · ends {}",
            days_from(today, n),
            days_from(today, e)
        ),
        (_, Some(e)) => format!("ends {}", days_from(today, e)),
        (Some(n), None) => format!("notice {}", days_from(today, n)),
        (None, None) => "no renewal".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(0), "$0");
        assert_eq!(money(420_000), "$4,200");
        assert_eq!(money(123_456_789), "$1,234,567.89");
        assert_eq!(money(-1_050), "-$10.50");
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(14_540), "14.2 KiB");
        assert_eq!(bytes(100 << 20), "100.0 MiB");
        assert_eq!(bytes(5 << 30), "5.0 GiB");
    }

    #[test]
    fn scores_round_to_the_nearest_whole_point() {
        assert_eq!(score(Some(54.989)), "55");
        assert_eq!(score(Some(54.49)), "54");
        assert_eq!(score(Some(54.5)), "55");
        assert_eq!(score(Some(0.0)), "0");
        assert_eq!(score(Some(100.0)), "100");
        assert_eq!(score(None), "-");
        assert_eq!(tenths(54.96), "55.0");
        assert_eq!(tenths(54.94), "54.9");
    }

    #[test]
    fn usage_trend_says_the_change_beside_the_ratio() {
        assert_eq!(trend_vs_m1(Some(44.0)), "44% of M-1 ↓56%");
        assert_eq!(trend_vs_m1(Some(0.0)), "0% of M-1 ↓100%");
        assert_eq!(trend_vs_m1(Some(150.4)), "150% of M-1 ↑50%");
        assert_eq!(trend_vs_m1(Some(100.2)), "100% of M-1 =");
        assert_eq!(trend_vs_m1(None), "-");
        assert_eq!(trend_vs_m1(Some(f64::NAN)), "-");
    }

    #[test]
    fn renewal_says_notice_and_end() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let today = d(1, 10);
        assert_eq!(
            renewal(today, Some(d(2, 24)), Some(d(3, 26))),
            "notice in 45d · ends in 75d"
        );
        assert_eq!(
            renewal(today, Some(d(3, 26)), Some(d(3, 26))),
            "ends in 75d"
        );
        assert_eq!(renewal(today, None, None), "no renewal");
    }

    #[test]
    fn relative_days() {
        let t = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        assert_eq!(
            days_from(t, NaiveDate::from_ymd_opt(2026, 1, 22).unwrap()),
            "in 12d"
        );
        assert_eq!(days_from(t, t), "today");
        assert_eq!(
            days_from(t, NaiveDate::from_ymd_opt(2026, 1, 7).unwrap()),
            "3d ago"
        );
    }
}
