//! Binding and running the HTTP server: database, migrations, middleware, routes.

use std::fmt;
use std::net::TcpListener;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{App, HttpMessage, HttpServer, middleware, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;
use uuid::Uuid;

use crate::auth::{Gate, RequestId, SigningKey};
use crate::config::Config;
use crate::db::{self, Db};
use crate::extract::{MAX_BODY_BYTES, path_error};
use crate::routes::{self, RouteTable};

/// Why the server could not start: the setting at fault and what happened.
#[derive(Debug)]
pub struct StartError {
    /// The environment variable to look at.
    pub variable: &'static str,
    /// What went wrong.
    pub reason: String,
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

impl std::error::Error for StartError {}

/// A server bound to its port, not yet running.
pub struct Server {
    server: actix_web::dev::Server,
    port: u16,
}

impl Server {
    /// Connects to the database, applies migrations, settles the signing key and binds the
    /// listener (port 0 picks a free one, as the tests do).
    pub async fn bind(config: Config) -> Result<Self, StartError> {
        let db_error = |reason: String| StartError {
            variable: "DATABASE_URL",
            reason,
        };
        let db = Db::connect(&config.database_url, config.db_pool_size).map_err(db_error)?;
        // Instances started at once take turns: the first migrates and makes the first
        // settings, key and account; the others find them.
        let startup = db.startup_lock().await.map_err(db_error)?;
        db.migrate()
            .await
            .map_err(|e| db_error(format!("migrations failed: {e}")))?;
        // The programme settings are the database's; the environment seeds them on a first
        // start only.
        let seed = config.rules;
        let (rules, ignored) = db
            .run(move |conn| crate::service::settings::seed(conn, &seed))
            .await
            .map_err(|e| db_error(format!("reading the programme settings failed: {e}")))?;
        if ignored {
            log::warn!(
                "the programme settings in the environment (RETIREMENT_AGE_MALE, \
                 RETIREMENT_AGE_FEMALE, COMPLETION_ATTENDANCE_PERCENT, CERTIFIED_KINDS, \
                 OUTCOME_CUTOFF, EMPLOYMENT_MIN_DAYS) differ from those kept in the database and \
                 are not used: change them with PUT /api/v1/settings"
            );
        }
        let rebuilt = db
            .run(crate::service::report_facts::rebuild_if_stale)
            .await
            .map_err(|e| db_error(format!("rebuilding the report data failed: {e}")))?;
        if let Some(done) = rebuilt {
            log::info!(
                "report data rebuilt for the rules in force: {} trainees in {:.1} s",
                done.trainees,
                done.seconds
            );
        }
        let signing_key = signing_key(&config, &db).await?;
        ensure_admin(&config, &db).await?;
        drop(startup);

        let listener = TcpListener::bind(config.bind_addr).map_err(|e| StartError {
            variable: "BIND_ADDR",
            reason: format!("cannot listen on {}: {e}", config.bind_addr),
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);

        let doc = routes::openapi();
        let table = web::Data::new(RouteTable::from_openapi(&doc));
        let gate = web::Data::new(Gate::from_openapi(&doc));
        // SQLite's statistics follow the data: checked every minute, refreshed when stale.
        let statistics = db.clone();
        if config.database_engine() == "sqlite" {
            actix_web::rt::spawn(async move {
                let mut every_minute =
                    actix_web::rt::time::interval(std::time::Duration::from_secs(60));
                loop {
                    every_minute.tick().await;
                    if let Err(e) = statistics.refresh_statistics().await {
                        log::warn!("refreshing SQLite statistics failed: {e}");
                    }
                }
            });
        }
        // The change feed's tombstones older than the retention: pruned at start, then hourly.
        let feed = db.clone();
        let retention = chrono::TimeDelta::days(i64::from(config.sync_retention_days));
        actix_web::rt::spawn(async move {
            let mut every_hour =
                actix_web::rt::time::interval(std::time::Duration::from_secs(3600));
            loop {
                every_hour.tick().await;
                let before = crate::db::now() - retention;
                match feed
                    .run(move |conn| crate::service::sync::prune(conn, before))
                    .await
                {
                    Ok(0) => {}
                    Ok(pruned) => log::info!("pruned {pruned} tombstones from the change feed"),
                    Err(e) => log::warn!("pruning the change feed failed: {e}"),
                }
            }
        });
        let db = web::Data::new(db);
        let signing_key = web::Data::new(signing_key);
        let rules = web::Data::new(crate::service::settings::SettingsCache::new(rules));
        let sync_kinds = web::Data::new(crate::api::sync::SyncKinds(routes::sync_kinds()));
        let mut server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .app_data(db.clone())
                .app_data(signing_key.clone())
                .app_data(rules.clone())
                .app_data(sync_kinds.clone())
                .app_data(table.clone())
                .app_data(gate.clone())
                .app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .service(SwaggerUi::new("/docs/{_:.*}").url("/api-docs/openapi.json", doc.clone()))
                .service(web::redirect("/docs", "/docs/"))
                .default_service(web::to(routes::fallback))
                .wrap(middleware::from_fn(crate::auth::gate))
                .wrap(middleware::from_fn(log_request))
        });
        if let Some(workers) = config.http_workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|e| StartError {
                variable: "BIND_ADDR",
                reason: e.to_string(),
            })?
            .run();
        log::info!(
            "listening on port {port} ({} database)",
            config.database_engine()
        );
        Ok(Self { server, port })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the process is stopped.
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The key that signs access tokens: `JWT_SECRET`, or one generated on the first start and kept
/// in the database so that tokens survive a restart.
async fn signing_key(config: &Config, db: &Db) -> Result<SigningKey, StartError> {
    let refused = |reason: String| StartError {
        variable: "JWT_SECRET",
        reason,
    };
    if let Some(secret) = &config.jwt_secret {
        return SigningKey::new(secret.as_bytes()).map_err(refused);
    }
    log::warn!(
        "JWT_SECRET is not set: using a secret generated and kept in the database; set one in production"
    );
    let secret = db
        .run(|conn| {
            Ok(db::settings::get_or_insert(
                conn,
                db::settings::JWT_SECRET_KEY,
                crate::auth::random_secret,
            )?)
        })
        .await
        .map_err(|e| {
            refused(format!(
                "cannot keep the generated secret in the database: {e}"
            ))
        })?;
    SigningKey::new(secret.as_bytes()).map_err(refused)
}

/// On an empty database, creates the administrator account: `ADMIN_USERNAME` with
/// `ADMIN_PASSWORD`, or with a generated password printed once on standard output (never into
/// the log).
async fn ensure_admin(config: &Config, db: &Db) -> Result<(), StartError> {
    let username = config.admin_username.clone();
    let given = config.admin_password.clone();
    let generated = given.is_none();
    let password = given.unwrap_or_else(|| crate::auth::random_secret()[..24].to_owned());
    let secret = password.clone();
    let created = db
        .run(move |conn| {
            // Computed here, off the async workers, before the first sign-in needs it.
            std::sync::LazyLock::force(&crate::auth::DECOY_HASH);
            if db::users::any(conn)? {
                return Ok(false);
            }
            let hash = crate::auth::hash_password_now(&secret)?;
            let now = db::now();
            let id = Uuid::new_v4().to_string();
            // Through a unit of work, as every write: the account enters the change feed.
            crate::service::UnitOfWork::run(conn, |c| {
                db::users::insert(
                    c,
                    &db::users::NewUser {
                        id: &id,
                        username: &username,
                        display_name: "Administrator",
                        role: crate::auth::Role::Admin.as_str(),
                        employer_id: None,
                        active: true,
                        password_hash: &hash,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    },
                    &[],
                )?;
                c.changed(crate::service::sync::Kind::Account, &id);
                c.audit(db::audit::Event {
                    actor_id: None,
                    action: "create_first_admin",
                    entity: "user",
                    entity_id: Some(&id),
                    county_code: None,
                    request_id: None,
                })
            })?;
            Ok(true)
        })
        .await
        .map_err(|e| StartError {
            variable: "ADMIN_USERNAME",
            reason: format!("cannot create the administrator account: {e}"),
        })?;
    if created {
        log::info!(
            "created the administrator account '{}'",
            config.admin_username
        );
        if generated {
            println!(
                "Administrator account '{}' created with the password: {password}\n\
                 It is shown only this once; sign in and change it, or set ADMIN_PASSWORD on the first start.",
                config.admin_username
            );
        }
    }
    Ok(())
}

/// Gives each request an id and logs one line when it ends: method, route template, status and
/// milliseconds. Never the query string or headers, which may carry personal data or tokens.
async fn log_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = Uuid::new_v4();
    req.extensions_mut().insert(RequestId(id));
    let method = req.method().clone();
    let mut res = next.call(req).await?;
    let route = res.request().match_pattern().unwrap_or_else(|| "-".into());
    log::info!(
        target: "tracker::request",
        "{method} {route} {} {:.1}ms id={id}",
        res.status().as_u16(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    if let Ok(value) = HeaderValue::from_str(&id.to_string()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
