//! Financials: the invoices sent to an account and the payments received for
//! them. What is owed, what is late and the revenue by month follow from them;
//! so does whether the account is up to date with its payments, once it has any
//! invoice (before that, the flag set by hand on its agreements says it).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::account::first_version;
use super::*;

/// An invoice sent to the account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Invoice {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    /// The agreement it bills, when known.
    #[serde(default)]
    pub agreement_id: Option<Id>,
    /// Its number in the billing tool ("INV-2026-0042").
    pub number: String,
    pub amount_cents: Cents,
    /// ISO 4217 code ("USD", the default); amounts are not converted.
    #[serde(default = "default_currency")]
    pub currency: String,
    pub issued_on: NaiveDate,
    pub due_on: NaiveDate,
    /// Cancelled (a credit note): owes nothing.
    #[serde(default)]
    pub void: bool,
}

/// A payment received for an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub id: Id,
    #[serde(default = "first_version")]
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub source: Source,
    #[serde(default)]
    pub external_id: Option<String>,
    pub account_id: Id,
    pub invoice_id: Id,
    pub amount_cents: Cents,
    pub paid_on: NaiveDate,
    /// How it was paid ("card", "transfer"...).
    #[serde(default)]
    pub method: String,
}

fn default_currency() -> String {
    "USD".into()
}

/// Where an invoice stands on a day.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceState {
    /// Not fully paid, not due yet.
    Open,
    /// Not fully paid and past its due date.
    Overdue,
    /// Paid in full (or more).
    Paid,
    /// Cancelled.
    Void,
}

crate::named_enum!(InvoiceState {
    Open => "open",
    Overdue => "overdue",
    Paid => "paid",
    Void => "void",
});

impl Invoice {
    /// What the payments of this invoice among `payments` add up to (those made
    /// by `day`).
    pub fn paid_cents(&self, payments: &[Payment], day: NaiveDate) -> Cents {
        payments
            .iter()
            .filter(|p| p.invoice_id == self.id && p.paid_on <= day)
            .map(|p| p.amount_cents)
            .sum()
    }

    /// Where it stands on `day`, from the payments made by then.
    pub fn state(&self, payments: &[Payment], day: NaiveDate) -> InvoiceState {
        if self.void {
            InvoiceState::Void
        } else if self.paid_cents(payments, day) >= self.amount_cents {
            InvoiceState::Paid
        } else if day > self.due_on {
            InvoiceState::Overdue
        } else {
            InvoiceState::Open
        }
    }

    /// What is still owed on `day` (0 when void or paid).
    pub fn owed_cents(&self, payments: &[Payment], day: NaiveDate) -> Cents {
        match self.void {
            true => 0,
            false => (self.amount_cents - self.paid_cents(payments, day)).max(0),
        }
    }
}

/// Whether the account's invoices issued by `day` are paid up then (none of
/// them overdue); `None` before its first invoice. Only the invoices past their
/// due date have their payments added up.
pub fn invoices_up_to_date(
    invoices: &[Invoice],
    payments: &[Payment],
    day: NaiveDate,
) -> Option<bool> {
    let mut issued = invoices.iter().filter(|i| i.issued_on <= day).peekable();
    issued.peek()?;
    Some(!issued.any(|i| !i.void && day > i.due_on && i.paid_cents(payments, day) < i.amount_cents))
}

/// Whether the account is up to date with its payments on `day`: with invoices
/// issued by then, none of them overdue; without, what its agreements active
/// then say (the flag set by hand); `None` when neither tells.
pub fn payment_up_to_date(
    invoices: &[Invoice],
    payments: &[Payment],
    agreements: &[Agreement],
    day: NaiveDate,
) -> Option<bool> {
    invoices_up_to_date(invoices, payments, day).or_else(|| {
        agreements
            .iter()
            .any(|a| a.is_active_on(day))
            .then(|| crate::payments_up_to_date(agreements, day))
    })
}

/// The MRR in force on `day`: the agreements active that day, and those expired
/// since over their term (what the account paid for then).
pub fn mrr_in_force_on(agreements: &[Agreement], day: NaiveDate) -> Cents {
    agreements
        .iter()
        .filter(|a| a.in_force_on(day))
        .map(|a| a.mrr_cents)
        .sum()
}

/// A month of the account's revenue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevenueMonth {
    /// Its first day.
    pub month: NaiveDate,
    /// Invoiced that month (not void).
    pub invoiced_cents: Cents,
    /// Received that month.
    pub collected_cents: Cents,
    /// The MRR of the agreements in force on its last day (or today, this
    /// month), those expired since counted over their term.
    pub mrr_cents: Cents,
}

