//! `tend serve --ssh` and `tend serve key`: the app over SSH. The SSH side
//! (crates/server/src/ssh) authenticates the key and runs the session; this file
//! gives it the launcher that runs the app of a session: what any role may read
//! is read from the store in place, every write goes through this process's own
//! HTTP API with the session's token, so a session is held to its role by the
//! same checks, rate limits and change log as any API client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::output::{Table, minute, print};
use super::remote::KeyCommand;
use super::{Cli, Failure, store_options};
use crate::api::Role;
use crate::backend::Backend;
use crate::config::Settings;
use crate::remote::{ClientOptions, Remote};
use crate::server::ssh::{Input, Launch, Launcher, SessionBackend};
use crate::sqlite::Store;
use crate::tui::input::{ESC_WAIT, InputParser};

/// Events parsed from a session's input waiting for the app.
const EVENT_QUEUE: usize = 256;

/// What a csm's session opens the portfolio on: their own accounts.
const CSM_START: &str = "@followed";

/// Serves the API on `listener` and the app over SSH on `ssh_listen`, over the
/// one store, until Ctrl-C or SIGTERM.
pub async fn serve(
    settings: &Settings,
    store: Store,
    listener: tokio::net::TcpListener,
    ssh_listen: &str,
) -> Result<(), Failure> {
    let ssh_options = settings
        .server
        .ssh_options()
        .map_err(|e| Failure::usage(e.to_string()))?;
    let ssh_listener = tokio::net::TcpListener::bind(ssh_listen)
        .await
        .map_err(|e| Failure::error(format!("cannot listen for SSH on {ssh_listen}: {e}")))?;
    let ssh_addr = ssh_listener.local_addr()?;
    // Beside the store file; a PostgreSQL store's servers keep theirs in the
    // data directory (copy one key to every replica behind one address).
    let key_path = crate::server::ssh::host_key_path(
        &store
            .path()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(crate::config::default_store_path),
    );
    let (host_key, fingerprint) =
        crate::server::ssh::host_key(&key_path).map_err(Failure::error)?;
    eprintln!(
        "tend serving the app over SSH at {ssh_addr} (host key {fingerprint}, kept in {}); connect: ssh -p {} USER@HOST",
        key_path.display(),
        ssh_addr.port()
    );
    match store.ssh_keys() {
        Ok(keys) if keys.iter().all(|k| k.revoked_at.is_some()) => eprintln!(
            "no live SSH key yet: register one with tend serve key add --user NAME --role csm ~/.ssh/id_ed25519.pub"
        ),
        Ok(_) => {}
        Err(e) => return Err(e.into()),
    }
    tracing::info!(%ssh_addr, fingerprint, "serving the app over SSH");
    // The sessions call the API on loopback, whatever address it listens on.
    let api = loopback(listener.local_addr()?);
    let tokens = crate::server::auth::SessionTokens::default();
    let launcher = launcher(settings.clone(), format!("http://{api}"), store.clone());
    let limits = settings.server.limits();
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        crate::server::shutdown_signal().await;
        stop_tx.send_replace(true);
    });
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let (http, ssh) = tokio::join!(
        crate::server::serve_with(
            listener,
            store.clone(),
            &limits,
            tokens.clone(),
            stopped(stop_rx.clone()),
        ),
        crate::server::ssh::serve(
            ssh_listener,
            store,
            tokens,
            host_key,
            ssh_options,
            launcher,
            stopped(stop_rx),
        ),
    );
    http.map_err(|e| Failure::error(format!("the server stopped: {e}")))?;
    ssh.map_err(|e| Failure::error(format!("the SSH server stopped: {e}")))?;
    Ok(())
}

