//! The connections a PostgreSQL store reads and writes with: a fixed set, each
//! used by one blocking thread at a time, each driven by the thread that waits
//! on it (see [`PgConn`]): a call blocks only the thread that makes it,
//! whatever runtime (if any) that thread belongs to.

use std::sync::Mutex;
use std::sync::atomic::AtomicUsize;

use crate::db::PgConn;
use crate::{Error, Result};

/// A fixed set of connections to one database.
pub struct PgPool {
    conns: Vec<Mutex<PgConn>>,
    next: AtomicUsize,
    /// Where it connects, its password hidden (for messages).
    pub(crate) label: String,
}

impl PgPool {
    /// `size` connections to the database at `url`, its schema brought to this
    /// build's version first. Made on a thread of its own: callable from any
    /// thread, inside a runtime or not.
    pub fn open(url: &str, size: usize) -> Result<PgPool> {
        let conns = std::thread::scope(|s| {
            s.spawn(|| {
                // The schema first, on a runtime that lives as long as that.
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| Error::storage(format!("cannot start a runtime: {e}")))?;
                rt.block_on(async {
                    let mut first = super::connect(url).await?;
                    super::migrate(&mut first).await
                })?;
                drop(rt);
                (0..size.max(1))
                    .map(|_| PgConn::open(url).map(Mutex::new))
                    .collect::<Result<Vec<_>>>()
            })
            .join()
            .map_err(|_| Error::storage("connecting to PostgreSQL panicked"))?
        })?;
        Ok(PgPool {
            conns,
            next: AtomicUsize::new(0),
            label: super::redact_url(url),
        })
    }

    /// A free connection, or the next one once it is free.
    pub fn get(&self) -> std::sync::MutexGuard<'_, PgConn> {
        crate::db::any_free(&self.conns, &self.next)
    }
}
