//! The app over SSH under load: 50 concurrent sessions of `tend serve --ssh` (the
//! real binary, over a generated 200-account store), each moving the selection 10
//! times a second, through russh's client at 80x24, signed in as a csm (maya.chen,
//! whose session opens on her own accounts).
//!
//! Prints: key-to-frame latency, p50/p95/p99/max, from sending `j`/`k` to the
//! first byte that answers it and to the last (a frame ends when nothing more
//! arrives for 20 ms); the server's resident memory per session (VmRSS with every
//! session open and idle, minus VmRSS before, over the count); and the bytes per
//! selection move (all that came after it up to the next: its frame and the
//! account it loaded, when drawn).
//!
//!   cargo bench --bench ssh
//!   TEND_SSH_SESSIONS=10 TEND_SSH_SECONDS=5 cargo bench --bench ssh
//!   TEND_SSH_COLS=160 TEND_SSH_ROWS=48 cargo bench --bench ssh   # the account beside
//!   TEND_SSH_EVERY_MS=300 cargo bench --bench ssh                 # slower moves
//!   TEND_SSH_ALIGNED=1 cargo bench --bench ssh      # every session's key at once

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::keys::{Algorithm, PrivateKey, PrivateKeyWithHashAlg};
use russh::{ChannelMsg, client};

const BIN: &str = env!("CARGO_BIN_EXE_tend");
/// Quiet time after which a frame counts as complete.
const FRAME_GAP: Duration = Duration::from_millis(20);

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

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn tend(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.arg("--db")
        .arg(dir.join("tend.db"))
        .env("XDG_CONFIG_HOME", dir.join("cfg"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .env("XDG_DATA_HOME", dir.join("data"));
    c
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One session: signed in, at `size`, its first frame drawn.
async fn open(addr: &str, key: &PrivateKey, size: (u32, u32)) -> russh::Channel<client::Msg> {
    let mut handle = client::connect(Arc::new(client::Config::default()), addr, Trusting)
        .await
        .expect("connect");
    let auth = handle
        .authenticate_publickey(
            "maya.chen",
            PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None),
        )
        .await
        .expect("authenticate");
    assert!(auth.success(), "the bench key was refused");
    let mut channel = handle.channel_open_session().await.expect("channel");
    channel
        .request_pty(true, "xterm-256color", size.0, size.1, 0, 0, &[])
        .await
        .expect("pty");
    channel.request_shell(true).await.expect("shell");
    // Until the first page is drawn (its selected account named in the header)
    // and the screen is quiet.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&seen).contains('▸') {
        assert!(Instant::now() < deadline, "no first frame in 60 s");
        if let Ok(Some(ChannelMsg::Data { data })) =
            tokio::time::timeout(Duration::from_secs(1), channel.wait()).await
        {
            seen.extend_from_slice(&data);
        }
    }
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(300), channel.wait()).await {
    }
    // The handle lives as long as the channel needs it.
    std::mem::forget(handle);
    channel
}

