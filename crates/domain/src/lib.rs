//! Plain domain types: serde, no I/O.
//!
//! Every editable record carries the same bookkeeping fields (`id`, `version`,
//! `created_at`, `updated_at`, `source`, `external_id`); money is in integer
//! cents, instants are UTC, calendar dates are plain dates.

mod account;
mod activity;
mod commercial;
mod custom;
mod finance;
pub mod format;
mod health;
mod record;
mod sizes;
mod success;
mod support;
pub mod template;
mod validate;
mod work;

pub use account::*;
pub use activity::*;
pub use commercial::*;
pub use custom::*;
pub use finance::*;
pub use health::*;
pub use record::*;
pub use success::*;
pub use support::*;
pub use validate::*;
pub use work::*;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Identifier of a record. Unique per entity kind, assigned by the store.
pub type Id = i64;

/// An amount of money in cents (no floats near money).
pub type Cents = i64;

/// UTC instant.
pub type Timestamp = DateTime<Utc>;

/// Where a record came from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed by a user in tend.
    #[default]
    Ui,
    /// Loaded by `tend import` (fixtures, generated data).
    Import,
    /// Synchronised from a CRM or billing system.
    Crm,
    /// Written through the team server's API.
    Api,
}

/// The label of an interaction's sentiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Positive,
    Neutral,
    Negative,
}

/// An enum with one stable spelling per value (see [`named_enum!`]).
pub trait Named: Copy {
    fn as_str(self) -> &'static str;
}

/// Generates `as_str`, `ALL` and `FromStr` for a unit enum whose serde names are
/// its snake_case names, so the store, the CLI and the filters share one spelling.
#[macro_export]
macro_rules! named_enum {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in display order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// The stable spelling used in storage, JSON and filters.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }
        impl $crate::Named for $ty {
            fn as_str(self) -> &'static str {
                $ty::as_str(self)
            }
        }
        impl std::str::FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err(format!(
                        "unknown {} '{}' (expected one of: {})",
                        stringify!($ty).to_lowercase(),
                        s,
                        [$($name),+].join(", ")
                    )),
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // `pad` honours width and alignment ({:<8}) in tables.
                f.pad(self.as_str())
            }
        }
    };
}

named_enum!(Source { Ui => "ui", Import => "import", Crm => "crm", Api => "api" });
named_enum!(SentimentLabel { Positive => "positive", Neutral => "neutral", Negative => "negative" });
