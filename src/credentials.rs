//! The bearer token for a team server: where `tend` keeps it and where it
//! looks for it.
//!
//! [`load`] looks, in order, at the `TEND_TOKEN` environment variable, at a
//! token file (given by `[remote] token_file` or `--token-file`, and only if
//! its mode lets no one but its owner read it), then at the keyring.
//! [`store`] and [`delete`] work on the keyring only.
//!
//! The keyring is chosen at run time, the first store that answers:
//! 1. the Secret Service over the DBus session bus (GNOME Keyring, KWallet,
//!    KeePassXC…): kept on disk, survives a reboot;
//! 2. the kernel keyutils keyring: kept in kernel memory, in the login
//!    session's keyring and the user's persistent keyring (which expires
//!    after some days unused); lost at reboot.
//!
//! Every entry is saved under the service `tend` with the server URL, without
//! its trailing slash, as the user name.
//!
//! The functions are synchronous. Secret Service calls run on a thread of
//! their own (the DBus client drives its own runtime, which cannot start on
//! a thread that already runs async tasks), and are given up after
//! [`SECRET_SERVICE_TIMEOUT`] so a bus that never answers cannot freeze the
//! caller. From async code, call them through `tokio::task::spawn_blocking`
//! or accept a short block.
//!
//! A [`Token`] never shows its value in `Debug` or `Display`, and no error
//! of this module holds it.

use std::fmt;
use std::io::{self, BufRead, IsTerminal};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use keyring::Entry;
use keyring::keyutils::KeyutilsCredential;
use keyring::secret_service::SsCredential;

/// The environment variable read first by [`load`].
pub const TOKEN_ENV: &str = "TEND_TOKEN";

/// The keyring service name of every entry.
const SERVICE: &str = "tend";

/// How long a Secret Service call may take before that store is given up:
/// long enough for a person to answer an unlock prompt.
pub const SECRET_SERVICE_TIMEOUT: Duration = Duration::from_secs(20);

const SECRET_SERVICE: &str = "Secret Service";
const KEYUTILS: &str = "kernel keyutils";

/// Where a token was found or saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The `TEND_TOKEN` environment variable.
    Env,
    /// A keyring: `"Secret Service"` or `"kernel keyutils"`.
    Keyring(&'static str),
    /// A token file.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env => write!(f, "the {TOKEN_ENV} environment variable"),
            Source::Keyring(KEYUTILS) => write!(
                f,
                "the kernel keyutils keyring (kept in memory for this login session: \
                 it is lost at reboot, and after some days unused; then log in again)"
            ),
            Source::Keyring(name) => write!(f, "the {name} keyring"),
            Source::File(path) => write!(f, "the token file {}", path.display()),
        }
    }
}

/// A bearer token. `Debug` and `Display` print `Token(****)`; only
/// [`Token::expose`] gives the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token value as given.
    pub fn new(value: impl Into<String>) -> Self {
        Token(value.into())
    }

    /// The token value, for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(****)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(****)")
    }
}

/// Why a token could not be saved, read or removed. No variant holds the
/// token.
#[derive(Debug, thiserror::Error)]
pub enum CredError {
    /// No keyring store answered.
    #[error(
        "no usable keyring was found on this machine (tried: {tried}). Instead, set \
         TEND_TOKEN, or put the token in a file with mode 0600 and set `[remote] token_file` \
         in the config (or pass --token-file)"
    )]
    NoKeyring {
        /// Each store tried and why it failed.
        tried: String,
    },
    /// The token file is unreadable, empty or readable by others.
    #[error("token file {}: {why}", path.display())]
    BadTokenFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it, and the fix.
        why: String,
    },
    /// A keyring answered but refused the operation.
    #[error("keyring: {0}")]
    Keyring(String),
}

/// Saves `token` for the server `url` in the first keyring store that works,
/// and removes older copies from the stores after it.
pub fn store(url: &str, token: &Token) -> Result<Source, CredError> {
    store_in(&Store::ALL, url, token)
}

/// Finds the token for the server `url`: `TEND_TOKEN` if set and not empty,
/// then `token_file` if given, then the keyring. `Ok(None)` when none has
/// it, including when no keyring is usable.
pub fn load(url: &str, token_file: Option<&Path>) -> Result<Option<(Token, Source)>, CredError> {
    load_from(&Store::ALL, url, token_file, std::env::var(TOKEN_ENV).ok())
}

