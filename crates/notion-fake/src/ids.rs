//! The id scheme.
//!
//! Every generated object's 16-byte id encodes what the object is, so the server can regenerate
//! it (and its children) from the id alone:
//!
//! ```text
//! bytes 0..4   workspace prefix, derived from the seed (ids of one workspace share it, as in Notion)
//! byte  4      kind (user, database, data source, page, block, comment, discussion, added object)
//! bytes 5..16  payload, through a seed-keyed bijection of 88-bit integers (so ids look random):
//!              user/database/data source/page: index (u32)
//!              block: page index (u32), block index in the page's pre-order (u32)
//!              comment/discussion: page index (u32), block index or u32::MAX for the page (u32),
//!                                  comment number (u16)
//!              added by a mutation: sequence number (u64)
//! ```
//!
//! Ids are accepted with or without dashes and served dashed (they are `notion_model::Id`s).

use notion_model::Id;

use crate::rng;

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
    key: u128,
}

/// The payload is an 88-bit integer.
const MASK: u128 = (1 << 88) - 1;
const M1: u128 = 0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835 & MASK;
const M2: u128 = 0xBF58_476D_1CE4_E5B9_94D0_49BB_1331_11EB & MASK;

/// The inverse of an odd `m` modulo 2^88 (Newton's iteration).
const fn inverse(m: u128) -> u128 {
    let mut x = m;
    let mut i = 0;
    while i < 7 {
        x = x.wrapping_mul(2u128.wrapping_sub(m.wrapping_mul(x)));
        i += 1;
    }
    x & MASK
}

/// Undoes `x ^= x >> s` on 88 bits.
fn unshift(y: u128, s: u32) -> u128 {
    let mut x = y;
    let mut t = y >> s;
    while t != 0 {
        x ^= t;
        t >>= s;
    }
    x & MASK
}

impl IdCodec {
    pub(crate) fn new(seed: u64) -> Self {
        let p = rng::hash(seed, &[0x1D]);
        let k1 = rng::hash(seed, &[0x1D, 1]);
        let k2 = rng::hash(seed, &[0x1D, 2]);
        let pb = p.to_le_bytes();
        IdCodec {
            prefix: [pb[0], pb[1], pb[2], pb[3]],
            key: ((u128::from(k1) << 64) | u128::from(k2)) & MASK,
        }
    }

    /// The key of one kind of object (so equal payloads of two kinds look unrelated).
    fn key(&self, kind: u8) -> u128 {
        self.key.wrapping_add(u128::from(kind).wrapping_mul(M2)) & MASK
    }

    fn mix(&self, kind: u8, x: u128) -> u128 {
        let mut x = (x ^ self.key(kind)) & MASK;
        x = x.wrapping_mul(M1 | 1) & MASK;
        x ^= x >> 44;
        x = x.wrapping_mul(M2 | 1) & MASK;
        x ^= x >> 29;
        x
    }

    fn unmix(&self, kind: u8, y: u128) -> u128 {
        let mut x = unshift(y & MASK, 29);
        x = x.wrapping_mul(inverse(M2 | 1)) & MASK;
        x = unshift(x, 44);
        x = x.wrapping_mul(inverse(M1 | 1)) & MASK;
        (x ^ self.key(kind)) & MASK
    }

    fn make(&self, kind: u8, payload: [u8; 11]) -> Id {
        let mut wide = [0u8; 16];
        wide[..11].copy_from_slice(&payload);
        let mixed = self.mix(kind, u128::from_le_bytes(wide)).to_le_bytes();
        let mut b = [0u8; 16];
        b[..4].copy_from_slice(&self.prefix);
        b[4] = kind;
        b[5..].copy_from_slice(&mixed[..11]);
        Id::from_bytes(b)
    }

    pub(crate) fn encode(&self, d: Decoded) -> Id {
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

    pub(crate) fn decode(&self, id: &Id) -> Option<Decoded> {
        let bytes = id.to_bytes();
        if bytes[..4] != self.prefix {
            return None;
        }
        let mut wide = [0u8; 16];
        wide[..11].copy_from_slice(&bytes[5..]);
        let plain = self
            .unmix(bytes[4], u128::from_le_bytes(wide))
            .to_le_bytes();
        let mut p = [0u8; 11];
        p.copy_from_slice(&plain[..11]);
        let u32_at = |o: usize| u32::from_le_bytes([p[o], p[o + 1], p[o + 2], p[o + 3]]);
        let rest_zero = |from: usize| p[from..].iter().all(|b| *b == 0);
        let d = match bytes[4] {
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
                if bytes[4] == K_COMMENT {
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
            let parsed = Id::parse(&id.to_string()).unwrap();
            assert_eq!(parsed, id);
            assert_eq!(Id::parse(&id.simple().to_string()).unwrap(), id);
        }
        assert_eq!(IdCodec::new(8).decode(&c.encode(Decoded::Page(1))), None);
    }
}