/// The last `months` months up to the one of `today`, oldest first.
pub fn revenue_by_month(
    invoices: &[Invoice],
    payments: &[Payment],
    agreements: &[Agreement],
    today: NaiveDate,
    months: u32,
) -> Vec<RevenueMonth> {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let this = first_of(today);
    (0..months)
        .rev()
        .filter_map(|back| this.checked_sub_months(chrono::Months::new(back)))
        .map(|month| {
            let next = month
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(month);
            let last = (next - chrono::Days::new(1)).min(today);
            let within = |d: NaiveDate| d >= month && d < next;
            RevenueMonth {
                month,
                invoiced_cents: invoices
                    .iter()
                    .filter(|i| !i.void && within(i.issued_on))
                    .map(|i| i.amount_cents)
                    .sum(),
                collected_cents: payments
                    .iter()
                    .filter(|p| within(p.paid_on))
                    .map(|p| p.amount_cents)
                    .sum(),
                mrr_cents: mrr_in_force_on(agreements, last),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    fn invoice(id: Id, amount: Cents, issued: &str, due: &str) -> Invoice {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        Invoice {
            id,
            version: 1,
            created_at: t,
            updated_at: t,
            source: Source::Ui,
            external_id: None,
            account_id: 1,
            agreement_id: None,
            number: format!("INV-{id}"),
            amount_cents: amount,
            currency: "EUR".into(),
            issued_on: day(issued),
            due_on: day(due),
            void: false,
        }
    }

    fn payment(invoice: Id, amount: Cents, on: &str) -> Payment {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        Payment {
            id: 0,
            version: 1,
            created_at: t,
            updated_at: t,
            source: Source::Ui,
            external_id: None,
            account_id: 1,
            invoice_id: invoice,
            amount_cents: amount,
            paid_on: day(on),
            method: String::new(),
        }
    }

    #[test]
    fn an_invoice_is_open_then_overdue_until_paid_in_full() {
        let i = invoice(1, 10_000, "2026-10-01", "2026-10-31");
        let part = [payment(1, 4_000, "2026-10-20")];
        assert_eq!(i.state(&part, day("2026-10-15")), InvoiceState::Open);
        assert_eq!(i.state(&part, day("2026-11-01")), InvoiceState::Overdue);
        assert_eq!(i.owed_cents(&part, day("2026-11-01")), 6_000);
        let all = [part[0].clone(), payment(1, 6_000, "2026-11-05")];
        assert_eq!(i.state(&all, day("2026-11-04")), InvoiceState::Overdue);
        assert_eq!(i.state(&all, day("2026-11-05")), InvoiceState::Paid);
        // Another invoice's payment pays nothing here.
        assert_eq!(
            i.paid_cents(&[payment(2, 10_000, "2026-10-02")], day("2026-12-01")),
            0
        );
        let void = Invoice { void: true, ..i };
        assert_eq!(void.state(&[], day("2026-12-01")), InvoiceState::Void);
        assert_eq!(void.owed_cents(&[], day("2026-12-01")), 0);
    }

    #[test]
    fn the_payment_flag_follows_the_invoices_once_there_are_any() {
        let i = invoice(1, 10_000, "2026-10-01", "2026-10-31");
        assert_eq!(payment_up_to_date(&[], &[], &[], day("2026-11-01")), None);
        assert_eq!(
            payment_up_to_date(std::slice::from_ref(&i), &[], &[], day("2026-10-31")),
            Some(true)
        );
        assert_eq!(
            payment_up_to_date(std::slice::from_ref(&i), &[], &[], day("2026-11-01")),
            Some(false)
        );
        let paid = [payment(1, 10_000, "2026-11-02")];
        assert_eq!(
            payment_up_to_date(std::slice::from_ref(&i), &paid, &[], day("2026-11-02")),
            Some(true)
        );
        // Not issued yet on that day: the agreements tell (none here).
        assert_eq!(payment_up_to_date(&[i], &[], &[], day("2026-09-30")), None);
    }

    #[test]
    fn revenue_by_month_counts_each_invoice_and_payment_in_its_month() {
        let invoices = [
            invoice(1, 10_000, "2026-09-01", "2026-09-30"),
            invoice(2, 12_000, "2026-10-01", "2026-10-31"),
            Invoice {
                void: true,
                ..invoice(3, 99_000, "2026-10-02", "2026-10-31")
            },
        ];
        let payments = [
            payment(1, 10_000, "2026-10-03"),
            payment(2, 5_000, "2026-11-20"),
        ];
        let months = revenue_by_month(&invoices, &payments, &[], day("2026-11-23"), 3);
        let got: Vec<(NaiveDate, Cents, Cents)> = months
            .iter()
            .map(|m| (m.month, m.invoiced_cents, m.collected_cents))
            .collect();
        assert_eq!(
            got,
            vec![
                (day("2026-09-01"), 10_000, 0),
                (day("2026-10-01"), 12_000, 10_000),
                (day("2026-11-01"), 0, 5_000),
            ]
        );
    }
}
