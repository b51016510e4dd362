//! PostgreSQL: the queries behind [`crate::store::checkins`].
