//! Shared by `tests/it/fuzz_seeded.rs` and the cargo-fuzz targets in `fuzz/`
//! (which include this file by path): the registers the fuzzers start
//! from, Automerge's chunk framing with its checksum recomputed, and a
//! small deterministic mutator.
//!
//! An Automerge chunk is `magic(4) checksum(4) type(1) uleb128-length
//! data`, the checksum being the first 4 bytes of SHA-256 over `type ||
//! length || data`. A checksum is no signature: anyone can write a file
//! that passes it, so the fuzzers mutate inside chunks and recompute it to
//! reach the loader proper.
#![allow(dead_code)]

use automerge::ActorId;
use chrono::NaiveDate;
use ncr_core::demo::build_demo;
use ncr_core::document::{NewRegister, RegisterDoc};
use ncr_core::model::Auditor;

pub const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// The id of the registers built here (also the storage key's first part).
pub const REGISTER_ID: &str = "reg-fuzz";

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("a valid date")
}

pub fn clock() -> i64 {
    1_795_000_000_000
}

pub fn actor(n: u8) -> ActorId {
    ActorId::from([n; 16])
}

/// The demo register (every status, grade and kind of item), with
/// reproducible ids.
pub fn demo() -> RegisterDoc {
    let mut n = 0u32;
    build_demo(actor(1), REGISTER_ID.into(), today(), clock, move || {
        n += 1;
        format!("id-{n:04}")
    })
    .expect("the demo builds")
}

/// A register with one auditor and nothing else.
pub fn small() -> RegisterDoc {
    RegisterDoc::create(
        actor(1),
        &Auditor {
            name: "Jane Doe".into(),
            initials: "JD".into(),
        },
        NewRegister {
            name: "Fuzz register".into(),
            organisation: "ACME".into(),
            scope: "All".into(),
        },
        REGISTER_ID.into(),
        clock,
    )
    .expect("a register")
}

/// A register with a few findings and an action, made through the
/// intents: small enough for thousands of opens in a debug test build.
pub fn populated() -> RegisterDoc {
    let mut doc = small();
    for i in 0..3 {
        let id = doc
            .add_finding(format!("pf-{i}"), today(), |f| {
                f.title = format!("Finding {i}");
                f.statement = "Backups are not tested".into();
            })
            .expect("add");
        doc.update_finding(&id, today(), |f| f.evidence = "Log of 2026-11-20".into())
            .expect("update");
    }
    doc
}

/// Valid inputs to start from: whole saves (compressed and not), and the
/// incremental chunk of a colleague's work on top of `base` (what another
/// tab broadcasts).
pub struct Seeds {
    pub base: Vec<u8>,
    pub base_plain: Vec<u8>,
    pub small: Vec<u8>,
    pub chunk: Vec<u8>,
    pub colleague: Vec<u8>,
}

/// Seeds on the demo register (the cargo-fuzz targets).
pub fn seeds() -> Seeds {
    seeds_on(demo())
}

/// Seeds on [`populated`] (the seeded test, which must stay fast).
pub fn small_seeds() -> Seeds {
    seeds_on(populated())
}

pub fn seeds_on(base: RegisterDoc) -> Seeds {
    let saved = base.save();
    let mut other = RegisterDoc::open(&saved, actor(2), clock).expect("the base opens");
    other
        .set_me(&Auditor {
            name: "Sam Roe".into(),
            initials: "SR".into(),
        })
        .expect("set me");
    let id = other
        .add_finding("fz-1".into(), today(), |f| f.title = "From a tab".into())
        .expect("add");
    other
        .update_finding(&id, today(), |f| f.statement = "Seen twice".into())
        .expect("update");
    let chunk = other.unsaved_chunk().expect("unsaved changes").0;
    Seeds {
        base_plain: base.doc().save_nocompress(),
        base: saved,
        small: small().save(),
        chunk,
        colleague: other.save(),
    }
}

// ----- SHA-256 (FIPS 180-4), so the tests need no extra dependency -----

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

// ----- chunk framing -----------------------------------------------------

