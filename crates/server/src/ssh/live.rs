//! The open sessions: counted against the limits, and told to end when their key
//! is revoked or the server stops.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use tend_backend::sqlite::Store;

/// Why a session was ended from outside its app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    Idle,
    Revoked,
    Shutdown,
}

impl Why {
    /// What the client is told, after its terminal is restored.
    pub fn message(self, idle: Duration) -> String {
        match self {
            Why::Idle if idle.as_secs() < 120 => format!(
                "tend: the session ended after {} seconds without input",
                idle.as_secs().max(1)
            ),
            Why::Idle => format!(
                "tend: the session ended after {} minutes without input",
                idle.as_secs().div_ceil(60)
            ),
            Why::Revoked => "tend: the session ended: its SSH key was revoked".into(),
            Why::Shutdown => "tend: the session ended: the server is stopping".into(),
        }
    }
}

struct Entry {
    id: u64,
    user: String,
    fingerprint: String,
    end: watch::Sender<Option<Why>>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    entries: Vec<Entry>,
}

/// Every open session.
#[derive(Clone, Default)]
pub struct Live(Arc<Mutex<Inner>>);

/// A session's place among the open ones; dropping it frees the place.
pub struct Place {
    id: u64,
    live: Live,
    /// Set to why the session must end.
    pub end: watch::Sender<Option<Why>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.live.lock().entries.retain(|e| e.id != self.id);
    }
}

impl Live {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Entries are only pushed and removed under this lock, so a poisoned lock
        // still holds a sound list.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place for a session of `user`, or the message refusing it.
    pub fn enter(
        &self,
        user: &str,
        fingerprint: &str,
        max_total: usize,
        max_per_user: usize,
    ) -> Result<Place, String> {
        let mut inner = self.lock();
        if inner.entries.len() >= max_total {
            return Err(format!(
                "tend: the server has its {max_total} sessions open (ssh_max_sessions); try again later"
            ));
        }
        let own = inner.entries.iter().filter(|e| e.user == user).count();
        if own >= max_per_user {
            return Err(format!(
                "tend: {user} already has {own} sessions open (ssh_max_sessions_per_user is {max_per_user}); quit one first"
            ));
        }
        inner.next += 1;
        let id = inner.next;
        let (end, _) = watch::channel(None);
        inner.entries.push(Entry {
            id,
            user: user.to_string(),
            fingerprint: fingerprint.to_string(),
            end: end.clone(),
        });
        Ok(Place {
            id,
            live: self.clone(),
            end,
        })
    }

    /// Tells every session to end.
    pub fn end_all(&self, why: Why) {
        for e in &self.lock().entries {
            e.end.send_replace(Some(why));
        }
    }

    /// Waits until no session is open, at most `limit`.
    pub async fn wait_empty(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.lock().entries.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn fingerprints(&self) -> BTreeSet<String> {
        self.lock()
            .entries
            .iter()
            .map(|e| e.fingerprint.clone())
            .collect()
    }

    fn end_key(&self, fingerprint: &str, why: Why) {
        for e in self
            .lock()
            .entries
            .iter()
            .filter(|e| e.fingerprint == fingerprint)
        {
            e.end.send_replace(Some(why));
        }
    }
}

/// Every `every`, ends the sessions whose key is no longer live in the store
/// (revoked, here or by `tend serve key revoke` in another process).
pub async fn poll_revoked(live: Live, store: Store, every: Duration) {
    let mut interval = tokio::time::interval(every.max(Duration::from_millis(100)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let fingerprints = live.fingerprints();
        if fingerprints.is_empty() {
            continue;
        }
        let store = store.clone();
        // One read of the keys table for all open sessions, not one per key.
        let gone = tokio::task::spawn_blocking(move || match store.ssh_keys() {
            Ok(keys) => {
                let live: BTreeSet<String> = keys
                    .into_iter()
                    .filter(|k| k.revoked_at.is_none())
                    .map(|k| k.fingerprint)
                    .collect();
                fingerprints.difference(&live).cloned().collect()
            }
            // A store that cannot answer now revokes nothing; the next poll asks
            // again.
            Err(e) => {
                tracing::warn!("ssh: reading the keys: {e}");
                vec![]
            }
        })
        .await
        .unwrap_or_default();
        for fp in gone {
            tracing::info!(fingerprint = fp, "ssh key revoked: ending its sessions");
            live.end_key(&fp, Why::Revoked);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_limited_per_user_and_in_total_and_freed_on_drop() {
        let live = Live::default();
        let a = live.enter("maya", "SHA256:a", 2, 1).unwrap();
        let refused = live.enter("maya", "SHA256:a", 2, 1).err().unwrap();
        assert!(
            refused.contains("maya already has 1 sessions open"),
            "{refused}"
        );
        let _b = live.enter("omar", "SHA256:b", 2, 1).unwrap();
        let full = live.enter("zoe", "SHA256:c", 2, 1).err().unwrap();
        assert!(full.contains("its 2 sessions open"), "{full}");
        drop(a);
        assert!(live.enter("maya", "SHA256:a", 2, 1).is_ok());
    }

    #[test]
    fn ending_a_key_tells_only_its_sessions() {
        let live = Live::default();
        let a = live.enter("maya", "SHA256:a", 9, 9).unwrap();
        let b = live.enter("omar", "SHA256:b", 9, 9).unwrap();
        live.end_key("SHA256:a", Why::Revoked);
        assert_eq!(*a.end.borrow(), Some(Why::Revoked));
        assert_eq!(*b.end.borrow(), None);
    }
}
