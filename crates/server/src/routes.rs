//! The routes of `/api/v1`: one per Backend call, and the OpenAPI document made
//! from their annotations (so it cannot drift from them).

use axum::extract::FromRequest;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router, extract::State};
use utoipa::OpenApi;

use super::auth::{Caller, Touch};
use super::problem::{ApiError, Body, Params, PathOf, RawBody};
use super::{AppState, Limits};
use tend_backend::api::*;
use tend_backend::*;
use tend_domain::*;
use tend_engines::dataset::{Dataset, ImportReport};

type Answer<T> = Result<Json<T>, ApiError>;

pub(super) fn routes(limits: &Limits) -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/status", get(status))
        .route("/api/v1/me", get(me))
        .route("/api/v1/accounts", get(portfolio))
        .route("/api/v1/accounts/{id}", get(account))
        .route("/api/v1/accounts/{id}/usage", get(usage))
        .route(
            "/api/v1/accounts/{id}/usage/breakdown",
            get(usage_breakdown),
        )
        .route("/api/v1/accounts/{id}/agreements", get(agreements))
        .route("/api/v1/accounts/{id}/changes", get(change_log))
        .route("/api/v1/accounts/{id}/health", get(health))
        .route("/api/v1/accounts/{id}/timeline", get(timeline))
        .route("/api/v1/accounts/{id}/summary", get(summary))
        .route(
            "/api/v1/settings/summary",
            get(summary_settings).put(set_summary_settings),
        )
        .route("/api/v1/settings/accounts", get(account_rules))
        .route(
            "/api/v1/settings/health",
            get(health_profiles).put(set_health_profiles),
        )
        .route("/api/v1/interactions", get(interactions))
        .route("/api/v1/tasks", get(tasks))
        .route("/api/v1/cases", get(cases))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/dashboard", get(dashboard))
        .route("/api/v1/playbooks", get(playbooks))
        .route("/api/v1/health/recompute", post(recompute))
        .route("/api/v1/records", post(create))
        .route(
            "/api/v1/records/{kind}/{id}",
            get(get_record).put(update).delete(delete),
        )
        .route("/api/v1/batch", post(batch))
        .route("/api/v1/usage", post(record_usage))
        .route(
            "/api/v1/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(limits.import_body)),
        )
        .route("/api/v1/export", get(export))
        .route(
            "/api/v1/files",
            // The body is the file: the file store's limit, not the API's.
            put(put_file).layer(axum::extract::DefaultBodyLimit::max(
                usize::try_from(MAX_FILE_BYTES).unwrap_or(usize::MAX),
            )),
        )
        .route("/api/v1/files/{sha256}", get(read_file))
        .route("/api/v1/emails", post(send_email))
        .route("/api/v1/deliveries", get(deliveries))
        .route("/api/v1/deliveries/{id}/retry", post(retry_delivery))
        .route("/api/v1/tick", post(tick))
        .route("/api/v1/work", get(my_work))
        .route("/api/v1/changes", get(changes))
}

/// The OpenAPI document of this API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "tend team server",
        description = "The customer-360 store of a CS team. Every call but /status and /openapi.json needs 'Authorization: Bearer TOKEN'. Errors are RFC 9457 problem+json bodies.",
    ),
    paths(
        status, me, portfolio, account, usage, usage_breakdown, agreements, change_log, health, timeline, interactions,
        tasks, cases, alerts, dashboard, playbooks, recompute, create, get_record, update, delete, batch,
        record_usage, import, export, summary, summary_settings, set_summary_settings,
        account_rules, health_profiles, set_health_profiles,
        send_email, deliveries, retry_delivery, tick, my_work, put_file, read_file, changes
    ),
    components(schemas(Problem, Record, Write, EntityKind, DocumentFile, FileBytes, Role, PortfolioSort, Bucket, CaseSort,
        UsageBy, DueWindow,
        sync::Format, sync::Prefer, sync::SyncReport, sync::KindCounts, sync::SyncConflict,
        sync::UsageCounts, sync::LoadProblem, summary::AccountSummary, summary::Settings,
        summary::SectionId, summary::Section, outbound::Delivery, outbound::DeliveryAttempt,
        outbound::DeliveryKind, outbound::DeliveryState, outbound::OutgoingEmail,
        outbound::TickReport, outbound::WorkItem, outbound::WorkKind)),
    modifiers(&Bearer),
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<&'static serde_json::Value> {
    Json(super::openapi::document())
}

