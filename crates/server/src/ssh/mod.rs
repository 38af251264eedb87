//! `tend serve --ssh`: the app itself over SSH, as charm's wish and soft-serve do.
//!
//! Public-key authentication only, against the keys registered in the store
//! (`tend serve key add`); the key names the user and the role. Each session
//! needs a pty; its input bytes and window changes go to the app as [`Input`],
//! the app's frames come back through a bounded [`Output`]. The app itself is
//! started by a [`Launcher`] the binary gives, so this crate knows nothing of
//! the app: the launcher runs it over a [`SessionBackend`], which reads what
//! any role may read from the store in place and sends everything else through
//! this process's own HTTP API with the session's token (minted in memory, see
//! `auth::SessionTokens`), so a session is held to its role exactly as an API
//! token is.
//!
//! Limits: sessions in total and per user, an idle timeout, and at most
//! [`SshOptions::output_limit`] bytes of frames waiting for a slow client (past
//! that the session ends rather than the server's memory growing). A revoked key
//! ends its sessions within [`SshOptions::revoke_poll`]: the keys table is read
//! again, as `tend serve key revoke` runs in another process.

mod handler;
mod live;
mod output;
mod reads;
mod session;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PublicKey};
use tokio::sync::mpsc;

use crate::auth::SessionTokens;
use tend_backend::api::Role;
use tend_backend::sqlite::Store;

pub use live::Why;
pub use output::Output;
pub use reads::SessionBackend;

/// How the SSH side limits what it takes.
#[derive(Debug, Clone, PartialEq)]
pub struct SshOptions {
    /// Sessions open at once, all users together.
    pub max_sessions: usize,
    /// Sessions open at once per user.
    pub max_per_user: usize,
    /// A session without input for this long is ended.
    pub idle: Duration,
    /// How often the keys of open sessions are read again (revocation).
    pub revoke_poll: Duration,
    /// Bytes of frames a session may hold for a client that does not read them;
    /// past this the session is ended.
    pub output_limit: usize,
    /// A connection not signed in this long after it opened is closed.
    pub login_grace: Duration,
    /// Connections not signed in yet, at most; one more is closed at once (a
    /// flood of idle connections cannot hold the server's sockets and tasks).
    pub max_unauthenticated: usize,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            max_sessions: 50,
            max_per_user: 5,
            idle: Duration::from_secs(30 * 60),
            revoke_poll: Duration::from_secs(2),
            output_limit: 1 << 20,
            login_grace: Duration::from_secs(30),
            max_unauthenticated: 64,
        }
    }
}

/// What the client sent the session: bytes typed (or pasted, or mouse reports),
/// or its new window size (columns, rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Bytes(Vec<u8>),
    Resize(u16, u16),
}

/// What the launcher starts the app with, for one session.
pub struct Launch {
    /// Who the key is registered to, and as what.
    pub user: String,
    pub role: Role,
    /// The session's bearer token for this server's API; valid while the
    /// session lasts. Never log it.
    pub token: String,
    /// The client's TERM, from its pty request.
    pub term: String,
    /// (columns, rows) from the pty request.
    pub size: (u16, u16),
    /// Where the app writes its frames.
    pub output: Output,
    /// The client's input; it closes when the client goes.
    pub input: mpsc::Receiver<Input>,
    /// Resolves when the session must end (idle, revoked, shutdown).
    pub end: Pin<Box<dyn Future<Output = ()> + Send>>,
}

/// Starts the app of a session and answers when it has ended (with the terminal
/// restored), or why it could not run.
pub type Launcher =
    Arc<dyn Fn(Launch) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// Where the host key of a store is kept: `X.db` -> `X.ssh_host_ed25519`.
pub fn host_key_path(store: &Path) -> PathBuf {
    store.with_extension("ssh_host_ed25519")
}

