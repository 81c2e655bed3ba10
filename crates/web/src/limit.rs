//! Per-caller rate limiting: a token bucket per API token, or per client address for anonymous
//! requests, so that one misbehaving integration cannot starve a county's other users. Backed
//! by the `governor` crate through `tower_governor`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::http::header::AUTHORIZATION;
use axum::response::IntoResponse;
use tower_governor::GovernorError;
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::KeyExtractor;

use crate::auth::token_digest;
use crate::problem::ApiError;

/// Whose bucket a request draws from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CallerKey {
    /// The SHA-256 of the bearer token (never the token itself).
    Token([u8; 32]),
    /// The client address of an anonymous request.
    Address(IpAddr),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct CallerKeyExtractor;

impl KeyExtractor for CallerKeyExtractor {
    type Key = CallerKey;

    fn extract<T>(&self, request: &Request<T>) -> Result<CallerKey, GovernorError> {
        if let Some(token) = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        {
            return Ok(CallerKey::Token(token_digest(token.trim())));
        }
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| CallerKey::Address(info.0.ip()))
            // Without connection information (tests calling the router directly) all anonymous
            // requests share one bucket.
            .or(Some(CallerKey::Address(IpAddr::from([0, 0, 0, 0]))))
            .ok_or(GovernorError::UnableToExtractKey)
    }
}

/// Rate-limit settings.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    /// Requests per second each caller may make on average.
    pub per_second: u32,
    /// Requests a caller may make in a burst.
    pub burst: u32,
}

/// Adds the limiter to `router`, unless `limit.per_second` is 0 (limiting off). Also starts a
/// task that forgets idle callers, so the table of buckets does not grow without bound.
pub(crate) fn apply(router: axum::Router, limit: RateLimit) -> axum::Router {
    if limit.per_second == 0 {
        return router;
    }
    let interval = (1_000_000 / u64::from(limit.per_second)).max(1);
    let Some(config) = GovernorConfigBuilder::default()
        .per_nanosecond(interval * 1000)
        .burst_size(limit.burst.max(1))
        .key_extractor(CallerKeyExtractor)
        .finish()
    else {
        tracing::error!(?limit, "invalid rate limit; requests are not limited");
        return router;
    };
    let config = Arc::new(config);
    let limiter = config.limiter().clone();
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(60));
            loop {
                ticker.tick().await;
                limiter.retain_recent();
            }
        });
    }
    router.layer(
        tower_governor::GovernorLayer::new(config).error_handler(|error| match error {
            GovernorError::TooManyRequests { wait_time, .. } => {
                ApiError::rate_limited(wait_time.max(1)).into_response()
            }
            other => ApiError::internal(&format!("rate limiter: {other:?}")).into_response(),
        }),
    )
}
