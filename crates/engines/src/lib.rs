//! The engines: pure functions over domain types with an injected `now`. Health
//! scoring and alerts, interaction sentiment, the filter language, the fixture
//! dataset (parse and validate), the demo generator, the account summary and the
//! copilot's offline answers.

pub mod copilot;
pub mod dataset;
pub mod filter;
pub mod generate;
pub mod health;
pub mod hierarchy;
pub mod sentiment;
pub mod sources;
pub mod summary;
pub mod timeline;
