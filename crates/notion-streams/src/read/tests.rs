//! Unit tests of the read's units through the in-memory API: what each unit requests, what it
//! emits, and what state it leaves.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use notion_model::Timestamp;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::memory::{MemoryApi, at, id, short};
use super::{ReadCounters, run, run_for_pages};
use crate::catalog::{Selection, SyncMode};
use crate::config::{CommentsMode, Config, Settings};
use crate::error::{Error, Result};
use crate::protocol::{LogLevel, Message};
use crate::state::{PassState, SourceKey, SourceProgress, State, StreamState, parse_time};
use crate::stream::StreamName;

/// What a read did.
struct Run {
    messages: Vec<Message>,
    result: Result<()>,
    counters: Arc<ReadCounters>,
    requests: Vec<String>,
}

impl Run {
    /// The ids of the records of `stream`, as test numbers, sorted.
    fn ids(&self, stream: StreamName) -> Vec<String> {
        let mut ids: Vec<String> = self
            .records(stream)
            .iter()
            .map(|r| {
                r["id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .map(short)
                    .unwrap_or_default()
            })
            .collect();
        ids.sort_by_key(|s| s.parse::<u128>().unwrap_or(0));
        ids
    }

    fn records(&self, stream: StreamName) -> Vec<Value> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Message::Record {
                    stream: s, data, ..
                } if *s == stream => serde_json::from_str(data).ok(),
                _ => None,
            })
            .collect()
    }

    fn record(&self, stream: StreamName, n: u128) -> Value {
        let wanted = id(n).to_string();
        self.records(stream)
            .into_iter()
            .find(|r| r["id"] == json!(wanted))
            .unwrap_or(Value::Null)
    }

    /// The states emitted for `stream`, in order.
    fn states(&self, stream: StreamName) -> Vec<StreamState> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Message::State {
                    stream: s, state, ..
                } if *s == stream => Some((**state).clone()),
                _ => None,
            })
            .collect()
    }

    fn final_state(&self, stream: StreamName) -> Option<StreamState> {
        self.states(stream).pop()
    }

    fn warnings(&self) -> Vec<String> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                Message::Log {
                    level: LogLevel::Warn,
                    message,
                } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    /// How many times exactly `request` was made.
    fn count(&self, request: &str) -> usize {
        self.requests.iter().filter(|r| *r == request).count()
    }

    fn requests_matching(&self, prefix: &str) -> Vec<String> {
        self.requests
            .iter()
            .filter(|r| r.starts_with(prefix))
            .cloned()
            .collect()
    }
}

fn settings(tweak: impl FnOnce(&mut Config)) -> Settings {
    let mut config = Config::with_token("ntn_unit_test");
    config.concurrency = 2;
    config.checkpoint_interval = 1_000;
    tweak(&mut config);
    config.validate().expect("valid test settings")
}

async fn read_with(
    api: &Arc<MemoryApi>,
    settings: Settings,
    selection: Selection,
    state: State,
) -> Run {
    api.clear_requests();
    let (tx, mut rx) = mpsc::channel(100_000);
    let counters = Arc::new(ReadCounters::default());
    let task = tokio::spawn(run(
        api.clone(),
        Arc::new(settings),
        selection,
        state,
        tx,
        counters.clone(),
    ));
    let mut messages = Vec::new();
    while let Some(m) = rx.recv().await {
        messages.push(m);
    }
    let result = task.await.expect("the read task ends");
    Run {
        messages,
        result,
        counters,
        requests: api.requests(),
    }
}

async fn read(api: &Arc<MemoryApi>, selection: Selection) -> Run {
    read_with(api, settings(|_| {}), selection, State::default()).await
}

fn only(streams: &[StreamName]) -> Selection {
    Selection::of(streams.iter().copied(), SyncMode::Incremental)
}

/// A state whose page-driven streams carry `cursor` (and `pass`, when given).
fn state_at(cursor: &str, pass: Option<PassState>) -> State {
    let mut state = State::default();
    for s in [
        StreamName::Pages,
        StreamName::Blocks,
        StreamName::Comments,
        StreamName::PageMarkdown,
    ] {
        state.set(
            s,
            Some(StreamState {
                cursor: parse_time(cursor),
                version: None,
                pass: pass.clone(),
                known: None,
                schemas: Default::default(),
            }),
        );
    }
    for s in [StreamName::Databases, StreamName::DataSources] {
        state.set(
            s,
            Some(StreamState {
                cursor: parse_time(cursor),
                version: None,
                pass: None,
                known: None,
                schemas: Default::default(),
            }),
        );
    }
    state
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A small workspace: two pages with a few blocks and comments, a database of three rows.
fn small_workspace() -> Arc<MemoryApi> {
    let api = MemoryApi::new();
    api.user(1).user(2);
    api.page(10, 30).page(11, 20);
    api.block(100, 10, "paragraph", false)
        .block(101, 10, "toggle", true)
        .block(102, 101, "paragraph", false);
    api.comment(500, 10).comment(501, 101);
    api.database(20, 21, 5);
    api.row(30, 21, 25).row(31, 21, 15).row(32, 21, 5);
    Arc::new(api)
}

// --- discovery ----------------------------------------------------------------------------------

#[tokio::test]
async fn a_first_sync_reads_everything_with_one_unified_search() {
    let api = small_workspace();
    let r = read(&api, Selection::all_incremental()).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Users), strings(&["1", "2"]));
    assert_eq!(r.ids(StreamName::Databases), strings(&["20"]));
    assert_eq!(r.ids(StreamName::DataSources), strings(&["21"]));
    assert_eq!(
        r.ids(StreamName::Pages),
        strings(&["10", "11", "30", "31", "32"])
    );
    assert_eq!(r.ids(StreamName::Blocks), strings(&["100", "101", "102"]));
    assert_eq!(r.ids(StreamName::Comments), strings(&["500", "501"]));
    assert_eq!(r.requests_matching("search"), strings(&["search all"]));
    assert_eq!(r.requests_matching("query"), strings(&["query 21"]));
    assert_eq!(r.requests_matching("database"), strings(&["database 20"]));
    // Rows come from their query, never from search; each page's content is walked once.
    assert_eq!(r.count("children 10"), 1);
    assert_eq!(r.count("children 30"), 1);
    assert!(r.record(StreamName::Pages, 30)["_data_source_id"] == json!(id(21).to_string()));
    assert_eq!(r.record(StreamName::Blocks, 102)["_depth"], json!(2));
    assert_eq!(r.record(StreamName::Blocks, 101)["_position"], json!(1));
    assert_eq!(r.record(StreamName::Blocks, 102)["_position"], json!(0));
    assert_eq!(
        r.record(StreamName::Comments, 501)["_page_id"],
        json!(id(10).to_string())
    );
}

