//! The one mechanism behind every object of the model.
//!
//! Notion objects share three traits that serde's derive cannot express together:
//!
//! * they carry members this model does not know yet, which must be written back unchanged;
//! * a member may be absent or `null`, and the difference must survive a round trip;
//! * many are tagged unions of the form `{"type": "x", "x": {…}, …}`: the payload sits under a
//!   key named after the type, next to the envelope's own members.
//!
//! [`object!`] declares a struct and writes its `Serialize` (straight into `serialize_map`, no
//! intermediate `Value`) and `Deserialize` (a map visitor: known members are decoded in place,
//! the rest is buffered in `extra`). A struct may end with a `tag` field whose type implements
//! [`Kind`]: after the visitor has read the whole object it knows the `type`, and the kind takes
//! its payload (and any member it owns) out of the buffer; what is left stays in `extra`.
//!
//! [`tagged_kind!`] declares such a kind: one variant per known type holding the payload, plus
//! `Unknown { type_name, payload }`, which keeps a type this model does not know as sent.
//!
//! Field modes of [`object!`]:
//!
//! * `req` — required; a missing member is an error (used for `id` and the defining member of
//!   small leaf values);
//! * `opt` — `Option<T>`: absent is `None`. A `null` the model does not expect is kept in
//!   `extra`, so it is still written back;
//! * `null` — `Option<Option<T>>`: absent is `None`, `null` is `Some(None)`;
//! * `skip` — not a JSON member at all (model-side state, `Default` on read).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};
use serde::ser::{Serialize, SerializeMap};
use serde_json::{Map, Value};

/// A map key, borrowed from the input when the deserializer allows it.
pub(crate) struct Key<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A Notion tagged union: `{"type": name, name: payload}` inside an envelope.
pub(crate) trait Kind: Sized {
    /// Writes `type`, the payload and any member the variant owns.
    fn serialize_into<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error>;

    /// Builds the kind from the value of `type`, taking the payload (and any member the variant
    /// owns) out of `rest`, the members the envelope did not claim.
    fn take_from<E: de::Error>(type_name: String, rest: &mut Map<String, Value>)
    -> Result<Self, E>;
}

/// Writes `"type": name` and, when there is one, `name: payload`.
pub(crate) fn write_tagged<M: SerializeMap, P: Serialize + ?Sized>(
    map: &mut M,
    type_name: &str,
    payload: Option<&P>,
) -> Result<(), M::Error> {
    map.serialize_entry("type", type_name)?;
    if let Some(payload) = payload {
        map.serialize_entry(type_name, payload)?;
    }
    Ok(())
}

/// Decodes a payload taken out of the buffer, naming the type in the error.
pub(crate) fn decode_payload<T: DeserializeOwned, E: de::Error>(
    type_name: &str,
    payload: Value,
) -> Result<T, E> {
    T::deserialize(payload).map_err(|err| E::custom(format_args!("`{type_name}` payload: {err}")))
}

/// Checks the value of `object`.
pub(crate) fn check_object<E: de::Error>(found: &str, expected: &'static str) -> Result<(), E> {
    if found == expected {
        Ok(())
    } else {
        Err(E::invalid_value(de::Unexpected::Str(found), &expected))
    }
}

/// The Rust type of a field for a mode.
macro_rules! field_ty {
    (req $t:ty) => { $t };
    (opt $t:ty) => { ::std::option::Option<$t> };
    (null $t:ty) => { ::std::option::Option<::std::option::Option<$t>> };
    (skip $t:ty) => { $t };
}
pub(crate) use field_ty;

/// The JSON key of a field: its name, or the `as "key"` override.
macro_rules! key {
    ($field:ident) => {
        stringify!($field)
    };
    ($field:ident, $key:literal) => {
        $key
    };
}
pub(crate) use key;

/// Serializes one field.
macro_rules! ser_field {
    (req, $map:ident, $key:expr, $v:expr) => {
        $map.serialize_entry($key, $v)?;
    };
    (opt, $map:ident, $key:expr, $v:expr) => {
        if let ::std::option::Option::Some(v) = $v {
            $map.serialize_entry($key, v)?;
        }
    };
    (null, $map:ident, $key:expr, $v:expr) => {
        if let ::std::option::Option::Some(v) = $v {
            $map.serialize_entry($key, v)?;
        }
    };
    (skip, $map:ident, $key:expr, $v:expr) => {};
}
pub(crate) use ser_field;

