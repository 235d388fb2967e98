//! Who a federated login is: the provider's chosen claim, looked up as an external identity of
//! the provider's own municipality (never another's), and for Unilogin the checks its claims
//! allow (the actor group against the person's roles, the institutions against their schools).

use serde_json::{Map, Value};
use tavle_core::org::PersonStatus;
use tavle_core::{PersonId, TenantId};
use tavle_store::login_providers::LoginProvider;

use crate::error::{AppError, AppResult, LoginRefusal};

/// The claims a login is read from, as the provider signed them.
pub(crate) type Claims = Map<String, Value>;

/// A claim as text: a string, or a number written out; 1–255 characters without control
/// characters, else it is treated as absent.
pub(crate) fn claim_text(claims: &Claims, name: &str) -> Option<String> {
    let v = match claims.get(name)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ok = !v.is_empty() && v.chars().count() <= 255 && !v.chars().any(char::is_control);
    ok.then_some(v)
}

/// A claim that may be one string or a list of them (`institution_ids`, `amr`).
pub(crate) fn claim_list(claims: &Claims, name: &str) -> Vec<String> {
    match claims.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .take(100)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether the provider asserted a login with a second factor: `amr` with `mfa`, or with
/// factors of two kinds (something known: `pwd`, `pin`, `kba`; something held: `otp`, `hwk`,
/// `swk`, `sc`, `sms`, `tel`; something one is: `fpt`, `face`, `iris`, `retina`, `vbm`); an
/// `acr` of NSIS or eIDAS level Substantial or High; or `loa`/`unilogin_loa` of 3 or more, or
/// named Substantial, High or (Unilogin's) `ToFaktor`, as Unilogin's two-factor login and
/// OS2faktor assert it.
pub(crate) fn asserts_second_factor(claims: &Claims) -> bool {
    let amr = claim_list(claims, "amr");
    let kinds = [
        &["pwd", "pin", "kba"][..],
        &["otp", "hwk", "swk", "sc", "sms", "tel"],
        &["fpt", "face", "iris", "retina", "vbm"],
    ];
    let used = kinds.iter().filter(|k| amr.iter().any(|a| k.contains(&a.as_str()))).count();
    if amr.iter().any(|a| a == "mfa") || used >= 2 {
        return true;
    }
    let high = |v: &str| {
        let level = v.rsplit(['/', ':']).next().unwrap_or(v).to_ascii_lowercase();
        level == "substantial" || level == "high" || level == "tofaktor"
    };
    if claim_text(claims, "acr").is_some_and(|acr| high(&acr)) {
        return true;
    }
    ["loa", "unilogin_loa"].iter().filter_map(|c| claim_text(claims, c)).any(|v| match v.parse::<f64>() {
        Ok(n) => n >= 3.0,
        Err(_) => high(&v),
    })
}

/// The value a login is matched by, before the person is looked up.
pub(crate) fn matched_value(p: &LoginProvider, claims: &Claims) -> Result<String, LoginRefusal> {
    claim_text(claims, &p.claim).ok_or(LoginRefusal::Token)
}

/// What Unilogin's actor group allows: `Elev` logs in pupils, `Medarbejder` staff; parents
/// (`Kontaktperson`) and guests (`Ekstern`) have no accounts in Tavle yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Group {
    Pupil,
    Staff,
}

fn unilogin_group(claims: &Claims) -> Result<Option<Group>, LoginRefusal> {
    match claim_text(claims, "aktoer_gruppe").as_deref().map(str::to_lowercase).as_deref() {
        None => Ok(None),
        Some("elev") => Ok(Some(Group::Pupil)),
        Some("medarbejder") => Ok(Some(Group::Staff)),
        Some(_) => Err(LoginRefusal::NotForThisGroup),
    }
}

