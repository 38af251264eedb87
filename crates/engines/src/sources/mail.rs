//! Emails from an mbox file or .eml files: interactions of the accounts they were exchanged with.
//!
//! A file that starts with a `From ` line is an mbox (RFC 4155; `>From ` lines
//! are unquoted), any other one message (RFC 5322). Each message with a
//! customer address becomes an email interaction keyed by its Message-ID, on the
//! account of its first customer address's domain; mail among the team only is
//! left out, and said so. A customer's reply marks the email it answers as
//! answered.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, SecondsFormat, Utc};
use mail_parser::mailbox::mbox::MessageIterator;
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders};
use tend_domain::EntityKind;

use super::{Read, ReadOptions, RefKey, SourceProblem, SourceRecord, SourceRef, normalise_domain};

pub const SYSTEM: &str = "mail";

/// The longest body kept, in characters.
const BODY_LIMIT: usize = 100_000;
/// How much of the body goes into the id of a message without a Message-ID.
const HASHED_BODY: usize = 1024;
const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads the files (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)], options: &ReadOptions) -> Read {
    let mut loader = Loader {
        options,
        read: Read::default(),
        seen: HashMap::new(),
        contacts: HashSet::new(),
        incoming: HashSet::new(),
        replies: vec![],
    };
    for (name, bytes) in files {
        let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
        if bytes.starts_with(b"From ") {
            for (i, message) in MessageIterator::new(bytes).enumerate() {
                let place = format!("{name}:{}", i + 1);
                match message {
                    Ok(message) => loader.message(message.contents(), place),
                    Err(e) => {
                        loader.problem(place, None, format!("cannot be read: {e}"));
                        break;
                    }
                }
            }
        } else {
            loader.message(bytes, name.clone());
        }
    }
    loader.finish()
}

struct Loader<'o> {
    options: &'o ReadOptions,
    read: Read,
    /// The place of each message id read, for duplicates.
    seen: HashMap<String, String>,
    /// The customer addresses (lower case) a contact was emitted for.
    contacts: HashSet<String>,
    /// The ids of the incoming messages loaded: a reply to one of them answers
    /// nothing of ours.
    incoming: HashSet<String>,
    /// The ids incoming replies answer, each with the reply's place.
    replies: Vec<(String, String)>,
}

/// An address of a message, with its display name.
#[derive(Debug, Clone)]
struct Party {
    /// Lower case.
    address: String,
    name: Option<String>,
}

