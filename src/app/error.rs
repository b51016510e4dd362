//! Errors of use cases: a member's mistake, shown to them, or an internal
//! failure, logged with its context and shown only as an apology.

use thiserror::Error;

use crate::domain::exercise::AmountError;
use crate::store::StoreError;

/// A mistake a member can fix, or a condition they should know about. The
/// `Display` is the sentence they read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UserError {
    #[error("There is no exercise `{key}`. Pick one of: {choices}.")]
    UnknownExercise { key: String, choices: String },
    #[error("{name} is turned off in this server.")]
    ExerciseOff { name: String },
    #[error("{0}.")]
    Amount(#[from] AmountError),
    #[error("Your note is {length} characters long; please keep it to {max}.")]
    NoteTooLong { length: usize, max: usize },
    #[error("The bot's storage is busy or full right now, so nothing was saved. Please try again in a minute.")]
    TryLater,
}

/// Why a use case failed.
#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    User(#[from] UserError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if error.is_transient() {
            AppError::User(UserError::TryLater)
        } else {
            AppError::Internal(anyhow::Error::new(error))
        }
    }
}
