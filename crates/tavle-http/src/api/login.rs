//! Logging in through a municipality's login service (OpenID Connect): its login page's
//! buttons, the start (a redirect to the provider with a sealed attempt cookie), the
//! provider's callback (a session, or the login page with the refusal's reason) and the
//! provider's back-channel logout. None of these need a session; the callback's answers are
//! redirects because a browser follows them, and a refusal is the error table's row rendered
//! as the login page's `error` and `reason`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};
use tavle_app::auth::PasswordLogin;
use tavle_app::federation::{cookie_name, CallbackParams};
use tavle_app::AppError;
use utoipa::{IntoParams, ToSchema};

use crate::error::{app_row, ApiResult, ErrorBody};
use crate::extract::Meta;
use crate::HttpState;

/// Where the attempt cookie is sent: the callback only.
const ATTEMPT_PATH: &str = "/api/v1/login/oidc/";

/// A municipality's login page.
#[derive(Serialize, ToSchema)]
pub struct LoginOptionsWire {
    pub tenant_code: String,
    pub tenant_name: String,
    /// Its login services in the order shown ("Log ind med Unilogin" first).
    pub providers: Vec<ProviderButtonWire>,
    /// Whether the username-and-password form is offered too (always, for now).
    pub password: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderButtonWire {
    pub slug: String,
    pub display_name: String,
    /// Where the button goes (a link, never a form).
    pub start_url: String,
}

#[derive(Deserialize, IntoParams)]
pub struct OptionsQuery {
    /// The municipality's code, e.g. `0751`.
    pub tenant: String,
}

/// A municipality's login page: its login services (public).
#[utoipa::path(get, path = "/api/v1/login/options", tag = "login", params(OptionsQuery),
    responses((status = 200, body = LoginOptionsWire), (status = 404, body = ErrorBody)))]
pub async fn options(
    State(state): State<HttpState>,
    Query(q): Query<OptionsQuery>,
) -> ApiResult<Json<LoginOptionsWire>> {
    let o = state.app.federation().options(&q.tenant).await?;
    let code = o.tenant_code.clone();
    Ok(Json(LoginOptionsWire {
        tenant_code: o.tenant_code,
        tenant_name: o.tenant_name,
        providers: o
            .providers
            .into_iter()
            .map(|p| ProviderButtonWire {
                start_url: format!("{ATTEMPT_PATH}{code}/{}/start", p.slug),
                slug: p.slug,
                display_name: p.display_name,
            })
            .collect(),
        password: true,
    }))
}

/// A school found by its name, with its municipality's login page.
#[derive(Serialize, ToSchema)]
pub struct SchoolFoundWire {
    pub school: String,
    pub institution_number: String,
    pub tenant_code: String,
    pub tenant_name: String,
    /// The municipality's login page, e.g. `/k/0751`.
    pub login_url: String,
}

#[derive(Deserialize, IntoParams)]
pub struct SchoolQuery {
    /// At least 2 characters of the school's (or municipality's) name.
    pub q: String,
}

/// Find a school, and so its municipality's login page (public; schools of municipalities
/// that offer a login service; at most 20).
#[utoipa::path(get, path = "/api/v1/login/schools", tag = "login", params(SchoolQuery),
    responses((status = 200, body = Vec<SchoolFoundWire>)))]
pub async fn schools(
    State(state): State<HttpState>,
    Query(q): Query<SchoolQuery>,
) -> ApiResult<Json<Vec<SchoolFoundWire>>> {
    let found = state.app.federation().find_school(&q.q).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|s| SchoolFoundWire {
                login_url: format!("/k/{}", percent(&s.tenant_code)),
                school: s.school,
                institution_number: s.institution_number,
                tenant_code: s.tenant_code,
                tenant_name: s.tenant_name,
            })
            .collect(),
    ))
}

fn no_store(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    resp
}

fn redirect(to: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    for c in cookies {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    no_store(resp)
}

fn attempt_cookie(state: &HttpState, name: String, value: String, max_age: i64) -> Option<HeaderValue> {
    let c = Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .path(ATTEMPT_PATH)
        .max_age(cookie::time::Duration::seconds(max_age));
    HeaderValue::from_str(&c.build().to_string()).ok()
}

/// The login page of a municipality with a refusal to show.
fn refused_page(tenant_code: &str, e: &AppError) -> String {
    let row = app_row(e);
    let mut to = format!("/k/{}?error={}", percent(tenant_code), row.code);
    if let Some(reason) = row.reason {
        to.push_str("&reason=");
        to.push_str(reason);
    }
    to
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Start logging in through a login service: a redirect to it, with the attempt sealed in a
/// cookie for the callback (public).
#[utoipa::path(get, path = "/api/v1/login/oidc/{tenant}/{provider}/start", tag = "login",
    params(("tenant" = String, Path), ("provider" = String, Path)),
    responses((status = 303, description = "to the login service, or back to the login page with the reason"),
              (status = 404, body = ErrorBody)))]
