//! Time and fresh ids from the browser. The core never reads a clock or a
//! random source itself: it takes a [`ncr_core::document::Clock`] and id
//! generators as arguments, so native tests run on fixed values.

use chrono::NaiveDate;

/// Milliseconds since the Unix epoch, for change timestamps.
pub fn system_clock() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The person's local calendar date: what "due today" means to them.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The person's local date and time, for export file names.
pub fn now_local() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// A random (v4) id for a new register, finding or action.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
