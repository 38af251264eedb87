//! The accept loop: HTTP/1.1 connections served by hyper, with what `axum::serve`
//! leaves out. A client has `header_timeout` to send a request's head (a slow
//! client dripping header bytes is dropped); at most `max_connections` are open at
//! once (one more is answered 503 and closed); and the answers hyper gives by
//! itself to a request it cannot parse (400, 414 URI too long, 431 header too
//! large), which carry no body, are rewritten to problem+json like every other
//! error of the API.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower_service::Service;

use tend_backend::api::Problem;

use super::Limits;

/// Serves `app` on `listener` until `shutdown` resolves; requests under way finish.
pub(super) async fn run(
    listener: TcpListener,
    app: axum::Router,
    limits: &Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream, limits.max_connections));
            continue;
        };
        let router = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            async move {
                let response = router.call(request.map(axum::body::Body::new)).await;
                Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
            }
        });
        let connection = http.serve_connection(TokioIo::new(ProblemIo::new(stream)), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, "connection ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// One connection too many: a 503 problem, then closed.
async fn refuse_busy(mut stream: TcpStream, max: usize) {
    let body = problem_json(
        503,
        "busy",
        "Too many connections",
        &format!("the server has {max} connections open: retry shortly"),
    );
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let write = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

fn problem_json(status: u16, code: &str, title: &str, detail: &str) -> String {
    serde_json::to_string(&Problem::new(status, code, title, detail)).unwrap_or_default()
}

/// A connection whose automatic answers from hyper (to a request it could not
/// parse) are given a problem+json body. hyper writes such an answer as one head
/// with `content-length: 0` and no content type, then drops the connection; the
/// API's own answers always carry a content type, so they pass untouched.
///
/// After such an answer the connection is closed lingering: what the client is
/// still sending is read and dropped for a while, since closing a socket with
/// unread bytes resets it, and a reset can lose the answer before the client
/// reads it.
struct ProblemIo {
    inner: Option<TcpStream>,
    /// The rewritten answer still to write, and how much of it is written.
    pending: Option<(Vec<u8>, usize)>,
    rewrote: bool,
}

impl ProblemIo {
    fn new(inner: TcpStream) -> Self {
        ProblemIo {
            inner: Some(inner),
            pending: None,
            rewrote: false,
        }
    }

    fn stream(&mut self) -> Pin<&mut TcpStream> {
        Pin::new(self.inner.as_mut().expect("the stream until dropped"))
    }
}

impl Drop for ProblemIo {
    fn drop(&mut self) {
        if !self.rewrote {
            return;
        }
        if let (Some(stream), Ok(runtime)) =
            (self.inner.take(), tokio::runtime::Handle::try_current())
        {
            runtime.spawn(linger(stream));
        }
    }
}

/// Closes the write side, then reads and drops what still comes for up to two
/// seconds or 16 MiB before closing.
async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut scratch = vec![0u8; 64 << 10];
        let mut left: usize = 16 << 20;
        while let Ok(n @ 1..) = stream.read(&mut scratch).await {
            left = left.saturating_sub(n);
            if left == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}

/// hyper's own answer for a request it could not read, rewritten; `None` for
/// anything else written on the connection.
pub(crate) fn rewrite_automatic(head: &[u8]) -> Option<Vec<u8>> {
    let rest = head.strip_prefix(b"HTTP/1.1 ")?;
    if !head.ends_with(b"\r\n\r\n") || head.len() > 512 {
        return None;
    }
    let (status, code, title, detail) = match rest.get(..4)? {
        b"400 " => (
            400,
            "bad_request",
            "Bad request",
            "the request could not be read as HTTP/1.1 (a byte not allowed in the path, query or a header?)",
        ),
        b"414 " => (
            414,
            "uri_too_long",
            "URI too long",
            "the request's path and query are too long: send a shorter query",
        ),
        b"431 " => (
            431,
            "headers_too_large",
            "Request header fields too large",
            "the request's head (its path, query and headers) is too large",
        ),
        _ => return None,
    };
    let text = std::str::from_utf8(head).ok()?;
    let lines: Vec<&str> = text.trim_end().split("\r\n").skip(1).collect();
    let lower = |l: &str| l.to_ascii_lowercase();
    if lines.iter().any(|l| lower(l).starts_with("content-type:"))
        || !lines.iter().any(|l| lower(l) == "content-length: 0")
    {
        return None;
    }
    let body = problem_json(status, code, title, detail);
    let mut out = format!(
        "HTTP/1.1 {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n",
        text.lines().next()?.trim_start_matches("HTTP/1.1 "),
        body.len()
    );
    for line in lines.iter().filter(|l| lower(l).starts_with("date:")) {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&body);
    Some(out.into_bytes())
}

impl AsyncRead for ProblemIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.stream().poll_read(cx, buf)
    }
}

impl AsyncWrite for ProblemIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match rewrite_automatic(buf) {
                Some(answer) => {
                    this.pending = Some((answer, 0));
                    this.rewrote = true;
                }
                None => return this.stream().poll_write(cx, buf),
            }
        }
        // Writes the rewritten answer whole, then reports hyper's head as written
        // (hyper asks again with the same head until it is).
        while let Some((answer, done)) = this.pending.as_mut() {
            if *done == answer.len() {
                this.pending = None;
                return Poll::Ready(Ok(buf.len()));
            }
            let stream = Pin::new(this.inner.as_mut().expect("the stream until dropped"));
            let n = ready!(stream.poll_write(cx, &answer[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.stream().poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::rewrite_automatic;

    #[test]
    fn hypers_bodiless_answers_become_problems() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Wed, 02 Dec 2026 21:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(rewrite_automatic(head).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(out.contains("content-type: application/problem+json\r\n"));
        assert!(out.contains("date: Wed, 02 Dec 2026 21:00:00 GMT\r\n"));
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 431);
        assert_eq!(v["code"], "headers_too_large");
    }

    #[test]
    fn the_apis_own_answers_pass_untouched() {
        // A problem of the API: it has a content type.
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n";
        assert!(rewrite_automatic(ours).is_none());
        // A success, a body chunk, a head with a body.
        assert!(
            rewrite_automatic(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none()
        );
        assert!(rewrite_automatic(b"{\"accounts\":[]}").is_none());
        assert!(
            rewrite_automatic(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 5\r\n\r\nhello")
                .is_none()
        );
    }
}