/// The address to reach a listener at from this machine.
fn loopback(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::from(([127, 0, 0, 1], addr.port()))
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

/// The launcher of the sessions' apps: reads from `store`, the rest through the
/// API at `api`.
pub fn launcher(settings: Settings, api: String, store: Store) -> Launcher {
    let settings = Arc::new(settings);
    Arc::new(move |launch: Launch| {
        let (settings, api, store) = (settings.clone(), api.clone(), store.clone());
        Box::pin(async move { session(&settings, &api, store, launch).await })
    })
}

/// Runs the app of one session until it ends.
async fn session(
    settings: &Settings,
    api: &str,
    store: Store,
    launch: Launch,
) -> Result<(), String> {
    let remote = Remote::new(
        api,
        Some(launch.token.clone()),
        ClientOptions {
            timeout: Duration::from_secs(settings.remote.timeout_secs.max(1)),
            ..ClientOptions::default()
        },
    )
    .map_err(|e| format!("cannot reach this server's API at {api}: {e}"))?;
    let mut settings = settings.clone();
    settings.user.name = Some(launch.user.clone());
    // The custom fields and churn reasons the server holds writes to.
    match tokio::time::timeout(Duration::from_secs(2), remote.account_rules()).await {
        Ok(Ok(rules)) => settings.given_rules = Some(rules),
        Ok(Err(e)) => tracing::warn!("ssh session of {}: {e}", launch.user),
        Err(_) => tracing::warn!(
            "ssh session of {}: the custom fields took too long",
            launch.user
        ),
    }
    let mut options = settings
        .tui_options()
        .map_err(|e| format!("the server's config: {e}"))?;
    // The session's files and schedule are the server's business, not the app's:
    // no local files (the client's machine is not this one), no scheduler rounds
    // (the server runs them), no views file to write.
    options.views_file = None;
    options.local_files = false;
    options.scheduler = false;
    options.files_cache = None;
    options.no_color = launch.term == "dumb" || options.no_color;
    // A csm opens on the accounts they own or are on the team of, unless the
    // server's config names another start (`[portfolio] filter`, "" for all).
    if launch.role == Role::Csm && settings.portfolio.filter.is_none() {
        options.portfolio_filter = Some(CSM_START.into());
    }
    if launch.role == Role::Viewer {
        options.read_only = true;
        options.read_only_why = Some(format!(
            "read-only: {} is a viewer (viewers read only)",
            launch.user
        ));
    }
    let Launch {
        user: launch_user,
        role: launch_role,
        output,
        size,
        input,
        end,
        ..
    } = launch;
    let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
    let parsing = tokio::spawn(parse_input(input, events_tx));
    let caller = crate::server::auth::Caller {
        user: launch_user,
        role: launch_role,
    };
    let backend = SessionBackend::new(store, Arc::new(remote), caller);
    let opening: crate::tui::run::Opening =
        Box::pin(async move { Ok(Arc::new(backend) as Arc<dyn Backend>) });
    let ended = crate::tui::run_session(
        crate::tui::Session {
            output,
            size,
            events,
            end,
        },
        opening,
        options,
        Arc::new(chrono::Utc::now),
    )
    .await;
    parsing.abort();
    ended.map(|_| ()).map_err(|e| e.to_string())
}

/// Turns the client's bytes into the app's events: a lone Esc is the Esc key
/// once nothing follows it within ESC_WAIT (else it starts Alt+key or a sequence).
async fn parse_input(
    mut input: mpsc::Receiver<Input>,
    events: mpsc::Sender<crossterm::event::Event>,
) {
    let mut parser = InputParser::new();
    loop {
        let next = if parser.pending() {
            match tokio::time::timeout(ESC_WAIT, input.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    for e in parser.flush() {
                        if events.send(e).await.is_err() {
                            return;
                        }
                    }
                    continue;
                }
            }
        } else {
            input.recv().await
        };
        let parsed = match next {
            Some(Input::Bytes(bytes)) => parser.feed(&bytes),
            Some(Input::Resize(cols, rows)) => vec![crossterm::event::Event::Resize(cols, rows)],
            // The client went: dropping the sender ends the app.
            None => return,
        };
        for e in parsed {
            if events.send(e).await.is_err() {
                return;
            }
        }
    }
}

/// `tend serve key add|list|revoke`.
pub fn key(
    cli: &Cli,
    settings: &Settings,
    store: Option<&str>,
    cmd: &KeyCommand,
) -> Result<(), Failure> {
    let store = super::remote::server_store(cli, settings, store, store_options(settings)?)?;
    match cmd {
        KeyCommand::Add { user, role, file } => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin()).map_err(|e| {
                    Failure::error(format!("cannot read the key from standard input: {e}"))
                })?
            } else {
                std::fs::read_to_string(file)
                    .map_err(|e| Failure::usage(format!("cannot read the key file {file}: {e}")))?
            };
            let (fingerprint, line) = crate::server::ssh::parse_public_key(&text)
                .map_err(|e| Failure::usage(format!("{file}: {e}")))?;
            let info = store.add_ssh_key(user, *role, &fingerprint, &line)?;
            eprintln!("key {} for {} ({}):", info.id, info.user, info.role);
            println!("{}", info.fingerprint);
            Ok(())
        }
        KeyCommand::List { format } => {
            let keys = store.ssh_keys()?;
            print(*format, &keys, || Table {
                header: vec!["ID", "USER", "ROLE", "FINGERPRINT", "ADDED", "REVOKED"],
                rows: keys
                    .iter()
                    .map(|k| {
                        vec![
                            k.id.to_string(),
                            k.user.clone(),
                            k.role.to_string(),
                            k.fingerprint.clone(),
                            minute(&k.created_at),
                            k.revoked_at.as_ref().map_or_else(|| "-".into(), minute),
                        ]
                    })
                    .collect(),
            })?;
            Ok(())
        }
        KeyCommand::Revoke { id } => {
            if store.revoke_ssh_key(*id)? {
                eprintln!("revoked SSH key {id}: its open sessions end within a few seconds");
                Ok(())
            } else {
                Err(Failure::usage(format!(
                    "no live SSH key {id} (tend serve key list shows them)"
                )))
            }
        }
    }
}