/// Moves the selection `moves` times, one every `every`; answers each move's
/// key-to-frame time and bytes.
async fn drive(
    mut channel: russh::Channel<client::Msg>,
    every: Duration,
    moves: usize,
) -> Vec<(Duration, Duration, usize)> {
    let mut out = Vec::with_capacity(moves);
    let mut tick = tokio::time::interval(every);
    for i in 0..moves {
        tick.tick().await;
        // What came since the last move's frame (the account it loaded, drawn
        // later) is that move's, not this one's.
        while let Ok(Some(msg)) = tokio::time::timeout(Duration::ZERO, channel.wait()).await {
            if let (ChannelMsg::Data { data }, Some(last)) = (msg, out.last_mut()) {
                let (_, _, bytes): &mut (Duration, Duration, usize) = last;
                *bytes += data.len();
            }
        }
        // Down five rows, up five: the selection stays on the first page.
        let key: &[u8] = if i % 10 < 5 { b"j" } else { b"k" };
        let sent = Instant::now();
        channel.data(key).await.expect("send");
        let mut bytes = 0;
        let mut first = None;
        let mut last = sent;
        loop {
            match tokio::time::timeout(FRAME_GAP, channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => {
                    bytes += data.len();
                    last = Instant::now();
                    first.get_or_insert(last);
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                // Quiet: the frame is complete once something came.
                Err(_) if bytes > 0 => break,
                Err(_) if sent.elapsed() > Duration::from_secs(5) => break,
                Err(_) => {}
            }
        }
        out.push((first.unwrap_or(last) - sent, last - sent, bytes));
    }
    let _ = channel.data(&b"q"[..]).await;
    out
}

fn main() {
    // `cargo bench` passes --bench; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"ssh".contains(a.as_str()))
    {
        return;
    }
    let sessions = env_or("TEND_SSH_SESSIONS", 50);
    let seconds = env_or("TEND_SSH_SECONDS", 10);
    let size = (
        env_or("TEND_SSH_COLS", 80) as u32,
        env_or("TEND_SSH_ROWS", 24) as u32,
    );
    let every = Duration::from_millis(env_or("TEND_SSH_EVERY_MS", 100) as u64);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tend(dir.path())
        .args(["generate", "--accounts", "200"])
        .output()
        .expect("generate");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).expect("key");
    let mut add = tend(dir.path())
        .args([
            "serve",
            "key",
            "add",
            "--user",
            "maya.chen",
            "--role",
            "csm",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("key add");
    writeln!(
        add.stdin.take().expect("stdin"),
        "{}",
        key.public_key().to_openssh().expect("line")
    )
    .expect("write key");
    assert!(add.wait().expect("key add").success());
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nssh_max_sessions = {n}\nssh_max_sessions_per_user = {n}\n",
            n = sessions + 1
        ),
    )
    .expect("config");
    let mut child = tend(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["serve", "--listen", "127.0.0.1:0", "--ssh", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_once("over SSH at ")
                .and_then(|(_, r)| r.split_whitespace().next().map(str::to_string))
        })
        .expect("the SSH address");
    std::thread::spawn(move || for _ in lines {});
    let pid = child.id();
    let server = Killed(child);

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = rss_kib(pid);
        let mut opening = Vec::new();
        for _ in 0..sessions {
            let (addr, key) = (addr.clone(), key.clone());
            opening.push(tokio::spawn(async move { open(&addr, &key, size).await }));
        }
        let mut channels = Vec::new();
        for o in opening {
            channels.push(o.await.expect("session"));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let open_rss = rss_kib(pid);
        let mut driving = Vec::new();
        // Each session starts its moves at its own point of the interval, as
        // people typing do (TEND_SSH_ALIGNED=1: every session at the same instant,
        // the worst case).
        let aligned = env_or("TEND_SSH_ALIGNED", 0) == 1;
        let moves = seconds * 1000 / every.as_millis().max(1) as usize;
        for (i, c) in channels.into_iter().enumerate() {
            let phase = if aligned {
                Duration::ZERO
            } else {
                every * i as u32 / sessions as u32
            };
            driving.push(tokio::spawn(async move {
                tokio::time::sleep(phase).await;
                drive(c, every, moves).await
            }));
        }
        let mut peak = open_rss;
        let mut results = Vec::new();
        for d in driving {
            while !d.is_finished() {
                peak = peak.max(rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            results.extend(d.await.expect("drive"));
        }
        let sorted = |f: fn(&(Duration, Duration, usize)) -> Duration| {
            let mut v: Vec<Duration> = results.iter().map(f).collect();
            v.sort();
            v
        };
        let (firsts, times) = (sorted(|r| r.0), sorted(|r| r.1));
        let pct = |v: &[Duration], p: f64| {
            v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
        };
        let bytes: usize = results.iter().map(|r| r.2).sum();
        let moved = results.iter().filter(|r| r.2 > 0).count();
        println!(
            "ssh: {sessions} sessions x {seconds} s, a move every {} ms{}, {}x{}, {} moves ({moved} answered)",
            every.as_millis(),
            if aligned { " (all at once)" } else { " (spread over it)" },
            size.0,
            size.1,
            results.len()
        );
        for (what, v) in [("first byte", &firsts), ("frame complete", &times)] {
            println!(
                "ssh: key to {what}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                pct(v, 0.50),
                pct(v, 0.95),
                pct(v, 0.99),
                pct(v, 1.0)
            );
        }
        println!(
            "ssh: server RSS {:.1} MiB before, {:.1} MiB with {sessions} sessions open ({:.2} MiB per session), peak {:.1} MiB while moving",
            before as f64 / 1024.0,
            open_rss as f64 / 1024.0,
            (open_rss.saturating_sub(before)) as f64 / 1024.0 / sessions as f64,
            peak as f64 / 1024.0
        );
        println!(
            "ssh: {:.0} bytes per selection move (average)",
            bytes as f64 / results.len().max(1) as f64
        );
    });
    drop(server);
}
