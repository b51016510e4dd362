//! PostgreSQL: the queries behind [`crate::store::schedules`].
