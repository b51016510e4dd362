//! PostgreSQL: the queries behind [`crate::store::servers`].
