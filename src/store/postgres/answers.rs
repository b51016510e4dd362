//! PostgreSQL: the queries behind [`crate::store::answers`].