/// The environment variable that holds a language model's API key.
pub const AI_KEY_ENV: &str = "TEND_AI_KEY";

/// The keyring name of a language model endpoint's key (kept apart from a team
/// server's token at the same URL).
pub fn ai_entry(endpoint: &str) -> String {
    format!("ai:{}", endpoint.trim().trim_end_matches('/'))
}

/// Finds the API key of the language model at `endpoint`: `TEND_AI_KEY` if set
/// and not empty, then `key_file` if given, then the keyring. `Ok(None)` when
/// none has one (a local server needs none).
pub fn load_ai_key(endpoint: &str, key_file: Option<&Path>) -> Result<Option<Token>, CredError> {
    load_from(
        &Store::ALL,
        &ai_entry(endpoint),
        key_file,
        std::env::var(AI_KEY_ENV).ok(),
    )
    .map(|found| found.map(|(token, _)| token))
}

/// The environment variable that holds the SMTP password.
pub const SMTP_PASSWORD_ENV: &str = "TEND_SMTP_PASSWORD";

/// The keyring entry of the SMTP server `host`'s password.
pub fn smtp_entry(host: &str) -> String {
    format!("smtp:{}", host.trim().to_ascii_lowercase())
}

/// Finds the SMTP password: `TEND_SMTP_PASSWORD` if set and not empty, then
/// `password_file` if given, then the keyring (`tend login --smtp HOST`).
pub fn load_smtp_password(
    host: &str,
    password_file: Option<&Path>,
) -> Result<Option<Token>, CredError> {
    load_from(
        &Store::ALL,
        &smtp_entry(host),
        password_file,
        std::env::var(SMTP_PASSWORD_ENV).ok(),
    )
    .map(|found| found.map(|(token, _)| token))
}

/// Removes the token for the server `url` from every keyring store; `true`
/// if one held it. Fails with [`CredError::NoKeyring`] only when no store
/// could be asked.
pub fn delete(url: &str) -> Result<bool, CredError> {
    delete_in(&Store::ALL, url)
}

/// Reads a token without echo from the terminal, after writing `prompt` to
/// it. When standard input is not a terminal, reads one line from it with
/// no prompt (`echo TOKEN | tend login URL`). Surrounding whitespace is
/// dropped; an empty token is an error.
pub fn read_token_from_terminal(prompt: &str) -> io::Result<Token> {
    let raw = if io::stdin().is_terminal() {
        rpassword::prompt_password(prompt)?
    } else {
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        line
    };
    match raw.trim() {
        "" => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no token was given",
        )),
        token => Ok(Token::new(token)),
    }
}