impl Party {
    fn local(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(l, _)| l)
    }

    fn domain(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl Loader<'_> {
    fn problem(&mut self, place: String, field: Option<&str>, message: String) {
        self.read.problems.push(SourceProblem {
            place,
            field: field.map(str::to_string),
            message,
        });
    }

    fn skip(&mut self, place: String, message: String) {
        self.read.skipped.push(SourceProblem {
            place,
            field: None,
            message,
        });
    }

    /// One message, `raw` as it is on the wire.
    fn message(&mut self, raw: &[u8], place: String) {
        let Some(message) = MessageParser::default().parse(raw) else {
            self.problem(place, None, "not an email: no header found".into());
            return;
        };
        let from = message
            .from()
            .and_then(|a| parties(std::iter::once(a)).next());
        let at = message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
        let subject = message.subject().unwrap_or("").trim().to_string();
        let text = body_text(&message);

        let id = match message_id(&message) {
            Some(id) => id,
            None => {
                let date = match at {
                    Some(at) => at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    None => message.header_raw("Date").unwrap_or("").trim().to_string(),
                };
                let from = from.as_ref().map_or("", |f| f.address.as_str());
                let body = prefix(&text, HASHED_BODY);
                format!("sha:{:016x}", fnv1a(&[&date, from, &subject, body]))
            }
        };
        if let Some(first) = self.seen.get(&id) {
            let message = format!("duplicate of {first}");
            self.skip(place, message);
            return;
        }
        self.seen.insert(id.clone(), place.clone());

        let Some(from) = from else {
            self.problem(place, Some("From"), "no sender address".into());
            return;
        };
        let Some(at) = at else {
            let message = match message.header_raw("Date") {
                Some(raw) => format!("cannot read the date {:?}", raw.trim()),
                None => "no date".into(),
            };
            self.problem(place, Some("Date"), message);
            return;
        };

        let recipients: Vec<Party> = parties(message.all_to().chain(message.all_cc())).collect();
        let outgoing = self.options.is_team(&from.address);
        let mut customers: Vec<Party> = vec![];
        let candidates = (!outgoing).then_some(&from).into_iter();
        for party in candidates.chain(&recipients) {
            if !self.options.is_team(&party.address)
                && !customers.iter().any(|c| c.address == party.address)
            {
                customers.push(party.clone());
            }
        }
        let Some(first) = customers.first() else {
            self.skip(place, "internal: no customer address".into());
            return;
        };
        let Some(domain) = normalise_domain(first.domain()) else {
            let message = format!("no domain in the address {}", first.address);
            self.skip(place, message);
            return;
        };
        let user = if outgoing {
            Some(from.local().to_string())
        } else {
            recipients
                .iter()
                .find(|p| self.options.is_team(&p.address))
                .map(|p| p.local().to_string())
        };

        let mut body = truncate(&text, BODY_LIMIT).to_string();
        let attachments = attachments(&message);
        if !attachments.is_empty() {
            body.push_str("\n\nAttachments: ");
            body.push_str(&attachments.join(", "));
        }

        if self.options.create_contacts {
            for customer in &customers {
                if self.contacts.insert(customer.address.clone()) {
                    self.read.records.push(contact(customer, &place));
                }
            }
        }

        let mut record = SourceRecord::new(EntityKind::Interaction, SYSTEM, &id, place.clone());
        record
            .set("source", "import")
            .set("kind", "email")
            .set("direction", if outgoing { "out" } else { "in" })
            .set("at", at.to_rfc3339_opts(SecondsFormat::Secs, true))
            .set("subject", subject)
            .set("body", body);
        if let Some(user) = user {
            record.set("user", user);
        }
        record.refer("account_id", EntityKind::Account, RefKey::Domain(domain));
        for customer in &customers {
            record.refs.push(SourceRef {
                field: "contact_ids".into(),
                kind: EntityKind::Contact,
                key: RefKey::Email(customer.address.clone()),
                many: true,
                optional: true,
            });
        }
        record.skip_unmatched = true;
        self.read.records.push(record);

        if !outgoing {
            self.incoming.insert(id.clone());
            if let Some(replied) = replied_id(&message).filter(|r| *r != id) {
                self.replies.push((replied, place));
            }
        }
    }

    /// The read, with the emails replies answer marked (after every message,
    /// so that a reply read before the email it answers still finds it).
    fn finish(mut self) -> Read {
        let mut marked = HashSet::new();
        for (replied, place) in std::mem::take(&mut self.replies) {
            if self.incoming.contains(&replied) || !marked.insert(replied.clone()) {
                continue;
            }
            let mut record = SourceRecord::new(EntityKind::Interaction, SYSTEM, &replied, place);
            record.set("answered", true);
            record.update_only = true;
            self.read.records.push(record);
        }
        self.read
    }
}

/// A contact for a customer address, created when no contact has it.
fn contact(customer: &Party, place: &str) -> SourceRecord {
    let mut record = SourceRecord::new(
        EntityKind::Contact,
        SYSTEM,
        &customer.address,
        place.to_string(),
    );
    let name = customer
        .name
        .clone()
        .unwrap_or_else(|| customer.local().to_string());
    record.set("email", customer.address.as_str());
    // A contact the team has keeps the name they gave it.
    record.on_create.insert("name".into(), name.into());
    record.on_create.insert("kind".into(), "crm".into());
    record.on_create.insert("source".into(), "import".into());
    if let Some(domain) = normalise_domain(customer.domain()) {
        record.refer("account_id", EntityKind::Account, RefKey::Domain(domain));
    }
    record.skip_unmatched = true;
    record.refs_on_create = true;
    record
}