#[tokio::test]
async fn an_incremental_sync_lists_data_sources_then_pages_down_to_the_cursor() {
    let api = small_workspace();
    let r = read_with(
        &api,
        settings(|_| {}),
        Selection::all_incremental(),
        state_at(&at(18), None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Pages), strings(&["10", "11", "30"]));
    let searches = r.requests_matching("search");
    assert!(
        searches.contains(&"search data_sources".to_owned()),
        "{searches:?}"
    );
    assert!(
        searches.contains(&"search pages".to_owned()),
        "{searches:?}"
    );
    assert!(
        searches.contains(&"search trash".to_owned()),
        "{searches:?}"
    );
    // Rows are queried from the cursor on; older pages' content is not read again.
    assert_eq!(
        r.requests_matching("query"),
        vec![format!("query 21 >={}", at(18))]
    );
    assert!(r.count("children 31") == 0);
    assert!(r.count("children 32") == 0);
}

#[tokio::test]
async fn without_the_user_capability_only_the_users_stream_fails() {
    let api = small_workspace();
    api.fail_users(403);
    let r = read(&api, only(&[StreamName::Users, StreamName::Pages])).await;
    match &r.result {
        Err(Error::StreamsFailed(failed)) => {
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].stream, StreamName::Users);
            assert_eq!(
                failed[0].error.http_kind(),
                Some(notion_http::ErrorKind::Restricted)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.ids(StreamName::Pages).len(), 5);
    assert!(
        r.final_state(StreamName::Users).is_none(),
        "a failed stream leaves no state"
    );
    assert!(r.final_state(StreamName::Pages).is_some());
}

#[tokio::test]
async fn objects_without_a_valid_string_id_are_skipped_and_counted() {
    let api = MemoryApi::new();
    api.user(1)
        .raw_user(json!({"object": "user", "name": "no id"}))
        .raw_user(json!({"object": "user", "id": null}))
        .raw_user(json!({"object": "user", "id": 42}))
        .raw_user(json!({"object": "user", "id": {"nested": {"id": "x"}}}))
        .raw_user(json!({"object": "user", "id": "not-a-uuid"}));
    api.page(10, 1);
    api.raw_block(
        10,
        json!({"object": "block", "type": "paragraph", "paragraph": {}}),
    );
    api.raw_comment(10, json!({"object": "comment", "id": 7}));
    let api = Arc::new(api);
    let r = read(&api, Selection::all_incremental()).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Users), strings(&["1"]));
    assert!(r.records(StreamName::Blocks).is_empty());
    assert!(r.records(StreamName::Comments).is_empty());
    assert_eq!(r.counters.invalid_records.load(Ordering::Relaxed), 7);
    let warnings = r.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("GET /v1/users") && w.contains("`id`")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("GET /v1/blocks/{id}/children"))
    );
    assert!(warnings.iter().any(|w| w.contains("GET /v1/comments")));
}

