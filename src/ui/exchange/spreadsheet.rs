//! Findings in from a spreadsheet (a CSV, or a workbook's sheet): the
//! table read, then what each column, date column and status word means,
//! confirmed by the person with a preview of the first findings, before
//! anything is written.
//!
//! Large files are read a slice of rows at a time between frames, with
//! the count shown and a way to stop, so the page never freezes; the
//! findings are then written in one intent, all or nothing.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{findings, use_exchange, Exchange, Summary};
use crate::platform::{files, isolate};
use crate::ui::state::{new_id, today, use_store, Store};
use crate::ui::widgets::{enum_options, header_row};
use ncr_core::document::RegisterDoc;
use ncr_core::exchange::csv::{self as csv_exchange, CsvTable};
use ncr_core::exchange::import::{
    self, date_order_matters, parse_date, DateOrder, ImportOptions, ParsedImport, Target,
};
use ncr_core::model::Status;

/// Rows checked live on the mapping screen: every row of a usual register,
/// and few enough that changing a choice answers at once on a large file.
const LIVE_ROWS: usize = 2_000;

/// Rows read per slice when importing: a few milliseconds of work, so the
/// page keeps answering between slices.
const SLICE_ROWS: usize = 1_000;

/// Findings shown in the preview.
const PREVIEW_ROWS: usize = 5;

/// One sheet offered for import: its table, or why it cannot be read.
#[derive(Clone)]
pub(super) struct Sheet {
    pub name: String,
    pub table: Result<Arc<CsvTable>, String>,
}

/// A spreadsheet waiting for its columns to be mapped.
#[derive(Clone)]
pub(super) struct SheetImport {
    pub file: String,
    pub sheets: Arc<Vec<Sheet>>,
}

impl Exchange {
    pub(super) fn receive_csv(self, store: Store, file: String, bytes: &[u8]) {
        match csv_exchange::read_table(bytes) {
            Ok(table) => self.offer_sheets(
                store,
                file,
                vec![Sheet {
                    name: String::new(),
                    table: Ok(Arc::new(table)),
                }],
            ),
            Err(e) => store.error(e.to_string()),
        }
    }

    /// Reads a workbook in the workbook reader's worker, then offers its
    /// sheets.
    pub(super) async fn receive_workbook(self, store: Store, file: String, bytes: &[u8]) {
        if !store.has_register() {
            store.error("Open a register first: findings from a spreadsheet are imported into the open register.");
            return;
        }
        match isolate::read_workbook(bytes).await {
            Ok(sheets) => {
                let sheets = sheets
                    .into_iter()
                    .map(|s| Sheet {
                        name: s.name,
                        table: match (s.table, s.error) {
                            (Some(t), _) => Ok(Arc::new(t)),
                            (None, e) => Err(e.unwrap_or_default()),
                        },
                    })
                    .collect();
                self.offer_sheets(store, file, sheets);
            }
            Err(e) => store.error(e),
        }
    }

    /// Shows the mapping step for the first readable sheet.
    pub(super) fn offer_sheets(self, store: Store, file: String, sheets: Vec<Sheet>) {
        if !store.has_register() {
            store.error("Open a register first: findings from a spreadsheet are imported into the open register.");
            return;
        }
        let Some(first) = sheets.iter().position(|s| s.table.is_ok()) else {
            let reasons: Vec<String> = sheets
                .iter()
                .filter_map(|s| s.table.as_ref().err().map(|e| format!("{}: {e}", s.name)))
                .collect();
            store.error(format!(
                "No sheet of {file} holds findings to import ({}). Nothing was imported.",
                reasons.join("; ")
            ));
            return;
        };
        self.choose_sheet(&sheets, first);
        self.sheet_import.set(Some(SheetImport {
            file,
            sheets: Arc::new(sheets),
        }));
    }

    fn choose_sheet(self, sheets: &[Sheet], index: usize) {
        if let Some(Ok(table)) = sheets.get(index).map(|s| &s.table) {
            self.options.set(ImportOptions::suggest(table));
        }
        self.sheet.set(index);
        self.progress.set(None);
    }
}

