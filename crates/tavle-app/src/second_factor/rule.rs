//! A municipality's rule of which roles need a second factor: set by whoever may manage the
//! municipality's logins, audited, read at each login of a person it could cover.

use serde_json::json;
use tavle_core::policy::{self, SECOND_FACTOR_ROLES};
use tavle_core::{InvalidInput, Reason};

use crate::audit::{event, RequestMeta};
use crate::auth::Sessions;
use crate::caller::Session;
use crate::error::{AppError, AppResult};

impl Sessions {
    /// The roles of the caller's municipality that need a second factor.
    pub async fn second_factor_rule(&self, s: &Session) -> AppResult<Vec<String>> {
        let a = &s.actor;
        if !policy::may_manage_login(a) {
            return Err(AppError::Forbidden);
        }
        Ok(self.store.read().await?.second_factor_rule(a.tenant_id).await?)
    }

    /// Sets the roles that need a second factor (`staff`, `school_admin`,
    /// `municipality_admin`; none: nobody is asked). Takes effect at each one's next login.
    pub async fn set_second_factor_rule(
        &self,
        s: &Session,
        roles: &[String],
        meta: &RequestMeta,
    ) -> AppResult<Vec<String>> {
        let a = &s.actor;
        if !policy::may_manage_login(a) {
            return Err(AppError::Forbidden);
        }
        let mut wanted: Vec<String> = Vec::new();
        for role in roles {
            if !SECOND_FACTOR_ROLES.contains(&role.as_str()) {
                return Err(InvalidInput::new(
                    "roles",
                    Reason::BadFormat,
                    format!("{role:?} is not a role; use staff, school_admin or municipality_admin."),
                )
                .into());
            }
            if !wanted.contains(role) {
                wanted.push(role.clone());
            }
        }
        wanted.sort();
        let now = self.clock.now();
        let mut tx = self.store.write().await?;
        let before = tx.second_factor_rule(a.tenant_id).await?;
        tx.set_second_factor_rule(a.tenant_id, &wanted, now.millis()).await?;
        let detail = json!({ "before": before, "after": wanted });
        tx.append_audit(&event(a, now, "second_factor.rule_set", a.tenant_id, meta, detail)).await?;
        tx.commit().await?;
        self.forget_rules();
        Ok(wanted)
    }
}
