//! Small pieces shared by the screens: a labelled `<select>`, the same for
//! the core's keyed enums (whose options are their `code()`s) and for a
//! schema field's choices, a grade badge.

use std::marker::PhantomData;
use std::sync::Arc;

use leptos::prelude::*;

use ncr_core::exchange::import::Target;
use ncr_core::model::{ActionStatus, CauseCategory, Grade, Source, Status};

/// What a `<select>` needs of an enum. The core's enums already have these
/// as inherent items; the trait only lets one control serve them all, and
/// lives here because the core knows nothing of controls.
pub trait Keyed: Copy + Send + Sync + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self>;
}

macro_rules! keyed {
    ($($name:ty),+) => {$(
        impl Keyed for $name {
            const ALL: &'static [Self] = <$name>::ALL;
            fn code(self) -> &'static str {
                <$name>::code(self)
            }
            fn label(self) -> &'static str {
                <$name>::label(self)
            }
            fn from_code(code: &str) -> Option<Self> {
                <$name>::from_code(code)
            }
        }
    )+};
}

keyed!(Grade, Source, Status, CauseCategory, ActionStatus, Target);

/// A grade as the tables show it, coloured by the stylesheet.
pub fn grade_badge(grade: Grade) -> impl IntoView {
    view! { <span class=format!("grade grade-{}", grade.code())>{grade.label()}</span> }
}

/// A `<select>` under its label, as every filter and form field lays one
/// out; `on_change` gets the chosen option's value.
#[component]
pub fn SelectField<C: IntoView + 'static>(
    #[prop(into)] id: String,
    label: &'static str,
    on_change: impl Fn(String) + 'static,
    // Typed: `Children` would erase each call's options into an `AnyView`,
    // which costs about 4 KB of wasm over the app's selects.
    children: TypedChildren<C>,
) -> impl IntoView {
    let options = children.into_inner();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <select id=id on:change=move |ev| on_change(event_target_value(&ev))>
                {options()}
            </select>
        </div>
    }
}

/// A [`SelectField`] of one of the core's enums.
#[component]
pub fn EnumSelect<E: Keyed>(
    #[prop(into)] id: String,
    label: &'static str,
    /// The first option, meaning no value ("All grades" in a filter); a
    /// select without one always holds a value.
    #[prop(optional)]
    none: Option<&'static str>,
    /// The value to show. A filter has none: it keeps what the person
    /// chose, and nothing else changes it.
    #[prop(optional, into)]
    selected: Option<Shown<E>>,
    on_change: impl Fn(Option<E>) + 'static,
) -> impl IntoView {
    let on_change = Box::new(move |code: String| on_change(E::from_code(&code)));
    code_select(
        id,
        label,
        none,
        choices::<E>(),
        selected.map(|s| s.0),
        on_change,
    )
}

/// A [`SelectField`] of a field schema's choices (`(code, label)`);
/// `current` returns the chosen code.
pub fn choice_select(
    id: String,
    label: &'static str,
    none: Option<&'static str>,
    options: &'static [(&'static str, &'static str)],
    current: impl Fn() -> Option<&'static str> + Send + Sync + 'static,
    on_change: impl Fn(String) + 'static,
) -> impl IntoView {
    code_select(
        id,
        label,
        none,
        options.to_vec(),
        Some(Arc::new(current)),
        Box::new(on_change),
    )
}

/// An `<option>` for each value of `E`, in the enum's order; with
/// `selected`, the one it holds is marked.
pub fn enum_options<E: Keyed>(selected: Option<Shown<E>>) -> impl IntoView {
    code_options(choices::<E>(), selected.map(|s| s.0))
}

/// The value of `E` a select shows, read reactively: made from a closure
/// returning `Option<E>`.
pub struct Shown<E>(Current, PhantomData<fn() -> E>);

impl<E: Keyed, F: Fn() -> Option<E> + Send + Sync + 'static> From<F> for Shown<E> {
    fn from(read: F) -> Self {
        Shown(Arc::new(move || read().map(E::code)), PhantomData)
    }
}

