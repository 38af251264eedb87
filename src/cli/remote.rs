//! `tend serve` (and its tokens), `tend login`, `tend logout`, and opening the
//! backend the flags and settings ask for: the local store or a team server.

use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::output::{Format, Table, minute, print};
use super::ssh;
use super::{Cli, Failure, store_options};
use crate::api::Role;
use crate::backend::{self, Backend};
use crate::config::Settings;
use crate::credentials::{self, CredError};
use crate::domain::Id;
use crate::remote::{ClientOptions, Remote, normalize_url};
use crate::sqlite::Store;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on (default: the config's server.listen, 127.0.0.1:7070).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Also serve the app over SSH on this address, e.g. 127.0.0.1:2222 (default:
    /// the config's server.ssh_listen; none: no SSH). Keys: tend serve key add.
    #[arg(long, value_name = "ADDR")]
    pub ssh: Option<String>,
    /// Keep the store in this PostgreSQL database, postgres://USER@HOST:PORT/DB
    /// (password in PGPASSWORD; default: the config's server.store, else the
    /// store file). Several servers over one database share it.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    #[command(subcommand)]
    pub command: Option<ServeCommand>,
}

/// The store a server serves: the PostgreSQL database `--store` or the
/// config's `[server] store` names, else the store file.
pub(super) fn server_store(
    cli: &Cli,
    settings: &Settings,
    store: Option<&str>,
    options: crate::sqlite::Options,
) -> Result<Store, Failure> {
    let configured = settings
        .server
        .store
        .as_deref()
        .filter(|u| !u.trim().is_empty());
    // A password in the config would sit in a file that is copied and shared.
    if store.is_none()
        && let Some(url) = configured
        && backend::postgres::redact_url(url) != url
        && backend::postgres::is_postgres_url(url)
    {
        return Err(Failure::usage(format!(
            "the config's [server] store holds a password ({}): remove it and set PGPASSWORD \
             in the server's environment",
            backend::postgres::redact_url(url)
        )));
    }
    let url = store.or(configured).filter(|u| !u.trim().is_empty());
    let Some(url) = url else {
        return Ok(Store::open_with(
            settings.store_path(cli.db.as_deref()),
            options,
        )?);
    };
    if !backend::postgres::is_postgres_url(url) {
        return Err(Failure::usage(format!(
            "the server's store must be a postgres:// URL, not {}",
            backend::postgres::redact_url(url)
        )));
    }
    if cli.db.is_some() {
        return Err(Failure::usage(
            "--db names a store file and --store a PostgreSQL database: give one",
        ));
    }
    let connections = settings.server.store_connections.max(1);
    Ok(Store::open_postgres(url, connections, options)?)
}

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// API tokens of this server's store: create, list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// SSH public keys of the app over SSH (--ssh): add, list, revoke.
    #[command(subcommand)]
    Key(KeyCommand),
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Registers an OpenSSH public key (a .pub file, or - for standard input)
    /// for a user and role; prints its SHA256 fingerprint.
    Add {
        /// The user the key signs in as (the change log records it).
        #[arg(long)]
        user: String,
        /// admin (everything), csm (writes the accounts it owns or is on the team of), viewer (reads).
        #[arg(long, value_parser = super::parse_named::<Role>)]
        role: Role,
        /// The public key file (id_ed25519.pub), or - to read it from standard input.
        file: String,
    },
    /// Lists the keys, revoked ones included.
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Revokes a key: it is refused from then on, and its open sessions end
    /// within a few seconds.
    Revoke { id: Id },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Creates a token and prints it once (only its hash is kept).
    Create {
        /// admin (everything), csm (writes the accounts it owns or is on the team of), viewer (reads).
        #[arg(long, value_parser = super::parse_named::<Role>)]
        role: Role,
        /// The user the token acts as (the change log records it).
        #[arg(long)]
        user: String,
    },
    /// Lists the tokens (never the tokens themselves).
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Revokes a token: requests with it are refused from then on.
    Revoke { id: Id },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The team server's URL, e.g. http://127.0.0.1:7070 (with --ai: the
    /// language model's endpoint, e.g. https://api.example.com/v1).
    pub url: String,
    /// Keep a language model's API key (read without echo) instead of a server
    /// token: the [ai] endpoint it is for is URL.
    #[arg(long, conflicts_with = "smtp")]
    pub ai: bool,
    /// Keep the SMTP password (read without echo) of the server URL (its host
    /// name, as in [smtp] host).
    #[arg(long)]
    pub smtp: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The server to forget (default: the config's remote.url, or --remote).
    pub url: Option<String>,
    /// Forget a language model's API key (URL: its endpoint, default the
    /// config's [ai] endpoint).
    #[arg(long, conflicts_with = "smtp")]
    pub ai: bool,
    /// Forget the SMTP password (URL: the host, default the config's [smtp] host).
    #[arg(long)]
    pub smtp: bool,
}

