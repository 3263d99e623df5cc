//! Configuration: every environment variable the server reads, its default, and its check.
//!
//! A wrong value stops the server at start with one line naming the variable (see `main.rs`).

use std::fmt;
use std::net::SocketAddr;

use crate::domain::rules::{CertifiedKinds, Rules};

/// Where the database lives; the engine follows from the URL scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` — a file, created with its folder when missing.
    Sqlite(String),
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, e.g. sqlite://data/tracker.db".into());
            }
            Ok(Self::Sqlite(path.to_owned()))
        } else if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Ok(Self::Postgres(raw.to_owned()))
        } else {
            Err("must start with sqlite:// or postgres://".into())
        }
    }
}

/// The server's settings, read once at start.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`, default `sqlite://data/tracker.db`.
    pub database_url: DatabaseUrl,
    /// `BIND_ADDR`, default `127.0.0.1:8080`.
    pub bind_addr: SocketAddr,
    /// `JWT_SECRET`: at least 32 bytes; when unset, one is generated and kept in the database.
    pub jwt_secret: Option<String>,
    /// `ADMIN_USERNAME`, default `admin`: the account created on the first start.
    pub admin_username: String,
    /// `ADMIN_PASSWORD`: its password; when unset a random one is generated and printed once.
    pub admin_password: Option<String>,
    /// `DB_POOL_SIZE`, default 8: connections kept open to the database.
    pub db_pool_size: u32,
    /// `HTTP_WORKERS`, default one per CPU core: threads serving HTTP.
    pub http_workers: Option<usize>,
    /// `SYNC_RETENTION_DAYS`, default 90 (7 to 3650): how long the change feed keeps the
    /// tombstones of records deleted or moved out of a scope. A device that has not synced for
    /// longer starts again from a snapshot (410).
    pub sync_retention_days: u32,
    /// The programme's rules that are settings.
    pub rules: Rules,
}

// Secrets stay out of debug output and logs.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_engine())
            .field("bind_addr", &self.bind_addr)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("admin_username", &self.admin_username)
            .field("db_pool_size", &self.db_pool_size)
            .field("http_workers", &self.http_workers)
            .field("sync_retention_days", &self.sync_retention_days)
            .finish_non_exhaustive()
    }
}

/// A variable whose value cannot be used, with the reason.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The environment variable's name.
    pub variable: &'static str,
    /// Why its value is refused.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for ConfigError {}

