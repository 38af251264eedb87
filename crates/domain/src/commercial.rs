//! Contracts, opportunities and documents.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::account::first_version;
use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementStatus {
    Draft,
    Active,
    Expired,
    Cancelled,
}

crate::named_enum!(AgreementStatus {
    Draft => "draft",
    Active => "active",
    Expired => "expired",
    Cancelled => "cancelled",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgreementKind {
    Initial,
    Renewal,
    Amendment,
    Service,
}

crate::named_enum!(AgreementKind {
    Initial => "initial",
    Renewal => "renewal",
    Amendment => "amendment",
    Service => "service",
});

/// A link attached to a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    pub title: String,
    pub url: String,
}

/// A contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
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
    #[serde(default)]
    pub name: String,
    pub mrr_cents: Cents,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Notice period in days.
    #[serde(default)]
    pub notice_days: u32,
    #[serde(default)]
    pub auto_renew: bool,
    pub status: AgreementStatus,
    pub kind: AgreementKind,
    #[serde(default = "yes")]
    pub payment_up_to_date: bool,
    /// The agreement this one renews.
    #[serde(default)]
    pub renews_id: Option<Id>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

fn yes() -> bool {
    true
}

impl Agreement {
    /// Whether the agreement was in force on `day`: an expired one during its term,
    /// an active one as [`Agreement::is_active_on`] says.
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        match self.status {
            AgreementStatus::Active => self.is_active_on(day),
            AgreementStatus::Expired => self.start <= day && day <= self.end,
            AgreementStatus::Draft | AgreementStatus::Cancelled => false,
        }
    }

    /// Whether the agreement counts toward MRR on `day`: active, started, and either
    /// not ended or tacitly renewed.
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.status == AgreementStatus::Active
            && self.start <= day
            && (day <= self.end || self.auto_renew)
    }

    /// The end of the term running on `day`: a tacitly renewed contract rolls its end
    /// forward by whole terms.
    pub fn current_end(&self, day: NaiveDate) -> NaiveDate {
        if !self.auto_renew || self.end >= day {
            return self.end;
        }
        // A term covers start..=end, so it lasts one day more than their difference.
        let term = ((self.end - self.start).num_days() + 1).max(1) as u64;
        let behind = (day - self.end).num_days() as u64;
        let terms = behind.div_ceil(term);
        self.end
            .checked_add_days(Days::new(terms * term))
            .unwrap_or(self.end)
    }

    /// The notice date: with auto-renew, the end minus the notice period (the last day
    /// to cancel); without it, the end date itself.
    pub fn notice_date(&self, day: NaiveDate) -> NaiveDate {
        let end = self.current_end(day);
        if self.auto_renew {
            end.checked_sub_days(Days::new(self.notice_days as u64))
                .unwrap_or(end)
        } else {
            end
        }
    }
}

impl Agreement {
    /// The next notice date on or after `day`: with auto-renew, once this term's
    /// notice date has passed the contract is renewing anyway, so the next decision
    /// is the following term's notice date.
    pub fn next_notice_on_or_after(&self, day: NaiveDate) -> NaiveDate {
        let notice = self.notice_date(day);
        if notice >= day || !self.auto_renew {
            return notice;
        }
        let next_term = self
            .current_end(day)
            .checked_add_days(Days::new(1))
            .unwrap_or(day);
        self.notice_date(next_term)
    }
}

impl Agreement {
    /// The renewal made from this contract as of `today`: it starts the day after
    /// the running term ends, for a term as long (whole months stay whole months),
    /// with the same MRR, notice period, auto-renew and attachments. Renewed, this
    /// contract stops at the end of its running term (no tacit renewal on top).
    /// Answers (the updated contract, the new one to create).
    pub fn renew(&self, today: NaiveDate, now: Timestamp) -> (Agreement, Agreement) {
        let end = self.current_end(today);
        let start = end.checked_add_days(Days::new(1)).unwrap_or(end);
        let months = whole_months(self.start, self.end);
        let new_end = match months {
            Some(m) => start
                .checked_add_months(chrono::Months::new(m))
                .and_then(|d| d.pred_opt()),
            None => {
                start.checked_add_days(Days::new((self.end - self.start).num_days().max(0) as u64))
            }
        }
        .unwrap_or(start);
        let name = renewal_name(&self.name, start);
        let renewal = Agreement {
            id: 0,
            version: 1,
            created_at: now,
            updated_at: now,
            source: Source::Ui,
            external_id: None,
            name,
            start,
            end: new_end,
            status: AgreementStatus::Active,
            kind: AgreementKind::Renewal,
            payment_up_to_date: true,
            renews_id: Some(self.id),
            ..self.clone()
        };
        let mut old = self.clone();
        old.end = end;
        old.auto_renew = false;
        (old, renewal)
    }
}

