//! agreements, opportunities, documents.

use super::*;

impl Table for Agreement {
    const TABLE: &'static str = "agreements";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "name",
        "mrr_cents",
        "start_day",
        "end_day",
        "notice_days",
        "auto_renew",
        "status",
        "kind",
        "payment_up_to_date",
        "renews_id",
        "attachments",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.name)
            .int(self.mrr_cents)
            .day(&self.start)
            .day(&self.end)
            .int(self.notice_days as i64)
            .bool(self.auto_renew)
            .name(self.status)
            .name(self.kind)
            .bool(self.payment_up_to_date)
            .opt_int(self.renews_id)
            .json(&self.attachments);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Agreement, CommonCols::read(c)?, {
            account_id: c.get()?,
            name: c.get()?,
            mrr_cents: c.get()?,
            start: c.day()?,
            end: c.day()?,
            notice_days: c.get()?,
            auto_renew: c.get()?,
            status: c.parse()?,
            kind: c.parse()?,
            payment_up_to_date: c.get()?,
            renews_id: c.get()?,
            attachments: c.json()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        let mut refs = vec![Ref {
            field: "account_id",
            kind: EntityKind::Account,
            id: self.account_id,
        }];
        refs.extend(self.renews_id.map(|id| Ref {
            field: "renews_id",
            kind: EntityKind::Agreement,
            id,
        }));
        refs
    }
    fn as_agreement(&self) -> Option<&Agreement> {
        Some(self)
    }
    table_plumbing!(Agreement);
}

impl Table for Opportunity {
    const TABLE: &'static str = "opportunities";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "name",
        "amount_cents",
        "phase",
        "owner",
        "expansion",
        "close_day",
        "description",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .text(&self.name)
            .int(self.amount_cents)
            .name(self.phase)
            .text(&self.owner)
            .bool(self.expansion)
            .opt_day(self.close_date.as_ref())
            .text(&self.description);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Opportunity, CommonCols::read(c)?, {
            account_id: c.get()?,
            name: c.get()?,
            amount_cents: c.get()?,
            phase: c.parse()?,
            owner: c.get()?,
            expansion: c.get()?,
            close_date: c.opt_day()?,
            description: c.get()?,
        }))
    }
    table_plumbing!(Opportunity);
}

impl Table for Document {
    const TABLE: &'static str = "documents";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "title",
        "kind",
        "link",
        "file_sha256",
        "file_name",
        "file_size",
        "file_media_type",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        let file = self.file.as_ref();
        p.int(self.account_id)
            .text(&self.title)
            .text(&self.kind)
            .text(&self.link)
            .opt_text(file.map(|f| f.sha256.as_str()))
            .opt_text(file.map(|f| f.name.as_str()))
            // A size over i64's range cannot be stored; the checks refuse any
            // over the file store's limit long before.
            .opt_int(file.map(|f| i64::try_from(f.size).unwrap_or(i64::MAX)))
            .opt_text(file.and_then(|f| f.media_type.as_deref()));
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        let common = CommonCols::read(c)?;
        let (account_id, title, kind, link) = (c.get()?, c.get()?, c.get()?, c.get()?);
        let sha256: Option<String> = c.get()?;
        let name: Option<String> = c.get()?;
        let size: Option<i64> = c.get()?;
        let media_type: Option<String> = c.get()?;
        Ok(record!(Document, common, {
            account_id: account_id,
            title: title,
            kind: kind,
            link: link,
            file: sha256.map(|sha256| DocumentFile {
                sha256,
                name: name.unwrap_or_default(),
                size: size.unwrap_or_default().max(0) as u64,
                media_type,
            }),
        }))
    }
    table_plumbing!(Document);
}
