//! The operator's endpoints on `http.listen`: `/healthz` (liveness),
//! `/readyz` (readiness, naming what is not ready) and `/metrics`.
//!
//! Liveness only asks that the process and its runtime answer: an
//! orchestrator that restarts on it must not restart a bot that is merely
//! reconnecting (each restart spends one of Discord's daily identifies).

use std::future::IntoFuture as _;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// What readiness asks of the running bot.
#[async_trait::async_trait]
pub trait Readiness: Send + Sync {
    /// The parts that are not ready, by name ("gateway", "store",
    /// "scheduler"); empty when all are.
    async fn not_ready(&self) -> Vec<&'static str>;

    /// Sets the gauges read at scrape time (readiness, gateway, database
    /// size), just before `/metrics` renders.
    async fn refresh_gauges(&self) {}
}

/// What the endpoints answer from.
#[derive(Clone)]
struct Endpoints {
    readiness: Arc<dyn Readiness>,
    metrics: PrometheusHandle,
}

/// How often the histograms' recorded samples are folded into their
/// buckets when nobody scrapes `/metrics`. The recorder keeps every sample
/// until then (8 bytes each, one per interaction answered), so a bot that is
/// never scraped, or whose scraper is down for a week, would grow without
/// bound.
const METRICS_UPKEEP: std::time::Duration = std::time::Duration::from_secs(5);

/// Binds `listen` (failing start-up if it cannot) and serves the endpoints
/// on a task of their own, which also keeps the metrics' memory bounded;
/// the task is aborted when its handle is.
pub async fn serve(
    listen: SocketAddr,
    readiness: Arc<dyn Readiness>,
    metrics: PrometheusHandle,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (http.listen)"))?;
    let local = listener.local_addr().unwrap_or(listen);
    let upkeep = metrics.clone();
    let app = router(Endpoints { readiness, metrics });
    let task = tokio::spawn(async move {
        let upkeeping = async {
            let mut every = tokio::time::interval(METRICS_UPKEEP);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        };
        tokio::select! {
            served = axum::serve(listener, app).into_future() => {
                if let Err(error) = served {
                    tracing::error!(%error, "the health endpoints stopped");
                }
            }
            () = upkeeping => {}
        }
    });
    tracing::info!(listen = %local, "serving /healthz, /readyz and /metrics");
    Ok((local, task))
}

fn router(endpoints: Endpoints) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(endpoints)
}

async fn healthz() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "ok\n",
    )
}

#[derive(Serialize)]
struct ReadyBody {
    ready: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_ready: Vec<&'static str>,
}

async fn readyz(State(endpoints): State<Endpoints>) -> Response {
    let not_ready = endpoints.readiness.not_ready().await;
    ::metrics::gauge!("secondheart_ready").set(if not_ready.is_empty() { 1.0 } else { 0.0 });
    let status = if not_ready.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = ReadyBody {
        ready: not_ready.is_empty(),
        not_ready,
    };
    (status, Json(body)).into_response()
}

async fn metrics(State(endpoints): State<Endpoints>) -> Response {
    endpoints.readiness.refresh_gauges().await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        endpoints.metrics.render(),
    )
        .into_response()
}

/// `secondheart healthcheck`: GETs `url`, and fails with one line unless it
/// answers 200.
pub async fn check(url: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .context("cannot set up the HTTP client")?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|error| anyhow::anyhow!("{url} did not answer: {}", root_cause(&error)))?;
    let status = response.status();
    anyhow::ensure!(status == reqwest::StatusCode::OK, "{url} answered {status}");
    Ok(())
}

/// The innermost cause of an error: "Connection refused", not reqwest's
/// nesting of it.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// The URL `healthcheck` asks by default: `/healthz` on `listen`, through
/// loopback when `listen` is every interface.
pub fn default_url(listen: SocketAddr) -> String {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}/healthz")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_url_reaches_every_interface_through_loopback() {
        assert_eq!(
            default_url("0.0.0.0:8080".parse().unwrap()),
            "http://127.0.0.1:8080/healthz"
        );
        assert_eq!(
            default_url("[::]:9100".parse().unwrap()),
            "http://[::1]:9100/healthz"
        );
        assert_eq!(
            default_url("10.0.0.5:9100".parse().unwrap()),
            "http://10.0.0.5:9100/healthz"
        );
    }
}
