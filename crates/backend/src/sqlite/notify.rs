//! Notifications: what the rules of the settings ask to be told (health
//! transitions, alerts, runs turning red, renewals coming) queued in the outbox,
//! once per event and channel (the idempotency key is the event's).

use crate::db::Conn;
use chrono::TimeDelta;

use super::codec::{day, from_day, ts};
use super::meta::{meta, set_meta};
use super::outbox::{self, NewDelivery};
use super::tables;
use crate::outbound::{
    ChannelKind, DeliveryKind, Payload, Settings, Trigger, smtp, webhook::Notice,
};
use crate::{Error, Result};
use tend_domain::*;

const ALERT_CURSOR: &str = "notify.alert_cursor";
const RENEWAL_DAY: &str = "notify.renewal_day";
/// On the first round, alerts raised this recently are news; older ones history.
const FIRST_ROUND_MINUTES: i64 = 10;

/// Queues `notice` to each channel of the rules `matching` selects; answers how
/// many were new.
fn queue(
    conn: Conn<'_>,
    settings: &Settings,
    matching: impl Fn(&Trigger) -> bool,
    key: &str,
    notice: &Notice,
    now: Timestamp,
) -> Result<u32> {
    let mut n = 0;
    let mut channels: Vec<&str> = settings
        .notify
        .rules
        .iter()
        .filter(|r| matching(&r.on))
        .flat_map(|r| r.channels.iter().map(String::as_str))
        .collect();
    channels.sort_unstable();
    channels.dedup();
    for name in channels {
        let Some(channel) = settings.notify.channels.iter().find(|c| c.name == name) else {
            continue;
        };
        let (kind, payload) = match &channel.kind {
            ChannelKind::Webhook(_) => (
                DeliveryKind::Webhook,
                Payload::Notice {
                    channel: name.to_string(),
                    notice: notice.clone(),
                },
            ),
            ChannelKind::Email { to } => (
                DeliveryKind::Email,
                Payload::Email {
                    email: smtp::Email {
                        from: settings.from.clone(),
                        to: to.clone(),
                        cc: vec![],
                        subject: notice.title.clone(),
                        body: format!("{}\n", notice.text.trim_end()),
                        message_id: format!("{key}-{name}@{}", settings.message_domain()),
                        in_reply_to: None,
                        references: vec![],
                        date: now,
                    },
                    log: None,
                },
            ),
        };
        let (_, new) = outbox::enqueue(
            conn,
            NewDelivery {
                kind,
                key: format!("{key}-{name}"),
                channel: name,
                account_id: notice.account_id,
                origin: notice.event.clone(),
                summary: notice.title.clone(),
                payload: &payload,
                actor: "notify",
            },
            now,
        )?;
        n += u32::from(new);
    }
    Ok(n)
}

fn account_name(conn: Conn<'_>, id: Id) -> Result<String> {
    conn.query_row("SELECT name FROM accounts WHERE id = ?", &[&id], |r| {
        r.get(0)
    })
    .map_err(Error::storage)
}

pub(crate) fn status_words(s: Option<HealthStatus>) -> &'static str {
    match s {
        Some(HealthStatus::AtRisk) => "at risk",
        Some(HealthStatus::Concerning) => "concerning",
        Some(HealthStatus::Healthy) => "healthy",
        None => "unscored",
    }
}

/// Alerts raised since the last scan (on the first, those of the last
/// [`FIRST_ROUND_MINUTES`]: older ones are history), then renewals coming (once a
/// day).
pub(crate) fn scan<'c>(
    conn: impl Into<Conn<'c>>,
    settings: &Settings,
    now: Timestamp,
) -> Result<u32> {
    let conn = conn.into();
    let mut n = 0;
    let last: Id = conn
        .query_row("SELECT coalesce(max(id), 0) FROM alerts", &[], |r| r.get(0))
        .map_err(Error::storage)?;
    let cursor = match meta(conn, ALERT_CURSOR)?.and_then(|v| v.parse::<Id>().ok()) {
        Some(c) => c,
        // The first round: what was raised before the last few minutes is history.
        None => conn
            .query_row(
                "SELECT coalesce(max(id), 0) FROM alerts WHERE created_at < ?",
                &[&ts(&(now - TimeDelta::minutes(FIRST_ROUND_MINUTES)))],
                |r| r.get(0),
            )
            .map_err(Error::storage)?,
    };
    // Without rules the cursor still moves: rules added later start from then.
    let mut seen = last;
    if cursor < last && !settings.notify.rules.is_empty() {
        let alerts: Vec<Alert> =
            tables::select_in(conn, "WHERE id > ? ORDER BY id LIMIT 10000", &[&cursor])?;
        for a in &alerts {
            n += alert(conn, settings, a, now)?;
        }
        // A burst past the batch goes on at the next round.
        seen = alerts.last().map_or(last, |a| a.id);
    }
    set_meta(conn, ALERT_CURSOR, &seen.to_string())?;
    if settings.notify.rules.is_empty() {
        return Ok(0);
    }
    let today = now.date_naive();
    if meta(conn, RENEWAL_DAY)?.as_deref() != Some(&today.to_string()) {
        n += renewals(conn, settings, now)?;
        set_meta(conn, RENEWAL_DAY, &today.to_string())?;
    }
    Ok(n)
}