#[utoipa::path(get, path = "/api/v1/status", responses((status = 200, body = Status)))]
async fn status(State(s): State<AppState>) -> Answer<Status> {
    // The store must answer; what it holds stays private.
    let store = s.store.clone();
    tokio::task::spawn_blocking(move || store.account_count())
        .await
        .map_err(|e| Error::storage(e.to_string()))??;
    Ok(Json(Status {
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = Problem)))]
async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        user: caller.user,
        role: caller.role,
    })
}

#[utoipa::path(get, path = "/api/v1/accounts", params(PortfolioParams), security(("bearer" = [])),
    responses((status = 200, body = PageOf<AccountRow>), (status = 400, body = Problem), (status = 401, body = Problem)))]
async fn portfolio(
    State(s): State<AppState>,
    caller: Caller,
    Params(p): Params<PortfolioParams>,
) -> Answer<PageOf<AccountRow>> {
    let mut q = p.into_query()?;
    q.filter.me = Some(caller.me(q.filter.me.take()));
    Ok(Json(PageOf::from_page(s.store.portfolio(&q).await?)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}", params(("id" = Id, Path)), security(("bearer" = [])),
    responses((status = 200, body = Account360), (status = 404, body = Problem)))]
async fn account(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
) -> Answer<Account360> {
    Ok(Json(s.store.account(id).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/usage", params(("id" = Id, Path), UsageParams),
    security(("bearer" = [])), responses((status = 200, body = Vec<UsageBucket>), (status = 404, body = Problem)))]
async fn usage(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
    Params(p): Params<UsageParams>,
) -> Answer<Vec<UsageBucket>> {
    let q = UsageQuery {
        from: p.from,
        to: p.to,
        bucket: p.bucket.unwrap_or_default(),
    };
    Ok(Json(s.store.usage(id, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/usage/breakdown",
    params(("id" = Id, Path), UsageBreakdownParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<UsageShare>), (status = 404, body = Problem)))]
async fn usage_breakdown(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
    Params(p): Params<UsageBreakdownParams>,
) -> Answer<Vec<UsageShare>> {
    let q = UsageBreakdownQuery {
        from: p.from,
        to: p.to,
        by: p.by.unwrap_or_default(),
    };
    Ok(Json(s.store.usage_breakdown(id, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/agreements", params(("id" = Id, Path), AgreementParams),
    security(("bearer" = [])), responses((status = 200, body = Vec<Agreement>)))]
async fn agreements(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
    Params(p): Params<AgreementParams>,
) -> Answer<Vec<Agreement>> {
    Ok(Json(s.store.agreements(id, p.status).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/changes", params(("id" = Id, Path), PageParams),
    security(("bearer" = [])), responses((status = 200, body = PageOf<ChangeLogEntry>)))]
async fn change_log(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
    Params(p): Params<PageParams>,
) -> Answer<PageOf<ChangeLogEntry>> {
    let page = p.into_page()?;
    Ok(Json(PageOf::from_page(s.store.change_log(id, page).await?)))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/summary", params(("id" = Id, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = summary::AccountSummary, description = "The account's summary as of now: the sections the team's settings show, each statement with the records it rests on"),
        (status = 404, body = Problem)))]
async fn summary(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
) -> Answer<summary::AccountSummary> {
    Ok(Json(s.store.summary(id).await?))
}

#[utoipa::path(get, path = "/api/v1/settings/summary", security(("bearer" = [])),
    responses((status = 200, body = summary::Settings, description = "Which summary sections show, in which order")))]
async fn summary_settings(State(s): State<AppState>, _: Caller) -> Answer<summary::Settings> {
    Ok(Json(s.store.summary_settings().await?))
}

#[utoipa::path(get, path = "/api/v1/settings/accounts", security(("bearer" = [])),
    responses((status = 200, body = AccountRules, description = "The custom account fields and churn reasons every write to an account is held to")))]
async fn account_rules(State(s): State<AppState>, _: Caller) -> Answer<AccountRules> {
    Ok(Json(s.store.account_rules().await?))
}

#[utoipa::path(get, path = "/api/v1/settings/health", security(("bearer" = [])),
    responses((status = 200, body = HealthProfiles, description = "The health profiles in force and the TOML an admin gave"),
        (status = 403, body = Problem, description = "Only admins read the health settings")))]