/// The addresses of address headers, groups flattened; those without a local
/// part or a domain are left out.
fn parties<'a>(headers: impl Iterator<Item = &'a Address<'a>>) -> impl Iterator<Item = Party> {
    headers.flat_map(|a| a.iter()).filter_map(|addr| {
        let address = addr.address()?.trim().to_lowercase();
        let (local, domain) = address.rsplit_once('@')?;
        if local.is_empty() || domain.is_empty() {
            return None;
        }
        let name = addr
            .name()
            .map(|n| n.trim().trim_matches('"').trim())
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&address))
            .map(str::to_string);
        Some(Party { address, name })
    })
}

/// The Message-ID without its angle brackets.
fn message_id(message: &Message) -> Option<String> {
    message
        .message_id()
        .map(bare_id)
        .filter(|id| !id.is_empty())
}

fn bare_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

/// The message a reply answers: its In-Reply-To, else the last of its References.
fn replied_id(message: &Message) -> Option<String> {
    let first = |v: &HeaderValue| match v {
        HeaderValue::Text(t) => Some(bare_id(t)),
        HeaderValue::TextList(l) => l.first().map(|t| bare_id(t)),
        _ => None,
    };
    let last = |v: &HeaderValue| match v {
        HeaderValue::Text(t) => Some(bare_id(t)),
        HeaderValue::TextList(l) => l.last().map(|t| bare_id(t)),
        _ => None,
    };
    first(message.in_reply_to())
        .filter(|id| !id.is_empty())
        .or_else(|| last(message.references()))
        .filter(|id| !id.is_empty())
}

/// The text of the message: its text/plain parts, else its HTML parts as text;
/// line ends as `\n`, trimmed.
fn body_text(message: &Message) -> String {
    let mut parts = vec![];
    for i in 0..message.text_body_count() {
        let html = message
            .text_part(i as u32)
            .is_some_and(|p| p.is_text_html());
        if let Some(text) = message.body_text(i) {
            let text = text.replace("\r\n", "\n");
            let text = if html { tidy(&text) } else { text };
            let text = text.trim();
            if !text.is_empty() {
                parts.push(text.to_string());
            }
        }
    }
    parts.join("\n\n")
}