/// The team server the flags or settings name, if any.
pub fn remote_url(cli: &Cli, settings: &Settings) -> Option<String> {
    cli.remote
        .clone()
        .or_else(|| settings.remote.url.clone())
        .filter(|u| !u.trim().is_empty())
}

fn client_options(settings: &Settings) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(settings.remote.timeout_secs.max(1)),
        ..ClientOptions::default()
    }
}

/// The remote backend of `url`, with the token from TEND_TOKEN, the token file or the keyring.
pub fn open_remote(cli: &Cli, settings: &Settings, url: &str) -> Result<Remote, Failure> {
    let url = normalize_url(url).map_err(|e| Failure::usage(e.to_string()))?;
    let file = cli
        .token_file
        .as_deref()
        .or(settings.remote.token_file.as_deref());
    let token = match credentials::load(&url, file) {
        Ok(Some((token, source))) => {
            tracing::info!("using the token for {url} from {source}");
            token
        }
        Ok(None) => {
            return Err(Failure::usage(format!(
                "no token for {url}: run tend login {url} (or set TEND_TOKEN, or [remote] token_file)"
            )));
        }
        Err(e) => return Err(Failure::usage(e.to_string())),
    };
    Remote::new(
        &url,
        Some(token.expose().to_string()),
        client_options(settings),
    )
    .map_err(Failure::from)
}

/// The backend every non-interactive command uses: a team server when one is
/// named, else the local store (or the demo).
pub fn open_backend(cli: &Cli, settings: &Settings) -> Result<Arc<dyn Backend>, Failure> {
    match remote_url(cli, settings) {
        Some(url) => {
            if cli.demo || cli.db.is_some() {
                return Err(Failure::usage(
                    "--remote uses a team server: leave out --demo and --db",
                ));
            }
            Ok(Arc::new(open_remote(cli, settings, &url)?))
        }
        None => Ok(Arc::new(super::open_store(cli, settings)?)),
    }
}

/// The app's settings over a server: the token's user, and why the app is
/// read-only when the token is a viewer's. A server that is down now is not
/// fatal (the app opens with its offline banner); a rejected token is.
pub async fn app_settings(
    remote: &Remote,
    mut settings: Settings,
    url: &str,
) -> Result<(Settings, Option<String>), Failure> {
    // At most a moment: a server that does not answer must not hold up the first
    // frame (the app then says it is offline and keeps trying). Both are asked at
    // once, so the wait is one moment, not two.
    let (me, rules) = tokio::join!(
        tokio::time::timeout(Duration::from_millis(1500), remote.me()),
        tokio::time::timeout(Duration::from_millis(1500), remote.account_rules()),
    );
    let me = me.unwrap_or_else(|_| {
        Err(backend::Error::Unavailable {
            message: format!("{url} did not answer in time"),
        })
    });
    let mut viewer = None;
    match me {
        Ok(me) => {
            if me.role == Role::Viewer {
                viewer = Some(format!(
                    "read-only: {} is a viewer on {url} (viewers read only)",
                    me.user
                ));
            }
            settings.user.name = Some(me.user);
        }
        Err(e @ backend::Error::Unauthorized { .. }) => return Err(e.into()),
        Err(e) => tracing::warn!("{e}"),
    }
    // The server's custom fields and churn reasons are the ones its writes are
    // held to; without an answer, the config's stand in.
    match rules {
        Ok(Ok(rules)) => settings.given_rules = Some(rules),
        Ok(Err(e)) => tracing::warn!("{e}"),
        Err(_) => tracing::warn!("{url} did not say its custom fields in time"),
    }
    Ok((settings, viewer))
}

