//! PostgreSQL: the queries behind [`crate::store::occurrences`].
