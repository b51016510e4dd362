//! PostgreSQL: the queries behind [`crate::store::departed`].
