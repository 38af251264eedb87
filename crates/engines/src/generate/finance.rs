//! Invoices and payments: a monthly invoice of the MRR in force over the current
//! term of each account that is up to date with its payments, each paid before
//! it is due (or not yet, when it is not due yet). Each account draws from its
//! own stream, and an account's health reads the same from its invoices as from
//! its agreements' payment flag, so adding them changed nothing else. Only in
//! the rich density (the demo): a bench book has none.

use chrono::{Datelike, Days, Months};

use super::Gen;
use super::rng::Rng;
use crate::dataset::Dataset;
use tend_domain::*;

pub(crate) fn add(g: &mut Gen, d: &mut Dataset) {
    if g.cfg.density != super::Density::Rich {
        return;
    }
    let today = g.today;
    let mut invoices = vec![];
    let mut payments = vec![];
    // Each account's agreements active today.
    let mut current_of: std::collections::HashMap<Id, Vec<&Agreement>> = Default::default();
    for a in d.agreements.iter().filter(|a| a.is_active_on(today)) {
        current_of.entry(a.account_id).or_default().push(a);
    }
    for account in &d.accounts {
        let current = current_of.remove(&account.id).unwrap_or_default();
        if current.is_empty() || !current.iter().all(|a| a.payment_up_to_date) {
            continue;
        }
        let Some(term) = current
            .iter()
            .filter(|a| a.kind != AgreementKind::Amendment)
            .min_by_key(|a| a.start)
        else {
            continue;
        };
        let mut r = Rng::new(g.cfg.seed ^ (account.id as u64).wrapping_mul(0x5851_F42D_4C95_7F2D));
        // The first of each month from the term's first full month.
        let mut month = term.start.with_day(1).unwrap_or(term.start);
        if month < term.start {
            month = month.checked_add_months(Months::new(1)).unwrap_or(month);
        }
        while month <= today {
            let amount: Cents = current
                .iter()
                .filter(|a| a.is_active_on(month))
                .map(|a| a.mrr_cents)
                .sum();
            if amount > 0 {
                let id = g.ids.invoice();
                // At midnight: nothing lies after an anchor on the first of a month.
                let issued = month.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
                let due = month + Days::new(30);
                invoices.push(Invoice {
                    id,
                    version: 1,
                    created_at: issued,
                    updated_at: issued,
                    source: Source::Crm,
                    external_id: Some(format!("in_{id:08}")),
                    account_id: account.id,
                    agreement_id: Some(term.id),
                    number: format!("INV-{}-{id:05}", month.year()),
                    amount_cents: amount,
                    currency: "USD".into(),
                    issued_on: month,
                    due_on: due,
                    void: false,
                });
                let paid_on = month + Days::new(r.range(3, 29) as u64);
                // Paid before today: nothing lies after the anchor.
                if paid_on < today {
                    let at = paid_on.and_hms_opt(14, 0, 0).unwrap_or_default().and_utc();
                    payments.push(Payment {
                        id: g.ids.payment(),
                        version: 1,
                        created_at: at,
                        updated_at: at,
                        source: Source::Crm,
                        external_id: None,
                        account_id: account.id,
                        invoice_id: id,
                        amount_cents: amount,
                        paid_on,
                        method: (*r.pick(&["transfer", "card", "direct debit"])).into(),
                    });
                }
            }
            month = match month.checked_add_months(Months::new(1)) {
                Some(m) => m,
                None => break,
            };
        }
    }
    d.invoices.extend(invoices);
    d.payments.extend(payments);
}
