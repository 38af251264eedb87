//! interactions and nps_responses.

use super::*;

impl Table for Interaction {
    const TABLE: &'static str = "interactions";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "kind",
        "direction",
        "at",
        "contact_ids",
        "\"user\"",
        "subject",
        "body",
        "tags",
        "sentiment_score",
        "sentiment_label",
        "sentiment_source",
        "excluded_from_score",
        "answered",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .name(self.kind)
            .name(self.direction)
            .ts(&self.at)
            .json(&self.contact_ids)
            .opt_text(self.user.as_deref())
            .text(&self.subject)
            .text(&self.body)
            .json(&self.tags);
        match &self.sentiment {
            Some(s) => p.real(s.score).name(s.label).name(s.source),
            None => p.opt_text(None).opt_text(None).opt_text(None),
        };
        p.bool(self.excluded_from_score).bool(self.answered);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Interaction, CommonCols::read(c)?, {
            account_id: c.get()?,
            kind: c.parse()?,
            direction: c.parse()?,
            at: c.ts()?,
            contact_ids: c.json()?,
            user: c.get()?,
            subject: c.get()?,
            body: c.get()?,
            tags: c.json()?,
            sentiment: {
                let score: Option<f64> = c.get()?;
                let label: Option<String> = c.get()?;
                let source: Option<String> = c.get()?;
                match (score, label, source) {
                    (Some(score), Some(label), Some(source)) => Some(Sentiment {
                        score,
                        label: label.parse().unwrap_or(SentimentLabel::Neutral),
                        source: source.parse().unwrap_or(SentimentSource::Ai),
                    }),
                    _ => None,
                }
            },
            excluded_from_score: c.get()?,
            answered: c.get()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        let mut refs = vec![Ref {
            field: "account_id",
            kind: EntityKind::Account,
            id: self.account_id,
        }];
        refs.extend(self.contact_ids.iter().map(|&id| Ref {
            field: "contact_ids",
            kind: EntityKind::Contact,
            id,
        }));
        refs
    }
    fn as_interaction(&self) -> Option<&Interaction> {
        Some(self)
    }
    table_plumbing!(Interaction);
}

impl Table for NpsResponse {
    const TABLE: &'static str = "nps_responses";
    const COLUMNS: &'static [&'static str] =
        &["account_id", "contact_id", "score", "comment", "at"];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .opt_int(self.contact_id)
            .int(self.score as i64)
            .text(&self.comment)
            .ts(&self.at);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(NpsResponse, CommonCols::read(c)?, {
            account_id: c.get()?,
            contact_id: c.get()?,
            score: c.get()?,
            comment: c.get()?,
            at: c.ts()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        let mut refs = vec![Ref {
            field: "account_id",
            kind: EntityKind::Account,
            id: self.account_id,
        }];
        refs.extend(self.contact_id.map(|id| Ref {
            field: "contact_id",
            kind: EntityKind::Contact,
            id,
        }));
        refs
    }
    table_plumbing!(NpsResponse);
}
