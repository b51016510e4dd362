//! The exercises of a schedule: a rotation as moderators type it, each
//! exercise in the catalog and on in the server, and its autocomplete.

use crate::app::{App, AppError, UserError};
use crate::domain::exercise::ExerciseKey;
use crate::domain::rotation::{complete_last, parse_list};
use crate::domain::server::ServerSettings;

/// Discord's limits on autocomplete: choices per answer, characters per choice.
const MAX_CHOICES: usize = 25;
const MAX_CHOICE_CHARS: usize = 100;

impl App {
    /// The exercises of a list such as `heel-raises,calf-raises,stretch`,
    /// each in the catalog and on in the server; the first that is not is
    /// named in the error.
    pub(super) fn enabled_rotation(
        &self,
        settings: &ServerSettings,
        list: &str,
    ) -> Result<Vec<ExerciseKey>, AppError> {
        parse_list(list)
            .map_err(UserError::from)?
            .iter()
            .map(|key| self.enabled_exercise(settings, key))
            .collect()
    }

    /// The exercises the server has on, for autocomplete: the completions of
    /// the last item of a list being typed.
    pub async fn complete_rotation(
        &self,
        guild: crate::domain::GuildId,
        partial: &str,
    ) -> Result<Vec<String>, AppError> {
        let settings = self.store.server_settings(guild).await?;
        let keys = self
            .catalog
            .iter()
            .filter(|e| !settings.disabled_exercises.contains(&e.key))
            .map(|e| e.key.as_str());
        Ok(complete_last(partial, keys, MAX_CHOICES, MAX_CHOICE_CHARS))
    }

    fn enabled_exercise(
        &self,
        settings: &ServerSettings,
        key: &str,
    ) -> Result<ExerciseKey, AppError> {
        let exercise = self.catalog_exercise(key)?;
        if settings.disabled_exercises.contains(&exercise.key) {
            return Err(UserError::ExerciseOff {
                name: exercise.name.clone(),
            }
            .into());
        }
        Ok(exercise.key.clone())
    }
}
