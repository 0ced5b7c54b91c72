//! Asynchronous tasks.

use serde_json::{Number, Value};

use crate::Timestamp;
use crate::codec::object;

object! {
    /// An asynchronous task (`object: "async_task"`), e.g. a large markdown update.
    #[derive(Debug, Clone, PartialEq)]
    pub struct AsyncTask: object "async_task" {
        /// The task id (`task_…`, not a UUID).
        req id: String,
        /// `queued`, `running`, `retrying`, `succeeded` or `failed`.
        opt status: String,
        /// Where to poll.
        opt status_url: String,
        /// When it was created.
        opt created_time: Timestamp,
        /// How long to wait before polling again.
        opt poll_after_seconds: Number,
        /// The operation.
        opt operation: AsyncOperation,
        /// The result, once succeeded.
        opt result: Value,
        /// The error, once failed.
        opt error: Value,
    }
}

object! {
    /// The operation an async task runs.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct AsyncOperation {
        /// `rest` or `mcp`.
        opt surface: String,
        /// The operation name (`PATCH /v1/pages/:page_id/markdown`).
        opt name: String,
    }
}
