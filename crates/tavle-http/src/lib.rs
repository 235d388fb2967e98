//! Tavle over HTTP: the JSON API v1 (described by OpenAPI at `/api/v1/openapi.json`), health
//! and metrics, and the embedded web app on every other path ([`web`]). Handlers are thin: they
//! extract, call one `tavle-app` function and convert. Errors become responses only in
//! [`error`].

pub mod api;
pub mod content;
pub mod dav;
pub mod error;
pub mod extract;
#[doc(hidden)]
pub mod hostile;
pub mod nextcloud;
pub mod ops;
pub mod scim;
mod unread;
pub mod web;
pub mod wire;
pub mod wopi;

use std::sync::Arc;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use tavle_app::{App, AppError};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use ops::Metrics;

/// HTTP-level settings.
#[derive(Clone, Debug, Default)]
pub struct HttpConfig {
    /// Serve cookies with `Secure` and the `__Host-` prefix (set when Tavle is behind TLS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Where people reach Tavle (no trailing slash): login services' return addresses are
    /// made from it, never from a request's `Host`.
    pub public_url: String,
}

#[derive(Clone)]
pub struct HttpState {
    pub app: App,
    pub config: Arc<HttpConfig>,
    pub metrics: Arc<Metrics>,
}

impl HttpState {
    pub fn new(app: App, config: HttpConfig) -> Self {
        HttpState { app, config: Arc::new(config), metrics: Metrics::new() }
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.config.secure_cookies {
            "__Host-tavle_session"
        } else {
            "tavle_session"
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tavle API", description = "The school platform's JSON API. State-changing requests need the \
        session cookie and the X-CSRF-Token header with the csrf_token from /api/v1/me."),
    tags((name = "session"), (name = "login"), (name = "organisation"), (name = "drive"), (name = "assignments"), (name = "documents"))
)]
struct ApiDoc;

/// The API routes with their OpenAPI description; the two cannot drift apart because each
/// route is registered through its `#[utoipa::path]`.
pub fn api_router() -> OpenApiRouter<HttpState> {
    use api::{
        app_passwords, assignments, comments, documents, drive, files, groups, handed_documents, imports, links, login,
        login_providers, office, passkeys, people, pictures, receipts, schools, scim_tokens, second_factor, session,
        shares, tus,
    };
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(session::login, session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(session::sessions, session::logout_everywhere))
        .routes(routes!(second_factor::step_status, second_factor::second_step))
        .routes(routes!(second_factor::waiting_begin_totp, second_factor::waiting_confirm_totp))
        .routes(routes!(passkeys::waiting_challenge, passkeys::waiting_add))
        .routes(routes!(passkeys::step_challenge))
        .routes(routes!(passkeys::login_challenge))
        .routes(routes!(passkeys::login))
        .routes(routes!(passkeys::mine, passkeys::add))
        .routes(routes!(passkeys::challenge))
        .routes(routes!(passkeys::remove))
        .routes(routes!(second_factor::rule, second_factor::set_rule))
        .routes(routes!(scim_tokens::list, scim_tokens::create))
        .routes(routes!(scim_tokens::revoke))
        .routes(routes!(second_factor::mine))
        .routes(routes!(second_factor::begin_totp, second_factor::confirm_totp, second_factor::remove_totp))
        .routes(routes!(second_factor::recovery_codes))
        .routes(routes!(second_factor::reset))
        .routes(routes!(login::options))
        .routes(routes!(login::schools))
        .routes(routes!(login::start))
        .routes(routes!(login::callback))
        .routes(routes!(login::backchannel_logout))
        .routes(routes!(login_providers::list, login_providers::create))
        .routes(routes!(login_providers::get, login_providers::patch, login_providers::delete))
        .routes(routes!(login_providers::check))
        .routes(routes!(app_passwords::list, app_passwords::create))
        .routes(routes!(app_passwords::revoke))
        .routes(routes!(app_passwords::login_flow))
        .routes(routes!(app_passwords::grant_login_flow))
        .routes(routes!(schools::list, schools::create))
        .routes(routes!(schools::get))
        .routes(routes!(schools::years, schools::create_year))
        .routes(routes!(schools::groups, schools::create_group))
        .routes(routes!(schools::people, schools::create_person))
        .routes(routes!(schools::grant_admin, schools::revoke_admin))
        .routes(routes!(groups::get))
        .routes(routes!(groups::put_member, groups::remove_member))
        .routes(routes!(people::get, people::patch))
        .routes(routes!(imports::create))
        .routes(routes!(drive::spaces))
        .routes(routes!(drive::space))
        .routes(routes!(drive::set_quota))
        .routes(routes!(drive::person_drive))
        .routes(routes!(drive::node, drive::patch, drive::delete))
        .routes(routes!(drive::children))
        .routes(routes!(drive::create_folder))
        .routes(routes!(drive::copy))
        .routes(routes!(drive::search))
        .routes(routes!(drive::recent))
        .routes(routes!(files::upload))
        .routes(routes!(files::content))
        .routes(routes!(files::versions))
        .routes(routes!(files::version_content))
        .routes(routes!(files::restore_version))
        .routes(routes!(files::trash))
        .routes(routes!(files::restore))
        .routes(routes!(files::purge))
        .routes(routes!(shares::create, shares::list))
        .routes(routes!(shares::delete))
        .routes(routes!(shares::shared_with_me))
        .routes(routes!(links::create, links::list))
        .routes(routes!(links::delete))
        .routes(routes!(links::open))
        .routes(routes!(links::unlock))
        .routes(routes!(links::children))
        .routes(routes!(links::content))
        .routes(routes!(links::upload))
        .routes(routes!(tus::options, tus::create))
        .routes(routes!(tus::head, tus::patch, tus::delete))
        .routes(routes!(receipts::key))
        .routes(routes!(assignments::create, assignments::list))
        .routes(routes!(assignments::get, assignments::update, assignments::delete))
        .routes(routes!(assignments::upload))
        .routes(routes!(assignments::hand_in_files, assignments::withdraw))
        .routes(routes!(assignments::overview))
        .routes(routes!(assignments::file))
        .routes(routes!(assignments::receipt))
        .routes(routes!(assignments::zip))
        .routes(routes!(assignments::invigilation))
        .routes(routes!(assignments::feedback))
        .routes(routes!(assignments::extra_time))
        .routes(routes!(assignments::handout))
        .routes(routes!(assignments::class_overview))
        .routes(routes!(assignments::add_feedback_file))
        .routes(routes!(assignments::feedback_file, assignments::remove_feedback_file))
        .routes(routes!(documents::create))
        .routes(routes!(documents::convert))
        .routes(routes!(office::get, office::put, office::delete))
        .routes(routes!(office::open))
        .routes(routes!(documents::text))
        .routes(routes!(documents::socket))
        .routes(routes!(documents::export))
        .routes(routes!(documents::name_version))
        .routes(routes!(documents::version_export))
        .routes(routes!(documents::restore_version))
        .routes(routes!(comments::list, comments::create))
        .routes(routes!(comments::change))
        .routes(routes!(handed_documents::export))
        .routes(routes!(handed_documents::comments, handed_documents::comment))
        .routes(routes!(handed_documents::change))
        .routes(routes!(pictures::upload))
        .routes(routes!(pictures::from_drive))
        .routes(routes!(pictures::get))
        .routes(routes!(pictures::handed))
}

/// The OpenAPI document of API v1.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().split_for_parts().1
}

async fn api_not_found() -> impl IntoResponse {
    error::ApiError::App(AppError::NotFound("API endpoint"))
}

/// The whole HTTP application.
pub fn router(state: HttpState) -> Router {
    let (api, doc) = api_router().split_for_parts();
    let doc = Arc::new(doc);
    Router::new()
        .merge(api)
        .route("/api/v1/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
        .route("/api/{*rest}", axum::routing::any(api_not_found))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(dav::routes())
        .merge(nextcloud::routes())
        .merge(wopi::routes())
        .merge(scim::routes())
        .fallback(web::serve)
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::edge))
        .with_state(state)
}