async fn health_profiles(State(s): State<AppState>, caller: Caller) -> Answer<HealthProfiles> {
    caller.may_write(true, "reading the health settings")?;
    Ok(Json(s.store.health_profiles().await?))
}

#[utoipa::path(put, path = "/api/v1/settings/health", request_body = HealthProfiles,
    security(("bearer" = [])),
    responses((status = 200, body = HealthProfiles, description = "The profiles now in force (every account rescored)"),
        (status = 403, body = Problem, description = "Only admins change the health settings"),
        (status = 422, body = Problem, description = "The profiles do not parse (the field is toml, the message says the line)")))]
async fn set_health_profiles(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Answer<HealthProfiles> {
    // The role before the body: a csm learns nothing of what the body holds.
    caller.may_write(true, "changing the health settings")?;
    let Body(profiles) = Body::<HealthProfiles>::from_request(request, &()).await?;
    let actor = caller.actor(&headers);
    Ok(Json(s.store.set_health_profiles(&actor, profiles).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/summary", request_body = summary::Settings,
    security(("bearer" = [])),
    responses((status = 200, body = summary::Settings, description = "The settings now in force"),
        (status = 403, body = Problem, description = "Only admins change the settings"),
        (status = 422, body = Problem)))]
async fn set_summary_settings(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Answer<summary::Settings> {
    caller.may_write(true, "changing the summary settings")?;
    let Body(settings) = Body::<summary::Settings>::from_request(request, &()).await?;
    let actor = caller.actor(&headers);
    Ok(Json(s.store.set_summary_settings(&actor, settings).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/health", params(("id" = Id, Path)),
    security(("bearer" = [])), responses((status = 200, body = HealthReport), (status = 404, body = Problem)))]
async fn health(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
) -> Answer<HealthReport> {
    Ok(Json(s.store.health(id).await?))
}

#[utoipa::path(get, path = "/api/v1/accounts/{id}/timeline", params(("id" = Id, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<tend_engines::timeline::TimelineEvent>, description = "The account's key events (escalations, health transitions, churn-risk changes, renewals, big sentiment drops), newest first"),
        (status = 404, body = Problem)))]
async fn timeline(
    State(s): State<AppState>,
    _: Caller,
    PathOf(id): PathOf<Id>,
) -> Answer<Vec<tend_engines::timeline::TimelineEvent>> {
    Ok(Json(s.store.timeline(id).await?))
}

#[utoipa::path(get, path = "/api/v1/interactions", params(InteractionParams), security(("bearer" = [])),
    responses((status = 200, body = PageOf<Interaction>), (status = 400, body = Problem)))]
async fn interactions(
    State(s): State<AppState>,
    _: Caller,
    Params(p): Params<InteractionParams>,
) -> Answer<PageOf<Interaction>> {
    let q = p.into_query()?;
    Ok(Json(PageOf::from_page(s.store.interactions(&q).await?)))
}

#[utoipa::path(get, path = "/api/v1/tasks", params(TaskParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<Task>)))]
async fn tasks(
    State(s): State<AppState>,
    _: Caller,
    Params(p): Params<TaskParams>,
) -> Answer<Vec<Task>> {
    Ok(Json(s.store.tasks(&p.into_query()).await?))
}

#[utoipa::path(get, path = "/api/v1/cases", params(CaseParams), security(("bearer" = [])),
    responses((status = 200, body = PageOf<CaseRow>), (status = 400, body = Problem)))]
async fn cases(
    State(s): State<AppState>,
    caller: Caller,
    Params(p): Params<CaseParams>,
) -> Answer<PageOf<CaseRow>> {
    let mut q = p.into_query()?;
    q.account.me = Some(caller.me(q.account.me.take()));
    Ok(Json(PageOf::from_page(s.store.cases(&q).await?)))
}

#[utoipa::path(get, path = "/api/v1/alerts", params(AlertParams), security(("bearer" = [])),
    responses((status = 200, body = PageOf<Alert>)))]
async fn alerts(
    State(s): State<AppState>,
    _: Caller,
    Params(p): Params<AlertParams>,
) -> Answer<PageOf<Alert>> {
    let q = p.into_query()?;
    Ok(Json(PageOf::from_page(s.store.alerts(&q).await?)))
}

/// The portfolio at a glance; any role may read it.
#[utoipa::path(get, path = "/api/v1/dashboard", security(("bearer" = [])),
    responses((status = 200, body = Dashboard)))]
