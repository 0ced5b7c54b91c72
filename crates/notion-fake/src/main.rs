//! `notion-fake`: serve a fake Notion API on 127.0.0.1.
//!
//! ```text
//! notion-fake --port 0 --workspace e2e --rate-limit 180 --search-lag 5s
//! ```
//! prints `notion-fake listening on http://127.0.0.1:PORT` and serves until interrupted.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use notion_fake::{
    ApiVersion, Capabilities, Endpoint, FakeNotion, Fault, FaultRule, GenConfig, Latency, Mix,
    Options, WorkspaceSpec,
};

/// Serve a fake Notion API on 127.0.0.1.
#[derive(Debug, Parser)]
#[command(name = "notion-fake", version)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Workspace: `demo` (the hand-made team wiki) or a generator preset (`small`, `e2e`, `rollups`,
    /// `bench`, `bench-N`, `bench-sync-N`; the size flags below adjust a preset).
    #[arg(long, default_value = "small")]
    workspace: String,
    /// Generator seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Person users.
    #[arg(long)]
    people: Option<u32>,
    /// Bot users besides the connection's own.
    #[arg(long)]
    bots: Option<u32>,
    /// Workspace-level databases.
    #[arg(long)]
    databases: Option<u32>,
    /// Every n-th database has two data sources (0: none).
    #[arg(long)]
    two_source_every: Option<u32>,
    /// Rows per data source.
    #[arg(long)]
    rows: Option<u32>,
    /// Standalone pages.
    #[arg(long)]
    pages: Option<u32>,
    /// Blocks per page.
    #[arg(long)]
    blocks_per_page: Option<u32>,
    /// Blocks per row page.
    #[arg(long)]
    blocks_per_row: Option<u32>,
    /// Maximum nesting depth of ordinary pages.
    #[arg(long)]
    max_depth: Option<u32>,
    /// Child pages (not in search).
    #[arg(long)]
    child_pages: Option<u32>,
    /// Child databases (not in search).
    #[arg(long)]
    child_databases: Option<u32>,
    /// Pages not shared with the connection.
    #[arg(long)]
    unshared_pages: Option<u32>,
    /// Up to this many comments per page.
    #[arg(long)]
    page_comments: Option<u32>,
    /// Every n-th block has a comment (0: none).
    #[arg(long)]
    inner_comment_every: Option<u32>,
    /// Every n-th row relates to 30 rows, more than a page object shows (0: none).
    #[arg(long)]
    long_relation_every: Option<u32>,
    /// Only text blocks and a small schema.
    #[arg(long)]
    simple: bool,
    /// Bearer token accepted (repeatable; default `ntn_fake_token`).
    #[arg(long = "token")]
    tokens: Vec<String>,
    /// OAuth client as `ID:SECRET` (repeatable; default `fake-client:fake-secret`).
    #[arg(long = "oauth-client")]
    oauth_clients: Vec<String>,
    /// Requests per token per 60-second window; 0 turns rate limiting off.
    #[arg(long, default_value_t = 180)]
    rate_limit: u32,
    /// Search index lag, e.g. `5s`, `500ms`, `2m`.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    search_lag: Duration,
    /// Fixed latency per request.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    latency: Duration,
    /// Random extra latency per request, up to this much.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    jitter: Duration,
    /// Fault rule `KIND:PROBABILITY[:ENDPOINT]` (repeatable). Kinds: 500, 502, 503, 504, 529,
    /// reset, stall, truncate. Endpoints: list_users, search, block_children, …
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// Seed of the fault and latency random generator.
    #[arg(long, default_value_t = 0)]
    fault_seed: u64,
    /// How long a `stall` fault holds a request.
    #[arg(long, default_value = "120s", value_parser = parse_duration)]
    stall: Duration,
    /// Accepted Notion-Version values, comma separated (default: all).
    #[arg(long, value_delimiter = ',')]
    versions: Vec<String>,
    /// Blocks one page-markdown response renders at most (larger content is truncated).
    #[arg(long, default_value_t = 200)]
    markdown_block_limit: usize,
    /// How long signed URLs of hosted files stay valid, e.g. `3600s`, `10s`.
    #[arg(long, default_value = "3600s", value_parser = parse_duration)]
    file_url_expiry: Duration,
    /// Bytes of the workspace's large hosted file.
    #[arg(long, default_value_t = 8 << 20)]
    large_file_bytes: u64,
    /// A webhook receiver on loopback (`http://127.0.0.1:PORT/path`): it gets the verification
    /// request, then an event per mutation (the token is printed on stderr).
    #[arg(long)]
    webhook_url: Option<String>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| s.split_at(i))
        .unwrap_or((s, "s"));
    let n: f64 = num.parse().map_err(|_| format!("bad duration `{s}`"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        _ => return Err(format!("bad duration unit in `{s}` (ms, s, m)")),
    };
    Ok(Duration::from_secs_f64(secs))
}

