//! A finding's page: its detail and the form, which saves every field as it
//! is edited (the controls are `form`'s, drawn from the field schema).

use leptos::prelude::*;

use crate::ui::conflicts::ConflictPanel;
use crate::ui::evidence::EvidenceFiles;
use crate::ui::form::{read, SectionFields};
use crate::ui::history::HistoryPanel;
use crate::ui::integrity::AttentionPanel;
use crate::ui::lifecycle::LifecyclePanels;
use crate::ui::patterns::PatternPanel;
use crate::ui::picker::RequirementPicker;
use crate::ui::records::FindingRecordControls;
use crate::ui::screen;
use crate::ui::state::{today, use_store};
use crate::ui::widgets::SelectField;
use ncr_core::deadlines;
use ncr_core::model::{Finding, Grade};
use ncr_core::schema::{Field, Section};

#[component]
pub fn FindingScreen(register: String, finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let rid = StoredValue::new(register.clone());
    // A memo, so that an edit (a new document version) does not rebuild the
    // whole page and reset what its panels hold (an open history, a checklist).
    let exists = Memo::new(move |_| {
        store.with_finding(&fid.get_value(), |d| d.finding(&fid.get_value()).is_some())
            == Some(true)
    });
    // To the table as it was left (its filters, sort and page), which
    // then shows this finding's row.
    let back = screen::table_of(&register).href();
    view! {
        <nav class="crumbs" aria-label="Breadcrumb">
            <a href=back>"Back to register"</a>
        </nav>
        {move || {
            if exists.get() {
                view! { <FindingDetail register=rid.get_value() finding=fid.get_value() /> }
                    .into_any()
            } else if store.ready.get() {
                view! {
                    <section class="panel">
                        <h2>"Finding not found"</h2>
                        <p>"This register has no such finding in this browser."</p>
                    </section>
                }
                    .into_any()
            } else {
                view! { <p role="status">"Opening…"</p> }.into_any()
            }
        }}
    }
}

#[component]
fn FindingDetail(register: String, finding: String) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let value_of = move |f: fn(&Finding) -> String| read(store, fid, f).unwrap_or_default();
    let heading = move || {
        let r = value_of(|f| f.reference.clone());
        let t = value_of(|f| f.title.clone());
        if t.is_empty() {
            format!("{r} (untitled)")
        } else {
            format!("{r} {t}")
        }
    };
    // The facts above the form, as (term, description); an observation or
    // an opportunity for improvement shows its follow-up date, not clocks
    // it does not have.
    let facts = move || {
        store
            .with_finding(&fid.get_value(), |d| {
                let f = d.finding(&fid.get_value())?;
                let settings = d.settings();
                let t = today();
                let date = |d: Option<chrono::NaiveDate>| {
                    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
                };
                let mut facts: Vec<(&'static str, String)> =
                    vec![("Status", f.status.label().into())];
                if f.grade.is_nonconformity() {
                    let own = f.clocks.over(&settings);
                    let close_days = match f.grade {
                        Grade::Major => own.major_close_days,
                        _ => own.minor_close_days,
                    };
                    facts.push((
                        "Plan due",
                        format!(
                            "{} · {}",
                            date(deadlines::plan_due(f, &settings)),
                            deadlines::plan_state(f, &settings, t),
                        ),
                    ));
                    facts.push((
                        "Close due",
                        format!(
                            "{} · {}",
                            date(deadlines::close_due(f, &settings)),
                            deadlines::close_state(f, &settings, t),
                        ),
                    ));
                    facts.push((
                        "Deadlines",
                        format!(
                            "Plan {} days, close {close_days} days from detection, {}",
                            own.plan_due_days,
                            if f.clocks.is_fixed() {
                                "as the register's settings stood when it was recorded"
                            } else {
                                "following the register's settings"
                            },
                        ),
                    ));
                } else {
                    facts.push((
                        "Follow up on",
                        match f.follow_up {
                            Some(_) => {
                                format!(
                                    "{} · {}",
                                    date(f.follow_up),
                                    deadlines::follow_up_state(f, t),
                                )
                            }
                            None => "No date set".into(),
                        },
                    ));
                    facts.push((
                        "Deadlines",
                        format!(
                            "None from the certification body: {} is not a nonconformity",
                            if f.grade == Grade::Observation {
                                "an observation"
                            } else {
                                "an opportunity for improvement"
                            },
                        ),
                    ));
                }
                facts.push((
                    "Age",
                    deadlines::age_days(f, t)
                        .map(|a| format!("{a} days"))
                        .unwrap_or_else(|| "—".into()),
                ));
                Some(facts)
            })
            .flatten()
    };
    view! {
        <article class="finding" aria-labelledby="finding-title">
            <h2 id="finding-title">{heading}</h2>
            {move || {
                facts()
                    .map(|facts| {
                        view! {
                            <dl class="facts">
                                {facts
                                    .into_iter()
                                    .map(|(term, description)| {
                                        view! {
                                            <div>
                                                <dt>{term}</dt>
                                                <dd>{description}</dd>
                                            </div>
                                        }
                                    })
                                    .collect_view()}
                            </dl>
                        }
                    })
            }}
            <FindingRecordControls register=register finding=fid.get_value() />
            <PatternPanel finding=fid.get_value() />
            <AttentionPanel finding=fid.get_value() />
            <ConflictPanel finding=fid.get_value() />
            <FindingForm finding=fid.get_value() />
            <EvidenceFiles finding=fid.get_value() />
            <LifecyclePanels finding=fid.get_value() />
            <HistoryPanel finding=fid.get_value() />
        </article>
    }
}

/// The finding form: each control saves itself.
#[component]
pub fn FindingForm(finding: String) -> impl IntoView {
    view! {
        <form class="finding-form" on:submit=|ev| ev.prevent_default()>
            <SectionFields finding section=Section::Finding custom=custom_control />
        </form>
    }
}

/// The form's controls the schema leaves to the page.
fn custom_control(field: &'static Field, finding: String) -> AnyView {
    match field.key {
        "requirements" => view! { <RequirementPicker finding /> }.into_any(),
        "audit" => view! { <AuditSelect finding field /> }.into_any(),
        _ => ().into_any(),
    }
}

/// The audits of the register by title, and "None".
#[component]
fn AuditSelect(finding: String, field: &'static Field) -> impl IntoView {
    let store = use_store();
    let fid = StoredValue::new(finding);
    let audits = move || {
        store
            .with_register(|d| {
                d.audits()
                    .into_values()
                    .map(|a| (a.id, a.title))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    let audit = move || read(store, fid, |f| f.audit.clone()).unwrap_or_default();
    let set = move |v: String| {
        if let Err(e) = store.update_finding(&fid.get_value(), move |f| f.audit = v) {
            store.error(e.to_string());
        }
    };
    view! {
        <SelectField id=format!("f-{}", field.key) label=field.label on_change=set>
            <option value="" selected=move || audit().is_empty()>
                "None"
            </option>
            {move || {
                audits()
                    .into_iter()
                    .map(|(id, title)| {
                        let key = id.clone();
                        view! {
                            <option value=id selected=move || audit() == key>
                                {title}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </SelectField>
    }
}
