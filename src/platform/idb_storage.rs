//! The browser adapter of the storage port: one IndexedDB object store whose
//! keys are arrays (`[register, kind, name]`) and values are `Uint8Array`s.
//!
//! IndexedDB and not localStorage: a 10,000-finding register with its
//! history is about 0.8 MB of binary, which localStorage could hold only as
//! base64 text in a 5 MB per-site budget shared by every register and its
//! incremental chunks (measured figures in docs/BENCHMARKS.md). Small
//! settings stay in localStorage through gloo-storage (`profile.rs`).

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use ncr_core::storage::{Reading, Storage, StorageError, StorageKey};

const STORE: &str = "chunks";
const VERSION: u32 = 1;

pub struct IdbStorage {
    db: Database,
}

fn classify(e: idb::Error) -> StorageError {
    let text = format!("{e:?} {e}");
    if text.contains("QuotaExceeded") || text.contains("quota") {
        StorageError::QuotaExceeded
    } else {
        StorageError::Unavailable(e.to_string())
    }
}

fn js_key(key: &[String]) -> JsValue {
    key.iter()
        .map(|part| JsValue::from_str(part))
        .collect::<Array>()
        .into()
}

fn rust_key(value: &JsValue) -> Option<StorageKey> {
    let array = value.dyn_ref::<Array>()?;
    array.iter().map(|part| part.as_string()).collect()
}

impl IdbStorage {
    /// Opens (creating on first use) the named database.
    pub async fn open(name: &str) -> Result<IdbStorage, StorageError> {
        let factory = Factory::new().map_err(classify)?;
        let mut request = factory.open(name, Some(VERSION)).map_err(classify)?;
        request.on_upgrade_needed(|event| {
            let Ok(db) = event.database() else { return };
            if !db.store_names().iter().any(|n| n == STORE) {
                // Array keys given explicitly on every put: no key path.
                let _ = db.create_object_store(STORE, ObjectStoreParams::new());
            }
        });
        let db = request.await.map_err(classify)?;
        Ok(IdbStorage { db })
    }

    /// Deletes the whole database (tests start from nothing).
    pub async fn delete(name: &str) -> Result<(), StorageError> {
        let factory = Factory::new().map_err(classify)?;
        factory
            .delete(name)
            .map_err(classify)?
            .await
            .map_err(classify)?;
        Ok(())
    }

    pub fn close(&self) {
        self.db.close();
    }
}

/// Where this tab notes what it is reading (see [`Storage::note_reading`]):
/// sessionStorage survives a reload of the tab, which is what a person does
/// when the app stops, and other tabs never see it, so one tab's reading is
/// never taken for another's crash.
const READING: &str = "ncr-reading";

/// What this tab noted it was reading, if it has not finished (also read
/// by the panic hook, `platform::stopped`).
pub fn reading_noted() -> Option<Reading> {
    use gloo_storage::{SessionStorage, Storage as _};
    SessionStorage::get(READING).ok()
}

impl Storage for IdbStorage {
    fn note_reading(&self, what: Option<&Reading>) {
        use gloo_storage::{SessionStorage, Storage as _};
        // Best effort: without sessionStorage a crash can repeat once more,
        // and nothing else changes.
        match what {
            Some(r) => {
                let _ = SessionStorage::set(READING, r);
            }
            None => SessionStorage::delete(READING),
        }
    }

    fn last_reading(&self) -> Option<Reading> {
        reading_noted()
    }

    async fn load(&self, key: &[String]) -> Result<Option<Vec<u8>>, StorageError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(classify)?;
        let store = tx.object_store(STORE).map_err(classify)?;
        let value = store
            .get(js_key(key))
            .map_err(classify)?
            .await
            .map_err(classify)?;
        Ok(value.map(|v| Uint8Array::new(&v).to_vec()))
    }

    async fn save(&self, key: &[String], data: &[u8]) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(classify)?;
        let store = tx.object_store(STORE).map_err(classify)?;
        let value = Uint8Array::from(data);
        store
            .put(&value, Some(&js_key(key)))
            .map_err(classify)?
            .await
            .map_err(classify)?;
        // The write counts only once the transaction commits: a quota error
        // can surface here rather than on the put.
        let result = tx.await.map_err(classify)?;
        if result.is_committed() {
            Ok(())
        } else {
            Err(StorageError::QuotaExceeded)
        }
    }

    async fn remove(&self, key: &[String]) -> Result<(), StorageError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadWrite)
            .map_err(classify)?;
        let store = tx.object_store(STORE).map_err(classify)?;
        store
            .delete(js_key(key))
            .map_err(classify)?
            .await
            .map_err(classify)?;
        tx.await.map_err(classify)?;
        Ok(())
    }

    async fn list(&self, prefix: &[String]) -> Result<Vec<StorageKey>, StorageError> {
        let tx = self
            .db
            .transaction(&[STORE], TransactionMode::ReadOnly)
            .map_err(classify)?;
        let store = tx.object_store(STORE).map_err(classify)?;
        let keys = store
            .get_all_keys(None, None)
            .map_err(classify)?
            .await
            .map_err(classify)?;
        // Keys come back in IndexedDB order, which for string arrays is the
        // same element-wise order as `Vec<String>`.
        Ok(keys
            .iter()
            .filter_map(rust_key)
            .filter(|k| k.starts_with(prefix))
            .collect())
    }
}
