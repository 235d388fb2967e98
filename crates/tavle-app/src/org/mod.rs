//! Use cases of the organisation: schools, school years, groups, people and roles.

mod groups;
mod me;
mod people;
mod schools;

pub use groups::group_kind;
pub(crate) use people::check_password;
pub use people::{NewPersonInput, PersonChange};