/// The host key at `path`, made (Ed25519, OpenSSH format, mode 0600) when there
/// is none yet; with its SHA-256 fingerprint.
pub fn host_key(path: &Path) -> Result<(PrivateKey, String), String> {
    let shown = path.display();
    let key = if path.exists() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the SSH host key {shown}: {e}"))?;
        PrivateKey::from_openssh(text.as_bytes())
            .map_err(|e| format!("the SSH host key {shown} is not an OpenSSH private key: {e}"))?
    } else {
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
            .map_err(|e| format!("cannot make an SSH host key: {e}"))?;
        let text = key
            .to_openssh(LineEnding::LF)
            .map_err(|e| format!("cannot write the SSH host key: {e}"))?;
        write_private(path, text.as_bytes())
            .map_err(|e| format!("cannot write the SSH host key {shown}: {e}"))?;
        key
    };
    let fingerprint = key.public_key().fingerprint(HashAlg::Sha256).to_string();
    Ok((key, fingerprint))
}

/// Writes a new file only its owner may read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A public key as `tend serve key add` takes it (one OpenSSH line, as in
/// `id_ed25519.pub` or `authorized_keys`): its SHA-256 fingerprint, as
/// `ssh-keygen -l` prints it, and the line to keep.
pub fn parse_public_key(text: &str) -> Result<(String, String), String> {
    if text.contains("PRIVATE KEY") {
        return Err("that is a private key: give the .pub file".into());
    }
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let Some(line) = lines.next() else {
        return Err(
            "no public key in it (expected a line such as 'ssh-ed25519 AAAA... me@host')".into(),
        );
    };
    if lines.next().is_some() {
        return Err("more than one key in it: add one key at a time".into());
    }
    let key = PublicKey::from_openssh(line)
        .map_err(|e| format!("not an OpenSSH public key line: {e}"))?;
    Ok((
        key.fingerprint(HashAlg::Sha256).to_string(),
        line.to_string(),
    ))
}

