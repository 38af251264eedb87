use super::*;
use crate::filter::FilterError;

fn p(input: &str) -> Filter {
    match Filter::parse(input) {
        Ok(f) => f,
        Err(e) => panic!("{input:?} did not parse:\n{e}"),
    }
}

fn err(input: &str) -> FilterError {
    match Filter::parse(input) {
        Ok(f) => panic!("{input:?} parsed as {f:?}"),
        Err(e) => e,
    }
}

/// The error's message, offset and length.
fn e(input: &str) -> (String, usize, usize) {
    let e = err(input);
    (e.message, e.at, e.len)
}

fn one(input: &str) -> Term {
    let f = p(input);
    assert_eq!(f.terms.len(), 1, "{input:?} -> {f:?}");
    f.terms.into_iter().next().unwrap()
}

fn field(input: &str) -> (Field, Op, Value) {
    match one(input).kind {
        TermKind::Field { field, op, value } => (field, op, value),
        other => panic!("{input:?} -> {other:?}"),
    }
}

fn range(input: &str) -> (Field, Value, Value) {
    match one(input).kind {
        TermKind::Range { field, from, to } => (field, from, to),
        other => panic!("{input:?} -> {other:?}"),
    }
}

fn rel(amount: i32, unit: Unit) -> Value {
    Value::Date(DateValue::Relative(Interval { amount, unit }))
}

fn canonical(input: &str) -> String {
    p(input).to_string()
}

#[test]
fn empty_and_blank_inputs_are_the_empty_filter() {
    assert!(p("").is_empty());
    assert!(p("   \t\n ").is_empty());
}

