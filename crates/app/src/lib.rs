//! The terminal app over the Backend trait.
//!
//! - `run`: the event loop (terminal, input thread, backend tasks).
//! - `app`: the root: owns every screen's state and the overlays, routes messages.
//! - `state`: what the app exchanges with the loop (commands out, messages in)
//!   and the types every screen shares; imports no screen.
//! - `screens/<name>/`: one folder per screen (portfolio, cases, alerts,
//!   dashboard, the views bar, the account with one file per tab), each with its
//!   state and selectors, its update (keys and answers) and its drawing.
//! - `overlay/`: help, palette, the saved-view prompt, forms, questions, notices.
//! - `keys`: the key tables (action, keys, help, where available, dangerous).
//! - `tick`: the scheduler's rounds while the app runs, and the emails on their way.
//! - `live`: changes made elsewhere (a team server's change feed) reloading
//!   what shows them.
//! - `files`: a document's file read from this machine to attach it, fetched to
//!   open it, and the system's opener.
//! - `input`: the bytes a terminal at the other end of a channel (an SSH
//!   session) sends, as crossterm events.
//! - `quiet`: the terminal backend that writes nothing for a frame that changes
//!   nothing.
//! - `draw`: the frame (header, views bar, page, footer, overlays on top).

pub mod app;
pub mod draw;
pub mod files;
pub mod form;
pub mod forms;
pub mod fuzzy;
pub mod input;
pub mod keys;
pub mod line;
pub mod live;
pub mod overlay;
pub mod quiet;
pub mod run;
pub mod saved;
pub mod screens;
pub mod state;
pub mod theme;
pub mod tick;
pub mod where_bar;
pub mod widgets;

pub use run::{Ended, Options, Session, leave_sequence, run, run_session};
