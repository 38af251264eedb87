//! The filter parser: one pass over the input, no separate token list.
//!
//! Offsets inside the parser are byte offsets on character boundaries; they
//! become character offsets only when an error is built.

use std::borrow::Cow;
use std::str::FromStr;

use chrono::NaiveDate;

use super::error::{FilterError, nearest};
use super::{
    DateValue, Field, Filter, Interval, Kind, MAX_AMOUNT, Op, Scope, Term, TermKind, Trend, Unit,
    Value,
};
use crate::health::Measure;
use tend_domain::{CaseStatus, ChurnLikelihood, HealthStatus, Named, Priority, Signal, Stage};

/// An error before it is tied to the input: a byte range and a message.
struct Fail {
    start: usize,
    end: usize,
    message: String,
}

type PResult<T> = Result<T, Fail>;

fn fail<T>(start: usize, end: usize, message: impl Into<String>) -> PResult<T> {
    Err(Fail {
        start,
        end,
        message: message.into(),
    })
}

pub(super) fn parse(input: &str, accounts_only: bool) -> Result<Filter, FilterError> {
    let n = input.chars().count();
    if n > super::MAX_FILTER_CHARS {
        // The message stays short: the start of the filter, cut where it says so.
        let head: String = input.chars().take(60).collect();
        return Err(FilterError {
            at: 60,
            len: 1,
            message: format!(
                "a filter is at most {} characters (this one has {n})",
                super::MAX_FILTER_CHARS
            ),
            input: format!("{head}…"),
        });
    }
    let mut parser = Parser {
        src: input,
        pos: 0,
        accounts_only,
    };
    let mut terms = Vec::new();
    loop {
        parser.skip_ws();
        if parser.pos >= input.len() {
            break;
        }
        match parser.term() {
            Ok(term) => terms.push(term),
            Err(f) => return Err(FilterError::new(input, f.start, f.end, f.message)),
        }
    }
    Ok(Filter { terms })
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    accounts_only: bool,
}

/// A field's value as written: its text (unescaped when quoted) and where it is.
struct Raw<'a> {
    text: Cow<'a, str>,
    start: usize,
    end: usize,
    quoted: bool,
}