/// `tend serve`: the team server over the configured store (or the demo), until
/// Ctrl-C or SIGTERM.
pub async fn serve(cli: &Cli, settings: &Settings, args: &ServeArgs) -> Result<(), Failure> {
    if cli.remote.is_some() {
        return Err(Failure::usage(
            "tend serve serves a local store: leave out --remote",
        ));
    }
    if let Some(ServeCommand::Token(cmd)) = &args.command {
        if cli.demo {
            return Err(Failure::usage(
                "the demo server's store lives as long as the server: it prints its admin token when it starts",
            ));
        }
        return token(cli, settings, args.store.as_deref(), cmd);
    }
    if let Some(ServeCommand::Key(cmd)) = &args.command {
        if cli.demo {
            return Err(Failure::usage(
                "the demo server's store lives as long as the server: register keys with --db",
            ));
        }
        return ssh::key(cli, settings, args.store.as_deref(), cmd);
    }
    let options = super::store_options_for(settings, cli.demo)?;
    let store = if cli.demo {
        Store::demo(options)?
    } else {
        server_store(cli, settings, args.store.as_deref(), options)?
    };
    let listen = args.listen.as_deref().unwrap_or(&settings.server.listen);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| Failure::error(format!("cannot listen on {listen}: {e}")))?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let ssh_listen = args
        .ssh
        .clone()
        .or_else(|| settings.server.ssh_listen.clone())
        .filter(|a| !a.trim().is_empty());
    eprintln!(
        "tend serving {} at {url}/api/v1 (OpenAPI: {url}/api/v1/openapi.json); Ctrl-C stops",
        if cli.demo {
            "the demo store".to_string()
        } else {
            store.location().to_string()
        }
    );
    if cli.demo {
        let (token, _) = store.create_token(&settings.user_name(), Role::Admin)?;
        eprintln!(
            "demo admin token (shown once): {token}\n  connect: TEND_TOKEN=... tend --remote {url}"
        );
    } else if store.tokens()?.iter().all(|t| t.revoked_at.is_some()) {
        eprintln!(
            "no live API token yet: create one with tend serve token create --role admin --user NAME{}",
            if ssh_listen.is_some() {
                " (the app over SSH needs none: its users sign in with their keys)"
            } else {
                ""
            }
        );
    }
    if !addr.ip().is_loopback() {
        eprintln!(
            "listening beyond this machine: tokens travel in clear over plain HTTP; put TLS in front (a reverse proxy)"
        );
    }
    tracing::info!("serving on {url}");
    let Some(ssh_listen) = ssh_listen else {
        crate::server::serve(
            listener,
            store,
            &settings.server.limits(),
            crate::server::shutdown_signal(),
        )
        .await
        .map_err(|e| Failure::error(format!("the server stopped: {e}")))?;
        eprintln!("tend server stopped");
        return Ok(());
    };
    ssh::serve(settings, store, listener, &ssh_listen).await?;
    eprintln!("tend server stopped");
    Ok(())
}

fn token(
    cli: &Cli,
    settings: &Settings,
    store: Option<&str>,
    cmd: &TokenCommand,
) -> Result<(), Failure> {
    let store = server_store(cli, settings, store, store_options(settings)?)?;
    match cmd {
        TokenCommand::Create { role, user } => {
            let (token, info) = store.create_token(user, *role)?;
            eprintln!(
                "token {} for {} ({}); it is shown once, keep it now:",
                info.id, info.user, info.role
            );
            println!("{token}");
            Ok(())
        }
        TokenCommand::List { format } => {
            let tokens = store.tokens()?;
            print(*format, &tokens, || Table {
                header: vec!["ID", "USER", "ROLE", "CREATED", "REVOKED"],
                rows: tokens
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.to_string(),
                            t.user.clone(),
                            t.role.to_string(),
                            minute(&t.created_at),
                            t.revoked_at.as_ref().map_or_else(|| "-".into(), minute),
                        ]
                    })
                    .collect(),
            })?;
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            if store.revoke_token(*id)? {
                eprintln!("revoked token {id}");
                Ok(())
            } else {
                Err(Failure::usage(format!(
                    "no live token {id} (tend serve token list shows them)"
                )))
            }
        }
    }
}