async fn dashboard(State(s): State<AppState>, _: Caller) -> Answer<Dashboard> {
    Ok(Json(s.store.dashboard().await?))
}

#[utoipa::path(get, path = "/api/v1/playbooks", security(("bearer" = [])),
    responses((status = 200, body = Vec<Playbook>)))]
async fn playbooks(State(s): State<AppState>, _: Caller) -> Answer<Vec<Playbook>> {
    Ok(Json(s.store.playbooks().await?))
}

#[utoipa::path(post, path = "/api/v1/health/recompute", request_body = RecomputeRequest,
    security(("bearer" = [])),
    responses((status = 200, body = RecomputeReport), (status = 403, body = Problem)))]
async fn recompute(
    State(s): State<AppState>,
    caller: Caller,
    Body(r): Body<RecomputeRequest>,
) -> Answer<RecomputeReport> {
    match r.account_id {
        // Rescoring one account changes nothing but derived data: whoever may write it may.
        Some(id) => {
            s.store.get(EntityKind::Account, id).await?;
            caller.may_write_accounts(&s.store, vec![id]).await?;
        }
        None => caller.may_write(true, "rescoring every account")?,
    }
    Ok(Json(s.store.recompute_health(r.account_id).await?))
}

/// The ETag of a record's version.
fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("a number is a header value")
}

/// The version an If-Match header names.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    // If-Match compares strongly (RFC 9110, 13.1.1): a weak tag never matches.
    if v.to_str().is_ok_and(|s| s.trim_start().starts_with("W/")) {
        return Err(Problem::new(
            412,
            "precondition_failed",
            "Precondition failed",
            "If-Match takes the record's version as a strong ETag (\"3\"); a weak one (W/\"3\") never matches",
        )
        .into());
    }
    v.to_str()
        .ok()
        .map(|s| s.trim().trim_matches('"'))
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            Error::invalid(
                "If-Match",
                "must be the record's version as an ETag, e.g. \"3\"",
            )
            .into()
        })
}

fn with_etag(record: Record, status: StatusCode) -> Response {
    let tag = etag(record.version());
    let mut r = (status, Json(record)).into_response();
    r.headers_mut().insert(header::ETAG, tag);
    r
}

#[utoipa::path(get, path = "/api/v1/records/{kind}/{id}", params(("kind" = EntityKind, Path), ("id" = Id, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = Record, headers(("ETag" = String, description = "the record's version"))), (status = 404, body = Problem)))]
async fn get_record(
    State(s): State<AppState>,
    _: Caller,
    PathOf((kind, id)): PathOf<(EntityKind, Id)>,
) -> Result<Response, ApiError> {
    Ok(with_etag(s.store.get(kind, id).await?, StatusCode::OK))
}

#[utoipa::path(post, path = "/api/v1/records", request_body = Record, security(("bearer" = [])),
    responses((status = 201, body = Record), (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn create(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(record): Body<Record>,
) -> Result<Response, ApiError> {
    caller
        .may_touch(&s.store, &[Touch::Create(&record)])
        .await?;
    let created = s.store.create(&caller.actor(&headers), record).await?;
    Ok(with_etag(created, StatusCode::CREATED))
}

#[utoipa::path(put, path = "/api/v1/records/{kind}/{id}", request_body = Record,
    params(("kind" = EntityKind, Path), ("id" = Id, Path), ("If-Match" = Option<String>, Header, description = "the version the change is based on")),
    security(("bearer" = [])),
    responses((status = 200, body = Record), (status = 403, body = Problem), (status = 409, body = Problem), (status = 412, body = Problem)))]
async fn update(
    State(s): State<AppState>,
    caller: Caller,
    PathOf((kind, id)): PathOf<(EntityKind, Id)>,
    headers: HeaderMap,
    Body(record): Body<Record>,
) -> Result<Response, ApiError> {
    if record.kind() != kind || record.id() != id {
        return Err(Error::invalid(
            "record",
            format!(
                "the body is {} {}, the path {kind} {id}",
                record.kind(),
                record.id()
            ),
        )
        .into());
    }
    if let Some(v) = if_match(&headers)?
        && v != record.version()
    {
        return Err(Problem::new(
            412,
            "precondition_failed",
            "Precondition failed",
            format!(
                "If-Match names version {v} but the body is version {}",
                record.version()
            ),
        )
        .into());
    }
    caller
        .may_touch(&s.store, &[Touch::Update(&record)])
        .await?;
    let updated = s.store.update(&caller.actor(&headers), record).await?;
    Ok(with_etag(updated, StatusCode::OK))
}