impl<'a> Raw<'a> {
    /// The byte range of `text[from..to]` in the input (the whole value when quoted,
    /// since unescaping moves characters).
    fn sub(&self, from: usize, to: usize) -> (usize, usize) {
        if self.quoted {
            (self.start, self.end)
        } else {
            (self.start + from, self.start + to)
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> PResult<T> {
        fail(self.start, self.end, message)
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        let rest = &self.src[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// The end of the run of characters from `from` that satisfy `keep`.
    fn scan(&self, from: usize, keep: impl Fn(char) -> bool) -> usize {
        self.src[from..]
            .char_indices()
            .find(|&(_, c)| !keep(c))
            .map_or(self.src.len(), |(i, _)| from + i)
    }

    fn term(&mut self) -> PResult<Term> {
        let start = self.pos;
        let negated = self.peek() == Some('-');
        if negated {
            self.pos += 1;
            match self.peek() {
                None => return fail(start, start + 1, "expected a term after '-'"),
                Some(c) if c.is_whitespace() || c == '-' => {
                    return fail(
                        start,
                        start + 1,
                        "expected a term right after '-', as in -stage:churned or -\"acme\"",
                    );
                }
                _ => {}
            }
        }
        let kind = match self.peek() {
            Some('"') => {
                let quote = self.pos;
                let text = self.quoted()?;
                self.expect_term_end()?;
                if text.is_empty() {
                    return fail(
                        quote,
                        self.pos,
                        "empty quotes: put the text to search for between them",
                    );
                }
                TermKind::Text(text.into_owned())
            }
            Some('@') => {
                let at = self.pos;
                let end = self.scan(at, |c| !c.is_whitespace());
                self.pos = end;
                let word = &self.src[at..end];
                let field = if word.eq_ignore_ascii_case("@me") {
                    Field::Owner
                } else if word.eq_ignore_ascii_case("@followed") {
                    Field::Followed
                } else {
                    return fail(
                        at,
                        end,
                        format!(
                            "unknown shortcut '{word}': only @me (owner:@me) and @followed \
                             (followed:@me) are known; quote it to search for the text"
                        ),
                    );
                };
                TermKind::Field {
                    field,
                    op: Op::Eq,
                    value: Value::Me,
                }
            }
            _ => {
                let word_start = self.pos;
                let ident_end = self.scan(word_start, |c| c.is_alphanumeric() || c == '_');
                let ident = &self.src[word_start..ident_end];
                let next = self.src[ident_end..].chars().next();
                let starts_like_name = ident.chars().next().is_some_and(|c| !c.is_ascii_digit());
                // `cf.NAME` and an operator: a custom field.
                let custom_end = (ident.eq_ignore_ascii_case("cf") && next == Some('.'))
                    .then(|| self.scan(ident_end + 1, |c| c.is_alphanumeric() || c == '_'))
                    .filter(|&end| {
                        end > ident_end + 1
                            && matches!(
                                self.src[end..].chars().next(),
                                Some(':' | '<' | '>' | '=' | '!')
                            )
                    });
                let is_field = starts_like_name
                    && match next {
                        Some(':' | '<' | '>' | '=') => true,
                        Some('!') => Field::lookup(ident).is_some(),
                        _ => false,
                    };
                if let Some(end) = custom_end {
                    self.pos = end;
                    self.custom_term(&self.src[ident_end + 1..end])?
                } else if is_field {
                    self.pos = ident_end;
                    self.field_term(word_start, ident)?
                } else {
                    let end = self.scan(word_start, |c| !c.is_whitespace() && c != '"');
                    if self.src[end..].starts_with('"') {
                        return fail(
                            end,
                            end + 1,
                            "a quote must start a term: put a space before it",
                        );
                    }
                    self.pos = end;
                    TermKind::Text(self.src[word_start..end].to_string())
                }
            }
        };
        Ok(Term { negated, kind })
    }

    /// After a closing quote: the end of the input or whitespace.
    fn expect_term_end(&self) -> PResult<()> {
        match self.peek() {
            Some(c) if !c.is_whitespace() => fail(
                self.pos,
                self.pos + c.len_utf8(),
                "expected a space after the closing quote",
            ),
            _ => Ok(()),
        }
    }

    /// A quoted string starting at `self.pos` (on the opening quote); leaves `pos`
    /// after the closing quote. Borrows the input when there is no escape.
    fn quoted(&mut self) -> PResult<Cow<'a, str>> {
        let quote = self.pos;
        let body = quote + 1;
        let mut owned: Option<String> = None;
        let mut chunk_start = body;
        let mut chars = self.src[body..].char_indices();
        while let Some((i, c)) = chars.next() {
            let at = body + i;
            match c {
                '"' => {
                    self.pos = at + 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(&self.src[body..at]),
                        Some(mut s) => {
                            s.push_str(&self.src[chunk_start..at]);
                            Cow::Owned(s)
                        }
                    });
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => {
                        let s = owned.get_or_insert_with(String::new);
                        s.push_str(&self.src[chunk_start..at]);
                        s.push(e);
                        chunk_start = at + 2;
                    }
                    Some((_, e)) => {
                        return fail(
                            at,
                            at + 1 + e.len_utf8(),
                            format!("unknown escape '\\{e}': only \\\" and \\\\ are escapes"),
                        );
                    }
                    None => return fail(quote, quote + 1, "unclosed quote"),
                },
                _ => {}
            }
        }
        fail(quote, quote + 1, "unclosed quote")
    }

    /// `name<op>value`, with `pos` just after the name.
    fn field_term(&mut self, name_start: usize, name: &str) -> PResult<TermKind> {
        let name_end = self.pos;
        let Some(field) = Field::lookup(name) else {
            let hint = match nearest(name, Field::NAMES) {
                Some(s) => format!(": did you mean '{s}'?"),
                None => "; quote the term to search for it as text".to_string(),
            };
            return fail(
                name_start,
                name_end,
                format!("unknown field '{name}'{hint}"),
            );
        };
        if self.accounts_only && field.scope() == Scope::Case {
            return fail(
                name_start,
                name_end,
                format!(
                    "'{}' is a field of support cases; this list shows accounts",
                    field.name()
                ),
            );
        }

        let (op, op_start, op_end, raw) = self.op_and_value(field.name())?;
        typed(field, op, op_start, op_end, raw)
    }

    /// `cf.NAME<op>value`, with `pos` just after the name.
    fn custom_term(&mut self, name: &str) -> PResult<TermKind> {
        let name = name.to_ascii_lowercase();
        let shown = format!("cf.{name}");
        let (op, op_start, op_end, raw) = self.op_and_value(&shown)?;
        custom(name, op, op_start, op_end, raw)
    }

    /// The operator and the value after a field's name (`shown` in messages).
    fn op_and_value(&mut self, shown: &str) -> PResult<(Op, usize, usize, Raw<'a>)> {
        let op_start = self.pos;
        let rest = &self.src[op_start..];
        let (op, op_len) = if rest.starts_with("<=") {
            (Op::Le, 2)
        } else if rest.starts_with(">=") {
            (Op::Ge, 2)
        } else if rest.starts_with('<') {
            (Op::Lt, 1)
        } else if rest.starts_with('>') {
            (Op::Gt, 1)
        } else if rest.starts_with(':') || rest.starts_with('=') {
            (Op::Eq, 1)
        } else {
            let len = if rest.starts_with("!=") || rest.starts_with("!:") {
                2
            } else {
                1
            };
            return fail(
                op_start,
                op_start + len,
                format!("'!' is not an operator: write -{shown}:value to exclude"),
            );
        };
        self.pos += op_len;
        let op_end = self.pos;

        let raw = match self.peek() {
            Some('"') => {
                let start = self.pos;
                let text = self.quoted()?;
                self.expect_term_end()?;
                Raw {
                    text,
                    start,
                    end: self.pos,
                    quoted: true,
                }
            }
            _ => {
                let start = self.pos;
                let end = self.scan(start, |c| !c.is_whitespace() && c != '"');
                if self.src[end..].starts_with('"') {
                    return fail(
                        end,
                        end + 1,
                        "a quote must start the value: put it before the value",
                    );
                }
                self.pos = end;
                Raw {
                    text: Cow::Borrowed(&self.src[start..end]),
                    start,
                    end,
                    quoted: false,
                }
            }
        };
        if raw.text.is_empty() {
            let (start, end) = if raw.quoted {
                (raw.start, raw.end)
            } else {
                (op_start, op_end)
            };
            return fail(
                start,
                end,
                format!("expected a value for {shown} after '{}'", op.as_str()),
            );
        }
        Ok((op, op_start, op_end, raw))
    }
}

/// Whether a custom field's text value would read back as something else when
/// written bare (a number, a day, a range): then it is written quoted.
pub(super) fn custom_text_needs_quotes(text: &str) -> bool {
    tend_domain::parse_number(text).is_some()
        || matches!(date(text), Ok(DateValue::On(_)))
        || text.contains("..")
}

/// A custom field's term: the value's shape says how it compares.
fn custom(name: String, op: Op, op_start: usize, op_end: usize, raw: Raw<'_>) -> PResult<TermKind> {
    let shown = format!("cf.{name}");
    // A number, or a day (`:` takes only a written-out day: `cf.code:90d` is text).
    let ordered = |text: &str, eq: bool| -> Option<Value> {
        if tend_domain::parse_number(text).is_some() {
            return Some(Value::Number(
                text.strip_prefix('+').unwrap_or(text).to_string(),
            ));
        }
        match date(text) {
            Ok(d @ DateValue::On(_)) => Some(Value::Date(d)),
            Ok(d) if !eq => Some(Value::Date(d)),
            _ => None,
        }
    };
    if !raw.quoted
        && let Some(dots) = raw.text.find("..")
    {
        if op != Op::Eq {
            return fail(
                op_start,
                op_end,
                format!("a range is written with ':', as in {shown}:a..b"),
            );
        }
        let (lo, hi) = (&raw.text[..dots], &raw.text[dots + 2..]);
        let (from, to) = match (ordered(lo, false), ordered(hi, false)) {
            (Some(a @ Value::Number(_)), Some(b @ Value::Number(_)))
            | (Some(a @ Value::Date(_)), Some(b @ Value::Date(_))) => (a, b),
            _ => {
                return raw.fail(format!(
                    "a range of {shown} goes from a number to a number or from a date to a date, as in {shown}:10..50"
                ));
            }
        };
        let wrong = match (&from, &to) {
            (Value::Number(a), Value::Number(b)) => {
                tend_domain::parse_number(a) > tend_domain::parse_number(b)
            }
            _ => in_wrong_order(&from, &to),
        };
        if wrong {
            return raw.fail("empty range: its start is after its end");
        }
        return Ok(TermKind::CustomRange { name, from, to });
    }
    let value = if raw.quoted {
        None
    } else {
        ordered(&raw.text, op == Op::Eq)
    };
    let value = match value {
        Some(v) => v,
        None if op != Op::Eq => {
            return raw.fail(format!(
                "{shown}{} compares a number or a date (2026-12-31, 90d), found '{}'; text takes ':'",
                op.as_str(),
                raw.text
            ));
        }
        None if !raw.quoted && raw.text.eq_ignore_ascii_case("@me") => Value::Me,
        None => Value::Text(raw.text.into_owned()),
    };
    Ok(TermKind::Custom { name, op, value })
}

/// Refuses comparisons on fields that only take `:`.
fn only_eq(field: Field, op: Op, op_start: usize, op_end: usize) -> PResult<()> {
    if op == Op::Eq {
        Ok(())
    } else {
        fail(
            op_start,
            op_end,
            format!("{} takes ':' only, not '{}'", field.name(), op.as_str()),
        )
    }
}

fn typed(field: Field, op: Op, op_start: usize, op_end: usize, raw: Raw<'_>) -> PResult<TermKind> {
    let ordered = matches!(
        field.kind(),
        Kind::Int { .. } | Kind::Money | Kind::Trend | Kind::Date | Kind::Age
    );
    if !ordered {
        only_eq(field, op, op_start, op_end)?;
        let value = match field.kind() {
            Kind::Owner if !raw.quoted && raw.text.eq_ignore_ascii_case("@me") => Value::Me,
            Kind::Text | Kind::Owner => Value::Text(raw.text.into_owned()),
            Kind::Bool => Value::Bool(boolean(field, &raw)?),
            _ => enum_value(field, &raw)?,
        };
        return Ok(TermKind::Field { field, op, value });
    }

    // A status word after `health` means the health status; `up`, `down` and
    // `flat` after `trend` are directions. Neither compares or ranges.
    if field == Field::Health
        && let Some(status) = enum_word::<HealthStatus>(&raw.text)
    {
        only_eq(field, op, op_start, op_end)?;
        return Ok(TermKind::Field {
            field: Field::HealthStatus,
            op,
            value: Value::HealthStatus(status),
        });
    }
    if field == Field::Trend
        && let Some(trend) = enum_word::<Trend>(&raw.text)
    {
        only_eq(field, op, op_start, op_end)?;
        return Ok(TermKind::Field {
            field,
            op,
            value: Value::Trend(trend),
        });
    }

    if let Some(dots) = raw.text.find("..") {
        if op != Op::Eq {
            return fail(
                op_start,
                op_end,
                format!("a range is written with ':', as in {}:a..b", field.name()),
            );
        }
        let (lo, hi) = (&raw.text[..dots], &raw.text[dots + 2..]);
        if lo.is_empty() || hi.is_empty() {
            return raw.fail(format!(
                "a range needs both ends, as in {}",
                range_example(field)
            ));
        }
        let from = scalar(field, &raw, lo, 0)?;
        let to = scalar(field, &raw, hi, dots + 2)?;
        if in_wrong_order(&from, &to) {
            return raw.fail("empty range: its start is after its end");
        }
        return Ok(TermKind::Range { field, from, to });
    }
    let value = scalar(field, &raw, &raw.text, 0)?;
    Ok(TermKind::Field { field, op, value })
}

fn range_example(field: Field) -> &'static str {
    match field.kind() {
        Kind::Money => "mrr:1k..5k",
        Kind::Date if field == Field::Renewal => "renewal:0d..90d",
        Kind::Date => "created:-30d..-7d",
        Kind::Age => "age:7d..30d",
        Kind::Int { min: 1, .. } => "severity:1..2",
        Kind::Trend => "trend:-5..5",
        _ => "health:40..60",
    }
}

