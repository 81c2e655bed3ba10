//! Every error the API returns is an RFC 9457 `application/problem+json` document, with the
//! EPCIS 2.0 exception type where one applies and a JSON pointer to the field at fault. This is
//! the only place that chooses HTTP status codes.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One problem with one field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// A JSON pointer (or XML path) to the field, `""` for the whole document.
    pub pointer: String,
    /// What is wrong, in plain words.
    pub detail: String,
}

/// An RFC 9457 problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The problem type: an EPCIS exception (`epcisException:ValidationException`) or a URI.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary that does not change between occurrences.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The first field at fault, as a JSON pointer (an extension member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// Every field at fault (an extension member), when there are several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// The API's error type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError(pub Box<Problem>);

impl ApiError {
    fn new(status: StatusCode, kind: &str, title: &str, detail: impl Into<String>) -> Self {
        ApiError(Box::new(Problem {
            kind: kind.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: Some(detail.into()),
            instance: None,
            pointer: None,
            errors: Vec::new(),
        }))
    }

    /// 400: the submitted document or event is invalid; `errors` says where.
    pub fn validation(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "epcisException:ValidationException",
            "The request is not valid EPCIS",
            detail,
        );
        error.0.pointer = errors.first().map(|e| e.pointer.clone());
        error.0.errors = errors;
        error
    }

    /// 400: a request body of Retu's own API (not an EPCIS document) is invalid; `errors`
    /// says which fields.
    pub fn invalid_request(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "https://retu.example/problems/invalid-request",
            "The request is not valid",
            detail,
        );
        error.0.pointer = errors.first().map(|e| e.pointer.clone());
        error.0.errors = errors;
        error
    }

    /// 400: a query parameter is wrong.
    pub fn query_parameter(parameter: &str, detail: impl Into<String>) -> Self {
        let mut error = Self::new(
            StatusCode::BAD_REQUEST,
            "epcisException:QueryParameterException",
            "A query parameter is not valid",
            detail,
        );
        error.0.pointer = Some(format!("/{parameter}"));
        error
    }

    /// 401: no valid token was given.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "epcisException:SecurityException",
            "Authentication required",
            "send an API token as `Authorization: Bearer <token>`",
        )
    }

    /// 403: the caller may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "epcisException:SecurityException",
            "Not allowed",
            detail,
        )
    }

    /// 403 about one field (an identifier or location the caller does not own).
    pub fn forbidden_field(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Self {
        let mut error = Self::forbidden(detail);
        error.0.pointer = errors.first().map(|e| e.pointer.clone());
        error.0.errors = errors;
        error
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "epcisException:NoSuchResourceException",
            "Not found",
            detail,
        )
    }

    /// 404 for a path the API does not have (as opposed to a resource it does not hold).
    pub fn no_such_endpoint(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "https://retu.example/problems/no-such-endpoint",
            "No such endpoint",
            format!("{path} is not part of this API; /openapi.json lists what is"),
        )
    }

    /// 409: the resource exists with different content.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "epcisException:ResourceAlreadyExistsException",
            "Already exists",
            detail,
        )
    }

    /// 413: more events or bytes than the capture limit.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "epcisException:CaptureLimitExceededException",
            "The request is too large",
            detail,
        )
    }

    /// 415.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "epcisException:UnsupportedMediaTypeException",
            "Unsupported media type",
            detail,
        )
    }

    /// 406.
    pub fn not_acceptable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "epcisException:NotAcceptableException",
            "Not acceptable",
            detail,
        )
    }

    /// 429: the caller's rate limit is exhausted.
    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "https://retu.example/problems/rate-limited",
            "Too many requests",
            format!("slow down; try again in {retry_after_seconds} s"),
        )
    }

    /// 503: the log is not ready for this yet (for example a proof before publishing).
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "https://retu.example/problems/not-yet-available",
            "Not available yet",
            detail,
        )
    }

    /// 500: something failed inside; the details go to the log, not to the caller.
    pub fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "epcisException:ImplementationException",
            "Internal error",
            "the server failed; the operator's log has the details",
        )
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&*self.0).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        match error {
            store::StoreError::NotFound => ApiError::not_found("no such record"),
            other => ApiError::internal(&other),
        }
    }
}

impl From<ledger::LedgerError> for ApiError {
    fn from(error: ledger::LedgerError) -> Self {
        match error {
            ledger::LedgerError::NotYetPublished { index, published } => {
                ApiError::unavailable(format!(
                    "entry {index} will be in the next checkpoint (the newest covers {published} entries); retry in a second"
                ))
            }
            ledger::LedgerError::OutOfRange(detail) => ApiError::not_found(detail),
            other => ApiError::internal(&other),
        }
    }
}
