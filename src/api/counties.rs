//! The counties of Lüliang: reference data every form of the app picks from.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{Page, PageParams};
use crate::db::{self, Db};
use crate::error::{AppError, Problem};
use crate::extract::Query;
use crate::service;

/// One county (GB/T 2260).
#[derive(Debug, Serialize, ToSchema)]
pub struct CountyResponse {
    /// The six-digit administrative code.
    #[schema(example = "141125")]
    pub code: String,
    /// The county's name.
    #[schema(example = "柳林县")]
    pub name: String,
}

impl From<db::counties::County> for CountyResponse {
    fn from(row: db::counties::County) -> Self {
        let db::counties::County { code, name } = row;
        Self { code, name }
    }
}

/// The 13 counties of Lüliang, in code order.
#[utoipa::path(
    tag = "reference",
    operation_id = "list_counties",
    security(()),
    params(PageParams),
    responses(
        (status = 200, description = "One page of counties", body = Page<CountyResponse>),
        (status = 422, description = "A query parameter is invalid", body = Problem,
            content_type = "application/problem+json"),
        (status = 503, description = "The database cannot be reached", body = Problem,
            content_type = "application/problem+json"),
    )
)]
#[get("/counties")]
pub async fn list_counties(
    db: web::Data<Db>,
    Query(page): Query<PageParams>,
) -> Result<HttpResponse, AppError> {
    let after = page.after()?;
    let limit = page.limit();
    let rows = db
        .run(move |conn| service::reference::counties(conn, after.as_deref(), limit + 1))
        .await?;
    let page = Page::from_rows(
        rows,
        limit,
        |c| c.code.clone(),
        |c| Ok(CountyResponse::from(c)),
    )?;
    Ok(HttpResponse::Ok().json(page))
}
