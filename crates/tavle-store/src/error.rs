//! Errors of the store. "Not found" is never an error here: lookups return `Option`, so a
//! broken database can never be mistaken for a missing row.

/// Something went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule was broken (the name of the rule is in the message).
    #[error("conflict with existing data: {0}")]
    Conflict(String),
    /// A row held a value this version of Tavle cannot read.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database configuration: {0}")]
    Config(String),
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if db.is_unique_violation() {
                return StoreError::Conflict(db.message().to_string());
            }
        }
        StoreError::Database(e)
    }
}
