//! A second factor for staff (issue 18): TOTP (`totp.rs`, RFC 6238) enrolled from the web app
//! with a QR code, recovery codes shown once, passkeys (`passkey.rs`, WebAuthn), the rule of
//! which roles need one (`rule.rs`), and the login's second step (`steps.rs`).
//!
//! A password login of a person with a second factor gives no session but a waiting login
//! (`login_pending`, a `SameSite=Strict` cookie, 5 minutes, 5 tries); its second step takes a
//! code, a recovery code or a passkey. A person the rule covers who has no factor yet sets one
//! up in the waiting login to finish it. A federated login needs the step only when the rule
//! covers the person and the provider did not assert a second factor itself. Each code is
//! taken once (the step used is kept). Pupils cannot enrol (`policy::may_use_second_factor`)
//! and no rule covers them. A person's factors are reset by whoever may manage the person,
//! audited.

mod passkey;
mod rule;
mod steps;
mod totp;

pub use passkey::{PasskeyChallenge, PasskeyInfo};
pub(crate) use steps::{FederatedFirstStep, FirstStep};

use serde_json::json;
use tavle_core::policy::{self, allows, person_visibility, Action, Actor, Visibility};
use tavle_core::{InvalidInput, PersonId, Reason};

use crate::audit::{event, RequestMeta};
use crate::auth::Sessions;
use crate::caller::Session;
use crate::error::{AppError, AppResult, Conflict};

/// How long a waiting login waits (ms), and how many codes it may try.
const PENDING_MS: i64 = 5 * 60 * 1000;
const PENDING_TRIES: i64 = 5;
/// Recovery codes per set.
const RECOVERY_CODES: usize = 10;
/// TOTP secrets are 20 bytes (160 bits), as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// What a person has as a second factor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecondFactors {
    /// A confirmed TOTP authenticator.
    pub totp: bool,
    /// An enrolment begun and not yet confirmed by a first code.
    pub totp_pending: bool,
    pub recovery_codes_left: i64,
    /// How many passkeys the person has.
    pub passkeys: i64,
    /// Whether this person may enrol (staff; pupils never).
    pub may_enrol: bool,
    /// Whether the municipality's rule requires a second factor of this person.
    pub required: bool,
}

/// An enrolment begun: the secret, shown once, as text, as an `otpauth://` address and as a
/// QR code (SVG) of it.
#[derive(Clone)]
pub struct TotpEnrolment {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment { <secret> }")
    }
}

/// A recovery code's hash, whatever spaces or dashes it was typed with.
fn recovery_hash(code: &str) -> String {
    let bare: String = code.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    crate::secrets::secret_hash(&bare)
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len() / 2).filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()).collect()
}

