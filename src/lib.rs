//! tend: a keyboard-driven customer-360 for Customer Success teams.
//!
//! The binary's own parts are the CLI, the settings and the credentials; the
//! layers are crates under `crates/` (domain, engines, backend, server, app),
//! re-exported here under the names the CLI, the tests and the benches use.

pub mod cli;
pub mod config;
pub mod credentials;

pub use tend_app as tui;
pub use tend_backend as backend;
pub use tend_backend::{api, remote, sqlite};
pub use tend_domain as domain;
pub use tend_domain::{format, named_enum, with_record};
pub use tend_engines::{
    copilot, dataset, filter, generate, health, hierarchy, sentiment, summary, timeline,
};
pub use tend_server as server;
