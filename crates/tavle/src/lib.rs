//! The `tavle` program as a library, so integration tests start exactly the server that
//! `tavle serve` starts: [`server::start`] on any address (port 0 in tests), with a shutdown
//! handle.

pub mod check;
pub mod config;
pub mod import;
pub mod receipt;
pub mod server;
