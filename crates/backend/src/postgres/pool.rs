//! The connections a PostgreSQL store reads and writes with: a fixed set, each
//! used by one blocking thread at a time, on a runtime of the store's own.
//!
//! The driver's connection tasks run on that runtime, so a call blocks only the
//! thread that makes it, whatever runtime (if any) that thread belongs to: a
//! current-thread runtime waiting on a store call would otherwise never drive
//! the connection it waits for.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::db::PgConn;
use crate::{Error, Result};

/// A fixed set of connections to one database.
pub struct PgPool {
    conns: Vec<Mutex<PgConn>>,
    next: AtomicUsize,
    /// Where it connects, its password hidden (for messages).
    pub(crate) label: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl PgPool {
    /// `size` connections to the database at `url`, its schema brought to this
    /// build's version first. Made on a thread of its own: callable from any
    /// thread, inside a runtime or not.
    pub fn open(url: &str, size: usize) -> Result<PgPool> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("tend-postgres")
            .enable_all()
            .build()
            .map_err(|e| Error::storage(format!("cannot start the PostgreSQL runtime: {e}")))?;
        let handle = runtime.handle().clone();
        let url_owned = url.to_string();
        let conns = std::thread::scope(|s| {
            s.spawn(move || {
                handle.block_on(async {
                    let mut first = super::connect(&url_owned).await?;
                    super::migrate(&mut first).await?;
                    drop(first);
                    let mut conns = Vec::with_capacity(size);
                    for _ in 0..size.max(1) {
                        conns.push(Mutex::new(PgConn::connect(&url_owned).await?));
                    }
                    Ok::<_, Error>(conns)
                })
            })
            .join()
            .map_err(|_| Error::storage("connecting to PostgreSQL panicked"))?
        });
        let conns = match conns {
            Ok(c) => c,
            Err(e) => {
                runtime.shutdown_background();
                return Err(e);
            }
        };
        Ok(PgPool {
            conns,
            next: AtomicUsize::new(0),
            label: super::redact_url(url),
            runtime: Some(runtime),
        })
    }

    /// A free connection, or the next one once it is free.
    pub fn get(&self) -> std::sync::MutexGuard<'_, PgConn> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            if let Ok(guard) = self.conns[(start + k) % n].try_lock() {
                return guard;
            }
        }
        // A poisoned lock only means a panic while it was held: a statement
        // left half-read is dropped with its portal, the connection is usable.
        self.conns[start % n]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// How many connections it keeps.
    pub fn size(&self) -> usize {
        self.conns.len()
    }
}

impl Drop for PgPool {
    fn drop(&mut self) {
        // The connections close with their tasks; dropping a runtime waits for
        // its threads, which an async caller may not do.
        self.conns.clear();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
