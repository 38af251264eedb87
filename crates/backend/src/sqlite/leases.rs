//! Leases kept in the store: one holder at a time for a name (the scheduler's
//! rounds), and the presences of the servers over the store (`replica:` names).
//! Times are wall-clock milliseconds.

use crate::db::Conn;
use crate::{Error, Result};
use rusqlite::OptionalExtension;

/// The leases that say a server over this store is up.
pub(super) const REPLICA_PREFIX: &str = "replica:";

/// Takes or renews `name` for `holder` until `until`: true when `holder`
/// holds it now (it was free, ran out before `now`, or was its own).
pub(super) fn take(tx: Conn<'_>, name: &str, holder: &str, now: i64, until: i64) -> Result<bool> {
    tx.execute(
        "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE leases.holder = excluded.holder OR leases.until < ?4",
        &[&name, &holder, &until, &now],
    )
    .map_err(Error::storage)?;
    let held: String = tx
        .query_row("SELECT holder FROM leases WHERE name = ?", &[&name], |r| {
            r.get(0)
        })
        .map_err(Error::storage)?;
    Ok(held == holder)
}

/// Gives `name` up when `holder` holds it.
pub(super) fn release(tx: Conn<'_>, name: &str, holder: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM leases WHERE name = ? AND holder = ?",
        &[&name, &holder],
    )
    .map_err(Error::storage)?;
    Ok(())
}

/// Who holds `name` at `now`, if anyone does.
pub(super) fn holder(conn: Conn<'_>, name: &str, now: i64) -> Result<Option<String>> {
    conn.query_row(
        "SELECT holder FROM leases WHERE name = ? AND until >= ?",
        &[&name, &now],
        |r| r.get(0),
    )
    .optional()
    .map_err(Error::storage)
}

/// Says `holder` is up until `until`, forgets the presences that ran out
/// before `now`, and counts those left (`holder`'s included).
pub(super) fn replicas(tx: Conn<'_>, holder: &str, now: i64, until: i64) -> Result<u64> {
    let name = format!("{REPLICA_PREFIX}{holder}");
    tx.execute(
        "INSERT INTO leases (name, holder, until) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until",
        &[&name, &holder, &until],
    )
    .map_err(Error::storage)?;
    let prefix_len = REPLICA_PREFIX.len() as i64;
    tx.execute(
        "DELETE FROM leases WHERE substr(name, 1, ?1) = ?2 AND until < ?3",
        &[&prefix_len, &REPLICA_PREFIX, &now],
    )
    .map_err(Error::storage)?;
    let n: i64 = tx
        .query_row(
            "SELECT count(*) FROM leases WHERE substr(name, 1, ?1) = ?2",
            &[&prefix_len, &REPLICA_PREFIX],
            |r| r.get(0),
        )
        .map_err(Error::storage)?;
    Ok(n.max(1) as u64)
}

