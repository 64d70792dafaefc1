//! Thin Leptos components. They render state and call intent methods on the
//! store (`state::Store`); they hold no domain logic of their own.

mod app;
mod conflicts;
mod dashboard;
mod device;
mod due;
mod evidence;
pub(crate) mod exchange;
mod finding;
mod fingerprint;
mod form;
mod history;
mod home;
mod integrity;
mod keys;
mod lifecycle;
mod patterns;
mod picker;
mod records;
mod register;
mod report;
pub mod route;
mod screen;
pub mod state;
mod widgets;

pub use app::App;
