//! One SSH session: waits for the pty and the shell, takes a place under the
//! limits, starts the app through the launcher, feeds it the client's input,
//! ends it on idle, revocation or shutdown, and closes the channel after it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::server::{Handle, Msg};
use russh::{Channel, ChannelMsg, Disconnect};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use super::handler::Ctx;
use super::live::Why;
use super::{Input, Launch, output};
use tend_backend::sqlite::SshKeyInfo;

/// Input messages waiting for the app; a client typing faster than the app reads
/// waits (russh stops reading its socket) rather than queueing without bound.
const INPUT_QUEUE: usize = 64;

/// How long an app told to end has to restore the terminal before the
/// connection is closed regardless.
const END_GRACE: Duration = Duration::from_secs(3);

/// Runs the session of `channel` to its end.
pub async fn run(
    ctx: Arc<Ctx>,
    key: SshKeyInfo,
    peer: SocketAddr,
    mut channel: Channel<Msg>,
    handle: Handle,
) {
    // The pty comes before the shell; anything else first is refused.
    let mut pty: Option<(String, u16, u16)> = None;
    loop {
        match channel.wait().await {
            Some(ChannelMsg::RequestPty {
                term,
                col_width,
                row_height,
                ..
            }) => pty = Some((term, clamp(col_width), clamp(row_height))),
            Some(ChannelMsg::RequestShell { .. }) => break,
            Some(ChannelMsg::Exec { .. }) => {
                refuse(
                    &channel,
                    "tend: this server runs the app only, not commands: ssh -t without a command",
                )
                .await;
                return;
            }
            Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return,
            // Environment, agent forwarding and the like: not taken.
            Some(_) => {}
        }
    }
    let Some((term, cols, rows)) = pty else {
        refuse(
            &channel,
            "tend: the app needs a terminal: connect with ssh -t (a pty was not requested)",
        )
        .await;
        return;
    };
    let opts = &ctx.options;
    let place = match ctx.live.enter(
        &key.user,
        &key.fingerprint,
        opts.max_sessions,
        opts.max_per_user,
    ) {
        Ok(place) => place,
        Err(message) => {
            tracing::info!(
                user = key.user,
                fingerprint = key.fingerprint,
                "ssh session refused: {message}"
            );
            refuse(&channel, &message).await;
            return;
        }
    };
    let token = match ctx.tokens.mint(&key.user, key.role) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("ssh: {e}");
            refuse(
                &channel,
                "tend: the server could not start the session (see its log)",
            )
            .await;
            return;
        }
    };
    let started = Instant::now();
    tracing::info!(
        %peer,
        user = key.user,
        role = %key.role,
        fingerprint = key.fingerprint,
        term,
        cols,
        rows,
        "ssh session started"
    );

    let (out, pump) = output::channel(opts.output_limit);
    let pumping = tokio::spawn(pump.run(channel.make_writer()));
    let (input_tx, input_rx) = mpsc::channel(INPUT_QUEUE);
    let mut ended = place.end.subscribe();
    let launch = Launch {
        user: key.user.clone(),
        role: key.role,
        token: token.expose().to_string(),
        term,
        size: (cols, rows),
        output: out,
        input: input_rx,
        end: Box::pin(async move {
            let _ = ended.wait_for(Option::is_some).await;
        }),
    };
    let mut app = tokio::spawn((ctx.launcher)(launch));
    let mut input = Some(input_tx);
    let idle = opts.idle;
    let mut last_input = tokio::time::Instant::now();
    // Why the session was told to end, and when (the grace runs from then).
    let mut told: Option<(Why, tokio::time::Instant)> = None;
    let mut end_rx = place.end.subscribe();
    let result = loop {
        let idle_at = last_input + idle;
        let grace_at = told.map(|(_, at)| at + END_GRACE);
        tokio::select! {
            result = &mut app => break result.unwrap_or_else(|e| Err(format!("the app stopped: {e}"))),
            msg = channel.wait(), if input.is_some() => match msg {
                Some(ChannelMsg::Data { data }) => {
                    last_input = tokio::time::Instant::now();
                    if let Some(tx) = &input
                        && tx.send(Input::Bytes(data.to_vec())).await.is_err()
                    {
                        input = None;
                    }
                }
                Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                    if let Some(tx) = &input {
                        let _ = tx.send(Input::Resize(clamp(col_width), clamp(row_height))).await;
                    }
                }
                // The client went: closing the input ends the app.
                Some(ChannelMsg::Eof | ChannelMsg::Close) | None => input = None,
                Some(_) => {}
            },
            _ = tokio::time::sleep_until(idle_at), if told.is_none() => {
                place.end.send_replace(Some(Why::Idle));
                told = Some((Why::Idle, tokio::time::Instant::now()));
            }
            changed = end_rx.changed(), if told.is_none() => {
                if changed.is_ok() && let Some(why) = *end_rx.borrow() {
                    told = Some((why, tokio::time::Instant::now()));
                }
            }
            _ = tokio::time::sleep_until(grace_at.unwrap_or_else(tokio::time::Instant::now)), if grace_at.is_some() => {
                app.abort();
                break Err(format!("the app did not end within {} s of being told to", END_GRACE.as_secs()));
            }
        }
    };
    drop(input);
    // The app may have ended on being told before this loop saw why.
    let told = told.map(|(why, _)| why).or(*place.end.borrow());
    // The app's last bytes (the terminal restored) go out before anything else.
    let _ = tokio::time::timeout(END_GRACE, pumping).await;
    drop(token);
    let mut w = channel.make_writer();
    if let Err(e) = &result {
        tracing::warn!(user = key.user, "ssh session: {e}");
        let _ = w.write_all(format!("\r\ntend: {e}\r\n").as_bytes()).await;
    }
    if let Some(why) = told {
        let _ = w
            .write_all(format!("\r\n{}\r\n", why.message(idle)).as_bytes())
            .await;
    }
    let _ = w.flush().await;
    drop(w);
    let _ = channel
        .exit_status(if result.is_ok() { 0 } else { 1 })
        .await;
    let _ = channel.eof().await;
    let _ = channel.close().await;
    tracing::info!(
        user = key.user,
        fingerprint = key.fingerprint,
        secs = started.elapsed().as_secs_f64(),
        ended = match told {
            Some(Why::Idle) => "idle",
            Some(Why::Revoked) => "revoked",
            Some(Why::Shutdown) => "shutdown",
            None if result.is_err() => "error",
            None => "quit",
        },
        "ssh session ended"
    );
    drop(place);
    if told == Some(Why::Revoked) {
        // The connection's key is no longer good for anything: closed a moment
        // after the channel, so the message above reaches the client first.
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let _ = handle
                .disconnect(
                    Disconnect::ByApplication,
                    "the SSH key was revoked".into(),
                    "en".into(),
                )
                .await;
        });
    }
}

/// A window dimension as the app takes it (a client may send 0 or nonsense).
fn clamp(n: u32) -> u16 {
    n.clamp(1, 1000) as u16
}

/// Says why the session is not served, and closes the channel.
async fn refuse(channel: &Channel<Msg>, message: &str) {
    let mut w = channel.make_writer();
    let _ = w.write_all(format!("{message}\r\n").as_bytes()).await;
    let _ = w.flush().await;
    drop(w);
    let _ = channel.exit_status(1).await;
    let _ = channel.eof().await;
    let _ = channel.close().await;
}
