//! The filter language in SQL: each term of a parsed [`Filter`] becomes one WHERE
//! condition on the accounts table (alias `a`) or the support cases table (alias
//! `c`), with its values bound as parameters. Filters run in the store, never by
//! loading rows to test them.

use chrono::{Days, NaiveDate};
use rusqlite::types::Value as Sql;

use super::codec::{day, like_pattern};
use crate::db::Dialect;
use crate::{Error, Result};
use tend_engines::filter::{Field, Filter, Op, Scope, TermKind, Trend, Value};

/// What a filter is read against.
pub(crate) struct Context<'a> {
    pub today: NaiveDate,
    /// Who `@me` is.
    pub me: Option<&'a str>,
    /// Case fields and case free text are allowed (the cases list).
    pub cases: bool,
    /// The engine the conditions are written for.
    pub dialect: Dialect,
}

/// Parses `expr` for the list at hand and adds its conditions. A filter that does
/// not parse is refused as invalid input on the field `filter`, with the caret
/// under the offending character.
pub(crate) fn conditions(
    expr: &str,
    cx: &Context,
    out: &mut Vec<String>,
    p: &mut Vec<Sql>,
) -> Result<()> {
    let filter = if cx.cases {
        Filter::parse(expr)
    } else {
        Filter::parse_accounts(expr)
    }
    .map_err(|e| Error::invalid("filter", e.to_string()))?;
    for term in &filter.terms {
        let cond = term_sql(&term.kind, cx, p)?;
        out.push(if term.negated {
            // A missing value (no score, no renewal) does not match the term, so it
            // matches its negation.
            format!("NOT coalesce(({cond}), false)")
        } else {
            cond
        });
    }
    Ok(())
}

fn text(p: &mut Vec<Sql>, s: &str) {
    p.push(Sql::Text(s.to_string()));
}

fn term_sql(kind: &TermKind, cx: &Context, p: &mut Vec<Sql>) -> Result<String> {
    match kind {
        TermKind::Text(t) => {
            let pat = like_pattern(t);
            text(p, &pat);
            text(p, &pat);
            let d = cx.dialect;
            Ok(if cx.cases {
                format!("({} OR {})", d.like("c.subject"), d.like("c.number"))
            } else {
                format!("({} OR {})", d.like("a.name"), d.like("a.domain"))
            })
        }
        TermKind::Field { field, op, value } => field_sql(*field, *op, value, cx, p),
        TermKind::Range { field, from, to } => {
            let low = field_sql(*field, Op::Ge, from, cx, p)?;
            let high = field_sql(*field, Op::Le, to, cx, p)?;
            Ok(format!("({low} AND {high})"))
        }
        TermKind::Custom { name, op, value } => custom_sql(name, *op, value, cx, p),
        TermKind::CustomRange { name, from, to } => {
            let low = custom_sql(name, Op::Ge, from, cx, p)?;
            let high = custom_sql(name, Op::Le, to, cx, p)?;
            Ok(format!("({low} AND {high})"))
        }
    }
}

/// A custom field's value (text in the account's `custom_fields` JSON), compared
/// as the filter's value says: a number only with a value written as a number,
/// a day only with one written as a day (YYYY-MM-DD text compares in order).
fn custom_sql(name: &str, op: Op, value: &Value, cx: &Context, p: &mut Vec<Sql>) -> Result<String> {
    // The parser keeps names to letters, digits and `_`: the path needs no escaping.
    let d = cx.dialect;
    let column = match d {
        Dialect::Sqlite => format!("json_extract(a.custom_fields, '$.\"{name}\"')"),
        Dialect::Postgres => format!("(a.custom_fields::jsonb ->> '{name}')"),
    };
    Ok(match value {
        Value::Text(t) => {
            text(p, t);
            d.eq_nocase(&column)
        }
        Value::Me => {
            let me = cx.me.ok_or_else(|| {
                Error::invalid(
                    "filter",
                    "@me needs a user name ([user] name in the config)",
                )
            })?;
            text(p, me);
            d.eq_nocase(&column)
        }
        Value::Number(n) => {
            let n: f64 = n.parse().map_err(|_| {
                Error::invalid("filter", format!("cf.{name}: '{n}' is not a number"))
            })?;
            match d {
                Dialect::Sqlite => {
                    let cmp = compare(&format!("CAST({column} AS REAL)"), op, Sql::Real(n), p);
                    format!(
                        "({column} GLOB '*[0-9]*' AND {column} NOT GLOB '*[^0-9.+-]*' AND {cmp})"
                    )
                }
                // The cast only where the text is a number (CASE: PostgreSQL
                // does not promise to test the conditions before it).
                Dialect::Postgres => {
                    let number = format!(
                        "CASE WHEN {column} ~ '^[0-9.+-]*[0-9][0-9.+-]*$' \
                         AND {column} ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$' \
                         THEN ({column})::float8 END"
                    );
                    compare(&number, op, Sql::Real(n), p)
                }
            }
        }
        v @ Value::Date(_) => {
            let day = v.resolve_date(cx.today).ok_or_else(|| {
                Error::invalid("filter", format!("cf.{name}: a value of the wrong kind"))
            })?;
            let cmp = compare(
                &column,
                op,
                Sql::Text(day.format("%Y-%m-%d").to_string()),
                p,
            );
            match cx.dialect {
                Dialect::Sqlite => format!(
                    "({column} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND {cmp})"
                ),
                Dialect::Postgres => {
                    format!("({column} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$' AND {cmp})")
                }
            }
        }
        _ => {
            return Err(Error::invalid(
                "filter",
                format!("cf.{name}: a value of the wrong kind"),
            ));
        }
    })
}

