//! The reports' integration tests, one binary with a module per concern: the rendered page
//! and charts against insta snapshots ([`render`]) and the page in headless Chromium
//! ([`browser`]). The results they render are built in code by `tests/fixtures/mod.rs`, which
//! the benchmark shares.

mod browser;
#[path = "../fixtures/mod.rs"]
mod fixtures;
mod layout;
mod render;
