//! The app over SSH (`tend serve --ssh`), end to end: the real binary serves a
//! throwaway store on loopback ports, and an SSH client (russh's) signs in with
//! generated keys registered through `tend serve key add`, asks for a pty and a
//! shell, and reads the frames into a vt100 screen, as a terminal would.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::keys::{Algorithm, PrivateKey, PrivateKeyWithHashAlg};
use russh::{ChannelMsg, client};

const BIN: &str = env!("CARGO_BIN_EXE_tend");

/// A `tend serve --ssh` over its own store, killed when dropped.
struct Server {
    dir: tempfile::TempDir,
    child: Child,
    ssh: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tend(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--db").arg(dir.join("tend.db"));
    // The test's own settings, never the user's.
    c.env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("NO_COLOR");
    c
}

impl Server {
    /// A store of 40 generated accounts, served with `config` as its config file.
    fn start(config: &str) -> Server {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = tend(dir.path())
            .args([
                "generate",
                "--accounts",
                "40",
                "--anchor",
                "2026-06-01T00:00:00Z",
            ])
            .output()
            .expect("tend generate");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config_file = dir.path().join("config.toml");
        std::fs::write(&config_file, config).expect("config");
        let mut child = tend(dir.path())
            .arg("--config")
            .arg(&config_file)
            .args(["serve", "--listen", "127.0.0.1:0", "--ssh", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("tend serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let mut ssh = None;
        for line in lines.by_ref() {
            let line = line.expect("a line of tend serve");
            if let Some(rest) = line.split_once("over SSH at ").map(|p| p.1) {
                ssh = rest.split_whitespace().next().map(str::to_string);
                break;
            }
        }
        // Keep reading its stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server {
            ssh: ssh.expect("tend serve says where SSH listens"),
            dir,
            child,
        }
    }

    /// Registers a new key for `user` with `role`; answers it and its id.
    fn key(&self, user: &str, role: &str) -> (PrivateKey, i64) {
        let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).expect("key");
        let line = key.public_key().to_openssh().expect("public key line");
        let mut child = tend(self.dir.path())
            .args(["serve", "key", "add", "--user", user, "--role", role, "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tend serve key add");
        writeln!(child.stdin.take().expect("stdin"), "{line} test@host").expect("write key");
        let out = child.wait_with_output().expect("key add");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let fingerprint = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(
            fingerprint,
            key.public_key()
                .fingerprint(russh::keys::HashAlg::Sha256)
                .to_string()
        );
        let id = self.key_id(&fingerprint);
        (key, id)
    }

    fn key_id(&self, fingerprint: &str) -> i64 {
        let out = tend(self.dir.path())
            .args(["serve", "key", "list", "--format", "json"])
            .output()
            .expect("key list");
        let keys: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        keys.as_array()
            .expect("a list")
            .iter()
            .find(|k| k["fingerprint"] == fingerprint)
            .and_then(|k| k["id"].as_i64())
            .expect("the key is listed")
    }

    fn revoke(&self, id: i64) {
        let out = tend(self.dir.path())
            .args(["serve", "key", "revoke", &id.to_string()])
            .output()
            .expect("key revoke");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn log(&self) -> String {
        let mut text = String::new();
        for entry in walk(&self.dir.path().join("state")) {
            text.push_str(&std::fs::read_to_string(entry).unwrap_or_default());
        }
        text
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A terminal dimension as vt100 takes it.
fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal has rows and columns")
}

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Signs in with `key`; None when the server refuses it.
async fn sign_in(addr: &str, key: &PrivateKey) -> Option<client::Handle<Trusting>> {
    let config = Arc::new(client::Config::default());
    let mut handle = client::connect(config, addr, Trusting)
        .await
        .expect("connect");
    let auth = handle
        .authenticate_publickey(
            "maya",
            PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None),
        )
        .await
        .expect("authenticate");
    auth.success().then_some(handle)
}

/// An open session: its channel, everything it received and the screen it draws.
struct Term {
    channel: russh::Channel<client::Msg>,
    bytes: Vec<u8>,
    screen: vt100::Parser,
    exit: Option<u32>,
    closed: bool,
}

impl Term {
    async fn open(handle: &client::Handle<Trusting>, cols: u16, rows: u16, pty: bool) -> Term {
        let channel = handle
            .channel_open_session()
            .await
            .expect("session channel");
        if pty {
            channel
                .request_pty(true, "xterm-256color", cols.into(), rows.into(), 0, 0, &[])
                .await
                .expect("pty");
        }
        channel.request_shell(true).await.expect("shell");
        Term {
            channel,
            bytes: vec![],
            screen: vt100::Parser::new(nz(rows), nz(cols), 0),
            exit: None,
            closed: false,
        }
    }

    fn text(&self) -> String {
        self.screen.screen().contents()
    }

    /// Reads until `done` holds or the channel closes; false after 20 s.
    async fn until(&mut self, mut done: impl FnMut(&Term) -> bool) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self) {
            if self.closed {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.channel.wait()).await {
                Err(_) => return false,
                Ok(Some(ChannelMsg::Data { data })) => {
                    self.bytes.extend_from_slice(&data);
                    self.screen.process(&data);
                }
                Ok(Some(ChannelMsg::ExitStatus { exit_status })) => self.exit = Some(exit_status),
                Ok(Some(ChannelMsg::Close)) | Ok(None) => self.closed = true,
                Ok(Some(_)) => {}
            }
        }
        true
    }

    async fn shows(&mut self, needle: &str) {
        let found = self.until(|t| t.text().contains(needle)).await;
        assert!(
            found,
            "{needle:?} never showed; the screen:\n{}",
            self.text()
        );
    }

    async fn send(&self, bytes: &[u8]) {
        self.channel.data(bytes).await.expect("send keys");
    }

    async fn until_closed(&mut self) {
        let ended = self.until(|t| t.closed).await;
        assert!(
            ended,
            "the session did not end; the screen:\n{}",
            self.text()
        );
    }

    fn restored(&self) -> bool {
        let b = String::from_utf8_lossy(&self.bytes);
        b.contains("\x1b[?1049l") && b.contains("\x1b[?25h")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_registered_live_keys_sign_in() {
    let server = Server::start("");
    let (maya, id) = server.key("maya", "csm");
    let stranger = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).expect("key");
    assert!(
        sign_in(&server.ssh, &maya).await.is_some(),
        "a registered key"
    );
    assert!(
        sign_in(&server.ssh, &stranger).await.is_none(),
        "an unknown key"
    );
    server.revoke(id);
    assert!(sign_in(&server.ssh, &maya).await.is_none(), "a revoked key");
    // The host key is kept beside the store, readable by its owner only.
    let host = server.dir.path().join("tend.ssh_host_ed25519");
    let text = std::fs::read_to_string(&host).expect("host key");
    assert!(PrivateKey::from_openssh(text.as_bytes()).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&host).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same key twice is refused, naming whose it is.
    let line = maya.public_key().to_openssh().expect("line");
    let again = tend(server.dir.path())
        .args([
            "serve", "key", "add", "--user", "ops", "--role", "admin", "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            writeln!(c.stdin.take().expect("stdin"), "{line}")?;
            c.wait_with_output()
        })
        .expect("key add");
    // Revoked above, so it may be registered again; a second time it is refused.
    assert!(again.status.success());
    let twice = tend(server.dir.path())
        .args(["serve", "key", "add", "--user", "zoe", "--role", "csm", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            writeln!(c.stdin.take().expect("stdin"), "{line}")?;
            c.wait_with_output()
        })
        .expect("key add");
    let said = String::from_utf8_lossy(&twice.stderr);
    assert!(!twice.status.success() && said.contains("ops"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_draws_resizes_and_quits_with_the_terminal_restored() {
    let server = Server::start("");
    let (maya, _) = server.key("maya", "csm");
    let handle = sign_in(&server.ssh, &maya).await.expect("signed in");
    let mut term = Term::open(&handle, 80, 24, true).await;
    term.shows("Portfolio").await;
    assert!(String::from_utf8_lossy(&term.bytes).contains("\x1b[?1049h"));
    // The frame fills the 80x24 pty: the portfolio's box closes on the last column.
    let rows: Vec<String> = term.screen.screen().rows(0, 80).collect();
    assert_eq!(rows.len(), 24);
    assert!(
        rows.iter().any(|r| r.starts_with('┌') && r.ends_with('┐')),
        "{rows:#?}"
    );
    // A window change redraws at the new size.
    term.channel
        .window_change(100, 30, 0, 0)
        .await
        .expect("window change");
    term.screen.screen_mut().set_size(nz(30), nz(100));
    let drawn = term
        .until(|t| {
            t.screen
                .screen()
                .rows(0, 100)
                .any(|r| r.starts_with('┌') && r.chars().count() == 100 && r.ends_with('┐'))
        })
        .await;
    assert!(drawn, "no 100-column frame:\n{}", term.text());
    term.send(b"q").await;
    term.until_closed().await;
    assert_eq!(term.exit, Some(0));
    assert!(term.restored(), "the terminal was not restored");
    // The session is in the server's log, with its user and key, never a token.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.log().contains("ssh session ended") && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let log = server.log();
    assert!(
        log.contains("ssh session ended") && log.contains("user=\"maya\""),
        "{log}"
    );
    // A token is "tend_" and 64 hex digits; module paths (tend_server) are not.
    let token_like = log.match_indices("tend_").any(|(i, _)| {
        let rest = &log[i + 5..];
        rest.len() >= 64 && rest[..64].bytes().all(|b| b.is_ascii_hexdigit())
    });
    assert!(!token_like, "a token in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_session_is_read_only() {
    let server = Server::start("");
    let (viewer, _) = server.key("vic", "viewer");
    let handle = sign_in(&server.ssh, &viewer).await.expect("signed in");
    let mut term = Term::open(&handle, 80, 24, true).await;
    // Loaded: the selected account is named in the header.
    term.shows("▸ ").await;
    // The worst account opens (reading is allowed); e edits it: refused, saying why.
    term.send(b"\r").await;
    term.shows("┌ Account").await;
    term.send(b"e").await;
    term.shows("vic is a viewer").await;
    term.send(b"q").await;
    term.until_closed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_the_key_ends_its_session() {
    let server = Server::start("");
    let (maya, id) = server.key("maya", "csm");
    let handle = sign_in(&server.ssh, &maya).await.expect("signed in");
    let mut term = Term::open(&handle, 80, 24, true).await;
    term.shows("Portfolio").await;
    let revoked = Instant::now();
    server.revoke(id);
    term.until_closed().await;
    assert!(revoked.elapsed() < Duration::from_secs(10));
    assert!(term.restored(), "the terminal was not restored");
    assert!(String::from_utf8_lossy(&term.bytes).contains("its SSH key was revoked"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_beyond_the_limits_and_without_a_pty_are_refused_with_a_message() {
    let server = Server::start("[server]\nssh_max_sessions = 2\nssh_max_sessions_per_user = 1\n");
    let (maya, _) = server.key("maya", "csm");
    let (omar, _) = server.key("omar", "csm");
    let (zoe, _) = server.key("zoe", "csm");
    let first = sign_in(&server.ssh, &maya).await.expect("signed in");
    let mut one = Term::open(&first, 80, 24, true).await;
    one.shows("Portfolio").await;
    // A second session of maya's: over her limit.
    let second = sign_in(&server.ssh, &maya).await.expect("signed in");
    let mut two = Term::open(&second, 80, 24, true).await;
    two.until_closed().await;
    assert!(
        two.text().contains("maya already has 1 sessions open"),
        "{}",
        two.text()
    );
    assert_eq!(two.exit, Some(1));
    // Omar's fills the server; Zoe's is over the total.
    let o = sign_in(&server.ssh, &omar).await.expect("signed in");
    let mut three = Term::open(&o, 80, 24, true).await;
    three.shows("Portfolio").await;
    let z = sign_in(&server.ssh, &zoe).await.expect("signed in");
    let mut four = Term::open(&z, 80, 24, true).await;
    four.until_closed().await;
    assert!(
        four.text().contains("its 2 sessions open"),
        "{}",
        four.text()
    );
    // Without a pty: a message, no app.
    one.send(b"q").await;
    one.until_closed().await;
    let again = sign_in(&server.ssh, &maya).await.expect("signed in");
    let mut bare = Term::open(&again, 80, 24, false).await;
    bare.until_closed().await;
    assert!(bare.text().contains("needs a terminal"), "{}", bare.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csm_session_opens_on_their_accounts_and_ends_when_idle() {
    // 3 seconds without input end a session.
    let server = Server::start("[server]\nssh_idle_minutes = 0.05\n");
    let (maya, _) = server.key("maya.chen", "csm");
    let handle = sign_in(&server.ssh, &maya).await.expect("signed in");
    let mut term = Term::open(&handle, 100, 30, true).await;
    term.shows("▸ ").await;
    // Her accounts only: the ones she owns or is on the team of.
    term.shows("@followed").await;
    let rows: Vec<String> = term.screen.screen().rows(0, 100).collect();
    let owners: Vec<&String> = rows
        .iter()
        .filter(|r| r.contains('$') && r.contains("in "))
        .collect();
    assert!(!owners.is_empty(), "{rows:#?}");
    assert!(
        owners.iter().any(|r| r.contains("maya.chen")),
        "none of hers: {rows:#?}"
    );
    // Nothing typed: the session ends, the terminal restored, the reason said.
    let opened = Instant::now();
    term.until_closed().await;
    assert!(opened.elapsed() >= Duration::from_secs(2), "ended early");
    assert!(term.restored(), "the terminal was not restored");
    let said = String::from_utf8_lossy(&term.bytes);
    assert!(
        said.contains("ended after 3 seconds without input"),
        "{said}"
    );
}
