//! The `method` and `route` labels of a request.

use std::borrow::Cow;

/// The route template of a request, for routers other than axum: insert it into the request's
/// extensions before [`HttpMetrics`](super::HttpMetrics) sees the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTemplate(pub Cow<'static, str>);

/// The route label when no template is known.
pub(crate) const UNMATCHED: &str = "_unmatched";

/// The method label: one of the nine standard methods, else `_OTHER`, so a client cannot make
/// series with made-up methods.
pub(crate) fn method(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "GET",
        http::Method::HEAD => "HEAD",
        http::Method::POST => "POST",
        http::Method::PUT => "PUT",
        http::Method::DELETE => "DELETE",
        http::Method::CONNECT => "CONNECT",
        http::Method::OPTIONS => "OPTIONS",
        http::Method::TRACE => "TRACE",
        http::Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

pub(crate) fn route(extensions: &http::Extensions) -> Cow<'static, str> {
    #[cfg(feature = "axum")]
    if let Some(matched) = extensions.get::<axum::extract::MatchedPath>() {
        return Cow::Owned(matched.as_str().to_owned());
    }
    match extensions.get::<RouteTemplate>() {
        Some(RouteTemplate(template)) => template.clone(),
        None => {
            #[cfg(not(feature = "axum"))]
            warn_once_that_routes_are_unknown();
            Cow::Borrowed(UNMATCHED)
        }
    }
}

/// Without the `axum` feature an axum router's `MatchedPath` goes unread and every request
/// would count as `_unmatched` without a word: say so, once per process, with the fix.
#[cfg(not(feature = "axum"))]
fn warn_once_that_routes_are_unknown() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "HTTP metrics record this request's route as `_unmatched`: it carries no \
             RouteTemplate. With axum, enable deploytel-metrics' `axum` feature (deploytel's \
             `axum`) so that routes come from axum's MatchedPath; with another router, insert a \
             RouteTemplate into each request's extensions"
        );
    });
}
