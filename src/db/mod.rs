//! The database: one code path over SQLite and PostgreSQL.
//!
//! `AnyConnection` wraps both engines; the engine is picked from the URL scheme by our own r2d2
//! manager, which keeps the real connection error for the log. Queries that the multi-backend
//! cannot compile (`ON CONFLICT`, `RETURNING`, multi-row inserts) go through [`with_conn!`], which
//! compiles the same query once per engine.

pub mod audit;
pub mod certification;
pub mod cohorts;
pub mod counties;
pub mod enrolments;
pub mod feed;
pub mod idempotency;
pub mod organisations;
pub mod placements;
pub mod reports;
pub mod schema;
pub mod settings;
pub mod targets;
pub mod tokens;
pub mod trainees;
pub mod users;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, R2D2Connection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::config::DatabaseUrl;
use crate::error::AppError;

/// Now, in UTC, to the microsecond: both engines store microseconds, so a value written and
/// read back is the same on each.
pub fn now() -> chrono::NaiveDateTime {
    truncate(chrono::Utc::now().naive_utc())
}

/// A time as both engines store it: to the microsecond.
pub fn truncate(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    use chrono::DurationRound;
    at.duration_trunc(chrono::TimeDelta::microseconds(1))
        .unwrap_or(at)
}

/// A connection to either engine; queries written once run on both.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    /// The production engine.
    Postgresql(PgConnection),
    /// The embedded default.
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the engine's own connection type, so a query the
/// multi-backend cannot express is still written once.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Postgresql($c) => $body,
            $crate::db::AnyConnection::Sqlite($c) => $body,
        }
    };
}

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// The error type of migrations, as diesel_migrations gives it.
pub type MigrationError = Box<dyn std::error::Error + Send + Sync>;

/// Applies every pending migration of the connection's engine.
pub fn migrate(conn: &mut AnyConnection) -> Result<(), MigrationError> {
    with_conn!(conn, |c| c
        .run_pending_migrations(migrations_for(c))
        .map(|_| ()))
}

/// Reverts every applied migration (used to prove each `down.sql` works).
pub fn revert_all(conn: &mut AnyConnection) -> Result<(), MigrationError> {
    with_conn!(conn, |c| c
        .revert_all_migrations(migrations_for(c))
        .map(|_| ()))
}

trait EngineMigrations {
    fn migrations() -> EmbeddedMigrations;
}

impl EngineMigrations for PgConnection {
    fn migrations() -> EmbeddedMigrations {
        POSTGRES_MIGRATIONS
    }
}

impl EngineMigrations for SqliteConnection {
    fn migrations() -> EmbeddedMigrations {
        SQLITE_MIGRATIONS
    }
}

fn migrations_for<C: EngineMigrations>(_: &C) -> EmbeddedMigrations {
    C::migrations()
}

/// Opens connections for the pool, choosing the engine by the URL and setting SQLite's pragmas.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

/// The pragmas every SQLite connection needs: integrity, concurrent readers, and waiting on a
/// busy writer instead of failing at once — set first, so that even switching a new file to
/// WAL waits for another instance doing the same.
/// `case_sensitive_like` makes `LIKE` behave as on PostgreSQL and lets prefix searches use an
/// index.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA case_sensitive_like = ON;";

