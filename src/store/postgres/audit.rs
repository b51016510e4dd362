//! PostgreSQL: the queries behind [`crate::store::audit`].