/// Reads one field's value from the map access into its slot.
macro_rules! de_field {
    (req, $access:ident, $slot:ident, $key:ident, $extra:ident) => {
        $slot = ::std::option::Option::Some($access.next_value()?);
    };
    (null, $access:ident, $slot:ident, $key:ident, $extra:ident) => {
        $slot = ::std::option::Option::Some($access.next_value()?);
    };
    (opt, $access:ident, $slot:ident, $key:ident, $extra:ident) => {
        match $access.next_value::<::std::option::Option<_>>()? {
            ::std::option::Option::Some(v) => $slot = ::std::option::Option::Some(v),
            // An unexpected `null`: keep it as sent.
            ::std::option::Option::None => {
                $extra.insert($key.0.into_owned(), ::serde_json::Value::Null);
            }
        }
    };
    (skip, $access:ident, $slot:ident, $key:ident, $extra:ident) => {
        $extra.insert($key.0.into_owned(), $access.next_value()?);
    };
}
pub(crate) use de_field;

/// Turns a field's slot into the field value.
macro_rules! finish_field {
    (req, $slot:ident, $key:expr) => {
        match $slot {
            ::std::option::Option::Some(v) => v,
            ::std::option::Option::None => return Err(::serde::de::Error::missing_field($key)),
        }
    };
    (opt, $slot:ident, $key:expr) => {
        $slot
    };
    (null, $slot:ident, $key:expr) => {
        $slot
    };
    (skip, $slot:ident, $key:expr) => {{
        let _: ::std::option::Option<()> = $slot;
        ::std::default::Default::default()
    }};
}
pub(crate) use finish_field;

/// The slot type used while reading a field.
macro_rules! slot_ty {
    (req $t:ty) => { ::std::option::Option<$t> };
    (opt $t:ty) => { ::std::option::Option<$t> };
    (null $t:ty) => { ::std::option::Option<::std::option::Option<$t>> };
    (skip $t:ty) => { ::std::option::Option<()> };
}
pub(crate) use slot_ty;

/// Serializes the tag field.
macro_rules! ser_tag {
    (req, $map:ident, $v:expr) => {
        $crate::codec::Kind::serialize_into($v, &mut $map)?;
    };
    (opt, $map:ident, $v:expr) => {
        if let ::std::option::Option::Some(kind) = $v {
            $crate::codec::Kind::serialize_into(kind, &mut $map)?;
        }
    };
}
pub(crate) use ser_tag;

/// Builds the tag field from the value of `type` and the buffered members.
macro_rules! take_tag {
    (req, $Kind:ty, $type_name:ident, $extra:ident) => {
        match $type_name {
            ::std::option::Option::Some(t) => {
                <$Kind as $crate::codec::Kind>::take_from(t, &mut $extra)?
            }
            ::std::option::Option::None => {
                return Err(::serde::de::Error::missing_field("type"));
            }
        }
    };
    (opt, $Kind:ty, $type_name:ident, $extra:ident) => {
        match $type_name {
            ::std::option::Option::Some(t) => ::std::option::Option::Some(
                <$Kind as $crate::codec::Kind>::take_from(t, &mut $extra)?,
            ),
            ::std::option::Option::None => ::std::option::Option::None,
        }
    };
}
pub(crate) use take_tag;