/// `column op ?` with the value bound.
fn compare(column: &str, op: Op, value: Sql, p: &mut Vec<Sql>) -> String {
    p.push(value);
    let op = match op {
        Op::Eq => "=",
        Op::Lt => "<",
        Op::Le => "<=",
        Op::Gt => ">",
        Op::Ge => ">=",
    };
    format!("{column} {op} ?")
}

/// A comparison on a nullable column that the accounts table indexes as
/// `coalesce(column, 1e9)` (ascending sorts) and `coalesce(column, -1e9)` (descending):
/// written on those expressions, the comparison reads a range of the index instead
/// of every row, and a missing value still matches nothing (the stand-in for it
/// lies beyond any bound a filter can give).
fn indexed(column: &str, real: bool, op: Op, value: Sql, cx: &Context, p: &mut Vec<Sql>) -> String {
    let high = matches!(op, Op::Lt | Op::Le | Op::Eq);
    let expr = cx.dialect.or_far(column, high, real);
    compare(&expr, op, value, p)
}

/// A comparison of a timestamp column (UTC milliseconds) with a day: the day runs
/// from its midnight to the next.
fn compare_day(column: &str, op: Op, d: NaiveDate, p: &mut Vec<Sql>) -> String {
    let start = |d: NaiveDate| -> i64 {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(i64::MAX)
    };
    let next = d
        .checked_add_days(Days::new(1))
        .map(start)
        .unwrap_or(i64::MAX);
    match op {
        Op::Eq => {
            p.push(Sql::Integer(start(d)));
            p.push(Sql::Integer(next));
            format!("({column} >= ? AND {column} < ?)")
        }
        Op::Lt => compare(column, Op::Lt, Sql::Integer(start(d)), p),
        Op::Le => compare(column, Op::Lt, Sql::Integer(next), p),
        Op::Gt => compare(column, Op::Ge, Sql::Integer(next), p),
        Op::Ge => compare(column, Op::Ge, Sql::Integer(start(d)), p),
    }
}

fn mismatch(field: Field) -> Error {
    Error::invalid(
        "filter",
        format!("{field}: a value of the wrong kind for this field"),
    )
}

