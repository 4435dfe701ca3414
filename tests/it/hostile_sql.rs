//! A hostile neighbour in the contract's schema (issue 26, item 2): a role that may only
//! CREATE in `public` plants operators and functions named like those the change-log
//! trigger (migrations/0004, replaced by 0005) and the report's SQL use, each with
//! argument types that match exactly where the built-in one needs a cast — so PostgreSQL
//! would pick the planted one through the search_path. None of them may ever run: not
//! when an ordinary application role inserts a conversation (the SECURITY DEFINER
//! trigger would run it as its owner), nor during `aikpi rollup` or `aikpi report`.
//!
//! Each test gets a fresh database with ./migrations applied, as the superuser of
//! DATABASE_URL: the rollup and the report run with the most rights there are.

use crate::cli_support;

use cli_support::*;
use sqlx::{Connection, Executor, PgPool};

/// What every planted function does: note who ran it (a read-only report transaction
/// cannot insert, so there it fails loudly instead) and return what the built-in would.
fn planted_body(label: &str, builtin: &str) -> String {
    format!(
        "BEGIN
             BEGIN
                 INSERT INTO public.planted_ran VALUES (current_user::text, '{label}');
             EXCEPTION WHEN read_only_sql_transaction THEN
                 RAISE EXCEPTION 'planted {label} ran as %', current_user;
             END;
             RETURN {builtin};
         END"
    )
}

/// (label, signature, result type, the built-in result) of every planted function; the
/// operators below are made from the first five. Each signature matches the argument
/// types of a call in migrations/0004 or src/source/sql/ exactly where pg_catalog's
/// function needs a cast or a polymorphic match, so it would win resolution.
const FUNCTIONS: &[(&str, &str, &str, &str)] = &[
    // 0004: `horizon * interval '1 microsecond'` — no built-in bigint × interval.
    (
        "op_mul",
        "(bigint, interval)",
        "interval",
        "$2 * $1::float8",
    ),
    // The packed key of conversations_facts.sql: int8 | int4.
    ("op_or", "(bigint, integer)", "bigint", "$1 | $2::int8"),
    // `negative_sentiment BETWEEN 0 AND 1` and `= 0` on a real column.
    ("op_ge", "(real, integer)", "boolean", "$1 >= $2::real"),
    ("op_le", "(real, integer)", "boolean", "$1 <= $2::real"),
    ("op_eq", "(real, integer)", "boolean", "$1 = $2::real"),
    // Month buckets and array lengths over timestamptz[].
    (
        "width_bucket",
        "(timestamptz, timestamptz[])",
        "integer",
        "pg_catalog.width_bucket($1, $2)",
    ),
    (
        "cardinality",
        "(timestamptz[])",
        "integer",
        "pg_catalog.cardinality($1)",
    ),
    // The rollup's lock key.
    (
        "hashtextextended",
        "(text, integer)",
        "bigint",
        "pg_catalog.hashtextextended($1, $2::int8)",
    ),
    // rollup_guard.sql's object names.
    (
        "format",
        "(text, text)",
        "text",
        "pg_catalog.format($1, VARIADIC ARRAY[$2])",
    ),
];

/// The planting, as the hostile role: the log table, the functions, operators on the
/// first five, and aggregates whose argument type beats pg_catalog's polymorphic or
/// "any" ones (`count(s.ai_csat)`, `array_agg(s.frt)`, the in-flight list's `array_agg`).
fn plant_sql() -> String {
    let mut sql = String::from(
        "CREATE TABLE public.planted_ran (who text, what text);
         GRANT INSERT, SELECT ON public.planted_ran TO PUBLIC;\n",
    );
    for (label, args, result, builtin) in FUNCTIONS {
        sql.push_str(&format!(
            "CREATE FUNCTION public.{label}{args} RETURNS {result} LANGUAGE plpgsql
             SET search_path = pg_catalog AS $f${}$f$;\n",
            planted_body(label, builtin)
        ));
    }
    for (op, function, left, right) in [
        ("*", "op_mul", "bigint", "interval"),
        ("|", "op_or", "bigint", "integer"),
        (">=", "op_ge", "real", "integer"),
        ("<=", "op_le", "real", "integer"),
        ("=", "op_eq", "real", "integer"),
    ] {
        sql.push_str(&format!(
            "CREATE OPERATOR public.{op} (LEFTARG = {left}, RIGHTARG = {right}, \
             FUNCTION = public.{function});\n"
        ));
    }
    for (name, input, state, builtin, init) in [
        ("count", "smallint", "bigint", "$1 + 1", ", INITCOND = '0'"),
        (
            "array_agg",
            "double precision",
            "double precision[]",
            "$1 || $2",
            "",
        ),
        ("array_agg", "text", "text[]", "$1 || $2", ""),
    ] {
        let label = format!("agg_{name}_{}", input.replace(' ', "_"));
        sql.push_str(&format!(
            "CREATE FUNCTION public.{label}({state}, {input}) RETURNS {state} LANGUAGE plpgsql
             SET search_path = pg_catalog AS $f${}$f$;
             CREATE AGGREGATE public.{name}({input}) (SFUNC = public.{label}, STYPE = {state}{init});\n",
            planted_body(&label, builtin)
        ));
    }
    sql
}