#[utoipa::path(delete, path = "/api/v1/records/{kind}/{id}",
    params(("kind" = EntityKind, Path), ("id" = Id, Path), ("If-Match" = String, Header, description = "the version being deleted")),
    security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 409, body = Problem), (status = 428, body = Problem)))]
async fn delete(
    State(s): State<AppState>,
    caller: Caller,
    PathOf((kind, id)): PathOf<(EntityKind, Id)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let Some(version) = if_match(&headers)? else {
        return Err(Problem::new(
            428,
            "precondition_required",
            "Precondition required",
            "a delete needs If-Match with the record's version (its ETag)",
        )
        .into());
    };
    caller
        .may_touch(&s.store, &[Touch::Delete(kind, id)])
        .await?;
    s.store
        .delete(&caller.actor(&headers), kind, id, version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/batch", request_body = BatchRequest, security(("bearer" = [])),
    responses((status = 200, body = Vec<Option<Record>>), (status = 403, body = Problem), (status = 409, body = Problem)))]
async fn batch(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Body(b): Body<BatchRequest>,
) -> Answer<Vec<Option<Record>>> {
    caller.may_apply(&s.store, &b.writes).await?;
    Ok(Json(
        s.store.apply(&caller.actor(&headers), b.writes).await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/usage", request_body = Vec<UsageDay>, security(("bearer" = [])),
    responses((status = 200, body = UsageAdded), (status = 403, body = Problem)))]
async fn record_usage(
    State(s): State<AppState>,
    caller: Caller,
    Body(rows): Body<Vec<UsageDay>>,
) -> Answer<UsageAdded> {
    if caller.role != Role::Admin {
        caller.may_write(false, "recording usage")?;
        caller
            .may_write_accounts(&s.store, rows.iter().map(|r| r.account_id).collect())
            .await?;
    }
    Ok(Json(UsageAdded {
        rows: s.store.record_usage(rows).await?,
    }))
}

#[utoipa::path(post, path = "/api/v1/import", request_body = Dataset, params(ImportParams), security(("bearer" = [])),
    responses((status = 200, body = ImportReport, description = "A tend dataset loaded (without `from`, or `from=tend`)"),
        (status = 201, body = tend_backend::sync::SyncReport, description = "Another tool's files loaded, or a dry run: what was (or would be) created, updated, left and in conflict"),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn import(
    State(s): State<AppState>,
    caller: Caller,
    Params(p): Params<ImportParams>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, ApiError> {
    caller.may_write(true, "importing a dataset")?;
    let format = p.from.unwrap_or_default();
    if format == sync::Format::Tend {
        let RawBody(body) = RawBody::from_request(request, &()).await?;
        let dataset =
            tokio::task::spawn_blocking(move || tend_engines::dataset::parse(&body, "the body"))
                .await
                .map_err(|e| Error::storage(e.to_string()))?
                .map_err(|p| Error::invalid("dataset", p.to_string()))?;
        return Ok(Json(s.store.import(dataset).await?).into_response());
    }
    let (files, mapping) = files_of(request, p.name.as_deref()).await?;
    let read = tend_engines::sources::ReadOptions {
        team_domains: p
            .team_domains
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect(),
        create_contacts: p.create_contacts.unwrap_or(false),
        now: s.store.now(),
    };
    let options = sync::SyncOptions {
        prefer: p.prefer,
        dry_run: p.dry_run.unwrap_or(false),
    };
    let actor = caller.actor(&headers);
    let store = s.store.clone();
    let report = tokio::task::spawn_blocking(move || {
        let mapping = mapping.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
        store.load_files_blocking(&actor, format, &files, &read, mapping, &options)
    })
    .await
    .map_err(|e| Error::storage(e.to_string()))??;
    if !report.problems.is_empty() {
        let first = &report.problems[0];
        let mut detail = format!(
            "nothing was imported: {} problem(s): ",
            report.problems.len()
        );
        let listed: Vec<String> = report
            .problems
            .iter()
            .take(20)
            .map(|p| p.to_string())
            .collect();
        detail.push_str(&listed.join("; "));
        return Err(Error::invalid(
            first.field.clone().unwrap_or_else(|| "files".into()),
            detail,
        )
        .into());
    }
    if !report.conflicts.is_empty() && p.prefer.is_none() {
        let listed: Vec<String> = report
            .conflicts
            .iter()
            .take(20)
            .map(|c| format!("{} {} ({}): {}", c.kind, c.id, c.place, c.fields.join(", ")))
            .collect();
        let problem = Problem::new(
            409,
            "conflict",
            "Conflict",
            format!(
                "{} record(s) were edited in tend since they were last imported: nothing was written; choose with prefer=source or prefer=tend: {}",
                report.conflicts.len(),
                listed.join("; ")
            ),
        );
        return Err(problem.into());
    }
    Ok((StatusCode::CREATED, Json(report)).into_response())
}

/// The files of an import of another tool's exports: the parts of a multipart
/// body that have a file name (and the mapping file), or the body as one file.
async fn files_of(
    request: axum::extract::Request,
    name: Option<&str>,
) -> Result<(Vec<(String, Vec<u8>)>, Option<(String, String)>), ApiError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let RawBody(body) = RawBody::from_request(request, &()).await?;
        return Ok((
            vec![(name.unwrap_or("body").to_string(), body.to_vec())],
            None,
        ));
    }
    let bad = |e: axum::extract::multipart::MultipartError| -> ApiError {
        Error::invalid(
            "body",
            format!("not a multipart/form-data body: {}", e.body_text()),
        )
        .into()
    };
    let mut form = axum::extract::Multipart::from_request(request, &())
        .await
        .map_err(|e| -> ApiError { Error::invalid("body", e.body_text()).into() })?;
    let (mut files, mut mapping) = (vec![], None);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let part = field.name().unwrap_or("").to_string();
        let file = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(bad)?;
        if part == "mapping" {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| -> ApiError {
                Error::invalid("mapping", "the mapping file is not UTF-8 text").into()
            })?;
            mapping = Some((file.unwrap_or_else(|| "mapping.toml".into()), text));
        } else {
            files.push((file.unwrap_or(part), bytes.to_vec()));
        }
    }
    if files.is_empty() {
        return Err(Error::invalid(
            "body",
            "no file in the form: send each file as a part with a file name",
        )
        .into());
    }
    Ok((files, mapping))
}

