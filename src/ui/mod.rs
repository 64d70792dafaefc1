//! Thin Leptos components. They render state and call intent methods on the
//! store; they hold no domain logic of their own.

mod app;

pub use app::App;