fn read_uleb(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

fn write_uleb(mut value: u64, out: &mut Vec<u8>) {
    loop {
        let b = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// One chunk: its type byte and its data.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub kind: u8,
    pub data: Vec<u8>,
}

/// Splits well-framed bytes into chunks; `None` if they are not a
/// sequence of whole chunks.
pub fn split_chunks(mut bytes: &[u8]) -> Option<Vec<Chunk>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        if bytes.len() < 9 || bytes[..4] != MAGIC {
            return None;
        }
        let (len, n) = read_uleb(&bytes[9..])?;
        let start = 9 + n;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        if end > bytes.len() {
            return None;
        }
        out.push(Chunk {
            kind: bytes[8],
            data: bytes[start..end].to_vec(),
        });
        bytes = &bytes[end..];
    }
    Some(out)
}

/// Frames chunks again, with correct lengths and checksums.
pub fn join_chunks(chunks: &[Chunk]) -> Vec<u8> {
    let mut out = Vec::new();
    for c in chunks {
        let mut body = vec![c.kind];
        write_uleb(c.data.len() as u64, &mut body);
        body.extend_from_slice(&c.data);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&sha256(&body)[..4]);
        out.extend_from_slice(&body);
    }
    out
}

/// Recomputes, in place, the checksum of every chunk header found from the
/// start (over whatever data follows it, when the stated length overruns
/// the bytes). Bytes that are not chunks are left as they are.
pub fn fix_checksums(bytes: &mut [u8]) {
    let mut pos = 0;
    while pos + 9 <= bytes.len() && bytes[pos..pos + 4] == MAGIC {
        let Some((len, n)) = read_uleb(&bytes[pos + 9..]) else {
            return;
        };
        let start = pos + 9 + n;
        let end = usize::try_from(len)
            .ok()
            .and_then(|l| start.checked_add(l))
            .map_or(bytes.len(), |e| e.min(bytes.len()));
        let sum = sha256(&bytes[pos + 8..end.max(pos + 9)]);
        bytes[pos + 4..pos + 8].copy_from_slice(&sum[..4]);
        pos = end;
    }
}

// ----- a deterministic mutator -----------------------------------------

/// xorshift64*: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

const INTERESTING: [u8; 8] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x3f, 0xfe];

/// One raw mutation of `bytes`: bit flips, an interesting byte, a
/// truncation, an insertion, a deletion, a copied range, or a splice with
/// `other`.
pub fn mutate_raw(rng: &mut Rng, bytes: &mut Vec<u8>, other: &[u8]) {
    if bytes.is_empty() {
        bytes.push(rng.next() as u8);
        return;
    }
    match rng.below(8) {
        0 | 1 => {
            for _ in 0..=rng.below(4) {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
        }
        2 => {
            let i = rng.below(bytes.len());
            bytes[i] = INTERESTING[rng.below(INTERESTING.len())];
        }
        3 => {
            let at = rng.below(bytes.len());
            bytes.truncate(at);
        }
        4 => {
            let at = rng.below(bytes.len() + 1);
            let n = 1 + rng.below(8);
            let fill: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
            bytes.splice(at..at, fill);
        }
        5 => {
            let at = rng.below(bytes.len());
            let n = 1 + rng.below(16.min(bytes.len() - at));
            bytes.drain(at..at + n);
        }
        6 => {
            let from = rng.below(bytes.len());
            let n = 1 + rng.below(32.min(bytes.len() - from));
            let piece = bytes[from..from + n].to_vec();
            let at = rng.below(bytes.len());
            let end = (at + n).min(bytes.len());
            bytes.splice(at..end, piece);
        }
        _ => {
            if other.is_empty() {
                return;
            }
            let keep = rng.below(bytes.len() + 1);
            let from = rng.below(other.len());
            bytes.truncate(keep);
            bytes.extend_from_slice(&other[from..]);
        }
    }
}

/// A mutated copy of `base`: either mutated inside one of its chunks and
/// framed again (length and checksum right), or mutated raw and then,
/// usually, its checksums recomputed.
pub fn mutate(rng: &mut Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    let rounds = 1 + rng.below(3);
    if rng.chance(2) {
        if let Some(mut chunks) = split_chunks(base) {
            if !chunks.is_empty() {
                let i = rng.below(chunks.len());
                let donor = split_chunks(other)
                    .and_then(|c| c.into_iter().next())
                    .map(|c| c.data)
                    .unwrap_or_default();
                for _ in 0..rounds {
                    mutate_raw(rng, &mut chunks[i].data, &donor);
                }
                return join_chunks(&chunks);
            }
        }
    }
    let mut bytes = base.to_vec();
    for _ in 0..rounds {
        mutate_raw(rng, &mut bytes, other);
    }
    if !rng.chance(4) {
        fix_checksums(&mut bytes);
    }
    bytes
}