#[utoipa::path(get, path = "/api/v1/export", security(("bearer" = [])),
    responses((status = 200, body = Dataset)))]
async fn export(State(s): State<AppState>, _: Caller) -> Result<Response, ApiError> {
    // Opened before answering, so that a store that cannot be read is a problem.
    let snapshot = s.store.export_snapshot_ready().await?;
    // Written a chunk at a time into a small channel: memory stays a few chunks per
    // export whatever the store's size, and a client that reads slowly slows the
    // writer down. A client gone away ends the export at its next chunk.
    let (chunks, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        let mut out = Chunks {
            send: chunks,
            buf: Vec::with_capacity(CHUNK),
        };
        let written = snapshot
            .write_to(&mut out)
            .and_then(|()| out.flush_chunk().map_err(|e| Error::storage(e.to_string())));
        if let Err(e) = written {
            tracing::warn!("an export stopped: {e}");
            // Ends the body with an error: the client sees a cut answer, never a
            // short dataset that parses.
            let _ = out
                .send
                .blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut r| async move {
        r.recv().await.map(|chunk| (chunk, r))
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

/// How many bytes of an export (or a file) go out at once.
const CHUNK: usize = 64 << 10;

/// A file's bytes, as the OpenAPI document describes a body of them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct FileBytes(Vec<u8>);

/// What `PUT /files` takes besides the bytes.
#[derive(Debug, Clone, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FileParams {
    /// The file's name without folders (`QBR deck.pdf`): what it is saved and
    /// opened as when fetched.
    name: String,
}

/// The 413 of a file over the file store's limit, naming it (and its size when
/// the request said it).
fn file_too_large(name: &str, size: Option<u64>) -> ApiError {
    let detail = match size {
        Some(size) => format!(
            "{name} is {}: the file store takes files up to {} MiB",
            tend_domain::format::bytes(size),
            MAX_FILE_BYTES >> 20
        ),
        None => format!(
            "{name} is larger than the file store takes: files up to {} MiB",
            MAX_FILE_BYTES >> 20
        ),
    };
    Problem {
        field: Some("body".into()),
        ..Problem::new(413, "too_large", "Body too large", detail)
    }
    .into()
}

#[utoipa::path(put, path = "/api/v1/files", params(FileParams),
    request_body(content = FileBytes, content_type = "application/octet-stream",
        description = "The file's bytes, up to 100 MiB"),
    security(("bearer" = [])),
    responses((status = 200, body = DocumentFile, description = "The file, kept under the SHA-256 of its bytes (the same bytes are kept once): set it as a document's `file`"),
        (status = 403, body = Problem, description = "A viewer stores no file"),
        (status = 413, body = Problem, description = "The file is over the file store's limit of 100 MiB"),
        (status = 422, body = Problem, description = "The name is empty or has folders in it (`field` is name)")))]
async fn put_file(
    State(s): State<AppState>,
    caller: Caller,
    Params(p): Params<FileParams>,
    request: axum::extract::Request,
) -> Answer<DocumentFile> {
    // As creating a document: any role that writes.
    caller.may_write(false, "storing a file")?;
    // What can be told before the bytes are read is told first.
    if let Some(problem) = file_name_problem(&p.name) {
        return Err(Error::invalid("name", format!("'{}' {problem}", p.name)).into());
    }
    let said = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(size) = said.filter(|n| *n > MAX_FILE_BYTES) {
        return Err(file_too_large(&p.name, Some(size)));
    }
    let bytes = match RawBody::from_request(request, &()).await {
        Ok(RawBody(bytes)) => bytes,
        Err(ApiError::Problem(problem)) if problem.status == 413 => {
            return Err(file_too_large(&p.name, None));
        }
        Err(e) => return Err(e),
    };
    Ok(Json(s.store.put_file(&p.name, Vec::from(bytes)).await?))
}

#[utoipa::path(get, path = "/api/v1/files/{sha256}",
    params(("sha256" = String, Path, description = "The SHA-256 of the file's bytes: 64 lowercase hex digits (a document's `file.sha256`)")),
    security(("bearer" = [])),
    responses((status = 200, body = FileBytes, content_type = "application/octet-stream", description = "The file's bytes",
            headers(("ETag" = String, description = "the SHA-256, quoted: the bytes never change"))),
        (status = 404, body = Problem, description = "The store keeps no file with this SHA-256 (`sha256` names it)"),
        (status = 422, body = Problem, description = "Not a SHA-256 (`field` is sha256)")))]
