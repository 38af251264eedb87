//! Acting outward on the embedded store: emails queued in the outbox, the tick
//! that runs due playbook steps, queues notifications and sends what is due, and
//! My work.

use std::sync::Arc;

use super::outbox::{self, NewDelivery};
use super::{Store, mywork, notify, playbooks, tables, write};
use crate::outbound::{
    ChannelKind, Delivery, DeliveryKind, DeliveryQuery, DeliveryState, EmailLog, LEASE_SECS,
    OutgoingEmail, Payload, Settings, TickReport, WorkItem, address, smtp, webhook,
};
use crate::{Error, Result};
use tend_domain::*;

/// Deliveries sent at once.
const PARALLEL: usize = 16;
/// Runs advanced per tick (the rest wait for the next).
const RUNS_PER_TICK: usize = 2_000;
/// Deliveries attempted per tick.
const DELIVERIES_PER_TICK: usize = 5_000;

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the OS random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The email as it goes out, checked: its account, its reply target, its
/// addresses. Answers the email and how it is logged once sent.
fn compose(
    conn: crate::db::Conn<'_>,
    settings: &Settings,
    actor: &str,
    e: &OutgoingEmail,
    key: &str,
    now: Timestamp,
) -> Result<(smtp::Email, EmailLog)> {
    if settings.from.trim().is_empty() {
        return Err(Error::invalid(
            "from",
            "no sender configured: set [email] from = \"Name <address>\" in the config",
        ));
    }
    let account: Account = tables::get(conn, e.account_id)?;
    if e.to.iter().all(|a| a.trim().is_empty()) {
        return Err(Error::invalid(
            "to",
            "an email needs at least one recipient",
        ));
    }
    if e.subject.trim().is_empty() {
        return Err(Error::invalid("subject", "an email needs a subject"));
    }
    for (field, text, max) in [
        ("subject", &e.subject, MAX_SHORT_TEXT),
        ("body", &e.body, MAX_LONG_TEXT),
    ] {
        if text.len() > max {
            return Err(Error::invalid(
                field,
                format!("is {} bytes, more than the {max} allowed", text.len()),
            ));
        }
    }
    let (mut in_reply_to, mut references) = (None, vec![]);
    if let Some(id) = e.in_reply_to {
        let original: Interaction = tables::get(conn, id)?;
        if original.account_id != account.id
            || original.kind != InteractionKind::Email
            || original.direction != Direction::In
        {
            return Err(Error::invalid(
                "in_reply_to",
                format!(
                    "interaction {id} is not an incoming email of account {}",
                    account.id
                ),
            ));
        }
        if let Some(mid) = original.external_id.as_deref().filter(|m| m.contains('@')) {
            let mid = mid.trim_matches(['<', '>']).to_string();
            in_reply_to = Some(mid.clone());
            references.push(mid);
        }
    }
    let contacts: Vec<Contact> = tables::select_in(conn, "WHERE account_id = ?", &[&account.id])?;
    let contact_ids =
        e.to.iter()
            .chain(&e.cc)
            .filter_map(|m| {
                let a = address(m);
                contacts
                    .iter()
                    .find(|c| {
                        c.email
                            .as_deref()
                            .is_some_and(|x| x.eq_ignore_ascii_case(a))
                    })
                    .map(|c| c.id)
            })
            .collect();
    let clean = |list: &[String]| -> Vec<String> {
        list.iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect()
    };
    let body = settings.signed(&e.body);
    if body.len() > MAX_LONG_TEXT {
        return Err(Error::invalid(
            "body",
            format!(
                "is {} bytes with the signature, more than the {MAX_LONG_TEXT} allowed",
                body.len()
            ),
        ));
    }
    let email = smtp::Email {
        from: settings.from.trim().to_string(),
        to: clean(&e.to),
        cc: clean(&e.cc),
        subject: e.subject.trim().to_string(),
        body,
        message_id: format!("{key}@{}", settings.message_domain()),
        in_reply_to,
        references,
        date: now,
    };
    // Every address must parse (the same check as on sending).
    smtp::build(&email).map_err(|e| Error::invalid("to", e.to_string()))?;
    let log = EmailLog {
        account_id: account.id,
        contact_ids,
        user: actor.to_string(),
        reply_to: e.in_reply_to,
        run: None,
    };
    Ok((email, log))
}

/// Sends one claimed delivery.
async fn attempt(
    settings: &Settings,
    http: &reqwest::Client,
    d: &Delivery,
    payload: &Payload,
) -> std::result::Result<(), smtp::SendError> {
    match payload {
        Payload::Email { email, .. } => match &settings.smtp {
            Some(s) => smtp::send(s, email).await,
            None => Err(smtp::SendError::Transient(
                "no SMTP server configured ([smtp] in the config)".into(),
            )),
        },
        Payload::Notice { channel, notice } => {
            let hook = settings.notify.channels.iter().find_map(|c| match &c.kind {
                ChannelKind::Webhook(h) if c.name == *channel => Some(h),
                _ => None,
            });
            match hook {
                Some(h) => webhook::post(http, h, &d.key, notice).await,
                None => Err(smtp::SendError::Permanent(format!(
                    "the channel {channel} is no longer in the config"
                ))),
            }
        }
    }
}