fn qr_svg(text: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else { return String::new() };
    let (size, border) = (qr.size(), 4);
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let dim = size + 2 * border;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {dim} {dim}\" shape-rendering=\"crispEdges\">\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Sessions {
    /// The caller's second factors.
    pub async fn second_factors(&self, s: &Session) -> AppResult<SecondFactors> {
        let a = &s.actor;
        let mut conn = self.store.read().await?;
        let totp = conn.totp_of(a.tenant_id, a.person_id).await?;
        let rule = conn.second_factor_rule(a.tenant_id).await?;
        Ok(SecondFactors {
            totp: totp.as_ref().is_some_and(|t| t.confirmed_at.is_some()),
            totp_pending: totp.as_ref().is_some_and(|t| t.confirmed_at.is_none()),
            recovery_codes_left: conn.recovery_codes_left(a.tenant_id, a.person_id).await?,
            passkeys: conn.passkeys_of(a.tenant_id, a.person_id).await?.len() as i64,
            may_enrol: policy::may_use_second_factor(a),
            required: policy::second_factor_required(a, &rule),
        })
    }

    /// Begins enrolling an authenticator app: a new secret, shown once. Refused when one is
    /// confirmed already (remove it first) and for pupils.
    pub async fn begin_totp(&self, s: &Session, meta: &RequestMeta) -> AppResult<TotpEnrolment> {
        self.begin_totp_as(&s.actor, meta).await
    }

    pub(crate) async fn begin_totp_as(&self, a: &Actor, meta: &RequestMeta) -> AppResult<TotpEnrolment> {
        if !policy::may_use_second_factor(a) {
            return Err(AppError::Forbidden);
        }
        let secret: Vec<u8> = crate::instance_keys::random_32()[..SECRET_BYTES].to_vec();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if !tx.put_pending_totp(a.tenant_id, a.person_id, &tavle_blob::hex(&secret), now.millis()).await? {
            return Err(Conflict::SecondFactorExists.into());
        }
        tx.append_audit(&event(a, now, "second_factor.totp_begun", a.person_id, meta, json!({}))).await?;
        tx.commit().await?;
        let login = self.store.read().await?.login_of(a.tenant_id, a.person_id).await?;
        let account = login.map(|l| l.username).unwrap_or_else(|| a.person_id.to_string());
        let b32 = totp::base32(&secret);
        let uri = format!(
            "otpauth://totp/Tavle:{}?secret={b32}&issuer=Tavle&algorithm=SHA1&digits=6&period=30",
            percent(&account)
        );
        Ok(TotpEnrolment { qr_svg: qr_svg(&uri), otpauth_uri: uri, secret: b32 })
    }

    /// Confirms an enrolment with a first code from the app; gives the recovery codes (shown
    /// once).
    pub async fn confirm_totp(&self, s: &Session, code: &str, meta: &RequestMeta) -> AppResult<Vec<String>> {
        let mut tx = self.store.write().await?;
        let codes = self.confirm_totp_in(&mut tx, &s.actor, code, meta).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Confirms an enrolment in `tx` (the caller commits).
    pub(crate) async fn confirm_totp_in(
        &self,
        tx: &mut tavle_store::Tx,
        a: &Actor,
        code: &str,
        meta: &RequestMeta,
    ) -> AppResult<Vec<String>> {
        let now = self.clock.now();
        let Some(t) = tx.totp_of(a.tenant_id, a.person_id).await? else {
            return Err(Conflict::NoSecondFactor.into());
        };
        if t.confirmed_at.is_some() {
            return Err(Conflict::SecondFactorExists.into());
        }
        let step = totp::check(&hex_decode(&t.secret), code, now.millis().div_euclid(1000), t.last_step);
        let Some(step) = step else {
            return Err(InvalidInput::new(
                "code",
                Reason::BadFormat,
                "The code does not match. Type the 6 digits the app shows now.",
            )
            .into());
        };
        if !tx.use_totp_step(a.tenant_id, a.person_id, step, now.millis()).await? {
            return Err(InvalidInput::new(
                "code",
                Reason::BadFormat,
                "That code was used already; wait for the next one.",
            )
            .into());
        }
        let codes = self.recovery_set(tx, a.tenant_id, a.person_id, now.millis()).await?;
        tx.append_audit(&event(a, now, "second_factor.totp_enrolled", a.person_id, meta, json!({}))).await?;
        Ok(codes)
    }

    async fn recovery_set(
        &self,
        tx: &mut tavle_store::Tx,
        tenant: tavle_core::TenantId,
        person: PersonId,
        at: i64,
    ) -> AppResult<Vec<String>> {
        let codes: Vec<String> =
            (0..RECOVERY_CODES).map(|_| crate::secrets::new_secret().chars().take(23).collect()).collect();
        let hashes: Vec<String> = codes.iter().map(|c| recovery_hash(c)).collect();
        tx.replace_recovery_codes(tenant, person, &hashes, at).await?;
        Ok(codes)
    }

    /// A new set of recovery codes (the old ones stop working); needs the password.
    pub async fn new_recovery_codes(&self, s: &Session, password: &str, meta: &RequestMeta) -> AppResult<Vec<String>> {
        let a = &s.actor;
        self.confirm_own_password(s, password, meta).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        if tx.totp_of(a.tenant_id, a.person_id).await?.is_none_or(|t| t.confirmed_at.is_none()) {
            return Err(Conflict::NoSecondFactor.into());
        }
        let codes = self.recovery_set(&mut tx, a.tenant_id, a.person_id, now.millis()).await?;
        tx.append_audit(&event(a, now, "second_factor.recovery_codes", a.person_id, meta, json!({}))).await?;
        tx.commit().await?;
        Ok(codes)
    }

    /// Removes the caller's authenticator and recovery codes; needs the password.
    pub async fn remove_totp(&self, s: &Session, password: &str, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        self.confirm_own_password(s, password, meta).await?;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.delete_totp(a.tenant_id, a.person_id).await?;
        tx.append_audit(&event(a, now, "second_factor.removed", a.person_id, meta, json!({}))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An administrator removes a person's second factors (a lost phone): whoever may manage
    /// the person, audited.
    pub async fn reset_second_factors(&self, s: &Session, person: PersonId, meta: &RequestMeta) -> AppResult<()> {
        let a = &s.actor;
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        tx.person(a.tenant_id, person).await?.ok_or(AppError::NotFound("person"))?;
        let facts = tx.person_facts(a.tenant_id, person).await?;
        if person_visibility(a, &facts) == Visibility::None {
            return Err(AppError::NotFound("person"));
        }
        if !allows(a, &Action::ManagePerson(&facts)) {
            return Err(AppError::Forbidden);
        }
        let removed = tx.delete_second_factors(a.tenant_id, person).await?;
        tx.append_audit(&event(a, now, "second_factor.reset", person, meta, json!({ "removed": removed }))).await?;
        tx.commit().await?;
        Ok(())
    }
}
