//! This browser's age key pair and its address book of colleagues' public
//! keys, in localStorage beside the profile.
//!
//! The secret key stays in this browser profile, as the register itself
//! does: whoever can read this profile's storage can already read every
//! register in it. It leaves only when the person downloads it as an age
//! identity file, to keep it safe or use it with the age tools.

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use ncr_core::exchange::sealed::{Contact, KeyPair};

const OWN_KEY: &str = "ncr.age-key";
const CONTACTS: &str = "ncr.age-contacts";

/// The key pair and when it was made or brought in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnKey {
    #[serde(flatten)]
    pub pair: KeyPair,
    pub created: chrono::DateTime<chrono::Utc>,
}

pub fn own_key() -> Option<OwnKey> {
    LocalStorage::get::<OwnKey>(OWN_KEY).ok()
}

pub fn set_own_key(key: &OwnKey) -> Result<(), String> {
    LocalStorage::set(OWN_KEY, key).map_err(|e| e.to_string())
}

pub fn forget_own_key() {
    LocalStorage::delete(OWN_KEY);
}

pub fn contacts() -> Vec<Contact> {
    LocalStorage::get::<Vec<Contact>>(CONTACTS).unwrap_or_default()
}

pub fn set_contacts(book: &[Contact]) -> Result<(), String> {
    LocalStorage::set(CONTACTS, book).map_err(|e| e.to_string())
}
