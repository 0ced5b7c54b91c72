//! What `check` verifies beyond the credentials: every configured database can be read.

use notion_http::ErrorKind;

use crate::api::{NotionApi, Object};
use crate::config::Settings;
use crate::error::{Error, InvalidField, Result};

/// Retrieves each database of `database_ids`; one that Notion does not find, refuses, or that
/// is not a database is a configuration error naming its entry.
pub(crate) async fn configured_databases(api: &dyn NotionApi, settings: &Settings) -> Result<()> {
    for (i, id) in settings.database_ids.iter().enumerate() {
        let problem = match api.retrieve(Object::Database(*id)).await {
            Ok(_) => continue,
            Err(Error::Http(e)) => match e.kind() {
                ErrorKind::NotFound | ErrorKind::Restricted => format!(
                    "is {id}, a database Notion does not find: it does not exist or is not \
                     shared with the integration ({e})"
                ),
                ErrorKind::Validation => {
                    format!("is {id}, which is not the ID of a database ({e})")
                }
                _ => return Err(Error::Http(e)),
            },
            Err(e) => return Err(e),
        };
        return Err(Error::Config(InvalidField::new(
            format!("database_ids[{i}]"),
            problem,
            "share the database with the integration (in Notion: ⋯ → Connections), or remove \
             the ID",
        )));
    }
    Ok(())
}
