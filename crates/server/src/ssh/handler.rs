//! The SSH protocol side of a connection: public-key authentication against the
//! store's keys, and the session channel handed to its task (session.rs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::OwnedSemaphorePermit;

use russh::keys::HashAlg;
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId};

use super::live::Live;
use super::{Launcher, SshOptions};
use crate::auth::SessionTokens;
use tend_backend::sqlite::{SshKeyInfo, Store};

/// What every connection shares.
pub struct Ctx {
    pub store: Store,
    pub tokens: SessionTokens,
    pub live: Live,
    pub options: SshOptions,
    pub launcher: Launcher,
}

/// One SSH connection.
pub struct Conn {
    ctx: Arc<Ctx>,
    peer: SocketAddr,
    /// The key it authenticated with, once it has.
    key: Option<SshKeyInfo>,
    /// The session channel is the only one taken; a second is refused.
    opened: bool,
    /// Its place among the connections not signed in yet, given up once it is.
    waiting: Option<OwnedSemaphorePermit>,
    /// Set once a key is accepted and the session channel opened.
    signed_in: Arc<AtomicBool>,
}

impl Conn {
    pub fn new(ctx: Arc<Ctx>, peer: SocketAddr, waiting: OwnedSemaphorePermit) -> Conn {
        Conn {
            ctx,
            peer,
            key: None,
            opened: false,
            waiting: Some(waiting),
            signed_in: Arc::default(),
        }
    }

    /// Whether the connection has signed in (read by its login deadline).
    pub fn signed_in(&self) -> Arc<AtomicBool> {
        self.signed_in.clone()
    }

    /// The live key with this fingerprint; a store that cannot answer refuses.
    async fn registered(&self, fingerprint: String) -> Option<SshKeyInfo> {
        let found = self.ctx.store.find_ssh_key(&fingerprint).await;
        found.unwrap_or_else(|e| {
            tracing::warn!("ssh: reading the keys: {e}");
            None
        })
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _login: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = offer.public_key.fingerprint(HashAlg::Sha256).to_string();
        Ok(match self.registered(fingerprint).await {
            Some(_) => Auth::Accept,
            None => Auth::reject(),
        })
    }

    async fn auth_publickey(
        &mut self,
        login: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = key.public_key.fingerprint(HashAlg::Sha256).to_string();
        match self.registered(fingerprint.clone()).await {
            Some(found) => {
                // The key names the user; the login name the client gave is
                // only logged (`ssh anything@host` opens the key's user).
                tracing::info!(
                    peer = %self.peer,
                    login,
                    user = found.user,
                    role = %found.role,
                    fingerprint,
                    "ssh key accepted"
                );
                self.key = Some(found);
                // Its place among those signing in is free; the grace still runs
                // until it opens its session.
                self.waiting = None;
                Ok(Auth::Accept)
            }
            None => {
                tracing::info!(peer = %self.peer, login, fingerprint, "ssh key refused: not registered or revoked");
                Ok(Auth::reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(key) = self.key.clone().filter(|_| !self.opened) else {
            reply
                .reject(russh::ChannelOpenFailure::AdministrativelyProhibited)
                .await;
            return Ok(());
        };
        self.opened = true;
        self.signed_in.store(true, Ordering::Release);
        reply.accept().await;
        // The task owns the channel and reads it to the end: russh waits on a
        // bounded queue into it for every message of the channel.
        tokio::spawn(super::session::run(
            self.ctx.clone(),
            key,
            self.peer,
            channel,
            session.handle(),
        ));
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The session task says why and closes: only the app is served.
        session.channel_success(channel)
    }
}