#[test]
fn the_product_examples_parse() {
    let f =
        p(r#"health<40 region:EMEA tag:enterprise renewal<90d owner:@me -stage:churned "acme""#);
    assert_eq!(
        f.terms,
        vec![
            Term {
                negated: false,
                kind: TermKind::Field {
                    field: Field::Health,
                    op: Op::Lt,
                    value: Value::Int(40)
                }
            },
            Term {
                negated: false,
                kind: TermKind::Field {
                    field: Field::Region,
                    op: Op::Eq,
                    value: Value::Text("EMEA".into())
                }
            },
            Term {
                negated: false,
                kind: TermKind::Field {
                    field: Field::Tag,
                    op: Op::Eq,
                    value: Value::Text("enterprise".into())
                }
            },
            Term {
                negated: false,
                kind: TermKind::Field {
                    field: Field::Renewal,
                    op: Op::Lt,
                    value: rel(90, Unit::Day)
                }
            },
            Term {
                negated: false,
                kind: TermKind::Field {
                    field: Field::Owner,
                    op: Op::Eq,
                    value: Value::Me
                }
            },
            Term {
                negated: true,
                kind: TermKind::Field {
                    field: Field::Stage,
                    op: Op::Eq,
                    value: Value::Stage(Stage::Churned)
                }
            },
            Term {
                negated: false,
                kind: TermKind::Text("acme".into())
            },
        ]
    );
    assert_eq!(
        f.to_string(),
        "health<40 region:EMEA tag:enterprise renewal<90d owner:@me -stage:churned acme"
    );
    let f = p("priority:urgent region:EMEA health<50");
    assert_eq!(f.case_fields().collect::<Vec<_>>(), vec![Field::Priority]);
}

#[test]
fn free_text_bare_and_quoted() {
    assert_eq!(one("acme").kind, TermKind::Text("acme".into()));
    assert_eq!(
        one(r#""acme corp""#).kind,
        TermKind::Text("acme corp".into())
    );
    assert_eq!(
        one(r#""say \"hi\"""#).kind,
        TermKind::Text(r#"say "hi""#.into())
    );
    assert_eq!(
        one(r#""back\\slash""#).kind,
        TermKind::Text(r"back\slash".into())
    );
    assert_eq!(one("12:30").kind, TermKind::Text("12:30".into()));
    assert_eq!(one("café").kind, TermKind::Text("café".into()));
    let f = p(r#"acme  "big co"	renewal"#);
    assert_eq!(f.terms.len(), 3);
    assert_eq!(canonical(r#""acme""#), "acme");
    assert_eq!(canonical(r#""acme corp""#), r#""acme corp""#);
    assert_eq!(canonical(r#""say \"hi\"""#), r#""say \"hi\"""#);
    assert_eq!(canonical("12:30"), r#""12:30""#);
    assert_eq!(canonical(r#""@me""#), r#""@me""#);
}

#[test]
fn negation() {
    let t = one("-acme");
    assert!(t.negated);
    assert_eq!(t.kind, TermKind::Text("acme".into()));
    assert!(one(r#"-"acme corp""#).negated);
    assert!(one("-escalated:yes").negated);
    assert!(one("-health:40..60").negated);
    assert!(!one("trend:-5").negated);
    assert_eq!(canonical("-@me"), "-owner:@me");
    assert_eq!(canonical("@followed"), "followed:@me");
}

#[test]
fn text_fields_keep_their_value_and_take_quotes() {
    for (input, f) in [
        ("name:acme", Field::Name),
        ("account:acme", Field::Name),
        ("domain:acme.com", Field::Domain),
        ("owner:jane", Field::Owner),
        ("csm:jane", Field::Owner),
        ("segment:smb", Field::Segment),
        ("region:EMEA", Field::Region),
        ("goals:Adoption", Field::Goals),
        ("goals_profile:Adoption", Field::Goals),
        ("tag:enterprise", Field::Tag),
        ("tags:enterprise", Field::Tag),
        ("parent:globex", Field::Parent),
        ("group:globex", Field::Parent),
        ("team:tier2", Field::Team),
        ("case_region:APAC", Field::CaseRegion),
        ("cregion:APAC", Field::CaseRegion),
    ] {
        let (got, op, value) = field(input);
        assert_eq!((got, op), (f, Op::Eq), "{input}");
        assert!(matches!(value, Value::Text(_)), "{input}");
    }
    assert_eq!(
        field(r#"owner:"Jane Doe""#).2,
        Value::Text("Jane Doe".into())
    );
    assert_eq!(
        field("domain=http://x.io").2,
        Value::Text("http://x.io".into())
    );
    assert_eq!(canonical(r#"owner:"Jane Doe""#), r#"owner:"Jane Doe""#);
    assert_eq!(canonical("REGION=emea"), "region:emea");
}

#[test]
fn owner_me() {
    assert_eq!(field("owner:@me"), (Field::Owner, Op::Eq, Value::Me));
    assert_eq!(field("owner:@ME"), (Field::Owner, Op::Eq, Value::Me));
    assert_eq!(field("@followed"), (Field::Followed, Op::Eq, Value::Me));
    assert_eq!(field("follows:@me"), (Field::Followed, Op::Eq, Value::Me));
    assert_eq!(
        field("followed:maya"),
        (Field::Followed, Op::Eq, Value::Text("maya".into()))
    );
    assert_eq!(field("@me"), (Field::Owner, Op::Eq, Value::Me));
    assert_eq!(field(r#"owner:"@me""#).2, Value::Text("@me".into()));
    assert_eq!(canonical(r#"owner:"@me""#), r#"owner:"@me""#);
    assert_eq!(canonical("@me"), "owner:@me");
}

#[test]
fn enum_fields_use_the_domain_spellings() {
    assert_eq!(field("stage:onboarding").2, Value::Stage(Stage::Onboarding));
    assert_eq!(field("stage:RENEWAL").2, Value::Stage(Stage::Renewal));
    assert_eq!(
        field("health_status:at_risk").2,
        Value::HealthStatus(HealthStatus::AtRisk)
    );
    assert_eq!(
        field("hstatus:concerning").2,
        Value::HealthStatus(HealthStatus::Concerning)
    );
    assert_eq!(
        field("churn:at-risk").2,
        Value::Churn(ChurnLikelihood::AtRisk)
    );
    assert_eq!(
        field("churn_likelihood:none").2,
        Value::Churn(ChurnLikelihood::None)
    );
    assert_eq!(
        field("priority:urgent").2,
        Value::Priority(Priority::Urgent)
    );
    assert_eq!(field("prio:low").2, Value::Priority(Priority::Low));
    assert_eq!(
        field("status:pending").2,
        Value::Status(CaseStatus::Pending)
    );
    assert_eq!(field("case_status:hold").2, Value::Status(CaseStatus::Hold));
    assert_eq!(
        field("signal:escalation_request").2,
        Value::Signal(Signal::EscalationRequest)
    );
    assert_eq!(
        field(r#"signals:"negative sentiment""#).2,
        Value::Signal(Signal::NegativeSentiment)
    );
    assert_eq!(canonical("churn:At-Risk"), "churn:at_risk");
    assert_eq!(
        canonical(r#"signal:"Negative Sentiment""#),
        "signal:negative_sentiment"
    );
}

#[test]
fn health_takes_a_score_or_a_status_word() {
    assert_eq!(field("health<40"), (Field::Health, Op::Lt, Value::Int(40)));
    assert_eq!(field("score>=0"), (Field::Health, Op::Ge, Value::Int(0)));
    assert_eq!(
        field("health_score:100"),
        (Field::Health, Op::Eq, Value::Int(100))
    );
    assert_eq!(
        field("health:at_risk"),
        (
            Field::HealthStatus,
            Op::Eq,
            Value::HealthStatus(HealthStatus::AtRisk)
        )
    );
    assert_eq!(canonical("health:healthy"), "health_status:healthy");
    assert_eq!(e("health<healthy").1, 6);
    assert_eq!(
        e("health:helthy"),
        (
            "expected a number or a status (at_risk, concerning, healthy) for health, \
             found 'helthy': did you mean 'healthy'?"
                .into(),
            7,
            6
        )
    );
}

#[test]
fn booleans() {
    for (input, b) in [
        ("escalated:yes", true),
        ("escalated:true", true),
        ("escalated:YES", true),
        ("escalated:no", false),
        ("escalated:false", false),
    ] {
        assert_eq!(
            field(input),
            (Field::Escalated, Op::Eq, Value::Bool(b)),
            "{input}"
        );
    }
    assert_eq!(canonical("escalated:true"), "escalated:yes");
    assert_eq!(canonical("escalated=false"), "escalated:no");
}

#[test]
fn numbers_and_every_operator() {
    for (input, op) in [
        ("severity:2", Op::Eq),
        ("severity=2", Op::Eq),
        ("severity<2", Op::Lt),
        ("severity<=2", Op::Le),
        ("severity>2", Op::Gt),
        ("severity>=2", Op::Ge),
        ("sev>=2", Op::Ge),
    ] {
        assert_eq!(
            field(input),
            (Field::Severity, op, Value::Int(2)),
            "{input}"
        );
        assert_eq!(p(&canonical(input)), p(input));
    }
    assert_eq!(field("trend<-5"), (Field::Trend, Op::Lt, Value::Int(-5)));
    assert_eq!(field("trend>+3"), (Field::Trend, Op::Gt, Value::Int(3)));
    assert_eq!(
        field("trend:down"),
        (Field::Trend, Op::Eq, Value::Trend(Trend::Down))
    );
    assert_eq!(field("trend:UP").2, Value::Trend(Trend::Up));
    assert_eq!(canonical("trend>+3"), "trend>3");
}

#[test]
fn money() {
    for (input, cents) in [
        ("mrr>5k", 500_000),
        ("mrr>$5k", 500_000),
        ("mrr>5K", 500_000),
        ("mrr>1.5m", 150_000_000),
        ("mrr>5000", 500_000),
        ("mrr>99.50", 9_950),
        ("mrr>0.01", 1),
        ("mrr>1.2345k", 123_450),
        ("mrr>0", 0),
    ] {
        assert_eq!(
            field(input),
            (Field::Mrr, Op::Gt, Value::Money(cents)),
            "{input}"
        );
    }
    assert_eq!(canonical("mrr>5000"), "mrr>5k");
    assert_eq!(canonical("mrr>1500k"), "mrr>1500k");
    assert_eq!(canonical("mrr>1000k"), "mrr>1m");
    assert_eq!(canonical("mrr>99.5"), "mrr>99.50");
    assert_eq!(canonical("mrr>$750"), "mrr>750");
    assert_eq!(canonical("mrr:1k..2.5k"), "mrr:1k..2500");
    for bad in [
        "mrr>5x",
        "mrr>$",
        "mrr>.5",
        "mrr>5.",
        "mrr>0.001",
        "mrr>-5",
        "mrr>1.2.3",
        "mrr>5kk",
    ] {
        let (msg, at, len) = e(bad);
        assert!(
            msg.starts_with("expected an amount for mrr"),
            "{bad}: {msg}"
        );
        assert_eq!((at, len), (4, bad.chars().count() - 4), "{bad}");
    }
}

#[test]
fn relative_and_absolute_dates() {
    assert_eq!(
        field("renewal<90d"),
        (Field::Renewal, Op::Lt, rel(90, Unit::Day))
    );
    assert_eq!(
        field("created>-7d"),
        (Field::Created, Op::Gt, rel(-7, Unit::Day))
    );
    assert_eq!(field("opened>=-2w").2, rel(-2, Unit::Week));
    assert_eq!(field("renews<3m").2, rel(3, Unit::Month));
    assert_eq!(field("renewal<1Y").2, rel(1, Unit::Year));
    assert_eq!(field("renewal<+30d").2, rel(30, Unit::Day));
    assert_eq!(field("renewal:today").2, rel(0, Unit::Day));
    assert_eq!(
        field("renewal<=2026-12-31").2,
        Value::Date(DateValue::On(
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        ))
    );
    assert_eq!(canonical("renewal<+30d"), "renewal<30d");
    assert_eq!(canonical("renewal:today"), "renewal:0d");
    assert_eq!(canonical("created>-7d"), "created>-7d");
    assert_eq!(canonical("renewal:2026-01-05"), "renewal:2026-01-05");
}

#[test]
fn dates_resolve_against_today() {
    let today = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let resolve = |input: &str| field(input).2.resolve_date(today).unwrap();
    assert_eq!(resolve("renewal<90d"), day(2026, 5, 1));
    assert_eq!(resolve("created>-7d"), day(2026, 1, 24));
    assert_eq!(resolve("created>-1w"), day(2026, 1, 24));
    assert_eq!(resolve("renewal<1m"), day(2026, 2, 28));
    assert_eq!(resolve("renewal<-1y"), day(2025, 1, 31));
    assert_eq!(resolve("renewal:2026-12-31"), day(2026, 12, 31));
    assert_eq!(resolve("age>14d"), day(2026, 1, 17));
    assert_eq!(field("health<4").2.resolve_date(today), None);
    let far = Interval {
        amount: MAX_AMOUNT,
        unit: Unit::Year,
    };
    assert_eq!(far.from(NaiveDate::MAX), NaiveDate::MAX);
    assert_eq!(far.ago(NaiveDate::MIN), NaiveDate::MIN);
}

#[test]
fn ages() {
    assert_eq!(
        field("age>14d"),
        (
            Field::Age,
            Op::Gt,
            Value::Age(Interval {
                amount: 14,
                unit: Unit::Day
            })
        )
    );
    assert_eq!(
        field("age<=2w").2,
        Value::Age(Interval {
            amount: 2,
            unit: Unit::Week
        })
    );
    assert_eq!(
        e("age>-3d"),
        ("an age has no sign, as in age>7d; found '-3d'".into(), 4, 3)
    );
    assert_eq!(e("age>+3d").1, 4);
    assert_eq!(e("age>3").1, 4);
}

#[test]
fn ranges() {
    assert_eq!(
        range("health:40..60"),
        (Field::Health, Value::Int(40), Value::Int(60))
    );
    assert_eq!(
        range("health:50..50"),
        (Field::Health, Value::Int(50), Value::Int(50))
    );
    assert_eq!(
        range("renewal:0d..90d"),
        (Field::Renewal, rel(0, Unit::Day), rel(90, Unit::Day))
    );
    assert_eq!(range("created:-30d..-7d").1, rel(-30, Unit::Day));
    assert_eq!(
        range("trend:-5..5"),
        (Field::Trend, Value::Int(-5), Value::Int(5))
    );
    assert_eq!(range("mrr:1.5k..2k").1, Value::Money(150_000));
    assert_eq!(range("age:1w..10d").0, Field::Age);
    assert_eq!(range("renewal:2026-01-01..2026-03-31").0, Field::Renewal);
    assert_eq!(range("renewal:2026-01-01..90d").0, Field::Renewal);
    assert_eq!(canonical("health=40..60"), "health:40..60");
    assert_eq!(canonical("-renewal:today..3m"), "-renewal:0d..3m");
}

#[test]
fn field_names_are_case_insensitive() {
    assert_eq!(field("HEALTH<40").0, Field::Health);
    assert_eq!(
        field("Priority:Urgent").2,
        Value::Priority(Priority::Urgent)
    );
}

#[test]
fn every_field_has_unique_names_and_a_scope() {
    let mut seen = std::collections::HashSet::new();
    for name in Field::NAMES {
        assert!(seen.insert(*name), "{name} twice");
        assert!(Field::lookup(name).is_some());
    }
    for f in Field::ALL {
        assert_eq!(Field::lookup(f.name()), Some(*f));
        for alias in f.aliases() {
            assert_eq!(Field::lookup(alias), Some(*f));
        }
    }
    assert_eq!(Field::Region.scope(), Scope::Account);
    assert_eq!(Field::CaseRegion.scope(), Scope::Case);
    assert_eq!(Field::Status.scope(), Scope::Case);
    assert_eq!(Field::HealthStatus.scope(), Scope::Account);
}

#[test]
fn account_lists_refuse_case_fields() {
    assert!(Filter::parse_accounts("health<40 region:EMEA owner:@me").is_ok());
    let e = Filter::parse_accounts("health<40 -priority:urgent").unwrap_err();
    assert_eq!((e.at, e.len), (11, 8));
    assert_eq!(
        e.message,
        "'priority' is a field of support cases; this list shows accounts"
    );
    assert!(Filter::parse_accounts("sev:1").is_err());
    assert!(Filter::parse("sev:1").is_ok());
}

// Errors: message, character offset, length.

#[test]
fn error_bad_number_points_at_the_value() {
    let err = err("health<4o");
    assert_eq!(
        (err.message.as_str(), err.at, err.len),
        ("expected a number for health, found '4o'", 7, 2)
    );
    assert_eq!(
        err.to_string(),
        "expected a number for health, found '4o'\n  health<4o\n         ^^"
    );
    assert_eq!(
        e("health:140"),
        ("health is between 0 and 100, found '140'".into(), 7, 3)
    );
    assert_eq!(e("severity:5").1, 9);
    assert_eq!(e("severity:0").1, 9);
    assert_eq!(e("trend<-101").1, 6);
    assert_eq!(e("trend:sideways").1, 6);
    assert_eq!(e("health<9999999999").1, 7);
}

#[test]
fn error_unknown_field_suggests_the_nearest() {
    assert_eq!(
        e("tag:x regoin:EMEA"),
        (
            "unknown field 'regoin': did you mean 'region'?".into(),
            6,
            6
        )
    );
    assert_eq!(
        e("helth<40").0,
        "unknown field 'helth': did you mean 'health'?"
    );
    assert_eq!(
        e("sever:1").0,
        "unknown field 'sever': did you mean 'severity'?"
    );
    assert_eq!(
        e("re:renewal"),
        (
            "unknown field 're'; quote the term to search for it as text".into(),
            0,
            2
        )
    );
    assert_eq!(
        e("zzzzzz>1").0,
        "unknown field 'zzzzzz'; quote the term to search for it as text"
    );
    assert_eq!(
        e("résumé:x"),
        (
            "unknown field 'résumé'; quote the term to search for it as text".into(),
            0,
            6
        )
    );
}

#[test]
fn error_unknown_enum_value_suggests_or_lists() {
    assert_eq!(
        e("stage:churnd"),
        (
            "unknown stage 'churnd': did you mean 'churned'?".into(),
            6,
            6
        )
    );
    assert_eq!(
        e("priority:meh"),
        (
            "unknown priority 'meh' (one of: urgent, high, normal, low)".into(),
            9,
            3
        )
    );
    assert_eq!(
        e("escalated:maybe"),
        (
            "expected yes or no for escalated, found 'maybe'".into(),
            10,
            5
        )
    );
}

#[test]
fn error_unclosed_quote_points_at_the_quote() {
    assert_eq!(e(r#"acme "big co"#), ("unclosed quote".into(), 5, 1));
    assert_eq!(e(r#"owner:"Jane"#), ("unclosed quote".into(), 6, 1));
    assert_eq!(e(r#""ends in backslash\"#), ("unclosed quote".into(), 0, 1));
    assert_eq!(e(r#""a\"b"#), ("unclosed quote".into(), 0, 1));
}

#[test]
fn error_quote_placement_and_escapes() {
    assert_eq!(
        e(r#""a"b"#),
        ("expected a space after the closing quote".into(), 3, 1)
    );
    assert_eq!(
        e(r#"ab"c""#),
        (
            "a quote must start a term: put a space before it".into(),
            2,
            1
        )
    );
    assert_eq!(e(r#"owner:ja"ne""#).1, 8);
    assert_eq!(
        e(r#""\n""#),
        (
            r#"unknown escape '\n': only \" and \\ are escapes"#.into(),
            1,
            2
        )
    );
    assert_eq!(
        e(r#"x """#),
        (
            "empty quotes: put the text to search for between them".into(),
            2,
            2
        )
    );
}

#[test]
fn error_negation_needs_a_term() {
    assert_eq!(e("-"), ("expected a term after '-'".into(), 0, 1));
    assert_eq!(e("acme - x").1, 5);
    assert_eq!(e("--x").1, 0);
}

#[test]
fn error_operators() {
    assert_eq!(
        e("health!=40"),
        (
            "'!' is not an operator: write -health:value to exclude".into(),
            6,
            2
        )
    );
    assert_eq!(
        e("stage>onboarding"),
        ("stage takes ':' only, not '>'".into(), 5, 1)
    );
    assert_eq!(e("name<=a").1, 4);
    assert_eq!(e("escalated<yes").1, 9);
    assert_eq!(e("trend<up").1, 5);
    assert_eq!(
        e("health<40..60"),
        (
            "a range is written with ':', as in health:a..b".into(),
            6,
            1
        )
    );
}

#[test]
fn error_missing_value() {
    assert_eq!(
        e("health<"),
        ("expected a value for health after '<'".into(), 6, 1)
    );
    assert_eq!(e("owner: x").1, 5);
    assert_eq!(
        e(r#"owner:"""#),
        ("expected a value for owner after ':'".into(), 6, 2)
    );
    assert_eq!(e("health>= 4").2, 2);
}

#[test]
fn error_ranges() {
    assert_eq!(
        e("health:40.."),
        ("a range needs both ends, as in health:40..60".into(), 7, 4)
    );
    assert_eq!(e("health:..60").1, 7);
    assert_eq!(
        e("health:60..40"),
        ("empty range: its start is after its end".into(), 7, 6)
    );
    assert_eq!(e("renewal:90d..0d").1, 8);
    assert_eq!(
        e("health:40..6o"),
        ("expected a number for health, found '6o'".into(), 11, 2)
    );
    assert_eq!(e("mrr:1k..x").1, 8);
}

#[test]
fn error_dates() {
    let (msg, at, len) = e("renewal<90");
    assert!(
        msg.starts_with("expected a date (2026-12-31) or a distance from today"),
        "{msg}"
    );
    assert_eq!((at, len), (8, 2));
    assert_eq!(
        e("renewal<2026-02-30"),
        ("no such day for renewal, found '2026-02-30'".into(), 8, 10)
    );
    assert_eq!(
        e("renewal<2026-2-3").0,
        "expected a date as YYYY-MM-DD for renewal, found '2026-2-3'"
    );
    assert_eq!(e("renewal<10001d").1, 8);
    assert_eq!(e("renewal<90x").1, 8);
}

#[test]
fn error_shortcuts() {
    assert_eq!(
        e("@you"),
        ("unknown shortcut '@you': only @me (owner:@me) and @followed (followed:@me) are known; quote it to search for the text".into(), 0, 4)
    );
}

#[test]
fn errors_count_characters_in_unicode_input() {
    assert_eq!(e("ünïcode health<4o").1, 15);
    assert_eq!(e("日本 \"x").1, 3);
}

#[test]
fn later_terms_are_not_ignored_after_good_ones() {
    assert_eq!(e("health<40 region:EMEA stage:nope").1, 28);
}

fn custom(input: &str) -> (String, Op, Value) {
    match one(input).kind {
        TermKind::Custom { name, op, value } => (name, op, value),
        other => panic!("{input:?} -> {other:?}"),
    }
}

#[test]
fn custom_fields_take_their_type_from_the_value() {
    assert_eq!(
        custom("cf.tier:gold"),
        ("tier".into(), Op::Eq, Value::Text("gold".into()))
    );
    assert_eq!(
        custom("cf.Tier=\"Gold plus\""),
        ("tier".into(), Op::Eq, Value::Text("Gold plus".into()))
    );
    assert_eq!(
        custom("cf.seats>=50"),
        ("seats".into(), Op::Ge, Value::Number("50".into()))
    );
    assert_eq!(
        custom("cf.seats<-2.5"),
        ("seats".into(), Op::Lt, Value::Number("-2.5".into()))
    );
    assert_eq!(
        custom("cf.kickoff<2026-06-01"),
        (
            "kickoff".into(),
            Op::Lt,
            Value::Date(DateValue::On(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()))
        )
    );
    assert_eq!(
        custom("cf.kickoff>-30d"),
        ("kickoff".into(), Op::Gt, rel(-30, Unit::Day))
    );
    // With ':', only a written-out day is a date: 90d is text.
    assert_eq!(
        custom("cf.code:90d"),
        ("code".into(), Op::Eq, Value::Text("90d".into()))
    );
    assert_eq!(
        custom("cf.sponsor:@me"),
        ("sponsor".into(), Op::Eq, Value::Me)
    );
    assert!(one("-cf.tier:gold").negated);
    match one("cf.seats:10..100").kind {
        TermKind::CustomRange { name, from, to } => {
            assert_eq!(name, "seats");
            assert_eq!(
                (from, to),
                (Value::Number("10".into()), Value::Number("100".into()))
            );
        }
        other => panic!("{other:?}"),
    }
    // Without an operator it is text, as before.
    assert_eq!(one("cf.example").kind, TermKind::Text("cf.example".into()));
    // Accounts only: a custom field is an account's.
    assert!(Filter::parse_accounts("cf.tier:gold region:emea").is_ok());
}

#[test]
fn custom_fields_print_back_to_the_same_filter() {
    for input in [
        "cf.tier:gold",
        "cf.seats>=50",
        "cf.seats:1.5..20",
        "cf.kickoff:2026-01-01..2026-06-30",
        "cf.kickoff>-30d",
        "-cf.sponsor:@me",
        "cf.code:\"12\"",
        "cf.code:\"2026-01-01\"",
        "cf.note:\"a..b\"",
        "cf.owner:\"@me\"",
    ] {
        let f = p(input);
        assert_eq!(p(&f.to_string()), f, "{input} -> {f}");
    }
    assert_eq!(canonical("CF.Seats>=+50"), "cf.seats>=50");
    assert_eq!(canonical("cf.code:\"12\""), "cf.code:\"12\"");
}

#[test]
fn custom_field_errors_point_at_the_value() {
    assert_eq!(
        e("cf.tier>gold"),
        (
            "cf.tier> compares a number or a date (2026-12-31, 90d), found 'gold'; text takes ':'"
                .into(),
            8,
            4
        )
    );
    assert_eq!(
        e("cf.seats:10..gold"),
        (
            "a range of cf.seats goes from a number to a number or from a date to a date, as in cf.seats:10..50".into(),
            9,
            8
        )
    );
    assert_eq!(
        e("cf.seats:50..10"),
        ("empty range: its start is after its end".into(), 9, 6)
    );
    assert_eq!(
        e("cf.tier!=gold"),
        (
            "'!' is not an operator: write -cf.tier:value to exclude".into(),
            7,
            2
        )
    );
    assert_eq!(
        e("cf.tier:"),
        ("expected a value for cf.tier after ':'".into(), 7, 1)
    );
    assert_eq!(
        e("cf.seats>1..2"),
        (
            "a range is written with ':', as in cf.seats:a..b".into(),
            8,
            1
        )
    );
}