/// Reads a token file: refused when group or others have any permission on
/// it, when it is empty, or when it holds more than one line.
pub fn read_token_file(path: &Path) -> Result<Token, CredError> {
    let bad = |why: String| CredError::BadTokenFile {
        path: path.to_path_buf(),
        why,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    if !meta.is_file() {
        return Err(bad("it is not a regular file".into()));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(bad(format!(
            "its mode is {mode:04o}, which lets other users read or change it; \
             the token file must be for its owner only: run `chmod 600 {}`",
            path.display()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read it: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("it is not UTF-8 text".into()))?;
    match text.trim() {
        "" => Err(bad("it is empty; put the token in it".into())),
        token if token.contains(['\n', '\r']) => Err(bad(
            "it holds more than one line; put the token alone in it".into(),
        )),
        token => Ok(Token::new(token)),
    }
}

/// The keyring user name for a server: its URL without surrounding
/// whitespace or trailing slashes.
fn account(url: &str) -> Result<&str, CredError> {
    match url.trim().trim_end_matches('/') {
        "" => Err(CredError::Keyring("the server URL is empty".into())),
        account => Ok(account),
    }
}

fn load_from(
    stores: &[Store],
    url: &str,
    token_file: Option<&Path>,
    env: Option<String>,
) -> Result<Option<(Token, Source)>, CredError> {
    if let Some(value) = env {
        let value = value.trim();
        if !value.is_empty() {
            return Ok(Some((Token::new(value), Source::Env)));
        }
    }
    if let Some(path) = token_file {
        let token = read_token_file(path)?;
        return Ok(Some((token, Source::File(path.to_path_buf()))));
    }
    let user = account(url)?;
    for &store in stores {
        match store.run(user, |entry| entry.get_password()) {
            Ok(token) => return Ok(Some((Token::new(token), Source::Keyring(store.name())))),
            Err(Failure::NotFound | Failure::Unusable(_)) => {}
            Err(Failure::Refused(why)) => return Err(CredError::Keyring(why)),
        }
    }
    Ok(None)
}

fn store_in(stores: &[Store], url: &str, token: &Token) -> Result<Source, CredError> {
    let user = account(url)?;
    if token.expose().trim().is_empty() {
        return Err(CredError::Keyring("refusing to save an empty token".into()));
    }
    let mut tried = Vec::new();
    for (i, &store) in stores.iter().enumerate() {
        let value = token.expose().to_owned();
        match store.run(user, move |entry| entry.set_password(&value)) {
            Ok(()) => {
                for &later in &stores[i + 1..] {
                    // A copy left in a later store would be stale; it is only
                    // removed if that store answers.
                    let _ = later.run(user, |entry| entry.delete_credential());
                }
                return Ok(Source::Keyring(store.name()));
            }
            Err(Failure::Unusable(why)) => tried.push(format!("{}: {why}", store.name())),
            Err(Failure::NotFound) => {
                tried.push(format!("{}: it refused to save the entry", store.name()))
            }
            Err(Failure::Refused(why)) => return Err(CredError::Keyring(why)),
        }
    }
    Err(CredError::NoKeyring {
        tried: tried.join("; "),
    })
}

fn delete_in(stores: &[Store], url: &str) -> Result<bool, CredError> {
    let user = account(url)?;
    let mut removed = false;
    let mut tried = Vec::new();
    for &store in stores {
        match store.run(user, delete_every_match) {
            Ok(()) => removed = true,
            Err(Failure::NotFound) => {}
            Err(Failure::Unusable(why)) => tried.push(format!("{}: {why}", store.name())),
            Err(Failure::Refused(why)) => return Err(CredError::Keyring(why)),
        }
    }
    if !stores.is_empty() && tried.len() == stores.len() {
        return Err(CredError::NoKeyring {
            tried: tried.join("; "),
        });
    }
    Ok(removed)
}

/// Deletes the entry, or every item that matches it when the store holds
/// several.
fn delete_every_match(entry: &Entry) -> keyring::Result<()> {
    match entry.delete_credential() {
        Err(keyring::Error::Ambiguous(credentials)) => {
            for credential in credentials {
                Entry::new_with_credential(credential).delete_credential()?;
            }
            Ok(())
        }
        other => other,
    }
}

/// Why a keyring operation did not succeed.
#[derive(Debug)]
enum Failure {
    /// The store answered: there is no such entry.
    NotFound,
    /// The store cannot be used here: no bus, no service, locked, timed out.
    Unusable(String),
    /// The store answered and refused.
    Refused(String),
}

/// One keyring store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    SecretService,
    Keyutils,
}

impl Store {
    /// The stores in the order they are tried.
    const ALL: [Store; 2] = [Store::SecretService, Store::Keyutils];

    fn name(self) -> &'static str {
        match self {
            Store::SecretService => SECRET_SERVICE,
            Store::Keyutils => KEYUTILS,
        }
    }

    fn entry(self, user: &str) -> keyring::Result<Entry> {
        let credential: Box<keyring::Credential> = match self {
            Store::SecretService => Box::new(SsCredential::new_with_target(None, SERVICE, user)?),
            Store::Keyutils => {
                // On a thread without a session keyring of its own (containers,
                // cron, services), the first call reads the user's default
                // session keyring and then, while linking the persistent
                // keyring, makes a new session keyring: the credential it
                // returns points at a keyring the thread has left, and saving
                // fails. The second call sees the new session keyring.
                KeyutilsCredential::new_with_target(None, SERVICE, user)?;
                Box::new(KeyutilsCredential::new_with_target(None, SERVICE, user)?)
            }
        };
        Ok(Entry::new_with_credential(credential))
    }

    /// Runs `op` on this store's entry for `user`: Secret Service calls on a
    /// thread of their own, bounded by [`SECRET_SERVICE_TIMEOUT`].
    fn run<T, F>(self, user: &str, op: F) -> Result<T, Failure>
    where
        T: Send + 'static,
        F: FnOnce(&Entry) -> keyring::Result<T> + Send + 'static,
    {
        let result = match self {
            Store::Keyutils => self.entry(user).and_then(|entry| op(&entry)),
            Store::SecretService => {
                let user = user.to_owned();
                let (tx, rx) = mpsc::sync_channel(1);
                thread::Builder::new()
                    .name("tend-secret-service".into())
                    .spawn(move || {
                        let _ = tx.send(self.entry(&user).and_then(|entry| op(&entry)));
                    })
                    .map_err(|e| Failure::Unusable(format!("cannot start a thread: {e}")))?;
                match rx.recv_timeout(SECRET_SERVICE_TIMEOUT) {
                    Ok(result) => result,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        return Err(Failure::Unusable(format!(
                            "no answer within {} s",
                            SECRET_SERVICE_TIMEOUT.as_secs()
                        )));
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        return Err(Failure::Unusable("the DBus client failed".into()));
                    }
                }
            }
        };
        result.map_err(|e| classify(self, e))
    }
}

/// Sorts a keyring error. The message never holds a secret: a badly encoded
/// secret's bytes are dropped.
fn classify(store: Store, error: keyring::Error) -> Failure {
    use keyring::Error as E;
    match error {
        E::NoEntry => Failure::NotFound,
        E::PlatformFailure(e) | E::NoStorageAccess(e) => Failure::Unusable(e.to_string()),
        E::BadEncoding(_) => Failure::Refused(format!(
            "the token saved in the {} keyring is not UTF-8 text",
            store.name()
        )),
        E::Ambiguous(items) => Failure::Refused(format!(
            "the {} keyring holds {} entries for this server; log out of it to remove them",
            store.name(),
            items.len()
        )),
        other => Failure::Refused(format!("{}: {other}", store.name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::time::Instant;

    fn token_file(content: &str, mode: u32) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(content.as_bytes()).unwrap();
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(mode)).unwrap();
        file
    }

    #[test]
    fn token_file_with_mode_0600_is_read_and_trimmed() {
        let file = token_file("  s3cret-value \n\n", 0o600);
        let token = read_token_file(file.path()).unwrap();
        assert_eq!(token.expose(), "s3cret-value");
    }

    #[test]
    fn token_file_with_mode_0400_is_read() {
        let file = token_file("s3cret-value", 0o400);
        assert_eq!(
            read_token_file(file.path()).unwrap().expose(),
            "s3cret-value"
        );
    }

    #[test]
    fn token_file_with_mode_0644_is_refused_with_the_fix() {
        let file = token_file("s3cret-value\n", 0o644);
        let err = read_token_file(file.path()).unwrap_err();
        let message = err.to_string();
        let path = file.path().display().to_string();
        assert!(matches!(err, CredError::BadTokenFile { .. }), "{message}");
        assert!(message.contains(&path), "{message}");
        assert!(message.contains("0644"), "{message}");
        assert!(message.contains(&format!("chmod 600 {path}")), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
    }

    #[test]
    fn token_file_readable_by_group_only_is_refused() {
        let file = token_file("s3cret-value", 0o640);
        let message = read_token_file(file.path()).unwrap_err().to_string();
        assert!(message.contains("0640"), "{message}");
    }

    #[test]
    fn empty_token_file_is_refused() {
        for content in ["", " \n\t\n"] {
            let file = token_file(content, 0o600);
            let err = read_token_file(file.path()).unwrap_err();
            assert!(matches!(err, CredError::BadTokenFile { .. }));
            assert!(err.to_string().contains("empty"), "{err}");
        }
    }

    #[test]
    fn token_file_with_two_lines_is_refused() {
        let file = token_file("one\ntwo\n", 0o600);
        let message = read_token_file(file.path()).unwrap_err().to_string();
        assert!(message.contains("more than one line"), "{message}");
        assert!(!message.contains("one\ntwo"), "{message}");
    }

    #[test]
    fn missing_token_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent");
        let message = read_token_file(&path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
    }

    #[test]
    fn env_comes_before_the_token_file() {
        let file = token_file("from-file", 0o600);
        let (token, source) = load_from(
            &[],
            "https://team.example",
            Some(file.path()),
            Some(" from-env\n".into()),
        )
        .unwrap()
        .unwrap();
        assert_eq!(token.expose(), "from-env");
        assert_eq!(source, Source::Env);
    }

    #[test]
    fn empty_env_falls_through_to_the_token_file() {
        let file = token_file("from-file\n", 0o600);
        for env in [None, Some(String::new()), Some("  ".into())] {
            let (token, source) = load_from(&[], "https://team.example", Some(file.path()), env)
                .unwrap()
                .unwrap();
            assert_eq!(token.expose(), "from-file");
            assert_eq!(source, Source::File(file.path().to_path_buf()));
        }
    }

    #[test]
    fn bad_token_file_is_an_error_not_a_fall_through() {
        let file = token_file("from-file", 0o644);
        let err = load_from(&[], "https://team.example", Some(file.path()), None).unwrap_err();
        assert!(matches!(err, CredError::BadTokenFile { .. }));
    }

    #[test]
    fn nothing_anywhere_is_none() {
        assert!(
            load_from(&[], "https://team.example", None, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn token_never_prints_its_value() {
        let token = Token::new("s3cret-value");
        assert_eq!(format!("{token}"), "Token(****)");
        assert_eq!(format!("{token:?}"), "Token(****)");
        assert_eq!(format!("{:?}", Some(&token)), "Some(Token(****))");
        assert_eq!(token.expose(), "s3cret-value");
    }

    #[test]
    fn no_keyring_message_offers_both_fallbacks() {
        let message = CredError::NoKeyring {
            tried: "Secret Service: no bus".into(),
        }
        .to_string();
        assert!(message.contains("no usable keyring was found on this machine"));
        assert!(message.contains("Secret Service: no bus"));
        assert!(message.contains("set TEND_TOKEN"));
        assert!(message.contains("mode 0600"));
        assert!(message.contains("`[remote] token_file`"));
        assert!(message.contains("--token-file"));
    }

    #[test]
    fn account_drops_trailing_slashes() {
        assert_eq!(
            account(" https://team.example/// ").unwrap(),
            "https://team.example"
        );
        assert!(account(" / ").is_err());
    }

    #[test]
    fn source_names_the_store_and_keyutils_says_it_is_lost_at_reboot() {
        assert_eq!(
            Source::Keyring(SECRET_SERVICE).to_string(),
            "the Secret Service keyring"
        );
        assert!(
            Source::Keyring(KEYUTILS)
                .to_string()
                .contains("lost at reboot")
        );
        assert!(Source::File("/tmp/t".into()).to_string().contains("/tmp/t"));
    }

    /// Keyutils may keep finding an invalidated key for a few milliseconds in
    /// the process that invalidated it.
    fn eventually_gone(url: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match load_from(&[Store::Keyutils], url, None, None) {
                Ok(None) => return true,
                _ if Instant::now() > deadline => return false,
                _ => thread::sleep(Duration::from_millis(20)),
            }
        }
    }

    #[test]
    fn keyutils_round_trip() {
        let url = format!(
            "https://tend-test.invalid/{}-{}/",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        // Checked on another thread: this one must reach `store_in` with its
        // session keyring as it was.
        let probe = url.clone();
        let available = thread::spawn(move || Store::Keyutils.entry(&probe).map(drop))
            .join()
            .unwrap();
        if let Err(e) = available {
            match classify(Store::Keyutils, e) {
                Failure::Unusable(why) => {
                    println!("skipped: the kernel keyutils store is unavailable here: {why}");
                    return;
                }
                other => panic!("keyutils entry: {other:?}"),
            }
        }
        let stores = [Store::Keyutils];
        let token = Token::new("round-trip-value");
        let source = store_in(&stores, &url, &token).unwrap();
        assert_eq!(source, Source::Keyring(KEYUTILS));

        let (found, source) = load_from(&stores, &url, None, None).unwrap().unwrap();
        assert_eq!(found, token);
        assert_eq!(source, Source::Keyring(KEYUTILS));
        // The trailing slash is not part of the entry's name.
        let bare = url.trim_end_matches('/');
        assert!(load_from(&stores, bare, None, None).unwrap().is_some());

        let replaced = Token::new("second-value");
        store_in(&stores, bare, &replaced).unwrap();
        let (found, _) = load_from(&stores, &url, None, None).unwrap().unwrap();
        assert_eq!(found, replaced);

        assert!(delete_in(&stores, &url).unwrap());
        assert!(eventually_gone(&url), "the key is still found after delete");
        assert!(!delete_in(&stores, &url).unwrap());
    }

    #[test]
    fn empty_token_is_not_saved() {
        let err =
            store_in(&[Store::Keyutils], "https://team.example", &Token::new(" ")).unwrap_err();
        assert!(matches!(err, CredError::Keyring(_)));
    }

    #[test]
    fn no_store_at_all_is_no_keyring() {
        let err = store_in(&[], "https://team.example", &Token::new("x")).unwrap_err();
        assert!(matches!(err, CredError::NoKeyring { .. }));
        assert!(!delete_in(&[], "https://team.example").unwrap());
    }
}
