//! Goals, forgiving streaks, vacations, the team goal and milestones: what a
//! check-in adds up to, and the settings members and moderators change.
//!
//! Everything shown is replayed from stored check-ins and vacation rows on
//! each request (see `domain::goals`, `domain::streak`); only what must be
//! said once (celebrations) and what must be sent once (role grants) is
//! remembered.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::checkin::CheckIn;
use crate::domain::exercise::Unit;
use crate::domain::goals::{
    day_goal_days, first_goal_week, progress, GoalProgress, GoalTargets, MemberGoals, TargetChange,
};
use crate::domain::leaderboard::Period;
use crate::domain::member::MemberPrefs;
use crate::domain::milestones::{newly_reached, Milestone, STREAK_MILESTONES};
use crate::domain::server::{ServerSettings, WeekdaySet};
use crate::domain::streak::{
    forgiving_streak, local_date, ForgivingStreak, Vacation, MAX_VACATION_DAYS,
};
use crate::domain::team_goal::{TeamGoal, TeamMetric, TeamProgress, MAX_TEAM_TARGET};
use crate::domain::{ChannelId, GuildId, RoleId, UserId};
use crate::store::{MemberHistory, RoleGrant};

use super::settings::Caller;
use super::{App, AppError, UserError};

/// The team's user id in celebrations.
const TEAM: UserId = UserId(0);

/// What a member's history adds up to today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub today: NaiveDate,
    pub streak: ForgivingStreak,
    /// `None` when the member turned goals off.
    pub goals: Option<GoalProgress>,
    /// The end of the member's first week of goals met, if there was one.
    pub first_goal_week: Option<NaiveDate>,
    /// A vacation running today: its last date.
    pub away_until: Option<NaiveDate>,
}

/// What a new check-in set off, for the adapter to say and do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Celebration {
    /// A milestone to announce in the channel of the check-in (never for a
    /// member who opted out of leaderboards).
    pub milestone: Option<Milestone>,
    /// The name to announce it with.
    pub name: String,
    /// Role rewards queued for sending.
    pub roles_queued: bool,
    /// The team goal reached with this check-in: said once, in the
    /// leaderboard channel.
    pub team_reached: Option<(ChannelId, TeamProgress)>,
}

/// A moderator's `/settings milestone-role`, as the adapter checked it
/// against the bot's own permissions and roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleReward {
    pub days: i64,
    /// `None` removes the reward.
    pub role: Option<RoleId>,
    /// Why the bot could not grant this role, if it could not.
    pub cannot_grant: Option<String>,
}

impl App {
    /// The server's default goal targets.
    pub(crate) async fn server_targets(&self, guild: GuildId) -> Result<GoalTargets, AppError> {
        Ok(self
            .store
            .server_goals(guild)
            .await?
            .overlay(GoalTargets::default()))
    }

    /// The member's standing as of `now` from their `history`: streak
    /// with freezes and vacations, and goal progress today.
    pub(crate) fn standing(
        &self,
        settings: &ServerSettings,
        prefs: &MemberPrefs,
        history: &MemberHistory,
        now: DateTime<Utc>,
    ) -> Standing {
        let server_zone = settings.timezone.unwrap_or(self.default_zone);
        let today = local_date(now, prefs.timezone, server_zone);
        let MemberHistory {
            days,
            kept_dates,
            vacations,
            goals: member_goals,
            server_goals,
        } = history;
        // Days retention kept of older check-ins count like the check-ins.
        let counted: BTreeSet<NaiveDate> = days
            .iter()
            .map(|d| d.local_date)
            .chain(kept_dates.iter().copied())
            .collect();
        let streak = forgiving_streak(&counted, vacations, today);
        let server_targets = server_goals.overlay(GoalTargets::default());
        let working_days = working_days(settings);
        let (goals, first_week) = match member_goals.targets(server_targets) {
            None => (None, None),
            Some(targets) => {
                let days = day_goal_days(
                    days.iter()
                        .map(|d| (d.local_date, d.exercise.as_str(), d.amount, d.checkins)),
                );
                (
                    Some(progress(
                        &days,
                        targets,
                        today,
                        settings.week_start,
                        working_days,
                    )),
                    first_goal_week(&days, targets, today, settings.week_start, working_days),
                )
            }
        };
        let away_until = vacations
            .iter()
            .filter(|v| v.contains(today))
            .map(|v| v.last)
            .max();
        Standing {
            today,
            streak,
            goals,
            first_goal_week: first_week,
            away_until,
        }
    }