/// The shortest `JWT_SECRET` accepted, in bytes (HS256 wants a key of the hash's size).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let database_url = DatabaseUrl::parse(
            &get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/tracker.db".into()),
        )
        .map_err(|reason| ConfigError {
            variable: "DATABASE_URL",
            reason,
        })?;
        let bind_addr = get("BIND_ADDR")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|_| ConfigError {
                variable: "BIND_ADDR",
                reason: "must be an IP address and port, e.g. 127.0.0.1:8080".into(),
            })?;
        let jwt_secret = get("JWT_SECRET");
        if let Some(secret) = &jwt_secret
            && secret.len() < MIN_JWT_SECRET_BYTES
        {
            return Err(ConfigError {
                variable: "JWT_SECRET",
                reason: format!(
                    "must be at least {MIN_JWT_SECRET_BYTES} bytes long (it is {})",
                    secret.len()
                ),
            });
        }
        let admin_username = get("ADMIN_USERNAME").unwrap_or_else(|| "admin".into());
        if !crate::domain::username::is_valid_username(&admin_username) {
            return Err(ConfigError {
                variable: "ADMIN_USERNAME",
                reason: "must be 3 to 64 lower-case letters, digits, '.', '_' or '-'".into(),
            });
        }
        let admin_password = get("ADMIN_PASSWORD");
        if admin_password
            .as_ref()
            .is_some_and(|p| p.chars().count() < 10)
        {
            return Err(ConfigError {
                variable: "ADMIN_PASSWORD",
                reason: "must be at least 10 characters long".into(),
            });
        }
        let db_pool_size = match get("DB_POOL_SIZE") {
            None => 8,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=256).contains(n))
                .ok_or_else(|| ConfigError {
                    variable: "DB_POOL_SIZE",
                    reason: "must be a whole number from 1 to 256".into(),
                })?,
        };
        let http_workers = get("HTTP_WORKERS")
            .map(|raw| {
                raw.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or_else(|| ConfigError {
                        variable: "HTTP_WORKERS",
                        reason: "must be a whole number from 1 to 64".into(),
                    })
            })
            .transpose()?;
        let sync_retention_days = match get("SYNC_RETENTION_DAYS") {
            None => 90,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (7..=3650).contains(n))
                .ok_or_else(|| ConfigError {
                    variable: "SYNC_RETENTION_DAYS",
                    reason: "must be a whole number of days from 7 to 3650".into(),
                })?,
        };
        if get("RETIREMENT_AGE").is_some() {
            return Err(ConfigError {
                variable: "RETIREMENT_AGE",
                reason:
                    "is replaced by RETIREMENT_AGE_MALE and RETIREMENT_AGE_FEMALE (working age \
                         ends at 60 for men and 55 for women by default)"
                        .into(),
            });
        }
        let age = |variable: &'static str, default: u32| match get(variable) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (40..=75).contains(n))
                .ok_or_else(|| ConfigError {
                    variable,
                    reason: "must be a whole number of years from 40 to 75".into(),
                }),
        };
        let retirement_age_male = age("RETIREMENT_AGE_MALE", 60)?;
        let retirement_age_female = age("RETIREMENT_AGE_FEMALE", 55)?;
        let outcome_cutoff = match get("OUTCOME_CUTOFF") {
            None => (3, 31),
            Some(raw) => Rules::parse_cutoff(&raw).ok_or_else(|| ConfigError {
                variable: "OUTCOME_CUTOFF",
                reason: "must be a day of the year as MM-DD (not 02-29), such as 03-31".into(),
            })?,
        };
        let employment_min_days = match get("EMPLOYMENT_MIN_DAYS") {
            None => 30,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=365).contains(n))
                .ok_or_else(|| ConfigError {
                    variable: "EMPLOYMENT_MIN_DAYS",
                    reason: "must be a whole number of days from 1 to 365".into(),
                })?,
        };
        let completion_attendance_percent = match get("COMPLETION_ATTENDANCE_PERCENT") {
            None => 80,
            Some(raw) => raw
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| ConfigError {
                    variable: "COMPLETION_ATTENDANCE_PERCENT",
                    reason: "must be a whole percentage from 1 to 100".into(),
                })?,
        };
        let certified_kinds = CertifiedKinds::parse(
            get("CERTIFIED_KINDS")
                .as_deref()
                .unwrap_or("skill_level,special_ability"),
        )
        .ok_or_else(|| ConfigError {
            variable: "CERTIFIED_KINDS",
            reason: "must list certificate kinds, comma-separated: skill_level, special_ability, \
                     training"
                .into(),
        })?;
        Ok(Self {
            rules: Rules {
                retirement_age_male,
                retirement_age_female,
                outcome_cutoff,
                employment_min_days,
                completion_attendance_percent,
                certified_kinds,
            },
            http_workers,
            sync_retention_days,
            database_url,
            bind_addr,
            jwt_secret,
            admin_username,
            admin_password,
            db_pool_size,
        })
    }

    /// `"sqlite"` or `"postgres"`: safe to log, unlike the URL.
    pub fn database_engine(&self) -> &'static str {
        match self.database_url {
            DatabaseUrl::Sqlite(_) => "sqlite",
            DatabaseUrl::Postgres(_) => "postgres",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost() {
        let config = from(&[]).unwrap();
        assert_eq!(
            config.database_url,
            DatabaseUrl::Sqlite("data/tracker.db".into())
        );
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.admin_username, "admin");
        assert!(config.jwt_secret.is_none());
    }

    #[test]
    fn each_wrong_value_names_its_variable() {
        for (var, value) in [
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_URL", "sqlite://"),
            ("BIND_ADDR", "localhost"),
            ("JWT_SECRET", "short"),
            ("DB_POOL_SIZE", "0"),
            ("DB_POOL_SIZE", "many"),
            ("HTTP_WORKERS", "0"),
            ("SYNC_RETENTION_DAYS", "1"),
            ("ADMIN_PASSWORD", "short"),
            ("ADMIN_USERNAME", "Admin"),
            ("RETIREMENT_AGE", "60"),
            ("RETIREMENT_AGE_MALE", "15"),
            ("RETIREMENT_AGE_FEMALE", "many"),
            ("OUTCOME_CUTOFF", "02-29"),
            ("OUTCOME_CUTOFF", "13-01"),
            ("EMPLOYMENT_MIN_DAYS", "0"),
            ("COMPLETION_ATTENDANCE_PERCENT", "0"),
            ("COMPLETION_ATTENDANCE_PERCENT", "101"),
        ] {
            let err = from(&[(var, value)]).expect_err(var);
            assert_eq!(err.variable, var, "{value}");
        }
    }

    #[test]
    fn a_secret_of_32_bytes_is_accepted() {
        let secret = "s".repeat(32);
        let config = from(&[("JWT_SECRET", &secret)]).unwrap();
        assert_eq!(config.jwt_secret.as_deref(), Some(secret.as_str()));
        assert!(from(&[("JWT_SECRET", &secret[..31])]).is_err());
    }

    #[test]
    fn postgres_urls_pick_postgres() {
        let config = from(&[("DATABASE_URL", "postgresql://u@h/db")]).unwrap();
        assert_eq!(config.database_engine(), "postgres");
    }
}