fn alert(conn: Conn<'_>, settings: &Settings, a: &Alert, now: Timestamp) -> Result<u32> {
    let name = account_name(conn, a.account_id)?;
    let transition = a.rule == tend_engines::health::TRANSITION_RULE;
    let notice = Notice {
        event: if transition {
            "health_transition".into()
        } else {
            "alert".into()
        },
        title: if transition {
            format!("{name} is now {}", status_words(a.to_status))
        } else {
            format!("{name}: {}", a.rule.replace('_', " "))
        },
        text: a.message.clone(),
        account_id: Some(a.account_id),
        account_name: Some(name),
        at: a.at,
        data: serde_json::json!({
            "alert_id": a.id,
            "rule": a.rule,
            "from": a.from_status,
            "to": a.to_status,
        }),
    };
    queue(
        conn,
        settings,
        |t| match t {
            Trigger::HealthTransition { from, to } => {
                transition
                    && (from.is_empty() || a.from_status.is_some_and(|s| from.contains(&s)))
                    && (to.is_empty() || a.to_status.is_some_and(|s| to.contains(&s)))
            }
            Trigger::Alert { rule } => !transition && (rule == "*" || *rule == a.rule),
            _ => false,
        },
        &format!("alert-{}", a.id),
        &notice,
        now,
    )
}

/// A run turned red: tell the rules that ask for it.
pub(crate) fn run_red<'c>(
    conn: impl Into<Conn<'c>>,
    settings: &Settings,
    run_id: Id,
    now: Timestamp,
) -> Result<u32> {
    if settings.notify.rules.is_empty() {
        return Ok(0);
    }
    let conn = conn.into();
    let run: PlaybookRun = tables::get(conn, run_id)?;
    let playbook: Playbook = tables::get(conn, run.playbook_id)?;
    let name = account_name(conn, run.account_id)?;
    let (i, failed) = run
        .steps
        .iter()
        .enumerate()
        .rfind(|(_, s)| s.state == StepState::Failed)
        .ok_or_else(|| Error::storage("a red run without a failed step"))?;
    let step = playbook
        .steps
        .get(i)
        .map(|s| s.name.as_str())
        .unwrap_or("?");
    let notice = Notice {
        event: "run_red".into(),
        title: format!("{name}: the playbook {} is stuck", playbook.name),
        text: format!("Step {} ({step}) failed: {}", i + 1, failed.message),
        account_id: Some(run.account_id),
        account_name: Some(name),
        at: now,
        data: serde_json::json!({ "run_id": run.id, "step": i + 1, "playbook": playbook.name }),
    };
    let at = failed.at.map(|t| t.timestamp()).unwrap_or_default();
    queue(
        conn,
        settings,
        |t| matches!(t, Trigger::RunRed),
        &format!("run-{}-red-{}-{at}", run.id, i + 1),
        &notice,
        now,
    )
}

/// Accounts whose renewal notice date falls within a rule's days: once per
/// account, rule window and renewal date.
fn renewals(conn: Conn<'_>, settings: &Settings, now: Timestamp) -> Result<u32> {
    let today = now.date_naive();
    let mut n = 0;
    for rule in &settings.notify.rules {
        let Trigger::Renewal { within_days } = rule.on else {
            continue;
        };
        let until = today + TimeDelta::days(i64::from(within_days));
        let rows: Vec<(Id, String, i64, i64)> = conn
            .query_map(
                "SELECT id, name, renewal_day, mrr_cents FROM accounts \
                 WHERE renewal_day BETWEEN ? AND ? AND stage != 'churned' ORDER BY renewal_day, id",
                &[&day(&today), &day(&until)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(Error::storage)?;
        for (id, name, renewal, mrr) in rows {
            let date = from_day(renewal);
            let days = (date - today).num_days();
            let notice = Notice {
                event: "renewal".into(),
                title: format!("{name} renews in {days} days"),
                text: format!(
                    "The renewal notice date is {date}; MRR ${:.2}.",
                    mrr as f64 / 100.0
                ),
                account_id: Some(id),
                account_name: Some(name),
                at: now,
                data: serde_json::json!({ "renewal": date, "mrr_cents": mrr, "within_days": within_days }),
            };
            n += queue(
                conn,
                settings,
                |t| *t == rule.on,
                &format!("renewal-{id}-{date}-{within_days}d"),
                &notice,
                now,
            )?;
        }
    }
    Ok(n)
}