/// Whether `from` is surely after `to` (compared without today's date).
fn in_wrong_order(from: &Value, to: &Value) -> bool {
    match (from, to) {
        (Value::Int(a), Value::Int(b)) | (Value::Money(a), Value::Money(b)) => a > b,
        (Value::Date(DateValue::On(a)), Value::Date(DateValue::On(b))) => a > b,
        (Value::Date(DateValue::Relative(a)), Value::Date(DateValue::Relative(b)))
        | (Value::Age(a), Value::Age(b)) => a.unit == b.unit && a.amount > b.amount,
        _ => false,
    }
}

/// One value of an ordered field; `text` is `raw.text[offset..offset + text.len()]`.
fn scalar(field: Field, raw: &Raw<'_>, text: &str, offset: usize) -> PResult<Value> {
    let (start, end) = raw.sub(offset, offset + text.len());
    match field.kind() {
        Kind::Int { .. } if field == Field::Health && text.starts_with(char::is_alphabetic) => {
            let names: Vec<&str> = HealthStatus::ALL.iter().map(|s| s.as_str()).collect();
            let hint = match nearest(&normalise(text), &names) {
                Some(s) => format!(": did you mean '{s}'?"),
                None => String::new(),
            };
            fail(
                start,
                end,
                format!(
                    "expected a number or a status ({}) for health, found '{text}'{hint}",
                    names.join(", ")
                ),
            )
        }
        Kind::Int { min, max } => {
            let n = integer(text).ok_or_else(|| Fail {
                start,
                end,
                message: format!("expected a number for {}, found '{text}'", field.name()),
            })?;
            if n < min || n > max {
                return fail(
                    start,
                    end,
                    format!(
                        "{} is between {min} and {max}, found '{text}'",
                        field.name()
                    ),
                );
            }
            Ok(Value::Int(n))
        }
        Kind::Trend => match integer(text) {
            Some(n) if (-100..=100).contains(&n) => Ok(Value::Int(n)),
            Some(_) => fail(
                start,
                end,
                format!("trend is between -100 and 100 points, found '{text}'"),
            ),
            None => fail(
                start,
                end,
                format!("expected up, down, flat or a number of points for trend, found '{text}'"),
            ),
        },
        Kind::Money => money(text).map(Value::Money).ok_or_else(|| Fail {
            start,
            end,
            message: format!(
                "expected an amount for mrr (as in 5000, $5k, 1.5m, 99.50), found '{text}'"
            ),
        }),
        Kind::Date => date(text).map(Value::Date).map_err(|message| Fail {
            start,
            end,
            message: format!("{message} for {}, found '{text}'", field.name()),
        }),
        Kind::Age => match interval(text) {
            Some(i) if i.amount >= 0 && !text.starts_with(['+', '-']) => Ok(Value::Age(i)),
            Some(_) => fail(
                start,
                end,
                format!("an age has no sign, as in age>7d; found '{text}'"),
            ),
            None => fail(
                start,
                end,
                format!(
                    "expected a length for age (a number and d, w, m or y, as in 14d), found '{text}'"
                ),
            ),
        },
        Kind::Text | Kind::Owner | Kind::Enum | Kind::Bool => {
            unreachable!("scalar is only called for ordered fields")
        }
    }
}

