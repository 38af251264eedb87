//! How numbers, money and dates read on screen and in tables.

use chrono::NaiveDate;

use crate::domain::Cents;

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

/// A score to one decimal, rounded to the nearest tenth (where a detail shows
/// more than whole points).
pub fn tenths(s: f64) -> String {
    format!("{:.1}", (s * 10.0).round() / 10.0)
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
