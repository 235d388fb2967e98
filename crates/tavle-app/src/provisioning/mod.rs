//! SCIM 2.0 provisioning (RFC 7643/7644, issue 18): a municipality's identity management
//! system keeps its people and groups in Tavle up to date at `/scim/v2/`, with a bearer token
//! a municipality administrator made (`tokens.rs`). What the server says about itself —
//! `ServiceProviderConfig`, `ResourceTypes`, `Schemas` — is in `discovery.rs`; the schemas name
//! the municipality's own schools as the values a school may take.
//!
//! Not built yet: the Users and Groups resources themselves, which go through the roster
//! import's rules (docs/design/federated-login.md §6).

mod discovery;
mod tokens;

pub use discovery::{resource_type, resource_types, schema, schemas, service_provider_config};
pub use tokens::{NewScimToken, ScimCaller, ScimTokenInfo};

use std::sync::Arc;

use crate::{service, Base};

/// SCIM provisioning: tokens and the SCIM door's use cases. Depends on nothing but the base.
#[derive(Clone)]
pub struct Provisioning {
    base: Arc<Base>,
}

service!(Provisioning);

impl Provisioning {
    pub(crate) fn new(base: Arc<Base>) -> Self {
        Provisioning { base }
    }

    /// The institution numbers of the caller's municipality's schools, for its schemas.
    pub async fn institutions(&self, c: &ScimCaller) -> crate::AppResult<Vec<String>> {
        let schools = self.store.read().await?.schools(c.tenant_id).await?;
        let mut numbers: Vec<String> = schools.into_iter().map(|s| s.institution_number).collect();
        numbers.sort();
        Ok(numbers)
    }
}