/// The modules written over the connection type (leases, tokens, SSH keys, the
/// change feed's reads) give the same answers on both engines.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Role;
    use crate::db::PgConn;
    use crate::sqlite::{read, ssh_keys, tables, tokens};
    use tend_domain::{Account, EntityKind, Interaction};

    fn run(c: Conn<'_>) -> Vec<String> {
        let mut seen = vec![];
        let now = 1_000_000;
        seen.push(format!("{:?}", take(c, "x", "a", now, now + 100)));
        seen.push(format!("{:?}", take(c, "x", "b", now + 50, now + 150)));
        seen.push(format!("{:?}", take(c, "x", "b", now + 101, now + 200)));
        seen.push(format!("{:?}", holder(c, "x", now + 150)));
        release(c, "x", "b").expect("release");
        seen.push(format!("{:?}", holder(c, "x", now + 150)));
        seen.push(format!("{:?}", replicas(c, "one", now, now + 100)));
        seen.push(format!("{:?}", replicas(c, "two", now + 10, now + 110)));
        seen.push(format!("{:?}", replicas(c, "two", now + 105, now + 200)));

        let at = chrono::DateTime::from_timestamp_millis(1_700_000_000_000).expect("time");
        let t = tokens::insert(c, "hash1", "maya", Role::Csm, at).expect("token");
        seen.push(format!("{:?}", tokens::by_hash(c, "hash1")));
        seen.push(format!("{:?}", tokens::revoke(c, t.id, at)));
        seen.push(format!("{:?}", tokens::revoke(c, t.id, at)));
        seen.push(format!("{:?}", tokens::by_hash(c, "hash1")));
        seen.push(format!("{:?}", tokens::all(c)));
        let k = ssh_keys::insert(c, "SHA256:abc", "ssh-ed25519 AAAA", "vic", Role::Viewer, at)
            .expect("key");
        let again = ssh_keys::insert(c, "SHA256:abc", "ssh-ed25519 AAAA", "ann", Role::Admin, at);
        seen.push(format!("{:?}", again.map_err(|e| e.to_string())));
        seen.push(format!("{:?}", ssh_keys::by_fingerprint(c, "SHA256:abc")));
        seen.push(format!("{:?}", ssh_keys::revoke(c, k.id, at)));
        seen.push(format!("{:?}", ssh_keys::all(c)));
        // Records: inserted with a new id and with their own, read back.
        let demo = tend_engines::dataset::parse(crate::sqlite::DEMO_FIXTURES, "demo")
            .expect("the demo dataset");
        let mut account = demo.accounts[0].clone();
        account.id = 0;
        let id = tables::insert(c, &account).expect("a new id");
        seen.push(format!("{:?}", tables::get::<Account>(c, id)));
        let mut interaction = demo.interactions[0].clone();
        interaction.account_id = id;
        interaction.id = 4242;
        seen.push(format!("{:?}", tables::insert(c, &interaction)));
        seen.push(format!(
            "{:?}",
            tables::get_record(c, EntityKind::Interaction, 4242)
        ));
        seen.push(format!(
            "{:?}",
            tables::select_in::<Interaction>(c, "WHERE account_id = ?", &[&id])
        ));
        seen.push(format!(
            "{:?}",
            tables::get::<Account>(c, 999_999).map_err(|e| e.to_string())
        ));
        // The store's settings and the derived columns (MRR, next renewal).
        crate::sqlite::meta::set_meta(c, "k", "v1").expect("set");
        crate::sqlite::meta::set_meta(c, "k", "v2").expect("set again");
        seen.push(format!("{:?}", crate::sqlite::meta::meta(c, "k")));
        let mut agreement = demo.agreements[0].clone();
        agreement.account_id = id;
        agreement.id = 0;
        agreement.renews_id = None;
        let agreement_id = tables::insert(c, &agreement).expect("agreement");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("day");
        crate::sqlite::derived::refresh_all(c, today).expect("refresh");
        crate::sqlite::derived::refresh_account(c, id, today).expect("refresh one");
        seen.push(format!(
            "{:?}",
            c.query_row(
                "SELECT mrr_cents, renewal_day FROM accounts WHERE id = +?",
                &[&id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?))
            )
        ));
        // A renewal of the agreement is held to the rules, and a second one refused.
        let mut renewal = agreement.clone();
        renewal.id = agreement_id + 1000;
        renewal.renews_id = Some(agreement_id);
        let first = crate::sqlite::rules::check(c, None, &renewal).map_err(|e| e.to_string());
        seen.push(format!("{first:?}"));
        seen.push(format!("{:?}", read::last_change(c)));
        seen.push(format!("{:?}", read::changes_after(c, 0, 10)));
        seen
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_ported_modules_answer_alike_on_both_engines() {
        let Some(db) = crate::postgres::testing::database("ported_modules").await else {
            return;
        };
        let mut client = crate::postgres::connect(&db.url).await.expect("connect");
        crate::postgres::migrate(&mut client).await.expect("schema");
        let pg = PgConn::connect(&db.url).await.expect("connect");
        let on_pg = tokio::task::spawn_blocking(move || run(Conn::Pg(&pg)))
            .await
            .expect("PostgreSQL");

        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("s.db");
        drop(crate::sqlite::Store::open(&path).expect("a store"));
        let sqlite = rusqlite::Connection::open(&path).expect("open");
        let on_sqlite = run(Conn::Sqlite(&sqlite));
        assert_eq!(on_pg, on_sqlite);
        // Only the refusals asked for: the key registered twice, the missing account.
        let refused: Vec<&String> = on_sqlite.iter().filter(|s| s.starts_with("Err")).collect();
        assert_eq!(refused.len(), 2, "{refused:#?}");
        assert_eq!(on_sqlite[0..3], ["Ok(true)", "Ok(false)", "Ok(true)"]);
        assert_eq!(on_sqlite[7], "Ok(1)", "the first presence ran out");
    }
}