    /// After a new check-in: milestones to celebrate once, role rewards to
    /// queue, and the team goal if this check-in reached it.
    pub(crate) async fn celebrate(
        &self,
        settings: &ServerSettings,
        prefs: &MemberPrefs,
        checkin: &CheckIn,
        standing: &Standing,
    ) -> Result<Celebration, AppError> {
        let now = self.clock.now();
        let (guild, user) = (checkin.guild, checkin.user);
        let streak = standing.streak.current;
        let goal_week_met = standing.first_goal_week.is_some();
        // Most check-ins reach no milestone at all: then what was
        // celebrated before need not be read.
        let reached = if newly_reached(streak, goal_week_met, &BTreeSet::new()).is_empty() {
            Vec::new()
        } else {
            let celebrated: BTreeSet<Milestone> = self
                .store
                .celebrations(guild, user)
                .await?
                .iter()
                .filter_map(|k| Milestone::parse(k))
                .collect();
            newly_reached(streak, goal_week_met, &celebrated)
        };
        let mut celebration = Celebration::default();
        if !reached.is_empty() {
            let new = self
                .store
                .celebrate(guild, user, reached.iter().map(|m| m.key()).collect(), now)
                .await?;
            let new: Vec<Milestone> = reached
                .into_iter()
                .filter(|m| new.contains(&m.key()))
                .collect();
            // Opted out of leaderboards: not announced, and no role that
            // would show it either.
            if !prefs.leaderboard_opt_out {
                celebration.milestone = new.first().copied();
                celebration.name = prefs
                    .display_name
                    .clone()
                    .unwrap_or_else(|| "A member".into());
                let rewards = self.store.milestone_roles(guild).await?;
                for milestone in &new {
                    let Milestone::Streak(days) = milestone else {
                        continue;
                    };
                    for (_, role) in rewards.iter().filter(|(d, _)| d == days) {
                        let grant = RoleGrant {
                            guild,
                            user,
                            role: *role,
                        };
                        celebration.roles_queued |= self.store.queue_role_grant(grant, now).await?;
                    }
                }
            }
        }
        // The team goal is announced in the leaderboard channel: without
        // one, there is nothing to read.
        if let Some(channel) = settings.leaderboard_channel {
            let Some(team) = self.team_progress(settings, now).await? else {
                return Ok(celebration);
            };
            if team.reached() {
                let key = format!("team-goal:{}", self.week_first_date(settings, now));
                let new = self.store.celebrate(guild, TEAM, vec![key], now).await?;
                if !new.is_empty() {
                    celebration.team_reached = Some((channel, team));
                }
            }
        }
        Ok(celebration)
    }

    /// The first date of the server's week holding `now`.
    fn week_first_date(&self, settings: &ServerSettings, now: DateTime<Utc>) -> NaiveDate {
        let zone = settings.timezone.unwrap_or(self.default_zone);
        Period::ThisWeek
            .range(now, zone, settings.week_start)
            .from
            .with_timezone(&zone)
            .date_naive()
    }

