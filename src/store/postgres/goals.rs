//! PostgreSQL: the queries behind [`crate::store::goals`].