fn rows(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

#[component]
pub(super) fn SpreadsheetMapping(import: SheetImport) -> impl IntoView {
    let store = use_store();
    let exchange = use_exchange();
    let sheets = import.sheets.clone();
    let file = StoredValue::new(import.file.clone());
    let table = {
        let sheets = sheets.clone();
        Memo::new(move |_| {
            let i = exchange.sheet.get();
            sheets
                .get(i)
                .and_then(|s| s.table.clone().ok())
                .unwrap_or_else(|| {
                    Arc::new(CsvTable {
                        headers: Vec::new(),
                        rows: Vec::new(),
                        delimiter: ',',
                        apostrophes: false,
                    })
                })
        })
    };
    let live = Memo::new(move |_| {
        let table = table.get();
        exchange.options.with(|o| {
            import::parse_row_range(&table, o, today(), 0..table.rows.len().min(LIVE_ROWS))
        })
    });
    let total = move || table.with(|t| t.rows.len());
    let partial = move || total() > LIVE_ROWS;
    let importable = move || live.with(|p: &ParsedImport| p.findings.len());

    let choose = move |column: usize, target: Option<Target>| {
        let t = table.get_untracked();
        exchange.options.update(|o| {
            if o.mapping.len() <= column {
                o.mapping.resize(column + 1, None);
            }
            // One column per field: taking a field frees it elsewhere.
            if target.is_some() {
                for slot in o.mapping.iter_mut() {
                    if *slot == target {
                        *slot = None;
                    }
                }
            }
            o.mapping[column] = target;
            o.refresh(&t);
        });
    };

    let sheet_choice = (sheets.len() > 1).then(|| {
        let options = sheets
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let label = match &s.table {
                    Ok(t) => format!("{} ({})", s.name, rows(t.rows.len())),
                    Err(e) => format!("{} (cannot be imported: {e})", s.name),
                };
                view! {
                    <option
                        value=i.to_string()
                        selected=move || exchange.sheet.get() == i
                        disabled=s.table.is_err()
                    >
                        {label}
                    </option>
                }
            })
            .collect_view();
        let sheets = sheets.clone();
        view! {
            <p>
                <label for="import-sheet">"Sheet"</label>
                " "
                <select
                    id="import-sheet"
                    on:change=move |ev| {
                        if let Ok(i) = event_target_value(&ev).parse::<usize>() {
                            exchange.choose_sheet(&sheets, i);
                        }
                    }
                >
                    {options}
                </select>
            </p>
        }
    });

    let mapping_rows = move || {
        let t = table.get();
        t.headers
            .iter()
            .enumerate()
            .map(|(i, header)| {
                let example = t
                    .rows
                    .iter()
                    .map(|r| t.cell_text(r, i))
                    .find(|c| !c.is_empty())
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect::<String>();
                let select_id = format!("csv-map-{i}");
                let current = move || {
                    exchange
                        .options
                        .with(|o| o.mapping.get(i).copied().flatten())
                };
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
            .collect_view()
    };

    view! {
        <section class="panel csv-mapping" aria-labelledby="csv-title">
            <h2 id="csv-title">{format!("Import findings from {}", import.file)}</h2>
            {sheet_choice}
            <p class="help">
                {move || {
                    let format = exchange
                        .options
                        .with(|o| o.format)
                        .map(|f| {
                            format!(
                                "Recognised as {}: its columns are mapped as that tool means them. ",
                                f.name(),
                            )
                        })
                        .unwrap_or_default();
                    format!(
                        "{format}Choose the field each column fills. Each finding keeps the status, actions and dates the file gives; its history records that it was imported from this file, so nothing suggests the lifecycle checks ran here.",
                    )
                }}
            </p>
            <table class="mapping">
                <caption class="visually-hidden">"Column mapping"</caption>
                <thead>{header_row(&["Column", "First value", "Imports into"])}</thead>
                <tbody>{mapping_rows}</tbody>
            </table>
            <Show when=partial>
                <p class="help">
                    {move || {
                        format!(
                            "This file has {}: the choices below are checked against the first {LIVE_ROWS}; the rest are checked when importing, and every row that cannot be imported is listed then.",
                            rows(total()),
                        )
                    }}
                </p>
            </Show>
            <DateColumns table=table />
            <StatusWords table=table />
            <Preview live=live />
            {move || {
                let (errors, warnings) = live.with(|p| (p.errors.clone(), p.warnings.clone()));
                let scope = if partial() {
                    format!(" (of the first {LIVE_ROWS} rows; the rest are checked when importing)")
                } else {
                    String::new()
                };
                view! {
                    {(!errors.is_empty())
                        .then(|| {
                            view! {
                                <div class="row-errors">
                                    <h3>
                                        {format!("{} will be skipped{scope}", rows(errors.len()))}
                                    </h3>
                                    <ul>
                                        {errors
                                            .into_iter()
                                            .map(|e| view! { <li>{e.to_string()}</li> })
                                            .collect_view()}
                                    </ul>
                                </div>
                            }
                        })}
                    {(!warnings.is_empty())
                        .then(|| {
                            view! {
                                <div class="row-warnings">
                                    <h3>
                                        {format!(
                                            "{} imported with something left out",
                                            rows(warnings.len()),
                                        )}
                                    </h3>
                                    <ul>
                                        {warnings
                                            .into_iter()
                                            .map(|e| view! { <li>{e.to_string()}</li> })
                                            .collect_view()}
                                    </ul>
                                </div>
                            }
                        })}
                }
            }}
            <p class="import-progress" role="status" aria-live="polite">
                {move || exchange.progress.get()}
            </p>
            <div class="actions">
                <button
                    type="button"
                    class="primary"
                    disabled=move || importable() == 0 || exchange.progress.with(Option::is_some)
                    on:click=move |_| run_import(
                        store,
                        exchange,
                        table.get_untracked(),
                        file.get_value(),
                    )
                >
                    {move || {
                        if partial() {
                            format!("Import up to {}", findings(total()))
                        } else {
                            format!("Import {}", findings(importable()))
                        }
                    }}
                </button>
                <button
                    type="button"
                    on:click=move |_| {
                        exchange.cancelled.set(true);
                        exchange.progress.set(None);
                        exchange.sheet_import.set(None);
                    }
                >
                    "Cancel"
                </button>
            </div>
        </section>
    }
}

/// Each date column, how its first values will be read, and the order to
/// read numeric dates in when the values leave it open.
#[component]
fn DateColumns(table: Memo<Arc<CsvTable>>) -> impl IntoView {
    let exchange = use_exchange();
    move || {
        let t = table.get();
        let columns = exchange.options.with(|o| o.date_columns());
        if columns.is_empty() {
            return None;
        }
        let items = columns
            .into_iter()
            .map(|c| {
                let values: Vec<&str> = t
                    .rows
                    .iter()
                    .map(|r| t.cell_text(r, c))
                    .filter(|v| !v.is_empty())
                    .take(200)
                    .collect();
                let matters = date_order_matters(values.iter().copied());
                let order = exchange.options.with(|o| o.date_order(c));
                let shown: Vec<String> = values
                    .iter()
                    .take(3)
                    .map(|v| match parse_date(v, order) {
                        Ok(Some(d)) => format!("{v} \u{2192} {}", d.format("%Y-%m-%d")),
                        Ok(None) => (*v).to_owned(),
                        Err(e) => format!("{v} \u{2192} {e}"),
                    })
                    .collect();
                let header = t.headers.get(c).cloned().unwrap_or_default();
                let id = format!("date-order-{c}");
                let control = matters.then(|| {
                    let id2 = id.clone();
                    view! {
                        <label for=id2>{format!("Read {header} as")}</label>
                        " "
                        <select
                            id=id
                            on:change=move |ev| {
                                let order = if event_target_value(&ev) == "month" {
                                    DateOrder::MonthDay
                                } else {
                                    DateOrder::DayMonth
                                };
                                exchange
                                    .options
                                    .update(|o| {
                                        o.date_orders.insert(c, order);
                                    });
                            }
                        >
                            <option value="day" selected=order == DateOrder::DayMonth>
                                {DateOrder::DayMonth.label()}
                            </option>
                            <option value="month" selected=order == DateOrder::MonthDay>
                                {DateOrder::MonthDay.label()}
                            </option>
                        </select>
                    }
                });
                let header2 = t.headers.get(c).cloned().unwrap_or_default();
                view! {
                    <li>
                        <strong>{header2}</strong>
                        ": "
                        {shown.join("; ")}
                        {matters.then_some(" (day and month cannot be told apart from the values)")}
                        <br />
                        {control}
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section aria-labelledby="import-dates-title">
                <h3 id="import-dates-title">"Dates"</h3>
                <ul class="import-dates">{items}</ul>
            </section>
        })
    }
}

/// Each word of the status column and the status it becomes.
#[component]
fn StatusWords(table: Memo<Arc<CsvTable>>) -> impl IntoView {
    let exchange = use_exchange();
    move || {
        let t = table.get();
        let words = exchange.options.with(|o| o.status_words(&t));
        if words.is_empty() {
            return None;
        }
        let rows_view = words
            .into_iter()
            .enumerate()
            .map(|(i, w)| {
                let key = w.key.clone();
                let current = {
                    let key = key.clone();
                    move || exchange.options.with(|o| o.statuses.get(&key).copied())
                };
                let id = format!("status-word-{i}");
                view! {
                    <tr>
                        <th scope="row">
                            <label for=id.clone()>{w.text.clone()}</label>
                        </th>
                        <td>{rows(w.rows)}</td>
                        <td>
                            <select
                                id=id
                                on:change=move |ev| {
                                    let status = Status::from_code(&event_target_value(&ev));
                                    exchange
                                        .options
                                        .update(|o| {
                                            match status {
                                                Some(s) => {
                                                    o.statuses.insert(key.clone(), s);
                                                }
                                                None => {
                                                    o.statuses.remove(&key);
                                                }
                                            }
                                        });
                                }
                            >
                                <option
                                    value=""
                                    selected={
                                        let current = current.clone();
                                        move || current().is_none()
                                    }
                                >
                                    "Choose a status (rows skipped until then)"
                                </option>
                                {enum_options(Some(current.into()))}
                            </select>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <section aria-labelledby="import-statuses-title">
                <h3 id="import-statuses-title">"Statuses"</h3>
                <table class="mapping">
                    <caption class="visually-hidden">
                        "What each status in the file becomes"
                    </caption>
                    <thead>{header_row(&["In the file", "Rows", "Becomes"])}</thead>
                    <tbody>{rows_view}</tbody>
                </table>
            </section>
        })
    }
}

/// The first findings as they will be recorded.
#[component]
fn Preview(live: Memo<ParsedImport>) -> impl IntoView {
    move || {
        let items = live.with(|p| {
            p.findings
                .iter()
                .take(PREVIEW_ROWS)
                .cloned()
                .collect::<Vec<_>>()
        });
        if items.is_empty() {
            return None;
        }
        let body = items
            .into_iter()
            .map(|item| {
                let f = &item.finding;
                let date = |d: Option<chrono::NaiveDate>| {
                    d.map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                };
                view! {
                    <tr>
                        <td>{item.line}</td>
                        <td>
                            {if f.reference.is_empty() {
                                "(numbered here)".to_owned()
                            } else {
                                f.reference.clone()
                            }}
                        </td>
                        <td>{f.title.clone()}</td>
                        <td>{f.grade.label()}</td>
                        <td>{f.status.label()}</td>
                        <td>{date(f.detected_on)}</td>
                        <td>{f.actions.len()}</td>
                        <td>{date(item.close_due.or(f.follow_up))}</td>
                        <td>{date(f.closure.closed_on)}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <section aria-labelledby="import-preview-title">
                <h3 id="import-preview-title">"Preview"</h3>
                <div
                    class="table-scroll"
                    tabindex="0"
                    role="group"
                    aria-labelledby="import-preview-title"
                >
                    <table class="mapping preview">
                        <caption class="visually-hidden">
                            "The first findings as they will be recorded"
                        </caption>
                        <thead>
                            {header_row(
                                &[
                                    "Line",
                                    "Reference",
                                    "Title",
                                    "Grade",
                                    "Status",
                                    "Detected on",
                                    "Actions",
                                    "Due",
                                    "Closed on",
                                ],
                            )}
                        </thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            </section>
        })
    }
}

/// Reads every row a slice at a time, then writes what parsed.
fn run_import(store: Store, exchange: Exchange, table: Arc<CsvTable>, file: String) {
    let options = exchange.options.get_untracked();
    exchange.cancelled.set(false);
    let total = table.rows.len();
    exchange
        .progress
        .set(Some(format!("Reading {} \u{2026}", rows(total))));
    spawn_local(async move {
        let today = today();
        let mut parsed = ParsedImport::default();
        let mut start = 0;
        while start < total {
            let end = (start + SLICE_ROWS).min(total);
            parsed.extend(import::parse_row_range(&table, &options, today, start..end));
            start = end;
            if total > SLICE_ROWS {
                exchange
                    .progress
                    .set(Some(format!("Read {start} of {}\u{2026}", rows(total))));
                // Lets the page draw and answer before the next slice.
                files::sleep(0).await;
            }
            if exchange.cancelled.get_untracked() {
                exchange.progress.set(None);
                store.info("Import stopped. Nothing was imported.");
                return;
            }
        }
        let result = write(store, exchange, &parsed, &file, today).await;
        exchange.progress.set(None);
        match result {
            Ok(report) => {
                let register = store
                    .with_doc_untracked(RegisterDoc::id)
                    .unwrap_or_default();
                let statuses = report
                    .by_status
                    .iter()
                    .map(|(s, n)| format!("{n} {}", s.label().to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut lines = vec![format!(
                    "{} imported ({statuses}), with the statuses, actions and dates the file gives; each finding's history says it was imported from {file}.",
                    findings(report.ids.len())
                )];
                if !report.audits_added.is_empty() {
                    lines.push(format!("Audits added: {}.", report.audits_added.join(", ")));
                }
                if !report.unmatched_similar.is_empty() {
                    lines.push(format!(
                        "Similar findings not found, so those links were not kept: {}.",
                        report.unmatched_similar.join(", ")
                    ));
                }
                let skipped = parsed.errors.len();
                if skipped > 0 {
                    lines.push(format!("{} skipped:", rows(skipped)));
                    lines.extend(parsed.errors.iter().take(100).map(ToString::to_string));
                    if skipped > 100 {
                        lines.push(format!("\u{2026} and {} more.", skipped - 100));
                    }
                }
                if !parsed.warnings.is_empty() {
                    lines.push(format!(
                        "{} imported with something left out:",
                        rows(parsed.warnings.len())
                    ));
                    lines.extend(parsed.warnings.iter().take(100).map(ToString::to_string));
                }
                exchange.sheet_import.set(None);
                exchange.summary.set(Some(Summary {
                    heading: format!("Imported findings from {file}"),
                    lines,
                    conflicts: Vec::new(),
                    register,
                }));
            }
            Err(Stop::Refused(e)) => store.error(e.to_string()),
            Err(Stop::Cancelled) => store.info("Import stopped. Nothing was imported."),
        }
    });
}

/// Findings written per frame: about a tenth of a second of Automerge's
/// work in the browser, so the page keeps answering while a large import
/// is written.
const WRITE_PART: usize = 500;

enum Stop {
    Refused(ncr_core::document::DocError),
    Cancelled,
}

/// Writes the parsed rows on a fork of the register, a part per frame,
/// then puts the fork in the register's place (merging whatever arrived
/// meanwhile): the register changes once, whole, or not at all.
async fn write(
    store: Store,
    exchange: Exchange,
    parsed: &ParsedImport,
    file: &str,
    today: chrono::NaiveDate,
) -> Result<import::ImportReport, Stop> {
    let (batch, report) = store
        .with_doc_untracked(|d| import::prepare(d, &parsed.findings, file, new_id, today))
        .ok_or(Stop::Cancelled)?
        .map_err(Stop::Refused)?;
    let (mut fork, base) = store
        .with_doc_untracked(|d| (d.clone(), d.heads()))
        .ok_or(Stop::Cancelled)?;
    let total = batch.findings.len();
    let mut done = 0;
    loop {
        let end = (done + WRITE_PART).min(total);
        fork.import_part(&batch, done..end).map_err(Stop::Refused)?;
        done = end;
        if done >= total {
            break;
        }
        exchange.progress.set(Some(format!(
            "Writing {done} of {}\u{2026}",
            findings(total)
        )));
        files::sleep(0).await;
        if exchange.cancelled.get_untracked() {
            return Err(Stop::Cancelled);
        }
    }
    store
        .mutate(|d| d.adopt(fork, &base))
        .map_err(Stop::Refused)?;
    Ok(report)
}
