//! PostgreSQL: the queries behind [`crate::store::celebrations`].
