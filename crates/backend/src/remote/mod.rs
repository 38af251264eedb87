//! The remote backend: the `Backend` trait over a team server's HTTP API
//! (`tend serve`), with reqwest over rustls.
//!
//! Every call has a timeout. Reads (GET) are retried with backoff when the server
//! cannot be reached, is restarting (502/503/504) or asks to slow down (429);
//! writes are never retried, so none is applied twice. Errors come back typed:
//! the server's problem bodies become the same `backend::Error` the embedded store
//! returns, an unreachable server is [`Error::Unavailable`] ("server unreachable at
//! URL"), a refused token is [`Error::Unauthorized`] ("run tend login URL").

use std::time::Duration;

mod feed;

use async_trait::async_trait;
use reqwest::{Method, StatusCode, header};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::*;
use crate::*;
use tend_domain::*;
use tend_engines::dataset::{Dataset, ImportReport};

/// How the client waits and retries.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Connecting to the server.
    pub connect_timeout: Duration,
    /// A whole request (an import or export gets ten times this).
    pub timeout: Duration,
    /// Attempts of a read, the first included.
    pub attempts: u32,
    /// The wait before the second attempt; it triples after each.
    pub backoff: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(15),
            attempts: 3,
            backoff: Duration::from_millis(150),
        }
    }
}

/// A team server, as a backend.
#[derive(Clone)]
pub struct Remote {
    base: String,
    client: reqwest::Client,
    token: Option<String>,
    options: ClientOptions,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of every log and message.
        f.debug_struct("Remote").field("url", &self.base).finish()
    }
}

