//! accounts and contacts.

use super::*;

impl Table for Account {
    const TABLE: &'static str = "accounts";
    const COLUMNS: &'static [&'static str] = &[
        "name",
        "domain",
        "parent_id",
        "stage",
        "segment",
        "region",
        "tags",
        "owner",
        "team",
        "health_profile",
        "goals_profile",
        "focus_areas",
        "custom_fields",
        "churn",
        "churn_likelihood",
        "pulse",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.text(&self.name)
            .opt_text(self.domain.as_deref())
            .opt_int(self.parent_id)
            .name(self.stage)
            .text(&self.segment)
            .text(&self.region)
            .json(&self.tags)
            .text(&self.owner)
            .json(&self.team)
            .opt_text(self.health_profile.as_deref())
            .opt_text(self.goals_profile.as_deref())
            .json(&self.focus_areas)
            .json(&self.custom_fields)
            .json(&self.churn)
            .name(self.churn.likelihood);
        match &self.pulse {
            Some(pulse) => p.json(pulse),
            None => p.opt_text(None),
        };
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Account, CommonCols::read(c)?, {
            name: c.get()?,
            domain: c.get()?,
            parent_id: c.get()?,
            stage: c.parse()?,
            segment: c.get()?,
            region: c.get()?,
            tags: c.json()?,
            owner: c.get()?,
            team: c.json()?,
            health_profile: c.get()?,
            goals_profile: c.get()?,
            focus_areas: c.json()?,
            custom_fields: c.json()?,
            churn: {
                let churn = c.json()?;
                c.get::<String>()?;
                churn
            },
            pulse: match c.get::<Option<String>>()? {
                Some(s) => serde_json::from_str(&s).ok(),
                None => None,
            },
        }))
    }
    fn references(&self) -> Vec<Ref> {
        self.parent_id
            .map(|id| Ref {
                field: "parent_id",
                kind: EntityKind::Account,
                id,
            })
            .into_iter()
            .collect()
    }
    fn as_account(&self) -> Option<&Account> {
        Some(self)
    }
    table_plumbing!(Account);
}

impl Table for Contact {
    const TABLE: &'static str = "contacts";
    const COLUMNS: &'static [&'static str] =
        &["account_id", "name", "email", "title", "roles", "kind"];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.name)
            .opt_text(self.email.as_deref())
            .opt_text(self.title.as_deref())
            .json(&self.roles)
            .name(self.kind);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Contact, CommonCols::read(c)?, {
            account_id: c.get()?,
            name: c.get()?,
            email: c.get()?,
            title: c.get()?,
            roles: c.json()?,
            kind: c.parse()?,
        }))
    }
    table_plumbing!(Contact);
}