/// Finds the active person a login names, or says why not.
pub(crate) async fn find(
    base: &crate::Base,
    tenant: TenantId,
    p: &LoginProvider,
    claims: &Claims,
) -> AppResult<(PersonId, PersonStatus, String)> {
    let value = matched_value(p, claims).map_err(AppError::LoginRefused)?;
    let group = if p.preset == "unilogin" { unilogin_group(claims).map_err(AppError::LoginRefused)? } else { None };
    let mut conn = base.store.read().await?;
    let Some((person, status)) = conn.person_by_identity(tenant, &p.namespace, &value).await? else {
        return Err(AppError::LoginRefused(LoginRefusal::UnknownPerson));
    };
    match status {
        PersonStatus::Active => {}
        PersonStatus::Left => return Err(AppError::LoginRefused(LoginRefusal::Left)),
        PersonStatus::Disabled => return Err(AppError::AccountDisabled),
    }
    if p.preset == "unilogin" {
        let roles = conn.person_roles_at_schools(tenant, person).await?;
        if let Some(group) = group {
            let staff = roles.iter().any(|(role, _)| role != "pupil");
            let pupil_only = !roles.is_empty() && !staff;
            if (group == Group::Pupil && staff) || (group == Group::Staff && pupil_only) {
                return Err(AppError::LoginRefused(LoginRefusal::WrongRole));
            }
        }
        let institutions = claim_list(claims, "institution_ids");
        if !institutions.is_empty() && !roles.iter().any(|(_, number)| institutions.contains(number)) {
            return Err(AppError::LoginRefused(LoginRefusal::WrongSchool));
        }
    }
    Ok((person, status, value))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn claims(v: Value) -> Claims {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn claims_are_read_as_text_only_when_they_are_sane() {
        let c = claims(serde_json::json!({
            "uniid": "idah1234", "loa": 3, "empty": "", "ctl": "a\u{0007}b", "long": "x".repeat(256),
            "obj": {"a": 1}, "ids": ["280001", 280002, {"x": 1}], "one": "280003"
        }));
        assert_eq!(claim_text(&c, "uniid").as_deref(), Some("idah1234"));
        assert_eq!(claim_text(&c, "loa").as_deref(), Some("3"));
        for absent in ["empty", "ctl", "long", "obj", "missing"] {
            assert_eq!(claim_text(&c, absent), None, "{absent}");
        }
        assert_eq!(claim_list(&c, "ids"), ["280001", "280002"]);
        assert_eq!(claim_list(&c, "one"), ["280003"]);
        assert!(claim_list(&c, "obj").is_empty());
    }

    #[test]
    fn unilogin_groups_other_than_pupils_and_staff_are_refused() {
        let g = |v: &str| unilogin_group(&claims(serde_json::json!({ "aktoer_gruppe": v })));
        assert_eq!(g("Elev"), Ok(Some(Group::Pupil)));
        assert_eq!(g("Medarbejder"), Ok(Some(Group::Staff)));
        assert_eq!(g("Kontaktperson"), Err(LoginRefusal::NotForThisGroup));
        assert_eq!(g("Ekstern"), Err(LoginRefusal::NotForThisGroup));
        assert_eq!(unilogin_group(&Claims::new()), Ok(None));
    }

    #[test]
    fn a_second_factor_is_what_the_provider_asserted() {
        let yes = [
            serde_json::json!({"amr": ["mfa"]}),
            serde_json::json!({"amr": ["pwd", "otp"]}),
            serde_json::json!({"amr": ["hwk", "fpt"]}),
            serde_json::json!({"acr": "https://data.gov.dk/concept/core/nsis/loa/Substantial"}),
            serde_json::json!({"acr": "http://eidas.europa.eu/LoA/high"}),
            serde_json::json!({"unilogin_loa": "ToFaktor"}),
            serde_json::json!({"loa": 3}),
            serde_json::json!({"loa": "4"}),
        ];
        let no = [
            serde_json::json!({}),
            serde_json::json!({"amr": ["pwd"]}),
            serde_json::json!({"amr": ["otp", "sms"]}),
            serde_json::json!({"amr": "pwd"}),
            serde_json::json!({"acr": "https://data.gov.dk/concept/core/nsis/loa/Low"}),
            serde_json::json!({"acr": "0"}),
            serde_json::json!({"unilogin_loa": "EnFaktor", "loa": 2}),
            serde_json::json!({"loa": [3]}),
        ];
        for c in yes {
            assert!(asserts_second_factor(&claims(c.clone())), "{c}");
        }
        for c in no {
            assert!(!asserts_second_factor(&claims(c.clone())), "{c}");
        }
    }
}