    /// The team's progress this week, if the server has a team goal.
    pub(crate) async fn team_progress(
        &self,
        settings: &ServerSettings,
        now: DateTime<Utc>,
    ) -> Result<Option<TeamProgress>, AppError> {
        let Some(goal) = self.store.team_goal(settings.guild).await? else {
            return Ok(None);
        };
        let zone = settings.timezone.unwrap_or(self.default_zone);
        let week = Period::ThisWeek.range(now, zone, settings.week_start);
        let sums = self
            .store
            .exercise_sums(settings.guild, week.from, week.to)
            .await?;
        let total = sums
            .iter()
            .map(|s| match goal.metric {
                TeamMetric::Points => s.points,
                TeamMetric::Checkins => s.checkins,
                TeamMetric::Minutes => {
                    let minutes = self
                        .catalog
                        .get(&s.exercise)
                        .is_some_and(|e| e.unit == Unit::Minutes);
                    if minutes {
                        s.amount
                    } else {
                        0
                    }
                }
            })
            .sum();
        Ok(Some(TeamProgress { goal, total }))
    }

    /// `/team-goal show`: the goal and this week's progress.
    pub async fn show_team_goal(&self, guild: GuildId) -> Result<Option<TeamProgress>, AppError> {
        let settings = self.store.server_settings(guild).await?;
        self.team_progress(&settings, self.clock.now()).await
    }

    /// `/team-goal set` (moderators).
    pub async fn set_team_goal(
        &self,
        caller: &Caller,
        metric: &str,
        target: i64,
    ) -> Result<TeamProgress, AppError> {
        let settings = self.authorize(caller).await?;
        let metric: TeamMetric = metric.parse().map_err(UserError::from)?;
        let target = u32::try_from(target)
            .ok()
            .filter(|t| (1..=MAX_TEAM_TARGET).contains(t))
            .ok_or(UserError::TeamTarget {
                max: MAX_TEAM_TARGET,
            })?;
        let goal = TeamGoal { metric, target };
        let now = self.clock.now();
        self.store
            .set_team_goal(caller.guild, goal, caller.user, now)
            .await?;
        self.log(caller, "team-goal.set", format!("{metric} {target} a week"))
            .await?;
        Ok(self
            .team_progress(&settings, now)
            .await?
            .unwrap_or(TeamProgress { goal, total: 0 }))
    }

    /// `/settings goals` (moderators): the server's default targets.
    pub async fn set_server_goals(
        &self,
        caller: &Caller,
        change: TargetChange,
    ) -> Result<GoalTargets, AppError> {
        self.authorize(caller).await?;
        if change.is_empty() {
            return Err(UserError::NothingToChange.into());
        }
        let stored = self.store.server_goals(caller.guild).await?;
        let current = stored.overlay(GoalTargets::default());
        let targets = change.apply(current).map_err(UserError::from)?;
        let merged = TargetChange {
            walk_minutes: change.walk_minutes.or(stored.walk_minutes),
            strength_days: change.strength_days.or(stored.strength_days),
            heel_sets: change.heel_sets.or(stored.heel_sets),
            water_glasses: change.water_glasses.or(stored.water_glasses),
        };
        self.store
            .set_server_goals(caller.guild, merged, self.clock.now())
            .await?;
        self.log(caller, "settings.goals", describe(targets))
            .await?;
        Ok(targets)
    }

    /// `/me goals`: the member's own targets, or goals off (`Some(false)`)
    /// or on again (`Some(true)`). Returns the targets now in force.
    pub async fn set_member_goals(
        &self,
        guild: GuildId,
        user: UserId,
        enabled: Option<bool>,
        change: TargetChange,
    ) -> Result<Option<GoalTargets>, AppError> {
        let mut goals: MemberGoals = self.store.member_goals(guild, user).await?;
        let server = self.server_targets(guild).await?;
        if enabled.is_none() && change.is_empty() {
            // Nothing to change: show what is in force.
            return Ok(goals.targets(server));
        }
        change
            .apply(goals.own.overlay(server))
            .map_err(UserError::from)?;
        goals.own = TargetChange {
            walk_minutes: change.walk_minutes.or(goals.own.walk_minutes),
            strength_days: change.strength_days.or(goals.own.strength_days),
            heel_sets: change.heel_sets.or(goals.own.heel_sets),
            water_glasses: change.water_glasses.or(goals.own.water_glasses),
        };
        match enabled {
            Some(on) => goals.off = !on,
            // New targets turn goals on again.
            None => goals.off = false,
        }
        self.store
            .set_member_goals(guild, user, goals, self.clock.now())
            .await?;
        Ok(goals.targets(server))
    }

