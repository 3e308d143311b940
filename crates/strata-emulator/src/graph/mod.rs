//! Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources` (api-versions
//! 2024-04-01, 2022-10-01, 2021-03-01) answers KQL queries over the estate.
//!
//! - `kql`: the tokenizer and parser of the KQL subset served; `eval` runs a query over rows.
//! - `rows`: the tables. `Resources` holds the resources as their GET renders them (which
//!   resources are rows, and the columns, are documented there); `ResourceContainers` the
//!   resource groups (`microsoft.resources/subscriptions/resourcegroups`) and subscriptions.
//! - `history` (with a graph lag, `--graph-lag`): the rows as they were a while ago, as Azure's
//!   index trails ARM. The store marks what each request changed; [`Graph::observe`] records
//!   the new rows of what changed after every request. With no lag, queries read the estate.
//! - `changes`: the `resourcechanges` table, a record per change of a row with who made it
//!   ([`Graph::before_write`] keeps the rows a write may alter and its author; the records
//!   trail ARM by the same lag).
//! - `request`: reading the request and its skip token; the error of a refused query.
//! - `quota`: 15 queries per 5 seconds per caller, in headers always, enforced with
//!   `--throttle` (the graph has its own quota; ARM's buckets do not count its queries).
//!
//! The request: `query` (required), `subscriptions` (absent: every subscription the caller
//! sees), `options` (`$top` 1–1000, `$skip`, `$skipToken`, `resultFormat` `objectArray` or
//! `table`). The answer: `totalRecords`, `count`, `resultTruncated` (the string `"true"` or
//! `"false"`), `data`, `facets` and, when rows remain and the result has an `id` column and no
//! `limit`/`take`, a `$skipToken` for the next page. Rows come in id order unless the query
//! orders them, so pages are stable. A regional outage does not touch the graph: it is global;
//! nor do injected faults or ARM's throttling buckets.
//! Queries Azure would refuse, or that use KQL the emulator does not serve, answer 400
//! `BadRequest` with details `InvalidQuery` and `ParserFailure` / `InvalidQueryLanguage`
//! (line, position and token).

