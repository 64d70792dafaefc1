//! Hash routes (`#/r/<register>/f/<finding>`): a deep link survives a
//! reload on any static host, at any path, with no rewrite rules, because
//! the server only ever sees the page's own URL.
//!
//! `#/r/<register>` is the register's first screen, the dashboard;
//! `#/r/<register>/findings?grade=minor&…` is the table with its search,
//! filters and order in the address ([`Query::to_params`]), so a dashboard
//! figure links to exactly its findings and a reload keeps them.

use leptos::prelude::*;
use ncr_core::query::Query;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// First run, or the register chooser.
    Home,
    /// The register's dashboard.
    Register(String),
    /// The register's table, showing what the query selects.
    Findings(String, Query),
    Finding(String, String),
    /// Findings overdue or due soon across the register.
    DueSoon(String),
    /// The printable report of a register.
    Report(String),
}

impl Route {
    pub fn parse(hash: &str) -> Route {
        let hash = hash.trim_start_matches('#');
        let (path, params) = hash.split_once('?').unwrap_or((hash, ""));
        let path = path.trim_start_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            ["r", r] => Route::Register((*r).to_owned()),
            ["r", r, "findings"] => Route::Findings((*r).to_owned(), Query::from_params(params)),
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
            Route::Findings(r, q) => {
                let params = q.to_params();
                if params.is_empty() {
                    format!("#/r/{r}/findings")
                } else {
                    format!("#/r/{r}/findings?{params}")
                }
            }
            Route::Finding(r, f) => format!("#/r/{r}/f/{f}"),
            Route::DueSoon(r) => format!("#/r/{r}/due"),
            Route::Report(r) => format!("#/r/{r}/report"),
        }
    }

    pub fn register(&self) -> Option<&str> {
        match self {
            Route::Home => None,
            Route::Register(r)
            | Route::Findings(r, _)
            | Route::Finding(r, _)
            | Route::DueSoon(r)
            | Route::Report(r) => Some(r),
        }
    }

    pub fn current() -> Route {
        Route::parse(&window().location().hash().unwrap_or_default())
    }

    /// The table of `register`, unfiltered: where "Back to register" goes.
    pub fn findings(register: impl Into<String>) -> Route {
        Route::Findings(register.into(), Query::default())
    }

    /// Navigates; the `hashchange` listener in `App` updates the route signal.
    pub fn go(&self) {
        let _ = window().location().set_hash(&self.href());
    }

    /// Puts this route in the address bar in place of the current entry,
    /// without a `hashchange`: the table records its filters as they
    /// change, so a reload or Back finds them, without re-rendering the
    /// screen (and losing the search box's focus) on every keystroke.
    pub fn replace(&self) {
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&self.href()),
            );
        }
    }
}
