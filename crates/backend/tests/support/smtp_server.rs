//! A real SMTP server for tests, on 127.0.0.1 in background threads: EHLO/HELO,
//! STARTTLS, AUTH PLAIN and LOGIN against one fixed user, MAIL, RCPT, DATA (with
//! dot-unstuffing), RSET, NOOP, VRFY, QUIT; and a second port speaking TLS from the
//! first byte (SMTPS, port 465 style). Its certificate, for "localhost" and
//! 127.0.0.1, is signed by a throwaway CA made with rcgen, whose PEM is at
//! `ca_file`: a client trusts the server by adding that CA.
//!
//! Self-contained (std, rustls with ring, rcgen) so that any test can include it:
//!
//! ```ignore
//! #[path = "../crates/backend/tests/support/smtp_server.rs"]
//! mod smtp_server;
//! let server = smtp_server::SmtpServer::start("maya", "s3cret");
//! // send to 127.0.0.1:server.port (STARTTLS) or server.tls_port (TLS), trusting
//! // server.ca_file, then:
//! let got = server.wait_for(1, std::time::Duration::from_secs(10));
//! ```
//!
//! Dropping the server stops accepting connections and removes its files.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The longest command line accepted, and the largest message.
const MAX_LINE: usize = 64 * 1024;
const MAX_MESSAGE: usize = 10 * 1024 * 1024;

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// MAIL FROM, without angle brackets ("" for the null sender).
    pub from: String,
    /// RCPT TO, in order, without angle brackets.
    pub to: Vec<String>,
    /// The message exactly as received between DATA and the final ".", dot-unstuffed:
    /// it ends with the CRLF that preceded the ".".
    pub data: Vec<u8>,
    /// Whether the session was encrypted (STARTTLS or the TLS port) at DATA.
    pub tls: bool,
    /// The user authenticated at DATA.
    pub auth_user: Option<String>,
}

impl Received {
    /// `data` as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// A running server; see the module's documentation.
pub struct SmtpServer {
    /// Plain SMTP offering STARTTLS.
    pub port: u16,
    /// TLS from the first byte.
    pub tls_port: u16,
    /// The PEM of the CA that signed the server's certificate.
    pub ca_file: PathBuf,
    pub user: String,
    pub password: String,
    shared: Arc<Shared>,
    dir: PathBuf,
}

struct Shared {
    state: Mutex<State>,
    arrived: Condvar,
    stop: AtomicBool,
}

struct State {
    received: Vec<Received>,
    /// Lowercased recipient -> the whole reply to its RCPT, e.g. "550 5.1.1 no such user".
    replies: HashMap<String, String>,
    require_auth: bool,
    user: String,
    password: String,
    transcript: Vec<String>,
    connections: usize,
}

impl SmtpServer {
    /// STARTTLS offered on `port`, TLS on `tls_port`; MAIL needs AUTH as `user`.
    pub fn start(user: &str, password: &str) -> SmtpServer {
        SmtpServer::launch(user, password, true)
    }

    /// The same, but MAIL is accepted without AUTH (which still checks the user
    /// "user" with the password "password").
    pub fn start_open() -> SmtpServer {
        SmtpServer::launch("user", "password", false)
    }

