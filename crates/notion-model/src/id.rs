//! Notion object ids.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// The id of a Notion object: a 128-bit UUID.
///
/// Parses the dashed (`8-4-4-4-12`) and the undashed (32 hex digits) forms in any case; prints
/// the dashed lowercase form Notion sends. The UUID version is not checked: newer Notion ids are
/// not RFC 4122 v4 (e.g. `393abc1e-edcd-8179-9372-000bd163e729`).
///
/// ```
/// use notion_model::Id;
///
/// let id: Id = "393ABC1EEDCD81799372000BD163E729".parse()?;
/// assert_eq!(id.to_string(), "393abc1e-edcd-8179-9372-000bd163e729");
/// assert_eq!(id.simple().to_string(), "393abc1eedcd81799372000bd163e729");
/// # Ok::<(), notion_model::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(u128);

const HEX: &[u8; 16] = b"0123456789abcdef";
const DASHES: [usize; 4] = [8, 13, 18, 23];

impl Id {
    /// The id with every bit zero.
    pub const NIL: Id = Id(0);

    /// The id made of these 128 bits (big-endian, as printed).
    pub const fn from_u128(value: u128) -> Self {
        Id(value)
    }

    /// The 128 bits of this id.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// The id made of these 16 bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Id(u128::from_be_bytes(bytes))
    }

    /// The 16 bytes of this id.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }

    /// Parses a dashed or undashed id, in any case.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let bytes = input.as_bytes();
        let invalid = || Error::InvalidId(truncate(input));
        let mut value: u128 = 0;
        let mut digits = 0;
        match bytes.len() {
            32 => {
                for &b in bytes {
                    value = (value << 4) | u128::from(hex_value(b).ok_or_else(invalid)?);
                    digits += 1;
                }
            }
            36 => {
                for (i, &b) in bytes.iter().enumerate() {
                    if DASHES.contains(&i) {
                        if b != b'-' {
                            return Err(invalid());
                        }
                        continue;
                    }
                    value = (value << 4) | u128::from(hex_value(b).ok_or_else(invalid)?);
                    digits += 1;
                }
            }
            _ => return Err(invalid()),
        }
        debug_assert_eq!(digits, 32);
        Ok(Id(value))
    }

    /// A value whose `Display` is the undashed form (32 lowercase hex digits).
    pub fn simple(self) -> Simple {
        Simple(self)
    }

    /// Writes the dashed form into `buf` and returns it.
    fn encode_dashed(self, buf: &mut [u8; 36]) -> &str {
        let mut nibble = 0;
        for (i, slot) in buf.iter_mut().enumerate() {
            if DASHES.contains(&i) {
                *slot = b'-';
            } else {
                *slot = HEX[((self.0 >> (124 - 4 * nibble)) & 0xf) as usize];
                nibble += 1;
            }
        }
        std::str::from_utf8(buf).unwrap_or_default()
    }

    /// Writes the undashed form into `buf` and returns it.
    fn encode_simple(self, buf: &mut [u8; 32]) -> &str {
        for (i, slot) in buf.iter_mut().enumerate() {
            *slot = HEX[((self.0 >> (124 - 4 * i)) & 0xf) as usize];
        }
        std::str::from_utf8(buf).unwrap_or_default()
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Keeps error messages short whatever the input.
fn truncate(input: &str) -> String {
    const MAX: usize = 64;
    match input.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &input[..end]),
        None => input.to_owned(),
    }
}

/// The undashed form of an [`Id`], from [`Id::simple`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Simple(Id);

impl fmt::Display for Simple {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.encode_simple(&mut [0; 32]))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.encode_dashed(&mut [0; 36]))
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl FromStr for Id {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Id::parse(s)
    }
}

impl TryFrom<&str> for Id {
    type Error = Error;

    fn try_from(value: &str) -> Result<Self, Error> {
        Id::parse(value)
    }
}

impl From<u128> for Id {
    fn from(value: u128) -> Self {
        Id(value)
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.encode_dashed(&mut [0; 36]))
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = crate::codec::Key::deserialize(deserializer)?;
        Id::parse(&key.0).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DASHED: &str = "393abc1e-edcd-8179-9372-000bd163e729";

    #[test]
    fn parses_dashed_and_undashed_in_any_case() {
        let dashed: Id = DASHED.parse().unwrap();
        let undashed: Id = "393abc1eedcd81799372000bd163e729".parse().unwrap();
        let upper: Id = "393ABC1E-EDCD-8179-9372-000BD163E729".parse().unwrap();
        let upper_undashed: Id = "393ABC1EEDCD81799372000BD163E729".parse().unwrap();
        assert_eq!(dashed, undashed);
        assert_eq!(dashed, upper);
        assert_eq!(dashed, upper_undashed);
        assert_eq!(dashed.to_string(), DASHED);
        assert_eq!(
            upper.simple().to_string(),
            "393abc1eedcd81799372000bd163e729"
        );
        assert_eq!(format!("{dashed:?}"), format!("Id({DASHED})"));
    }

    #[test]
    fn does_not_check_the_uuid_version() {
        // Not v4, not RFC 4122 variant: still a valid Notion id.
        let id: Id = "00000000-0000-0000-0000-000000000000".parse().unwrap();
        assert_eq!(id, Id::NIL);
        let id: Id = "ffffffff-ffff-ffff-ffff-ffffffffffff".parse().unwrap();
        assert_eq!(id.as_u128(), u128::MAX);
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "393abc1e",
            "393abc1e-edcd-8179-9372-000bd163e72",
            "393abc1e-edcd-8179-9372-000bd163e7299",
            "393abc1eedcd81799372000bd163e72g",
            "393abc1e-edcd-8179-9372_000bd163e729",
            "393abc1eedcd-8179-9372-000bd163e729",
            "393abc1e-edcd81799372-000bd163e72900",
            "task_7e869d57816e45acb1b9a499db3d2a99",
            "393abc1é-edcd-8179-9372-000bd163e72",
        ] {
            let err = Id::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidId(_)), "{bad}");
        }
        let long = "x".repeat(500);
        let message = Id::parse(&long).unwrap_err().to_string();
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn bytes_and_integers_round_trip() {
        let id: Id = DASHED.parse().unwrap();
        assert_eq!(Id::from_bytes(id.to_bytes()), id);
        assert_eq!(Id::from_u128(id.as_u128()), id);
        assert_eq!(id.to_bytes()[0], 0x39);
    }

    #[test]
    fn orders_like_the_printed_form() {
        let a: Id = "00000000-0000-0000-0000-00000000000a".parse().unwrap();
        let b: Id = "00000000-0000-0000-0000-0000000000a0".parse().unwrap();
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }

    #[test]
    fn serde_is_a_dashed_string() {
        let id: Id = serde_json::from_str("\"393abc1eedcd81799372000bd163e729\"").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{DASHED}\""));
        assert!(serde_json::from_str::<Id>("\"nope\"").is_err());
        assert!(serde_json::from_str::<Id>("12").is_err());
    }
}
