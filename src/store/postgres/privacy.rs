//! PostgreSQL: the queries behind [`crate::store::privacy`].
