//! Firing one due schedule: which of its firings since it was last handled
//! to post and which to record as skipped (catch-up after downtime), the
//! claim of the one to post, and the schedule moved on to its next firing.

use chrono::{DateTime, Duration, Utc};

use super::{Scheduler, MAX_MISSED};
use crate::domain::catch_up::catch_up;
use crate::domain::firings::{next_due, Window};
use crate::domain::occurrence::{ClaimOutcome, Occurrence, OccurrenceClaim};
use crate::domain::schedule::{Schedule, ScheduleKind, ScheduleState};
use crate::domain::spec::ScheduleSpec;

impl Scheduler {
    /// Handles one due schedule: records the firings missed too long ago as
    /// skipped, claims the one to post (if any), and stores the next due
    /// instant. Returns the claim this process must post.
    ///
    /// A schedule due within the lead, after `now`, has its firing claimed
    /// ahead: it is judged at its own instant, so it is never late, let
    /// alone missed, and a timed pause that ends by then ends with it.
    pub(super) async fn fire(
        &self,
        schedule: Schedule,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Occurrence>> {
        let app = &self.app;
        let Some(first) = schedule.next_due_at else {
            return Ok(None);
        };
        let judged_at = now.max(first);
        if let ScheduleState::Paused { until: Some(until) } = schedule.state {
            if until <= judged_at {
                app.end_pause(schedule.id, judged_at).await?;
            }
        }
        let spec = match ScheduleSpec::parse(&schedule.spec, 0) {
            Ok(spec) => spec,
            Err(error) => {
                // Nothing will make a stored spec parse: stop it, visibly.
                let reason = format!("its timing `{}` no longer reads: {error}", schedule.spec);
                app.pause_for_error(schedule.guild, schedule.id, reason, now)
                    .await?;
                return Ok(None);
            }
        };
        let quiet = app.quiet_of(schedule.guild).await?;
        let window = Window {
            paused_until: None,
            expires_at: schedule.expires_at,
        };

        // Every firing from the stored one up to now was missed or is due.
        let mut missed = vec![first];
        let mut last = first;
        let mut from = first;
        loop {
            if missed.len() == MAX_MISSED {
                // A long outage: the oldest are recorded, then the search
                // jumps to the catch-up window, whose latest firing may
                // still go out.
                let window_start = now - self.options.catch_up_window - Duration::milliseconds(1);
                if from < window_start {
                    tracing::warn!(schedule = %schedule.id, "more than {MAX_MISSED} firings missed; the rest before the catch-up window are not recorded");
                    from = window_start;
                }
            }
            match next_due(&spec, schedule.timezone, &quiet, window, from.max(last)) {
                Some(f) if f.at <= now => {
                    missed.push(f.at);
                    last = f.at;
                    from = f.at;
                }
                _ => break,
            }
        }
        let decision = catch_up(missed, judged_at, self.options.catch_up_window);
        for skipped in &decision.skip {
            let late = now - *skipped;
            let reason = format!(
                "missed by {} minutes while the bot was away",
                late.num_minutes()
            );
            app.record_skipped(schedule.id, schedule.next_exercise(), *skipped, reason, now)
                .await?;
            metrics::counter!("secondheart_prompts_total", "outcome" => "skipped").increment(1);
        }
        if !decision.skip.is_empty() {
            tracing::info!(schedule = %schedule.id, skipped = decision.skip.len(), "missed firings recorded as skipped");
        }

        let mut claimed = None;
        if let Some(due_at) = decision.post {
            let turn = match schedule.kind {
                ScheduleKind::Board(_) => None,
                ScheduleKind::Prompt => schedule.next_turn(),
            };
            let exercise = turn.and_then(|t| schedule.exercises.get(t.slot).cloned());
            let tips = exercise
                .as_ref()
                .and_then(|e| self.app.catalog.get(e.as_str()))
                .map_or(0, |e| e.tips.len() as u32);
            let claim = OccurrenceClaim {
                schedule: schedule.id,
                due_at,
                exercise,
                turn,
                owner: self.options.owner.clone(),
                now,
                lease_until: now + self.options.lease,
                tips,
            };
            match app.claim_occurrence(claim).await? {
                ClaimOutcome::Claimed(occurrence) => claimed = Some(occurrence),
                ClaimOutcome::HeldElsewhere(o) => {
                    tracing::debug!(occurrence = %o.id, owner = ?o.claim_owner, "another process is posting this firing")
                }
                ClaimOutcome::Finished(_) | ClaimOutcome::NoSchedule => {}
            }
        }

        // The next firing strictly after everything handled here.
        let after = decision
            .post
            .into_iter()
            .chain(decision.skip)
            .fold(now, DateTime::max);
        let next = next_due(&spec, schedule.timezone, &quiet, window, after).map(|f| f.at);
        let fired = decision.post.unwrap_or(last);
        if let Err(error) = app
            .advance_schedule(schedule.id, first, fired, next, now)
            .await
        {
            // The claim still goes out; the schedule is due again and the
            // next pass finds this firing finished.
            tracing::error!(%error, schedule = %schedule.id, "cannot store the next due instant");
        }
        Ok(claimed)
    }
}