impl ConnectionManager {
    /// A manager for `url`.
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    /// Opens one connection, with SQLite's pragmas set.
    pub fn establish(&self) -> Result<AnyConnection, ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                PgConnection::establish(url).map(AnyConnection::Postgresql)
            }
            DatabaseUrl::Sqlite(path) => {
                // `mode=rw`: a database file that has gone missing is an error, never silently
                // replaced by an empty one. The file is created once, at start (`Db::connect`).
                let mut conn = SqliteConnection::establish(&sqlite_uri(path, "rw"))?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

/// A SQLite URI filename for `path`, escaping the characters that URIs give a meaning.
fn sqlite_uri(path: &str, mode: &str) -> String {
    let escaped = path
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23");
    format!("file:{escaped}?mode={mode}")
}

/// A pooled connection and whether it was found dead. Connections are not pinged at every
/// checkout (a round trip on every request); a connection whose work failed is pinged then,
/// and a dead one is dropped by the pool instead of being handed out again.
pub struct Pooled {
    connection: AnyConnection,
    dead: bool,
}

impl Pooled {
    /// After a failure: finds out whether the connection itself is gone.
    fn check(&mut self) -> bool {
        self.dead = self.connection.ping().is_err();
        !self.dead
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Pooled, Self::Error> {
        self.establish()
            .map(|connection| Pooled {
                connection,
                dead: false,
            })
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), Self::Error> {
        conn.connection
            .ping()
            .map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.dead || conn.connection.is_broken()
    }
}

/// Start-up held by this instance: released when dropped (the connection closes, or the file).
pub enum StartupLock {
    /// The connection holding the advisory lock.
    Postgres(Box<AnyConnection>),
    /// The locked file.
    Sqlite(std::fs::File),
}

/// The connection pool, shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    url: DatabaseUrl,
}

/// How long a request waits for a free connection before answering 503.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the readiness probe waits: it must answer quickly when the database is down.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

impl Db {
    /// Opens the pool (creating a SQLite file and its folder when missing) and checks that one
    /// connection can be made, so that a wrong `DATABASE_URL` is reported at start.
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Self, String> {
        if let DatabaseUrl::Sqlite(path) = url {
            create_sqlite_file(path)?;
        }
        let manager = ConnectionManager::new(url.clone());
        // One direct attempt first: r2d2 would retry until its timeout and then hide the cause.
        manager
            .connect()
            .map_err(|e| format!("cannot connect: {}", one_line(&e.to_string())))?;
        let pool = Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(0))
            .connection_timeout(CHECKOUT_TIMEOUT)
            .test_on_check_out(false)
            .build_unchecked(manager);
        Ok(Self {
            pool,
            url: url.clone(),
        })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool, so no connection is held
    /// across an `.await`.
    pub async fn run<F, T>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut pooled = pool.get().map_err(AppError::unavailable)?;
            match f(&mut pooled.connection) {
                // A failure of ours, or of the database: if the connection died under it, the
                // database went away, which is a 503 to retry, and the pool drops it.
                Err(AppError::Internal(cause)) if !pooled.check() => {
                    Err(AppError::Unavailable(cause))
                }
                Err(AppError::Unavailable(cause)) => {
                    pooled.check();
                    Err(AppError::Unavailable(cause))
                }
                other => other,
            }
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Applies pending migrations; the error is the migration's own, for the start-up line.
    pub async fn migrate(&self) -> Result<(), String> {
        self.run(|conn| migrate(conn).map_err(|e| AppError::internal(e.to_string())))
            .await
            .map_err(|e| match e {
                AppError::Internal(cause) | AppError::Unavailable(cause) => cause,
                other => other.to_string(),
            })
    }

    /// Holds start-up (migrations, the first settings, the signing key, the first account) to
    /// one instance at a time, until the lock is dropped: instances started together on one
    /// database then each find what the first one made. PostgreSQL: a session advisory lock on
    /// a connection of its own. SQLite: an exclusive lock on a file beside the database.
    pub async fn startup_lock(&self) -> Result<StartupLock, String> {
        let url = self.url.clone();
        actix_web::web::block(move || match &url {
            DatabaseUrl::Postgres(_) => {
                let mut conn = ConnectionManager::new(url.clone())
                    .establish()
                    .map_err(|e| format!("cannot connect: {}", one_line(&e.to_string())))?;
                if let AnyConnection::Postgresql(c) = &mut conn {
                    use diesel::RunQueryDsl;
                    // An arbitrary key of this application's own: "start" in ASCII.
                    diesel::sql_query("SELECT pg_advisory_lock(495873782388)")
                        .execute(c)
                        .map_err(|e| format!("cannot take the start-up lock: {e}"))?;
                }
                Ok(StartupLock::Postgres(Box::new(conn)))
            }
            DatabaseUrl::Sqlite(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(format!("{path}.start-lock"))
                    .map_err(|e| format!("cannot open the start-up lock file: {e}"))?;
                file.lock()
                    .map_err(|e| format!("cannot take the start-up lock: {e}"))?;
                Ok(StartupLock::Sqlite(file))
            }
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// Refreshes SQLite's table statistics where they are stale (`PRAGMA optimize`), so that its
    /// planner picks the right index as the register grows: without them, a name search scans
    /// by county and sorts. PostgreSQL keeps its own statistics (autovacuum); nothing to do.
    pub async fn refresh_statistics(&self) -> Result<(), AppError> {
        if !matches!(self.url, DatabaseUrl::Sqlite(_)) {
            return Ok(());
        }
        self.run(|conn| {
            conn.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;")
                .map_err(AppError::from)
        })
        .await
    }

    /// Whether the database answers now: a connection within two seconds that runs a query,
    /// and for SQLite, its file still at its path (a server writing to a deleted file would
    /// lose everything at its next start).
    pub async fn ping(&self) -> Result<(), AppError> {
        let pool = self.pool.clone();
        let url = self.url.clone();
        actix_web::web::block(move || {
            if let DatabaseUrl::Sqlite(path) = &url
                && !Path::new(path).is_file()
            {
                return Err(AppError::unavailable("the SQLite database file is missing"));
            }
            // Idle connections that died while the database was away are found and dropped
            // here, one by one, until a live one (or a new one) answers.
            let deadline = std::time::Instant::now() + READY_TIMEOUT;
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                let mut pooled = pool.get_timeout(left).map_err(AppError::unavailable)?;
                if pooled.check() {
                    return Ok(());
                }
                if std::time::Instant::now() >= deadline {
                    return Err(AppError::unavailable("the database does not answer"));
                }
            }
        })
        .await
        .map_err(AppError::internal)?
    }
}

/// libpq's messages span lines; a start-up error is one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn create_sqlite_file(path: &str) -> Result<(), String> {
    if let Some(parent) = Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create the folder {}: {e}", parent.display()))?;
    }
    SqliteConnection::establish(&sqlite_uri(path, "rwc"))
        .map(drop)
        .map_err(|e| format!("cannot open the SQLite file: {e}"))
}
