//! Properties of the filter language: no input panics, errors point inside the
//! input, and the printed form of a filter parses back to the same filter.

use chrono::NaiveDate;
use proptest::prelude::*;
use tend::domain::{CaseStatus, ChurnLikelihood, HealthStatus, Priority, Signal, Stage};
use tend::filter::{
    DateValue, Field, Filter, Interval, MAX_AMOUNT, Op, Term, TermKind, Trend, Unit, Value,
};
use tend::health::Measure;

fn op() -> impl Strategy<Value = Op> {
    prop::sample::select(vec![Op::Eq, Op::Lt, Op::Le, Op::Gt, Op::Ge])
}

fn unit() -> impl Strategy<Value = Unit> {
    prop::sample::select(vec![Unit::Day, Unit::Week, Unit::Month, Unit::Year])
}

fn interval(min: i32) -> impl Strategy<Value = Interval> {
    (min..=MAX_AMOUNT, unit()).prop_map(|(amount, unit)| Interval { amount, unit })
}

fn date() -> impl Strategy<Value = Value> {
    prop_oneof![
        (1000i32..=9999, 1u32..=366).prop_map(|(y, d)| {
            let day = NaiveDate::from_yo_opt(y, d)
                .or_else(|| NaiveDate::from_yo_opt(y, 365))
                .unwrap();
            Value::Date(DateValue::On(day))
        }),
        interval(-MAX_AMOUNT).prop_map(|i| Value::Date(DateValue::Relative(i))),
    ]
    .boxed()
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.]{1,12}",
        "[ -~]{1,16}",
        any::<String>(),
        Just("@me".to_string()),
        Just("a\"b\\c".to_string()),
    ]
    .prop_filter("never empty", |s| !s.is_empty())
}

fn pick<T: Copy + std::fmt::Debug + 'static>(all: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(all)
}

/// A valid value for an ordered field, and whether it can take an operator.
fn ordered_value(field: Field) -> BoxedStrategy<Value> {
    match field {
        Field::Health => (0i64..=100).prop_map(Value::Int).boxed(),
        Field::Severity => (1i64..=4).prop_map(Value::Int).boxed(),
        Field::Trend => (-100i64..=100).prop_map(Value::Int).boxed(),
        Field::Mrr => prop_oneof![
            (0i64..=10_000_000_000_000).prop_map(Value::Money),
            (0i64..=1000).prop_map(|k| Value::Money(k * 100_000)),
        ]
        .boxed(),
        Field::Renewal | Field::Created => date().boxed(),
        Field::Age => interval(0).prop_map(Value::Age).boxed(),
        _ => unreachable!(),
    }
}

/// Puts the two ends of a range in order where they compare without a date.
fn ordered(from: Value, to: Value) -> (Value, Value) {
    let swap = match (&from, &to) {
        (Value::Int(a), Value::Int(b)) | (Value::Money(a), Value::Money(b)) => a > b,
        (Value::Date(DateValue::On(a)), Value::Date(DateValue::On(b))) => a > b,
        (Value::Date(DateValue::Relative(a)), Value::Date(DateValue::Relative(b)))
        | (Value::Age(a), Value::Age(b)) => a.unit == b.unit && a.amount > b.amount,
        _ => false,
    };
    if swap { (to, from) } else { (from, to) }
}

fn field_kind(field: Field) -> BoxedStrategy<TermKind> {
    let eq = move |s: BoxedStrategy<Value>| {
        s.prop_map(move |value| TermKind::Field {
            field,
            op: Op::Eq,
            value,
        })
        .boxed()
    };
    match field {
        Field::Name
        | Field::Domain
        | Field::Segment
        | Field::Region
        | Field::Tag
        | Field::Goals
        | Field::Parent
        | Field::Team
        | Field::CaseRegion => eq(text().prop_map(Value::Text).boxed()),
        Field::Owner | Field::Followed => {
            eq(prop_oneof![text().prop_map(Value::Text), Just(Value::Me)].boxed())
        }
        Field::Stage => eq(pick(Stage::ALL).prop_map(Value::Stage).boxed()),
        Field::HealthStatus => eq(pick(HealthStatus::ALL)
            .prop_map(Value::HealthStatus)
            .boxed()),
        Field::Churn => eq(pick(ChurnLikelihood::ALL).prop_map(Value::Churn).boxed()),
        Field::Priority => eq(pick(Priority::ALL).prop_map(Value::Priority).boxed()),
        Field::Status => eq(pick(CaseStatus::ALL).prop_map(Value::Status).boxed()),
        Field::Signal => eq(pick(Signal::ALL).prop_map(Value::Signal).boxed()),
        Field::Escalated => eq(any::<bool>().prop_map(Value::Bool).boxed()),
        Field::Drag => eq(pick(Measure::ALL).prop_map(Value::Drag).boxed()),
        _ => {
            let compare = (op(), ordered_value(field))
                .prop_map(move |(op, value)| TermKind::Field { field, op, value });
            let between = (ordered_value(field), ordered_value(field)).prop_map(move |(a, b)| {
                let (from, to) = ordered(a, b);
                TermKind::Range { field, from, to }
            });
            if field == Field::Trend {
                prop_oneof![
                    compare,
                    between,
                    pick(Trend::ALL).prop_map(|t| TermKind::Field {
                        field: Field::Trend,
                        op: Op::Eq,
                        value: Value::Trend(t),
                    }),
                ]
                .boxed()
            } else {
                prop_oneof![compare, between].boxed()
            }
        }
    }
}