#[tokio::test]
async fn pages_trashed_since_the_cursor_are_emitted_in_trash() {
    let api = small_workspace();
    api.page(12, 40).trash(12);
    api.page(13, 1).trash(13);
    let r = read_with(
        &api,
        settings(|_| {}),
        only(&[StreamName::Pages]),
        state_at(&at(18), None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.record(StreamName::Pages, 12)["in_trash"], json!(true));
    assert_eq!(
        r.record(StreamName::Pages, 13),
        Value::Null,
        "trashed before the cursor"
    );
}

// --- rows ---------------------------------------------------------------------------------------

/// A data source of `n` rows edited at the given minutes (row ids from 1000).
fn rows_at(minutes: &[u32]) -> Arc<MemoryApi> {
    let api = MemoryApi::new();
    api.database(20, 21, 0);
    for (i, m) in minutes.iter().enumerate() {
        api.row(1000 + i as u128, 21, *m);
    }
    Arc::new(api)
}

#[tokio::test]
async fn queries_past_the_row_cap_continue_in_older_windows() {
    // 12 rows with distinct times, 5 rows per query at most.
    let minutes: Vec<u32> = (1..=12).collect();
    let api = rows_at(&minutes);
    let r = read(&api, only(&[StreamName::Pages])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    let mut expected: Vec<String> = (1000..1012).map(|n: u128| n.to_string()).collect();
    expected.sort_by_key(|s| s.parse::<u128>().unwrap_or(0));
    assert_eq!(r.ids(StreamName::Pages), expected, "every row once");
    assert_eq!(
        r.requests_matching("query"),
        vec![
            "query 21".to_owned(),
            format!("query 21 <={}", at(4)),
            format!("query 21 <={}", at(8)),
        ]
    );
}

#[tokio::test]
async fn rows_sharing_the_window_boundary_are_read_once() {
    // Rows 1003..1007 share minute 5; the first window of 5 ends inside them.
    let api = rows_at(&[9, 8, 7, 5, 5, 5, 5, 1]);
    let r = read(&api, only(&[StreamName::Pages])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    let ids = r.ids(StreamName::Pages);
    assert_eq!(ids.len(), 8, "{ids:?}");
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(unique, ids, "no row twice");
}

#[tokio::test]
async fn more_rows_at_one_instant_than_the_cap_are_reported() {
    let api = rows_at(&[5, 5, 5, 5, 5, 5, 5]);
    let r = read(&api, only(&[StreamName::Pages])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.counters.rows_unread_at_cap.load(Ordering::Relaxed), 1);
    assert!(r.warnings().iter().any(|w| w.contains("10,000 rows share")));
    assert_eq!(r.ids(StreamName::Pages).len(), 5);
}

#[tokio::test]
async fn a_resumed_query_starts_below_its_floor_and_skips_the_rows_done_there() {
    let api = rows_at(&[9, 8, 7, 6, 5]);
    // An interrupted pass had finished rows down to minute 7, and row 1003 (minute 6)... no:
    // row 1002 at minute 7 is done, 1003 at minute 6 is not.
    let mut sources = BTreeMap::new();
    sources.insert(
        SourceKey::DataSource(id(21)),
        SourceProgress::Partial {
            floor: Timestamp::parse(&at(7)).unwrap(),
            done_ids: vec![id(1002)],
        },
    );
    sources.insert(SourceKey::Search, SourceProgress::Done);
    let pass = PassState {
        started_at: parse_time("2026-01-01T23:00:00.000Z").unwrap(),
        lower: None,
        sources,
        pending_pages: vec![],
        databases: vec![],
        data_sources: vec![id(21)],
    };
    let mut state = State::default();
    state.set(
        StreamName::Pages,
        Some(StreamState {
            cursor: None,
            version: None,
            pass: Some(pass),
            known: None,
            schemas: Default::default(),
        }),
    );
    let r = read_with(&api, settings(|_| {}), only(&[StreamName::Pages]), state).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Pages), strings(&["1003", "1004"]));
    assert_eq!(
        r.requests_matching("query"),
        vec![format!("query 21 <={}", at(7))]
    );
    assert!(
        r.requests_matching("search")
            .iter()
            .all(|s| s != "search all")
    );
    // The cursor comes from the interrupted pass's start, not this read's.
    assert_eq!(
        r.final_state(StreamName::Pages).and_then(|s| s.cursor),
        parse_time("2026-01-01T22:50:00.000Z")
    );
}

#[tokio::test]
async fn checkpoints_carry_each_sources_floor() {
    let api = rows_at(&[9, 8, 7]);
    let r = read_with(
        &api,
        settings(|c| {
            c.checkpoint_interval = 1;
            c.concurrency = 1;
        }),
        only(&[StreamName::Pages]),
        State::default(),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    let floors: Vec<String> = r
        .states(StreamName::Pages)
        .iter()
        .filter_map(|s| s.pass.as_ref())
        .filter_map(|p| match p.sources.get(&SourceKey::DataSource(id(21))) {
            Some(SourceProgress::Partial { floor, .. }) => Some(floor.as_str().to_owned()),
            Some(SourceProgress::Done) => Some("done".to_owned()),
            None => None,
        })
        .collect();
    assert!(floors.contains(&at(9)), "{floors:?}");
    assert!(
        floors.contains(&at(7)) || floors.contains(&"done".to_owned()),
        "{floors:?}"
    );
    let last = r.final_state(StreamName::Pages).expect("a final state");
    assert!(
        last.pass.is_none(),
        "a finished pass leaves only the cursor"
    );
}

// --- pages --------------------------------------------------------------------------------------

fn relation(ids: &[u128], has_more: bool) -> Value {
    json!({"id": "rel", "type": "relation",
           "relation": ids.iter().map(|n| json!({"id": id(*n)})).collect::<Vec<_>>(),
           "has_more": has_more})
}

#[tokio::test]
async fn truncated_relations_rollups_and_formulas_are_completed() {
    let api = MemoryApi::new();
    api.database(20, 21, 0).schema(
        21,
        json!({
            "Rel": {"id": "rel", "type": "relation", "relation": {}},
            "Other": {"id": "oth", "type": "relation", "relation": {}},
            "Count": {"id": "cnt", "type": "rollup", "rollup": {"relation_property_id": "rel", "function": "count"}},
            "Count other": {"id": "cno", "type": "rollup", "rollup": {"relation_property_id": "oth", "function": "count"}},
            "Twice": {"id": "twi", "type": "formula", "formula": {"expression": "prop(\"Count\") * 2"}},
            "Plain": {"id": "pla", "type": "formula", "formula": {"expression": "1 + 1"}},
        }),
    );
    api.row(30, 21, 5).properties(
        30,
        json!({
            "Name": {"id": "title", "type": "title", "title": [{"plain_text": "row"}]},
            "Rel": relation(&(1..=25).collect::<Vec<_>>(), true),
            "Other": {"id": "oth", "type": "relation", "relation": [{"id": id(1)}], "has_more": false},
            "Count": {"id": "cnt", "type": "rollup", "rollup": {"type": "number", "number": 25, "function": "count"}},
            "Count other": {"id": "cno", "type": "rollup", "rollup": {"type": "number", "number": 1, "function": "count"}},
            "Twice": {"id": "twi", "type": "formula", "formula": {"type": "number", "number": 50}},
            "Plain": {"id": "pla", "type": "formula", "formula": {"type": "number", "number": 2}},
        }),
    );
    let items: Vec<Value> = (1..=30)
        .map(|n| json!({"object": "property_item", "id": "rel", "type": "relation", "relation": {"id": id(n)}}))
        .collect();
    api.property_items(30, "rel", items.clone(), None);
    api.property_items(
        30,
        "cnt",
        items,
        Some(json!({"id": "cnt", "type": "rollup", "rollup": {"type": "number", "number": 30, "function": "count"}})),
    );
    api.property_items(
        30,
        "twi",
        vec![json!({"object": "property_item", "id": "twi", "type": "formula", "formula": {"type": "number", "number": 60}})],
        None,
    );
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Pages])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    let row = r.record(StreamName::Pages, 30);
    let props = &row["properties"];
    assert_eq!(props["Rel"]["relation"].as_array().map(Vec::len), Some(30));
    assert_eq!(props["Rel"]["has_more"], json!(false));
    assert_eq!(props["Count"]["rollup"]["number"], json!(30));
    assert_eq!(props["Twice"]["formula"]["number"], json!(60));
    assert_eq!(props["Count other"]["rollup"]["number"], json!(1));
    assert_eq!(
        r.requests_matching("property"),
        strings(&["property 30 cnt", "property 30 rel", "property 30 twi"]),
        "only what depends on the truncated relation"
    );
}

