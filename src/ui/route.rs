//! Hash routes (`#/r/<register>/f/<finding>`): a deep link survives a
//! reload on any static host, at any path, with no rewrite rules, because
//! the server only ever sees the page's own URL.
//!
//! `#/r/<register>` is the register's first screen, the dashboard;
//! `#/r/<register>/findings?grade=minor&…` is the table with its search,
//! filters and order in the address ([`Query::to_params`]), so a dashboard
//! figure links to exactly its findings and a reload keeps them. The page
//! of the table is in the address too (`page=2`, counted from 1), so Back
//! from a finding and a reload return to the very rows the person left.

use leptos::prelude::*;
use ncr_core::query::Query;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// First run, or the register chooser.
    Home,
    /// The register's dashboard.
    Register(String),
    /// The register's table, showing what the query selects, at a page
    /// (counted from 0; `page=` in the address counts from 1).
    Findings(String, Query, usize),
    Finding(String, String),
    /// Findings overdue or due soon across the register.
    DueSoon(String),
    /// The printable report of a register.
    Report(String),
    /// The register's deleted findings, to restore.
    Deleted(String),
    /// The register's name, organisation and scope, and its audits.
    Details(String),
    /// Whether a register file holds the state a printed report names.
    /// Of no register: the file checked is only read, never opened here.
    Check,
    /// This browser's age key pair and colleagues' public keys.
    Keys,
}

impl Route {
    pub fn parse(hash: &str) -> Route {
        let hash = hash.trim_start_matches('#');
        let (path, params) = hash.split_once('?').unwrap_or((hash, ""));
        let path = path.trim_start_matches('/');
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match parts.as_slice() {
            ["r", r] => Route::Register((*r).to_owned()),
            ["r", r, "findings"] => Route::Findings(
                (*r).to_owned(),
                Query::from_params(params),
                page_param(params),
            ),
            ["r", r, "due"] => Route::DueSoon((*r).to_owned()),
            ["r", r, "report"] => Route::Report((*r).to_owned()),
            ["r", r, "deleted"] => Route::Deleted((*r).to_owned()),
            ["r", r, "details"] => Route::Details((*r).to_owned()),
            ["r", r, "f", f] => Route::Finding((*r).to_owned(), (*f).to_owned()),
            ["check"] => Route::Check,
            ["keys"] => Route::Keys,
            _ => Route::Home,
        }
    }

    pub fn href(&self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Register(r) => format!("#/r/{r}"),
            Route::Findings(r, q, page) => {
                let mut params = q.to_params();
                if *page > 0 {
                    if !params.is_empty() {
                        params.push('&');
                    }
                    params.push_str(&format!("page={}", page + 1));
                }
                if params.is_empty() {
                    format!("#/r/{r}/findings")
                } else {
                    format!("#/r/{r}/findings?{params}")
                }
            }
            Route::Finding(r, f) => format!("#/r/{r}/f/{f}"),
            Route::DueSoon(r) => format!("#/r/{r}/due"),
            Route::Report(r) => format!("#/r/{r}/report"),
            Route::Deleted(r) => format!("#/r/{r}/deleted"),
            Route::Details(r) => format!("#/r/{r}/details"),
            Route::Check => "#/check".into(),
            Route::Keys => "#/keys".into(),
        }
    }

    pub fn register(&self) -> Option<&str> {
        match self {
            Route::Home | Route::Check | Route::Keys => None,
            Route::Register(r)
            | Route::Findings(r, _, _)
            | Route::Finding(r, _)
            | Route::DueSoon(r)
            | Route::Report(r)
            | Route::Deleted(r)
            | Route::Details(r) => Some(r),
        }
    }

    pub fn current() -> Route {
        Route::parse(&window().location().hash().unwrap_or_default())
    }

    /// The table of `register`, unfiltered: where "Back to register" goes.
    pub fn findings(register: impl Into<String>) -> Route {
        Route::Findings(register.into(), Query::default(), 0)
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

/// The table's page from the address (`page=3` is the third, index 2);
/// anything else is the first. `Query::from_params` ignores the key.
fn page_param(params: &str) -> usize {
    params
        .split('&')
        .filter_map(|pair| pair.strip_prefix("page="))
        .filter_map(|n| n.parse::<usize>().ok())
        .next_back()
        .map_or(0, |n| n.saturating_sub(1))
}
