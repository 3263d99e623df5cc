//! THE URL map: every operation the service answers, mounted in one place.
//!
//! Each handler carries its method and path in its own attribute (`#[get("/counties")]`), and
//! utoipa reads the same attribute, so the OpenAPI document cannot disagree with the routing.
//! Requests that match no route are answered here too: 405 with `Allow` when the path exists
//! under another method, else 404 — both as problem+json.

use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

use crate::api::organisations::{agencies, employers, providers};
use crate::api::{
    SyncKind, audit, auth, certification, cohorts, counties, enrolments, follow_ups,
    income_thresholds, organisations, placements, progression, reports, service, settings, sync,
    targets, trainees, users,
};
use crate::error::AppError;
use crate::openapi::ApiDoc;

/// Mounts every operation.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(service::get_health)
        .service(service::get_readiness)
        .service(
            scope("/api/v1")
                .service(counties::list_counties)
                .service(auth::login)
                .service(auth::refresh_token)
                .service(auth::logout)
                .service(auth::get_me)
                .service(users::create_user)
                .service(users::list_users)
                .service(users::get_user)
                .service(users::update_user)
                .service(providers::create_provider)
                .service(providers::list_providers)
                .service(providers::get_provider)
                .service(providers::update_provider)
                .service(agencies::create_agency)
                .service(agencies::list_agencies)
                .service(agencies::get_agency)
                .service(agencies::update_agency)
                .service(employers::create_employer)
                .service(employers::list_employers)
                .service(employers::get_employer)
                .service(employers::update_employer)
                .service(audit::list_audit)
                .service(trainees::create_trainee)
                .service(trainees::list_trainees)
                .service(trainees::get_trainee)
                .service(trainees::update_trainee)
                .service(trainees::get_timeline)
                .service(cohorts::create_cohort)
                .service(cohorts::list_cohorts)
                .service(cohorts::get_cohort)
                .service(cohorts::update_cohort)
                .service(enrolments::create_enrolment)
                .service(enrolments::list_enrolments)
                .service(enrolments::get_enrolment)
                .service(enrolments::complete_enrolment)
                .service(enrolments::drop_enrolment)
                .service(enrolments::take_register)
                .service(enrolments::get_register)
                .service(certification::create_assessment)
                .service(certification::create_certificate)
                .service(certification::list_certificates)
                .service(progression::get_progression)
                .service(progression::list_candidates)
                .service(placements::create_placement)
                .service(placements::list_placements)
                .service(placements::get_placement)
                .service(placements::confirm_placement)
                .service(placements::dispute_placement)
                .service(placements::resolve_placement)
                .service(placements::end_placement)
                .service(follow_ups::create_follow_up)
                .service(follow_ups::list_follow_ups)
                .service(follow_ups::list_due_follow_ups)
                .service(income_thresholds::create_income_threshold)
                .service(income_thresholds::list_income_thresholds)
                .service(income_thresholds::get_income_threshold)
                .service(income_thresholds::update_income_threshold)
                .service(income_thresholds::correct_income_threshold)
                .service(targets::put_target)
                .service(targets::get_targets)
                .service(reports::get_programme_report)
                .service(reports::get_programme_breakdown)
                .service(reports::get_programme_periods)
                .service(reports::freeze_biweekly)
                .service(reports::list_biweekly)
                .service(reports::get_biweekly)
                .service(reports::rebuild_reports)
                .service(settings::get_settings)
                .service(settings::put_settings)
                .service(
                    // Sync answers are large: compressed when asked (Accept-Encoding), and a
                    // push body (gzip allowed) may be up to 5 MiB.
                    scope("/sync")
                        .app_data(web::PayloadConfig::new(sync::MAX_PUSH_BYTES))
                        .app_data(crate::extract::BodyLimit(sync::MAX_PUSH_BYTES))
                        .wrap(actix_web::middleware::Compress::default())
                        .service(sync::pull_changes)
                        .service(sync::push_changes),
                ),
        )
        .service(reports::get_dashboard);
}

/// The OpenAPI document of everything [`configure`] mounts.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    let mut doc = doc;
    sync::document(&mut doc, &sync_kinds());
    document_broken_cursors(&mut doc);
    doc
}

/// Every operation that takes a `cursor` answers a broken one (say, with a NUL byte in it)
/// with 400: said once, here, for all of them.
fn document_broken_cursors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    for item in doc.paths.paths.values_mut() {
        let Some(get) = item.get.as_mut() else {
            continue;
        };
        let paged = get.parameters.iter().flatten().any(|p| {
            matches!(p, utoipa::openapi::RefOr::T(p)
                if p.name == "cursor" && matches!(p.parameter_in, ParameterIn::Query))
        });
        if paged && !get.responses.responses.contains_key("400") {
            get.responses.responses.insert(
                "400".into(),
                utoipa::openapi::Ref::from_response_name("Malformed").into(),
            );
        }
    }
}

/// Every kind of record offline sync carries, from its resource's module.
pub fn sync_kinds() -> Vec<SyncKind> {
    vec![
        trainees::sync_kind(),
        cohorts::sync_kind(),
        enrolments::sync_kind(),
        enrolments::attendance_sync_kind(),
        certification::assessment_sync_kind(),
        certification::certificate_sync_kind(),
        placements::sync_kind(),
        follow_ups::sync_kind(),
        organisations::sync_kind(),
        income_thresholds::sync_kind(),
        auth::sync_kind(),
    ]
}

/// The path templates of the API with their methods, for telling 405 from 404.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl RouteTable {
    /// Reads the templates from the OpenAPI document.
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    (Method::GET, item.get.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(method, present)| present.then_some(method))
                .collect();
                (segments(path).map(str::to_owned).collect(), methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods some route answers at `path`; empty when no template matches it.
    pub fn allowed(&self, path: &str) -> Vec<Method> {
        let wanted: Vec<&str> = segments(path).collect();
        let mut allowed: Vec<Method> = Vec::new();
        for (template, methods) in &self.routes {
            let matches = template.len() == wanted.len()
                && template.iter().zip(&wanted).all(|(t, w)| {
                    t == w || (t.starts_with('{') && t.ends_with('}') && !w.is_empty())
                });
            if matches {
                for method in methods {
                    if !allowed.contains(method) {
                        allowed.push(method.clone());
                    }
                }
            }
        }
        allowed
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// Answers every request no route took.
pub async fn fallback(
    req: HttpRequest,
    table: web::Data<RouteTable>,
) -> Result<HttpResponse, AppError> {
    let allowed = table.allowed(req.path());
    if allowed.is_empty() || allowed.contains(req.method()) {
        Err(AppError::NotFound)
    } else {
        Err(AppError::MethodNotAllowed(allowed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_whole_segments() {
        let table = RouteTable {
            routes: vec![
                (
                    vec!["api".into(), "v1".into(), "x".into(), "{id}".into()],
                    vec![Method::GET],
                ),
                (
                    vec!["api".into(), "v1".into(), "x".into(), "{id}".into()],
                    vec![Method::PATCH],
                ),
            ],
        };
        assert_eq!(
            table.allowed("/api/v1/x/abc"),
            vec![Method::GET, Method::PATCH]
        );
        assert!(table.allowed("/api/v1/x/").is_empty());
        assert!(table.allowed("/api/v1/x/abc/y").is_empty());
        assert!(table.allowed("/api/v1/y/abc").is_empty());
    }
}