/// A signed whole number of at most 9 digits (`-5`, `+5`, `40`).
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || digits.len() > 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(if text.starts_with('-') { -n } else { n })
}

/// Money in cents: `[$]digits[.digits][k|m]`, exact to the cent.
fn money(text: &str) -> Option<i64> {
    let text = text.strip_prefix('$').unwrap_or(text);
    let (number, multiplier): (&str, i128) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 1_000),
        b'm' | b'M' => (&text[..text.len() - 1], 1_000_000),
        _ => (text, 1),
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 12 || frac.len() > 6 || !digits(whole) || !digits(frac) {
        return None;
    }
    if number.ends_with('.') {
        return None;
    }
    let scale = 10i128.pow(frac.len() as u32);
    let whole: i128 = whole.parse().ok()?;
    let frac: i128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let scaled = (whole * scale + frac) * multiplier * 100;
    if scaled % scale != 0 {
        return None;
    }
    i64::try_from(scaled / scale).ok()
}

/// `YYYY-MM-DD`, `today`, or a signed interval.
fn date(text: &str) -> Result<DateValue, String> {
    if text.eq_ignore_ascii_case("today") {
        return Ok(DateValue::Relative(Interval {
            amount: 0,
            unit: Unit::Day,
        }));
    }
    let b = text.as_bytes();
    if b.len() >= 5 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' {
        let parts: Vec<&str> = text.split('-').collect();
        let ok = parts.len() == 3
            && parts[0].len() == 4
            && parts[1].len() == 2
            && parts[2].len() == 2
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err("expected a date as YYYY-MM-DD".into());
        }
        let n = |s: &str| s.parse::<u32>().unwrap_or(0);
        return NaiveDate::from_ymd_opt(n(parts[0]) as i32, n(parts[1]), n(parts[2]))
            .map(DateValue::On)
            .ok_or_else(|| "no such day".into());
    }
    interval(text).map(DateValue::Relative).ok_or_else(|| {
        "expected a date (2026-12-31) or a distance from today (90d, -7d, 2w, 3m, 1y)".into()
    })
}