mod changes;
mod eval;
mod history;
mod kql;
mod quota;
mod request;
mod rows;

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::{HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::identity::Access;
use crate::protocol::{App, ArmError, Reply};
use crate::store::State;
pub(crate) use changes::Actor;
use eval::Row;
use history::History;
use kql::Table;
use request::{Request, api_version, invalid_query, make_token, read_request};

/// The api-versions served, newest first.
const VERSIONS: &[&str] = &["2024-04-01", "2022-10-01", "2021-03-01"];
/// Rows per page at most.
const PAGE: usize = 1000;

/// The graph of a running emulator.
pub(crate) struct Graph {
    lag: Duration,
    changes: Mutex<changes::ChangeLog>,
    /// Kept only with a lag.
    history: Option<Mutex<History>>,
    quota: quota::Quota,
    /// Refuse queries past the quota (`--throttle`).
    enforce: bool,
}

impl Graph {
    pub fn new(lag: Duration, enforce: bool) -> Graph {
        Graph {
            lag,
            history: (!lag.is_zero()).then(|| Mutex::new(History::default())),
            changes: Mutex::new(changes::ChangeLog::default()),
            quota: quota::Quota::default(),
            enforce,
        }
    }

    fn lag(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.lag).unwrap_or(chrono::Duration::MAX)
    }

    /// With a lag: the estate a server starts with is indexed already, and the store starts
    /// marking changes.
    pub fn seed(&self, state: &mut State, tenant: &str, now: DateTime<Utc>) {
        state.track_changes();
        let Some(history) = &self.history else { return };
        let mut h = history.lock().unwrap_or_else(PoisonError::into_inner);
        let past = now
            .checked_sub_signed(self.lag())
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        for (key, entry) in rows::live(state, tenant, None) {
            h.record(key, Some(entry), past);
        }
    }

    /// Records the rows that what changed since the last call altered: in the change log and,
    /// with a lag, in the history.
    pub fn observe(&self, state: &mut State, tenant: &str, now: DateTime<Utc>) {
        let changed = state.take_changes();
        if changed.is_empty() {
            return;
        }
        let keys: BTreeSet<String> = changed.iter().flat_map(|k| rows::affected(k)).collect();
        let mut log = self.changes.lock().unwrap_or_else(PoisonError::into_inner);
        let mut history = self
            .history
            .as_ref()
            .map(|h| h.lock().unwrap_or_else(PoisonError::into_inner));
        for key in keys {
            let entry = rows::row_at(state, &key, tenant);
            log.observe(&key, entry.as_ref(), tenant, now);
            if let Some(h) = history.as_mut() {
                h.record(key, entry, now);
            }
        }
    }

    /// Before a write to `key` (lowercase) by `actor`: keeps the rows it may alter as they are,
    /// so that the change log can say what it changed and who changed it.
    pub fn before_write(
        &self,
        state: &State,
        key: &str,
        actor: &changes::Actor,
        operation: &str,
        tenant: &str,
        now: DateTime<Utc>,
    ) {
        let rows: Vec<(String, Option<rows::Entry>)> = rows::affected(key)
            .into_iter()
            .map(|k| {
                let entry = rows::row_at(state, &k, tenant);
                (k, entry)
            })
            .collect();
        self.changes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .before_write(rows, actor, operation, now);
    }

    /// The rows of `table` a query at `now` sees (the history holds both tables).
    fn rows(&self, state: &State, tenant: &str, now: DateTime<Utc>, table: Table) -> Vec<rows::Entry> {
        if table == Table::ResourceChanges {
            let horizon = now
                .checked_sub_signed(self.lag())
                .unwrap_or(DateTime::<Utc>::MIN_UTC);
            let log = self.changes.lock().unwrap_or_else(PoisonError::into_inner);
            return log.rows(horizon).into_iter().map(|r| (table, r)).collect();
        }
        match &self.history {
            None => rows::live(state, tenant, Some(table)).into_values().collect(),
            Some(history) => {
                let horizon = now
                    .checked_sub_signed(self.lag())
                    .unwrap_or(DateTime::<Utc>::MIN_UTC);
                let mut h = history.lock().unwrap_or_else(PoisonError::into_inner);
                h.prune(horizon);
                h.at(horizon)
            }
        }
    }
}

/// True for `/providers/Microsoft.ResourceGraph/resources` (case-insensitive).
pub(crate) fn is_graph_path(path: &str) -> bool {
    path.trim_end_matches('/')
        .eq_ignore_ascii_case("/providers/Microsoft.ResourceGraph/resources")
}

/// The tenant the emulator's subscriptions belong to.
pub(crate) fn tenant(app: &App) -> &str {
    app.identity.as_ref().map_or(
        crate::types::subscriptions::EMULATOR_TENANT_ID,
        crate::identity::Identity::tenant,
    )
}

/// Serves a query. `caller` is who the quota counts it against.
pub(crate) fn handle(
    app: &App,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    access: Option<&Access>,
    caller: &str,
) -> Response {
    let count = app.graph.quota.count(caller, Instant::now());
    let result = if count.exceeded && app.graph.enforce {
        Err(ArmError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RateLimiting",
            "Please provide below info when asking for support: the strata emulator's Resource Graph quota.",
        )
        .with_detail(
            "RateLimiting",
            format!(
                "Client application has been throttled and should not attempt to repeat the request until an \
                 amount of time has elapsed ({} queries per {} seconds). Please see \
                 https://aka.ms/resourcegraph-throttling for help.",
                quota::QUERIES,
                quota::WINDOW.as_secs()
            ),
        )
        .retry_after(count.retry_after()))
    } else {
        query(app, method, uri, body, access)
    };
    let mut response = match result {
        Ok(reply) => reply.into_response(),
        Err(e) => e.into_response(),
    };
    for (name, value) in count.headers() {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    response
}

