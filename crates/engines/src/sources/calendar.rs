//! Calendar events (iCalendar, RFC 5545, as Google Calendar, Outlook and Apple
//! Calendar export them) with customer attendees: meetings of their accounts.
//!
//! Each event that happened (up to [`ReadOptions::now`]) with at least one
//! customer address among its organizer and attendees becomes a meeting of the
//! account of the first such address's domain; a recurring event becomes one
//! meeting per occurrence (`UID/20261006T080000Z`), its moved occurrences
//! (`RECURRENCE-ID`) as they were moved, its excluded ones (`EXDATE`) left out.
//! Cancelled and internal events are listed as skipped, not loaded.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{
    LocalResult, NaiveDate, NaiveDateTime, Offset, SecondsFormat, TimeDelta, TimeZone, Utc,
};
use chrono_tz::Tz;
use serde_json::json;
use tend_domain::{EntityKind, MAX_ITEMS, MAX_LONG_TEXT, MAX_SHORT_TEXT, Timestamp};

use super::{Read, ReadOptions, RefKey, SourceProblem, SourceRecord, SourceRef, normalise_domain};

pub const SYSTEM: &str = "calendar";

/// The most occurrences of one recurring event read: the latest ones.
pub const MAX_OCCURRENCES: usize = 500;

/// How many occurrences of one rule are counted at most (a rule repeating every
/// minute for years): past it the count of those left out is a lower bound.
const MAX_COUNTED: usize = 200_000;

/// Reads the files (`name` each, bytes).
pub fn read(files: &[(String, Vec<u8>)], options: &ReadOptions) -> Read {
    let mut out = Read::default();
    let mut events = Vec::new();
    for (name, bytes) in files {
        read_file(name, bytes, &mut events, &mut out);
    }
    let mut loader = Loader {
        options,
        out,
        seen: HashMap::new(),
        contacts: Vec::new(),
        contact_index: HashMap::new(),
    };
    loader.load(&events);
    loader.finish()
}

// ---------------------------------------------------------------------------
// Content lines

/// One content line (`NAME;PARAM=value:value`), unfolded.
#[derive(Debug, Clone)]
struct Property {
    /// Upper case.
    name: String,
    /// Names in upper case; values unquoted (several joined by `,`).
    params: Vec<(String, String)>,
    /// As written (text values still escaped).
    value: String,
    /// The line it starts on (1-based).
    line: usize,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value as text (`\n`, `\,`, `\;` and `\\` unescaped).
    fn text(&self) -> String {
        unescape(&self.value)
    }
}

/// The content lines of a file: a byte order mark skipped, CRLF or LF line ends,
/// folded lines (a line starting with a space or a tab continues the one before,
/// even in the middle of a character) joined.
fn content_lines(bytes: &[u8]) -> Vec<Property> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::new();
    let mut current: Option<(usize, Vec<u8>)> = None;
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if let (Some(b' ' | b'\t'), Some((_, text))) = (raw.first(), current.as_mut()) {
            text.extend_from_slice(&raw[1..]);
            continue;
        }
        if let Some((line, text)) = current.take()
            && let Some(p) = property(&text, line)
        {
            out.push(p);
        }
        if !raw.iter().all(u8::is_ascii_whitespace) {
            current = Some((i + 1, raw.to_vec()));
        }
    }
    if let Some((line, text)) = current
        && let Some(p) = property(&text, line)
    {
        out.push(p);
    }
    out
}

/// Parses one unfolded line; `None` for one that is not `NAME[;PARAMS]:VALUE`.
fn property(bytes: &[u8], line: usize) -> Option<Property> {
    let text = String::from_utf8_lossy(bytes);
    let end = text.find([';', ':'])?;
    let name = text[..end].trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &text[end..];
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Some(Property {
                name,
                params,
                value: value.to_string(),
                line,
            });
        }
        rest = rest.strip_prefix(';')?;
        let stop = rest.find(['=', ';', ':'])?;
        let param = rest[..stop].trim().to_ascii_uppercase();
        rest = &rest[stop..];
        let Some(after) = rest.strip_prefix('=') else {
            params.push((param, String::new()));
            continue;
        };
        rest = after;
        let mut value = String::new();
        loop {
            if let Some(quoted) = rest.strip_prefix('"') {
                let close = quoted.find('"')?;
                value.push_str(&quoted[..close]);
                rest = &quoted[close + 1..];
            } else {
                let stop = rest.find([',', ';', ':']).unwrap_or(rest.len());
                value.push_str(&rest[..stop]);
                rest = &rest[stop..];
            }
            match rest.strip_prefix(',') {
                Some(after) => {
                    value.push(',');
                    rest = after;
                }
                None => break,
            }
        }
        params.push((param, caret_decode(&value)));
    }
}

/// A text value unescaped: `\n` (or `\N`) a line break, `\,` `\;` `\\` the
/// character itself.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ ('\\' | ';' | ',' | ':' | '"')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A parameter value with RFC 6868's escapes (`^n`, `^'`, `^^`) decoded.
fn caret_decode(value: &str) -> String {
    if !value.contains('^') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('^', Some('n')) => {
                out.push('\n');
                chars.next();
            }
            ('^', Some('\'')) => {
                out.push('"');
                chars.next();
            }
            ('^', Some('^')) => {
                out.push('^');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Components

/// The time zones a file defines (`VTIMEZONE`): TZID to the IANA name some
/// writers give as `X-LIC-LOCATION`.
#[derive(Debug, Default)]
struct Zones {
    locations: HashMap<String, String>,
}

impl Zones {
    /// The zone a TZID names: an IANA name (any case, or at the end of a path
    /// like `/mozilla.org/20050126_1/America/New_York`), a Windows zone as
    /// Outlook writes it (`Pacific Standard Time`, or its display name), or the
    /// IANA name the file's VTIMEZONE gives for it.
    fn resolve(&self, tzid: &str) -> Option<Tz> {
        let name = tzid.trim().trim_matches('"').trim();
        if name.is_empty() {
            return None;
        }
        iana(name)
            .or_else(|| windows_zone(name))
            .or_else(|| {
                name.match_indices('/')
                    .find_map(|(i, _)| iana(&name[i + 1..]))
            })
            .or_else(|| self.locations.get(name).and_then(|l| iana(l)))
    }
}

fn iana(name: &str) -> Option<Tz> {
    let name = name.trim();
    name.parse::<Tz>().ok().or_else(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|t| t.name().eq_ignore_ascii_case(name))
            .copied()
    })
}

