//! The one place where a failure becomes an HTTP status and the contract's error body.

use poem::http::StatusCode;
use poem_openapi::{ApiResponse, Object, payload::Json};
use todo_agent::ChatError;
use todo_conversation::ConversationRepositoryError;
use todo_domain::{TaskRepositoryError, ValidationError};

/// `{"code", "message"}` inside the error envelope.
#[derive(Debug, Clone, Object)]
pub struct ErrorDetail {
    /// A stable snake_case code.
    pub code: String,
    /// For a person.
    pub message: String,
}

/// The contract's error envelope: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// Every error answer of the API.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The body is not JSON.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No token, or a bad one.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// A token for another user.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// No such resource for this user.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// The route exists but not with that method.
    #[oai(status = 405)]
    MethodNotAllowed(Json<ErrorBody>),
    /// The body is over the limit.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// A field is missing, of the wrong type or invalid.
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    /// Over the per-user request budget; retry after the given seconds.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// A bug on our side.
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The model's server failed.
    #[oai(status = 502)]
    BadGateway(Json<ErrorBody>),
    /// The database is unreachable.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
    /// The model did not answer in time.
    #[oai(status = 504)]
    GatewayTimeout(Json<ErrorBody>),
}

fn body(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message: message.into(),
        },
    })
}

impl ApiError {
    #[must_use]
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::BadRequest(body("malformed_body", message))
    }

    #[must_use]
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::Unauthorized(body("unauthorized", message))
    }

    #[must_use]
    pub fn forbidden() -> Self {
        Self::Forbidden(body(
            "forbidden",
            "the token does not grant access to this user's data",
        ))
    }

    #[must_use]
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(body("not_found", format!("{what} not found")))
    }

    #[must_use]
    pub fn payload_too_large(limit: usize) -> Self {
        Self::PayloadTooLarge(body(
            "payload_too_large",
            format!("the request body is larger than {limit} bytes"),
        ))
    }

    #[must_use]
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Unprocessable(body("validation_error", message))
    }

    #[must_use]
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::TooManyRequests(
            body(
                "rate_limited",
                format!("too many requests; retry in {retry_after_secs} s"),
            ),
            retry_after_secs,
        )
    }

    #[must_use]
    pub fn unavailable() -> Self {
        Self::Unavailable(body(
            "service_unavailable",
            "the database is unreachable; retry shortly",
        ))
    }

    #[must_use]
    pub fn internal() -> Self {
        Self::Internal(body("internal_error", "an unexpected error occurred"))
    }

    /// The status this error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests(..) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::BadGateway(_) => StatusCode::BAD_GATEWAY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::GatewayTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<TaskRepositoryError> for ApiError {
    fn from(e: TaskRepositoryError) -> Self {
        match e {
            TaskRepositoryError::NotFound => Self::not_found("task"),
            TaskRepositoryError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "task store unavailable");
                Self::unavailable()
            }
            TaskRepositoryError::Unexpected(detail) => {
                tracing::error!(error = %detail, "task store failed");
                Self::internal()
            }
        }
    }
}

impl From<ConversationRepositoryError> for ApiError {
    fn from(e: ConversationRepositoryError) -> Self {
        match e {
            ConversationRepositoryError::NotFound => Self::not_found("conversation"),
            ConversationRepositoryError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "conversation store unavailable");
                Self::unavailable()
            }
            ConversationRepositoryError::Unexpected(detail) => {
                tracing::error!(error = %detail, "conversation store failed");
                Self::internal()
            }
        }
    }
}

impl From<ChatError> for ApiError {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::ConversationNotFound => Self::not_found("conversation"),
            ChatError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "store unavailable during chat");
                Self::unavailable()
            }
            ChatError::ModelTimeout => Self::GatewayTimeout(body(
                "llm_timeout",
                "the language model did not answer in time; your message was saved",
            )),
            ChatError::ModelFailed(detail) => {
                tracing::warn!(error = %detail, "language model failed");
                Self::BadGateway(body(
                    "llm_unavailable",
                    "the language model failed to answer; your message was saved",
                ))
            }
            ChatError::Unexpected(detail) => {
                tracing::error!(error = %detail, "chat failed");
                Self::internal()
            }
        }
    }
}

/// Turns any error poem or poem-openapi raised before or around a handler into the contract's
/// shape and status: a malformed parameter or body is 422, a missing token 401, an unknown
/// route 404.
#[must_use]
pub fn from_poem_error(err: &poem::Error) -> ApiError {
    use poem_openapi::error::{
        AuthorizationError, ContentTypeError, ParseParamError, ParsePathError,
        ParseRequestPayloadError,
    };
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return ApiError::invalid(format!("invalid parameter {}: {}", e.name, e.reason));
    }
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return ApiError::invalid(format!("invalid request body: {}", e.reason));
    }
    if err.is::<ParsePathError>() {
        return ApiError::invalid("invalid path");
    }
    if err.is::<AuthorizationError>() {
        return ApiError::unauthorized("a bearer token is required");
    }
    if err.is::<ContentTypeError>() {
        return ApiError::bad_request("the body must be JSON (content-type: application/json)");
    }
    match err.status() {
        StatusCode::NOT_FOUND => ApiError::not_found("route"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(body(
            "method_not_allowed",
            "this route does not accept that method",
        )),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(crate::BODY_LIMIT_BYTES),
        s if s.is_client_error() => ApiError::bad_request(err.to_string()),
        _ => {
            tracing::error!(error = %err, "unhandled server error");
            ApiError::internal()
        }
    }
}