#[tokio::test]
async fn people_at_the_cut_are_completed_and_nothing_without_full_properties() {
    let api = MemoryApi::new();
    api.page(10, 1).properties(
        10,
        json!({"Owners": {"id": "own", "type": "people",
                          "people": (1..=25).map(|n| json!({"object": "user", "id": id(n)})).collect::<Vec<_>>()}}),
    );
    api.property_items(
        10,
        "own",
        (1..=27)
            .map(|n| json!({"object": "property_item", "id": "own", "type": "people", "people": {"object": "user", "id": id(n)}}))
            .collect(),
        None,
    );
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Pages])).await;
    let people = &r.record(StreamName::Pages, 10)["properties"]["Owners"]["people"];
    assert_eq!(people.as_array().map(Vec::len), Some(27));
    let r = read_with(
        &api,
        settings(|c| c.fetch_full_properties = false),
        only(&[StreamName::Pages]),
        State::default(),
    )
    .await;
    assert!(r.requests_matching("property").is_empty());
    let people = &r.record(StreamName::Pages, 10)["properties"]["Owners"]["people"];
    assert_eq!(people.as_array().map(Vec::len), Some(25));
}

#[tokio::test]
async fn unsupported_formulas_are_read_from_the_property_endpoint() {
    let api = MemoryApi::new();
    api.page(10, 1).properties(
        10,
        json!({"F": {"id": "f", "type": "formula", "formula": {"type": "unsupported", "unsupported": {}}}}),
    );
    api.property_items(
        10,
        "f",
        vec![json!({"object": "property_item", "id": "f", "type": "formula", "formula": {"type": "string", "string": "ok"}})],
        None,
    );
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Pages])).await;
    assert_eq!(
        r.record(StreamName::Pages, 10)["properties"]["F"]["formula"],
        json!({"type": "string", "string": "ok"})
    );
}

#[tokio::test]
async fn a_page_found_by_walking_content_is_read_once() {
    let api = MemoryApi::new();
    api.page(10, 5);
    api.child_page(11, 10, 4);
    api.block(110, 11, "paragraph", false);
    // Page 12 is a child page that search also returns: read once, not retrieved.
    api.page(12, 3);
    api.block(12, 10, "child_page", true);
    let api = Arc::new(api);
    let r = read(&api, Selection::all_incremental()).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Pages), strings(&["10", "11", "12"]));
    assert_eq!(r.requests_matching("page "), strings(&["page 11"]));
    assert_eq!(r.ids(StreamName::Blocks), strings(&["11", "12", "110"]));
    assert_eq!(r.count("children 11"), 1);
}

#[tokio::test]
async fn a_walk_found_page_that_is_not_shared_is_skipped_with_a_warning() {
    let api = MemoryApi::new();
    api.page(10, 5);
    api.child_page(11, 10, 4).fail(11, 404);
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Pages])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.counters.not_shared.load(Ordering::Relaxed), 1);
    assert!(r.warnings().iter().any(|w| w.contains("page")));
}

#[tokio::test]
async fn pending_pages_of_an_interrupted_pass_are_read() {
    let api = MemoryApi::new();
    api.child_page(11, 99, 4);
    let pass = PassState {
        started_at: parse_time("2026-01-01T23:00:00.000Z").unwrap(),
        lower: None,
        sources: BTreeMap::from([(SourceKey::Search, SourceProgress::Done)]),
        pending_pages: vec![id(11)],
        databases: vec![],
        data_sources: vec![],
    };
    let mut state = State::default();
    state.set(
        StreamName::Pages,
        Some(StreamState {
            cursor: None,
            version: None,
            pass: Some(pass),
            known: None,
            schemas: Default::default(),
        }),
    );
    let api = Arc::new(api);
    let r = read_with(&api, settings(|_| {}), only(&[StreamName::Pages]), state).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Pages), strings(&["11"]));
}

// --- content ------------------------------------------------------------------------------------