/// Why a contract cannot be renewed. A contract is renewed once it ran (active or
/// expired: not a draft, not a cancelled one), and only once: a second renewal of
/// the same contract would count its MRR twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenewRefusal {
    /// A draft or a cancelled contract.
    NotRenewable { id: Id, status: AgreementStatus },
    /// Another agreement renews it already.
    AlreadyRenewed {
        id: Id,
        by: Id,
        name: String,
        start: NaiveDate,
        end: NaiveDate,
    },
}

impl std::fmt::Display for RenewRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenewRefusal::NotRenewable { id, status } => write!(
                f,
                "agreement {id} is {status}: only an active or expired contract is renewed"
            ),
            RenewRefusal::AlreadyRenewed {
                id,
                by,
                name,
                start,
                end,
            } => write!(
                f,
                "agreement {id} was already renewed by agreement {by} ({name}, {start} to \
                 {end}); renew that one instead"
            ),
        }
    }
}

impl Agreement {
    /// Whether the contract's status allows renewing it.
    pub fn is_renewable(&self) -> bool {
        matches!(
            self.status,
            AgreementStatus::Active | AgreementStatus::Expired
        )
    }

    /// Whether this contract may be renewed (once more), given agreements that may
    /// renew it already (any: those whose `renews_id` is this one count). The front
    /// ends ask it to explain before writing; the store asks it of every write of
    /// a renewal.
    pub fn check_renewal<'a>(
        &self,
        agreements: impl IntoIterator<Item = &'a Agreement>,
    ) -> Result<(), RenewRefusal> {
        if !self.is_renewable() {
            return Err(RenewRefusal::NotRenewable {
                id: self.id,
                status: self.status,
            });
        }
        match agreements
            .into_iter()
            .find(|a| a.renews_id == Some(self.id))
        {
            Some(next) => Err(RenewRefusal::AlreadyRenewed {
                id: self.id,
                by: next.id,
                name: next.name.clone(),
                start: next.start,
                end: next.end,
            }),
            None => Ok(()),
        }
    }
}

/// A renewal's name: a name ending in a year takes the new start's year ("Cloud
/// 2026" → "Cloud 2027"); another says which renewal it is.
fn renewal_name(name: &str, start: NaiveDate) -> String {
    let base = name.split(" (renewal ").next().unwrap_or_default().trim();
    if let Some((head, year)) = base.rsplit_once(' ')
        && year.len() == 4
        && year.parse::<i32>().is_ok_and(|y| (1900..3000).contains(&y))
    {
        return format!("{head} {}", start.year());
    }
    if base.is_empty() {
        format!("Renewal {}", start.format("%Y-%m-%d"))
    } else {
        format!("{base} (renewal {})", start.format("%Y-%m-%d"))
    }
}

/// The number of whole months from `start` to `end` when the term is exactly that
/// (1 Jan .. 31 Dec is 12), else None.
fn whole_months(start: NaiveDate, end: NaiveDate) -> Option<u32> {
    let next = end.succ_opt()?;
    let months = (next.year() - start.year()) * 12 + next.month() as i32 - start.month() as i32;
    let m = u32::try_from(months).ok().filter(|m| *m > 0)?;
    (start.checked_add_months(chrono::Months::new(m))? == next).then_some(m)
}

/// Account MRR at `day`: the sum of the MRR of the agreements active that day.
pub fn mrr_on(agreements: &[Agreement], day: NaiveDate) -> Cents {
    agreements
        .iter()
        .filter(|a| a.is_active_on(day))
        .map(|a| a.mrr_cents)
        .sum()
}

