//! What the server refuses because of rights and limits, said as it is (issue 26, item
//! 15): a schema the role may not use is not "missing", and a role's or a database's own
//! CONNECTION LIMIT is not the server's `max_connections`. Exit code 3, one paragraph.

use crate::cli_support;

use cli_support::*;
use sqlx::{Executor, PgPool};

/// A login role unique to the test database (roles are cluster-wide), made afresh.
async fn fresh_role(pool: &PgPool, prefix: &str, options: &str) -> String {
    let db = db_name(pool);
    let role = format!(
        "{prefix}_{}",
        db[db.len().saturating_sub(16)..].to_lowercase()
    );
    pool.execute(
        format!("DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN {options}").as_str(),
    )
    .await
    .unwrap();
    role
}

fn url_as(pool: &PgPool, role: &str) -> String {
    let mut url = url::Url::parse(&db_url(pool, None)).unwrap();
    url.set_username(role).unwrap();
    url.to_string()
}

fn report_as(url: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = aikpi()
        .args(["report", "--month", "2026-10", "--database-url", url])
        .args(extra)
        .arg("--out")
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    failure(&output, 3)
}

async fn drop_role(pool: &PgPool, role: &str) {
    pool.execute(format!("DROP OWNED BY {role}; DROP ROLE {role}").as_str())
        .await
        .unwrap();
}

#[sqlx::test]
async fn a_schema_without_the_usage_right_is_not_called_missing(pool: PgPool) {
    pool.execute("CREATE SCHEMA locked").await.unwrap();
    let role = fresh_role(&pool, "aikpi_no_usage", "").await;
    let message = report_as(&url_as(&pool, &role), &["--schema", "locked"]);
    assert_eq!(
        message,
        "the schema `locked` exists, but the connected role may not use it (it lacks the \
         USAGE right on the schema). Ask its owner to `GRANT USAGE ON SCHEMA` it to the role \
         of the connection string, with SELECT on the five relations of the data contract in \
         README.md."
    );
    drop_role(&pool, &role).await;
}

#[sqlx::test]
async fn a_role_connection_limit_is_not_blamed_on_max_connections(pool: PgPool) {
    let role = fresh_role(&pool, "aikpi_no_slots", "CONNECTION LIMIT 0").await;
    let url = url_as(&pool, &role);
    let message = report_as(&url, &[]);
    assert_eq!(
        message,
        format!(
            "cannot connect to PostgreSQL at {url}: too many connections for role \"{role}\". \
             The role has used up its own connection limit (its CONNECTION LIMIT): close its \
             idle sessions, or ask the administrator to raise it with ALTER ROLE … CONNECTION \
             LIMIT."
        )
    );
    drop_role(&pool, &role).await;
}

#[sqlx::test]
async fn a_database_connection_limit_is_not_blamed_on_max_connections(pool: PgPool) {
    // Superusers pass a database's limit: an ordinary role meets it.
    let role = fresh_role(&pool, "aikpi_db_limit", "").await;
    let db = db_name(&pool);
    pool.execute(format!("ALTER DATABASE \"{db}\" CONNECTION LIMIT 0").as_str())
        .await
        .unwrap();
    let url = url_as(&pool, &role);
    let message = report_as(&url, &[]);
    assert_eq!(
        message,
        format!(
            "cannot connect to PostgreSQL at {url}: too many connections for database \
             \"{db}\". The database has used up its connection limit (its CONNECTION LIMIT): \
             close idle sessions to it, or ask the administrator to raise it with ALTER \
             DATABASE … CONNECTION LIMIT."
        )
    );
    drop_role(&pool, &role).await;
}