/// The subscriptions a query covers: those asked for (or all the caller sees), minus those
/// the caller may not read.
fn scope(req: &Request, access: Option<&Access>, rows: &[rows::Entry]) -> Result<Vec<String>, ArmError> {
    let allowed = |s: &str| access.is_none_or(|a| a.allows(s));
    let mut subs: Vec<String> = match &req.subscriptions {
        Some(list) => list.clone(),
        None => {
            let mut all = vec![crate::types::subscriptions::DEFAULT_SUBSCRIPTION_ID.to_string()];
            all.extend(
                rows.iter()
                    .filter_map(|(_, r)| r["subscriptionId"].as_str().map(str::to_string)),
            );
            if let Some(Access::Only(only)) = access {
                all.extend(only.iter().cloned());
            }
            all
        }
    };
    let mut seen = BTreeSet::new();
    subs.retain(|s| seen.insert(s.to_ascii_lowercase()));
    let asked = !subs.is_empty();
    subs.retain(|s| allowed(s));
    if asked && subs.is_empty() && req.subscriptions.is_some() {
        return Err(ArmError::new(
            StatusCode::FORBIDDEN,
            "AuthorizationFailed",
            "The client does not have authorization to read any of the subscriptions in the query's scope.",
        ));
    }
    Ok(subs)
}

fn query(
    app: &App,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    access: Option<&Access>,
) -> Result<Reply, ArmError> {
    if *method != Method::POST {
        return Err(ArmError::method_not_allowed(method.as_str()));
    }
    api_version(uri)?;
    let req = read_request(body)?;
    let parsed = kql::parse(&req.query).map_err(|e| invalid_query(&e, &req.query))?;
    let tenant = tenant(app);
    let all = {
        let mut state = app.lock();
        let before = state.generation();
        let now = Utc::now();
        let removed = state.settle(now);
        crate::types::after_group_deletion(&mut state, now, removed);
        app.graph.observe(&mut state, tenant, now);
        if state.generation() != before {
            app.changed.notify_one();
        }
        app.graph.rows(&state, tenant, now, parsed.table)
    };
    let subs = scope(&req, access, &all)?;
    let covered = |r: &Row| {
        r["subscriptionId"]
            .as_str()
            .is_some_and(|s| subs.iter().any(|x| x.eq_ignore_ascii_case(s)))
    };
    let mut input: Vec<Row> = all
        .into_iter()
        .filter(|(t, r)| *t == parsed.table && covered(r))
        .map(|(_, r)| r)
        .collect();
    if parsed.table == Table::ResourceContainers {
        input.extend(subs.iter().map(|s| rows::subscription_row(s, tenant)));
        input.sort_by_cached_key(|r| r["id"].as_str().unwrap_or_default().to_ascii_lowercase());
    }
    let out =
        eval::run(&parsed, input, rows::columns(), &req.query).map_err(|e| invalid_query(&e, &req.query))?;
    Ok(Reply::json(StatusCode::OK, respond(&req, &parsed, out)))
}

fn respond(req: &Request, parsed: &kql::Query, out: eval::Output) -> Value {
    let total = out.rows.len();
    let page: Vec<Row> = out.rows.into_iter().skip(req.skip).take(req.top).collect();
    let next = req.skip.saturating_add(page.len());
    let more = next < total;
    let pageable = !parsed.limited() && out.columns.iter().any(|(n, _)| n == "id");
    let data = if req.table_format {
        let columns: Vec<Value> = out
            .columns
            .iter()
            .map(|(n, t)| json!({ "name": n, "type": t.name() }))
            .collect();
        let rows: Vec<Value> = page
            .iter()
            .map(|r| Value::Array(r.values().cloned().collect()))
            .collect();
        json!({ "columns": columns, "rows": rows })
    } else {
        Value::Array(page.iter().cloned().map(Value::Object).collect())
    };
    let facets: Vec<Value> = req
        .facets
        .iter()
        .map(|f| {
            json!({
                "expression": f,
                "resultType": "FacetError",
                "errors": [{ "code": "NotSupported", "message": "The strata emulator does not compute facets." }]
            })
        })
        .collect();
    let mut body = json!({
        "totalRecords": total,
        "count": page.len(),
        "resultTruncated": if more && !pageable { "true" } else { "false" },
        "facets": facets,
        "data": data,
    });
    if more && pageable {
        body["$skipToken"] = json!(make_token(next, &req.query));
    }
    body
}