    fn launch(user: &str, password: &str, require_auth: bool) -> SmtpServer {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tend-smtp-test-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).expect("temp dir for the SMTP server");
        let (ca_pem, chain, key) = certificates();
        let ca_file = dir.join("ca.pem");
        std::fs::write(&ca_file, ca_pem).expect("write the test CA");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("server certificate");
        let config = Arc::new(config);

        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                received: Vec::new(),
                replies: HashMap::new(),
                require_auth,
                user: user.to_string(),
                password: password.to_string(),
                transcript: Vec::new(),
                connections: 0,
            }),
            arrived: Condvar::new(),
            stop: AtomicBool::new(false),
        });

        let mut ports = [0u16; 2];
        for (i, implicit_tls) in [false, true].into_iter().enumerate() {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind the SMTP server");
            ports[i] = listener.local_addr().expect("local address").port();
            let shared = Arc::clone(&shared);
            let config = Arc::clone(&config);
            thread::Builder::new()
                .name("smtp-test-accept".into())
                .spawn(move || accept(listener, implicit_tls, shared, config))
                .expect("spawn the SMTP server");
        }
        SmtpServer {
            port: ports[0],
            tls_port: ports[1],
            ca_file,
            user: user.to_string(),
            password: password.to_string(),
            shared,
            dir,
        }
    }

    /// Every message accepted so far.
    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// Waits until at least `n` messages were accepted or `timeout` passed, and
    /// returns them all (possibly fewer than `n`).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut state = self.state();
        while state.received.len() < n {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .shared
                .arrived
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.received.clone()
    }

    /// RCPT TO this address (any case) is answered "550 5.1.1 no such user".
    pub fn refuse_recipient(&self, addr: &str) {
        self.reply_to_recipient(addr, "550 5.1.1 no such user");
    }

    /// RCPT TO this address is answered "450 4.2.1 mailbox busy, try again later".
    pub fn defer_recipient(&self, addr: &str) {
        self.reply_to_recipient(addr, "450 4.2.1 mailbox busy, try again later");
    }

    /// RCPT TO this address gets `reply` (a whole reply line: code and text).
    pub fn reply_to_recipient(&self, addr: &str, reply: &str) {
        self.state()
            .replies
            .insert(addr.trim().to_ascii_lowercase(), reply.to_string());
    }

    /// The commands received, in order across sessions, each prefixed "tls: " when
    /// the session was encrypted; AUTH data shows as "***".
    pub fn transcript(&self) -> Vec<String> {
        self.state().transcript.clone()
    }

    /// How many connections were accepted.
    pub fn connections(&self) -> usize {
        self.state().connections
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accepting threads so that they see the flag.
        for port in [self.port, self.tls_port] {
            let _ = TcpStream::connect(("127.0.0.1", port));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA, and a certificate for localhost and 127.0.0.1 signed by it.
fn certificates() -> (String, Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "tend test CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");

    let leaf_key = KeyPair::generate().expect("server key");
    let mut leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .expect("server certificate parameters");
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf = leaf_params
        .signed_by(&leaf_key, &ca)
        .expect("server certificate");
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    (ca.pem(), vec![leaf.der().clone()], key)
}

fn accept(
    listener: TcpListener,
    implicit_tls: bool,
    shared: Arc<Shared>,
    config: Arc<ServerConfig>,
) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        shared
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .connections += 1;
        let shared = Arc::clone(&shared);
        let config = Arc::clone(&config);
        let _ = thread::Builder::new()
            .name("smtp-test-session".into())
            .spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                let _ = stream.set_write_timeout(Some(Duration::from_secs(30)));
                let conn = if implicit_tls {
                    match ServerConnection::new(config.clone()) {
                        Ok(tls) => Conn::Tls(Box::new(StreamOwned::new(tls, stream))),
                        Err(_) => return,
                    }
                } else {
                    Conn::Plain(stream)
                };
                let mut session = Session {
                    conn: Some(conn),
                    buf: Vec::new(),
                    tls: implicit_tls,
                    greeted: false,
                    auth_user: None,
                    from: None,
                    to: Vec::new(),
                    shared,
                    config,
                };
                let _ = session.run();
            });
    }
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

struct Session {
    conn: Option<Conn>,
    /// Read but not yet consumed.
    buf: Vec<u8>,
    tls: bool,
    greeted: bool,
    auth_user: Option<String>,
    from: Option<String>,
    to: Vec<String>,
    shared: Arc<Shared>,
    config: Arc<ServerConfig>,
}