/// The roles of the scenario, unique to the test database (roles are cluster-wide).
struct Roles {
    hostile: String,
    app: String,
}

impl Roles {
    fn of(pool: &PgPool) -> Roles {
        // A test database's name is long and random at its end; role names stop at 63
        // bytes.
        let db = db_name(pool);
        let suffix = db[db.len().saturating_sub(16)..].to_lowercase();
        Roles {
            hostile: format!("aikpi_hostile_{suffix}"),
            app: format!("aikpi_app_{suffix}"),
        }
    }
}

async fn execute(url: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute(sql).await.unwrap();
    conn.close().await.unwrap();
}

fn url_as(pool: &PgPool, user: &str) -> String {
    let mut url = url::Url::parse(&db_url(pool, None)).unwrap();
    url.set_username(user).unwrap();
    url.to_string()
}

/// Seeds two months, creates the hostile and the application role, and plants.
async fn hostile_neighbourhood(pool: &PgPool) -> (String, Roles) {
    let url = db_url(pool, None);
    let roles = Roles::of(pool);
    seed(&url, 2, 150);
    // PostgreSQL 14's default, and what many teams still grant: CREATE on public.
    execute(
        &url,
        &format!(
            // Left over from a failed run (its database is gone, sqlx drops it).
            "DROP ROLE IF EXISTS {h}; DROP ROLE IF EXISTS {a};
             CREATE ROLE {h} NOSUPERUSER NOCREATEDB NOCREATEROLE LOGIN;
             GRANT CREATE, USAGE ON SCHEMA public TO {h};
             CREATE ROLE {a} NOSUPERUSER LOGIN;
             GRANT USAGE ON SCHEMA public TO {a};
             GRANT INSERT ON public.conversations, public.llm_usage TO {a};",
            h = roles.hostile,
            a = roles.app
        ),
    )
    .await;
    execute(&url_as(pool, &roles.hostile), &plant_sql()).await;
    (url, roles)
}

/// An ordinary application role loads a conversation of October.
async fn application_inserts(pool: &PgPool, roles: &Roles) {
    let mut app = sqlx::PgConnection::connect(&url_as(pool, &roles.app))
        .await
        .unwrap();
    let inserted = app
        .execute(
            "INSERT INTO public.conversations VALUES ('late-1', 'u-late', 'billing', 'web', \
             '2026-10-05T10:00:00Z', '2026-10-05T10:00:00Z', '2026-10-05T10:00:02Z', \
             '2026-10-05T10:05:00Z', 'resolved', true, NULL, NULL, true, 5, NULL, 0.1)",
        )
        .await;
    app.close().await.unwrap();
    assert!(inserted.is_ok(), "the application's insert: {inserted:?}");
}

/// Who ran what of the planted objects (nothing, when all is well); drops the roles.
async fn planted_runs(pool: &PgPool, url: &str, roles: Roles) -> Vec<(String, String)> {
    let ran: Vec<(String, String)> = sqlx::query_as("SELECT who, what FROM public.planted_ran")
        .fetch_all(pool)
        .await
        .unwrap();
    // The planted objects belong to the test database, which is dropped; the roles are
    // the cluster's.
    for role in [&roles.hostile, &roles.app] {
        execute(url, &format!("DROP OWNED BY {role}; DROP ROLE {role}")).await;
    }
    ran
}

#[sqlx::test]
async fn an_operator_planted_in_the_schema_never_runs_in_the_change_log_trigger(pool: PgPool) {
    let (url, roles) = hostile_neighbourhood(&pool).await;
    // As after `aikpi rollup`: a horizon makes the trigger compare each write with it.
    execute(
        &url,
        "SELECT setval('public.aikpi_rollup_horizon', 1793318400000000)",
    )
    .await;
    application_inserts(&pool, &roles).await;
    let logged: i64 = sqlx::query_scalar("SELECT count(*) FROM public.aikpi_changes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(logged, 1, "the write is still logged");
    assert_eq!(
        planted_runs(&pool, &url, roles).await,
        Vec::<(String, String)>::new()
    );
}

#[sqlx::test]
async fn objects_planted_in_the_schema_never_run_in_the_rollup_or_the_report(pool: PgPool) {
    let (url, roles) = hostile_neighbourhood(&pool).await;
    let rollup = aikpi()
        .args(["rollup", "--database-url", &url, "--month", "2026-10"])
        .output()
        .unwrap();
    assert!(rollup.status.success(), "rollup: {}", stderr(&rollup));
    application_inserts(&pool, &roles).await;

    let dir = tempfile::tempdir().unwrap();
    let report = aikpi()
        .args(["report", "--database-url", &url, "--month", "2026-10"])
        .arg("--out")
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    assert!(report.status.success(), "report: {}", stderr(&report));
    assert!(
        !stderr(&report).contains("planted"),
        "report: {}",
        stderr(&report)
    );
    assert_eq!(
        planted_runs(&pool, &url, roles).await,
        Vec::<(String, String)>::new()
    );
}
