//! The relying party's protocol work over the `openidconnect` crate: a provider's metadata
//! with the fields Tavle reads beyond OpenID Connect Discovery, the outbound HTTP client the
//! crate is given (Tavle's reqwest 0.13, bounded, and refusing addresses inside the data
//! centre), the authorization request with PKCE, the code exchange and the ID token's check.

use std::net::IpAddr;

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreGrantType, CoreIdToken,
    CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::url::Url;
use openidconnect::{
    AdditionalProviderMetadata, AuthType, AuthenticationFlow, AuthorizationCode, ClaimsVerificationError, ClientId,
    ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use serde::{Deserialize, Serialize};

/// The largest answer read from a provider (discovery, keys, token).
const MAX_ANSWER: usize = 1 << 20;
/// The largest ID token taken.
const MAX_ID_TOKEN: usize = 16 << 10;
/// Clock skew allowed on `exp`, `iat` and `nbf` (seconds).
pub(crate) const SKEW_SECS: i64 = 60;
/// How old an ID token may be when it arrives (seconds).
const MAX_AGE_SECS: i64 = 600;

/// What Tavle reads of a provider's metadata beyond what `openidconnect` knows.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct MoreMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_supported: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_session_supported: Option<bool>,
    /// RFC 9207: the authorization response carries `iss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}
impl AdditionalProviderMetadata for MoreMetadata {}

pub(crate) type Metadata = ProviderMetadata<
    MoreMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type Rp = CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// The signature algorithms Tavle accepts, whatever a provider lists: never `none`, never a
/// MAC keyed with the client secret (anyone who knows the secret could forge a login).
pub(crate) const ACCEPTED_ALGS: [CoreJwsSigningAlgorithm; 9] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
    CoreJwsSigningAlgorithm::EdDsa,
];

