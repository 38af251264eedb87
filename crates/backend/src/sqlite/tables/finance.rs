//! invoices, payments.

use super::*;

impl Table for Invoice {
    const TABLE: &'static str = "invoices";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "agreement_id",
        "number",
        "amount_cents",
        "currency",
        "issued_on",
        "due_on",
        "void",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .opt_int(self.agreement_id)
            .text(&self.number)
            .int(self.amount_cents)
            .text(&self.currency)
            .day(&self.issued_on)
            .day(&self.due_on)
            .bool(self.void);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Invoice, CommonCols::read(c)?, {
            account_id: c.get()?,
            agreement_id: c.get()?,
            number: c.get()?,
            amount_cents: c.get()?,
            currency: c.get()?,
            issued_on: c.day()?,
            due_on: c.day()?,
            void: c.get()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        let mut refs = vec![Ref {
            field: "account_id",
            kind: EntityKind::Account,
            id: self.account_id,
        }];
        refs.extend(self.agreement_id.map(|id| Ref {
            field: "agreement_id",
            kind: EntityKind::Agreement,
            id,
        }));
        refs
    }
    fn same_account(&self) -> bool {
        true
    }
    table_plumbing!(Invoice);
}

impl Table for Payment {
    const TABLE: &'static str = "payments";
    const COLUMNS: &'static [&'static str] = &[
        "account_id",
        "invoice_id",
        "amount_cents",
        "paid_on",
        "method",
    ];
    fn bind<'a>(&'a self, p: &mut Params<'a>) {
        p.int(self.account_id)
            .int(self.invoice_id)
            .int(self.amount_cents)
            .day(&self.paid_on)
            .text(&self.method);
    }
    fn read(c: &mut Cols) -> rusqlite::Result<Self> {
        Ok(record!(Payment, CommonCols::read(c)?, {
            account_id: c.get()?,
            invoice_id: c.get()?,
            amount_cents: c.get()?,
            paid_on: c.day()?,
            method: c.get()?,
        }))
    }
    fn references(&self) -> Vec<Ref> {
        vec![
            Ref {
                field: "account_id",
                kind: EntityKind::Account,
                id: self.account_id,
            },
            Ref {
                field: "invoice_id",
                kind: EntityKind::Invoice,
                id: self.invoice_id,
            },
        ]
    }
    fn same_account(&self) -> bool {
        true
    }
    table_plumbing!(Payment);
}