#[tokio::test]
async fn a_depth_cut_is_marked_counted_and_reported() {
    let api = MemoryApi::new();
    api.page(10, 1);
    api.block(100, 10, "toggle", true)
        .block(101, 100, "toggle", true)
        .block(102, 101, "paragraph", false);
    let api = Arc::new(api);
    let r = read_with(
        &api,
        settings(|c| c.max_block_depth = Some(2)),
        only(&[StreamName::Blocks]),
        State::default(),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Blocks), strings(&["100", "101"]));
    assert_eq!(
        r.record(StreamName::Blocks, 101)["_children_cut"],
        json!(true)
    );
    assert_eq!(r.record(StreamName::Blocks, 100).get("_children_cut"), None);
    assert_eq!(r.counters.depth_cuts.load(Ordering::Relaxed), 1);
    assert!(r.count("children 101") == 0);
    assert!(r.warnings().iter().any(|w| w.contains("max_block_depth=2")));
}

#[tokio::test]
async fn synced_duplicates_are_not_descended_and_a_block_is_emitted_once() {
    let api = MemoryApi::new();
    api.page(10, 1);
    api.block(100, 10, "synced_block", true)
        .block(101, 100, "paragraph", false);
    api.raw_block(
        10,
        json!({"object": "block", "id": id(102), "type": "synced_block", "has_children": true,
               "synced_block": {"synced_from": {"type": "block_id", "block_id": id(100)}}}),
    );
    // The same block listed twice (a cycle through synced content).
    api.block(103, 10, "paragraph", false)
        .block(103, 10, "paragraph", false);
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Blocks])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(
        r.ids(StreamName::Blocks),
        strings(&["100", "101", "102", "103"])
    );
    assert!(r.count("children 102") == 0);
    assert_eq!(r.count("children 100"), 1);
}

#[tokio::test]
async fn a_child_database_block_is_a_database_whose_rows_are_read() {
    let api = MemoryApi::new();
    api.page(10, 1);
    api.database(20, 21, 1);
    api.block(20, 10, "child_database", true);
    api.row(30, 21, 1);
    let api = Arc::new(api);
    let r = read_with(
        &api,
        settings(|_| {}),
        Selection::all_incremental(),
        state_at("2025-01-01T00:00:00.000Z", None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Databases), strings(&["20"]));
    assert!(r.ids(StreamName::Pages).contains(&"30".to_owned()));
    assert!(r.count("children 20") == 0, "a database has no children");
}

#[tokio::test]
async fn a_block_whose_children_are_not_shared_is_skipped_with_a_warning() {
    let api = MemoryApi::new();
    api.page(10, 1);
    api.block(100, 10, "toggle", true).fail(100, 404);
    api.block(101, 10, "toggle", true)
        .block(102, 101, "paragraph", false);
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Blocks])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Blocks), strings(&["100", "101", "102"]));
    assert_eq!(r.counters.not_shared.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn reading_blocks_of_a_page_that_does_not_exist_is_a_not_found_error() {
    let api = MemoryApi::new();
    api.page(10, 1);
    api.block(100, 10, "paragraph", false);
    api.fail(11, 404);
    let api = Arc::new(api);
    for (pages, ok) in [(vec![id(10)], true), (vec![id(10), id(11)], false)] {
        let (tx, mut rx) = mpsc::channel(1000);
        let task = tokio::spawn(run_for_pages(
            api.clone(),
            Arc::new(settings(|_| {})),
            StreamName::Blocks,
            pages,
            tx,
            Arc::new(ReadCounters::default()),
        ));
        let mut records = 0;
        while let Some(m) = rx.recv().await {
            records += usize::from(matches!(m, Message::Record { .. }));
        }
        let result = task.await.expect("the task ends");
        assert_eq!(records, 1);
        match result {
            Ok(()) => assert!(ok),
            Err(e) => {
                assert!(!ok);
                assert!(e.is_not_found(), "{e}");
            }
        }
    }
}

// --- comments -----------------------------------------------------------------------------------

#[tokio::test]
async fn comments_are_read_per_the_comments_setting() {
    for (mode, expected, requests) in [
        (CommentsMode::PagesAndBlocks, vec!["500", "501"], 4),
        (CommentsMode::Pages, vec!["500"], 1),
    ] {
        let api = MemoryApi::new();
        api.page(10, 1);
        api.block(100, 10, "paragraph", false)
            .block(101, 10, "toggle", true)
            .block(102, 101, "paragraph", false);
        api.comment(500, 10).comment(501, 102);
        let api = Arc::new(api);
        let r = read_with(
            &api,
            settings(|c| c.comments = mode),
            only(&[StreamName::Comments]),
            State::default(),
        )
        .await;
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.ids(StreamName::Comments), strings(&expected), "{mode:?}");
        assert_eq!(r.requests_matching("comments").len(), requests, "{mode:?}");
    }
}

#[tokio::test]
async fn a_comment_listed_for_the_page_and_for_its_block_is_emitted_once() {
    let api = MemoryApi::new();
    api.page(10, 1);
    api.block(100, 10, "paragraph", false);
    api.comment(501, 100);
    // The page-level listing also returns the block's comment.
    api.raw_comment(
        10,
        json!({"object": "comment", "id": id(501), "last_edited_time": at(0),
               "parent": {"type": "block_id", "block_id": id(100)}}),
    );
    let api = Arc::new(api);
    let r = read(&api, only(&[StreamName::Comments])).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Comments), strings(&["501"]));
}