/// `[+|-]digits unit`, the amount within ±MAX_AMOUNT.
fn interval(text: &str) -> Option<Interval> {
    let unit = match text.as_bytes().last()? {
        b'd' | b'D' => Unit::Day,
        b'w' | b'W' => Unit::Week,
        b'm' | b'M' => Unit::Month,
        b'y' | b'Y' => Unit::Year,
        _ => return None,
    };
    let amount = integer(&text[..text.len() - 1])?;
    if amount.abs() > i64::from(MAX_AMOUNT) {
        return None;
    }
    Some(Interval {
        amount: amount as i32,
        unit,
    })
}

fn boolean(field: Field, raw: &Raw<'_>) -> PResult<bool> {
    match raw.text.to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => raw.fail(format!(
            "expected yes or no for {}, found '{}'",
            field.name(),
            raw.text
        )),
    }
}

/// The value of an enum field, with a suggestion when it is misspelt.
fn enum_value(field: Field, raw: &Raw<'_>) -> PResult<Value> {
    fn one<T: Named + FromStr>(
        field: Field,
        raw: &Raw<'_>,
        all: &[T],
        wrap: fn(T) -> Value,
    ) -> PResult<Value> {
        if let Some(v) = enum_word::<T>(&raw.text) {
            return Ok(wrap(v));
        }
        let names: Vec<&'static str> = all.iter().map(|v| v.as_str()).collect();
        let hint = match nearest(&normalise(&raw.text), &names) {
            Some(s) => format!(": did you mean '{s}'?"),
            None => format!(" (one of: {})", names.join(", ")),
        };
        raw.fail(format!("unknown {} '{}'{hint}", field.name(), raw.text))
    }
    match field {
        Field::Stage => one(field, raw, Stage::ALL, Value::Stage),
        Field::HealthStatus => one(field, raw, HealthStatus::ALL, Value::HealthStatus),
        Field::Churn => one(field, raw, ChurnLikelihood::ALL, Value::Churn),
        Field::Priority => one(field, raw, Priority::ALL, Value::Priority),
        Field::Status => one(field, raw, CaseStatus::ALL, Value::Status),
        Field::Signal => one(field, raw, Signal::ALL, Value::Signal),
        Field::Drag => {
            if raw.text.len() <= 32
                && let Some(m) = Measure::from_key(&normalise(&raw.text))
            {
                return Ok(Value::Drag(m));
            }
            let names: Vec<&'static str> = Measure::ALL.iter().map(|m| m.key()).collect();
            let hint = match nearest(&normalise(&raw.text), &names) {
                Some(s) => format!(": did you mean '{s}'?"),
                None => " (tend health profiles lists the measure ids)".to_string(),
            };
            raw.fail(format!("unknown health measure '{}'{hint}", raw.text))
        }
        _ => unreachable!("enum_value is only called for enum fields"),
    }
}

/// Lowercase, with `-` and spaces as `_`.
fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn enum_word<T: FromStr>(text: &str) -> Option<T> {
    // Every enum spelling starts with a letter: numbers skip the allocation.
    if text.len() > 32 || !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    normalise(text).parse().ok()
}

#[cfg(test)]
mod tests;
