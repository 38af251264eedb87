//! Custom fields and churn reasons: the organisation's definitions are read back,
//! every write to an account is held to them, a user field puts its user on the
//! team, and `cf.NAME` filters run in the store.

use tend::backend::*;
use tend::domain::*;

use crate::fixture::ids::*;
use crate::support::*;

/// The rules the contract's backends are opened with: ACME's `tier: gold` and
/// GLOBEX's churn reason (product > performance) fit them.
pub fn account_rules() -> AccountRules {
    let field = |name: &str, kind, choices: &[&str]| CustomField {
        name: name.into(),
        label: String::new(),
        kind,
        choices: choices.iter().map(|c| c.to_string()).collect(),
    };
    let paths: Vec<String> = [
        "product > performance > exporter",
        "product > performance > login",
        "product > adoption",
        "price > too expensive",
    ]
    .map(String::from)
    .to_vec();
    AccountRules {
        custom_fields: vec![
            field(
                "tier",
                CustomFieldType::Choice,
                &["gold", "silver", "bronze"],
            ),
            field("seats", CustomFieldType::Number, &[]),
            field("kickoff", CustomFieldType::Date, &[]),
            field("sponsor", CustomFieldType::User, &[]),
        ],
        churn_reasons: ChurnReasonTree::from_paths(&paths).expect("a good tree"),
        goals_profiles: vec![
            GoalsProfile {
                name: "Adoption".into(),
                goals: vec!["Go live".into()],
            },
            GoalsProfile {
                name: "Expansion".into(),
                goals: vec![],
            },
        ],
    }
}

async fn account(b: &dyn Backend, id: Id) -> Account {
    match b
        .get(EntityKind::Account, id)
        .await
        .expect("get the account")
    {
        Record::Account(a) => a,
        other => panic!("not an account: {other:?}"),
    }
}

async fn set_fields(b: &dyn Backend, id: Id, fields: &[(&str, &str)]) -> Result<Account> {
    let mut a = account(b, id).await;
    for (k, v) in fields {
        a.custom_fields.insert(k.to_string(), v.to_string());
    }
    match b.update("alice", Record::Account(a)).await? {
        Record::Account(a) => Ok(a),
        other => panic!("not an account: {other:?}"),
    }
}

/// The definitions read back as the backend was opened with them.
pub async fn check_account_rules_read_back(b: &dyn Backend, _fx: &crate::Fixture) {
    assert_eq!(b.account_rules().await.expect("rules"), account_rules());
}

