//! PostgreSQL: the queries behind [`crate::store::snoozes`].