/// Whether every agreement active on `day` is paid up.
pub fn payments_up_to_date(agreements: &[Agreement], day: NaiveDate) -> bool {
    agreements
        .iter()
        .filter(|a| a.is_active_on(day))
        .all(|a| a.payment_up_to_date)
}

/// The account's renewal notice date ("renew in") on `day`: the nearest next notice
/// date of the terms that decide (see [`deciding_terms`]).
pub fn next_notice_date(agreements: &[Agreement], day: NaiveDate) -> Option<NaiveDate> {
    deciding_terms(agreements, day, |a| a.is_active_on(day))
        .into_iter()
        .map(|a| a.next_notice_on_or_after(day))
        .min()
}

/// The account's next renewal decision on `day`: its notice date and the end of
/// the term it decides on (the term running on the notice date of the deciding
/// term whose notice comes first).
pub fn next_renewal(agreements: &[Agreement], day: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    deciding_terms(agreements, day, |a| a.is_active_on(day))
        .into_iter()
        .map(|a| {
            let notice = a.next_notice_on_or_after(day);
            (notice, a.current_end(notice))
        })
        .min()
}

/// The terms whose notice dates are the account's next renewal decisions on `day`:
/// of each contract, its newest term. The terms `running` on `day`, with the
/// active renewals signed to follow them (a renewal starts the day after the term
/// it renews ends), less every term one of those renews: once a contract is
/// renewed, its old term still runs to its end, but that end is no longer a
/// decision (renewing must not make the renewal look sooner). Contracts that are
/// not renewals of one another each keep their own.
pub fn deciding_terms(
    agreements: &[Agreement],
    day: NaiveDate,
    running: impl Fn(&Agreement) -> bool,
) -> Vec<&Agreement> {
    let mut terms: Vec<&Agreement> = agreements.iter().filter(|a| running(a)).collect();
    // Renewals signed ahead, and renewals of those (an account has a handful of
    // contracts: the loop is short).
    loop {
        let before = terms.len();
        for a in agreements {
            let ahead = a.status == AgreementStatus::Active && a.start > day;
            if ahead
                && a.renews_id.is_some_and(|r| terms.iter().any(|t| t.id == r))
                && !terms.iter().any(|t| t.id == a.id)
            {
                terms.push(a);
            }
        }
        if terms.len() == before {
            break;
        }
    }
    let renewed: Vec<Id> = terms.iter().filter_map(|t| t.renews_id).collect();
    terms.retain(|t| !renewed.contains(&t.id));
    terms
}

/// Sales phase of an opportunity.
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
pub enum OpportunityPhase {
    Open,
    Qualified,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

crate::named_enum!(OpportunityPhase {
    Open => "open",
    Qualified => "qualified",
    Proposal => "proposal",
    Negotiation => "negotiation",
    Won => "won",
    Lost => "lost",
});

impl OpportunityPhase {
    /// The probability of closing, in percent, that the phase implies.
    pub fn probability(self) -> u8 {
        match self {
            OpportunityPhase::Open => 10,
            OpportunityPhase::Qualified => 25,
            OpportunityPhase::Proposal => 50,
            OpportunityPhase::Negotiation => 75,
            OpportunityPhase::Won => 100,
            OpportunityPhase::Lost => 0,
        }
    }
}

/// A sales or expansion opportunity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Opportunity {
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
    pub name: String,
    pub amount_cents: Cents,
    pub phase: OpportunityPhase,
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub expansion: bool,
    #[serde(default)]
    pub close_date: Option<NaiveDate>,
    #[serde(default)]
    pub description: String,
}

impl Opportunity {
    /// Amount weighted by the phase's probability, rounded to the cent.
    pub fn weighted_cents(&self) -> Cents {
        let p = self.phase.probability() as i128;
        ((self.amount_cents as i128 * p + 50) / 100) as Cents
    }
}

/// A document or link kept with an account (QBR deck, contract PDF, CRM page...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Document {
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
    pub title: String,
    #[serde(default)]
    pub kind: String,
    /// A URL or a file path; may be empty when a file is attached.
    #[serde(default)]
    pub link: String,
    /// A file kept in the store's file store, when one is attached. Left out
    /// of the JSON when there is none, so documents written before files read
    /// and write the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<DocumentFile>,
}

/// The largest file a document may keep: 100 MiB.
pub const MAX_FILE_BYTES: u64 = 100 << 20;