/// A value that does not fit its field is refused naming the field (in a batch,
/// with the write's place); one that fits is kept; fields no definition names
/// pass; a user field's user joins the team and follows the account.
pub async fn check_custom_field_writes(b: &dyn Backend, _fx: &crate::Fixture) {
    for (name, value) in [
        ("tier", "platinum"),
        ("seats", "a dozen"),
        ("kickoff", "2026-02-30"),
        ("sponsor", "Carol Smith"),
    ] {
        let r = set_fields(b, GLOBEX, &[(name, value)]).await;
        expect_invalid(
            r,
            &format!("custom_fields.{name}"),
            &format!("{name} = {value}"),
        );
    }
    let mut bad = account(b, GLOBEX).await;
    bad.custom_fields.insert("tier".into(), "platinum".into());
    expect_invalid(
        b.apply(
            "alice",
            vec![Write::Update {
                record: Record::Account(bad),
            }],
        )
        .await,
        "writes[0].custom_fields.tier",
        "a batch",
    );
    let a = set_fields(
        b,
        GLOBEX,
        &[
            ("tier", "silver"),
            ("seats", "12.5"),
            ("kickoff", "2026-02-01"),
            ("industry", "anything goes"),
            ("sponsor", "carol"),
        ],
    )
    .await
    .expect("values that fit");
    assert_eq!(a.custom_fields["seats"], "12.5");
    assert!(a.team.contains(&"carol".to_string()), "{:?}", a.team);
    let followed = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                expr: Some("followed:carol".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("followed");
    let ids: Vec<Id> = followed.items.iter().map(|r| r.id).collect();
    assert!(
        ids.contains(&GLOBEX),
        "carol follows what she sponsors: {ids:?}"
    );
    // Another sponsor takes the place on the team.
    let a = set_fields(b, GLOBEX, &[("sponsor", "dave")])
        .await
        .expect("another sponsor");
    assert!(a.team.contains(&"dave".to_string()), "{:?}", a.team);
    assert!(!a.team.contains(&"carol".to_string()), "{:?}", a.team);
}

/// Churn reasons: each level one of those under the level above.
pub async fn check_churn_reason_writes(b: &dyn Backend, _fx: &crate::Fixture) {
    let with = |c: Option<&str>, r: Option<&str>, d: Option<&str>, mut a: Account| {
        a.churn.reason_category = c.map(String::from);
        a.churn.reason_subcategory = r.map(String::from);
        a.churn.reason_details = d.map(String::from);
        Record::Account(a)
    };
    for (c, r, d, field) in [
        (Some("weather"), None, None, "churn.reason_category"),
        (
            Some("price"),
            Some("performance"),
            None,
            "churn.reason_subcategory",
        ),
        (
            Some("product"),
            Some("performance"),
            Some("billing"),
            "churn.reason_details",
        ),
        (None, Some("adoption"), None, "churn.reason_subcategory"),
    ] {
        let a = account(b, GLOBEX).await;
        expect_invalid(
            b.update("alice", with(c, r, d, a)).await,
            field,
            &format!("{c:?} > {r:?} > {d:?}"),
        );
    }
    let a = account(b, GLOBEX).await;
    b.update(
        "alice",
        with(Some("product"), Some("performance"), Some("exporter"), a),
    )
    .await
    .expect("a reason of the tree");
    let a = account(b, GLOBEX).await;
    b.update("alice", with(Some("price"), None, None, a))
        .await
        .expect("a category alone");
}

/// A goals profile is one of the organisation's, and `goals:NAME` lists its
/// accounts (ignoring case).
pub async fn check_goals_profiles(b: &dyn Backend, _fx: &crate::Fixture) {
    let mut a = account(b, GLOBEX).await;
    a.goals_profile = Some("Growth".into());
    expect_invalid(
        b.update("alice", Record::Account(a)).await,
        "goals_profile",
        "a profile the organisation does not have",
    );
    let mut a = account(b, GLOBEX).await;
    a.goals_profile = Some("Expansion".into());
    let Record::Account(a) = b
        .update("alice", Record::Account(a))
        .await
        .expect("a profile")
    else {
        panic!("not an account")
    };
    assert_eq!(a.goals_profile.as_deref(), Some("Expansion"));
    let listed = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                expr: Some("goals:expansion".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("goals filter");
    let ids: Vec<Id> = listed.items.iter().map(|r| r.id).collect();
    assert_eq!(ids, [GLOBEX]);
    // No profile: the account leaves the list.
    let mut a = account(b, GLOBEX).await;
    a.goals_profile = None;
    b.update("alice", Record::Account(a))
        .await
        .expect("no profile");
    let listed = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                expr: Some("goals:Expansion".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("goals filter");
    assert!(listed.items.is_empty(), "{:?}", listed.items);
}

/// `cf.NAME` terms: text ignoring case, numbers and dates compared, ranges,
/// negation, `@me`, in the store.
pub async fn check_custom_field_filters(b: &dyn Backend, _fx: &crate::Fixture) {
    set_fields(
        b,
        GLOBEX,
        &[
            ("tier", "silver"),
            ("seats", "40"),
            ("kickoff", "2026-01-15"),
        ],
    )
    .await
    .expect("globex");
    set_fields(
        b,
        HOOLI,
        &[
            ("seats", "5"),
            ("kickoff", "2026-03-01"),
            ("sponsor", "alice"),
        ],
    )
    .await
    .expect("hooli");
    let all: Vec<Id> = vec![ACME, ACME_FR, GLOBEX, INITECH, UMBRELLA, HOOLI];
    for (expr, want) in [
        ("cf.tier:gold", vec![ACME]),
        ("cf.TIER:Gold", vec![ACME]),
        ("cf.tier:platinum", vec![]),
        ("cf.seats>=10", vec![GLOBEX]),
        ("cf.seats<10", vec![HOOLI]),
        ("cf.seats:5", vec![HOOLI]),
        ("cf.seats:5.0", vec![HOOLI]),
        ("cf.seats:1..40", vec![GLOBEX, HOOLI]),
        ("cf.kickoff<2026-02-01", vec![GLOBEX]),
        ("cf.kickoff:2026-03-01", vec![HOOLI]),
        // Today is 2026-03-18: 30 days ago is 2026-02-16.
        ("cf.kickoff>-30d", vec![HOOLI]),
        ("cf.sponsor:@me", vec![HOOLI]),
        ("cf.nothing:x", vec![]),
    ] {
        let page = b
            .portfolio(&PortfolioQuery {
                filter: AccountFilter {
                    expr: Some(expr.into()),
                    me: Some("alice".into()),
                    ..Default::default()
                },
                ..Default::default()
            })
            .await
            .unwrap_or_else(|e| panic!("{expr}: {e}"));
        let got: Vec<Id> = page.items.iter().map(|r| r.id).collect();
        assert_same_ids(&got, &want, expr);
    }
    let page = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                expr: Some("-cf.tier:gold".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .expect("negated");
    let got: Vec<Id> = page.items.iter().map(|r| r.id).collect();
    let want: Vec<Id> = all.into_iter().filter(|&id| id != ACME).collect();
    assert_same_ids(&got, &want, "-cf.tier:gold");
    let r = b
        .portfolio(&PortfolioQuery {
            filter: AccountFilter {
                expr: Some("cf.tier>gold".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await;
    expect_invalid(r, "filter", "text compared with >");
}

/// Health profiles an admin gives replace the ones in force on both backends:
/// read back, the accounts rescored with them; profiles that do not parse are
/// refused naming `toml`, the ones in force kept.
pub async fn check_health_profiles_replaced(b: &dyn Backend, _fx: &crate::Fixture) {
    use tend::api::HealthProfiles;
    let before = b.health_profiles().await.expect("read");
    assert_eq!(before.toml, "");
    let bundled = before.profiles.expect("the profiles in force");
    assert!(bundled.get("default").is_some());
    // The enterprise profile (ACME's segment) replaced by one component of one
    // measure, the pulse: the overall score is its pulse points.
    let toml = r#"
[[profile]]
name = "enterprise"
segments = ["enterprise"]
[[profile.component]]
id = "relationship"
weight = 1
[[profile.component.measure]]
id = "pulse_rating"
weight = 1
linear = [[1, 0], [5, 100]]
"#;
    let bad = b
        .set_health_profiles(
            "ops",
            HealthProfiles {
                toml: "[[profile]]\nname = 3\n".into(),
                profiles: None,
            },
        )
        .await;
    expect_invalid(bad, "toml", "profiles that do not parse");
    assert_eq!(b.health_profiles().await.expect("read").toml, "");
    let now = b
        .set_health_profiles(
            "ops",
            HealthProfiles {
                toml: toml.into(),
                profiles: None,
            },
        )
        .await
        .expect("replaced");
    assert_eq!(now.toml, toml);
    let given = now
        .profiles
        .as_ref()
        .and_then(|p| p.get("enterprise"))
        .expect("enterprise");
    assert_eq!(given.components.len(), 1);
    assert!(
        now.profiles
            .as_ref()
            .and_then(|p| p.get("default"))
            .is_some()
    );
    assert_eq!(b.health_profiles().await.expect("read").toml, toml);
    // ACME's pulse is 4 of 5: 75 points, with the new profile.
    let report = b.health(ACME).await.expect("ACME's health");
    assert_eq!(report.explanation.profile, "enterprise");
    assert_eq!(report.explanation.components.len(), 1);
    assert_eq!(report.explanation.score.map(|s| s.round()), Some(75.0));
}
