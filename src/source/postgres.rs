//! PostgreSQL: the contract relations (SPEC §2), aggregated in the database.
