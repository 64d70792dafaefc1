//! Platform adapters: the only code (besides `ui`) that talks to browser
//! APIs. Later issues add `storage` (the Automerge document in browser
//! storage), `files` (import and export) and the service worker glue.
