//! The app's frames on their way to a client: bytes gather in one bounded buffer
//! that a pump task writes to the SSH channel, which waits on the client's SSH
//! window. A slow client thus holds at most the buffer's limit (and the SSH
//! window) in this process; past the limit writes fail and the session ends.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    ready: Notify,
    limit: usize,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // The buffer is only appended to and taken under this lock, so a
        // poisoned lock still holds whole frames.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Where an app writes its frames (a `std::io::Write` that never blocks: ratatui
/// flushes once per frame, and the flush hands the bytes to the pump).
pub struct Output {
    shared: Arc<Shared>,
}

/// Writes what an [`Output`] gathered to the client until the output is dropped.
pub struct Pump {
    shared: Arc<Shared>,
}

/// An output holding at most `limit` unsent bytes, and its pump.
pub fn channel(limit: usize) -> (Output, Pump) {
    let shared = Arc::new(Shared {
        pending: Mutex::default(),
        ready: Notify::new(),
        limit,
    });
    (
        Output {
            shared: shared.clone(),
        },
        Pump { shared },
    )
}

impl Write for Output {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let mut p = self.shared.lock();
        if p.closed {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "the SSH client is gone",
            ));
        }
        if p.bytes.len() + b.len() > self.shared.limit {
            return Err(std::io::Error::other(format!(
                "the SSH client is more than {} bytes behind: ending the session",
                self.shared.limit
            )));
        }
        p.bytes.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.shared.ready.notify_one();
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.ready.notify_one();
    }
}

impl Pump {
    /// Writes frames as they are flushed, until the output is dropped and all it
    /// held is written, or the client is gone.
    pub async fn run(self, mut to: impl AsyncWrite + Unpin) {
        let mut bytes = Vec::new();
        loop {
            self.shared.ready.notified().await;
            loop {
                let closed = {
                    let mut p = self.shared.lock();
                    std::mem::swap(&mut bytes, &mut p.bytes);
                    p.closed
                };
                if bytes.is_empty() {
                    if closed {
                        let _ = to.flush().await;
                        return;
                    }
                    break;
                }
                if to.write_all(&bytes).await.is_err() || to.flush().await.is_err() {
                    self.shared.lock().closed = true;
                    return;
                }
                bytes.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn frames_reach_the_client_in_order_and_a_client_behind_the_limit_ends_it() {
        let (mut out, pump) = channel(8);
        let (client, mut server_side) = tokio::io::duplex(64);
        let pumping = tokio::spawn(pump.run(client));
        out.write_all(b"abc").unwrap();
        out.flush().unwrap();
        out.write_all(b"def").unwrap();
        out.flush().unwrap();
        drop(out);
        pumping.await.unwrap();
        let mut got = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut server_side, &mut got)
            .await
            .unwrap();
        assert_eq!(got, b"abcdef");

        // Nobody takes the frames: past the limit, writing fails instead of growing.
        let (mut out, _pump) = channel(8);
        out.write_all(b"12345678").unwrap();
        let err = out.write_all(b"9").unwrap_err();
        assert!(err.to_string().contains("8 bytes behind"), "{err}");
    }
}