/// Windows time zone names (as Outlook and Exchange write them in TZID) to
/// IANA names, after CLDR's `windowsZones.xml` (the zone of each "001" row).
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time (Mexico)", "America/Mazatlan"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("Central Standard Time", "America/Chicago"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Eastern Standard Time (Mexico)", "America/Cancun"),
    ("Eastern Standard Time", "America/New_York"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("Montevideo Standard Time", "America/Montevideo"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Kaliningrad Standard Time", "Europe/Kaliningrad"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Ekaterinburg Standard Time", "Asia/Yekaterinburg"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Central Asia Standard Time", "Asia/Almaty"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("North Asia Standard Time", "Asia/Krasnoyarsk"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("Vladivostok Standard Time", "Asia/Vladivostok"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("UTC+12", "Etc/GMT-12"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
];

/// Parts of the display names older Outlook versions write as TZID
/// (`(UTC-08:00) Pacific Time (US & Canada)`).
const WINDOWS_DISPLAY_NAMES: &[(&str, &str)] = &[
    ("Pacific Time (US & Canada)", "America/Los_Angeles"),
    ("Mountain Time (US & Canada)", "America/Denver"),
    ("Central Time (US & Canada)", "America/Chicago"),
    ("Eastern Time (US & Canada)", "America/New_York"),
    ("Dublin, Edinburgh, Lisbon, London", "Europe/London"),
    (
        "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna",
        "Europe/Berlin",
    ),
    ("Brussels, Copenhagen, Madrid, Paris", "Europe/Paris"),
    (
        "Belgrade, Bratislava, Budapest, Ljubljana, Prague",
        "Europe/Budapest",
    ),
    ("Sarajevo, Skopje, Warsaw, Zagreb", "Europe/Warsaw"),
    ("Coordinated Universal Time", "Etc/UTC"),
];

fn windows_zone(name: &str) -> Option<Tz> {
    WINDOWS_ZONES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(name))
        .or_else(|| WINDOWS_DISPLAY_NAMES.iter().find(|(w, _)| name.contains(w)))
        .and_then(|(_, iana_name)| iana_name.parse().ok())
}

/// A VEVENT as written: its properties (not those of its alarms).
struct RawEvent {
    line: usize,
    properties: Vec<Property>,
}

