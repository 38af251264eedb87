//! The organisation's own account fields: custom fields an admin defines (text,
//! number, date, a choice, a user), the churn reasons as a three-level tree
//! (category > reason > detail) and the goals profiles an account is put in. The
//! store holds every write to them; the app offers what they allow.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;

/// What a custom field holds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CustomFieldType {
    /// Any text.
    #[default]
    Text,
    /// A number (`12`, `-3.5`).
    Number,
    /// A day, YYYY-MM-DD.
    Date,
    /// One of the field's `choices`.
    Choice,
    /// A user name; that user joins the account's team.
    User,
}

crate::named_enum!(CustomFieldType {
    Text => "text",
    Number => "number",
    Date => "date",
    Choice => "choice",
    User => "user",
});

/// One admin-defined account field; its values live in `Account::custom_fields`
/// under `name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomField {
    /// The key (lowercase letters, digits and `_`), as the filter names it: `cf.NAME`.
    pub name: String,
    /// What the app shows; the name when empty.
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type", default)]
    pub kind: CustomFieldType,
    /// The values a `choice` field takes.
    #[serde(default)]
    pub choices: Vec<String>,
}

impl CustomField {
    /// What the app shows for the field.
    pub fn title(&self) -> &str {
        if self.label.trim().is_empty() {
            &self.name
        } else {
            &self.label
        }
    }

    /// Whether `value` fits the field; why not when it does not. An empty value
    /// always fits (the field is unset).
    pub fn check_value(&self, value: &str) -> Result<(), String> {
        let v = value.trim();
        if v.is_empty() {
            return Ok(());
        }
        match self.kind {
            CustomFieldType::Text => Ok(()),
            CustomFieldType::Number => parse_number(v)
                .map(|_| ())
                .ok_or_else(|| format!("'{v}' is not a number")),
            CustomFieldType::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|_| ())
                .map_err(|_| format!("'{v}' is not a date (YYYY-MM-DD)")),
            CustomFieldType::Choice => {
                if self.choices.iter().any(|c| c == v) {
                    Ok(())
                } else {
                    Err(format!(
                        "'{v}' is not one of its choices ({})",
                        self.choices.join(", ")
                    ))
                }
            }
            CustomFieldType::User => {
                if v.chars().any(char::is_whitespace) {
                    Err(format!("'{v}' is not a user name (no spaces)"))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// A number as a custom field writes it: digits, an optional sign and decimals.
pub fn parse_number(text: &str) -> Option<f64> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 15 || frac.len() > 6 || !ok(whole) || !ok(frac) {
        return None;
    }
    if digits.ends_with('.') {
        return None;
    }
    text.parse().ok()
}

/// The churn reasons: category > reason > detail, in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChurnReasonTree {
    pub categories: Vec<ChurnCategory>,
}

/// A first-level churn reason and the reasons under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChurnCategory {
    pub name: String,
    #[serde(default)]
    pub reasons: Vec<ChurnReason>,
}

/// A second-level churn reason and the details under it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChurnReason {
    pub name: String,
    #[serde(default)]
    pub details: Vec<String>,
}

