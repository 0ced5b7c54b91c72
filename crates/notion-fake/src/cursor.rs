//! Opaque, tamper-evident pagination cursors.
//!
//! A cursor encodes the endpoint, a hash of the request that produced it (parent id, filter,
//! sorts, query text) and a position, followed by a keyed 64-bit tag. It is base64url text that is
//! not a UUID and cannot be guessed or edited: the tag is computed with a per-server random key.

use std::hash::{BuildHasher, Hasher};

/// What kind of listing a cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum CursorKind {
    Users = 1,
    Search = 2,
    Query = 3,
    Children = 4,
    Comments = 5,
    PropertyItem = 6,
}

/// Signs and checks cursors.
#[derive(Debug)]
pub(crate) struct Cursors {
    key: std::collections::hash_map::RandomState,
}

const PREFIX: &str = "fk1";

impl Cursors {
    pub(crate) fn new() -> Self {
        Cursors {
            key: std::collections::hash_map::RandomState::new(),
        }
    }

    fn tag(&self, bytes: &[u8]) -> u64 {
        let mut h = self.key.build_hasher();
        h.write(bytes);
        h.finish()
    }

    /// A cursor for `position` in the listing `kind` of request `scope`.
    pub(crate) fn encode(&self, kind: CursorKind, scope: u64, position: u64) -> String {
        let mut bytes = Vec::with_capacity(25);
        bytes.push(kind as u8);
        bytes.extend_from_slice(&scope.to_le_bytes());
        bytes.extend_from_slice(&position.to_le_bytes());
        let tag = self.tag(&bytes);
        bytes.extend_from_slice(&tag.to_le_bytes());
        let mut s = String::from(PREFIX);
        b64_encode(&bytes, &mut s);
        s
    }

    /// The position of a cursor issued for `kind` and `scope`, or `None` when the cursor is not one.
    pub(crate) fn decode(&self, kind: CursorKind, scope: u64, cursor: &str) -> Option<u64> {
        let body = cursor.strip_prefix(PREFIX)?;
        let bytes = b64_decode(body)?;
        if bytes.len() != 25 || bytes[0] != kind as u8 {
            return None;
        }
        let tag = u64::from_le_bytes(bytes[17..25].try_into().ok()?);
        if tag != self.tag(&bytes[..17]) {
            return None;
        }
        let s = u64::from_le_bytes(bytes[1..9].try_into().ok()?);
        if s != scope {
            return None;
        }
        Some(u64::from_le_bytes(bytes[9..17].try_into().ok()?))
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub(crate) fn b64_encode(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
}

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64 (url-safe or standard alphabet, padding optional).
pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= b64_value(*c)? << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    Some(out)
}

/// A stable 64-bit hash of request parameters (not keyed: only compared with itself).
pub(crate) fn scope_hash(parts: &[&[u8]]) -> u64 {
    // FNV-1a over the parts, separated.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.iter().chain(std::iter::once(&0xff)) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let c = Cursors::new();
        let s = c.encode(CursorKind::Children, 42, 100);
        assert_eq!(c.decode(CursorKind::Children, 42, &s), Some(100));
        assert_eq!(c.decode(CursorKind::Comments, 42, &s), None);
        assert_eq!(c.decode(CursorKind::Children, 43, &s), None);
        let mut t = s.clone().into_bytes();
        let last = t.len() - 5;
        t[last] = if t[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            c.decode(CursorKind::Children, 42, &String::from_utf8(t).unwrap()),
            None
        );
        assert_eq!(Cursors::new().decode(CursorKind::Children, 42, &s), None);
    }

    #[test]
    fn base64_round_trip() {
        for n in 0..20 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let mut s = String::new();
            b64_encode(&bytes, &mut s);
            assert_eq!(b64_decode(&s).unwrap(), bytes);
        }
        assert_eq!(b64_decode("dXNlcjpwYXNz").unwrap(), b"user:pass");
    }
}
