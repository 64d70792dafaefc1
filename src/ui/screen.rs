//! What changing screens does besides drawing the new one: the document's
//! title names the screen and the register (most specific first, as tabs
//! and history lists cut titles short), focus moves to the screen's main
//! heading so a screen reader says where the person arrived, and the page
//! starts at its top. Coming back from a finding to the table is the
//! exception: the table returns (its query and page are in the address)
//! scrolled to the row just opened, with focus on that row's link, so
//! working down a filtered list never means finding one's place again.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::ui::app::PRODUCT_NAME;
use crate::ui::route::Route;
use crate::ui::state::Store;

/// The id of a table row's link, so the row can be found again.
pub fn row_anchor(finding: &str) -> String {
    format!("row-{finding}")
}

/// Where focus goes once the new screen is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arrival {
    /// The screen's main heading, the page at its top.
    Heading,
    /// The table row of this finding, scrolled into view.
    Row(String),
}

thread_local! {
    /// Counts route changes, so a wait for a screen that the person has
    /// already left gives up instead of moving focus on the next one.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// The table as the person last left it (query and page), for the
    /// "Back to register" links.
    static LAST_TABLE: RefCell<Option<Route>> = const { RefCell::new(None) };
}

/// Records the table's route as it changes (the table writes its filters
/// to the address without a `hashchange`).
pub fn remember_table(route: &Route) {
    LAST_TABLE.with(|t| *t.borrow_mut() = Some(route.clone()));
}

/// Where "Back to register" goes: the table of `register` as it was left,
/// or unfiltered if this register's table was not shown yet.
pub fn table_of(register: &str) -> Route {
    LAST_TABLE
        .with(|t| t.borrow().clone())
        .filter(|r| r.register() == Some(register))
        .unwrap_or_else(|| Route::findings(register))
}

/// Frames to wait for a screen to be drawn (a register may still be
/// opening) before leaving focus where it is.
const MAX_WAIT_MS: f64 = 15_000.0;

/// Called by the shell's `hashchange` listener before the route signal
/// changes. Not on the first load: the page then starts like any other
/// page, at the top with the skip link as the first Tab stop, and a screen
/// reader reads it from the start; moving focus past the header there
/// would skip the skip link and the notices above the screen.
pub fn changed(previous: &Route, next: &Route) {
    let arrival = match (previous, next) {
        (Route::Finding(r, f), Route::Findings(table, _, _)) if r == table => {
            Arrival::Row(f.clone())
        }
        _ => Arrival::Heading,
    };
    if arrival == Arrival::Heading {
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    let generation = GENERATION.with(|g| {
        g.set(g.get() + 1);
        g.get()
    });
    // The old screen is still drawn here (this runs before the route
    // changes, and the new screen is drawn after): what is in <main> now
    // is not what focus should go to.
    let old = Old::now();
    next_frame(arrival, generation, now(), old);
}

/// The children of <main> before the change: the old screen.
struct Old(Vec<web_sys::Element>);

impl Old {
    fn now() -> Old {
        let mut children = Vec::new();
        if let Some(main) = document().get_element_by_id("main") {
            let mut child = main.first_element_child();
            while let Some(c) = child {
                child = c.next_element_sibling();
                children.push(c);
            }
        }
        Old(children)
    }

    fn holds(&self, element: &web_sys::Element) -> bool {
        self.0.iter().any(|c| c.contains(Some(element)))
    }
}

fn next_frame(arrival: Arrival, generation: u64, started: f64, old: Old) {
    let next = Closure::once_into_js(move || settle(arrival, generation, started, old));
    let _ = window().request_animation_frame(next.unchecked_ref());
}

/// Tries once per frame until the new screen's heading (or row) is there.
fn settle(arrival: Arrival, generation: u64, started: f64, old: Old) {
    if GENERATION.with(Cell::get) != generation || now() - started > MAX_WAIT_MS {
        return;
    }
    if !try_arrive(&arrival, &old) {
        next_frame(arrival, generation, started, old);
    }
}

/// Whether the screen was ready (and focus placed, or left to the person).
fn try_arrive(arrival: &Arrival, old: &Old) -> bool {
    let document = document();
    let Some(main) = document.get_element_by_id("main") else {
        return false;
    };
    // Someone already working in the new screen (typing in the search box
    // as it appeared) keeps their focus.
    if let Some(active) = document.active_element() {
        if active != main && main.contains(Some(&active)) && !old.holds(&active) {
            return true;
        }
    }
    let Ok(Some(heading)) = main.query_selector("h2") else {
        return false;
    };
    if old.holds(&heading) {
        return false;
    }
    if let Arrival::Row(finding) = arrival {
        if let Some(link) = document.get_element_by_id(&row_anchor(finding)) {
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            link.scroll_into_view_with_scroll_into_view_options(&options);
            focus(&link);
            return true;
        }
        // The finding no longer matches the table's filters: its top.
        window().scroll_to_with_x_and_y(0.0, 0.0);
    }
    // Focusable by script only: the heading is not a control, so it stays
    // out of the Tab order.
    let _ = heading.set_attribute("tabindex", "-1");
    focus(&heading);
    true
}

fn focus(element: &web_sys::Element) {
    if let Some(element) = element.dyn_ref::<web_sys::HtmlElement>() {
        let options = web_sys::FocusOptions::new();
        // The scroll is ours (top, or the row centred).
        options.set_prevent_scroll(true);
        let _ = element.focus_with_options(&options);
    }
}

fn now() -> f64 {
    window().performance().map(|p| p.now()).unwrap_or_default()
}

/// Takes over scrolling between screens and keeps `document.title` naming
/// the screen: "Due soon — ACME ISMS 2026 — NC Register", a finding by its
/// reference and title.
pub fn install(store: Store) {
    // The browser's own restoration would scroll a screen to where its
    // history entry was left, before that screen is even drawn; `changed`
    // scrolls instead.
    if let Ok(history) = window().history() {
        let _ = history.set_scroll_restoration(web_sys::ScrollRestoration::Manual);
    }
    Effect::new(move |_| {
        let route = store.route.get();
        let register = route.register().and_then(|id| {
            store
                .with_register(|d| (d.id() == id).then(|| d.info().map(|i| i.name)).flatten())
                .flatten()
        });
        let screen = match &route {
            Route::Home => "Registers".to_owned(),
            Route::Register(_) => "Dashboard".to_owned(),
            Route::Findings(..) => "Findings".to_owned(),
            Route::DueSoon(_) => "Due soon".to_owned(),
            // Printing to PDF proposes the title as the file name: the
            // report's date belongs in it, beside the register's name.
            Route::Report(_) => format!("Report {}", crate::ui::state::today().format("%Y-%m-%d")),
            Route::Deleted(_) => "Deleted findings".to_owned(),
            Route::Details(_) => "Register details and audits".to_owned(),
            Route::Check => "Check a report".to_owned(),
            Route::Keys => "Encryption keys".to_owned(),
            Route::Finding(_, f) => store
                .with_finding(f, |d| {
                    d.finding(f).map(|f| {
                        if f.title.trim().is_empty() {
                            format!("{} (untitled)", f.reference)
                        } else {
                            format!("{} {}", f.reference, f.title.trim())
                        }
                    })
                })
                .flatten()
                .unwrap_or_else(|| "Finding".to_owned()),
        };
        let title = [Some(screen), register.filter(|r| !r.trim().is_empty())]
            .into_iter()
            .flatten()
            .chain([PRODUCT_NAME.to_owned()])
            .collect::<Vec<_>>()
            .join(" — ");
        document().set_title(&title);
    });
}
