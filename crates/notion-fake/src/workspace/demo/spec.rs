//! The fixture format: the serde shape of the compact demo fixtures.

use serde::Deserialize;
use serde_json::{Map, Value};

/// The fixture files, in load order.
pub(super) const FILES: [(&str, &str); 3] = [
    (
        "workspace.json",
        include_str!("../../../demo/workspace.json"),
    ),
    ("handbook.json", include_str!("../../../demo/handbook.json")),
    ("projects.json", include_str!("../../../demo/projects.json")),
];

// ---- the fixture format -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileSpec {
    #[serde(default)]
    pub(super) workspace: Option<WorkspaceSpec>,
    #[serde(default)]
    pub(super) users: Vec<UserSpec>,
    #[serde(default)]
    pub(super) pages: Vec<PageSpec>,
    #[serde(default)]
    pub(super) databases: Vec<DatabaseSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkspaceSpec {
    pub(super) name: String,
    pub(super) bot: String,
    pub(super) bot_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UserSpec {
    pub(super) key: String,
    pub(super) name: String,
    #[serde(default)]
    pub(super) email: Option<String>,
    #[serde(default)]
    pub(super) avatar: Option<String>,
    #[serde(default)]
    pub(super) bot: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PageSpec {
    pub(super) key: String,
    pub(super) title: Value,
    #[serde(default = "workspace_parent")]
    pub(super) parent: String,
    #[serde(default)]
    pub(super) icon: Option<Value>,
    #[serde(default)]
    pub(super) cover: Option<Value>,
    pub(super) created: String,
    pub(super) edited: String,
    pub(super) by: String,
    #[serde(default)]
    pub(super) edited_by: Option<String>,
    #[serde(default = "yes")]
    pub(super) in_search: bool,
    #[serde(default)]
    pub(super) blocks: Vec<Value>,
    #[serde(default)]
    pub(super) comments: Vec<CommentSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DatabaseSpec {
    pub(super) key: String,
    pub(super) title: String,
    #[serde(default = "workspace_parent")]
    pub(super) parent: String,
    #[serde(default)]
    pub(super) inline: bool,
    #[serde(default)]
    pub(super) icon: Option<Value>,
    #[serde(default)]
    pub(super) description: Option<Value>,
    pub(super) created: String,
    pub(super) edited: String,
    pub(super) by: String,
    pub(super) data_sources: Vec<DataSourceSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DataSourceSpec {
    pub(super) key: String,
    pub(super) title: String,
    pub(super) properties: Vec<PropSpec>,
    #[serde(default)]
    pub(super) rows: Vec<RowSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PropSpec {
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) ty: String,
    #[serde(default)]
    pub(super) id: Option<String>,
    #[serde(default)]
    pub(super) description: Option<String>,
    /// select, multi_select, status: `[name, color]`.
    #[serde(default)]
    pub(super) options: Vec<(String, String)>,
    /// status: `[name, color, [option names]]`.
    #[serde(default)]
    pub(super) groups: Vec<(String, String, Vec<String>)>,
    /// number.
    #[serde(default)]
    pub(super) format: Option<String>,
    /// formula.
    #[serde(default)]
    pub(super) expression: Option<String>,
    /// formula: `number`, `string`, `boolean` or `date`.
    #[serde(default)]
    pub(super) result: Option<String>,
    /// relation: the related data source's key.
    #[serde(default)]
    pub(super) target: Option<String>,
    /// relation: the synced property of a two-way relation.
    #[serde(default)]
    pub(super) dual: Option<String>,
    /// rollup: the relation property, the rolled-up property, the function.
    #[serde(default)]
    pub(super) relation: Option<String>,
    #[serde(default)]
    pub(super) property: Option<String>,
    #[serde(default)]
    pub(super) function: Option<String>,
    /// unique_id.
    #[serde(default)]
    pub(super) prefix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RowSpec {
    pub(super) key: String,
    pub(super) created: String,
    pub(super) edited: String,
    pub(super) by: String,
    #[serde(default)]
    pub(super) edited_by: Option<String>,
    #[serde(default)]
    pub(super) icon: Option<Value>,
    pub(super) values: Map<String, Value>,
    #[serde(default)]
    pub(super) blocks: Vec<Value>,
    #[serde(default)]
    pub(super) comments: Vec<CommentSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CommentSpec {
    pub(super) text: Value,
    pub(super) by: String,
    pub(super) at: String,
    /// Comments with the same thread key share a discussion.
    #[serde(default)]
    pub(super) thread: Option<String>,
    /// A hosted image attachment's file name.
    #[serde(default)]
    pub(super) attachment: Option<String>,
}

fn workspace_parent() -> String {
    "workspace".to_owned()
}

fn yes() -> bool {
    true
}