/// Serves SSH sessions on `listener` until `shutdown` resolves; open sessions
/// are then ended (their terminals restored).
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    tokens: SessionTokens,
    host_key: PrivateKey,
    options: SshOptions,
    launcher: Launcher,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = Arc::new(russh::server::Config {
        methods: russh::MethodSet::from(&[russh::MethodKind::PublicKey][..]),
        keys: vec![host_key],
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: 6,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    });
    let live = live::Live::default();
    let ctx = Arc::new(handler::Ctx {
        store: store.clone(),
        tokens,
        live: live.clone(),
        options: options.clone(),
        launcher,
    });
    let poller = tokio::spawn(live::poll_revoked(live.clone(), store, options.revoke_poll));
    let unauthenticated = Arc::new(tokio::sync::Semaphore::new(
        options.max_unauthenticated.max(1),
    ));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of descriptors or a connection reset before accept:
                        // wait a moment rather than spin.
                        tracing::warn!("ssh accept: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // A place among the connections not signed in yet, or closed now.
                let Ok(waiting) = unauthenticated.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, "ssh connection closed: {} connections are not signed in yet", options.max_unauthenticated);
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let handler = handler::Conn::new(ctx.clone(), peer, waiting);
                let signed_in = handler.signed_in();
                let config = config.clone();
                let grace = options.login_grace;
                tokio::spawn(async move {
                    let login_by = tokio::time::Instant::now() + grace;
                    let late = || tracing::info!(%peer, "ssh connection closed: not signed in within {:.1} s", grace.as_secs_f64());
                    let started = tokio::time::timeout_at(
                        login_by,
                        russh::server::run_stream(config, stream, handler),
                    );
                    let mut running = match started.await {
                        Ok(Ok(running)) => running,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, "ssh handshake failed: {e}");
                            return;
                        }
                        Err(_) => return late(),
                    };
                    let ended = tokio::select! {
                        ended = &mut running => Some(ended),
                        _ = tokio::time::sleep_until(login_by) => None,
                    };
                    let ended = match ended {
                        Some(ended) => ended,
                        None if signed_in.load(std::sync::atomic::Ordering::Acquire) => running.await,
                        None => {
                            late();
                            let _ = running
                                .handle()
                                .disconnect(
                                    russh::Disconnect::ByApplication,
                                    "not signed in in time".into(),
                                    "en".into(),
                                )
                                .await;
                            return;
                        }
                    };
                    if let Err(e) = ended {
                        tracing::debug!(%peer, "ssh connection ended: {e}");
                    }
                });
            }
        }
    }
    poller.abort();
    live.end_all(Why::Shutdown);
    // A moment for the apps to restore their terminals and say goodbye.
    live.wait_empty(Duration::from_secs(3)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_key_line_gives_the_fingerprint_ssh_keygen_prints() {
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
        let line = key.public_key().to_openssh().unwrap();
        let (fp, kept) = parse_public_key(&format!("# mine\n{line} me@laptop\n")).unwrap();
        assert_eq!(
            fp,
            key.public_key().fingerprint(HashAlg::Sha256).to_string()
        );
        assert!(fp.starts_with("SHA256:") && kept.ends_with("me@laptop"));
        let private = key.to_openssh(LineEnding::LF).unwrap();
        assert!(
            parse_public_key(&private)
                .unwrap_err()
                .contains("private key")
        );
        assert!(parse_public_key("").unwrap_err().contains("no public key"));
        let two = format!("{line}\n{line}\n");
        assert!(
            parse_public_key(&two)
                .unwrap_err()
                .contains("one key at a time")
        );
        assert!(parse_public_key("ssh-ed25519 nonsense").is_err());
    }

    /// Reads what the server sends until it closes the connection; false when
    /// it is still open after `within`.
    async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
        use tokio::io::AsyncReadExt;
        let mut buf = [0u8; 512];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => {}
            }
        }
    }

    #[tokio::test]
    async fn connections_that_do_not_sign_in_are_capped_and_closed_after_the_grace() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_with(
            dir.path().join("tend.db"),
            tend_backend::sqlite::Options::default(),
        )
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap();
        let options = SshOptions {
            login_grace: Duration::from_millis(700),
            max_unauthenticated: 2,
            ..SshOptions::default()
        };
        let launcher: Launcher = Arc::new(|_| Box::pin(async { Ok(()) }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(
            listener,
            store,
            SessionTokens::default(),
            key,
            options,
            launcher,
            async {
                let _ = stopped.await;
            },
        ));
        let connect = || tokio::net::TcpStream::connect(addr);
        // Two connections that say nothing hold the two places.
        let mut first = connect().await.unwrap();
        let mut second = connect().await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // A third is closed at once.
        let mut third = connect().await.unwrap();
        assert!(
            closed_within(&mut third, Duration::from_millis(300)).await,
            "a connection over the cap stayed open"
        );
        // The first two are closed once the grace has passed, not before.
        assert!(!closed_within(&mut first, Duration::from_millis(200)).await);
        assert!(closed_within(&mut first, Duration::from_secs(3)).await);
        assert!(closed_within(&mut second, Duration::from_secs(3)).await);
        // Their places are free again: a new connection is greeted.
        let mut fourth = connect().await.unwrap();
        let mut greeting = [0u8; 8];
        tokio::time::timeout(Duration::from_secs(2), async {
            use tokio::io::AsyncReadExt;
            fourth.read_exact(&mut greeting).await
        })
        .await
        .expect("greeted in time")
        .expect("greeted");
        assert_eq!(&greeting, b"SSH-2.0-");
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }

    #[test]
    fn the_host_key_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = host_key_path(&dir.path().join("tend.db"));
        assert!(path.ends_with("tend.ssh_host_ed25519"));
        let (_, first) = host_key(&path).unwrap();
        let (_, again) = host_key(&path).unwrap();
        assert_eq!(first, again);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
