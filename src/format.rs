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

/// A score to one decimal, or "-" when there is none.
pub fn score(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "-".into())
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
