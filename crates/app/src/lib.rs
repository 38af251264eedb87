//! The full-screen app over the Backend trait: state and updates in `app`, the key
//! tables in `keys`, drawing in `view`, the event loop in `run`.

pub mod app;
mod edit;
pub mod form;
pub mod forms;
pub mod fuzzy;
pub mod keys;
pub mod line;
pub mod lists;
pub mod run;
pub mod saved;
pub mod theme;
pub mod view;

pub use run::{Options, run};
