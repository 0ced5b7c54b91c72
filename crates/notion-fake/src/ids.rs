//! The id scheme.
//!
//! Every generated object's 16-byte id encodes what the object is, so the server can regenerate
//! it (and its children) from the id alone:
//!
//! ```text
//! bytes 0..4   workspace prefix, derived from the seed (ids of one workspace share it, as in Notion)
//! byte  4      kind (user, database, data source, page, block, comment, discussion, added object)
//! bytes 5..16  payload, XOR-ed with a seed-derived key stream so ids look random:
//!              user/database/data source/page: index (u32)
//!              block: page index (u32), block index in the page's pre-order (u32)
//!              comment/discussion: page index (u32), block index or u32::MAX for the page (u32),
//!                                  comment number (u16)
//!              added by a mutation: sequence number (u64)
//! ```
//!
//! Ids are accepted with or without dashes and served dashed.

use std::fmt;

use crate::rng;

/// A 16-byte Notion id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RawId(pub [u8; 16]);

impl RawId {
    /// Parses a UUID with or without dashes.
    pub fn parse(s: &str) -> Option<RawId> {
        let mut out = [0u8; 16];
        let mut n = 0usize;
        let mut hi: Option<u8> = None;
        for c in s.bytes() {
            if c == b'-' {
                continue;
            }
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return None,
            };
            match hi.take() {
                None => hi = Some(v),
                Some(h) => {
                    *out.get_mut(n)? = (h << 4) | v;
                    n += 1;
                }
            }
        }
        (n == 16 && hi.is_none()).then_some(RawId(out))
    }

    /// The dashed form.
    pub fn dashed(&self) -> String {
        self.to_string()
    }

    /// The form without dashes (as in URLs).
    pub fn compact(&self) -> String {
        let mut s = String::with_capacity(32);
        for b in self.0 {
            push_hex(&mut s, b);
        }
        s
    }
}

fn push_hex(s: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    s.push(HEX[(b >> 4) as usize] as char);
    s.push(HEX[(b & 15) as usize] as char);
}

impl fmt::Display for RawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(36);
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            push_hex(&mut s, *b);
        }
        f.write_str(&s)
    }
}

impl fmt::Debug for RawId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What a generated id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Decoded {
    User(u32),
    Database(u32),
    DataSource(u32),
    Page(u32),
    Block { page: u32, block: u32 },
    Comment { page: u32, block: u32, n: u16 },
    Discussion { page: u32, block: u32, n: u16 },
    Added(u64),
}

/// Block index used in comment ids for a comment on the page itself.
pub(crate) const PAGE_LEVEL: u32 = u32::MAX;

const K_USER: u8 = 0x11;
const K_DATABASE: u8 = 0x22;
const K_DATA_SOURCE: u8 = 0x33;
const K_PAGE: u8 = 0x44;
const K_BLOCK: u8 = 0x55;
const K_COMMENT: u8 = 0x66;
const K_DISCUSSION: u8 = 0x77;
const K_ADDED: u8 = 0x88;

/// Encodes and decodes the ids of one workspace.
#[derive(Debug, Clone)]
pub(crate) struct IdCodec {
    prefix: [u8; 4],
    key: [u8; 11],
}

impl IdCodec {
    pub(crate) fn new(seed: u64) -> Self {
        let p = rng::hash(seed, &[0x1D]);
        let k1 = rng::hash(seed, &[0x1D, 1]).to_le_bytes();
        let k2 = rng::hash(seed, &[0x1D, 2]).to_le_bytes();
        let mut key = [0u8; 11];
        key[..8].copy_from_slice(&k1);
        key[8..].copy_from_slice(&k2[..3]);
        let pb = p.to_le_bytes();
        IdCodec {
            prefix: [pb[0], pb[1], pb[2], pb[3]],
            key,
        }
    }