fn parse_fault(s: &str, stall: Duration) -> Result<FaultRule> {
    let mut parts = s.split(':');
    let kind = parts.next().unwrap_or("");
    let probability: f64 = parts
        .next()
        .context("fault needs KIND:PROBABILITY")?
        .parse()
        .context("bad fault probability")?;
    let endpoint = match parts.next() {
        None => None,
        Some(e) => Some(Endpoint::from_name(e).with_context(|| format!("unknown endpoint `{e}`"))?),
    };
    let fault = match kind {
        "500" => Fault::InternalError,
        "502" => Fault::BadGatewayHtml,
        "503" => Fault::ServiceUnavailable,
        "504" => Fault::GatewayTimeout,
        "529" => Fault::Overloaded { retry_after: 1 },
        "reset" => Fault::ConnectionReset,
        "stall" => Fault::Stall(stall),
        "truncate" => Fault::TruncatedBody,
        other => bail!("unknown fault kind `{other}`"),
    };
    Ok(FaultRule {
        endpoint,
        probability,
        fault,
    })
}

fn workspace(args: &Args) -> Result<WorkspaceSpec> {
    if args.workspace == "demo" {
        return Ok(WorkspaceSpec::Demo);
    }
    let mut c = GenConfig::preset(&args.workspace)
        .with_context(|| format!("unknown workspace `{}`", args.workspace))?;
    macro_rules! set {
        ($($f:ident = $a:ident),*) => { $( if let Some(v) = args.$a { c.$f = v; } )* };
    }
    set!(
        seed = seed,
        people = people,
        bots = bots,
        databases = databases,
        two_source_every = two_source_every,
        rows_per_data_source = rows,
        pages = pages,
        blocks_per_page = blocks_per_page,
        blocks_per_row = blocks_per_row,
        max_depth = max_depth,
        child_pages = child_pages,
        child_databases = child_databases,
        unshared_pages = unshared_pages,
        page_comments = page_comments,
        inner_comment_every = inner_comment_every,
        long_relation_every = long_relation_every
    );
    if args.simple {
        c.mix = Mix::Simple;
    }
    Ok(WorkspaceSpec::Generated(c))
}

#[allow(clippy::print_stdout)]
fn announce(url: &str) {
    use std::io::Write as _;
    println!("notion-fake listening on {url}");
    let _ = std::io::stdout().flush();
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut options = Options {
        port: args.port,
        rate_limit: (args.rate_limit > 0).then_some(args.rate_limit),
        search_lag: args.search_lag,
        fault_seed: args.fault_seed,
        markdown_block_limit: args.markdown_block_limit,
        file_url_expiry: args.file_url_expiry,
        large_file_bytes: args.large_file_bytes,
        latency: Latency {
            fixed: args.latency,
            jitter: args.jitter,
        },
        ..Options::default()
    };
    if !args.tokens.is_empty() {
        options.tokens = args
            .tokens
            .iter()
            .map(|t| (t.clone(), Capabilities::ALL))
            .collect();
    }
    if !args.oauth_clients.is_empty() {
        options.oauth_clients = args
            .oauth_clients
            .iter()
            .map(|c| {
                let (id, secret) = c
                    .split_once(':')
                    .context("--oauth-client needs ID:SECRET")?;
                Ok(notion_fake::OAuthClient {
                    client_id: id.to_owned(),
                    client_secret: secret.to_owned(),
                })
            })
            .collect::<Result<_>>()?;
    }
    if !args.versions.is_empty() {
        options.versions = args
            .versions
            .iter()
            .map(|v| v.parse::<ApiVersion>().map_err(anyhow::Error::msg))
            .collect::<Result<_>>()?;
    }
    options.faults = args
        .faults
        .iter()
        .map(|f| parse_fault(f, args.stall))
        .collect::<Result<_>>()?;
    options.webhook = args
        .webhook_url
        .clone()
        .map(notion_fake::WebhookConfig::new);
    let spec = workspace(&args)?;
    let fake = FakeNotion::start(spec, options).await?;
    announce(&fake.base_url());
    if let Some(token) = fake.webhook_verification_token() {
        eprintln!("notion-fake webhook verification token: {token}");
    }
    tokio::signal::ctrl_c().await?;
    fake.shutdown().await;
    Ok(())
}