#[tokio::test]
async fn without_the_comment_capability_the_comments_stream_fails_once_and_keeps_its_state() {
    let api = small_workspace();
    api.fail_comments(403);
    let r = read_with(
        &api,
        settings(|c| c.checkpoint_interval = 1),
        only(&[StreamName::Pages, StreamName::Comments]),
        State::default(),
    )
    .await;
    match &r.result {
        Err(Error::StreamsFailed(failed)) => {
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].stream, StreamName::Comments);
        }
        other => panic!("{other:?}"),
    }
    let errors = r
        .messages
        .iter()
        .filter(|m| matches!(m, Message::Error { .. }))
        .count();
    assert_eq!(errors, 1);
    assert_eq!(r.ids(StreamName::Pages).len(), 5);
    // No state of the failed stream after it failed; the pages' cursor moves.
    let failed_at = r
        .messages
        .iter()
        .position(|m| matches!(m, Message::Error { .. }))
        .unwrap_or(0);
    assert!(!r.messages[failed_at..].iter().any(|m| matches!(
        m,
        Message::State {
            stream: StreamName::Comments,
            ..
        }
    )));
    assert!(
        r.final_state(StreamName::Pages)
            .is_some_and(|s| s.cursor.is_some())
    );
}

#[tokio::test]
async fn every_comment_and_block_of_a_re_read_page_is_emitted_with_the_reads_version() {
    let api = MemoryApi::new();
    api.page(10, 30);
    api.block(100, 10, "paragraph", false);
    api.comment(500, 10);
    api.raw_comment(
        10,
        json!({"object": "comment", "id": id(501), "last_edited_time": at(29),
               "parent": {"type": "page_id", "page_id": id(10)}}),
    );
    // Page 11 did not change: its content is not read again.
    api.page(11, 1);
    api.block(110, 11, "paragraph", false);
    let api = Arc::new(api);
    let r = read_with(
        &api,
        settings(|_| {}),
        only(&[StreamName::Pages, StreamName::Blocks, StreamName::Comments]),
        state_at(&at(20), None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    // The old comment (500, edited long before the cursor) and the old block come again, so
    // that one missing from this read can be told deleted.
    assert_eq!(r.ids(StreamName::Comments), strings(&["500", "501"]));
    assert_eq!(r.ids(StreamName::Blocks), strings(&["100"]));
    let version = "2026-01-02T00:00:00.000Z";
    for s in [StreamName::Pages, StreamName::Blocks, StreamName::Comments] {
        for rec in r.records(s) {
            assert_eq!(rec["_content_version"], json!(version), "{s}: {rec}");
        }
    }
    let contents: Vec<(String, bool, bool)> = r
        .messages
        .iter()
        .filter_map(|m| match m {
            Message::PageContent {
                page,
                version: v,
                blocks,
                comments,
            } => {
                assert_eq!(v, version);
                Some((short(*page), *blocks, *comments))
            }
            _ => None,
        })
        .collect();
    assert_eq!(contents, vec![("10".to_owned(), true, true)]);
    // The cursor of blocks and comments is the content version; the page bound moves too.
    let blocks = r.final_state(StreamName::Blocks).expect("a state");
    assert_eq!(blocks.version, parse_time(version));
    assert_eq!(blocks.cursor, parse_time("2026-01-01T23:50:00.000Z"));
}

// --- state --------------------------------------------------------------------------------------

#[tokio::test]
async fn a_finished_read_moves_every_cursor_to_the_server_start_less_the_lookback() {
    let api = small_workspace();
    let r = read(&api, Selection::all_incremental()).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    for s in StreamName::ALL {
        let state = r.final_state(s).expect("every stream ends with a state");
        if s == StreamName::Users {
            assert_eq!(state, StreamState::default());
        } else {
            assert_eq!(state.cursor, parse_time("2026-01-01T23:50:00.000Z"), "{s}");
            assert!(state.pass.is_none());
        }
    }
}

#[tokio::test]
async fn a_full_refresh_ignores_the_cursor() {
    let api = small_workspace();
    let r = read_with(
        &api,
        settings(|_| {}),
        Selection::of([StreamName::Pages], SyncMode::FullRefresh),
        state_at(&at(100), None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::Pages).len(), 5);
    assert_eq!(r.requests_matching("search"), strings(&["search all"]));
}

#[tokio::test]
async fn a_configured_database_that_is_not_shared_fails_the_streams_that_read_it() {
    let api = small_workspace();
    api.fail(77, 404);
    let r = read_with(
        &api,
        settings(|c| c.database_ids = vec![id(20).to_string(), id(77).to_string()]),
        only(&[StreamName::Databases, StreamName::Pages]),
        State::default(),
    )
    .await;
    match &r.result {
        Err(Error::StreamsFailed(failed)) => {
            let streams: Vec<StreamName> = failed.iter().map(|f| f.stream).collect();
            assert_eq!(streams, [StreamName::Databases, StreamName::Pages]);
            assert!(failed[0].error.is_not_found());
            assert!(failed[0].error.to_string().contains(&id(77).to_string()));
        }
        other => panic!("{other:?}"),
    }
    // What could be read was read: the other database and its rows.
    assert_eq!(r.ids(StreamName::Databases), strings(&["20"]));
    assert_eq!(r.ids(StreamName::Pages), strings(&["30", "31", "32"]));
}

// --- documents ----------------------------------------------------------------------------------

#[tokio::test]
async fn documents_are_rendered_from_the_blocks_read_without_an_extra_request() {
    let api = small_workspace();
    let r = read(&api, Selection::all_incremental()).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(
        r.ids(StreamName::PageMarkdown),
        strings(&["10", "11", "30", "31", "32"])
    );
    let doc = r.record(StreamName::PageMarkdown, 10);
    let markdown = doc["markdown"].as_str().unwrap_or_default();
    assert!(markdown.starts_with("---\n"), "{markdown}");
    assert!(markdown.contains("block 100"), "{markdown}");
    assert!(markdown.contains("block 102"), "{markdown}");
    assert_eq!(doc["title"], json!("page 10"));
    assert_eq!(doc["_block_count"], json!(3));
    assert_eq!(doc["_source"], json!("blocks"));
    assert_eq!(doc["_page_id"], json!(id(10).to_string()));
    assert!(r.requests_matching("markdown").is_empty());
    // The users read in the same pass give names to documents.
    assert_eq!(
        r.requests.len(),
        read(
            &api,
            only(&[
                StreamName::Users,
                StreamName::Pages,
                StreamName::Blocks,
                StreamName::Comments
            ])
        )
        .await
        .requests
        .len(),
        "documents cost no request"
    );
}

#[tokio::test]
async fn an_incremental_read_renders_only_the_changed_pages_again() {
    let api = small_workspace();
    let r = read_with(
        &api,
        settings(|_| {}),
        only(&[StreamName::PageMarkdown]),
        state_at(&at(28), None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.ids(StreamName::PageMarkdown), strings(&["10"]));
}

#[tokio::test]
async fn documents_from_the_markdown_endpoint_follow_the_parts_left_out() {
    let api = MemoryApi::new();
    api.page(10, 5).markdown(10, "# Hello\n\nworld", &[77]);
    api.markdown(77, "a big table", &[]);
    api.page(11, 4).fail(11, 404);
    let api = Arc::new(api);
    let r = read_with(
        &api,
        settings(|c| {
            c.markdown_source = crate::config::MarkdownSource::Api;
            c.fetch_page_blocks = false;
        }),
        only(&[StreamName::PageMarkdown]),
        State::default(),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    let doc = r.record(StreamName::PageMarkdown, 10);
    let markdown = doc["markdown"].as_str().unwrap_or_default();
    assert!(markdown.contains("# Hello"), "{markdown}");
    assert!(markdown.contains("a big table"), "{markdown}");
    assert_eq!(doc["_source"], json!("api"));
    assert_eq!(doc["_truncated"], json!(false));
    // One request per page, one per part left out, the listing; no block is read.
    assert_eq!(
        r.requests_matching("markdown"),
        strings(&["markdown 10", "markdown 11", "markdown 77"])
    );
    assert!(r.requests_matching("children").is_empty());
    assert_eq!(r.counters.not_shared.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn documents_from_blocks_need_the_blocks_read() {
    let api = small_workspace();
    let r = read_with(
        &api,
        settings(|c| c.fetch_page_blocks = false),
        only(&[StreamName::Pages, StreamName::PageMarkdown]),
        State::default(),
    )
    .await;
    match &r.result {
        Err(Error::StreamsFailed(failed)) => {
            assert_eq!(failed.len(), 1);
            assert_eq!(failed[0].stream, StreamName::PageMarkdown);
            assert!(failed[0].error.to_string().contains("fetch_page_blocks"));
        }
        other => panic!("{other:?}"),
    }
    assert!(r.records(StreamName::PageMarkdown).is_empty());
    assert_eq!(r.ids(StreamName::Pages).len(), 5);
}

#[tokio::test]
async fn a_trashed_page_drops_its_content_and_its_document() {
    let api = small_workspace();
    api.page(12, 40).trash(12);
    let r = read_with(
        &api,
        settings(|_| {}),
        Selection::all_incremental(),
        state_at(&at(18), None),
    )
    .await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(r.record(StreamName::Pages, 12)["in_trash"], json!(true));
    let tombstone = r.record(StreamName::PageMarkdown, 12);
    assert_eq!(tombstone["_deleted_reason"], json!("trashed"));
    assert!(tombstone["_ab_cdc_deleted_at"].is_string());
    assert!(r.messages.iter().any(|m| matches!(
        m,
        Message::PageContent { page, blocks: true, comments: true, .. } if *page == id(12)
    )));
}

// --- inventory ----------------------------------------------------------------------------------

impl Run {
    /// The final states, as the state of the next read.
    fn next_state(&self) -> State {
        let mut state = State::default();
        for s in StreamName::ALL {
            state.set(s, self.final_state(s));
        }
        state
    }
}

#[tokio::test]
async fn the_inventory_finds_deleted_pages_and_reads_pages_shared_late_in_full() {
    let api = small_workspace();
    let first = read(&api, Selection::all_incremental()).await;
    assert!(first.result.is_ok(), "{:?}", first.result);
    let known = first
        .final_state(StreamName::Pages)
        .and_then(|s| s.known)
        .expect("the first sync takes an inventory");
    assert_eq!(known.pages.len(), 5, "every page, rows included");
    assert_eq!(known.data_sources.len(), 1);
    assert_eq!(known.databases.len(), 1);

    // Page 11 is deleted; page 13, edited long ago, is shared now; search misses page 31.
    api.delete(11);
    api.page(13, 1);
    api.block(130, 13, "paragraph", false);
    api.hide(31);
    let second = read_with(
        &api,
        settings(|_| {}),
        Selection::all_incremental(),
        first.next_state(),
    )
    .await;
    assert!(second.result.is_ok(), "{:?}", second.result);
    let tombstone = second.record(StreamName::Pages, 11);
    assert_eq!(tombstone["_deleted_reason"], json!("not_found"));
    assert!(tombstone["_ab_cdc_deleted_at"].is_string());
    assert_eq!(
        tombstone["last_edited_time"], tombstone["_ab_cdc_deleted_at"],
        "a deletion's cursor is when it was seen"
    );
    assert!(second.messages.iter().any(|m| matches!(
        m,
        Message::PageContent { page, .. } if *page == id(11)
    )));
    assert_eq!(
        second.record(StreamName::PageMarkdown, 11)["_deleted_reason"],
        json!("not_found")
    );
    // The late share is read in full, whatever its edit time.
    assert_eq!(
        second.record(StreamName::Pages, 13)["id"],
        json!(id(13).to_string())
    );
    assert!(second.ids(StreamName::Blocks).contains(&"130".to_owned()));
    // Page 31 was confirmed by a retrieve and stays known; nothing else was retrieved.
    assert_eq!(second.record(StreamName::Pages, 31), Value::Null);
    assert_eq!(
        second.requests_matching("page "),
        strings(&["page 11", "page 31"])
    );
    let known = second
        .final_state(StreamName::Pages)
        .and_then(|s| s.known)
        .expect("an inventory");
    assert!(!known.pages.contains(&id(11)));
    assert!(known.pages.contains(&id(13)));
    assert!(known.pages.contains(&id(31)));

    // A third read finds nothing new: no retrieve, no deletion.
    let third = read_with(
        &api,
        settings(|_| {}),
        Selection::all_incremental(),
        second.next_state(),
    )
    .await;
    assert!(third.result.is_ok(), "{:?}", third.result);
    assert_eq!(third.requests_matching("page "), strings(&["page 31"]));
    assert!(
        third
            .records(StreamName::Pages)
            .iter()
            .all(|r| r.get("_ab_cdc_deleted_at").is_none())
    );
}

#[tokio::test]
async fn without_an_inventory_nothing_is_listed_past_the_cursor() {
    let api = small_workspace();
    let never = || settings(|c| c.inventory = "never".into());
    let first = read_with(
        &api,
        never(),
        Selection::all_incremental(),
        State::default(),
    )
    .await;
    assert!(first.result.is_ok(), "{:?}", first.result);
    assert!(
        first
            .final_state(StreamName::Pages)
            .and_then(|s| s.known)
            .is_none()
    );
    api.delete(11);
    let second = read_with(
        &api,
        never(),
        Selection::all_incremental(),
        first.next_state(),
    )
    .await;
    assert!(second.result.is_ok(), "{:?}", second.result);
    assert_eq!(second.record(StreamName::Pages, 11), Value::Null);
    assert!(second.requests_matching("page ").is_empty());
}

#[tokio::test]
async fn an_inventory_period_skips_the_listing_until_it_is_due() {
    let api = small_workspace();
    let daily = || settings(|c| c.inventory = "1d".into());
    let first = read_with(
        &api,
        daily(),
        Selection::all_incremental(),
        State::default(),
    )
    .await;
    let known = first.final_state(StreamName::Pages).and_then(|s| s.known);
    assert!(known.is_some(), "the first inventory is taken at once");
    api.delete(11);
    // The memory server's clock has not moved a day: the listing stops at the cursor, and the
    // last inventory is carried on.
    let second = read_with(
        &api,
        daily(),
        Selection::all_incremental(),
        first.next_state(),
    )
    .await;
    assert!(second.result.is_ok(), "{:?}", second.result);
    assert_eq!(second.record(StreamName::Pages, 11), Value::Null);
    let carried = second.final_state(StreamName::Pages).and_then(|s| s.known);
    assert_eq!(carried.map(|k| k.at), known.map(|k| k.at));
}

// --- schema changes -----------------------------------------------------------------------------

#[tokio::test]
async fn rows_older_than_the_cursor_are_read_again_when_their_schema_changed() {
    let api = small_workspace();
    let schema = |kind: &str| {
        json!({
            "Name": {"id": "title", "type": "title", "title": {}},
            "Estimate": {"id": "e", "type": kind, kind: {}}
        })
    };
    api.schema(21, schema("number"));
    // A first sync fingerprints the schema.
    let first = read(&api, Selection::all_incremental()).await;
    assert!(first.result.is_ok(), "{:?}", first.result);
    let state = first.final_state(StreamName::Pages).unwrap();
    assert_eq!(state.schemas.len(), 1, "{state:?}");
    let mut input = state_at(&at(18), None);
    let mut pages = input.get(StreamName::Pages).cloned().unwrap();
    pages.schemas = state.schemas.clone();
    input.set(StreamName::Pages, Some(pages));

    // Unchanged: only rows edited since the cursor.
    let same = read_with(
        &api,
        settings(|_| {}),
        Selection::all_incremental(),
        input.clone(),
    )
    .await;
    assert!(same.result.is_ok(), "{:?}", same.result);
    assert_eq!(same.ids(StreamName::Pages), strings(&["10", "11", "30"]));
    assert_eq!(same.requests_matching("query").len(), 1);

    // Retyped: the older rows' records are read again, not their content.
    api.schema(21, schema("rich_text"));
    let r = read_with(&api, settings(|_| {}), Selection::all_incremental(), input).await;
    assert!(r.result.is_ok(), "{:?}", r.result);
    assert_eq!(
        r.ids(StreamName::Pages),
        strings(&["10", "11", "30", "31", "32"])
    );
    assert_eq!(
        r.requests_matching("query").len(),
        2,
        "{:?}",
        r.requests_matching("query")
    );
    assert_eq!(r.count("children 31"), 0);
    assert_eq!(r.count("children 32"), 0);
    // The new fingerprint is kept.
    let after = r.final_state(StreamName::Pages).unwrap();
    assert_ne!(after.schemas, state.schemas);
    assert_eq!(after.schemas.len(), 1);
}