// Everything above only translates to codes and boxes the closures, so
// that the markup below is compiled once, not once per enum and per
// closure: the app ships as wasm, and a `Signal` per enum type costs
// more than the options it draws.

type Choices = Vec<(&'static str, &'static str)>;
type Current = Arc<dyn Fn() -> Option<&'static str> + Send + Sync>;

fn choices<E: Keyed>() -> Choices {
    E::ALL.iter().map(|e| (e.code(), e.label())).collect()
}

fn code_select(
    id: String,
    label: &'static str,
    none: Option<&'static str>,
    options: Choices,
    current: Option<Current>,
    on_change: Box<dyn Fn(String)>,
) -> impl IntoView {
    let none = none.map(|text| {
        let current = current.clone();
        view! {
            <option value="" selected=move || current.as_ref().is_some_and(|c| c().is_none())>
                {text}
            </option>
        }
    });
    view! {
        <SelectField id label on_change>
            {none}
            {code_options(options, current)}
        </SelectField>
    }
}

fn code_options(options: Choices, current: Option<Current>) -> impl IntoView {
    options
        .into_iter()
        .map(|(code, label)| {
            let current = current.clone();
            view! {
                <option
                    value=code
                    selected=move || current.as_ref().is_some_and(|c| c() == Some(code))
                >
                    {label}
                </option>
            }
        })
        .collect_view()
}

/// A date typed and shown as the rest of the app writes dates,
/// YYYY-MM-DD. A browser's `<input type="date">` shows the browser's
/// locale instead (12/31/2026 in one, 31.12.2026 in the next), beside
/// tables, exports and the report that all say 2026-12-31. The native
/// calendar is kept as a button beside the text (the date input's own
/// picker icon, hidden from the keyboard and from screen readers, which
/// type the date).
///
/// `on_change` gets the text: as soon as it is a whole date while typing
/// (so nothing waits for the field to be left), and whatever it is when
/// the field is left, so the caller can say what is wrong with it.
#[component]
pub fn IsoDateInput(
    #[prop(into)] id: String,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    #[prop(optional, into)] described_by: Option<String>,
) -> impl IntoView {
    let complete = |text: &str| chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").is_ok();
    view! {
        <span class="date-input">
            <input
                id=id
                type="text"
                inputmode="numeric"
                autocomplete="off"
                placeholder="YYYY-MM-DD"
                maxlength="10"
                aria-describedby=described_by
                prop:value=move || value.get()
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    if complete(&text) {
                        on_change.run(text);
                    }
                }
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    if !complete(&text) {
                        on_change.run(text);
                    }
                }
            />
            <input
                type="date"
                class="date-picker"
                tabindex="-1"
                aria-hidden="true"
                title="Choose from a calendar"
                prop:value=move || value.get()
                on:change=move |ev| on_change.run(event_target_value(&ev))
            />
        </span>
    }
}

/// A labelled text input (or a two-line textarea) bound to a form's own
/// signal; the form's submit button saves it, not each keystroke.
#[component]
pub fn BoundText(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let control = if multiline {
        view! {
            <textarea
                id=id.clone()
                rows="2"
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                type="text"
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
        }
        .into_any()
    };
    view! {
        <label for=id>{label}</label>
        {control}
    }
}

/// A register's name, organisation and scope, as creating a register and
/// editing its details both ask for them; `prefix` keeps the ids apart.
#[component]
pub fn RegisterInfoFields(
    prefix: &'static str,
    name: RwSignal<String>,
    organisation: RwSignal<String>,
    scope: RwSignal<String>,
) -> impl IntoView {
    view! {
        <BoundText id=format!("{prefix}-name") label="Register name" value=name required=true />
        <BoundText id=format!("{prefix}-organisation") label="Organisation" value=organisation />
        <BoundText id=format!("{prefix}-scope") label="Scope" value=scope multiline=true />
    }
}

/// A table's header row: a column header for each name.
pub fn header_row(columns: &'static [&'static str]) -> impl IntoView {
    view! { <tr>{columns.iter().map(|&c| view! { <th scope="col">{c}</th> }).collect_view()}</tr> }
}
