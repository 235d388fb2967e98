//! "Find your school" on the login page, as Unilogin users are used to: the schools of the
//! municipalities that offer a login service, matched by name (or by their municipality's),
//! kept per node for a minute — Denmark has about 2,000 schools, and the list is public.

use std::sync::Arc;

use super::Federation;
use crate::error::AppResult;

/// A school found, with the address of its municipality's login page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchoolFound {
    pub school: String,
    pub institution_number: String,
    pub tenant_code: String,
    pub tenant_name: String,
}

/// The list kept per node, and when it was read (Unix ms).
pub(crate) type SchoolList = Arc<std::sync::Mutex<Option<(i64, Arc<Vec<SchoolFound>>)>>>;

/// How long the list is kept.
const KEEP_MS: i64 = 60_000;
/// At most this many answers.
const MAX_FOUND: usize = 20;

fn fold(s: &str) -> String {
    s.to_lowercase()
}

impl Federation {
    async fn school_list(&self) -> AppResult<Arc<Vec<SchoolFound>>> {
        let now = self.clock.now().millis();
        if let Ok(kept) = self.schools.lock() {
            if let Some((_, list)) = kept.as_ref().filter(|(at, _)| now - at < KEEP_MS) {
                return Ok(list.clone());
            }
        }
        let rows = self.store.read().await?.schools_with_login().await?;
        let list: Arc<Vec<SchoolFound>> = Arc::new(
            rows.into_iter()
                .map(|(school, institution_number, tenant_code, tenant_name)| SchoolFound {
                    school,
                    institution_number,
                    tenant_code,
                    tenant_name,
                })
                .collect(),
        );
        if let Ok(mut kept) = self.schools.lock() {
            *kept = Some((now, list.clone()));
        }
        Ok(list)
    }

    /// Schools whose name (or whose municipality's name, or institution number) holds `q`,
    /// those that begin with it first; at least 2 characters, at most 20 answers.
    pub async fn find_school(&self, q: &str) -> AppResult<Vec<SchoolFound>> {
        let q = fold(q.trim());
        if q.chars().count() < 2 || q.len() > 100 {
            return Ok(Vec::new());
        }
        let list = self.school_list().await?;
        let mut found: Vec<(u8, &SchoolFound)> = list
            .iter()
            .filter_map(|s| {
                let name = fold(&s.school);
                if name.starts_with(&q) || s.institution_number == q {
                    Some((0, s))
                } else if name.contains(&q) {
                    Some((1, s))
                } else if fold(&s.tenant_name).contains(&q) {
                    Some((2, s))
                } else {
                    None
                }
            })
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.school.cmp(&b.1.school)));
        Ok(found.into_iter().take(MAX_FOUND).map(|(_, s)| s.clone()).collect())
    }
}
