//! The Prometheus metrics of `/metrics`: one process-wide recorder of the
//! `metrics` facade, so any module counts with one macro call; every metric
//! is described here. Label values are bounded: command names, outcomes,
//! route groups, status codes, shard numbers; never user or guild ids.

use std::sync::OnceLock;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Buckets of the latency histograms, in seconds: an interaction must be
/// answered within 3.
const LATENCY_BUCKETS: &[f64] = &[0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0];
/// Buckets of prompt lateness, in seconds: on time is under a second; the
/// catch-up window is minutes.
const LATENESS_BUCKETS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0];
/// Buckets of drawing one picture, in seconds.
const RENDER_BUCKETS: &[f64] = &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
/// Buckets of the writer's batch size (requests per transaction).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];
/// Buckets of the writer's commit time, in seconds.
const COMMIT_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

/// Installs the recorder (once per process) and describes every metric;
/// the handle renders the text `/metrics` serves.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let buckets = [
        ("secondheart_interaction_latency_seconds", LATENCY_BUCKETS),
        ("secondheart_prompt_lateness_seconds", LATENESS_BUCKETS),
        ("secondheart_writer_batch_size", BATCH_BUCKETS),
        ("secondheart_writer_commit_seconds", COMMIT_BUCKETS),
        ("secondheart_picture_render_seconds", RENDER_BUCKETS),
    ];
    let mut builder = PrometheusBuilder::new();
    for (name, values) in buckets {
        builder = builder.set_buckets_for_metric(Matcher::Full(name.to_owned()), values)?;
    }
    let handle = builder.install_recorder()?;
    describe();
    Ok(HANDLE.get_or_init(|| handle).clone())
}

fn describe() {
    describe_counter!(
        "secondheart_interactions_total",
        "Slash commands answered, by command and outcome (ok, user_error, internal_error, expired)."
    );
    describe_histogram!(
        "secondheart_interaction_latency_seconds",
        Unit::Seconds,
        "Time from Discord creating an interaction (its id's timestamp) to the bot's answer, by command."
    );
    describe_counter!(
        "secondheart_interactions_dropped_total",
        "Interactions dropped unstarted under overload, by reason: full (every waiting place taken) or stale (their turn came 2.5 s or more after Discord created them)."
    );
    describe_counter!(
        "secondheart_prompts_total",
        "Prompts of the scheduler, by outcome (posted, skipped, failed, unknown)."
    );
    describe_histogram!(
        "secondheart_prompt_lateness_seconds",
        Unit::Seconds,
        "How long after its due time a prompt was posted."
    );
    describe_counter!(
        "secondheart_discord_responses_total",
        "Discord REST responses, by route group and HTTP status."
    );
    describe_gauge!(
        "secondheart_discord_invalid_requests",
        "Responses 401, 403 and 429 in the last 10 minutes (Discord bans the IP at 10,000)."
    );
    describe_histogram!(
        "secondheart_writer_batch_size",
        "Write requests committed together in one transaction."
    );
    describe_histogram!(
        "secondheart_writer_commit_seconds",
        Unit::Seconds,
        "Time of one writer transaction, begin to durable commit."
    );
    describe_histogram!(
        "secondheart_picture_render_seconds",
        Unit::Seconds,
        "Time of drawing one picture (a board or a chart), once its turn came."
    );
    describe_gauge!(
        "secondheart_database_bytes",
        Unit::Bytes,
        "Size of the database file and its write-ahead log."
    );
    describe_gauge!(
        "secondheart_gateway_latency_seconds",
        Unit::Seconds,
        "Gateway heartbeat latency, by shard."
    );
    describe_gauge!(
        "secondheart_gateway_connected",
        "1 while the shard's gateway session is READY, else 0."
    );
    describe_gauge!(
        "secondheart_ready",
        "1 when /readyz would answer 200, else 0."
    );
    describe_gauge!(
        "secondheart_schedules_active",
        "Schedules that are active (not paused) and will fire again."
    );
    describe_gauge!(
        "secondheart_next_due_seconds",
        Unit::Seconds,
        "Seconds until the next due firing; 0 when none."
    );
}
