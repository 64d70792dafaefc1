use leptos::prelude::*;

/// The product name, shown in the header and the document title.
pub const PRODUCT_NAME: &str = "NC Register";

/// The page shell: header, main area and (for now) the empty state.
#[component]
pub fn App() -> impl IntoView {
    view! {
        <header class="app-header">
            <h1 class="app-title">{PRODUCT_NAME}</h1>
            <p class="app-tagline">"ISO/IEC 27001 nonconformity register"</p>
        </header>
        <main id="main" class="app-main">
            <EmptyState />
        </main>
    }
}

/// Shown while the browser holds no register.
#[component]
fn EmptyState() -> impl IntoView {
    view! {
        <section class="empty-state" aria-labelledby="empty-state-title">
            <h2 id="empty-state-title">"No register yet"</h2>
            <p>
                "Nonconformities you record are kept in this browser only. Nothing is sent anywhere."
            </p>
        </section>
    }
}
