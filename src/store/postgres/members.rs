//! PostgreSQL: the queries behind [`crate::store::members`].
