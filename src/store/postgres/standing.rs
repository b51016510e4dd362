//! PostgreSQL: the queries behind [`crate::store::standing`].
