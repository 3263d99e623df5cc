//! A fresh database per test: a SQLite file in a temporary folder, or a new PostgreSQL database
//! on the server `TEST_DATABASE_URL` names, dropped when the test ends.

use std::path::PathBuf;

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use uuid::Uuid;

/// The database one test owns.
pub struct TestDatabase {
    /// The `DATABASE_URL` the server under test uses.
    pub url: String,
    kind: Kind,
}

enum Kind {
    Sqlite { dir: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    /// A new, empty database on the engine the suite runs against.
    pub fn create() -> Self {
        match std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
        {
            Some(admin_url) => Self::postgres(admin_url),
            None => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("tracker-test-{}", Uuid::new_v4().simple()));
        let url = format!("sqlite://{}", dir.join("tracker.db").display());
        Self {
            url,
            kind: Kind::Sqlite { dir },
        }
    }

    fn postgres(admin_url: String) -> Self {
        // The suite exits while test servers may still hold pooled connections, and libpq's TLS
        // teardown at process exit can then crash the test binary (SIGSEGV after all tests
        // passed). TLS adds nothing on a test server's own link, so it is off unless asked for.
        let admin_url = if admin_url.contains("sslmode=") {
            admin_url
        } else {
            let joiner = if admin_url.contains('?') { '&' } else { '?' };
            format!("{admin_url}{joiner}sslmode=disable")
        };
        let name = format!("tracker_test_{}", Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin_url)
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL: cannot connect: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create the test database");
        let url = replace_database(&admin_url, &name);
        Self {
            url,
            kind: Kind::Postgres { admin_url, name },
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        matches!(self.kind, Kind::Postgres { .. })
    }

    /// The SQLite file, for tests that take it away.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.kind {
            Kind::Sqlite { dir } => Some(dir.join("tracker.db")),
            Kind::Postgres { .. } => None,
        }
    }

    /// The same database reached through another host and port (a proxy in front of it).
    pub fn url_via(&self, port: u16) -> String {
        let (scheme, rest) = self.url.split_once("://").expect("a URL");
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let user = authority
            .rsplit_once('@')
            .map(|(user, _)| format!("{user}@"))
            .unwrap_or_default();
        format!("{scheme}://{user}127.0.0.1:{port}/{path}")
    }
}

/// `postgres://u@h:p/db?x` with `db` replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (scheme, rest) = base.split_once("://").expect("a URL");
    let authority = rest.split('/').next().unwrap_or(rest);
    match query {
        Some(query) => format!("{scheme}://{authority}/{name}?{query}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.kind {
            Kind::Sqlite { dir } => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Kind::Postgres { admin_url, name } => {
                if let Ok(mut conn) = PgConnection::establish(admin_url) {
                    // FORCE: the server under test may still hold pooled connections.
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn);
                }
            }
        }
    }
}
