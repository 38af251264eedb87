//! Statements written for SQLite, as PostgreSQL takes them.

/// SQLite's `?` and `?N` placeholders as PostgreSQL's `$N`: a bare `?` is one
/// more than the largest number given before it, as in SQLite. A unary plus
/// before one (after `=`, `<`, `>`, `(`, `,` or a keyword such as `BETWEEN`
/// and `AND`: `= +?`, which keeps SQLite's planner off an index) is dropped:
/// PostgreSQL would type `+$1` as a number of its own choosing (then compare
/// the column converted, without its index), and it changes no value. Text in
/// quotes and comments is left as it is.
pub fn placeholders_to_dollars(sql: &str) -> String {
    placeholders_to_dollars_after(sql, 0)
}

/// [`placeholders_to_dollars`], numbered from `offset` + 1 (`?1` is
/// `$offset+1`): a statement placed inside another after `offset` parameters.
pub fn placeholders_to_dollars_after(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut largest = offset;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                // Up to the closing quote (a doubled one is a quote inside).
                while let Some(d) = chars.next() {
                    out.push(d);
                    if d == c {
                        if chars.peek() == Some(&c) {
                            out.push(c);
                            chars.next();
                        } else {
                            break;
                        }
                    }
                }
            }
            // SQLite's `INDEXED BY name` (a planner hint): PostgreSQL has none.
            'I' if starts_indexed_by(&mut chars) => {}
            '+' if chars.peek() == Some(&'?') && unary(&out) => {}
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = if digits.is_empty() {
                    largest + 1
                } else {
                    digits.parse::<usize>().map_or(largest + 1, |n| n + offset)
                };
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether a `+` after `before` is a sign, not an addition: it follows an
/// operator, an opening bracket, a comma or a keyword, not an operand.
fn unary(before: &str) -> bool {
    let before = before.trim_end();
    if before.ends_with(['=', '<', '>', '(', ',']) {
        return true;
    }
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    const KEYWORDS: &[&str] = &[
        "BETWEEN", "AND", "OR", "NOT", "WHEN", "THEN", "ELSE", "IN", "SELECT", "WHERE", "LIKE",
        "IS", "LIMIT", "OFFSET",
    ];
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(&word))
        && !before[..before.len() - word.len()]
            .ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Whether the text after an `I` is `NDEXED BY name`: if so, it is consumed
/// (with the name and the space after it).
fn starts_indexed_by(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> bool {
    let rest: String = chars.clone().take(10).collect();
    if rest != "NDEXED BY " {
        return false;
    }
    for _ in 0..10 {
        chars.next();
    }
    while chars
        .peek()
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
    {
        chars.next();
    }
    if chars.peek() == Some(&' ') {
        chars.next();
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_as_sqlite_numbers_them() {
        assert_eq!(
            placeholders_to_dollars("SELECT a FROM t WHERE b = ? AND c = ?"),
            "SELECT a FROM t WHERE b = $1 AND c = $2"
        );
        assert_eq!(
            placeholders_to_dollars("UPDATE t SET a = ?2 WHERE id = ?1 AND v = ?"),
            "UPDATE t SET a = $2 WHERE id = $1 AND v = $3"
        );
        assert_eq!(
            placeholders_to_dollars("SELECT '?', \"a?\", 'it''s ?' FROM t WHERE x = ?12"),
            "SELECT '?', \"a?\", 'it''s ?' FROM t WHERE x = $12"
        );
        assert_eq!(
            placeholders_to_dollars("SELECT a FROM t WHERE account_id = +? AND b = 1+?2"),
            "SELECT a FROM t WHERE account_id = $1 AND b = 1+$2"
        );
        // After a keyword too (PostgreSQL would take `+$1` for a numeric and
        // compare the column converted, off its index); an addition stays.
        assert_eq!(
            placeholders_to_dollars(
                "WHERE account_id BETWEEN +?1 AND +?2 AND n = band +?3 AND m = x.and +?4"
            ),
            "WHERE account_id BETWEEN $1 AND $2 AND n = band +$3 AND m = x.and +$4"
        );
        assert_eq!(
            placeholders_to_dollars(
                "SELECT id FROM accounts INDEXED BY accounts_churned WHERE stage = ?"
            ),
            "SELECT id FROM accounts WHERE stage = $1"
        );
        assert_eq!(
            placeholders_to_dollars("SELECT 'INDEXED BY x', ID FROM t"),
            "SELECT 'INDEXED BY x', ID FROM t"
        );
        assert_eq!(
            placeholders_to_dollars_after("WHERE a = ?2 AND b = ?1 AND c = +?", 3),
            "WHERE a = $5 AND b = $4 AND c = $6"
        );
        assert_eq!(
            placeholders_to_dollars("SELECT 1 -- what? \nWHERE a = ?"),
            "SELECT 1 -- what? \nWHERE a = $1"
        );
    }
}
