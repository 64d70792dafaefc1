//! Hash routes (`#/r/<register>/f/<finding>`): a deep link survives a
//! reload on any static host, at any path, with no rewrite rules, because
//! the server only ever sees the page's own URL.

use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// First run, or the register chooser.
    Home,
    Register(String),
    Finding(String, String),
    /// Findings overdue or due soon across the register.
    DueSoon(String),
    /// The printable report of a register.
    Report(String),
}

impl Route {
    pub fn parse(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            ["r", r] => Route::Register((*r).to_owned()),
            ["r", r, "due"] => Route::DueSoon((*r).to_owned()),
            ["r", r, "report"] => Route::Report((*r).to_owned()),
            ["r", r, "f", f] => Route::Finding((*r).to_owned(), (*f).to_owned()),
            _ => Route::Home,
        }
    }

    pub fn href(&self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Register(r) => format!("#/r/{r}"),
            Route::Finding(r, f) => format!("#/r/{r}/f/{f}"),
            Route::DueSoon(r) => format!("#/r/{r}/due"),
            Route::Report(r) => format!("#/r/{r}/report"),
        }
    }

    pub fn register(&self) -> Option<&str> {
        match self {
            Route::Home => None,
            Route::Register(r) | Route::Finding(r, _) | Route::DueSoon(r) | Route::Report(r) => {
                Some(r)
            }
        }
    }

    pub fn current() -> Route {
        Route::parse(&window().location().hash().unwrap_or_default())
    }

    /// Navigates; the `hashchange` listener in `App` updates the route signal.
    pub fn go(&self) {
        let _ = window().location().set_hash(&self.href());
    }
}
