//! A set of ids kept in a state: sorted, written as base64 of their 16 bytes each (a third of
//! the size of their dashed text).

use std::collections::BTreeSet;
use std::fmt;

use notion_model::Id;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A set of ids, serialized compactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet(BTreeSet<Id>);

impl IdSet {
    /// An empty set.
    pub fn new() -> Self {
        IdSet::default()
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: &Id) -> bool {
        self.0.contains(id)
    }

    /// Adds `id`; `false` when it was there.
    pub fn insert(&mut self, id: Id) -> bool {
        self.0.insert(id)
    }

    /// Removes `id`; `false` when it was not there.
    pub fn remove(&mut self, id: &Id) -> bool {
        self.0.remove(id)
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The ids, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Id> {
        self.0.iter()
    }

    /// The size of the serialized form, in bytes.
    pub fn encoded_len(&self) -> usize {
        (self.0.len() * 16).div_ceil(3) * 4
    }

    fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(self.0.len() * 16);
        for id in &self.0 {
            bytes.extend_from_slice(&id.to_bytes());
        }
        let mut out = String::with_capacity(self.encoded_len());
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    fn decode(text: &str) -> Result<IdSet, String> {
        let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
        let clean = text.trim_end_matches('=');
        let mut acc: u32 = 0;
        let mut bits = 0;
        for c in clean.bytes() {
            let v = ALPHABET
                .iter()
                .position(|a| *a == c)
                .ok_or_else(|| format!("`{}` is not a base64 character", char::from(c)))?;
            acc = (acc << 6) | v as u32;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                bytes.push(((acc >> bits) & 0xff) as u8);
            }
        }
        if bytes.len() % 16 != 0 {
            return Err(format!(
                "holds {} bytes, not a whole number of 16-byte ids",
                bytes.len()
            ));
        }
        let mut set = BTreeSet::new();
        for chunk in bytes.chunks_exact(16) {
            let mut id = [0u8; 16];
            id.copy_from_slice(chunk);
            set.insert(Id::from_bytes(id));
        }
        Ok(IdSet(set))
    }
}

impl FromIterator<Id> for IdSet {
    fn from_iter<T: IntoIterator<Item = Id>>(iter: T) -> Self {
        IdSet(iter.into_iter().collect())
    }
}

impl Extend<Id> for IdSet {
    fn extend<T: IntoIterator<Item = Id>>(&mut self, iter: T) {
        self.0.extend(iter);
    }
}

impl Serialize for IdSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for IdSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = IdSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string of 16-byte ids")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<IdSet, E> {
                IdSet::decode(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_every_length() {
        for n in 0..8u128 {
            let set: IdSet = (0..n)
                .map(|i| Id::from_u128(i * 0x1234_5678_9abc + 7))
                .collect();
            let text = serde_json::to_string(&set).unwrap();
            assert_eq!(text.len() - 2, set.encoded_len(), "{n}");
            let back: IdSet = serde_json::from_str(&text).unwrap();
            assert_eq!(back, set);
        }
        assert!(serde_json::from_str::<IdSet>("\"!!!!\"").is_err());
        assert!(
            serde_json::from_str::<IdSet>("\"AAAA\"").is_err(),
            "3 bytes"
        );
    }
}
