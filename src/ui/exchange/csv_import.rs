//! Findings in from a CSV: the table read, then each column mapped to a
//! field before anything is imported.

use std::sync::Arc;

use leptos::prelude::*;

use super::{findings, use_exchange, Exchange, Summary};
use crate::ui::state::{new_id, today, use_store, Store};
use crate::ui::widgets::enum_options;
use ncr_core::document::RegisterDoc;
use ncr_core::exchange::csv::{self as csv_exchange, CsvTable, ParsedImport, Target};

/// A CSV waiting for its columns to be mapped.
#[derive(Clone)]
pub(super) struct CsvImport {
    file: String,
    table: Arc<CsvTable>,
}

impl Exchange {
    pub(super) fn receive_csv(self, store: Store, file: String, bytes: &[u8]) {
        if !store.has_register() {
            store.error("Open a register first: findings from a spreadsheet are imported into the open register.");
            return;
        }
        match csv_exchange::read_table(bytes) {
            Ok(table) => {
                self.mapping
                    .set(csv_exchange::suggest_mapping(&table.headers));
                self.csv.set(Some(CsvImport {
                    file,
                    table: Arc::new(table),
                }));
            }
            Err(e) => store.error(e.to_string()),
        }
    }
}

#[component]
pub(super) fn CsvMapping(import: CsvImport) -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let table = import.table.clone();
    let file = StoredValue::new(import.file.clone());
    let parsed_table = table.clone();
    let parsed = Memo::new(move |_| {
        exchange
            .mapping
            .with(|m| csv_exchange::parse_rows(&parsed_table, m, today()))
    });
    let count = move || parsed.with(|p: &ParsedImport| p.findings.len());
    let choose = move |column: usize, target: Option<Target>| {
        exchange.mapping.update(|m| {
            if m.len() <= column {
                m.resize(column + 1, None);
            }
            // One column per field: taking a field frees it elsewhere.
            if target.is_some() {
                for slot in m.iter_mut() {
                    if *slot == target {
                        *slot = None;
                    }
                }
            }
            m[column] = target;
        });
    };
    let run = move |_| {
        let rows = parsed.with_untracked(|p| p.findings.clone());
        let skipped = parsed.with_untracked(|p| p.errors.len());
        let today = today();
        match store.mutate(|d| csv_exchange::import_findings(d, &rows, new_id, today)) {
            Ok(ids) => {
                let register = store
                    .with_doc_untracked(RegisterDoc::id)
                    .unwrap_or_default();
                let mut lines = vec![format!(
                    "{} imported, each starting open.",
                    findings(ids.len())
                )];
                if skipped > 0 {
                    lines.push(format!(
                        "{skipped} row(s) skipped because of the errors listed before the import."
                    ));
                }
                exchange.csv.set(None);
                exchange.summary.set(Some(Summary {
                    heading: format!("Imported findings from {}", file.get_value()),
                    lines,
                    conflicts: Vec::new(),
                    register,
                }));
            }
            Err(e) => store.error(e.to_string()),
        }
    };
    let rows = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let example = table
                .rows
                .iter()
                .map(|r| r.cell(i))
                .find(|c| !c.is_empty())
                .unwrap_or("")
                .chars()
                .take(60)
                .collect::<String>();
            let select_id = format!("csv-map-{i}");
            let current = move || exchange.mapping.with(|m| m.get(i).copied().flatten());
            view! {
                <tr>
                    <th scope="row">
                        <label for=select_id.clone()>{header.clone()}</label>
                    </th>
                    <td class="example">{example}</td>
                    <td>
                        <select
                            id=select_id
                            on:change=move |ev| choose(
                                i,
                                Target::from_code(&event_target_value(&ev)),
                            )
                        >
                            <option value="" selected=move || current().is_none()>
                                "Do not import"
                            </option>
                            {enum_options(Some(current.into()))}
                        </select>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="panel csv-mapping" aria-labelledby="csv-title">
            <h2 id="csv-title">{format!("Import findings from {}", import.file)}</h2>
            <p class="help">
                "Choose the field each column fills. Imported findings start open; a status column is not imported, so that each finding goes through the lifecycle checks here."
            </p>
            <table class="mapping">
                <caption class="visually-hidden">"Column mapping"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Column"</th>
                        <th scope="col">"First value"</th>
                        <th scope="col">"Imports into"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            {move || {
                let errors = parsed.with(|p| p.errors.clone());
                (!errors.is_empty())
                    .then(|| {
                        view! {
                            <div class="row-errors">
                                <h3>
                                    {format!(
                                        "{} row{} will be skipped",
                                        errors.len(),
                                        if errors.len() == 1 { "" } else { "s" },
                                    )}
                                </h3>
                                <ul>
                                    {errors
                                        .into_iter()
                                        .map(|e| view! { <li>{e.to_string()}</li> })
                                        .collect_view()}
                                </ul>
                            </div>
                        }
                    })
            }}
            <div class="actions">
                <button type="button" class="primary" disabled=move || count() == 0 on:click=run>
                    {move || format!("Import {}", findings(count()))}
                </button>
                <button type="button" on:click=move |_| exchange.csv.set(None)>
                    "Cancel"
                </button>
            </div>
        </section>
    }
}
