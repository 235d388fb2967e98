//! Use cases of the organisation: schools, school years, groups, people and roles.

mod groups;
mod me;
mod people;
mod schools;

pub use groups::group_kind;
pub(crate) use people::check_password;
pub use people::{NewPersonInput, PersonChange};

use std::sync::Arc;

use crate::Base;

/// Schools, school years, classes and teams, people and their roles, `/me`, and roster
/// imports (`crate::import`). Depends on no other service.
#[derive(Clone)]
pub struct Organisation {
    base: Arc<Base>,
    /// Taken to load a tenant's shared part of `/me` (`me.rs`): when it is not cached (a
    /// node's start, an organisation change), the many first requests that find it missing
    /// wait for one of them to read it instead of all reading it at once.
    tenant_load: Arc<tokio::sync::Mutex<()>>,
}
crate::service!(Organisation);

impl Organisation {
    pub(crate) fn new(base: Arc<Base>) -> Self {
        Organisation { base, tenant_load: Arc::default() }
    }
}
