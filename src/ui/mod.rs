//! Thin Leptos components. They render state and call intent methods on the
//! store (`state::Store`); they hold no domain logic of their own.

mod app;
pub mod fields;
mod finding;
mod home;
mod picker;
mod register;
pub mod route;
pub mod state;

pub use app::App;