/// `tend login URL`: reads the token without echo, checks it with the server, keeps
/// it in the OS keyring.
pub async fn login(settings: &Settings, args: &LoginArgs) -> Result<(), Failure> {
    if args.smtp {
        let host = args.url.trim();
        if host.is_empty() || host.contains('/') {
            return Err(Failure::usage(
                "tend login --smtp HOST takes the SMTP server's host name, as in [smtp] host",
            ));
        }
        let password =
            credentials::read_token_from_terminal(&format!("SMTP password for {host}: "))
                .map_err(|e| Failure::error(format!("cannot read the password: {e}")))?;
        let source = credentials::store(&credentials::smtp_entry(host), &password)
            .map_err(|e| Failure::error(format!("cannot keep the password: {e}")))?;
        eprintln!("the SMTP password for {host} is kept in {source}");
        return Ok(());
    }
    let url = normalize_url(&args.url).map_err(|e| Failure::usage(e.to_string()))?;
    if args.ai {
        let key = credentials::read_token_from_terminal(&format!("API key for {url}: "))
            .map_err(|e| Failure::error(format!("cannot read the key: {e}")))?;
        let source = credentials::store(&credentials::ai_entry(&url), &key)
            .map_err(|e| Failure::error(format!("cannot keep the key: {e}")))?;
        eprintln!("the API key for the language model at {url} is kept in {source}");
        return Ok(());
    }
    let token = credentials::read_token_from_terminal(&format!("token for {url}: "))
        .map_err(|e| Failure::error(format!("cannot read the token: {e}")))?;
    if token.expose().is_empty() {
        return Err(Failure::usage("no token given"));
    }
    let remote = Remote::new(
        &url,
        Some(token.expose().to_string()),
        client_options(settings),
    )?;
    let me = match remote.me().await {
        Ok(me) => me,
        Err(backend::Error::Unauthorized { .. }) => {
            return Err(Failure::usage(format!(
                "token rejected by {url}: check it (tend serve token list on the server)"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let source = credentials::store(&url, &token).map_err(|e| match e {
        CredError::NoKeyring { .. } => Failure::error(e.to_string()),
        e => Failure::error(format!("cannot keep the token: {e}")),
    })?;
    eprintln!(
        "logged in to {url} as {} ({}); the token is kept in {source}",
        me.user, me.role
    );
    Ok(())
}

/// `tend logout [URL]`: forgets the token kept for the server.
pub fn logout(cli: &Cli, settings: &Settings, args: &LogoutArgs) -> Result<(), Failure> {
    if args.smtp {
        let Some(host) = args
            .url
            .clone()
            .or_else(|| Some(settings.smtp.host.clone()).filter(|h| !h.trim().is_empty()))
        else {
            return Err(Failure::usage(
                "which server? tend logout --smtp HOST (or set [smtp] host)",
            ));
        };
        return match credentials::delete(&credentials::smtp_entry(&host)) {
            Ok(true) => {
                eprintln!("the SMTP password for {host} is gone from the keyring");
                Ok(())
            }
            Ok(false) => {
                eprintln!("no SMTP password for {host} in the keyring");
                Ok(())
            }
            Err(e) => Err(Failure::error(e.to_string())),
        };
    }
    if args.ai {
        let Some(url) = args.url.clone().or_else(|| {
            settings
                .ai
                .configured()
                .then(|| settings.ai.endpoint.clone())
        }) else {
            return Err(Failure::usage(
                "which endpoint? tend logout --ai URL (or set [ai] endpoint)",
            ));
        };
        let entry = credentials::ai_entry(&url);
        return match credentials::delete(&entry) {
            Ok(true) => {
                eprintln!("the API key for {url} is gone from the keyring");
                Ok(())
            }
            Ok(false) => {
                eprintln!("no API key for {url} in the keyring");
                Ok(())
            }
            Err(e) => Err(Failure::error(e.to_string())),
        };
    }
    let Some(url) = args.url.clone().or_else(|| remote_url(cli, settings)) else {
        return Err(Failure::usage(
            "which server? tend logout URL (or set [remote] url)",
        ));
    };
    let url = normalize_url(&url).map_err(|e| Failure::usage(e.to_string()))?;
    match credentials::delete(&url) {
        Ok(true) => {
            eprintln!("logged out of {url}: its token is gone from the keyring");
            Ok(())
        }
        Ok(false) => {
            eprintln!("no token for {url} in the keyring");
            Ok(())
        }
        Err(e) => Err(Failure::error(e.to_string())),
    }
}