pub async fn start(
    State(state): State<HttpState>,
    Path((tenant, provider)): Path<(String, String)>,
) -> ApiResult<Response> {
    match state.app.federation().start(&tenant, &provider, &state.config.public_url).await {
        Ok(s) => {
            let name = cookie_name(&s.state, state.config.secure_cookies);
            let cookie = attempt_cookie(&state, name, s.sealed, 600);
            Ok(redirect(&s.redirect_to, cookie.into_iter().collect()))
        }
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) => Ok(redirect(&refused_page(&tenant, &e), Vec::new())),
    }
}

/// What a login service sends back.
#[derive(Deserialize, IntoParams)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// The issuer (RFC 9207).
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// The login service's return: on success a session cookie and a redirect to the home page;
/// else the municipality's login page with why (public).
#[utoipa::path(get, path = "/api/v1/login/oidc/{tenant}/{provider}/callback", tag = "login",
    params(("tenant" = String, Path), ("provider" = String, Path), CallbackQuery),
    responses((status = 303, description = "to the home page, logged in; or to the login page with `error` and `reason`"),
              (status = 404, body = ErrorBody)))]
pub async fn callback(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    Path((tenant, provider)): Path<(String, String)>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let name = cookie_name(q.state.as_deref().unwrap_or_default(), state.config.secure_cookies);
    let sealed = crate::extract::session_token_of(&headers, &name);
    let params = CallbackParams { code: q.code, state: q.state, iss: q.iss, error: q.error };
    let result = state
        .app
        .federation()
        .callback(&tenant, &provider, &params, sealed.as_deref(), &state.config.public_url, &meta)
        .await;
    // The attempt is used up whatever happened: a replayed callback finds no cookie.
    let clear = attempt_cookie(&state, name, String::new(), 0);
    match result {
        Ok(PasswordLogin::Session(outcome)) => {
            let mut cookies: Vec<HeaderValue> = clear.into_iter().collect();
            cookies.extend(super::session::session_cookie(&state, outcome.token, None));
            Ok(redirect("/", cookies))
        }
        // The municipality requires a second factor the login service did not assert: the
        // login page asks for it (or has the person set one up) with the waiting login's cookie.
        Ok(PasswordLogin::SecondStep(step)) => {
            let mut cookies: Vec<HeaderValue> = clear.into_iter().collect();
            cookies.extend(super::session::pending_cookie(&state, step.token, 300));
            Ok(redirect("/login?step=second-factor", cookies))
        }
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) if matches!(app_row(&e).status, StatusCode::INTERNAL_SERVER_ERROR) => Err(e.into()),
        Err(e) => Ok(redirect(&refused_page(&tenant, &e), clear.into_iter().collect())),
    }
}

/// A back-channel logout's body.
#[derive(Deserialize, ToSchema)]
pub struct BackchannelLogout {
    pub logout_token: String,
}

/// A login service ends sessions it made (OpenID Connect Back-Channel Logout 1.0): a signed
/// `logout_token` naming its subject or session; the sessions end on every node at once.
#[utoipa::path(post, path = "/api/v1/login/oidc/{tenant}/{provider}/backchannel-logout", tag = "login",
    params(("tenant" = String, Path), ("provider" = String, Path)),
    request_body(content = BackchannelLogout, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn backchannel_logout(
    State(state): State<HttpState>,
    Meta(meta): Meta,
    Path((tenant, provider)): Path<(String, String)>,
    body: Result<Form<BackchannelLogout>, axum::extract::rejection::FormRejection>,
) -> ApiResult<Response> {
    let Form(b) = body.map_err(|_| {
        AppError::Invalid(tavle_core::InvalidInput::new(
            "logout_token",
            tavle_core::Reason::Empty,
            "Send the logout token as the form field logout_token.",
        ))
    })?;
    state.app.federation().backchannel_logout(&tenant, &provider, &b.logout_token, &meta).await?;
    Ok(no_store(StatusCode::OK.into_response()))
}