async fn read_file(
    State(s): State<AppState>,
    _: Caller,
    PathOf(sha256): PathOf<String>,
) -> Result<Response, ApiError> {
    let store = s.store.clone();
    let hash = sha256.clone();
    let opened = tokio::task::spawn_blocking(move || -> Result<_, Error> {
        let Some(path) = store.file_path(&hash)? else {
            return Ok(None);
        };
        let file = std::fs::File::open(&path)
            .map_err(|e| Error::storage(format!("cannot open {}: {e}", path.display())))?;
        let size = file
            .metadata()
            .map_err(|e| Error::storage(format!("cannot read {}: {e}", path.display())))?
            .len();
        Ok(Some((file, size)))
    })
    .await
    .map_err(|e| Error::storage(e.to_string()))??;
    // The bytes of a hash never change: their hash is their tag.
    let tag = format!("\"{sha256}\"");
    let Some((file, size)) = opened else {
        // Kept in the database (a PostgreSQL store): read whole.
        let bytes = s.store.read_file(&sha256).await?;
        let size = bytes.len() as u64;
        return Ok(file_response(axum::body::Body::from(bytes), size, &tag));
    };
    // Read a chunk at a time into a small channel, as an export is: memory
    // stays a few chunks whatever the file's size.
    let (chunks, receiver) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        use std::io::Read as _;
        let mut file = file;
        loop {
            let mut buf = vec![0; CHUNK];
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    buf.truncate(n);
                    if chunks.blocking_send(Ok(buf)).is_err() {
                        // The client left.
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!("reading file {sha256} stopped: {e}");
                    let _ = chunks.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut r| async move {
        r.recv().await.map(|chunk| (chunk, r))
    });
    Ok(file_response(
        axum::body::Body::from_stream(stream),
        size,
        &tag,
    ))
}

/// A file's bytes as a response, with their length and tag.
fn file_response(body: axum::body::Body, size: u64, tag: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(tag) = HeaderValue::from_str(tag) {
        headers.insert(header::ETAG, tag);
    }
    response
}

/// An export's bytes, handed to the response a chunk at a time.
struct Chunks {
    send: tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn flush_chunk(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.send
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client left"))
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.flush_chunk()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[utoipa::path(post, path = "/api/v1/emails", request_body = outbound::OutgoingEmail,
    security(("bearer" = [])),
    responses((status = 200, body = outbound::Delivery, description = "The email, queued in the outbox: sent by the next tick, logged on the account once sent"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn send_email(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Answer<outbound::Delivery> {
    caller.may_write(false, "sending email")?;
    let Body(email) = Body::<outbound::OutgoingEmail>::from_request(request, &()).await?;
    caller
        .may_write_accounts(&s.store, vec![email.account_id])
        .await?;
    let actor = caller.actor(&headers);
    let delivery = s.store.send_email(&actor, email).await?;
    // Sent now rather than at the next round of the scheduler.
    let store = s.store.clone();
    tokio::spawn(async move {
        if let Err(e) = store.tick().await {
            tracing::warn!("tick after an email: {e}");
        }
    });
    Ok(Json(delivery))
}

#[utoipa::path(get, path = "/api/v1/deliveries", params(outbound::DeliveryQuery),
    security(("bearer" = [])),
    responses((status = 200, body = Vec<outbound::Delivery>, description = "The outbox and the delivery log, newest first, each with its attempts"),
        (status = 400, body = Problem), (status = 422, body = Problem, description = "A limit over the most a page holds")))]
async fn deliveries(
    State(s): State<AppState>,
    _: Caller,
    Params(q): Params<outbound::DeliveryQuery>,
) -> Answer<Vec<outbound::Delivery>> {
    Ok(Json(s.store.deliveries(&q).await?))
}

#[utoipa::path(post, path = "/api/v1/deliveries/{id}/retry", params(("id" = Id, Path)),
    security(("bearer" = [])),
    responses((status = 200, body = outbound::Delivery, description = "Queued again"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn retry_delivery(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    PathOf(id): PathOf<Id>,
) -> Answer<outbound::Delivery> {
    caller.may_write(false, "retrying a delivery")?;
    let actor = caller.actor(&headers);
    Ok(Json(s.store.retry_delivery(&actor, id).await?))
}

#[utoipa::path(post, path = "/api/v1/tick", security(("bearer" = [])),
    responses((status = 200, body = outbound::TickReport, description = "Due playbook steps run, notifications queued, due deliveries sent"),
        (status = 403, body = Problem)))]
async fn tick(State(s): State<AppState>, caller: Caller) -> Answer<outbound::TickReport> {
    caller.may_write(false, "running the scheduler")?;
    Ok(Json(s.store.tick().await?))
}

/// Whose work: the caller's unless `user` names another.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct WorkParams {
    user: Option<String>,
}

/// The change feed: every change log entry as it is written, as server-sent
/// events (`event: change`, `id:` the entry's id, `data:` the entry), with a
/// comment every 15 s on an idle feed. Any role may follow it.
#[utoipa::path(get, path = "/api/v1/changes", params(FeedParams,
        ("Last-Event-ID" = Option<i64>, Header, description = "the last event had: the feed resumes after it")),
    security(("bearer" = [])),
    responses((status = 200, content_type = "text/event-stream", body = ChangeLogEntry,
            description = "Each change log entry after the one asked for, then each as it is written"),
        (status = 422, body = Problem, description = "A Last-Event-ID that is not a whole number (one past the end of the log resumes from its end)")))]
async fn changes(
    State(s): State<AppState>,
    _: Caller,
    headers: HeaderMap,
    Params(p): Params<FeedParams>,
) -> Result<Response, ApiError> {
    let resume = match headers.get(LAST_EVENT_ID) {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|t| t.trim().parse::<Id>().ok())
                .ok_or_else(|| {
                    Error::invalid(
                        "Last-Event-ID",
                        "not the id of a change log entry (a whole number)",
                    )
                })?,
        ),
        None => p.after,
    };
    Ok(s.feed.subscribe(resume).await?.into_response())
}

#[utoipa::path(get, path = "/api/v1/work", params(WorkParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<outbound::WorkItem>, description = "What waits on the user across accounts, most urgent first"),
        (status = 400, body = Problem)))]
async fn my_work(
    State(s): State<AppState>,
    caller: Caller,
    Params(p): Params<WorkParams>,
) -> Answer<Vec<outbound::WorkItem>> {
    let user = p
        .user
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| caller.user.clone());
    Ok(Json(s.store.my_work(&user).await?))
}
