//! The screens: one folder each, with its state (and selectors), its update
//! (keys and answers) and its drawing.

pub mod account;
pub mod alerts;
pub mod cases;
pub mod dashboard;
pub mod portfolio;
pub mod views;
pub mod work;