    fn make(&self, kind: u8, payload: [u8; 11]) -> RawId {
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&self.prefix);
        b[4] = kind;
        for i in 0..11 {
            b[5 + i] = payload[i] ^ self.key[i];
        }
        RawId(b)
    }

    pub(crate) fn encode(&self, d: Decoded) -> RawId {
        let mut p = [0u8; 11];
        let kind = match d {
            Decoded::User(i) => {
                p[..4].copy_from_slice(&i.to_le_bytes());
                K_USER
            }
            Decoded::Database(i) => {
                p[..4].copy_from_slice(&i.to_le_bytes());
                K_DATABASE
            }
            Decoded::DataSource(i) => {
                p[..4].copy_from_slice(&i.to_le_bytes());
                K_DATA_SOURCE
            }
            Decoded::Page(i) => {
                p[..4].copy_from_slice(&i.to_le_bytes());
                K_PAGE
            }
            Decoded::Block { page, block } => {
                p[..4].copy_from_slice(&page.to_le_bytes());
                p[4..8].copy_from_slice(&block.to_le_bytes());
                K_BLOCK
            }
            Decoded::Comment { page, block, n } | Decoded::Discussion { page, block, n } => {
                p[..4].copy_from_slice(&page.to_le_bytes());
                p[4..8].copy_from_slice(&block.to_le_bytes());
                p[8..10].copy_from_slice(&n.to_le_bytes());
                if matches!(d, Decoded::Comment { .. }) {
                    K_COMMENT
                } else {
                    K_DISCUSSION
                }
            }
            Decoded::Added(n) => {
                p[..8].copy_from_slice(&n.to_le_bytes());
                K_ADDED
            }
        };
        self.make(kind, p)
    }

    pub(crate) fn decode(&self, id: &RawId) -> Option<Decoded> {
        if id.0[..4] != self.prefix {
            return None;
        }
        let mut p = [0u8; 11];
        for (i, b) in p.iter_mut().enumerate() {
            *b = id.0[5 + i] ^ self.key[i];
        }
        let u32_at = |o: usize| u32::from_le_bytes([p[o], p[o + 1], p[o + 2], p[o + 3]]);
        let rest_zero = |from: usize| p[from..].iter().all(|b| *b == 0);
        let d = match id.0[4] {
            K_USER if rest_zero(4) => Decoded::User(u32_at(0)),
            K_DATABASE if rest_zero(4) => Decoded::Database(u32_at(0)),
            K_DATA_SOURCE if rest_zero(4) => Decoded::DataSource(u32_at(0)),
            K_PAGE if rest_zero(4) => Decoded::Page(u32_at(0)),
            K_BLOCK if rest_zero(8) => Decoded::Block {
                page: u32_at(0),
                block: u32_at(4),
            },
            K_COMMENT | K_DISCUSSION if rest_zero(10) => {
                let (page, block, n) = (u32_at(0), u32_at(4), u16::from_le_bytes([p[8], p[9]]));
                if id.0[4] == K_COMMENT {
                    Decoded::Comment { page, block, n }
                } else {
                    Decoded::Discussion { page, block, n }
                }
            }
            K_ADDED if rest_zero(8) => Decoded::Added(u64::from_le_bytes([
                p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7],
            ])),
            _ => return None,
        };
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let c = IdCodec::new(7);
        for d in [
            Decoded::User(3),
            Decoded::Database(0),
            Decoded::DataSource(9),
            Decoded::Page(99_999),
            Decoded::Block { page: 5, block: 17 },
            Decoded::Comment {
                page: 5,
                block: PAGE_LEVEL,
                n: 2,
            },
            Decoded::Discussion {
                page: 5,
                block: 1,
                n: 0,
            },
            Decoded::Added(12),
        ] {
            let id = c.encode(d);
            assert_eq!(c.decode(&id), Some(d));
            let parsed = RawId::parse(&id.to_string()).unwrap();
            assert_eq!(parsed, id);
            assert_eq!(RawId::parse(&id.compact()).unwrap(), id);
        }
        assert_eq!(IdCodec::new(8).decode(&c.encode(Decoded::Page(1))), None);
        assert!(RawId::parse("not-an-id").is_none());
        assert!(RawId::parse("0123").is_none());
    }
}
