//! Small settings in localStorage (through gloo-storage): who this browser
//! profile is, and typed text not yet committed to the document.
//!
//! Each browser profile is one person with a random 16-byte id, made once
//! and kept here with the auditor's name and initials; each opened copy of
//! a register writes as that id plus its own suffix (`Profile::session_actor`).

use gloo_storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};

use ncr_core::model::Auditor;

const PROFILE: &str = "ncr.profile";
const LAST_REGISTER: &str = "ncr.last-register";
const DRAFT_PREFIX: &str = "ncr.draft.";
/// Key prefix of the per-register export records (other tabs watch it).
pub const EXPORTED_PREFIX: &str = "ncr.exported.";
const REMINDER_DAYS: &str = "ncr.reminder-days";
const PHOTO_SIDE: &str = "ncr.photo-side";

/// Days unexported work may wait before the register screen reminds.
pub const DEFAULT_REMINDER_DAYS: u32 = 7;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub initials: String,
    /// Hex of this profile's Automerge actor id.
    pub actor: String,
}

impl Profile {
    pub fn auditor(&self) -> Auditor {
        Auditor {
            name: self.name.clone(),
            initials: self.initials.clone(),
        }
    }

    /// A new actor for one opened copy of a register: the person's id plus
    /// a random suffix. Every open (load, create, import) gets its own, so
    /// no two copies, in two tabs or one after the other in one tab, ever
    /// write as the same actor (see `core::document::PERSON_ID_BYTES`).
    pub fn session_actor(&self) -> automerge::ActorId {
        // A damaged stored id is replaced rather than trusted: a new actor
        // only means a new, equally valid author of future changes.
        let person =
            hex_to_bytes(&self.actor).unwrap_or_else(|| uuid::Uuid::new_v4().as_bytes().to_vec());
        let suffix = uuid::Uuid::new_v4();
        ncr_core::document::session_actor(&person, &suffix.as_bytes()[..8])
    }
}

fn hex_to_bytes(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 32 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn load() -> Option<Profile> {
    LocalStorage::get::<Profile>(PROFILE)
        .ok()
        .filter(|p| hex_to_bytes(&p.actor).is_some())
}

/// Saves the auditor, keeping the actor id of an existing profile.
pub fn save(auditor: &Auditor) -> Result<Profile, String> {
    let actor = load()
        .map(|p| p.actor)
        .unwrap_or_else(|| automerge::ActorId::random().to_hex_string());
    let profile = Profile {
        name: auditor.name.trim().to_owned(),
        initials: ncr_core::validate::normalise_initials(&auditor.initials),
        actor,
    };
    LocalStorage::set(PROFILE, &profile).map_err(|e| e.to_string())?;
    Ok(profile)
}

pub fn last_register() -> Option<String> {
    LocalStorage::get::<String>(LAST_REGISTER).ok()
}

pub fn set_last_register(id: &str) {
    // Losing this preference only means the switcher opens instead.
    let _ = LocalStorage::set(LAST_REGISTER, id);
}

/// A field typed but not yet committed to the document. Written on every
/// keystroke, synchronously, so closing the tab mid-sentence loses nothing;
/// committed (and removed) after a pause, on blur, or at the next start.
pub use ncr_core::session::{Draft, ExportRecord, StoredDraft};

thread_local! {
    /// This page's drafts are its own: two tabs typing in the same field
    /// must not commit or clear each other's half-typed text.
    static PAGE: String = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
}

fn draft_key(register: &str, finding: &str, field: &str) -> String {
    PAGE.with(|page| format!("{DRAFT_PREFIX}{page}.{register}.{finding}.{field}"))
}

pub fn save_draft(draft: &Draft) -> Result<(), String> {
    LocalStorage::set(
        draft_key(&draft.register, &draft.finding, &draft.field),
        draft,
    )
    .map_err(|e| e.to_string())
}

/// This page's draft of one field.
pub fn draft(register: &str, finding: &str, field: &str) -> Option<Draft> {
    LocalStorage::get(draft_key(register, finding, field)).ok()
}

/// The key of this page's draft of one field.
pub fn draft_key_for(register: &str, finding: &str, field: &str) -> String {
    draft_key(register, finding, field)
}

/// Removes a draft, unless it has changed since `value` was committed
/// (typing went on while the commit was being stored).
pub fn clear_draft_if(key: &str, value: &str) {
    let current = LocalStorage::get::<Draft>(key).ok();
    if current.is_none_or(|d| d.value == value) {
        LocalStorage::delete(key);
    }
}

/// Every pending draft of a register, from every page, to commit when it
/// opens: a tab closed mid-sentence left one.
pub fn drafts(register: &str) -> Vec<StoredDraft> {
    let raw = LocalStorage::raw();
    let Ok(length) = raw.length() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for i in 0..length {
        let Ok(Some(key)) = raw.key(i) else { continue };
        if !key.starts_with(DRAFT_PREFIX) {
            continue;
        }
        if let Ok(draft) = LocalStorage::get::<Draft>(&key) {
            if draft.register == register {
                out.push(StoredDraft { key, draft });
            }
        }
    }
    out
}

/// The core session's drafts port on localStorage (see the functions above).
#[derive(Clone, Copy, Default)]
pub struct LocalDrafts;

impl ncr_core::session::Drafts for LocalDrafts {
    fn save(&self, draft: &Draft) -> Result<(), String> {
        save_draft(draft)
    }

    fn get(&self, register: &str, finding: &str, field: &str) -> Option<StoredDraft> {
        Some(StoredDraft {
            draft: draft(register, finding, field)?,
            key: draft_key(register, finding, field),
        })
    }

    fn all(&self, register: &str) -> Vec<StoredDraft> {
        drafts(register)
    }

    fn clear_if(&self, key: &str, value: &str) {
        clear_draft_if(key, value)
    }
}

/// The last export of a register from this browser (see
/// [`ExportRecord`]). Kept per browser, not in the document: "exported"
/// means "a copy exists outside this browser", which is this browser's
/// fact, not the register's.
pub fn last_export(register: &str) -> Option<ExportRecord> {
    LocalStorage::get(format!("{EXPORTED_PREFIX}{register}")).ok()
}

pub fn record_export(register: &str, record: &ExportRecord) -> Result<(), String> {
    LocalStorage::set(format!("{EXPORTED_PREFIX}{register}"), record).map_err(|e| e.to_string())
}

pub fn reminder_days() -> u32 {
    LocalStorage::get(REMINDER_DAYS).unwrap_or(DEFAULT_REMINDER_DAYS)
}

pub fn set_reminder_days(days: u32) -> Result<(), String> {
    LocalStorage::set(REMINDER_DAYS, days).map_err(|e| e.to_string())
}

/// The longest side, in pixels, a photo is scaled down to before it is
/// stored (a setting of this browser: the device decides what it keeps).
pub fn photo_side() -> u32 {
    LocalStorage::get(PHOTO_SIDE)
        .ok()
        .filter(|n| ncr_core::attachment::PHOTO_SIDES.contains(n))
        .unwrap_or(ncr_core::attachment::DEFAULT_PHOTO_SIDE)
}

pub fn set_photo_side(pixels: u32) -> Result<(), String> {
    LocalStorage::set(PHOTO_SIDE, pixels).map_err(|e| e.to_string())
}