/// Text made from HTML without the spaces its markup left at line starts and
/// ends, and at most one blank line in a row.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim) {
        blank = if line.is_empty() { blank + 1 } else { 0 };
        if blank < 2 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The attachments as `name (size)`; inline parts (the images an HTML body
/// shows) are not attachments.
fn attachments(message: &Message) -> Vec<String> {
    message
        .attachments()
        .filter(|part| {
            let disposition = part.content_disposition().map(|d| d.ctype());
            match disposition {
                Some(d) => !d.eq_ignore_ascii_case("inline") || part.attachment_name().is_some(),
                None => part.content_id().is_none(),
            }
        })
        .map(|part| {
            let name = part
                .attachment_name()
                .map(str::to_string)
                .or_else(|| {
                    part.message()
                        .and_then(|m| m.subject())
                        .map(|s| format!("{s}.eml"))
                })
                .unwrap_or_else(|| "unnamed".into());
            format!("{name} ({})", size(part.len()))
        })
        .collect()
}

/// `532 B`, `12 KB`, `3.4 MB`.
fn size(bytes: usize) -> String {
    const KB: usize = 1024;
    if bytes < KB {
        format!("{bytes} B")
    } else if bytes < KB * KB {
        format!("{} KB", (bytes + KB / 2) / KB)
    } else {
        format!("{:.1} MB", bytes as f64 / (KB * KB) as f64)
    }
}

/// At most `chars` characters of `text`.
fn truncate(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// At most `bytes` bytes of `text`, cut at a character boundary.
fn prefix(text: &str, bytes: usize) -> &str {
    if text.len() <= bytes {
        return text;
    }
    let mut end = bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// FNV-1a (64 bits) of the parts, each ended by a zero byte: the same on every
/// platform and Rust version, so an id made from it is found again.
fn fnv1a(parts: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    const MBOX: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/mail/customer.mbox"
    ));
    const EML: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/mail/single.eml"
    ));

    fn options(create_contacts: bool) -> ReadOptions {
        ReadOptions {
            team_domains: vec!["tend.example".into()],
            create_contacts,
            ..ReadOptions::default()
        }
    }

    fn load(create_contacts: bool) -> Read {
        read(
            &[
                ("customer.mbox".into(), MBOX.to_vec()),
                ("single.eml".into(), EML.to_vec()),
            ],
            &options(create_contacts),
        )
    }

    /// The emails created from messages (not the replies' updates).
    fn emails(read: &Read) -> Vec<&SourceRecord> {
        read.records
            .iter()
            .filter(|r| r.kind == EntityKind::Interaction && !r.update_only)
            .collect()
    }

    fn email<'r>(read: &'r Read, place: &str) -> &'r SourceRecord {
        emails(read)
            .into_iter()
            .find(|r| r.place == place)
            .unwrap_or_else(|| panic!("no email at {place}"))
    }

    fn contact_emails(record: &SourceRecord) -> Vec<&str> {
        record
            .refs
            .iter()
            .filter(|r| r.field == "contact_ids")
            .map(|r| {
                assert!(r.many && r.optional && r.kind == EntityKind::Contact);
                match &r.key {
                    RefKey::Email(e) => e.as_str(),
                    other => panic!("not an email key: {other:?}"),
                }
            })
            .collect()
    }

    fn account(record: &SourceRecord) -> &RefKey {
        let r = record
            .refs
            .iter()
            .find(|r| r.field == "account_id")
            .expect("an account ref");
        assert_eq!(r.kind, EntityKind::Account);
        assert!(!r.many && !r.optional);
        &r.key
    }

    #[test]
    fn an_mbox_and_an_eml_become_emails() {
        let read = load(false);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let places: Vec<_> = emails(&read).iter().map(|r| r.place.as_str()).collect();
        assert_eq!(
            places,
            [
                "customer.mbox:1",
                "customer.mbox:2",
                "customer.mbox:3",
                "customer.mbox:4",
                "customer.mbox:6",
                "single.eml",
            ]
        );
        for r in emails(&read) {
            assert_eq!(r.system, SYSTEM);
            assert_eq!(r.fields["kind"], "email");
            assert_eq!(r.fields["source"], "import");
            assert!(r.skip_unmatched);
            assert!(!r.fields.contains_key("answered"));
            assert!(!r.fields.contains_key("sentiment"));
        }
        assert!(read.records.iter().all(|r| r.kind != EntityKind::Contact));
    }

    #[test]
    fn multipart_alternative_keeps_the_text_part() {
        let read = load(false);
        let r = email(&read, "customer.mbox:1");
        assert_eq!(
            r.external_id,
            "CAL5x9k2QvR7mW0d@mail.larkspur-logistics.com"
        );
        assert_eq!(r.fields["direction"], "in");
        assert_eq!(r.fields["at"], "2026-10-12T09:14:03Z");
        assert_eq!(r.fields["user"], "maya.chen");
        assert_eq!(r.fields["subject"], "Reports rollout to the Rotterdam team");
        let body = r.fields["body"].as_str().unwrap();
        assert!(body.starts_with("Hi Maya,\n\nWe would like"), "{body}");
        assert!(body.ends_with("Best,\nLara"), "{body}");
        assert!(!body.contains('<'), "{body}");
        // The mbox quoting is undone.
        assert!(
            body.contains("\nFrom the pilot we learned") && !body.contains(">From"),
            "{body}"
        );
        assert_eq!(account(r), &RefKey::Domain("larkspur-logistics.com".into()));
        assert_eq!(contact_emails(r), ["lara.tanaka@larkspur-logistics.com"]);
    }

    #[test]
    fn outgoing_mail_lists_its_attachments() {
        let read = load(false);
        let r = email(&read, "customer.mbox:2");
        assert_eq!(r.external_id, "20261013081502.4F2A1@mail.tend.example");
        assert_eq!(r.fields["direction"], "out");
        assert_eq!(r.fields["user"], "maya.chen");
        assert_eq!(r.fields["at"], "2026-10-13T08:15:02Z");
        // The team's own addresses (jonas.weber) are not customers.
        assert_eq!(
            contact_emails(r),
            [
                "lara.tanaka@larkspur-logistics.com",
                "grace.schmidt@larkspur-logistics.com"
            ]
        );
        assert_eq!(account(r), &RefKey::Domain("larkspur-logistics.com".into()));
        let body = r.fields["body"].as_str().unwrap();
        assert!(body.starts_with("Hi Lara,"), "{body}");
        assert!(
            body.ends_with("Maya\n\nAttachments: Rollout-plan-Rotterdam.pdf (2 KB)"),
            "{body}"
        );
        assert!(!body.contains("JVBER"), "{body}");
    }

    #[test]
    fn encoded_subject_and_quoted_printable_body_are_decoded() {
        let read = load(false);
        let r = email(&read, "customer.mbox:3");
        assert_eq!(r.fields["direction"], "in");
        assert_eq!(r.fields["subject"], "Re: Rollout plan – Zürich & Rotterdam");
        let body = r.fields["body"].as_str().unwrap();
        assert!(
            body.contains("the Tuesday of week 2. Our colleagues from Zürich"),
            "{body}"
        );
        assert!(body.contains("remotely – is that possible?"), "{body}");
        assert!(body.contains("Grüße,"), "{body}");
        assert_eq!(
            contact_emails(r),
            [
                "grace.schmidt@larkspur-logistics.com",
                "lara.tanaka@larkspur-logistics.com"
            ]
        );

        let r = email(&read, "customer.mbox:6");
        assert_eq!(r.fields["subject"], "Réunion de suivi");
        let body = r.fields["body"].as_str().unwrap();
        assert!(
            body.contains("décaler la réunion de suivi à jeudi"),
            "{body}"
        );
        assert_eq!(r.fields["user"], "leo.martin");
    }

    #[test]
    fn an_incoming_reply_marks_the_email_answered() {
        let read = load(false);
        let updates: Vec<_> = read.records.iter().filter(|r| r.update_only).collect();
        assert_eq!(updates.len(), 1, "{updates:?}");
        let u = updates[0];
        assert_eq!(u.kind, EntityKind::Interaction);
        assert_eq!(u.system, SYSTEM);
        assert_eq!(u.external_id, "20261013081502.4F2A1@mail.tend.example");
        assert_eq!(u.place, "customer.mbox:3");
        assert_eq!(u.fields.len(), 1);
        assert_eq!(u.fields["answered"], true);
        assert!(u.refs.is_empty());
        // After every email read, the one it marks among them.
        assert!(read.records.last().unwrap().update_only);
    }

    #[test]
    fn html_only_mail_is_stripped_to_text() {
        let read = load(false);
        let r = email(&read, "customer.mbox:4");
        assert_eq!(r.fields["at"], "2026-10-15T14:40:12Z");
        assert_eq!(r.fields["user"], "leo.martin");
        assert_eq!(account(r), &RefKey::Domain("brightwave.health".into()));
        let body = r.fields["body"].as_str().unwrap();
        assert!(body.starts_with("Hi Leo,"), "{body}");
        assert!(
            body.contains("a third of our records & the error log only says timeout."),
            "{body}"
        );
        assert!(body.ends_with("today?\nThanks,\nHana"), "{body}");
        for tag in ['<', '>', '{'] {
            assert!(!body.contains(tag), "{body}");
        }
        assert!(!body.contains("Calibri"), "{body}");
    }

    #[test]
    fn internal_mail_and_duplicates_are_skipped_and_said() {
        let read = load(false);
        let skipped: Vec<_> = read
            .skipped
            .iter()
            .map(|s| (s.place.as_str(), s.message.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("customer.mbox:5", "internal: no customer address"),
                ("customer.mbox:7", "duplicate of customer.mbox:1"),
            ]
        );
    }

    #[test]
    fn a_message_without_message_id_has_a_stable_id() {
        let read = load(false);
        let r = email(&read, "customer.mbox:6");
        let id = &r.external_id;
        assert_eq!(id, "sha:72d937758e066a09");
        // Read again, alone: the same id.
        let again = read_one(&r.place, &message_of(MBOX, 6), &options(false));
        assert_eq!(&emails(&again)[0].external_id, id);
        // The hash itself does not change between builds.
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&["a"]), fnv1a_bytes(b"a\0"));
        assert_eq!(fnv1a_bytes(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    fn fnv1a_bytes(bytes: &[u8]) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in bytes {
            hash ^= u64::from(*b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    }

    /// The `n`th message of an mbox, as an .eml.
    fn message_of(mbox: &[u8], n: usize) -> Vec<u8> {
        MessageIterator::new(mbox)
            .nth(n - 1)
            .unwrap()
            .unwrap()
            .unwrap_contents()
    }

    fn read_one(name: &str, bytes: &[u8], options: &ReadOptions) -> Read {
        read(&[(name.to_string(), bytes.to_vec())], options)
    }

    #[test]
    fn a_single_eml_with_crlf_lines() {
        let read = load(false);
        let r = email(&read, "single.eml");
        assert_eq!(r.external_id, "0102019a.sofia.nps@brightwave.health");
        assert_eq!(r.fields["direction"], "in");
        assert_eq!(r.fields["user"], "leo.martin");
        assert_eq!(r.fields["subject"], "NPS follow-up");
        let body = r.fields["body"].as_str().unwrap();
        assert!(body.starts_with("Hi Leo,\n\nFollowing up"), "{body}");
        assert!(!body.contains('\r'), "{body}");
        assert_eq!(
            contact_emails(r),
            [
                "sofia.schmidt@brightwave.health",
                "elena.yilmaz@brightwave.health"
            ]
        );
    }

    #[test]
    fn contacts_once_per_customer_address() {
        let read = load(true);
        let contacts: Vec<_> = read
            .records
            .iter()
            .filter(|r| r.kind == EntityKind::Contact)
            .collect();
        let ids: Vec<_> = contacts.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "lara.tanaka@larkspur-logistics.com",
                "grace.schmidt@larkspur-logistics.com",
                "hana.laurent@brightwave.health",
                "felix.eriksen@brightwave.health",
                "sofia.schmidt@brightwave.health",
                "elena.yilmaz@brightwave.health",
            ]
        );
        let grace = contacts[1];
        assert_eq!(grace.place, "customer.mbox:2");
        assert_eq!(grace.system, SYSTEM);
        assert_eq!(
            grace.fields["email"],
            "grace.schmidt@larkspur-logistics.com"
        );
        assert_eq!(grace.on_create["name"], "Grace Schmidt");
        assert_eq!(grace.on_create["kind"], "crm");
        assert_eq!(
            account(grace),
            &RefKey::Domain("larkspur-logistics.com".into())
        );
        assert!(grace.skip_unmatched && !grace.update_only);
        assert_eq!(contacts[4].on_create["name"], "Schmidt, Sofia");
        // The same emails as without contacts.
        assert_eq!(emails(&read).len(), 6);
    }

    #[test]
    fn a_contact_without_display_name_is_named_by_local_part() {
        let eml = b"From: pat.doe@Acme.COM\nTo: sam@tend.example\nDate: Mon, 2 Nov 2026 10:00:00 +0100\nMessage-ID: <1@acme.com>\nSubject: Hi\n\nHello\n";
        let read = read_one("a.eml", eml, &options(true));
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let contact = &read.records[0];
        assert_eq!(contact.kind, EntityKind::Contact);
        assert_eq!(contact.external_id, "pat.doe@acme.com");
        assert_eq!(contact.on_create["name"], "pat.doe");
        let r = &read.records[1];
        assert_eq!(r.place, "a.eml");
        assert_eq!(r.fields["at"], "2026-11-02T09:00:00Z");
        assert_eq!(account(r), &RefKey::Domain("acme.com".into()));
    }

    #[test]
    fn a_message_without_date_or_sender_is_a_problem() {
        let no_date = b"From: pat@acme.com\nTo: sam@tend.example\nMessage-ID: <2@acme.com>\nSubject: Hi\n\nHello\n";
        let read = read_one("d.eml", no_date, &options(false));
        assert!(read.records.is_empty());
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].place, "d.eml");
        assert_eq!(read.problems[0].field.as_deref(), Some("Date"));

        let bad_date =
            b"From: pat@acme.com\nTo: sam@tend.example\nDate: someday\nSubject: Hi\n\nHello\n";
        let read = read_one("b.eml", bad_date, &options(false));
        assert_eq!(read.problems[0].field.as_deref(), Some("Date"));

        let no_from =
            b"To: sam@tend.example\nDate: Mon, 2 Nov 2026 10:00:00 +0100\nSubject: Hi\n\nHello\n";
        let read = read_one("f.eml", no_from, &options(false));
        assert_eq!(read.problems[0].field.as_deref(), Some("From"));

        let read = read_one("empty.eml", b"", &options(false));
        assert_eq!(read.problems.len(), 1);
        assert_eq!(read.problems[0].place, "empty.eml");
        assert_eq!(read.problems[0].field, None);
    }

    #[test]
    fn an_mbox_with_bom_and_a_reply_before_its_email() {
        let mbox = "\u{feff}From pat@acme.com Mon Nov  2 10:00:00 2026\n\
            From: Pat <pat@acme.com>\nTo: sam@tend.example\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\
            Message-ID: <r1@acme.com>\nIn-Reply-To: <o1@tend.example>\nSubject: Re: Plan\n\nYes.\n\n\
            From pat@acme.com Mon Nov  2 10:00:00 2026\n\
            From: Pat <pat@acme.com>\nTo: sam@tend.example\nDate: Mon, 2 Nov 2026 11:00:00 +0000\n\
            Message-ID: <r2@acme.com>\nReferences: <o0@tend.example> <o1@tend.example>\nSubject: Re: Plan\n\nAnd also.\n\n\
            From sam@tend.example Sun Nov  1 10:00:00 2026\n\
            From: Sam <sam@tend.example>\nTo: pat@acme.com\nDate: Sun, 1 Nov 2026 10:00:00 +0000\n\
            Message-ID: <o1@tend.example>\nSubject: Plan\n\nThe plan.\n";
        let read = read_one("box", mbox.as_bytes(), &options(false));
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let places: Vec<_> = read.records.iter().map(|r| r.place.as_str()).collect();
        assert_eq!(places, ["box:1", "box:2", "box:3", "box:1"]);
        let last = read.records.last().unwrap();
        assert!(last.update_only);
        assert_eq!(last.external_id, "o1@tend.example");
        assert_eq!(read.records[2].fields["direction"], "out");
        assert_eq!(read.records[2].fields["user"], "sam");
        assert_eq!(read.records[0].fields["body"], "Yes.");
    }

    #[test]
    fn a_reply_to_an_incoming_message_marks_nothing() {
        let mbox = "From a@acme.com Mon Nov  2 10:00:00 2026\n\
            From: a@acme.com\nTo: sam@tend.example\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\
            Message-ID: <a1@acme.com>\nSubject: Q\n\nQ?\n\n\
            From b@acme.com Mon Nov  2 10:00:00 2026\n\
            From: b@acme.com\nTo: sam@tend.example, a@acme.com\nDate: Mon, 2 Nov 2026 11:00:00 +0000\n\
            Message-ID: <b1@acme.com>\nIn-Reply-To: <a1@acme.com>\nSubject: Re: Q\n\nSame.\n";
        let read = read_one("box", mbox.as_bytes(), &options(false));
        assert_eq!(read.records.len(), 2);
        assert!(read.records.iter().all(|r| !r.update_only));
    }

    #[test]
    fn long_bodies_are_cut_at_a_character() {
        let body = "é".repeat(BODY_LIMIT + 10);
        let eml = format!(
            "From: a@acme.com\nTo: sam@tend.example\nDate: Mon, 2 Nov 2026 10:00:00 +0000\n\
             Message-ID: <long@acme.com>\nSubject: Long\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
        );
        let read = read_one("long.eml", eml.as_bytes(), &options(false));
        let kept = read.records[0].fields["body"].as_str().unwrap();
        assert_eq!(kept.chars().count(), BODY_LIMIT);
        assert_eq!(truncate("abc", 2), "ab");
        assert_eq!(prefix("aé", 2), "a");
        assert_eq!(size(532), "532 B");
        assert_eq!(size(12 * 1024 + 100), "12 KB");
        assert_eq!(size(3_565_158), "3.4 MB");
    }
}