/// Reads one file's events into `events` (its problems into `out`).
fn read_file(name: &str, bytes: &[u8], events: &mut Vec<Event>, out: &mut Read) {
    let mut stack: Vec<String> = Vec::new();
    let mut calendar = false;
    let mut cancel = false;
    let mut raw_events = Vec::new();
    let mut event: Option<RawEvent> = None;
    let mut zones = Zones::default();
    let mut zone: (Option<String>, Option<String>) = (None, None);
    for p in content_lines(bytes) {
        match p.name.as_str() {
            "BEGIN" => {
                let component = p.value.trim().to_ascii_uppercase();
                match component.as_str() {
                    "VCALENDAR" => calendar = true,
                    "VEVENT" if stack.last().is_some_and(|s| s == "VCALENDAR") => {
                        event = Some(RawEvent {
                            line: p.line,
                            properties: Vec::new(),
                        });
                    }
                    "VTIMEZONE" => zone = (None, None),
                    _ => {}
                }
                stack.push(component);
            }
            "END" => {
                let component = p.value.trim().to_ascii_uppercase();
                // An END closes what it names, and what was left open inside it.
                if let Some(at) = stack.iter().rposition(|s| *s == component) {
                    stack.truncate(at);
                    match component.as_str() {
                        "VEVENT" => raw_events.extend(event.take()),
                        "VTIMEZONE" => {
                            if let (Some(id), Some(location)) = std::mem::take(&mut zone) {
                                zones.locations.insert(id, location);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => match stack.last().map(String::as_str) {
                Some("VEVENT") => {
                    if let Some(e) = event.as_mut() {
                        e.properties.push(p);
                    }
                }
                Some("VTIMEZONE") => match p.name.as_str() {
                    "TZID" => zone.0 = Some(p.value.trim().to_string()),
                    "X-LIC-LOCATION" => zone.1 = Some(p.value.trim().to_string()),
                    _ => {}
                },
                Some("VCALENDAR") if p.name == "METHOD" => {
                    cancel = p.value.trim().eq_ignore_ascii_case("CANCEL");
                }
                _ => {}
            },
        }
    }
    if !calendar {
        out.problems.push(SourceProblem {
            place: name.to_string(),
            field: None,
            message: "not an iCalendar file (no BEGIN:VCALENDAR)".into(),
        });
        return;
    }
    if let Some(e) = event {
        out.problems.push(SourceProblem {
            place: format!("{name}:{}", e.line),
            field: None,
            message: "BEGIN:VEVENT with no END:VEVENT (is the file cut short?)".into(),
        });
    }
    for raw in raw_events {
        match Event::from_raw(name, raw, &zones, cancel) {
            Ok(e) => events.push(e),
            Err(p) => out.problems.push(p),
        }
    }
}

// ---------------------------------------------------------------------------
// Events

/// A date-time as read.
#[derive(Debug, Clone, Copy)]
struct When {
    at: Timestamp,
    /// The zone of a local time; `None`: UTC, floating or a date.
    zone: Option<Tz>,
    /// A date (`VALUE=DATE`): midnight UTC.
    date: bool,
}

/// A person an event names, by their address.
#[derive(Debug, Clone)]
struct Person {
    /// Lower case.
    email: String,
    /// The `CN` parameter, when it is a name (Google writes the address there
    /// for someone it has no name for).
    name: Option<String>,
}

impl Person {
    fn from_property(p: &Property) -> Option<Person> {
        // Rooms and equipment are not people.
        if p.param("CUTYPE")
            .is_some_and(|t| t.eq_ignore_ascii_case("RESOURCE") || t.eq_ignore_ascii_case("ROOM"))
        {
            return None;
        }
        let value = p.value.trim();
        let address = match p.param("EMAIL").filter(|e| e.contains('@')) {
            Some(e) => e.trim(),
            None => match value.get(..7) {
                Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => value[7..].trim(),
                _ => value,
            },
        };
        let email = address.to_lowercase();
        let (local, domain) = email.rsplit_once('@')?;
        if local.is_empty()
            || domain.is_empty()
            || email.contains(char::is_whitespace)
            || domain.ends_with("calendar.google.com")
        {
            return None;
        }
        let name = p
            .param("CN")
            .map(str::trim)
            .filter(|n| !n.is_empty() && !n.contains('@'))
            .map(str::to_string);
        Some(Person { email, name })
    }

    fn local_part(&self) -> &str {
        self.email.rsplit_once('@').map_or(&self.email, |(l, _)| l)
    }
}

/// A VEVENT, read.
struct Event {
    place: String,
    uid: String,
    /// DTSTART, or why there is none.
    start: Result<When, String>,
    /// The occurrence of a recurring event this one replaces.
    recurrence_id: Option<Timestamp>,
    /// RRULE values.
    rules: Vec<String>,
    rdates: Vec<Timestamp>,
    exdates: HashSet<Timestamp>,
    /// An RDATE or EXDATE that could not be read (its property, why).
    dates_error: Option<(String, String)>,
    cancelled: bool,
    summary: String,
    description: String,
    location: String,
    organizer: Option<Person>,
    attendees: Vec<Person>,
}

impl Event {
    fn from_raw(
        file: &str,
        raw: RawEvent,
        zones: &Zones,
        cancel: bool,
    ) -> Result<Event, SourceProblem> {
        let place = format!("{file}:{}", raw.line);
        let problem = |field: &str, message: String| SourceProblem {
            place: place.clone(),
            field: Some(field.into()),
            message,
        };
        let first = |name: &str| raw.properties.iter().find(|p| p.name == name);
        let uid = first("UID")
            .map(|p| p.text().trim().to_string())
            .filter(|u| !u.is_empty())
            .ok_or_else(|| problem("UID", "no UID".into()))?;
        let start = match first("DTSTART") {
            None => Err("no DTSTART".to_string()),
            Some(p) => when(p, &p.value, zones),
        };
        let recurrence_id = first("RECURRENCE-ID")
            .map(|p| when(p, &p.value, zones).map(|w| w.at))
            .transpose()
            .map_err(|m| problem("RECURRENCE-ID", m))?;
        let mut rdates = Vec::new();
        let mut exdates = HashSet::new();
        let mut rules = Vec::new();
        let mut attendees: Vec<Person> = Vec::new();
        let mut dates_error = None;
        for p in &raw.properties {
            match p.name.as_str() {
                "RRULE" => rules.push(p.value.trim().to_string()),
                "RDATE" | "EXDATE" => {
                    // RDATE;VALUE=PERIOD (start/end): the start.
                    for value in p.value.split(',').filter(|v| !v.trim().is_empty()) {
                        let value = value.split('/').next().unwrap_or(value);
                        match when(p, value, zones) {
                            Ok(w) if p.name == "RDATE" => rdates.push(w.at),
                            Ok(w) => {
                                exdates.insert(w.at);
                            }
                            Err(message) => {
                                dates_error.get_or_insert((p.name.clone(), message));
                            }
                        }
                    }
                }
                "ATTENDEE" => {
                    if let Some(person) = Person::from_property(p)
                        && !attendees.iter().any(|a| a.email == person.email)
                    {
                        attendees.push(person);
                    }
                }
                _ => {}
            }
        }
        let text = |name: &str| {
            first(name)
                .map(|p| p.text().trim().to_string())
                .unwrap_or_default()
        };
        Ok(Event {
            uid,
            start,
            recurrence_id,
            rules,
            rdates,
            exdates,
            dates_error,
            cancelled: cancel || text("STATUS").eq_ignore_ascii_case("CANCELLED"),
            summary: text("SUMMARY"),
            description: text("DESCRIPTION"),
            location: text("LOCATION"),
            organizer: first("ORGANIZER").and_then(Person::from_property),
            attendees,
            place,
        })
    }

    fn recurring(&self) -> bool {
        !self.rules.is_empty() || !self.rdates.is_empty()
    }

    /// Its people, organizer first, each address once.
    fn people(&self) -> impl Iterator<Item = &Person> {
        let organizer = self.organizer.iter();
        let others = self
            .attendees
            .iter()
            .filter(move |a| self.organizer.as_ref().is_none_or(|o| o.email != a.email));
        organizer.chain(others)
    }

    /// The body: the description, then the location.
    fn body(&self) -> String {
        let mut body = self.description.clone();
        if !self.location.is_empty() {
            if !body.is_empty() {
                body.push_str("\n\n");
            }
            body.push_str("Location: ");
            body.push_str(&self.location);
        }
        clip(body, MAX_LONG_TEXT)
    }
}

/// A text cut to `max` characters.
fn clip(mut text: String, max: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max) {
        text.truncate(at);
    }
    text
}

/// Reads a DATE or DATE-TIME value of `p` (`value`: one of its values): UTC
/// (`Z`), local in its TZID, floating (read as UTC), or a date (midnight UTC).
fn when(p: &Property, value: &str, zones: &Zones) -> Result<When, String> {
    let v = value.trim();
    let bad = || format!("'{v}' is not a date or a date and time");
    let is_date = p
        .param("VALUE")
        .is_some_and(|t| t.eq_ignore_ascii_case("DATE"))
        || !v.contains(['T', 't']);
    if is_date {
        let date = date8(v).ok_or_else(bad)?;
        return Ok(When {
            at: date.and_time(chrono::NaiveTime::MIN).and_utc(),
            zone: None,
            date: true,
        });
    }
    if let Some(utc) = v.strip_suffix(['Z', 'z']) {
        return Ok(When {
            at: date_time(utc).ok_or_else(bad)?.and_utc(),
            zone: None,
            date: false,
        });
    }
    let local = date_time(v).ok_or_else(bad)?;
    match p.param("TZID") {
        None => Ok(When {
            at: local.and_utc(),
            zone: None,
            date: false,
        }),
        Some(tzid) => {
            let zone = zones
                .resolve(tzid)
                .ok_or_else(|| format!("unknown time zone '{tzid}'"))?;
            Ok(When {
                at: local_to_utc(zone, local),
                zone: Some(zone),
                date: false,
            })
        }
    }
}

/// `YYYYMMDD`.
fn date8(v: &str) -> Option<NaiveDate> {
    if v.len() != 8 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        v[..4].parse().ok()?,
        v[4..6].parse().ok()?,
        v[6..].parse().ok()?,
    )
}

/// `YYYYMMDDTHHMMSS`.
fn date_time(v: &str) -> Option<NaiveDateTime> {
    let (date, time) = v.split_once(['T', 't'])?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |r: std::ops::Range<usize>| time[r].parse::<u32>().ok();
    // A leap second as the second before it.
    date8(date)?.and_hms_opt(number(0..2)?, number(2..4)?, number(4..6)?.min(59))
}

/// A local time in `zone` as UTC: in an hour that happens twice, the first; in
/// one skipped by a change to summer time, read with the offset before it.
fn local_to_utc(zone: Tz, local: NaiveDateTime) -> Timestamp {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => t.to_utc(),
        LocalResult::Ambiguous(first, _) => first.to_utc(),
        LocalResult::None => {
            let before = zone
                .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
                .fix();
            (local - TimeDelta::seconds(i64::from(before.local_minus_utc()))).and_utc()
        }
    }
}

/// A recurring event's occurrences up to now.
struct Occurrences {
    /// The latest [`MAX_OCCURRENCES`], in order.
    kept: Vec<Timestamp>,
    /// Earlier ones left out.
    left_out: usize,
    /// Counting stopped at [`MAX_COUNTED`]: `left_out` is a lower bound.
    capped: bool,
}

/// The occurrences of a recurring event that started by `now`: its start, its
/// rules' and its RDATEs, less its EXDATEs.
fn occurrences(e: &Event, start: When, now: Timestamp) -> Result<Occurrences, String> {
    let mut all = BTreeSet::new();
    let mut capped = false;
    if start.at <= now {
        all.insert(start.at);
    }
    let zone = match start.zone {
        Some(z) => rrule::Tz::Tz(z),
        None => rrule::Tz::UTC,
    };
    let dt_start = start.at.with_timezone(&zone);
    for rule in &e.rules {
        // UNTIL is applied here: the library would read a local or date UNTIL in
        // the machine's zone.
        let mut until = None;
        let mut parts = Vec::new();
        for part in rule.split(';').filter(|p| !p.trim().is_empty()) {
            match part.split_once('=') {
                Some((key, value)) if key.trim().eq_ignore_ascii_case("UNTIL") => {
                    until = Some(rule_until(value.trim(), start)?);
                }
                _ => parts.push(part),
            }
        }
        let set = parts
            .join(";")
            .parse::<rrule::RRule<rrule::Unvalidated>>()
            .and_then(|r| r.build(dt_start))
            .map_err(|e| format!("'{rule}': {e}"))?;
        let mut counted = 0;
        for t in &set {
            let t = t.with_timezone(&Utc);
            if t > now || until.is_some_and(|u| t > u) {
                break;
            }
            all.insert(t);
            counted += 1;
            if counted >= MAX_COUNTED {
                capped = true;
                break;
            }
        }
    }
    all.extend(e.rdates.iter().filter(|t| **t <= now));
    all.retain(|t| !e.exdates.contains(t));
    let left_out = all.len().saturating_sub(MAX_OCCURRENCES);
    Ok(Occurrences {
        kept: all.into_iter().skip(left_out).collect(),
        left_out,
        capped,
    })
}

/// A rule's UNTIL, inclusive: UTC, a local time in the event's zone, or a date
/// (its end, for an event with a time).
fn rule_until(value: &str, start: When) -> Result<Timestamp, String> {
    let bad = || format!("UNTIL '{value}' is not a date or a date and time");
    if let Some(utc) = value.strip_suffix(['Z', 'z']) {
        return Ok(date_time(utc).ok_or_else(bad)?.and_utc());
    }
    let local = match date_time(value) {
        Some(t) => t,
        None if start.date => {
            return Ok(date8(value)
                .ok_or_else(bad)?
                .and_time(chrono::NaiveTime::MIN)
                .and_utc());
        }
        None => date8(value)
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .ok_or_else(bad)?,
    };
    Ok(match start.zone {
        Some(zone) => local_to_utc(zone, local),
        None => local.and_utc(),
    })
}

fn occurrence_id(uid: &str, at: Timestamp) -> String {
    format!("{uid}/{}", at.format("%Y%m%dT%H%M%SZ"))
}

fn domain_of(email: &str) -> Option<String> {
    email
        .rsplit_once('@')
        .and_then(|(_, d)| normalise_domain(d))
}

// ---------------------------------------------------------------------------
// Loading

/// What to do with an occurrence that has not happened yet.
#[derive(Clone, Copy, PartialEq)]
enum Future {
    /// List it as skipped.
    Say,
    /// Leave it out silently (a moved occurrence of a series).
    Quiet,
}

/// A contact to create: an address, the name an event gave, where it was first read.
struct NewContact {
    email: String,
    name: Option<String>,
    place: String,
}

struct Loader<'a> {
    options: &'a ReadOptions,
    out: Read,
    /// The occurrence ids read, with their place.
    seen: HashMap<String, String>,
    contacts: Vec<NewContact>,
    contact_index: HashMap<String, usize>,
}

impl Loader<'_> {
    fn load(&mut self, events: &[Event]) {
        // Moved occurrences, by their event and the occurrence they replace.
        let mut moved: HashMap<(&str, Timestamp), usize> = HashMap::new();
        let mut moved_of: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut series: HashSet<&str> = HashSet::new();
        for (i, e) in events.iter().enumerate() {
            match e.recurrence_id {
                Some(r) => match moved.get(&(e.uid.as_str(), r)) {
                    Some(first) => {
                        let message = format!("already read at {}", events[*first].place);
                        self.skip(&e.place, message);
                    }
                    None => {
                        moved.insert((&e.uid, r), i);
                        moved_of.entry(&e.uid).or_default().push(i);
                    }
                },
                None => {
                    series.insert(&e.uid);
                }
            }
        }
        let mut done: HashMap<&str, &str> = HashMap::new();
        for (i, e) in events.iter().enumerate() {
            match e.recurrence_id {
                // Read with its series, or alone when the files have none.
                Some(r) => {
                    if !series.contains(e.uid.as_str())
                        && moved.get(&(e.uid.as_str(), r)) == Some(&i)
                    {
                        self.occurrence(e, occurrence_id(&e.uid, r), None, Future::Quiet);
                    }
                }
                None => {
                    if let Some(first) = done.get(e.uid.as_str()) {
                        self.skip(&e.place, format!("already read at {first}"));
                        continue;
                    }
                    done.insert(&e.uid, &e.place);
                    let moved: Vec<&Event> = moved_of
                        .get(e.uid.as_str())
                        .map(|v| v.iter().map(|i| &events[*i]).collect())
                        .unwrap_or_default();
                    self.series(e, &moved);
                }
            }
        }
    }

    /// An event without RECURRENCE-ID: one occurrence, or those of its rules.
    fn series(&mut self, e: &Event, moved: &[&Event]) {
        if !e.recurring() {
            self.occurrence(e, e.uid.clone(), None, Future::Say);
            return;
        }
        if let Some(reason) = self.skip_reason(e) {
            // Said once for the series. A series cancelled is cancelled whole; a
            // moved occurrence of an internal one may still be a meeting.
            self.skip(&e.place, reason.into());
            if e.cancelled {
                return;
            }
            for m in moved {
                let id = occurrence_id(&m.uid, m.recurrence_id.unwrap_or_default());
                self.occurrence(m, id, None, Future::Quiet);
            }
            return;
        }
        let start = match &e.start {
            Ok(start) => *start,
            Err(message) => {
                self.problem(&e.place, "DTSTART", message.clone());
                return;
            }
        };
        if let Some((field, message)) = &e.dates_error {
            self.problem(&e.place, field, message.clone());
            return;
        }
        let now = self.options.now;
        if start.at > now {
            self.skip(&e.place, "not happened yet".into());
            return;
        }
        let found = match occurrences(e, start, now) {
            Ok(found) => found,
            Err(message) => {
                self.problem(&e.place, "RRULE", message);
                return;
            }
        };
        let by_start: HashMap<Timestamp, &Event> = moved
            .iter()
            .filter_map(|m| Some((m.recurrence_id?, *m)))
            .collect();
        for at in &found.kept {
            let id = occurrence_id(&e.uid, *at);
            match by_start.get(at) {
                Some(m) => self.occurrence(m, id, None, Future::Quiet),
                None => self.occurrence(e, id, Some(*at), Future::Say),
            }
        }
        // Occurrences still to come that were moved to a time already past.
        for m in moved {
            if let Some(r) = m.recurrence_id
                && r > now
                && !e.exdates.contains(&r)
            {
                self.occurrence(m, occurrence_id(&e.uid, r), None, Future::Quiet);
            }
        }
        if found.left_out > 0 {
            let more = if found.capped { "more than " } else { "" };
            self.skip(
                &e.place,
                format!(
                    "{more}{} earlier occurrences left out: at most {MAX_OCCURRENCES} are read per event",
                    found.left_out
                ),
            );
        }
    }

    /// Why an event is not a meeting with a customer, if it is not.
    fn skip_reason(&self, e: &Event) -> Option<&'static str> {
        if e.cancelled {
            Some("cancelled")
        } else if self.customers(e).is_empty() {
            Some("no customer attendee")
        } else {
            None
        }
    }

    fn customers<'e>(&self, e: &'e Event) -> Vec<&'e Person> {
        e.people()
            .filter(|p| !self.options.is_team(&p.email))
            .collect()
    }

    /// One meeting: `at` its start, or (`None`) the event's own.
    fn occurrence(&mut self, e: &Event, id: String, at: Option<Timestamp>, future: Future) {
        if let Some(reason) = self.skip_reason(e) {
            self.skip(&e.place, reason.into());
            return;
        }
        let at = match (at, &e.start) {
            (Some(at), _) => at,
            (None, Ok(start)) => start.at,
            (None, Err(message)) => {
                self.problem(&e.place, "DTSTART", message.clone());
                return;
            }
        };
        if at > self.options.now {
            if future == Future::Say {
                self.skip(&e.place, "not happened yet".into());
            }
            return;
        }
        if let Some(first) = self.seen.get(&id) {
            let message = format!("already read at {first}");
            self.skip(&e.place, message);
            return;
        }
        self.seen.insert(id.clone(), e.place.clone());
        let customers = self.customers(e);
        let Some(domain) = customers.first().and_then(|c| domain_of(&c.email)) else {
            self.skip(&e.place, "no customer attendee".into());
            return;
        };
        let mut r = SourceRecord::new(EntityKind::Interaction, SYSTEM, &id, e.place.clone());
        r.set("kind", "meeting")
            .set("direction", "out")
            .set("at", at.to_rfc3339_opts(SecondsFormat::Secs, true))
            .set("subject", clip(e.summary.clone(), MAX_SHORT_TEXT))
            .set("body", e.body())
            .set("source", "import");
        let team = |p: &&Person| self.options.is_team(&p.email);
        let user = e
            .organizer
            .iter()
            .find(team)
            .or_else(|| e.attendees.iter().find(team));
        if let Some(user) = user {
            r.set("user", user.local_part());
        }
        r.refer("account_id", EntityKind::Account, RefKey::Domain(domain));
        r.skip_unmatched = true;
        for c in customers.iter().take(MAX_ITEMS) {
            r.refs.push(SourceRef {
                field: "contact_ids".into(),
                kind: EntityKind::Contact,
                key: RefKey::Email(c.email.clone()),
                many: true,
                optional: true,
            });
        }
        if self.options.create_contacts {
            for c in &customers {
                self.note_contact(c, &e.place);
            }
        }
        self.out.records.push(r);
    }

    fn note_contact(&mut self, person: &Person, place: &str) {
        match self.contact_index.get(&person.email) {
            Some(i) => {
                let known = &mut self.contacts[*i];
                if known.name.is_none() {
                    known.name.clone_from(&person.name);
                }
            }
            None => {
                self.contact_index
                    .insert(person.email.clone(), self.contacts.len());
                self.contacts.push(NewContact {
                    email: person.email.clone(),
                    name: person.name.clone(),
                    place: place.to_string(),
                });
            }
        }
    }

    fn skip(&mut self, place: &str, message: String) {
        self.out.skipped.push(SourceProblem {
            place: place.to_string(),
            field: None,
            message,
        });
    }

    fn problem(&mut self, place: &str, field: &str, message: String) {
        self.out.problems.push(SourceProblem {
            place: place.to_string(),
            field: Some(field.into()),
            message,
        });
    }

    /// The read, with a contact for each customer address met.
    fn finish(mut self) -> Read {
        for c in std::mem::take(&mut self.contacts) {
            let Some(domain) = domain_of(&c.email) else {
                continue;
            };
            let local = c.email.rsplit_once('@').map_or("", |(l, _)| l);
            let name = c.name.unwrap_or_else(|| local.to_string());
            let mut r = SourceRecord::new(EntityKind::Contact, SYSTEM, &c.email, c.place);
            r.set("email", c.email.as_str());
            // A calendar names people loosely: the name (and the rest) is only set
            // on a contact it creates, never over one the team has, nor is a
            // contact the team has moved to another account.
            r.on_create
                .insert("name".into(), json!(clip(name, MAX_SHORT_TEXT)));
            r.on_create.insert("kind".into(), json!("crm"));
            r.on_create.insert("source".into(), json!("import"));
            r.refer("account_id", EntityKind::Account, RefKey::Domain(domain));
            r.skip_unmatched = true;
            r.refs_on_create = true;
            self.out.records.push(r);
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    const GOOGLE: &[u8] = include_bytes!("../../../../tests/fixtures/calendar/google.ics");
    const OUTLOOK: &[u8] = include_bytes!("../../../../tests/fixtures/calendar/outlook.ics");

    const SERIES: &str = "5q1t9kd0c7m3v2n8b4h6j0f2lr@google.com";
    const OUTLOOK_SERIES: &str = "040000008200E00074C5B7101A82E00800000000E0C6A2B5B264DC01000000000000000010000000B1B3B5F6C0E4A24E9F0C1D2E3F405162";

    fn at(text: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn options() -> ReadOptions {
        ReadOptions {
            team_domains: vec!["tend.example".into()],
            create_contacts: true,
            now: at("2026-11-20T12:00:00Z"),
        }
    }

    fn fixtures() -> Read {
        read(
            &[
                ("google.ics".into(), GOOGLE.to_vec()),
                ("outlook.ics".into(), OUTLOOK.to_vec()),
            ],
            &options(),
        )
    }

    fn one(text: &str) -> Read {
        read(&[("test.ics".into(), text.as_bytes().to_vec())], &options())
    }

    fn meetings(read: &Read) -> Vec<&SourceRecord> {
        read.records
            .iter()
            .filter(|r| r.kind == EntityKind::Interaction)
            .collect()
    }

    fn meeting<'r>(read: &'r Read, id: &str) -> &'r SourceRecord {
        read.records
            .iter()
            .find(|r| r.kind == EntityKind::Interaction && r.external_id == id)
            .unwrap_or_else(|| panic!("no meeting {id}"))
    }

    fn skipped(read: &Read) -> Vec<(&str, &str)> {
        read.skipped
            .iter()
            .map(|s| (s.place.as_str(), s.message.as_str()))
            .collect()
    }

    #[test]
    fn a_weekly_series_in_paris_across_the_change_to_winter_time() {
        let read = fixtures();
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let ids: Vec<_> = meetings(&read)
            .iter()
            .filter(|r| r.external_id.starts_with(SERIES))
            .map(|r| (r.external_id.clone(), r.fields["at"].clone()))
            .collect();
        let expected = [
            ("20261006T080000Z", "2026-10-06T08:00:00Z"),
            ("20261013T080000Z", "2026-10-13T08:00:00Z"),
            ("20261020T080000Z", "2026-10-20T08:00:00Z"),
            // Paris is on UTC+1 from 25 October: 10:00 there is 09:00 UTC.
            ("20261027T090000Z", "2026-10-27T09:00:00Z"),
            // Moved to 14:00 that day.
            ("20261103T090000Z", "2026-11-03T13:00:00Z"),
            // 10 November is excluded, 24 November is after now.
            ("20261117T090000Z", "2026-11-17T09:00:00Z"),
        ];
        let expected: Vec<_> = expected
            .iter()
            .map(|(id, at)| (format!("{SERIES}/{id}"), json!(at)))
            .collect();
        assert_eq!(ids, expected);

        let first = meeting(&read, &format!("{SERIES}/20261006T080000Z"));
        assert_eq!(first.place, "google.ics:53");
        assert_eq!(first.fields["kind"], "meeting");
        assert_eq!(first.fields["direction"], "out");
        assert_eq!(first.fields["source"], "import");
        assert_eq!(first.fields["subject"], "Larkspur weekly sync");
        assert_eq!(first.fields["user"], "maya.chen");
        let body = first.fields["body"].as_str().unwrap();
        // A fold in the middle of 'é', escapes, and not the alarm's description.
        assert!(
            body.starts_with(
                "Weekly sync with the Larkspur operations team in Lyon (notre réunion hebdomadaire).\n\nAgenda:\n- Rollout status for the Lyon and Marseille warehouses, blockers first\n- Open support cases; escalations if any\n"
            ),
            "{body}"
        );
        assert!(body.contains(r"C:\Shared\Larkspur\notes.docx"), "{body}");
        assert!(body.contains("Join with Google Meet: https://meet.google.com/xqv-kdpr-wmn"));
        assert!(!body.contains("event reminder"));
        assert!(
            body.ends_with("\n\nLocation: Larkspur HQ, 12 Rue de la Paix, 75002 Paris"),
            "{body}"
        );
        assert_eq!(
            first.refs[0],
            SourceRef {
                field: "account_id".into(),
                kind: EntityKind::Account,
                key: RefKey::Domain("larkspur-logistics.com".into()),
                many: false,
                optional: false,
            }
        );
        assert!(first.skip_unmatched);
        // The customers, not the team nor the room.
        let contacts: Vec<_> = first.refs[1..]
            .iter()
            .map(|r| {
                assert_eq!(
                    (r.field.as_str(), r.kind, r.many, r.optional),
                    ("contact_ids", EntityKind::Contact, true, true)
                );
                r.key.clone()
            })
            .collect();
        assert_eq!(
            contacts,
            [
                RefKey::Email("lara.tanaka@larkspur-logistics.com".into()),
                RefKey::Email("grace.schmidt@larkspur-logistics.com".into()),
            ]
        );

        let moved = meeting(&read, &format!("{SERIES}/20261103T090000Z"));
        assert_eq!(moved.place, "google.ics:26");
        assert_eq!(
            moved.fields["subject"],
            "Larkspur weekly sync (renewal prep)"
        );
        assert_eq!(
            moved.fields["body"],
            "Moved to the afternoon: renewal prep with Lara before the board meeting."
        );
    }

    #[test]
    fn a_customers_invitation_cancelled_internal_future_and_duplicate_events() {
        let read = fixtures();
        let review = meeting(&read, "BW-2026-10-26-adoption-review@brightwave.health");
        assert_eq!(review.place, "google.ics:95");
        // 15:30 in Paris on 26 October, on UTC+1 since the day before.
        assert_eq!(review.fields["at"], "2026-10-26T14:30:00Z");
        assert_eq!(review.fields["user"], "leo.martin");
        assert_eq!(
            review.refs[0].key,
            RefKey::Domain("brightwave.health".into())
        );
        let keys: Vec<_> = review.refs[1..].iter().map(|r| r.key.clone()).collect();
        // The organizer first; an attendee who declined is still one.
        assert_eq!(
            keys,
            [
                RefKey::Email("hana.laurent@brightwave.health".into()),
                RefKey::Email("elena.yilmaz@brightwave.health".into()),
            ]
        );
        assert_eq!(
            skipped(&read),
            [
                ("google.ics:116", "cancelled"),
                ("google.ics:131", "no customer attendee"),
                ("google.ics:151", "not happened yet"),
                ("outlook.ics:93", "already read at google.ics:95"),
            ]
        );
        assert_eq!(meetings(&read).len(), 6 + 1 + 3 + 1);
    }

    #[test]
    fn outlook_windows_zone_and_an_all_day_event() {
        let read = fixtures();
        let series: Vec<_> = meetings(&read)
            .iter()
            .filter(|r| r.external_id.starts_with(OUTLOOK_SERIES))
            .map(|r| {
                (
                    r.external_id[OUTLOOK_SERIES.len()..].to_string(),
                    r.fields["at"].clone(),
                )
            })
            .collect();
        // 10:00 in Los Angeles every other Thursday: UTC-7, then UTC-8 from 1 November.
        assert_eq!(
            series,
            [
                (
                    "/20261022T170000Z".to_string(),
                    json!("2026-10-22T17:00:00Z")
                ),
                (
                    "/20261105T180000Z".to_string(),
                    json!("2026-11-05T18:00:00Z")
                ),
                (
                    "/20261119T180000Z".to_string(),
                    json!("2026-11-19T18:00:00Z")
                ),
            ]
        );
        let check_in = meeting(&read, &format!("{OUTLOOK_SERIES}/20261022T170000Z"));
        assert_eq!(
            check_in.fields["subject"],
            "Orion Freight onboarding check-in"
        );
        assert_eq!(check_in.fields["user"], "priya.patel");
        assert_eq!(
            check_in.fields["body"],
            "Hi Sofia, Chloe,\n\nOur fortnightly check-in on the Orion Freight onboarding: integrations, data import, first dashboards.\n\nPriya\n\nLocation: Microsoft Teams Meeting"
        );
        assert_eq!(
            check_in.refs[0].key,
            RefKey::Domain("orionfreight.com".into())
        );
        let keys: Vec<_> = check_in.refs[1..].iter().map(|r| r.key.clone()).collect();
        assert_eq!(
            keys,
            [
                RefKey::Email("sofia.abebe@orionfreight.com".into()),
                RefKey::Email("chloe.wong@orionfreight.com".into()),
            ]
        );

        let workshop = meeting(
            &read,
            "040000008200E00074C5B7101A82E00800000000A1F3C7D9E264DC01000000000000000010000000C4D5E6F708192A3B4C5D6E7F80912A3B",
        );
        assert_eq!(workshop.place, "outlook.ics:68");
        assert_eq!(workshop.fields["at"], "2026-11-12T00:00:00Z");
        assert_eq!(workshop.fields["subject"], "Larkspur on-site workshop");
        assert_eq!(
            workshop.fields["body"],
            "Full-day workshop at the Lyon warehouse: dashboards and alerts for the shift leads.\n\nLocation: Larkspur Logistics, Lyon"
        );
    }

    #[test]
    fn a_contact_per_customer_address_when_asked() {
        let read = fixtures();
        let contacts: Vec<_> = read
            .records
            .iter()
            .filter(|r| r.kind == EntityKind::Contact)
            .map(|r| {
                assert_eq!(r.fields["email"], json!(r.external_id));
                assert_eq!(r.on_create["kind"], "crm");
                assert!(r.skip_unmatched && r.refs_on_create);
                let RefKey::Domain(domain) = &r.refs[0].key else {
                    panic!("{:?}", r.refs)
                };
                assert_eq!(r.refs[0].field, "account_id");
                (
                    r.external_id.as_str(),
                    r.on_create["name"].as_str().unwrap(),
                    domain.as_str(),
                )
            })
            .collect();
        assert_eq!(
            contacts,
            [
                (
                    "lara.tanaka@larkspur-logistics.com",
                    "Lara Tanaka",
                    "larkspur-logistics.com"
                ),
                // Google's CN is the address itself: no name.
                (
                    "grace.schmidt@larkspur-logistics.com",
                    "grace.schmidt",
                    "larkspur-logistics.com"
                ),
                (
                    "hana.laurent@brightwave.health",
                    "Hana Laurent",
                    "brightwave.health"
                ),
                (
                    "elena.yilmaz@brightwave.health",
                    "Elena Yilmaz",
                    "brightwave.health"
                ),
                (
                    "sofia.abebe@orionfreight.com",
                    "Sofia Abebe",
                    "orionfreight.com"
                ),
                (
                    "chloe.wong@orionfreight.com",
                    "Chloe Wong",
                    "orionfreight.com"
                ),
                (
                    "erik.novak@larkspur-logistics.com",
                    "Erik Novak",
                    "larkspur-logistics.com"
                ),
            ]
        );
        let without = read_without_contacts();
        assert!(
            without
                .records
                .iter()
                .all(|r| r.kind == EntityKind::Interaction)
        );
    }

    fn read_without_contacts() -> Read {
        let options = ReadOptions {
            create_contacts: false,
            ..options()
        };
        read(&[("google.ics".into(), GOOGLE.to_vec())], &options)
    }

    #[test]
    fn unknown_zones_and_missing_starts_are_problems() {
        let read = one("BEGIN:VCALENDAR\nVERSION:2.0\n\
             BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Customized Time Zone:20261001T100000\n\
             ATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:b\nSUMMARY:No start\nATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:c\nDTSTART:2026-10-01\nATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             BEGIN:VEVENT\nSUMMARY:No UID\nDTSTART:20261001T100000Z\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:d\nDTSTART:20261001T100000Z\nATTENDEE:mailto:pat@acme.com\n\
             END:VCALENDAR\n");
        let problems: Vec<_> = read
            .problems
            .iter()
            .map(|p| (p.place.as_str(), p.field.as_deref(), p.message.as_str()))
            .collect();
        assert_eq!(
            problems,
            [
                (
                    "test.ics:22",
                    None,
                    "BEGIN:VEVENT with no END:VEVENT (is the file cut short?)"
                ),
                ("test.ics:18", Some("UID"), "no UID"),
                (
                    "test.ics:3",
                    Some("DTSTART"),
                    "unknown time zone 'Customized Time Zone'"
                ),
                ("test.ics:8", Some("DTSTART"), "no DTSTART"),
                (
                    "test.ics:13",
                    Some("DTSTART"),
                    "'2026-10-01' is not a date or a date and time"
                ),
            ]
        );
        assert!(read.records.is_empty());

        let read = one("BEGIN:VCARD\nFN:Pat\nEND:VCARD\n");
        assert_eq!(
            read.problems[0].message,
            "not an iCalendar file (no BEGIN:VCALENDAR)"
        );
    }

    #[test]
    fn what_is_not_loaded_needs_no_readable_dates() {
        let read = one("BEGIN:VCALENDAR\n\
             BEGIN:VEVENT\nUID:internal\nDTSTART;TZID=Customized Time Zone:20261001T100000\n\
             RRULE:FREQ=DAILY\nEXDATE:someday\nATTENDEE:mailto:maya.chen@tend.example\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:customer\nDTSTART:20261001T100000Z\nRRULE:FREQ=DAILY\n\
             EXDATE:someday\nATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             END:VCALENDAR\n");
        assert_eq!(skipped(&read), [("test.ics:2", "no customer attendee")]);
        assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
        assert_eq!(read.problems[0].place, "test.ics:9");
        assert_eq!(read.problems[0].field.as_deref(), Some("EXDATE"));
        assert_eq!(
            read.problems[0].message,
            "'someday' is not a date or a date and time"
        );
        assert!(read.records.is_empty());
    }

    #[test]
    fn zones_by_iana_windows_and_display_names() {
        for (windows, iana_name) in WINDOWS_ZONES.iter().chain(WINDOWS_DISPLAY_NAMES) {
            assert_eq!(
                windows_zone(windows).map(|z| z.name()),
                Some(*iana_name),
                "{windows}"
            );
        }
        let zones = Zones::default();
        let name = |tzid: &str| zones.resolve(tzid).map(|z| z.name());
        assert_eq!(
            name("\"Pacific Standard Time\""),
            Some("America/Los_Angeles")
        );
        assert_eq!(name("GMT Standard Time"), Some("Europe/London"));
        assert_eq!(name("W. Europe Standard Time"), Some("Europe/Berlin"));
        assert_eq!(name("Romance Standard Time"), Some("Europe/Paris"));
        assert_eq!(
            name("Central Europe Standard Time"),
            Some("Europe/Budapest")
        );
        assert_eq!(name("Mountain Standard Time"), Some("America/Denver"));
        assert_eq!(name("Central Standard Time"), Some("America/Chicago"));
        assert_eq!(name("Eastern Standard Time"), Some("America/New_York"));
        assert_eq!(name("europe/paris"), Some("Europe/Paris"));
        assert_eq!(
            name("/mozilla.org/20050126_1/America/New_York"),
            Some("America/New_York")
        );
        assert_eq!(
            name("(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"),
            Some("Europe/Paris")
        );
        assert_eq!(name("Customized Time Zone"), None);
        let zones = Zones {
            locations: HashMap::from([("Custom 1".to_string(), "Asia/Tokyo".to_string())]),
        };
        assert_eq!(
            zones.resolve("Custom 1").map(|z| z.name()),
            Some("Asia/Tokyo")
        );
    }

    #[test]
    fn content_lines_bom_lf_folds_and_escapes() {
        let text = "\u{feff}BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x-1\r\nDTSTART:20261001T100000\r\n\
                    SUMMARY:Renewal\\, pricing\\; next steps\r\nDESCRIPTION:one\\ntwo\\N\r\n\tthree \\\\ four\r\n\
                    ORGANIZER;CN=\"Chen, Maya\":MAILTO:Maya.Chen@Tend.Example\r\n\
                    ATTENDEE;CN=Pat;EMAIL=pat@acme.com:urn:uuid:6f1c\r\n\
                    ATTENDEE;CN=Board room;CUTYPE=ROOM:mailto:board@acme.com\r\n\
                    END:VEVENT\r\nEND:VCALENDAR";
        let read = one(text);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let r = meeting(&read, "x-1");
        // Floating: read as UTC.
        assert_eq!(r.fields["at"], "2026-10-01T10:00:00Z");
        assert_eq!(r.fields["subject"], "Renewal, pricing; next steps");
        assert_eq!(r.fields["body"], "one\ntwo\nthree \\ four");
        assert_eq!(r.fields["user"], "maya.chen");
        assert_eq!(r.refs.len(), 2);
        assert_eq!(r.refs[1].key, RefKey::Email("pat@acme.com".into()));
        let contact = read
            .records
            .iter()
            .find(|r| r.kind == EntityKind::Contact)
            .unwrap();
        assert_eq!(contact.on_create["name"], "Pat");

        let p = property(
            b"ATTENDEE;CN=\"O'Brien ^'Bo^'\";ROLE=REQ-PARTICIPANT:mailto:bo@x.io",
            1,
        )
        .unwrap();
        assert_eq!(p.param("CN"), Some("O'Brien \"Bo\""));
        assert_eq!(p.param("ROLE"), Some("REQ-PARTICIPANT"));
        assert_eq!(p.value, "mailto:bo@x.io");
    }

    #[test]
    fn long_series_keep_their_latest_occurrences() {
        let read = one(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:daily\nDTSTART:20250101T090000Z\nRRULE:FREQ=DAILY\n\
             EXDATE:20261120T090000Z,20261119T090000Z\nORGANIZER:mailto:maya.chen@tend.example\n\
             ATTENDEE:mailto:pat@acme.com\nDESCRIPTION:x\nEND:VEVENT\nEND:VCALENDAR\n",
        );
        let ids: Vec<_> = meetings(&read)
            .iter()
            .map(|r| r.external_id.clone())
            .collect();
        assert_eq!(ids.len(), MAX_OCCURRENCES);
        assert_eq!(ids.last().unwrap(), "daily/20261118T090000Z");
        // 1 January 2025 to 20 November 2026: 689 days, 2 of them excluded.
        assert_eq!(
            skipped(&read),
            [(
                "test.ics:2",
                "187 earlier occurrences left out: at most 500 are read per event"
            )]
        );
    }

    #[test]
    fn until_counts_dates_and_a_series_moved_and_cancelled() {
        let read = one("BEGIN:VCALENDAR\n\
             BEGIN:VEVENT\nUID:w\nDTSTART;TZID=America/New_York:20261001T090000\n\
             RRULE:FREQ=WEEKLY;UNTIL=20261022T235959\nATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:w\nRECURRENCE-ID;TZID=America/New_York:20261015T090000\n\
             DTSTART;TZID=America/New_York:20261015T090000\nSTATUS:CANCELLED\nATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:w\nRECURRENCE-ID;TZID=America/New_York:20261203T090000\n\
             DTSTART;TZID=America/New_York:20261104T090000\nATTENDEE:mailto:pat@acme.com\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:m\nDTSTART;VALUE=DATE:20261001\nRRULE:FREQ=MONTHLY;UNTIL=20261101\n\
             EXDATE;VALUE=DATE:20261001\nATTENDEE:mailto:sam@beta.io\nEND:VEVENT\n\
             END:VCALENDAR\n");
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let ids: Vec<_> = meetings(&read)
            .iter()
            .map(|r| (r.external_id.as_str(), r.fields["at"].as_str().unwrap()))
            .collect();
        assert_eq!(
            ids,
            [
                ("w/20261001T130000Z", "2026-10-01T13:00:00Z"),
                ("w/20261008T130000Z", "2026-10-08T13:00:00Z"),
                ("w/20261022T130000Z", "2026-10-22T13:00:00Z"),
                // An occurrence still to come, moved to a day already past.
                ("w/20261203T140000Z", "2026-11-04T14:00:00Z"),
                ("m/20261101T000000Z", "2026-11-01T00:00:00Z"),
            ]
        );
        assert_eq!(skipped(&read), [("test.ics:8", "cancelled")]);
    }
}