fn term() -> impl Strategy<Value = Term> {
    let kind = prop_oneof![
        1 => text().prop_map(TermKind::Text),
        4 => pick(Field::ALL).prop_flat_map(field_kind),
    ];
    (any::<bool>(), kind).prop_map(|(negated, kind)| Term { negated, kind })
}

fn filter() -> impl Strategy<Value = Filter> {
    prop::collection::vec(term(), 0..6).prop_map(|terms| Filter { terms })
}

/// Inputs made of the language's own pieces, so that many of them parse.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("health"),
        Just("stage"),
        Just("owner"),
        Just("renewal"),
        Just("created"),
        Just("age"),
        Just("mrr"),
        Just("trend"),
        Just("escalated"),
        Just("priority"),
        Just("region"),
        Just("drag"),
        Just("days_since_touch"),
        Just("Usage-Trend"),
        Just("@me"),
        Just(":"),
        Just("<"),
        Just("<="),
        Just(">"),
        Just("="),
        Just("!"),
        Just(".."),
        Just("-"),
        Just("\""),
        Just("\\"),
        Just(" "),
        Just("\t"),
        Just("40"),
        Just("-7d"),
        Just("90d"),
        Just("3m"),
        Just("5k"),
        Just("$1.5m"),
        Just("2026-12-31"),
        Just("at_risk"),
        Just("churned"),
        Just("urgent"),
        Just("yes"),
        Just("up"),
        Just("acme"),
        Just("é"),
        Just("日本"),
    ];
    prop::collection::vec(piece, 0..14).prop_map(|v| v.concat())
}

fn check_any(input: &str) {
    match Filter::parse(input) {
        Ok(f) => {
            let printed = f.to_string();
            assert_eq!(
                Filter::parse(&printed),
                Ok(f),
                "{input:?} printed as {printed:?}"
            );
        }
        Err(e) => {
            let chars = input.chars().count();
            assert!(
                e.at + e.len <= chars,
                "{input:?}: span {}+{} outside {chars} chars",
                e.at,
                e.len
            );
            assert!(
                e.len > 0 || e.at == chars,
                "{input:?}: empty span inside the input"
            );
            assert!(!e.message.is_empty());
            let _ = e.to_string();
        }
    }
    let _ = Filter::parse_accounts(input);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_string_parses_or_fails_inside_the_input(input in any::<String>()) {
        check_any(&input);
    }

    #[test]
    fn filter_like_strings_parse_or_fail_inside_the_input(input in filterish()) {
        check_any(&input);
    }

    #[test]
    fn a_printed_filter_parses_back_to_itself(f in filter()) {
        let printed = f.to_string();
        prop_assert_eq!(Filter::parse(&printed), Ok(f), "printed: {:?}", printed);
    }

    #[test]
    fn parse_print_parse_is_parse(input in filterish()) {
        if let Ok(f) = Filter::parse(&input) {
            let again = Filter::parse(&f.to_string());
            prop_assert_eq!(again, Ok(f));
        }
    }
}

#[test]
fn very_long_and_odd_inputs_do_not_panic() {
    let long_word = "a".repeat(200_000);
    check_any(&long_word);
    check_any(&format!("\"{long_word}"));
    check_any(&format!("health<{long_word}"));
    check_any(&format!("mrr>{}", "9".repeat(100_000)));
    check_any(&format!("renewal<{}d", "9".repeat(100_000)));
    check_any(&"health<40 ".repeat(20_000));
    check_any(&"-".repeat(1000));
    check_any("\0\u{7f}\u{200b}\u{feff}\r\n");
    check_any("health<40\u{0}");
    check_any("\"\\");
}

#[test]
fn drag_takes_a_measure_id() {
    let f = Filter::parse_accounts("drag:Days-Since-Touch").expect("a measure id");
    assert_eq!(f.to_string(), "drag:days_since_touch");
    let e = Filter::parse_accounts("drag:days_since_tuch").unwrap_err();
    assert!(e.message.contains("did you mean 'days_since_touch'"), "{e}");
    assert_eq!((e.at, e.len), (5, 15));
    let e = Filter::parse_accounts("drag<days_since_touch").unwrap_err();
    assert!(e.message.contains("takes ':' only"), "{e}");
}

#[test]
fn a_typical_filter_parses_quickly() {
    let input =
        r#"health<40 region:EMEA tag:enterprise renewal<90d owner:@me -stage:churned "acme""#;
    let start = std::time::Instant::now();
    for _ in 0..1000 {
        assert!(Filter::parse(input).is_ok());
    }
    // Generous bound for unoptimised builds on a loaded machine.
    assert!(start.elapsed().as_secs() < 5);
}