    /// `/vacation days:N`: the streak is protected from today for `days`
    /// days (the member's dates). Returns the last protected date.
    pub async fn start_vacation(
        &self,
        guild: GuildId,
        user: UserId,
        days: i64,
    ) -> Result<NaiveDate, AppError> {
        let days = u32::try_from(days)
            .ok()
            .filter(|d| (1..=MAX_VACATION_DAYS).contains(d))
            .ok_or(UserError::VacationDays {
                max: MAX_VACATION_DAYS,
            })?;
        let today = self.member_today(guild, user).await?;
        let vacation = Vacation::starting(today, days);
        self.store
            .start_vacation(guild, user, today, vacation, self.clock.now())
            .await?;
        Ok(vacation.last)
    }

    /// `/vacation end`: from today the streak counts again.
    pub async fn end_vacation(&self, guild: GuildId, user: UserId) -> Result<(), AppError> {
        let today = self.member_today(guild, user).await?;
        if !self.store.end_vacation(guild, user, today).await? {
            return Err(UserError::NoVacation.into());
        }
        Ok(())
    }

    /// The member's date today.
    async fn member_today(&self, guild: GuildId, user: UserId) -> Result<NaiveDate, AppError> {
        let settings = self.store.server_settings(guild).await?;
        let prefs = self.store.member_prefs(guild, user).await?;
        Ok(local_date(
            self.clock.now(),
            prefs.timezone,
            settings.timezone.unwrap_or(self.default_zone),
        ))
    }

    /// `/settings milestone-role` (moderators): refused with the reason
    /// when the bot could not grant the role.
    pub async fn set_milestone_role(
        &self,
        caller: &Caller,
        reward: RoleReward,
    ) -> Result<(), AppError> {
        self.authorize(caller).await?;
        let days = u32::try_from(reward.days)
            .ok()
            .filter(|d| STREAK_MILESTONES.contains(d))
            .ok_or(UserError::MilestoneDays)?;
        if let (Some(_), Some(reason)) = (reward.role, reward.cannot_grant) {
            return Err(UserError::CannotGrantRole { reason }.into());
        }
        self.store
            .set_milestone_role(
                caller.guild,
                days,
                reward.role,
                caller.user,
                self.clock.now(),
            )
            .await?;
        let detail = reward.role.map_or_else(
            || format!("{days} days: none"),
            |r| format!("{days} days: role {r}"),
        );
        self.log(caller, "settings.milestone-role", detail).await
    }

    /// Role grants waiting to be sent, oldest first.
    pub async fn pending_role_grants(&self, limit: u32) -> Result<Vec<RoleGrant>, AppError> {
        Ok(self.store.pending_role_grants(limit).await?)
    }

    /// Records how a role grant ended.
    pub async fn finish_role_grant(
        &self,
        grant: RoleGrant,
        refused: Option<String>,
    ) -> Result<(), AppError> {
        Ok(self
            .store
            .finish_role_grant(grant, refused, self.clock.now())
            .await?)
    }
}

/// The server's working days: the days that are not quiet days (all seven
/// when the server has none).
pub fn working_days(settings: &ServerSettings) -> WeekdaySet {
    let all = WeekdaySet::from_bits(0x7f).unwrap_or_default();
    WeekdaySet::from_bits(all.bits() & !settings.quiet_days.bits()).unwrap_or(all)
}

fn describe(t: GoalTargets) -> String {
    format!(
        "walk {} min a day, strength {} days a week, heel raises {} sets a working day, water {} glasses",
        t.walk_minutes, t.strength_days, t.heel_sets, t.water_glasses
    )
}

#[cfg(test)]
mod tests;
