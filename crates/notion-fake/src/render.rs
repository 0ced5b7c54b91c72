//! Serializes workspace objects.
//!
//! Objects are built from the `notion-model` types. Until those exist this writes only the
//! envelope (`object`, `id`).

use crate::error::ApiError;
use crate::version::ApiVersion;
use crate::workspace::{Obj, Workspace};

pub(crate) fn write(
    _ws: &Workspace,
    o: &Obj,
    _version: ApiVersion,
    out: &mut Vec<u8>,
) -> Result<(), ApiError> {
    let (object, id) = match o {
        Obj::User(id) => ("user", id),
        Obj::Database(id) => ("database", id),
        Obj::DataSource(id) => ("data_source", id),
        Obj::Page(id) => ("page", id),
        Obj::Block(id) => ("block", id),
        Obj::Comment(id) => ("comment", id),
    };
    out.extend_from_slice(format!("{{\"object\":\"{object}\",\"id\":\"{id}\"}}").as_bytes());
    Ok(())
}