fn field_sql(
    field: Field,
    op: Op,
    value: &Value,
    cx: &Context,
    p: &mut Vec<Sql>,
) -> Result<String> {
    if field.scope() == Scope::Case && !cx.cases {
        return Err(Error::invalid(
            "filter",
            format!("{field} is a support case field: use it on the cases list"),
        ));
    }
    let d = cx.dialect;
    let eq_nocase = |column: &str, p: &mut Vec<Sql>, s: &str| {
        text(p, s);
        d.eq_nocase(column)
    };
    let named = |column: &str, p: &mut Vec<Sql>, s: &str| {
        text(p, s);
        format!("{column} = ?")
    };
    Ok(match (field, value) {
        (Field::Name, Value::Text(t)) => {
            text(p, &like_pattern(t));
            d.like("a.name")
        }
        (Field::Domain, Value::Text(t)) => {
            text(p, &like_pattern(t));
            d.like("a.domain")
        }
        (Field::Owner, Value::Text(t)) => eq_nocase("a.owner", p, t),
        (Field::Followed, Value::Text(t)) => followed(p, t, d),
        (Field::Followed, Value::Me) => {
            let me = cx.me.ok_or_else(|| {
                Error::invalid(
                    "filter",
                    "@followed needs a user name ([user] name in the config)",
                )
            })?;
            followed(p, me, d)
        }
        (Field::Owner, Value::Me) => {
            let me = cx.me.ok_or_else(|| {
                Error::invalid(
                    "filter",
                    "@me needs a user name ([user] name in the config)",
                )
            })?;
            eq_nocase("a.owner", p, me)
        }
        (Field::Stage, Value::Stage(s)) => named("a.stage", p, s.as_str()),
        (Field::Segment, Value::Text(t)) => eq_nocase("a.segment", p, t),
        (Field::Region, Value::Text(t)) => eq_nocase("a.region", p, t),
        (Field::Goals, Value::Text(t)) => eq_nocase("a.goals_profile", p, t),
        (Field::Tag, Value::Text(t)) => {
            text(p, t);
            d.json_array_has("a.tags", "?")
        }
        (Field::Parent, Value::Text(t)) => {
            text(p, t);
            format!(
                "a.parent_id IN (SELECT id FROM accounts WHERE {})",
                d.eq_nocase("name")
            )
        }
        (Field::Mrr, Value::Money(cents)) => compare("a.mrr_cents", op, Sql::Integer(*cents), p),
        (Field::Renewal, v @ Value::Date(_)) => {
            let d = v.resolve_date(cx.today).ok_or_else(|| mismatch(field))?;
            indexed("a.renewal_day", false, op, Sql::Integer(day(&d)), cx, p)
        }
        (Field::Health, Value::Int(n)) => {
            indexed("a.health_score", true, op, Sql::Real(*n as f64), cx, p)
        }
        (Field::HealthStatus | Field::Health, Value::HealthStatus(s)) => {
            named("a.health_status", p, s.as_str())
        }
        (Field::Trend, Value::Int(n)) => compare("a.health_trend", op, Sql::Real(*n as f64), p),
        (Field::Trend, Value::Trend(t)) => match t {
            Trend::Up => "a.health_trend >= 0.5".into(),
            Trend::Down => "a.health_trend <= -0.5".into(),
            Trend::Flat => "abs(a.health_trend) < 0.5".into(),
        },
        (Field::Churn, Value::Churn(c)) => named("a.churn_likelihood", p, c.as_str()),
        (Field::Drag, Value::Drag(m)) => named("a.health_drag", p, m.key()),
        // Not on the indexed rank: with the index, the join looks up the account of
        // every urgent case (232 ms for `priority:urgent region:EMEA health<50` on
        // 500k cases, against 87 ms scanning).
        (Field::Priority, Value::Priority(v)) => named("c.priority", p, v.as_str()),
        (Field::Severity, Value::Int(n)) => compare("c.severity", op, Sql::Integer(*n), p),
        (Field::Status, Value::Status(s)) => named("c.status", p, s.as_str()),
        (Field::Team, Value::Text(t)) => eq_nocase("c.team", p, t),
        (Field::CaseRegion, Value::Text(t)) => eq_nocase("c.region", p, t),
        (Field::Signal, Value::Signal(s)) => {
            text(p, s.as_str());
            d.json_array_has("c.signals", "?")
        }
        (Field::Escalated, Value::Bool(b)) => {
            compare("c.escalated", Op::Eq, Sql::Integer(*b as i64), p)
        }
        (Field::Created, v @ Value::Date(_)) => {
            let d = v.resolve_date(cx.today).ok_or_else(|| mismatch(field))?;
            compare_day("c.opened_at", op, d, p)
        }
        (Field::Age, Value::Age(interval)) => {
            // Older means opened earlier: the comparison turns around.
            let d = interval.ago(cx.today);
            let flipped = match op {
                Op::Eq => Op::Eq,
                Op::Lt => Op::Gt,
                Op::Le => Op::Ge,
                Op::Gt => Op::Lt,
                Op::Ge => Op::Le,
            };
            compare_day("c.opened_at", flipped, d, p)
        }
        _ => return Err(mismatch(field)),
    })
}

/// The accounts `user` owns or is on the team of.
fn followed(p: &mut Vec<Sql>, user: &str, d: Dialect) -> String {
    text(p, user);
    text(p, user);
    format!(
        "({} OR {})",
        d.eq_nocase("a.owner"),
        d.json_array_has("a.team", "?")
    )
}