/// Why talking to a provider failed.
#[derive(Debug)]
pub(crate) struct HttpError(pub String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for HttpError {}

/// The client every outbound call to a provider goes through: one pool per node, 10 s, no
/// redirects, at most 1 MiB read, and only to `https` addresses outside loopback, private and
/// link-local networks (an admin's address must not reach the data centre's inside), unless
/// the operator allowed loopback (tests, a provider on the same machine).
#[derive(Clone)]
pub(crate) struct Outbound {
    client: reqwest::Client,
    allow_loopback: bool,
}

impl Outbound {
    pub(crate) fn new(allow_loopback: bool) -> Result<Self, String> {
        tavle_blob::install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Outbound { client, allow_loopback })
    }

    /// Whether an address may be called; the reason when not.
    pub(crate) fn check_url(&self, url: &str) -> Result<(), String> {
        let u = Url::parse(url).map_err(|_| format!("{url:?} is not a web address"))?;
        let host = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_lowercase();
        let ip: Option<IpAddr> = host.parse().ok();
        let loopback = host == "localhost" || host.ends_with(".localhost") || ip.is_some_and(|ip| ip.is_loopback());
        if loopback {
            return if self.allow_loopback && matches!(u.scheme(), "http" | "https") {
                Ok(())
            } else {
                Err(format!("{host} is this machine; a login service must be elsewhere"))
            };
        }
        if u.scheme() != "https" {
            return Err("a login service must be reached over https".into());
        }
        let inside = match ip {
            Some(IpAddr::V4(v4)) => v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast(),
            Some(IpAddr::V6(v6)) => {
                v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80
            }
            None => false,
        };
        if inside {
            return Err(format!("{host} is an address inside a private network"));
        }
        Ok(())
    }

    pub(crate) async fn send(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = req.into_parts();
        let url = parts.uri.to_string();
        self.check_url(&url).map_err(HttpError)?;
        let mut resp = self
            .client
            .request(parts.method, &url)
            .headers(parts.headers)
            .body(body)
            .send()
            .await
            .map_err(|e| HttpError(format!("calling {url}: {e}")))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| HttpError(format!("reading {url}: {e}")))? {
            if bytes.len() + chunk.len() > MAX_ANSWER {
                return Err(HttpError(format!("{url} answered with more than 1 MiB")));
            }
            bytes.extend_from_slice(&chunk);
        }
        let mut out = HttpResponse::new(bytes);
        *out.status_mut() = status;
        *out.headers_mut() = headers;
        Ok(out)
    }

    /// The client as `openidconnect` takes it: a function from a request to an owned future
    /// (it borrows nothing, so the futures that hold it are `Send` whatever the lifetimes).
    fn caller(
        &self,
    ) -> impl Fn(HttpRequest) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<HttpResponse, HttpError>> + Send>>
    {
        let out = self.clone();
        move |r| {
            let out = out.clone();
            Box::pin(async move { out.send(r).await })
        }
    }

    /// Reads a provider's metadata and keys (OpenID Connect Discovery 1.0; the issuer in the
    /// metadata must be the one asked for, byte for byte).
    pub(crate) async fn discover(&self, issuer: &str) -> Result<(Metadata, CoreJsonWebKeySet), String> {
        let issuer = IssuerUrl::new(issuer.to_string()).map_err(|e| format!("the issuer is not an address: {e}"))?;
        let call = self.caller();
        let meta = Metadata::discover_async(issuer, &call).await.map_err(|e| error_chain(&e))?;
        let keys = meta.jwks().clone();
        Ok((meta, keys))
    }

    /// Fetches a provider's published keys again (an unknown `kid` appeared).
    pub(crate) async fn keys(&self, meta: &Metadata) -> Result<CoreJsonWebKeySet, String> {
        let call = self.caller();
        CoreJsonWebKeySet::fetch_async(meta.jwks_uri(), &call).await.map_err(|e| error_chain(&e))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// A provider ready for one login: its metadata with the keys Tavle holds, the client's
/// registration and the redirect address of this municipality's callback.
pub(crate) struct Relying<'a> {
    pub meta: &'a Metadata,
    pub client_id: &'a str,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

impl Relying<'_> {
    fn client(&self) -> Result<Rp, String> {
        let redirect = RedirectUrl::new(self.redirect_uri.clone()).map_err(|e| e.to_string())?;
        let secret = self.secret.clone().map(ClientSecret::new);
        let client = Rp::from_provider_metadata(self.meta.clone(), ClientId::new(self.client_id.to_string()), secret)
            .set_redirect_uri(redirect);
        // client_secret_basic unless the provider takes only client_secret_post.
        let methods = self.meta.token_endpoint_auth_methods_supported();
        let post_only = methods.is_some_and(|m| {
            !m.contains(&CoreClientAuthMethod::ClientSecretBasic) && m.contains(&CoreClientAuthMethod::ClientSecretPost)
        });
        Ok(if post_only { client.set_auth_type(AuthType::RequestBody) } else { client })
    }

    /// The address the browser is sent to: the authorization request with `state`, `nonce`
    /// and the PKCE S256 challenge of `verifier`.
    pub(crate) fn authorize_url(
        &self,
        scopes: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<String, String> {
        let client = self.client()?;
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_string()));
        let (state, nonce) = (state.to_string(), nonce.to_string());
        let mut req = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                move || CsrfToken::new(state.clone()),
                move || Nonce::new(nonce.clone()),
            )
            .set_pkce_challenge(challenge);
        for scope in scopes.split_whitespace().filter(|s| *s != "openid") {
            req = req.add_scope(Scope::new(scope.to_string()));
        }
        Ok(req.url().0.to_string())
    }

    /// Redeems a code at the token endpoint and returns the ID token as it came.
    pub(crate) async fn redeem(&self, out: &Outbound, code: &str, verifier: &str) -> Result<String, Redeem> {
        let client = self.client().map_err(Redeem::Unavailable)?;
        let call = out.caller();
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| Redeem::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
            .request_async(&call)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => Redeem::Refused(r.to_string()),
                openidconnect::RequestTokenError::Parse(e, _) => Redeem::Malformed(e.to_string()),
                other => Redeem::Unavailable(error_chain(&other)),
            })?;
        let token = answer.id_token().ok_or_else(|| Redeem::Refused("the answer has no ID token".into()))?;
        Ok(token.to_string())
    }

    /// Checks an ID token (OpenID Connect Core §3.1.3.7) at `now_secs`, and returns its claims
    /// as signed. Unknown key: [`Checked::UnknownKey`], so the caller fetches keys once more.
    pub(crate) fn check_id_token(&self, raw: &str, nonce: &str, now_secs: i64) -> Checked {
        if raw.len() > MAX_ID_TOKEN {
            return Checked::Bad("the ID token is larger than 16 KiB".into());
        }
        if let Err(why) = header_is_plain(raw) {
            return Checked::Bad(why);
        }
        let token: CoreIdToken = match raw.parse() {
            Ok(t) => t,
            Err(e) => return Checked::Bad(format!("the ID token cannot be read: {e}")),
        };
        let client = match self.client() {
            Ok(c) => c,
            Err(e) => return Checked::Bad(e),
        };
        let allowed: Vec<CoreJwsSigningAlgorithm> = self
            .meta
            .id_token_signing_alg_values_supported()
            .iter()
            .filter(|a| ACCEPTED_ALGS.contains(a))
            .cloned()
            .collect();
        // `exp` gets the skew by being compared with a clock SKEW_SECS behind; `iat` is
        // checked here against the true time.
        let lagging = chrono_secs(now_secs - SKEW_SECS);
        let verifier = client
            .id_token_verifier()
            .set_allowed_algs(allowed)
            .set_time_fn(move || lagging)
            .set_issue_time_verifier_fn(move |iat| {
                let iat = iat.timestamp();
                if iat > now_secs + SKEW_SECS {
                    Err("issued in the future".into())
                } else if iat < now_secs - MAX_AGE_SECS {
                    Err("issued more than 10 minutes ago".into())
                } else {
                    Ok(())
                }
            });
        match token.claims(&verifier, &Nonce::new(nonce.to_string())) {
            Ok(_) => {}
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey)) => {
                return Checked::UnknownKey
            }
            Err(e) => return Checked::Bad(e.to_string()),
        }
        let claims = match payload(raw) {
            Ok(c) => c,
            Err(e) => return Checked::Bad(e),
        };
        // Not checked by the crate: `azp`, if present, must be us; `nbf` not ahead.
        if let Some(azp) = claims.get("azp") {
            if azp.as_str() != Some(self.client_id) {
                return Checked::Bad("the token was issued to another client (azp)".into());
            }
        }
        if let Some(nbf) = claims.get("nbf").and_then(|v| v.as_i64()) {
            if nbf > now_secs + SKEW_SECS {
                return Checked::Bad("the token is not valid yet (nbf)".into());
            }
        }
        Checked::Good(claims)
    }
}

