//! Every error the server answers is a problem details body (RFC 9457): backend
//! errors, bad bodies and query strings, missing tokens, refused roles, limits.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use tend_backend::Error;
use tend_backend::api::Problem;

/// The response of a problem: its status, its body as `application/problem+json`,
/// and the headers its status asks for. (A trait of our own, not `IntoResponse`:
/// the problem is a wire type of the backend crate, shared with the HTTP client.)
pub trait ProblemResponse {
    fn into_response(self) -> Response;
}

impl ProblemResponse for Problem {
    fn into_response(self) -> Response {
        let problem = self;
        let status =
            StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(&problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"tend\""),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE if problem.code == "timeout" => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

/// Why a request failed: a backend error, or a problem of the request itself.
pub enum ApiError {
    Backend(Error),
    Problem(Box<Problem>),
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Backend(e)
    }
}

impl From<Problem> for ApiError {
    fn from(p: Problem) -> Self {
        ApiError::Problem(Box::new(p))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = match self {
            ApiError::Problem(p) => return (*p).into_response(),
            ApiError::Backend(e) => e,
        };
        if let Error::Storage { message } = &e {
            // The detail of a storage failure stays in the server's log.
            tracing::error!("storage error: {message}");
            return Problem::new(
                500,
                "storage",
                "Storage error",
                "storage error: the server could not read or write its store (see its log)",
            )
            .into_response();
        }
        Problem::from_error(&e).into_response()
    }
}

/// What a failed request body, query string or path says.
fn rejected(status: StatusCode, what: &str, detail: String) -> Problem {
    let (code, title) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "Body too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "Expected JSON"),
        _ => ("invalid", "Invalid request"),
    };
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    Problem {
        field: Some(what.to_string()),
        ..Problem::new(status.as_u16(), code, title, detail)
    }
}

/// A JSON body; a bad one is a 4xx problem naming where it went wrong.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: serde::de::DeserializeOwned + serde::Serialize,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(rejected(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "body",
                "the body must be JSON (Content-Type: application/json)".into(),
            )
            .into());
        }
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        // serde reads a struct from an array of its fields too (`[null]`); the
        // API's objects are objects.
        let is_array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        let shaped = |v: T| {
            if is_array && serde_json::to_value(&v).is_ok_and(|v| v.is_object()) {
                Err(ApiError::from(rejected(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "body",
                    "invalid JSON body: expected an object, found an array".into(),
                )))
            } else {
                Ok(Body(v))
            }
        };
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(v)) => shaped(v),
            Err(e) => match integral_floats_as_integers(&bytes) {
                // `3.0` is an integer to JSON Schema (and to the OpenAPI document):
                // accepted where an integer is expected.
                Some(v) => T::deserialize(v)
                    .map(Body)
                    .map_err(|_| json_rejection(e).into()),
                None => Err(json_rejection(e).into()),
            },
        }
    }
}

/// `application/json`, or a type of it (`application/problem+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The body with every number that is a whole float (`3.0`) made an integer,
/// or `None` when it holds none (or is not JSON).
fn integral_floats_as_integers(bytes: &[u8]) -> Option<serde_json::Value> {
    use serde_json::Value;
    fn walk(v: &mut Value, changed: &mut bool) {
        match v {
            Value::Number(n) if n.is_f64() => {
                if let Some(f) = n.as_f64()
                    && f.fract() == 0.0
                    && f.abs() < 9.0e15
                {
                    *v = Value::from(f as i64);
                    *changed = true;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, changed)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, changed)),
            _ => {}
        }
    }
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    let mut changed = false;
    walk(&mut value, &mut changed);
    changed.then_some(value)
}

/// A body taken as it is (an import); one that cannot be read, or is over the
/// limit, is a 4xx problem like a JSON body's.
pub struct RawBody(pub axum::body::Bytes);

impl<S> FromRequest<S> for RawBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(bytes) => Ok(RawBody(bytes)),
            Err(e) => {
                let status = e.status();
                let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "the body is larger than the server accepts".into()
                } else {
                    e.body_text()
                };
                Err(rejected(status, "body", detail).into())
            }
        }
    }
}

fn json_rejection(e: JsonRejection) -> Problem {
    let status = e.status();
    let detail = match &e {
        JsonRejection::JsonDataError(_) | JsonRejection::JsonSyntaxError(_) => {
            format!("invalid JSON body: {}", source_text(&e))
        }
        JsonRejection::MissingJsonContentType(_) => {
            "the body must be JSON (Content-Type: application/json)".into()
        }
        JsonRejection::BytesRejection(_) if status == StatusCode::PAYLOAD_TOO_LARGE => {
            "the body is larger than the server accepts".into()
        }
        _ => e.body_text(),
    };
    rejected(status, "body", detail)
}

/// The innermost message of a rejection (serde's, with its line and column).
fn source_text(e: &dyn std::error::Error) -> String {
    let mut inner: &dyn std::error::Error = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    inner.to_string()
}

/// An extractor of request parts that answers a 400 problem, naming `$what`, when
/// axum's `$inner` refuses the request.
macro_rules! parts_extractor {
    ($(#[$doc:meta])* $name:ident, $inner:ident, $what:literal, $lead:literal) => {
        $(#[$doc])*
        pub struct $name<T>(pub T);

        impl<S, T> FromRequestParts<S> for $name<T>
        where
            T: serde::de::DeserializeOwned + Send,
            S: Send + Sync,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, ApiError> {
                match axum::extract::$inner::<T>::from_request_parts(parts, state).await {
                    Ok(axum::extract::$inner(v)) => Ok($name(v)),
                    Err(e) => Err(rejected(
                        StatusCode::BAD_REQUEST,
                        $what,
                        format!(concat!($lead, ": {}"), source_text(&e)),
                    )
                    .into()),
                }
            }
        }
    };
}

parts_extractor!(
    /// A query string; a bad one is a 400 problem.
    Params, Query, "query", "invalid query string"
);
parts_extractor!(
    /// Path parameters; a bad one is a 400 problem.
    PathOf, Path, "path", "invalid path"
);