/// Declares a lossless object struct and its serde impls; see the module docs.
macro_rules! object {
    (
        $(#[$meta:meta])*
        pub struct $Name:ident $(: object $object:literal)? {
            $(
                $(#[$fmeta:meta])*
                $mode:ident $field:ident $(as $key:literal)? : $ty:ty
            ),* $(,)?
        }
        $(
            $(#[$kmeta:meta])*
            tag $kmode:ident $kfield:ident : $Kind:ty;
        )?
    ) => {
        $(#[$meta])*
        pub struct $Name {
            $( $(#[$fmeta])* pub $field: $crate::codec::field_ty!($mode $ty), )*
            $( $(#[$kmeta])* pub $kfield: $crate::codec::field_ty!($kmode $Kind), )?
            /// Members this model does not know, kept as sent and written back.
            pub extra: ::serde_json::Map<::std::string::String, ::serde_json::Value>,
        }

        impl ::serde::Serialize for $Name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                $( map.serialize_entry("object", $object)?; )?
                $(
                    $crate::codec::ser_field!(
                        $mode, map, $crate::codec::key!($field $(, $key)?), &self.$field
                    );
                )*
                $( $crate::codec::ser_tag!($kmode, map, &self.$kfield); )?
                for (key, value) in &self.extra {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $Name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct ObjectVisitor;
                impl<'de> ::serde::de::Visitor<'de> for ObjectVisitor {
                    type Value = $Name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($Name), " object"))
                    }

                    #[allow(unused_mut)]
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(
                        self,
                        mut access: A,
                    ) -> Result<$Name, A::Error> {
                        $( let mut $field: $crate::codec::slot_ty!($mode $ty) = None; )*
                        let mut extra = ::serde_json::Map::new();
                        $( let mut object_seen = { let _ = $object; false }; )?
                        $( let mut type_name: ::std::option::Option<::std::string::String> = {
                            let _ = stringify!($kfield);
                            None
                        }; )?
                        while let Some(key) = access.next_key::<$crate::codec::Key<'de>>()? {
                            match key.0.as_ref() {
                                $(
                                    "object" => {
                                        let found = access.next_value::<$crate::codec::Key<'de>>()?;
                                        $crate::codec::check_object(found.0.as_ref(), $object)?;
                                        object_seen = true;
                                    }
                                )?
                                $(
                                    "type" => {
                                        let _ = stringify!($kfield);
                                        type_name = Some(access.next_value()?);
                                    }
                                )?
                                $(
                                    $crate::codec::key!($field $(, $key)?) => {
                                        $crate::codec::de_field!($mode, access, $field, key, extra);
                                    }
                                )*
                                _ => {
                                    extra.insert(key.0.into_owned(), access.next_value()?);
                                }
                            }
                        }
                        $(
                            if !object_seen {
                                let _ = $object;
                                return Err(::serde::de::Error::missing_field("object"));
                            }
                        )?
                        $( let $kfield = $crate::codec::take_tag!($kmode, $Kind, type_name, extra); )?
                        Ok($Name {
                            $(
                                $field: $crate::codec::finish_field!(
                                    $mode, $field, $crate::codec::key!($field $(, $key)?)
                                ),
                            )*
                            $( $kfield, )?
                            extra,
                        })
                    }
                }
                deserializer.deserialize_map(ObjectVisitor)
            }
        }
    };
}
pub(crate) use object;

/// The value of `type` for a variant: its name, or its legacy alias when the payload says so.
macro_rules! tag_name {
    ($p:ident, $tag:literal) => {
        $tag
    };
    ($p:ident, $tag:literal, $alias:literal, $flag:ident) => {
        if $p.$flag { $alias } else { $tag }
    };
}
pub(crate) use tag_name;

/// Declares a tagged union (`{"type": "x", "x": payload}`) with an `Unknown` variant.
///
/// `Variant(Payload) = "name" | "alias" => flag` also reads `alias` as this variant, sets
/// `payload.flag`, and writes it back under the alias while the flag is set.
macro_rules! tagged_kind {
    (
        $(#[$meta:meta])*
        pub enum $Name:ident {
            $(
                $(#[$vmeta:meta])*
                $Variant:ident($Payload:ty) = $tag:literal $(| $alias:literal => $flag:ident)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        pub enum $Name {
            $( $(#[$vmeta])* $Variant($Payload), )*
            /// A type this model does not know, kept as sent.
            Unknown {
                /// The value of `type`.
                type_name: ::std::string::String,
                /// The member named after the type, if the object had one.
                payload: ::std::option::Option<::serde_json::Value>,
            },
        }

        impl $Name {
            /// The value of `type` this is written with.
            pub fn type_name(&self) -> &str {
                match self {
                    $(
                        Self::$Variant(_payload) => {
                            $crate::codec::tag_name!(_payload, $tag $(, $alias, $flag)?)
                        }
                    )*
                    Self::Unknown { type_name, .. } => type_name,
                }
            }

            /// Whether this is a type the model does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown { .. })
            }
        }

        impl $crate::codec::Kind for $Name {
            fn serialize_into<M: ::serde::ser::SerializeMap>(
                &self,
                map: &mut M,
            ) -> Result<(), M::Error> {
                match self {
                    $(
                        Self::$Variant(payload) => $crate::codec::write_tagged(
                            map,
                            $crate::codec::tag_name!(payload, $tag $(, $alias, $flag)?),
                            Some(payload),
                        ),
                    )*
                    Self::Unknown { type_name, payload } => {
                        $crate::codec::write_tagged(map, type_name, payload.as_ref())
                    }
                }
            }

            fn take_from<E: ::serde::de::Error>(
                type_name: ::std::string::String,
                rest: &mut ::serde_json::Map<::std::string::String, ::serde_json::Value>,
            ) -> Result<Self, E> {
                let Some(payload) = rest.remove(type_name.as_str()) else {
                    return Ok(Self::Unknown { type_name, payload: None });
                };
                match type_name.as_str() {
                    $(
                        $tag => $crate::codec::decode_payload(&type_name, payload).map(Self::$Variant),
                        $(
                            $alias => $crate::codec::decode_payload(&type_name, payload).map(
                                |mut payload: $Payload| {
                                    payload.$flag = true;
                                    Self::$Variant(payload)
                                },
                            ),
                        )?
                    )*
                    _ => Ok(Self::Unknown { type_name, payload: Some(payload) }),
                }
            }
        }
    };
}
pub(crate) use tagged_kind;

/// Declares a union of whole objects told apart by their `object` member, with an `Unknown`
/// variant keeping any other object as sent.
macro_rules! object_union {
    (
        $(#[$meta:meta])*
        pub enum $Name:ident {
            $( $(#[$vmeta:meta])* $Variant:ident($Payload:ty) = $object:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        pub enum $Name {
            $( $(#[$vmeta])* $Variant($Payload), )*
            /// An object this model does not know, kept as sent.
            Unknown(::serde_json::Value),
        }

        impl $Name {
            /// The value of `object`, if there is one.
            pub fn object_name(&self) -> ::std::option::Option<&str> {
                match self {
                    $( Self::$Variant(_) => Some($object), )*
                    Self::Unknown(value) => value.get("object").and_then(::serde_json::Value::as_str),
                }
            }
        }

        impl ::serde::Serialize for $Name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $( Self::$Variant(value) => value.serialize(serializer), )*
                    Self::Unknown(value) => value.serialize(serializer),
                }
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $Name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use ::serde::de::Error as _;
                let value = ::serde_json::Value::deserialize(deserializer)?;
                let object = value.get("object").and_then(::serde_json::Value::as_str);
                match object {
                    $(
                        Some($object) => <$Payload as ::serde::Deserialize>::deserialize(value)
                            .map(Self::$Variant)
                            .map_err(D::Error::custom),
                    )*
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }
    };
}
pub(crate) use object_union;

/// Declares a string enum with an `Unknown(String)` variant for values this model does not know.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $Name:ident {
            $( $(#[$vmeta:meta])* $Variant:ident = $value:literal ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $Name {
            $( $(#[$vmeta])* $Variant, )*
            /// A value this model does not know, kept as sent.
            Unknown(::std::string::String),
        }

        impl $Name {
            /// The string Notion uses for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$Variant => $value, )*
                    Self::Unknown(value) => value,
                }
            }

            /// Whether this is a value the model does not know.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for $Name {
            fn from(value: &str) -> Self {
                match value {
                    $( $value => Self::$Variant, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $Name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $( $value => Self::$Variant, )*
                    _ => Self::Unknown(value),
                }
            }
        }

        impl ::std::fmt::Display for $Name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $Name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $Name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let key = <$crate::codec::Key<'de> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(match key.0 {
                    ::std::borrow::Cow::Borrowed(value) => Self::from(value),
                    ::std::borrow::Cow::Owned(value) => Self::from(value),
                })
            }
        }
    };
}
pub(crate) use string_enum;
