//! The URL of a `#[sqlx::test]` database, for code under test that opens its own
//! connections (the CLI, `connect`).

use sqlx::PgPool;

/// DATABASE_URL with the database replaced by the test's own and, when given, a password
/// added.
pub fn url(pool: &PgPool, password: Option<&str>) -> String {
    let db = pool
        .connect_options()
        .get_database()
        .expect("a test database")
        .to_string();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL points at PostgreSQL");
    let mut url = url::Url::parse(&base).expect("DATABASE_URL is a URL");
    url.set_path(&format!("/{db}"));
    if let Some(p) = password {
        url.set_password(Some(p))
            .expect("a URL that can carry a password");
    }
    url.to_string()
}