/// What redeeming a code gave when it gave no ID token.
pub(crate) enum Redeem {
    /// The provider answered with an error (a used or unknown code, a wrong verifier).
    Refused(String),
    /// The provider could not be reached.
    Unavailable(String),
    /// The provider's answer is not a token response (a token that is no JWT, say).
    Malformed(String),
}

pub(crate) enum Checked {
    Good(serde_json::Map<String, serde_json::Value>),
    UnknownKey,
    Bad(String),
}

fn chrono_secs(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// A compact JWS's header must not name `crit` extensions (none are understood here) and must
/// be a JWS, not a JWE.
pub(crate) fn header_is_plain(raw: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut parts = raw.split('.');
    let (Some(h), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("the token is not a signed JWT of three parts".into());
    };
    let header = decode_json(h).map_err(|e| format!("the token's header: {e}"))?;
    if header.contains_key("crit") {
        return Err("the token names critical extensions (crit) Tavle does not know".into());
    }
    Ok(header)
}

/// The claims of a compact JWS, as signed (read after the signature was checked).
pub(crate) fn payload(raw: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let part = raw.split('.').nth(1).ok_or("the token has no claims")?;
    decode_json(part).map_err(|e| format!("the token's claims: {e}"))
}

fn decode_json(part: &str) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes).map_err(|e| e.to_string())
}