/// Normalises a server URL: no trailing slash, http or https only.
pub fn normalize_url(url: &str) -> Result<String> {
    let url = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(url).map_err(|e| {
        Error::invalid(
            "url",
            format!("'{url}' is not a server URL ({e}); e.g. http://127.0.0.1:7070"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(Error::invalid(
            "url",
            format!("'{url}' is not an http(s) server URL; e.g. http://127.0.0.1:7070"),
        ));
    }
    Ok(url.to_string())
}

impl Remote {
    /// A client of the server at `url`, sending `token` as a bearer token.
    pub fn new(url: &str, token: Option<String>, options: ClientOptions) -> Result<Remote> {
        let base = normalize_url(url)?;
        // rustls over ring; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .user_agent(concat!("tend/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Unavailable {
                message: format!("cannot start an HTTP client: {e}"),
            })?;
        Ok(Remote {
            base,
            client,
            token,
            options,
        })
    }

    /// Loads another tool's files on the server (`POST /import?from=`), as the
    /// local store does: all or nothing, the report saying what was done.
    pub async fn load_files(
        &self,
        actor: &str,
        params: &crate::api::ImportParams,
        files: Vec<(String, Vec<u8>)>,
        mapping: Option<(String, String)>,
    ) -> Result<crate::sync::SyncReport> {
        let mut form = reqwest::multipart::Form::new();
        for (name, bytes) in files {
            form = form.part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        }
        if let Some((name, text)) = mapping {
            form = form.part(
                "mapping",
                reqwest::multipart::Part::bytes(text.into_bytes()).file_name(name),
            );
        }
        self.send(
            self.write(Method::POST, "/import", actor)
                .query(params)
                .timeout(self.options.timeout * 10)
                .multipart(form),
        )
        .await
    }

    /// Who the token belongs to.
    pub async fn me(&self) -> Result<Me> {
        self.read("/me", NONE).await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .client
            .request(method, format!("{}{PREFIX}{path}", self.base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        r
    }

    /// A write request, naming its actor (the server honours it for admin tokens;
    /// for any other it records the token's user).
    fn write(&self, method: Method, path: &str, actor: &str) -> reqwest::RequestBuilder {
        self.request(method, path)
            .header(ACTOR_HEADER, encode_header(actor))
    }

    fn unreachable(&self, e: &reqwest::Error) -> Error {
        let why = if e.is_timeout() {
            "it did not answer in time".to_string()
        } else if e.is_connect() {
            "cannot connect".to_string()
        } else {
            // reqwest's message never includes headers (the token).
            innermost(e)
        };
        Error::Unavailable {
            message: format!("server unreachable at {}: {why}", self.base),
        }
    }

    /// Turns a response into its body or its typed error.
    async fn answer<T: DeserializeOwned>(&self, r: reqwest::Response) -> Result<T> {
        let status = r.status();
        if status.is_success() {
            let bytes = r.bytes().await.map_err(|e| self.unreachable(&e))?;
            // 204: the unit type reads from "null".
            let body: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            return serde_json::from_slice(body).map_err(|e| Error::Unavailable {
                message: format!(
                    "the server at {} answered something tend cannot read ({e}); is it a tend server of the same version?",
                    self.base
                ),
            });
        }
        Err(self.refusal(r).await)
    }

    /// The typed error of a response that is not a success.
    async fn refusal(&self, r: reqwest::Response) -> Error {
        let status = r.status();
        let bytes = r.bytes().await.unwrap_or_default();
        let problem: Option<Problem> = serde_json::from_slice(&bytes).ok();
        match (status, problem) {
            (StatusCode::UNAUTHORIZED, p) => Error::Unauthorized {
                message: format!(
                    "token rejected by {}: {}; run tend login {}",
                    self.base,
                    p.map(|p| p.detail)
                        .unwrap_or_else(|| "no valid token".into()),
                    self.base
                ),
            },
            (_, Some(p)) => p.into_error(),
            (s, None) => Error::Unavailable {
                message: format!("the server at {} answered {s}", self.base),
            },
        }
    }

    /// A GET, retried with backoff when the server is unreachable or busy.
    async fn read<T: DeserializeOwned, Q: Serialize + ?Sized>(
        &self,
        path: &str,
        query: &Q,
    ) -> Result<T> {
        let mut wait = self.options.backoff;
        let mut attempt = 1;
        loop {
            let last = attempt >= self.options.attempts;
            let sent = self.request(Method::GET, path).query(query).send().await;
            let retry_after = match sent {
                Err(e) if !last && (e.is_connect() || e.is_timeout()) => None,
                Err(e) => return Err(self.unreachable(&e)),
                Ok(r) if !last && retryable(r.status()) => r
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(|s| Duration::from_secs(s.min(2))),
                Ok(r) => return self.answer(r).await,
            };
            tokio::time::sleep(retry_after.unwrap_or(wait)).await;
            wait *= 3;
            attempt += 1;
        }
    }

    /// A write: sent once.
    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder) -> Result<T> {
        let r = request.send().await.map_err(|e| self.unreachable(&e))?;
        self.answer(r).await
    }
}

fn retryable(s: StatusCode) -> bool {
    matches!(
        s,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn innermost(e: &dyn std::error::Error) -> String {
    let mut inner = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// A read without query parameters.
const NONE: &[(&str, &str)] = &[];

fn record_path(kind: EntityKind, id: Id) -> String {
    format!("/records/{kind}/{id}")
}

#[async_trait]
impl Backend for Remote {
    async fn portfolio(&self, query: &PortfolioQuery) -> Result<Page<AccountRow>> {
        let page: PageOf<AccountRow> = self
            .read("/accounts", &PortfolioParams::from_query(query))
            .await?;
        page.into_page()
    }
    async fn account(&self, id: Id) -> Result<Account360> {
        self.read(&format!("/accounts/{id}"), NONE).await
    }
    async fn interactions(&self, query: &InteractionQuery) -> Result<Page<Interaction>> {
        let page: PageOf<Interaction> = self
            .read("/interactions", &InteractionParams::from_query(query))
            .await?;
        page.into_page()
    }
    async fn usage(&self, account: Id, query: &UsageQuery) -> Result<Vec<UsageBucket>> {
        let params = UsageParams {
            from: query.from,
            to: query.to,
            bucket: Some(query.bucket),
        };
        self.read(&format!("/accounts/{account}/usage"), &params)
            .await
    }
    async fn usage_breakdown(
        &self,
        account: Id,
        query: &UsageBreakdownQuery,
    ) -> Result<Vec<UsageShare>> {
        let params = UsageBreakdownParams {
            from: query.from,
            to: query.to,
            by: Some(query.by),
        };
        self.read(&format!("/accounts/{account}/usage/breakdown"), &params)
            .await
    }
    async fn agreements(
        &self,
        account: Id,
        status: Option<AgreementStatus>,
    ) -> Result<Vec<Agreement>> {
        self.read(
            &format!("/accounts/{account}/agreements"),
            &AgreementParams { status },
        )
        .await
    }
    async fn tasks(&self, query: &TaskQuery) -> Result<Vec<Task>> {
        self.read("/tasks", &TaskParams::from_query(query)).await
    }
    async fn cases(&self, query: &CaseQuery) -> Result<Page<CaseRow>> {
        let page: PageOf<CaseRow> = self.read("/cases", &CaseParams::from_query(query)).await?;
        page.into_page()
    }
    async fn alerts(&self, query: &AlertQuery) -> Result<Page<Alert>> {
        let page: PageOf<Alert> = self
            .read("/alerts", &AlertParams::from_query(query))
            .await?;
        page.into_page()
    }
    async fn dashboard(&self) -> Result<Dashboard> {
        self.read("/dashboard", NONE).await
    }
    async fn playbooks(&self) -> Result<Vec<Playbook>> {
        self.read("/playbooks", NONE).await
    }
    async fn change_log(&self, account: Id, page: PageRequest) -> Result<Page<ChangeLogEntry>> {
        let page: PageOf<ChangeLogEntry> = self
            .read(
                &format!("/accounts/{account}/changes"),
                &PageParams::from_page(page),
            )
            .await?;
        page.into_page()
    }
    async fn health(&self, account: Id) -> Result<HealthReport> {
        self.read(&format!("/accounts/{account}/health"), NONE)
            .await
    }
    async fn timeline(&self, account: Id) -> Result<Vec<tend_engines::timeline::TimelineEvent>> {
        self.read(&format!("/accounts/{account}/timeline"), NONE)
            .await
    }
    async fn recompute_health(&self, account: Option<Id>) -> Result<RecomputeReport> {
        let body = RecomputeRequest {
            account_id: account,
        };
        self.send(
            self.request(Method::POST, "/health/recompute")
                .timeout(self.options.timeout * 10)
                .json(&body),
        )
        .await
    }
    async fn get(&self, kind: EntityKind, id: Id) -> Result<Record> {
        self.read(&record_path(kind, id), NONE).await
    }
    async fn create(&self, actor: Actor<'_>, record: Record) -> Result<Record> {
        self.send(self.write(Method::POST, "/records", actor).json(&record))
            .await
    }
    async fn update(&self, actor: Actor<'_>, record: Record) -> Result<Record> {
        let path = record_path(record.kind(), record.id());
        self.send(
            self.write(Method::PUT, &path, actor)
                .header(header::IF_MATCH, format!("\"{}\"", record.version()))
                .json(&record),
        )
        .await
    }
    async fn delete(&self, actor: Actor<'_>, kind: EntityKind, id: Id, version: i64) -> Result<()> {
        self.send(
            self.write(Method::DELETE, &record_path(kind, id), actor)
                .header(header::IF_MATCH, format!("\"{version}\"")),
        )
        .await
    }
    async fn apply(&self, actor: Actor<'_>, writes: Vec<Write>) -> Result<Vec<Option<Record>>> {
        self.send(
            self.write(Method::POST, "/batch", actor)
                .json(&BatchRequest { writes }),
        )
        .await
    }
    async fn record_usage(&self, rows: Vec<UsageDay>) -> Result<u64> {
        let added: UsageAdded = self
            .send(
                self.request(Method::POST, "/usage")
                    .timeout(self.options.timeout * 10)
                    .json(&rows),
            )
            .await?;
        Ok(added.rows)
    }
    async fn import(&self, dataset: Dataset) -> Result<ImportReport> {
        self.send(
            self.request(Method::POST, "/import")
                .timeout(self.options.timeout * 10)
                .json(&dataset),
        )
        .await
    }
    fn runs_own_rounds(&self) -> bool {
        true
    }
    fn watch(&self) -> Option<tokio::sync::mpsc::Receiver<ChangeLogEntry>> {
        Some(feed::follow(
            self.base.clone(),
            self.client.clone(),
            self.token.clone(),
        ))
    }
    async fn ping(&self) -> Result<()> {
        let _: Status = self.send(self.request(Method::GET, "/status")).await?;
        Ok(())
    }
    async fn export(&self) -> Result<Dataset> {
        self.send(
            self.request(Method::GET, "/export")
                .timeout(self.options.timeout * 10),
        )
        .await
    }
    async fn summary(&self, account: Id) -> Result<crate::summary::AccountSummary> {
        self.read(&format!("/accounts/{account}/summary"), NONE)
            .await
    }
    async fn health_profiles(&self) -> Result<HealthProfiles> {
        self.read("/settings/health", NONE).await
    }
    async fn set_health_profiles(
        &self,
        actor: Actor<'_>,
        profiles: HealthProfiles,
    ) -> Result<HealthProfiles> {
        self.send(
            self.write(Method::PUT, "/settings/health", actor)
                .json(&profiles),
        )
        .await
    }
    async fn account_rules(&self) -> Result<AccountRules> {
        self.read("/settings/accounts", NONE).await
    }
    async fn summary_settings(&self) -> Result<crate::summary::Settings> {
        self.read("/settings/summary", NONE).await
    }
    async fn set_summary_settings(
        &self,
        actor: Actor<'_>,
        settings: crate::summary::Settings,
    ) -> Result<crate::summary::Settings> {
        self.send(
            self.write(Method::PUT, "/settings/summary", actor)
                .json(&settings),
        )
        .await
    }
    async fn send_email(
        &self,
        actor: Actor<'_>,
        email: crate::outbound::OutgoingEmail,
    ) -> Result<crate::outbound::Delivery> {
        self.send(self.write(Method::POST, "/emails", actor).json(&email))
            .await
    }
    async fn deliveries(
        &self,
        query: &crate::outbound::DeliveryQuery,
    ) -> Result<Vec<crate::outbound::Delivery>> {
        self.read("/deliveries", query).await
    }
    async fn retry_delivery(&self, actor: Actor<'_>, id: Id) -> Result<crate::outbound::Delivery> {
        self.send(self.write(Method::POST, &format!("/deliveries/{id}/retry"), actor))
            .await
    }
    async fn tick(&self) -> Result<crate::outbound::TickReport> {
        self.send(self.write(Method::POST, "/tick", "tick")).await
    }
    async fn my_work(&self, user: &str) -> Result<Vec<crate::outbound::WorkItem>> {
        self.read("/work", &[("user", user)]).await
    }
    async fn put_file(&self, name: &str, bytes: Vec<u8>) -> Result<DocumentFile> {
        // Refused here as the server would, before the bytes travel.
        let size = bytes.len() as u64;
        if size > MAX_FILE_BYTES {
            return Err(crate::files::too_large(name, size));
        }
        self.send(
            self.request(Method::PUT, "/files")
                .query(&[("name", name)])
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .timeout(self.options.timeout * 10)
                .body(bytes),
        )
        .await
    }
    async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
        // The hash becomes part of the path: a malformed one is refused here as
        // the server would refuse it.
        crate::files::check_hash(sha256)?;
        let r = self
            .request(Method::GET, &format!("/files/{sha256}"))
            .timeout(self.options.timeout * 10)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        if !r.status().is_success() {
            return Err(self.refusal(r).await);
        }
        let bytes = r.bytes().await.map_err(|e| self.unreachable(&e))?;
        // What came is what was asked for, or nothing: a file cut short or
        // changed on the way is not handed on.
        let got = crate::files::sha256_hex(&bytes);
        if got != sha256 {
            return Err(Error::Unavailable {
                message: format!(
                    "the server at {} answered {} bytes for file {sha256} whose SHA-256 is {got}: the file was not received whole",
                    self.base,
                    bytes.len()
                ),
            });
        }
        Ok(bytes.to_vec())
    }
}