impl Store {
    fn outbound(&self) -> Arc<Settings> {
        self.inner.outbound.clone()
    }

    fn http(&self) -> reqwest::Client {
        self.inner
            .http
            .get_or_init(|| {
                let _ = rustls::crypto::ring::default_provider().install_default();
                reqwest::Client::builder()
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .timeout(std::time::Duration::from_secs(30))
                    .user_agent(concat!("tend/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .unwrap_or_default()
            })
            .clone()
    }

    pub(crate) async fn queue_email(&self, actor: &str, e: OutgoingEmail) -> Result<Delivery> {
        let settings = self.outbound();
        let actor = actor.to_string();
        self.write(move |tx, now| {
            let key = format!("email-{}", random_hex());
            let (email, log) = compose(tx, &settings, &actor, &e, &key, now)?;
            let summary = format!("To {}: {}", email.to.join(", "), email.subject);
            let account = log.account_id;
            let payload = Payload::Email {
                email,
                log: Some(log),
            };
            let (id, _) = outbox::enqueue(
                tx,
                NewDelivery {
                    kind: DeliveryKind::Email,
                    key,
                    channel: "smtp",
                    account_id: Some(account),
                    origin: if e.in_reply_to.is_some() {
                        "reply".into()
                    } else {
                        "email".into()
                    },
                    summary,
                    payload: &payload,
                    actor: &actor,
                },
                now,
            )?;
            outbox::get(tx, id)
        })
        .await
    }

    pub(crate) async fn list_deliveries(&self, q: DeliveryQuery) -> Result<Vec<Delivery>> {
        self.read(move |c, _| outbox::list(c, &q)).await
    }

    pub(crate) async fn retry(&self, id: Id) -> Result<Delivery> {
        self.write(move |tx, now| outbox::retry(tx, id, now)).await
    }

    pub(crate) async fn work_of(&self, user: &str) -> Result<Vec<WorkItem>> {
        let user = user.to_string();
        let days = self.outbound().unanswered_days();
        self.read(move |c, now| mywork::my_work(c, &user, days, now))
            .await
    }

    /// One round of the scheduler: due playbook steps run (each run in its own
    /// transaction, so one that fails cannot hold the others back), notifications
    /// are queued, and due deliveries are sent, each outcome recorded as it comes.
    pub async fn run_tick(&self) -> Result<TickReport> {
        let _one = self.inner.ticking.lock().await;
        let settings = self.outbound();
        let setup = self.health();
        let mut report = TickReport::default();
        let due = self
            .write(|tx, now| {
                outbox::recover(tx, now)?;
                playbooks::due_runs(tx, now, RUNS_PER_TICK)
            })
            .await?;
        report.runs_due = due.len() as u32;
        for id in due {
            let (s, st) = (settings.clone(), setup.clone());
            let advanced = self
                .write(move |tx, now| {
                    let a = playbooks::advance(tx, &st, &s, id, now)?;
                    let n = if a.turned_red {
                        notify::run_red(tx, &s, id, now)?
                    } else {
                        0
                    };
                    Ok((a.steps, n))
                })
                .await;
            match advanced {
                Ok((steps, n)) => {
                    report.steps_run += steps;
                    report.notifications += n;
                }
                Err(e) => {
                    // The run stops at its step with the reason, rather than fail
                    // again at every tick.
                    tracing::warn!("playbook run {id}: {e}");
                    let why = e.to_string();
                    let setup = setup.clone();
                    let failed = self
                        .write(move |tx, now| {
                            let mut run: PlaybookRun = tables::get(tx, id)?;
                            if let Some(i) = run.current_step() {
                                let _ = run.fail(i, why, now);
                                write::update(
                                    tx,
                                    &setup,
                                    playbooks::SCHEDULER,
                                    now,
                                    Record::PlaybookRun(run),
                                )?;
                            }
                            Ok(())
                        })
                        .await;
                    if failed.is_err() {
                        // Not even that could be written (the run no longer fits its
                        // playbook): it leaves the rounds rather than fail in each.
                        let _ = self
                            .write(move |tx, _| {
                                tx.execute(
                                    "UPDATE playbook_runs SET next_due_at = NULL WHERE id = ?",
                                    &[&id],
                                )
                                .map_err(Error::storage)
                            })
                            .await;
                    }
                }
            }
        }
        let s = settings.clone();
        report.notifications += self.write(move |tx, now| notify::scan(tx, &s, now)).await?;
        self.deliver(&mut report).await?;
        report.queued = self.read(|c, _| outbox::queued(c)).await?;
        Ok(report)
    }

    /// Sends the due deliveries, [`PARALLEL`] at a time.
    async fn deliver(&self, report: &mut TickReport) -> Result<()> {
        let settings = self.outbound();
        let http = self.http();
        let mut done = 0;
        while done < DELIVERIES_PER_TICK {
            let emails = settings.smtp.is_some();
            let batch = self
                .write(move |tx, now| outbox::claim_due(tx, now, PARALLEL, emails))
                .await?;
            if batch.is_empty() {
                break;
            }
            done += batch.len();
            let mut set = tokio::task::JoinSet::new();
            for (d, payload) in batch {
                let (s, h) = (settings.clone(), http.clone());
                set.spawn(async move {
                    // Well within the lease, so no other process takes it for cut off.
                    let limit = std::time::Duration::from_secs((LEASE_SECS / 2) as u64);
                    let outcome =
                        match tokio::time::timeout(limit, attempt(&s, &h, &d, &payload)).await {
                            Ok(outcome) => outcome,
                            Err(_) => Err(smtp::SendError::Transient(format!(
                                "no outcome within {} s",
                                limit.as_secs()
                            ))),
                        };
                    (d, payload, outcome)
                });
            }
            // Every send of the batch is waited for and recorded, whatever one of
            // them answers: none is left claimed.
            while let Some(joined) = set.join_next().await {
                let Ok((d, payload, outcome)) = joined else {
                    tracing::warn!("a delivery task ended without an outcome");
                    continue;
                };
                // The outcome first, in a transaction of its own: what went out is
                // recorded as sent even if what follows from it fails.
                let s = settings.clone();
                let rec = d.clone();
                let state = match self
                    .write(move |tx, now| outbox::record(tx, &s, &rec, &outcome, now))
                    .await
                {
                    Ok(state) => state,
                    Err(e) => {
                        tracing::warn!("delivery {}: its outcome was not recorded: {e}", d.id);
                        continue;
                    }
                };
                match state {
                    DeliveryState::Sent => report.sent += 1,
                    DeliveryState::Failed => report.failed += 1,
                    _ => report.retrying += 1,
                }
                let (s, setup) = (settings.clone(), self.health());
                let id = d.id;
                if let Err(e) = self
                    .write(move |tx, now| after_delivery(tx, &setup, &s, &d, &payload, state, now))
                    .await
                {
                    tracing::warn!("delivery {id}: what follows from it was not written: {e}");
                }
            }
        }
        Ok(())
    }
}

/// What a delivery's outcome changes in the store: a sent customer email is logged
/// on its account (and answers the email it replies to, and completes its
/// playbook step); one failed for good fails its step.
fn after_delivery(
    tx: crate::db::Conn<'_>,
    setup: &tend_engines::health::HealthSetup,
    settings: &Settings,
    d: &Delivery,
    payload: &Payload,
    state: DeliveryState,
    now: Timestamp,
) -> Result<()> {
    let Payload::Email {
        email,
        log: Some(log),
    } = payload
    else {
        return Ok(());
    };
    match state {
        DeliveryState::Sent => {
            if super::write::exists(tx, EntityKind::Account, log.account_id)? {
                let interaction = Interaction {
                    id: 0,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                    source: Source::Ui,
                    external_id: Some(email.message_id.clone()),
                    account_id: log.account_id,
                    kind: InteractionKind::Email,
                    direction: Direction::Out,
                    at: now,
                    contact_ids: log
                        .contact_ids
                        .iter()
                        .copied()
                        .filter(|&c| {
                            super::write::exists(tx, EntityKind::Contact, c).unwrap_or(false)
                        })
                        .collect(),
                    user: Some(log.user.clone()),
                    subject: email.subject.clone(),
                    body: email.body.clone(),
                    tags: vec![],
                    sentiment: None,
                    excluded_from_score: false,
                    answered: false,
                };
                write::create(tx, setup, &d.actor, now, Record::Interaction(interaction))?;
            }
            if let Some(id) = log.reply_to
                && let Ok(mut original) = tables::get::<Interaction>(tx, id)
                && !original.answered
            {
                original.answered = true;
                write::update(tx, setup, &d.actor, now, Record::Interaction(original))?;
            }
            if let Some(step) = log.run {
                let a = playbooks::email_outcome(tx, setup, settings, step, d.id, None, now)?;
                if a.turned_red {
                    notify::run_red(tx, settings, step.0, now)?;
                }
            }
        }
        DeliveryState::Failed => {
            if let Some(step) = log.run {
                let why = outbox::get(tx, d.id)?.last_error;
                let a = playbooks::email_outcome(tx, setup, settings, step, d.id, Some(&why), now)?;
                if a.turned_red {
                    notify::run_red(tx, settings, step.0, now)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}