impl Session {
    fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a connection")
    }

    fn reply(&mut self, line: &str) -> io::Result<()> {
        let conn = self.conn();
        conn.write_all(line.as_bytes())?;
        conn.write_all(b"\r\n")?;
        conn.flush()
    }

    /// One line with its ending, or None at the end of the connection.
    fn read_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(at) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(Some(self.buf.drain(..=at).collect()));
            }
            if self.buf.len() > MAX_LINE {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
            let mut chunk = [0u8; 8192];
            let n = match self.conn().read(&mut chunk) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => 0,
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Ok(None);
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    fn log(&self, line: &str) {
        let entry = if self.tls {
            format!("tls: {line}")
        } else {
            line.to_string()
        };
        self.state().transcript.push(entry);
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    fn run(&mut self) -> io::Result<()> {
        self.reply("220 localhost ESMTP tend test server")?;
        while let Some(line) = self.read_line()? {
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            let (verb, arg) = match line.split_once(' ') {
                Some((verb, arg)) => (verb.to_ascii_uppercase(), arg.trim()),
                None => (line.to_ascii_uppercase(), ""),
            };
            if verb == "AUTH" {
                let mechanism = arg.split_whitespace().next().unwrap_or("");
                self.log(&format!("AUTH {mechanism} ***"));
            } else {
                self.log(line);
            }
            match verb.as_str() {
                "EHLO" => {
                    self.greeted = true;
                    self.reset();
                    let mut lines = vec![
                        format!("localhost greets {arg}"),
                        "8BITMIME".to_string(),
                        "SMTPUTF8".to_string(),
                        format!("SIZE {MAX_MESSAGE}"),
                    ];
                    if !self.tls {
                        lines.push("STARTTLS".to_string());
                    }
                    lines.push("AUTH PLAIN LOGIN".to_string());
                    lines.push("ENHANCEDSTATUSCODES".to_string());
                    let last = lines.len() - 1;
                    for (i, l) in lines.iter().enumerate() {
                        let sep = if i == last { ' ' } else { '-' };
                        self.reply(&format!("250{sep}{l}"))?;
                    }
                }
                "HELO" => {
                    self.greeted = true;
                    self.reset();
                    self.reply("250 localhost")?;
                }
                "STARTTLS" => {
                    if self.tls {
                        self.reply("503 5.5.1 TLS already active")?;
                        continue;
                    }
                    self.reply("220 2.0.0 Ready to start TLS")?;
                    let Some(Conn::Plain(tcp)) = self.conn.take() else {
                        unreachable!("a plain connection before STARTTLS")
                    };
                    // Anything the client pipelined before the handshake is dropped
                    // (RFC 3207).
                    self.buf.clear();
                    let tls = ServerConnection::new(Arc::clone(&self.config))
                        .map_err(io::Error::other)?;
                    self.conn = Some(Conn::Tls(Box::new(StreamOwned::new(tls, tcp))));
                    self.tls = true;
                    self.greeted = false;
                    self.auth_user = None;
                    self.reset();
                }
                "AUTH" => self.auth(arg)?,
                "MAIL" => {
                    let require_auth = self.state().require_auth;
                    if !self.greeted {
                        self.reply("503 5.5.1 Send EHLO first")?;
                    } else if require_auth && self.auth_user.is_none() {
                        self.reply("530 5.7.0 Authentication required")?;
                    } else if self.from.is_some() {
                        self.reply("503 5.5.1 Sender already given")?;
                    } else if let Some(addr) = path(arg, "FROM:") {
                        self.from = Some(addr);
                        self.reply("250 2.1.0 Sender OK")?;
                    } else {
                        self.reply("501 5.5.4 Syntax: MAIL FROM:<address>")?;
                    }
                }
                "RCPT" => {
                    if self.from.is_none() {
                        self.reply("503 5.5.1 MAIL first")?;
                    } else if let Some(addr) = path(arg, "TO:").filter(|a| !a.is_empty()) {
                        let configured = self
                            .state()
                            .replies
                            .get(&addr.to_ascii_lowercase())
                            .cloned();
                        match configured {
                            Some(reply) => self.reply(&reply)?,
                            None => {
                                self.to.push(addr);
                                self.reply("250 2.1.5 Recipient OK")?;
                            }
                        }
                    } else {
                        self.reply("501 5.5.4 Syntax: RCPT TO:<address>")?;
                    }
                }
                "DATA" => {
                    if self.from.is_none() {
                        self.reply("503 5.5.1 MAIL first")?;
                    } else if self.to.is_empty() {
                        self.reply("554 5.5.1 No valid recipients")?;
                    } else {
                        self.reply("354 End data with <CR><LF>.<CR><LF>")?;
                        if !self.data()? {
                            return Ok(());
                        }
                    }
                }
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 OK")?;
                }
                "NOOP" => self.reply("250 2.0.0 OK")?,
                "VRFY" => self.reply("252 2.5.0 Cannot VRFY user")?,
                "QUIT" => {
                    self.reply("221 2.0.0 Bye")?;
                    if let Some(Conn::Tls(mut tls)) = self.conn.take() {
                        tls.conn.send_close_notify();
                        let _ = tls.flush();
                    }
                    return Ok(());
                }
                _ => self.reply("500 5.5.2 Command not recognized")?,
            }
        }
        Ok(())
    }

    /// Reads the message after 354; false if the connection ended.
    fn data(&mut self) -> io::Result<bool> {
        let mut data = Vec::new();
        let mut too_big = false;
        loop {
            let Some(line) = self.read_line()? else {
                return Ok(false);
            };
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            let line = line.strip_prefix(b".").unwrap_or(&line);
            if data.len() + line.len() > MAX_MESSAGE {
                too_big = true;
            } else {
                data.extend_from_slice(line);
            }
        }
        if too_big {
            self.reset();
            self.reply("552 5.3.4 Message too big")?;
            return Ok(true);
        }
        let received = Received {
            from: self.from.take().unwrap_or_default(),
            to: std::mem::take(&mut self.to),
            data,
            tls: self.tls,
            auth_user: self.auth_user.clone(),
        };
        let n = {
            let mut state = self.state();
            state.received.push(received);
            state.received.len()
        };
        self.shared.arrived.notify_all();
        self.reply(&format!("250 2.0.0 OK: queued as {n}"))?;
        Ok(true)
    }

    fn auth(&mut self, arg: &str) -> io::Result<()> {
        if !self.greeted {
            return self.reply("503 5.5.1 Send EHLO first");
        }
        if self.auth_user.is_some() {
            return self.reply("503 5.5.1 Already authenticated");
        }
        if self.from.is_some() {
            return self.reply("503 5.5.1 AUTH not allowed during a mail transaction");
        }
        let mut words = arg.split_whitespace();
        let mechanism = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next().map(str::to_string);
        let (user, password) = match mechanism.as_str() {
            "PLAIN" => {
                let response = match initial {
                    Some(r) => r,
                    None => match self.challenge("334 ")? {
                        Some(r) => r,
                        None => return Ok(()),
                    },
                };
                let Some(decoded) = base64_decode(&response) else {
                    return self.reply("501 5.5.2 Cannot decode the response");
                };
                let mut parts = decoded.split(|&b| b == 0);
                let (_authzid, authcid, password) = (parts.next(), parts.next(), parts.next());
                match (authcid, password, parts.next()) {
                    (Some(u), Some(p), None) => (
                        String::from_utf8_lossy(u).into_owned(),
                        String::from_utf8_lossy(p).into_owned(),
                    ),
                    _ => return self.reply("501 5.5.2 Malformed PLAIN response"),
                }
            }
            "LOGIN" => {
                let user = match initial {
                    Some(r) => r,
                    None => match self.challenge("334 VXNlcm5hbWU6")? {
                        Some(r) => r,
                        None => return Ok(()),
                    },
                };
                let Some(password) = self.challenge("334 UGFzc3dvcmQ6")? else {
                    return Ok(());
                };
                match (base64_decode(&user), base64_decode(&password)) {
                    (Some(u), Some(p)) => (
                        String::from_utf8_lossy(&u).into_owned(),
                        String::from_utf8_lossy(&p).into_owned(),
                    ),
                    _ => return self.reply("501 5.5.2 Cannot decode the response"),
                }
            }
            _ => return self.reply("504 5.5.4 Unrecognized authentication type"),
        };
        let good = {
            let state = self.state();
            user == state.user && password == state.password
        };
        if good {
            self.auth_user = Some(user);
            self.reply("235 2.7.0 Authentication successful")
        } else {
            self.reply("535 5.7.8 Authentication credentials invalid")
        }
    }

    /// Sends a 334 challenge and reads the answer; None (after replying) when the
    /// client cancelled with "*" or hung up.
    fn challenge(&mut self, prompt: &str) -> io::Result<Option<String>> {
        self.reply(prompt)?;
        let Some(line) = self.read_line()? else {
            return Ok(None);
        };
        let answer = String::from_utf8_lossy(&line).trim().to_string();
        if answer == "*" {
            self.reply("501 5.7.0 Authentication cancelled")?;
            return Ok(None);
        }
        Ok(Some(answer))
    }
}

/// The address in "FROM:<a@b> PARAMS" (`prefix` "FROM:") or "TO:<a@b>".
fn path(arg: &str, prefix: &str) -> Option<String> {
    let head = arg.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = arg[prefix.len()..].trim_start();
    let rest = rest.strip_prefix('<')?;
    let end = rest.find('>')?;
    Some(rest[..end].to_string())
}

/// Standard base64 ("=" alone is the empty string, as in SASL).
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s == "=" {
        return Some(Vec::new());
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