impl ChurnReasonTree {
    /// The tree of paths such as `"Product > Missing features > Reporting"` (one,
    /// two or three levels, `>` between them), in their order. An error names the
    /// path by its place (#1 is the first).
    pub fn from_paths(paths: &[String]) -> Result<ChurnReasonTree, String> {
        let mut tree = ChurnReasonTree::default();
        for (i, path) in paths.iter().enumerate() {
            let parts: Vec<&str> = path.split('>').map(str::trim).collect();
            let place = format!("#{} \"{path}\"", i + 1);
            if parts.len() > 3 {
                return Err(format!(
                    "{place}: at most three levels (category > reason > detail)"
                ));
            }
            if parts.iter().any(|p| p.is_empty()) {
                return Err(format!(
                    "{place}: an empty level (write category > reason > detail)"
                ));
            }
            let cat = match tree.categories.iter().position(|c| c.name == parts[0]) {
                Some(n) => n,
                None => {
                    tree.categories.push(ChurnCategory {
                        name: parts[0].to_string(),
                        reasons: vec![],
                    });
                    tree.categories.len() - 1
                }
            };
            let Some(reason) = parts.get(1) else { continue };
            let reasons = &mut tree.categories[cat].reasons;
            let r = match reasons.iter().position(|r| r.name == *reason) {
                Some(n) => n,
                None => {
                    reasons.push(ChurnReason {
                        name: reason.to_string(),
                        details: vec![],
                    });
                    reasons.len() - 1
                }
            };
            if let Some(detail) = parts.get(2) {
                let details = &mut reasons[r].details;
                if details.iter().any(|d| d == detail) {
                    return Err(format!("{place}: written twice"));
                }
                details.push(detail.to_string());
            }
        }
        Ok(tree)
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    /// The reasons under a category (none for an unknown one).
    pub fn reasons(&self, category: &str) -> &[ChurnReason] {
        self.categories
            .iter()
            .find(|c| c.name == category)
            .map_or(&[], |c| &c.reasons)
    }

    /// The details under a category's reason (none for an unknown one).
    pub fn details(&self, category: &str, reason: &str) -> &[String] {
        self.reasons(category)
            .iter()
            .find(|r| r.name == reason)
            .map_or(&[], |r| &r.details)
    }

    /// Whether a churn forecast's reason fits the tree: each level one of those
    /// under the level above, and no level without the one above it. The error
    /// names the field.
    pub fn check(&self, churn: &ChurnForecast) -> Result<(), FieldError> {
        let bad = |field: &str, message: String| FieldError {
            field: format!("churn.{field}"),
            message,
        };
        fn set(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let (cat, reason, detail) = (
            set(&churn.reason_category),
            set(&churn.reason_subcategory),
            set(&churn.reason_details),
        );
        let names = |it: &mut dyn Iterator<Item = &str>| it.collect::<Vec<_>>().join(", ");
        if let Some(c) = cat
            && !self.categories.iter().any(|x| x.name == c)
        {
            return Err(bad(
                "reason_category",
                format!(
                    "'{c}' is not a churn reason category (one of: {})",
                    names(&mut self.categories.iter().map(|x| x.name.as_str()))
                ),
            ));
        }
        match (cat, reason) {
            (None, Some(r)) => {
                return Err(bad(
                    "reason_subcategory",
                    format!("'{r}' needs a category first"),
                ));
            }
            (Some(c), Some(r)) if !self.reasons(c).iter().any(|x| x.name == r) => {
                let under = names(&mut self.reasons(c).iter().map(|x| x.name.as_str()));
                return Err(bad(
                    "reason_subcategory",
                    if under.is_empty() {
                        format!("'{c}' has no reasons under it, not '{r}'")
                    } else {
                        format!("'{r}' is not a reason under '{c}' (one of: {under})")
                    },
                ));
            }
            _ => {}
        }
        match (cat.zip(reason), detail) {
            (None, Some(d)) => Err(bad(
                "reason_details",
                format!("'{d}' needs a category and a reason first"),
            )),
            (Some((c, r)), Some(d))
                if !self.details(c, r).is_empty() && !self.details(c, r).iter().any(|x| x == d) =>
            {
                Err(bad(
                    "reason_details",
                    format!(
                        "'{d}' is not a detail under '{c} > {r}' (one of: {})",
                        self.details(c, r).join(", ")
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A goals profile: a category of customers that want the same things from the
/// product (adoption, expansion, a renewal...), with the goals the category means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalsProfile {
    pub name: String,
    /// What a customer of this profile wants to reach, in the order shown.
    #[serde(default)]
    pub goals: Vec<String>,
}

/// What the organisation adds to accounts: its custom fields, churn reasons and
/// goals profiles.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccountRules {
    pub custom_fields: Vec<CustomField>,
    /// Empty: churn reasons are free text.
    pub churn_reasons: ChurnReasonTree,
    /// Empty: an account's goals profile is free text.
    #[serde(default)]
    pub goals_profiles: Vec<GoalsProfile>,
}

impl AccountRules {
    /// No definitions at all: every account write passes as it is.
    pub fn is_empty(&self) -> bool {
        self.custom_fields.is_empty()
            && self.churn_reasons.is_empty()
            && self.goals_profiles.is_empty()
    }

    /// The goals profiles themselves: each named, once, with no empty goal. An
    /// error names the profile by its place (#1 is the first).
    pub fn check_goals_profiles(profiles: &[GoalsProfile]) -> Result<(), String> {
        for (i, p) in profiles.iter().enumerate() {
            let place = format!("#{} \"{}\"", i + 1, p.name);
            if p.name.trim().is_empty() {
                return Err(format!("#{}: a profile needs a name", i + 1));
            }
            if profiles[..i]
                .iter()
                .any(|q| q.name.eq_ignore_ascii_case(&p.name))
            {
                return Err(format!("{place}: the name is used twice"));
            }
            if p.goals.iter().any(|g| g.trim().is_empty()) {
                return Err(format!("{place}: an empty goal"));
            }
        }
        Ok(())
    }

    /// The goals profile of that name.
    pub fn goals_profile(&self, name: &str) -> Option<&GoalsProfile> {
        self.goals_profiles.iter().find(|p| p.name == name)
    }

    /// The definitions themselves: names unique and well formed, choices given to
    /// choice fields only. An error names the field by its place (#1 is the first).
    pub fn check_definitions(fields: &[CustomField]) -> Result<(), String> {
        for (i, f) in fields.iter().enumerate() {
            let place = format!("#{} \"{}\"", i + 1, f.name);
            let good_name = !f.name.is_empty()
                && f.name.len() <= 40
                && f.name.starts_with(|c: char| c.is_ascii_lowercase())
                && f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !good_name {
                return Err(format!(
                    "{place}: name must be lowercase letters, digits and _, starting with a letter (as in tier or renewal_owner)"
                ));
            }
            if fields[..i].iter().any(|g| g.name == f.name) {
                return Err(format!("{place}: the name is used twice"));
            }
            match (f.kind, f.choices.is_empty()) {
                (CustomFieldType::Choice, true) => {
                    return Err(format!("{place}: a choice field needs choices = [...]"));
                }
                (CustomFieldType::Choice, false)
                    if f.choices.iter().any(|c| c.trim().is_empty()) =>
                {
                    return Err(format!("{place}: an empty choice"));
                }
                (CustomFieldType::Choice, false) => {}
                (kind, false) => {
                    return Err(format!(
                        "{place}: choices are for type \"choice\", not \"{kind}\""
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The definition of a custom field.
    pub fn field(&self, name: &str) -> Option<&CustomField> {
        self.custom_fields.iter().find(|f| f.name == name)
    }

    /// Checks what a write sets: each defined custom field whose value changed
    /// (against `old`, the stored account) must fit its definition, and the churn
    /// reason must fit the tree when it changed. Values written before a
    /// definition changed do not stop other edits; fields no definition names
    /// (loaded from a CRM) pass as they are.
    pub fn check(&self, old: Option<&Account>, new: &Account) -> Result<(), FieldError> {
        for (name, value) in &new.custom_fields {
            let Some(def) = self.field(name) else {
                continue;
            };
            if old.and_then(|o| o.custom_fields.get(name)) == Some(value) {
                continue;
            }
            def.check_value(value).map_err(|message| FieldError {
                field: format!("custom_fields.{name}"),
                message: format!("{}: {message}", def.title()),
            })?;
        }
        let reason = |c: &ChurnForecast| {
            (
                c.reason_category.clone(),
                c.reason_subcategory.clone(),
                c.reason_details.clone(),
            )
        };
        if !self.churn_reasons.is_empty()
            && old.is_none_or(|o| reason(&o.churn) != reason(&new.churn))
        {
            self.churn_reasons.check(&new.churn)?;
        }
        if let Some(profile) = &new.goals_profile
            && !self.goals_profiles.is_empty()
            && old.is_none_or(|o| o.goals_profile.as_ref() != Some(profile))
            && self.goals_profile(profile).is_none()
        {
            let names: Vec<&str> = self
                .goals_profiles
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            return Err(FieldError {
                field: "goals_profile".into(),
                message: format!(
                    "'{profile}' is not a goals profile (one of: {})",
                    names.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// A user set in a custom field of type user joins the account's team (and
    /// the user it replaces, put there by the field, leaves it).
    pub fn join_team(&self, old: Option<&Account>, new: &mut Account) {
        for def in self
            .custom_fields
            .iter()
            .filter(|f| f.kind == CustomFieldType::User)
        {
            let value = |a: &Account| {
                a.custom_fields
                    .get(&def.name)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            let (was, now) = (old.and_then(value), value(new));
            if was == now {
                continue;
            }
            if let Some(was) = was
                && was != new.owner
            {
                new.team.retain(|m| *m != was);
            }
            if let Some(now) = now
                && now != new.owner
                && !new.team.contains(&now)
            {
                new.team.push(now);
            }
        }
    }

    /// The values of the custom fields, by name, for display: defined ones first
    /// in their order, then the others.
    pub fn values<'a>(&'a self, a: &'a Account) -> Vec<(String, &'a str)> {
        let mut out: Vec<(String, &str)> = self
            .custom_fields
            .iter()
            .map(|f| {
                (
                    f.title().to_string(),
                    a.custom_fields.get(&f.name).map_or("", String::as_str),
                )
            })
            .collect();
        let defined: BTreeMap<&str, ()> = self
            .custom_fields
            .iter()
            .map(|f| (f.name.as_str(), ()))
            .collect();
        out.extend(
            a.custom_fields
                .iter()
                .filter(|(k, _)| !defined.contains_key(k.as_str()))
                .map(|(k, v)| (k.clone(), v.as_str())),
        );
        out
    }

    /// The demo's definitions (`tend demo` with none in the config).
    pub fn demo() -> AccountRules {
        let field = |name: &str, label: &str, kind, choices: &[&str]| CustomField {
            name: name.into(),
            label: label.into(),
            kind,
            choices: choices.iter().map(|s| s.to_string()).collect(),
        };
        let goals = |name: &str, goals: &[&str]| GoalsProfile {
            name: name.into(),
            goals: goals.iter().map(|g| g.to_string()).collect(),
        };
        let paths: Vec<String> = [
            "Product > Adoption > Low usage",
            "Product > Adoption > Champion left",
            "Product > Missing features > Reporting",
            "Product > Missing features > Integrations",
            "Price > Too expensive",
            "Price > Budget cut",
            "Service > Support quality",
            "Business > Acquired",
            "Business > Went out of business",
        ]
        .map(String::from)
        .to_vec();
        AccountRules {
            custom_fields: vec![
                field(
                    "tier",
                    "Tier",
                    CustomFieldType::Choice,
                    &["gold", "silver", "bronze"],
                ),
                field("seats", "Seats", CustomFieldType::Number, &[]),
                field("kickoff", "Kickoff date", CustomFieldType::Date, &[]),
                field("exec_sponsor", "Exec sponsor", CustomFieldType::User, &[]),
                field("notes", "Notes", CustomFieldType::Text, &[]),
            ],
            // Proven well formed by the test below.
            churn_reasons: ChurnReasonTree::from_paths(&paths).unwrap_or_default(),
            goals_profiles: vec![
                goals(
                    "Adoption",
                    &["Go live", "Every licensed team active weekly"],
                ),
                goals(
                    "Expansion",
                    &["A second department on the product", "Seats up 20% a year"],
                ),
                goals(
                    "Renewal",
                    &["A business review each quarter", "Renew on time"],
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        serde_json::from_value(serde_json::json!({
            "id": 1, "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "name": "Acme", "stage": "adoption", "owner": "maya"
        }))
        .unwrap()
    }

    #[test]
    fn the_demo_rules_are_well_formed() {
        let d = AccountRules::demo();
        AccountRules::check_definitions(&d.custom_fields).unwrap();
        assert_eq!(d.churn_reasons.categories.len(), 4);
        assert_eq!(d.churn_reasons.details("Product", "Adoption").len(), 2);
    }

    #[test]
    fn values_are_checked_by_type_naming_the_field() {
        let rules = AccountRules::demo();
        let mut a = account();
        for (name, value, needle) in [
            (
                "tier",
                "platinum",
                "Tier: 'platinum' is not one of its choices",
            ),
            ("seats", "12 seats", "Seats: '12 seats' is not a number"),
            (
                "kickoff",
                "2026-13-01",
                "Kickoff date: '2026-13-01' is not a date",
            ),
            ("exec_sponsor", "Jane Doe", "not a user name"),
        ] {
            a.custom_fields = [(name.to_string(), value.to_string())].into();
            let e = rules.check(None, &a).unwrap_err();
            assert_eq!(e.field, format!("custom_fields.{name}"));
            assert!(e.message.contains(needle), "{}", e.message);
        }
        a.custom_fields = [
            ("tier".to_string(), "gold".to_string()),
            ("seats".to_string(), "-12.5".to_string()),
            ("kickoff".to_string(), "2026-02-01".to_string()),
            ("industry".to_string(), "anything".to_string()),
        ]
        .into();
        rules.check(None, &a).unwrap();
        // A value stored before the definition changed does not block other edits.
        let mut old = a.clone();
        old.custom_fields.insert("tier".into(), "platinum".into());
        let mut new = old.clone();
        new.name = "Acme Corp".into();
        rules.check(Some(&old), &new).unwrap();
    }

    #[test]
    fn churn_reasons_depend_on_the_level_above() {
        let rules = AccountRules::demo();
        let mut a = account();
        let set = |a: &mut Account, c: Option<&str>, r: Option<&str>, d: Option<&str>| {
            a.churn.reason_category = c.map(String::from);
            a.churn.reason_subcategory = r.map(String::from);
            a.churn.reason_details = d.map(String::from);
        };
        set(&mut a, Some("Product"), Some("Adoption"), Some("Low usage"));
        rules.check(None, &a).unwrap();
        set(&mut a, Some("Price"), Some("Too expensive"), None);
        rules.check(None, &a).unwrap();
        for (c, r, d, field, needle) in [
            (
                Some("Weather"),
                None,
                None,
                "reason_category",
                "'Weather' is not",
            ),
            (
                Some("Price"),
                Some("Adoption"),
                None,
                "reason_subcategory",
                "not a reason under 'Price'",
            ),
            (
                None,
                Some("Adoption"),
                None,
                "reason_subcategory",
                "needs a category",
            ),
            (
                Some("Product"),
                Some("Adoption"),
                Some("Reporting"),
                "reason_details",
                "not a detail under 'Product > Adoption'",
            ),
        ] {
            set(&mut a, c, r, d);
            let e = rules.check(None, &a).unwrap_err();
            assert_eq!(e.field, format!("churn.{field}"));
            assert!(e.message.contains(needle), "{}", e.message);
        }
    }

    #[test]
    fn bad_trees_and_definitions_say_which() {
        for (paths, needle) in [
            (
                vec!["A > B > C > D"],
                "#1 \"A > B > C > D\": at most three levels",
            ),
            (vec!["A", "A >  > C"], "#2"),
            (
                vec!["A > B > C", "A > B > C"],
                "#2 \"A > B > C\": written twice",
            ),
        ] {
            let paths: Vec<String> = paths.into_iter().map(String::from).collect();
            let e = ChurnReasonTree::from_paths(&paths).unwrap_err();
            assert!(e.contains(needle), "{e}");
        }
        let mut d = AccountRules::demo().custom_fields;
        d[1].name = "Seats".into();
        assert!(
            AccountRules::check_definitions(&d)
                .unwrap_err()
                .contains("#2 \"Seats\": name")
        );
        d[1].name = "tier".into();
        assert!(
            AccountRules::check_definitions(&d)
                .unwrap_err()
                .contains("used twice")
        );
        d[1].name = "seats".into();
        d[1].choices = vec!["1".into()];
        assert!(
            AccountRules::check_definitions(&d)
                .unwrap_err()
                .contains("choices are for type \"choice\"")
        );
        d[1].choices.clear();
        d[0].choices.clear();
        assert!(
            AccountRules::check_definitions(&d)
                .unwrap_err()
                .contains("needs choices")
        );
    }

    #[test]
    fn a_user_field_puts_its_user_on_the_team() {
        let rules = AccountRules::demo();
        let old = account();
        let mut new = old.clone();
        new.custom_fields
            .insert("exec_sponsor".into(), "raj".into());
        rules.join_team(Some(&old), &mut new);
        assert_eq!(new.team, vec!["raj".to_string()]);
        let old = new.clone();
        new.custom_fields
            .insert("exec_sponsor".into(), "lea".into());
        rules.join_team(Some(&old), &mut new);
        assert_eq!(new.team, vec!["lea".to_string()]);
        // The owner is not added to the team.
        let old = new.clone();
        new.custom_fields
            .insert("exec_sponsor".into(), "maya".into());
        rules.join_team(Some(&old), &mut new);
        assert!(new.team.is_empty());
    }

    #[test]
    fn a_goals_profile_is_one_of_the_organisations_once_it_has_some() {
        let mut rules = AccountRules::demo();
        assert!(AccountRules::check_goals_profiles(&rules.goals_profiles).is_ok());
        let mut a = account();
        a.goals_profile = Some("Expansion".into());
        assert_eq!(rules.check(None, &a), Ok(()));
        a.goals_profile = Some("growth".into());
        let e = rules.check(None, &a).unwrap_err();
        assert_eq!(e.field, "goals_profile");
        assert!(
            e.message.contains("one of: Adoption, Expansion, Renewal"),
            "{}",
            e.message
        );
        // A value from before the profiles changed does not stop other edits.
        let old = a.clone();
        a.name = "Acme Corp".into();
        assert_eq!(rules.check(Some(&old), &a), Ok(()));
        // Without profiles, any text.
        rules.goals_profiles.clear();
        assert_eq!(rules.check(None, &a), Ok(()));
        for (bad, needle) in [
            (vec![("", vec![])], "#1: a profile needs a name"),
            (
                vec![("A", vec![]), ("a", vec![])],
                "#2 \"a\": the name is used twice",
            ),
            (vec![("A", vec![" "])], "#1 \"A\": an empty goal"),
        ] {
            let profiles: Vec<GoalsProfile> = bad
                .into_iter()
                .map(|(name, goals)| GoalsProfile {
                    name: name.into(),
                    goals: goals.into_iter().map(String::from).collect(),
                })
                .collect();
            assert_eq!(
                AccountRules::check_goals_profiles(&profiles),
                Err(needle.into())
            );
        }
    }
}