/// A file attached to a document. The store keeps its bytes once, named by
/// their SHA-256, beside the records; the document holds this reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentFile {
    /// The SHA-256 of the bytes: 64 lowercase hex digits.
    pub sha256: String,
    /// The file's name as it was attached, without folders (`QBR deck.pdf`).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its media type as its name's extension says (`application/pdf`), when
    /// the extension is a known one.
    #[serde(default)]
    pub media_type: Option<String>,
}

/// Whether `s` is a SHA-256 as the file store names files: 64 lowercase hex
/// digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Why `name` cannot be a file's name in a document, if it cannot: it must
/// hold more than blanks and name a file, not a path (it is what the file is
/// saved as when fetched).
pub fn file_name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("must not be empty")
    } else if name.contains(['/', '\\']) {
        Some("must be a file name without folders (no / or \\)")
    } else if name == "." || name == ".." {
        Some("must name a file, not . or ..")
    } else if name.chars().any(char::is_control) {
        Some("must not hold control characters")
    } else {
        None
    }
}

/// The media type a file name's extension stands for, among the kinds of files
/// kept with accounts (decks, contracts, sheets, images, text); none for others.
pub fn media_type_of(name: &str) -> Option<&'static str> {
    let (_, ext) = name.rsplit_once('.')?;
    Some(match ext.to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "odt" => "application/vnd.oasis.opendocument.text",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "odp" => "application/vnd.oasis.opendocument.presentation",
        "txt" | "log" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "webp" => "image/webp",
        "eml" => "message/rfc822",
        "ics" => "text/calendar",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn contract(start: &str, end: &str, auto_renew: bool) -> Agreement {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        Agreement {
            id: 7,
            version: 3,
            created_at: t,
            updated_at: t,
            source: Source::Import,
            external_id: None,
            account_id: 1,
            name: "Platform".into(),
            mrr_cents: 150_000,
            start: day(start),
            end: day(end),
            notice_days: 60,
            auto_renew,
            status: AgreementStatus::Active,
            kind: AgreementKind::Initial,
            payment_up_to_date: false,
            renews_id: None,
            attachments: vec![],
        }
    }

    #[test]
    fn a_contract_is_renewed_once_and_only_once_it_ran() {
        let c = contract("2026-01-01", "2026-12-31", true);
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let (_, mut renewal) = c.renew(day("2026-11-23"), t);
        renewal.id = 8;
        assert_eq!(c.check_renewal([&c]), Ok(()));
        assert!(matches!(
            c.check_renewal([&c, &renewal]),
            Err(RenewRefusal::AlreadyRenewed { id: 7, by: 8, .. })
        ));
        // The renewal itself can be renewed in its turn.
        assert_eq!(renewal.check_renewal([&c, &renewal]), Ok(()));
        for status in [AgreementStatus::Draft, AgreementStatus::Cancelled] {
            let x = Agreement {
                status,
                ..c.clone()
            };
            assert_eq!(
                x.check_renewal([]),
                Err(RenewRefusal::NotRenewable { id: 7, status })
            );
        }
        let expired = Agreement {
            status: AgreementStatus::Expired,
            ..c.clone()
        };
        assert_eq!(expired.check_renewal([]), Ok(()));
    }

    #[test]
    fn renewal_follows_the_running_term() {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        let c = contract("2026-01-01", "2026-12-31", true);
        let (old, new) = c.renew(day("2026-11-23"), t);
        assert_eq!((new.start, new.end), (day("2027-01-01"), day("2027-12-31")));
        assert_eq!(new.renews_id, Some(7));
        assert_eq!(new.kind, AgreementKind::Renewal);
        assert_eq!(
            (new.mrr_cents, new.notice_days, new.auto_renew),
            (150_000, 60, true)
        );
        assert_eq!(new.name, "Platform (renewal 2027-01-01)");
        assert!(!old.auto_renew);
        assert_eq!(old.end, day("2026-12-31"));
        // Renewing the renewal does not stack suffixes.
        let (_, again) = new.renew(day("2027-03-01"), t);
        assert_eq!(again.name, "Platform (renewal 2028-01-01)");
        assert_eq!(
            renewal_name("Tend Cloud 2026", day("2027-02-07")),
            "Tend Cloud 2027"
        );
        // A tacitly renewed contract renews from the end of the running term.
        let (old, new) = c.renew(day("2027-06-01"), t);
        assert_eq!(old.end, day("2027-12-31"));
        assert_eq!(new.start, day("2028-01-01"));
        // A term that is not whole months keeps its length in days.
        let odd = contract("2026-01-10", "2026-03-01", false);
        let (_, new) = odd.renew(day("2026-02-01"), t);
        assert_eq!(new.end - new.start, odd.end - odd.start);
        // Only the renewed contract and its renewal change MRR: no double count.
        let after = day("2027-02-01");
        let (old, mut new) = c.renew(day("2026-11-23"), t);
        new.id = 8;
        assert_eq!(mrr_on(&[old, new], after), 150_000);
    }

    #[test]
    fn renewing_moves_the_renewal_date_to_the_new_term() {
        let t = chrono::DateTime::from_timestamp(0, 0).unwrap_or_default();
        // Auto-renew, notice 60 days: this term's notice date (2026-11-01) has
        // passed, so the next decision is the next term's, 2027-11-01.
        let c = contract("2026-01-01", "2026-12-31", true);
        let today = day("2026-11-23");
        assert_eq!(
            next_notice_date(std::slice::from_ref(&c), today),
            Some(day("2027-11-01"))
        );
        // Renewed: the old term runs to 2026-12-31 without auto-renew (its own
        // notice date is its end, 38 days away) and the renewal, signed, starts
        // 2027-01-01. The decision is the renewal's notice date, not the old end.
        let (old, mut new) = c.renew(today, t);
        new.id = 8;
        let both = [old.clone(), new.clone()];
        assert_eq!(next_notice_date(&both, today), Some(day("2027-11-01")));
        assert_eq!(
            deciding_terms(&both, today, |a| a.is_active_on(today)),
            vec![&new]
        );
        // Once the renewal runs, the old term has ended: the renewal still decides.
        assert_eq!(
            next_notice_date(&both, day("2027-02-01")),
            Some(day("2027-11-01"))
        );
        // Renewed again, ahead of time: the newest term decides.
        let (mid, mut newest) = new.renew(today, t);
        newest.id = 9;
        let chain = [old.clone(), mid, newest.clone()];
        assert_eq!(
            deciding_terms(&chain, today, |a| a.is_active_on(today)),
            vec![&newest]
        );
        // A contract that is no renewal of this one keeps its own date: a
        // service contract ending 2026-12-15 comes first.
        let services = Agreement {
            id: 10,
            ..contract("2026-06-01", "2026-12-15", false)
        };
        let three = [old.clone(), new.clone(), services];
        assert_eq!(next_notice_date(&three, today), Some(day("2026-12-15")));
        // A term signed ahead that renews nothing running decides nothing yet, nor
        // does a draft renewal.
        let unlinked = Agreement {
            renews_id: None,
            ..new.clone()
        };
        assert_eq!(
            next_notice_date(&[old.clone(), unlinked], today),
            Some(day("2026-12-31"))
        );
        let draft = Agreement {
            status: AgreementStatus::Draft,
            ..new
        };
        assert_eq!(
            next_notice_date(&[old, draft], today),
            Some(day("2026-12-31"))
        );
    }

    #[test]
    fn file_references_are_checked_for_what_the_file_store_needs() {
        let hex = "ab".repeat(32);
        assert!(is_sha256(&hex));
        assert!(!is_sha256(&hex.to_uppercase()), "lowercase only");
        assert!(!is_sha256(&hex[1..]), "63 digits");
        assert!(!is_sha256(&format!("{}g", &hex[1..])), "not hex");
        assert_eq!(file_name_problem("QBR deck.pdf"), None);
        assert!(file_name_problem(" ").is_some());
        assert!(file_name_problem("decks/q3.pdf").is_some());
        assert!(file_name_problem("c:\\q3.pdf").is_some());
        assert!(file_name_problem("..").is_some());
        assert!(file_name_problem("a\nb").is_some());
        assert_eq!(media_type_of("Q3.PDF"), Some("application/pdf"));
        assert_eq!(media_type_of("notes"), None);
        assert_eq!(media_type_of("archive.tar.bz2"), None);
    }
}
