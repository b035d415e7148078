//! Load driver for `.ci/reliability`: a write (and read) load against a running emulator that
//! records every request, judges it against the fault the script caused (a PostgreSQL outage, a
//! `kill -9`, a SIGTERM), and afterwards reads every acknowledged write back.
//!
//! ```text
//! reliability-load setup  <base-url> <state.json> [--customers N]
//! reliability-load load   <base-url> <state.json> <ledger.json> --scenario outage|kill|sigterm
//!                         --stop-file F --marks F [--concurrency N] [--max-seconds S]
//!                         [--bound-ms MS] [--reads] [--probe-ready] [--records F.csv]
//! reliability-load verify <base-url> <state.json> <ledger.json> [--unacked-must-be-absent]
//! reliability-load retry  <base-url> <state.json> <ledger.json>
//! reliability-load slowloris <base-url> --connections N --seconds S --bound-ms MS
//! reliability-load hoard  <base-url> <state.json> --mode silent|half-headers|stalled-body|idle|mixed
//!                         --sockets N --seconds S [--clients N] [--bound-ms MS] [--close-within-ms MS]
//! ```
//!
//! `load` runs until the stop file exists (or `--max-seconds`), then reads the marks file the
//! script wrote (`<name> <unix-ms>` per line: `outage_start`, `outage_end`, `pg_back`, `kill`,
//! `sigterm`), prints its figures, writes the ledger of acknowledged and unacknowledged writes,
//! and exits 1 when a property does not hold. `verify` exits 1 when an acknowledged write is
//! missing. `retry` sends every unacknowledged write again, as a client would, with its
//! MS-RequestId and body: a write that was stored must be answered with its kept answer (a replay),
//! one that was not must run anew, and each must be stored exactly once; it exits 1 otherwise.
//! Figures are printed as `figure <name> <value>` lines.

use reqwest::Client;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const MCA_TEMPLATE: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn die(message: impl std::fmt::Display) -> ! {
    eprintln!("reliability-load: {message}");
    std::process::exit(2)
}

/// Positional arguments and `--name value` / `--flag` options.
struct Args {
    positional: Vec<String>,
    options: HashMap<String, String>,
}

impl Args {
    fn parse() -> Self {
        let mut positional = Vec::new();
        let mut options = HashMap::new();
        let mut it = std::env::args().skip(1).peekable();
        while let Some(arg) = it.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = match it.peek() {
                    Some(next) if !next.starts_with("--") => it.next().unwrap_or_default(),
                    _ => "true".to_string(),
                };
                options.insert(name.to_string(), value);
            } else {
                positional.push(arg);
            }
        }
        Self { positional, options }
    }

    fn pos(&self, i: usize, what: &str) -> String {
        self.positional.get(i).cloned().unwrap_or_else(|| die(format!("missing argument: {what}")))
    }

    fn num(&self, name: &str, default: u64) -> u64 {
        self.options.get(name).map_or(default, |v| v.parse().unwrap_or_else(|_| die(format!("--{name}: {v}"))))
    }

    fn flag(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    fn path(&self, name: &str) -> Option<String> {
        self.options.get(name).cloned()
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let code = match args.pos(0, "command").as_str() {
        "setup" => setup(&args).await,
        "load" => load(&args).await,
        "verify" => verify(&args).await,
        "retry" => retry(&args).await,
        "slowloris" => slowloris(&args).await,
        "hoard" => hoard(&args).await,
        other => die(format!("unknown command {other}")),
    };
    std::process::exit(code);
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| die(format!("{path}: {e}")));
    serde_json::from_str(&text).unwrap_or_else(|e| die(format!("{path}: {e}")))
}

fn write_json(path: &str, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap_or_default())
        .unwrap_or_else(|e| die(format!("{path}: {e}")));
}

fn client(timeout: Duration, idle_per_host: usize) -> Client {
    Client::builder()
        .timeout(timeout)
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(idle_per_host)
        .build()
        .unwrap_or_else(|e| die(e))
}

async fn expect_json(response: reqwest::Result<reqwest::Response>, expected: u16, what: &str) -> Value {
    let response = response.unwrap_or_else(|e| die(format!("{what}: {e}")));
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    if status != expected {
        die(format!("{what}: expected {expected}, got {status}: {body}"));
    }
    serde_json::from_str(&body).unwrap_or_else(|e| die(format!("{what}: {e}: {body}")))
}

fn customer_body(domain: &str) -> Value {
    json!({
        "companyProfile": {"domain": domain},
        "billingProfile": {"email": "ap@reliability.example", "culture": "en-US", "language": "en",
            "companyName": "Reliability", "defaultAddress": {"firstName": "R", "lastName": "L",
            "addressLine1": "1 Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}}
    })
}

/// A partner persona, a token, and customers to confirm acceptances for.
async fn setup(args: &Args) -> i32 {
    let base = args.pos(1, "base url");
    let state_path = args.pos(2, "state file");
    let customers = args.num("customers", 16);
    let http = client(Duration::from_secs(30), 4);
    let tag = format!("{:x}", now_ms() % 0xff_ffff);
    let partner = expect_json(
        http.post(format!("{base}/_emulator/partners"))
            .json(&json!({"name": format!("Reliability {tag}"), "partnerType": "DirectBill"}))
            .send()
            .await,
        201,
        "POST /_emulator/partners",
    )
    .await;
    let partner = partner["tenantId"].as_str().unwrap_or_else(|| die("no tenantId")).to_string();
    let token = expect_json(
        http.post(format!("{base}/_emulator/tokens"))
            .json(&json!({"partnerTenantId": partner, "roles": ["AdminAgent"], "expiresInSeconds": 86400}))
            .send()
            .await,
        200,
        "POST /_emulator/tokens",
    )
    .await;
    let token = token["access_token"].as_str().unwrap_or_else(|| die("no access_token")).to_string();
    let mut ids = Vec::new();
    for i in 0..customers {
        let created = expect_json(
            http.post(format!("{base}/v1/customers"))
                .bearer_auth(&token)
                .json(&customer_body(&format!("s{tag}c{i}")))
                .send()
                .await,
            201,
            "POST /v1/customers",
        )
        .await;
        ids.push(created["id"].as_str().unwrap_or_else(|| die("no customer id")).to_string());
    }
    write_json(&state_path, &json!({"partner": partner, "token": token, "tag": tag, "customers": ids}));
    println!("setup: partner {partner}, {customers} customers, run tag {tag}");
    0
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Customer,
    Agreement,
    Read,
    Ready,
}

impl Kind {
    fn is_write(self) -> bool {
        matches!(self, Kind::Customer | Kind::Agreement)
    }
}

#[derive(Clone)]
enum Outcome {
    Response {
        status: u16,
        retryable: Option<bool>,
        retry_after: Option<String>,
        code: Option<i64>,
    },
    /// No HTTP response: `connect` (refused: nothing was sent), `timeout`, or `closed` (the
    /// connection was closed or reset after the request went out).
    Transport {
        class: &'static str,
        detail: String,
    },
}

#[derive(Clone)]
struct Record {
    kind: Kind,
    sent_ms: i64,
    done_ms: i64,
    latency: Duration,
    outcome: Outcome,
    /// Writes: the customer (empty for a creation) and the email or domain that identifies it.
    customer: String,
    key: String,
    /// A created customer's id, from the 201 body.
    created_id: Option<String>,
    /// The MS-RequestId sent with a write (to find it in the emulator's log, and to retry it).
    request_id: String,
    /// A write's path and body, to retry it.
    path: String,
    body: Value,
}

impl Record {
    fn status(&self) -> Option<u16> {
        match self.outcome {
            Outcome::Response { status, .. } => Some(status),
            Outcome::Transport { .. } => None,
        }
    }

    fn ok(&self) -> bool {
        self.status().is_some_and(|s| (200..300).contains(&s))
    }

    /// A 503 the way the contract promises it: retryable, with Retry-After.
    fn proper_503(&self) -> bool {
        matches!(&self.outcome, Outcome::Response { status: 503, retryable: Some(true), retry_after: Some(r), .. } if !r.is_empty())
    }

    fn describe(&self) -> String {
        let what = match self.kind {
            Kind::Customer => "POST /v1/customers",
            Kind::Agreement => "POST /v1/customers/{id}/agreements",
            Kind::Read => "GET /v1/customers/{id}/agreements",
            Kind::Ready => "GET /_emulator/ready",
        };
        let outcome = match &self.outcome {
            Outcome::Response { status, retryable, retry_after, code } => {
                format!("status {status}, code {code:?}, isRetryable {retryable:?}, Retry-After {retry_after:?}")
            }
            Outcome::Transport { class, detail } => format!("no response ({class}: {detail})"),
        };
        format!("{what} sent at {} took {:.3} s: {outcome}", self.sent_ms, self.latency.as_secs_f64())
    }
}

fn transport_class(e: &reqwest::Error) -> &'static str {
    if e.is_connect() {
        "connect"
    } else if e.is_timeout() {
        "timeout"
    } else {
        "closed"
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

async fn send(request: reqwest::RequestBuilder, kind: Kind, customer: String, key: String) -> Record {
    let sent_ms = now_ms();
    let started = Instant::now();
    let outcome = request.send().await;
    let (outcome, created_id) = match outcome {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
            match response.bytes().await {
                Ok(body) => {
                    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let retryable = body.get("isRetryable").and_then(Value::as_bool);
                    let code = body.get("code").and_then(Value::as_i64);
                    let created = body.get("id").and_then(Value::as_str).map(str::to_string);
                    (Outcome::Response { status, retryable, retry_after, code }, created)
                }
                Err(e) => {
                    (Outcome::Transport { class: "closed", detail: format!("body cut off: {}", error_chain(&e)) }, None)
                }
            }
        }
        Err(e) => (Outcome::Transport { class: transport_class(&e), detail: error_chain(&e) }, None),
    };
    let done_ms = now_ms();
    let (request_id, path, body) = (String::new(), String::new(), Value::Null);
    Record {
        kind,
        sent_ms,
        done_ms,
        latency: started.elapsed(),
        outcome,
        customer,
        key,
        created_id,
        request_id,
        path,
        body,
    }
}

/// The script's marks: `<name> <unix-ms>` per line, in the order they happened.
fn read_marks(path: &str) -> Vec<(String, i64)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_string(), parts.next()?.parse().ok()?))
        })
        .collect()
}

fn mark(marks: &[(String, i64)], name: &str) -> Option<i64> {
    marks.iter().find(|(n, _)| n == name).map(|(_, t)| *t)
}

struct Checks {
    failures: Vec<String>,
}

impl Checks {
    fn require(&mut self, ok: bool, what: impl Into<String>) {
        let what = what.into();
        println!("check {} {what}", if ok { "ok  " } else { "FAIL" });
        if !ok {
            self.failures.push(what);
        }
    }

    /// Every record `bad` picks is a failure; prints the first few.
    fn none(&mut self, records: &[&Record], what: &str, bad: impl Fn(&Record) -> bool) {
        let offenders: Vec<&&Record> = records.iter().filter(|r| bad(r)).collect();
        self.require(offenders.is_empty(), format!("{what} ({} offending of {})", offenders.len(), records.len()));
        for r in offenders.iter().take(5) {
            println!("       {}", r.describe());
        }
    }
}

fn figure(name: &str, value: impl std::fmt::Display) {
    println!("figure {name:<44} {value}");
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn max_latency<'a>(records: impl Iterator<Item = &'a Record>) -> Duration {
    records.map(|r| r.latency).max().unwrap_or_default()
}

async fn load(args: &Args) -> i32 {
    let base = args.pos(1, "base url");
    let state = read_json(&args.pos(2, "state file"));
    let ledger_path = args.pos(3, "ledger file");
    let scenario = args.path("scenario").unwrap_or_else(|| die("--scenario outage|kill|sigterm"));
    if !matches!(scenario.as_str(), "outage" | "kill" | "sigterm") {
        die(format!("unknown scenario {scenario}"));
    }
    let stop_file = args.path("stop-file").unwrap_or_else(|| die("--stop-file"));
    let marks_file = args.path("marks").unwrap_or_else(|| die("--marks"));
    let concurrency = args.num("concurrency", 16) as usize;
    let max_seconds = args.num("max-seconds", 120);
    let bound = Duration::from_millis(args.num("bound-ms", 10_000));
    let reads = args.flag("reads");
    let probe_ready = args.flag("probe-ready");
    // Customer creations (argon2, tens of milliseconds) keep requests in flight long enough for a
    // signal to land in the middle of one; confirmations are the fast, frequent write.
    let customer_every = args.num("customer-every", 8).max(1);
    let token = state["token"].as_str().unwrap_or_else(|| die("state: token")).to_string();
    let tag = state["tag"].as_str().unwrap_or_else(|| die("state: tag")).to_string();
    let customers: Vec<String> = state["customers"]
        .as_array()
        .unwrap_or_else(|| die("state: customers"))
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    if customers.is_empty() {
        die("state: no customers");
    }
    // A hang shows up as a client timeout well past the bound, never as a stuck driver.
    let http = client(bound * 3, concurrency);
    let customers = Arc::new(customers);
    let records = Arc::new(Mutex::new(Vec::<Record>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    // One run tag per load so that two loads on one database never write the same contact.
    let run = format!("{tag}{}", scenario.chars().next().unwrap_or('x'));

    let watcher = {
        let stop = stop.clone();
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if std::path::Path::new(&stop_file).exists() || started.elapsed().as_secs() >= max_seconds {
                    stop.store(true, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (http, base, token, customers, records, stop, counter, run) = (
            http.clone(),
            base.clone(),
            token.clone(),
            customers.clone(),
            records.clone(),
            stop.clone(),
            counter.clone(),
            run.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let customer = customers[(n as usize / 3) % customers.len()].clone();
                let request_id = uuid::Uuid::new_v4().to_string();
                let mut record = if n % customer_every == 0 {
                    let domain = format!("r{run}n{n}");
                    let (path, body) = ("/v1/customers".to_string(), customer_body(&domain));
                    let req = http
                        .post(format!("{base}{path}"))
                        .bearer_auth(&token)
                        .header("MS-RequestId", &request_id)
                        .json(&body);
                    let mut record =
                        send(req, Kind::Customer, String::new(), format!("{domain}.onmicrosoft.com")).await;
                    (record.path, record.body) = (path, body);
                    record
                } else if reads && n % 4 == 1 {
                    let req = http
                        .get(format!("{base}/v1/customers/{customer}/agreements?agreementType=*"))
                        .bearer_auth(&token);
                    send(req, Kind::Read, customer, String::new()).await
                } else {
                    let email = format!("w{run}n{n}@reliability.example");
                    let path = format!("/v1/customers/{customer}/agreements");
                    let body = json!({
                        "primaryContact": {"firstName": "Rel", "lastName": format!("W{n}"), "email": email},
                        "templateId": MCA_TEMPLATE,
                        "dateAgreed": "2024-01-01T00:00:00Z",
                        "type": "MicrosoftCustomerAgreement"
                    });
                    let req = http
                        .post(format!("{base}{path}"))
                        .bearer_auth(&token)
                        .header("MS-RequestId", &request_id)
                        .json(&body);
                    let mut record = send(req, Kind::Agreement, customer, email).await;
                    (record.path, record.body) = (path, body);
                    record
                };
                record.request_id = request_id;
                let failed = record.status().is_none();
                records.lock().unwrap_or_else(|e| e.into_inner()).push(record);
                if failed {
                    // The server is gone (killed, stopped): don't spin on refused connections.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    if probe_ready {
        let (http, base, records, stop) = (http.clone(), base.clone(), records.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let record =
                    send(http.get(format!("{base}/_emulator/ready")), Kind::Ready, String::new(), String::new()).await;
                records.lock().unwrap_or_else(|e| e.into_inner()).push(record);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let _ = watcher.await;
    let elapsed = started.elapsed();
    let records = std::mem::take(&mut *records.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(path) = args.path("records") {
        write_records(&path, &records);
    }
    let marks = read_marks(&marks_file);
    let code = judge(&scenario, &records, &marks, bound, elapsed);
    write_ledger(&ledger_path, &records);
    code
}

fn write_records(path: &str, records: &[Record]) {
    let mut csv = String::from("kind,sent_ms,done_ms,latency_ms,status,code,retryable,retry_after,transport\n");
    for r in records {
        let kind = match r.kind {
            Kind::Customer => "customer",
            Kind::Agreement => "agreement",
            Kind::Read => "read",
            Kind::Ready => "ready",
        };
        let (status, code, retryable, retry_after, transport) = match &r.outcome {
            Outcome::Response { status, retryable, retry_after, code } => (
                status.to_string(),
                code.map(|c| c.to_string()).unwrap_or_default(),
                retryable.map(|b| b.to_string()).unwrap_or_default(),
                retry_after.clone().unwrap_or_default(),
                String::new(),
            ),
            Outcome::Transport { class, detail } => (
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                format!("{class}: {}", detail.replace(',', ";")),
            ),
        };
        csv.push_str(&format!(
            "{kind},{},{},{:.1},{status},{code},{retryable},{retry_after},{transport}\n",
            r.sent_ms,
            r.done_ms,
            r.latency.as_secs_f64() * 1000.0
        ));
    }
    if let Err(e) = std::fs::write(path, csv) {
        eprintln!("reliability-load: {path}: {e}");
    }
}

/// Acknowledged writes (2xx) and the writes that got no 2xx, for `verify`.
fn write_ledger(path: &str, records: &[Record]) {
    let mut acked_customers = Vec::new();
    let mut acked_agreements = Vec::new();
    let mut unacked = Vec::new();
    for r in records.iter().filter(|r| r.kind.is_write()) {
        let outcome = match &r.outcome {
            Outcome::Response { status, .. } => format!("status {status}"),
            Outcome::Transport { class, .. } => class.to_string(),
        };
        match (r.ok(), r.kind) {
            (true, Kind::Customer) => {
                acked_customers.push(json!({"id": r.created_id, "domain": r.key}));
            }
            (true, _) => acked_agreements.push(json!({"customer": r.customer, "email": r.key})),
            (false, kind) => unacked.push(json!({
                "kind": if kind == Kind::Customer { "customer" } else { "agreement" },
                "customer": r.customer, "key": r.key, "outcome": outcome, "sentMs": r.sent_ms,
                "requestId": r.request_id, "path": r.path, "body": r.body
            })),
        }
    }
    write_json(
        path,
        &json!({"ackedCustomers": acked_customers, "ackedAgreements": acked_agreements, "unacked": unacked}),
    );
}

fn judge(scenario: &str, records: &[Record], marks: &[(String, i64)], bound: Duration, elapsed: Duration) -> i32 {
    let mut checks = Checks { failures: Vec::new() };
    let all: Vec<&Record> = records.iter().collect();
    let load: Vec<&Record> = records.iter().filter(|r| r.kind != Kind::Ready).collect();
    let writes: Vec<&Record> = load.iter().copied().filter(|r| r.kind.is_write()).collect();
    let acked = writes.iter().filter(|r| r.ok()).count();
    let mut statuses = BTreeMap::<String, usize>::new();
    for r in &load {
        let key = match &r.outcome {
            Outcome::Response { status, .. } => status.to_string(),
            Outcome::Transport { class, .. } => format!("no-response:{class}"),
        };
        *statuses.entry(key).or_default() += 1;
    }
    println!("== figures: scenario {scenario}, {:.1} s of load", elapsed.as_secs_f64());
    figure("requests sent", load.len());
    figure("  writes sent", writes.len());
    figure("  reads sent", load.len() - writes.len());
    figure("outcomes", statuses.iter().map(|(k, v)| format!("{k}x{v}")).collect::<Vec<_>>().join(" "));
    figure("writes acknowledged (2xx)", acked);
    figure("  customers created (201)", writes.iter().filter(|r| r.ok() && r.kind == Kind::Customer).count());
    figure("  acceptances confirmed (201)", writes.iter().filter(|r| r.ok() && r.kind == Kind::Agreement).count());
    figure("max latency, whole run", secs(max_latency(all.iter().copied())));
    checks.require(acked > 0, "the load got writes acknowledged");

    match scenario {
        "outage" => judge_outage(&mut checks, &all, marks, bound),
        "kill" => {
            let Some(kill) = mark(marks, "kill") else {
                checks.require(false, "the script marked the kill");
                return 1;
            };
            // Before the kill the emulator was healthy: every answer is a success.
            checks.none(&load, "every response is 2xx", |r| r.status().is_some() && !r.ok());
            checks.none(&load, "no request failed without a response before the kill", |r| {
                r.status().is_none() && r.done_ms < kill
            });
            let cut = load.iter().filter(|r| matches!(r.outcome, Outcome::Transport { class: "closed", .. })).count();
            figure("requests cut off by the kill (no response)", cut);
            figure("writes acknowledged before the kill", writes.iter().filter(|r| r.ok()).count());
        }
        _ => judge_sigterm(&mut checks, &load, marks),
    }
    if checks.failures.is_empty() {
        println!("load: all checks passed");
        0
    } else {
        println!("load: {} check(s) failed", checks.failures.len());
        1
    }
}

fn judge_outage(checks: &mut Checks, all: &[&Record], marks: &[(String, i64)], bound: Duration) {
    let load: Vec<&Record> = all.iter().copied().filter(|r| r.kind != Kind::Ready).collect();
    let probes: Vec<&Record> = all.iter().copied().filter(|r| r.kind == Kind::Ready).collect();
    // The emulator never goes away: every request gets an answer, within the bound, and every
    // answer is a success or the promised 503.
    checks.none(all, "every request got an HTTP response", |r| r.status().is_none());
    checks.none(all, &format!("every request answered within {}", secs(bound)), |r| r.latency > bound);
    checks.none(&load, "every answer is 2xx or 503 with isRetryable true and Retry-After", |r| {
        !(r.ok() || r.proper_503())
    });
    // Windows: (outage_start, outage_end, pg_back), in order.
    let mut windows = Vec::new();
    let mut current: (Option<i64>, Option<i64>) = (None, None);
    for (name, t) in marks {
        match name.as_str() {
            "outage_start" => current = (Some(*t), None),
            "outage_end" => current.1 = Some(*t),
            "pg_back" => {
                if let (Some(s), Some(e)) = current {
                    windows.push((s, e, *t));
                }
                current = (None, None);
            }
            _ => {}
        }
    }
    checks.require(!windows.is_empty(), "the script marked at least one outage");
    let first_start = windows.first().map_or(i64::MAX, |w| w.0);
    let before = load.iter().filter(|r| r.ok() && r.kind.is_write() && r.done_ms < first_start).count();
    figure("writes acknowledged before the first outage", before);
    checks.require(before > 0, "writes were acknowledged before the outage");
    for (i, (start, end, back)) in windows.iter().enumerate() {
        let n = i + 1;
        // Sent after PostgreSQL was down, answered before it was started again.
        let inside: Vec<&Record> = load.iter().copied().filter(|r| r.sent_ms >= *start && r.done_ms <= *end).collect();
        let probes_inside: Vec<&Record> =
            probes.iter().copied().filter(|r| r.sent_ms >= *start && r.done_ms <= *end).collect();
        let next_start = windows.get(i + 1).map_or(i64::MAX, |w| w.0);
        let after_ok = load
            .iter()
            .filter(|r| r.ok() && r.kind.is_write() && r.sent_ms >= *end && r.done_ms < next_start)
            .map(|r| r.done_ms)
            .min();
        let ready_after =
            probes.iter().filter(|r| r.ok() && r.sent_ms >= *end && r.done_ms < next_start).map(|r| r.done_ms).min();
        println!("-- outage {n}: PostgreSQL down for {:.1} s", (*end - *start) as f64 / 1000.0);
        figure(&format!("outage {n}: requests sent and answered inside"), inside.len());
        figure(&format!("outage {n}: 503s inside"), inside.iter().filter(|r| r.proper_503()).count());
        figure(&format!("outage {n}: max latency inside"), secs(max_latency(inside.iter().copied())));
        figure(&format!("outage {n}: ready probes inside"), probes_inside.len());
        figure(&format!("outage {n}: max ready latency inside"), secs(max_latency(probes_inside.iter().copied())));
        checks.require(!inside.is_empty(), format!("outage {n}: requests were sent and answered during the outage"));
        checks.none(&inside, &format!("outage {n}: every answer inside is 503, isRetryable, Retry-After"), |r| {
            !r.proper_503()
        });
        checks.require(!probes_inside.is_empty(), format!("outage {n}: readiness was probed during the outage"));
        checks.none(&probes_inside, &format!("outage {n}: /_emulator/ready answered 503 during the outage"), |r| {
            r.status() != Some(503)
        });
        // From the moment `pg_ctl start` was run: PostgreSQL's own start (crash recovery after
        // an immediate stop) plus the emulator's reconnection.
        let since_start =
            |t: Option<i64>| t.map_or("none".to_string(), |t| secs(Duration::from_millis((t - end).max(0) as u64)));
        figure(&format!("outage {n}: PostgreSQL accepting connections after"), since_start(Some(*back)));
        figure(&format!("outage {n}: first 2xx write after"), since_start(after_ok));
        figure(&format!("outage {n}: first ready 200 after"), since_start(ready_after));
        checks.require(after_ok.is_some(), format!("outage {n}: writes succeed again without a restart"));
        checks.require(ready_after.is_some(), format!("outage {n}: /_emulator/ready answered 200 again"));
    }
    let last_end = windows.last().map_or(i64::MAX, |w| w.1);
    figure("503 answers over the whole run", load.iter().filter(|r| r.status() == Some(503)).count());
    figure("max latency of a 503", secs(max_latency(load.iter().copied().filter(|r| r.status() == Some(503)))));
    figure(
        "writes acknowledged after the last outage",
        load.iter().filter(|r| r.ok() && r.kind.is_write() && r.sent_ms >= last_end).count(),
    );
}

fn judge_sigterm(checks: &mut Checks, load: &[&Record], marks: &[(String, i64)]) {
    let Some(term) = mark(marks, "sigterm") else {
        checks.require(false, "the script marked the SIGTERM");
        return;
    };
    // Draining: whatever the emulator answered, it answered in full and with success.
    checks.none(load, "every response is 2xx", |r| r.status().is_some() && !r.ok());
    checks.none(load, "no request failed without a response before the SIGTERM", |r| {
        r.status().is_none() && r.done_ms < term
    });
    let in_flight: Vec<&Record> = load.iter().copied().filter(|r| r.sent_ms < term && r.done_ms >= term).collect();
    let answered = in_flight.iter().filter(|r| r.ok()).count();
    let refused = load.iter().filter(|r| matches!(r.outcome, Outcome::Transport { class: "connect", .. })).count();
    let closed: Vec<&Record> = load
        .iter()
        .copied()
        .filter(|r| matches!(r.outcome, Outcome::Transport { class, .. } if class != "connect"))
        .collect();
    figure("requests in flight at SIGTERM", in_flight.len());
    figure("  of which answered 2xx after the SIGTERM", answered);
    figure("  of which writes answered 2xx", in_flight.iter().filter(|r| r.ok() && r.kind.is_write()).count());
    let drained = in_flight.iter().filter(|r| r.ok()).map(|r| r.done_ms - term).max().unwrap_or(0);
    figure("  last of them answered after the SIGTERM", format!("{drained} ms"));
    figure("requests refused after the SIGTERM (connect)", refused);
    // A request cut off is one the emulator never read: it was written to a kept-alive connection
    // as the emulator closed it (idle connections close at once when the drain starts). `verify
    // --unacked-must-be-absent` checks that none of them was processed.
    figure("requests cut off without a response (closed)", closed.len());
    figure("  of which sent before the SIGTERM", closed.iter().filter(|r| r.sent_ms < term).count());
    for r in closed.iter().take(5) {
        println!("       {} ({} ms after the SIGTERM)", r.describe(), r.sent_ms - term);
    }
    checks.require(answered > 0, "requests were in flight at the SIGTERM and were answered");
    checks.none(load, "no request timed out", |r| matches!(r.outcome, Outcome::Transport { class: "timeout", .. }));
}

fn agreement_emails(body: &Value) -> HashSet<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items.iter().filter_map(|a| a["primaryContact"]["email"].as_str().map(str::to_ascii_lowercase)).collect()
        })
        .unwrap_or_default()
}

/// Read every acknowledged write back; report what became of the unacknowledged ones.
async fn verify(args: &Args) -> i32 {
    let base = args.pos(1, "base url");
    let state = read_json(&args.pos(2, "state file"));
    let ledger = read_json(&args.pos(3, "ledger file"));
    let unacked_must_be_absent = args.flag("unacked-must-be-absent");
    let token = state["token"].as_str().unwrap_or_else(|| die("state: token")).to_string();
    let http = client(Duration::from_secs(30), 4);
    let empty = Vec::new();
    let acked_customers = ledger["ackedCustomers"].as_array().unwrap_or(&empty);
    let acked_agreements = ledger["ackedAgreements"].as_array().unwrap_or(&empty);
    let unacked = ledger["unacked"].as_array().unwrap_or(&empty);
    let mut missing = Vec::new();

    // Customers: every acknowledged creation by id; the list for the unacknowledged ones.
    let listed = expect_json(
        http.get(format!("{base}/v1/customers")).bearer_auth(&token).send().await,
        200,
        "GET /v1/customers",
    )
    .await;
    let domains: HashSet<String> = listed["items"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|c| c["companyProfile"]["domain"].as_str().map(str::to_ascii_lowercase))
        .collect();
    for c in acked_customers {
        let id = c["id"].as_str().unwrap_or_default();
        let domain = c["domain"].as_str().unwrap_or_default();
        let response = http.get(format!("{base}/v1/customers/{id}")).bearer_auth(&token).send().await;
        let found = match response {
            Ok(r) if r.status().as_u16() == 200 => {
                let body: Value = r.json().await.unwrap_or(Value::Null);
                body["companyProfile"]["domain"].as_str() == Some(domain)
            }
            Ok(_) => false,
            Err(e) => die(format!("GET /v1/customers/{id}: {e}")),
        };
        if !found {
            missing.push(format!("customer {id} ({domain})"));
        }
    }

    // Acceptances: one list per customer, every acknowledged contact in it.
    let mut per_customer: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut wanted: Vec<String> =
        acked_agreements.iter().filter_map(|a| a["customer"].as_str().map(str::to_string)).collect();
    wanted.extend(
        unacked.iter().filter(|u| u["kind"] == "agreement").filter_map(|u| u["customer"].as_str().map(str::to_string)),
    );
    for customer in wanted {
        if per_customer.contains_key(&customer) {
            continue;
        }
        let body = expect_json(
            http.get(format!("{base}/v1/customers/{customer}/agreements?agreementType=*"))
                .bearer_auth(&token)
                .send()
                .await,
            200,
            "GET /v1/customers/{id}/agreements",
        )
        .await;
        per_customer.insert(customer, agreement_emails(&body));
    }
    for a in acked_agreements {
        let customer = a["customer"].as_str().unwrap_or_default();
        let email = a["email"].as_str().unwrap_or_default().to_ascii_lowercase();
        if !per_customer.get(customer).is_some_and(|emails| emails.contains(&email)) {
            missing.push(format!("acceptance {email} for customer {customer}"));
        }
    }

    let total = acked_customers.len() + acked_agreements.len();
    let mut present_unacked = Vec::new();
    for u in unacked {
        let key = u["key"].as_str().unwrap_or_default().to_ascii_lowercase();
        let present = if u["kind"] == "customer" {
            domains.contains(&key)
        } else {
            per_customer.get(u["customer"].as_str().unwrap_or_default()).is_some_and(|e| e.contains(&key))
        };
        if present {
            present_unacked.push(format!(
                "{} {key} ({}, MS-RequestId {})",
                u["kind"].as_str().unwrap_or(""),
                u["outcome"].as_str().unwrap_or(""),
                u["requestId"].as_str().unwrap_or("")
            ));
        }
    }
    println!("== verify");
    figure("acknowledged writes read back", format!("{} of {total}", total - missing.len()));
    figure("  customers", acked_customers.len());
    figure("  acceptances", acked_agreements.len());
    figure("unacknowledged writes", unacked.len());
    figure("  of which present anyway", present_unacked.len());
    for m in missing.iter().take(10) {
        println!("       missing: {m}");
    }
    let mut code = 0;
    if missing.is_empty() {
        println!("check ok   every acknowledged write is present ({total})");
    } else {
        println!("check FAIL {} acknowledged write(s) missing", missing.len());
        code = 1;
    }
    if total == 0 {
        println!("check FAIL nothing to verify");
        code = 1;
    }
    for p in present_unacked.iter().take(10) {
        println!("       processed without a 2xx reaching the client: {p}");
    }
    if unacked_must_be_absent {
        if present_unacked.is_empty() {
            println!("check ok   no write without an answer was processed (none was cut off mid-request)");
        } else {
            println!("check FAIL {} write(s) were processed but their answer was lost", present_unacked.len());
            code = 1;
        }
    }
    code
}

/// How many times each key is stored: customers by domain, acceptances by customer and email.
async fn stored_counts(http: &Client, base: &str, token: &str, unacked: &[Value]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let listed =
        expect_json(http.get(format!("{base}/v1/customers")).bearer_auth(token).send().await, 200, "GET /v1/customers")
            .await;
    for c in listed["items"].as_array().into_iter().flatten() {
        if let Some(domain) = c["companyProfile"]["domain"].as_str() {
            *counts.entry(format!("customer {}", domain.to_ascii_lowercase())).or_default() += 1;
        }
    }
    let customers: HashSet<&str> =
        unacked.iter().filter(|u| u["kind"] == "agreement").filter_map(|u| u["customer"].as_str()).collect();
    for customer in customers {
        let body = expect_json(
            http.get(format!("{base}/v1/customers/{customer}/agreements?agreementType=*"))
                .bearer_auth(token)
                .send()
                .await,
            200,
            "GET /v1/customers/{id}/agreements",
        )
        .await;
        for a in body["items"].as_array().into_iter().flatten() {
            if let Some(email) = a["primaryContact"]["email"].as_str() {
                *counts.entry(format!("agreement {customer} {}", email.to_ascii_lowercase())).or_default() += 1;
            }
        }
    }
    counts
}

fn stored_key(u: &Value) -> String {
    let key = u["key"].as_str().unwrap_or_default().to_ascii_lowercase();
    match u["kind"].as_str() {
        Some("customer") => format!("customer {key}"),
        _ => format!("agreement {} {key}", u["customer"].as_str().unwrap_or_default()),
    }
}

/// Retry every unacknowledged write with its MS-RequestId, as a client would after the fault.
async fn retry(args: &Args) -> i32 {
    let base = args.pos(1, "base url");
    let state = read_json(&args.pos(2, "state file"));
    let ledger = read_json(&args.pos(3, "ledger file"));
    let token = state["token"].as_str().unwrap_or_else(|| die("state: token")).to_string();
    let http = client(Duration::from_secs(30), 4);
    let unacked: Vec<Value> = ledger["unacked"].as_array().cloned().unwrap_or_default();
    let before = stored_counts(&http, &base, &token, &unacked).await;
    let mut checks = Checks { failures: Vec::new() };
    let (mut replayed, mut ran_anew, mut wrong) = (0, 0, Vec::new());
    let mut slowest = Duration::ZERO;
    for u in &unacked {
        let key = stored_key(u);
        let stored = before.get(&key).copied().unwrap_or(0);
        let started = Instant::now();
        let response = http
            .post(format!("{base}{}", u["path"].as_str().unwrap_or_default()))
            .bearer_auth(&token)
            .header("MS-RequestId", u["requestId"].as_str().unwrap_or_default())
            .json(&u["body"])
            .send()
            .await
            .unwrap_or_else(|e| die(format!("retry of {key}: {e}")));
        slowest = slowest.max(started.elapsed());
        let status = response.status().as_u16();
        let replay = response.headers().get("x-pce-replayed").is_some();
        let body = response.text().await.unwrap_or_default();
        match (status, replay, stored) {
            (201, true, 1) => replayed += 1,
            (201, false, 0) => ran_anew += 1,
            _ => wrong.push(format!(
                "{key} ({}, MS-RequestId {}): stored {stored} time(s) before the retry, which got {status}{}: {body}",
                u["outcome"].as_str().unwrap_or_default(),
                u["requestId"].as_str().unwrap_or_default(),
                if replay { " (replayed)" } else { "" },
            )),
        }
    }
    let after = stored_counts(&http, &base, &token, &unacked).await;
    let not_once: Vec<String> = unacked
        .iter()
        .map(stored_key)
        .filter(|k| after.get(k).copied().unwrap_or(0) != 1)
        .map(|k| format!("{k}: stored {} time(s)", after.get(&k).copied().unwrap_or(0)))
        .collect();
    println!("== retry of the unacknowledged writes, with their MS-RequestId");
    figure("unacknowledged writes retried", unacked.len());
    figure("  stored before: answered with the kept answer", replayed);
    figure("  not stored: run anew", ran_anew);
    figure("  anything else (990408, 409, a replay of nothing)", wrong.len());
    figure("slowest retry", secs(slowest));
    for w in wrong.iter().take(10) {
        println!("       {w}");
    }
    for n in not_once.iter().take(10) {
        println!("       {n}");
    }
    checks
        .require(wrong.is_empty(), "every retry is a replay of a stored write or a new run of one that was not stored");
    checks.require(not_once.is_empty(), "after the retries every write is stored exactly once");
    i32::from(!checks.failures.is_empty())
}

/// A slowloris: `--connections` connections that send a request's headers a byte every 200 ms
/// and, when the emulator closes them, open again, for `--seconds`; meanwhile a client asks for
/// `/_emulator/clock` twice a second, retrying at once on 503 990434 (the connection cap), and the
/// readiness probe is polled. Every request of the client must succeed within `--bound-ms` of
/// its first attempt, and readiness must stay 200: the slow ones cannot hold the cap, they give
/// their places to newcomers.
async fn slowloris(args: &Args) -> i32 {
    use tokio::io::AsyncWriteExt;
    let base = args.pos(1, "base url");
    let connections = args.num("connections", 100) as usize;
    let seconds = args.num("seconds", 15);
    let bound = Duration::from_millis(args.num("bound-ms", 5000));
    let addr = base.trim_start_matches("http://").to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let reopened = Arc::new(AtomicU64::new(0));
    let mut slow = Vec::new();
    for _ in 0..connections {
        let (addr, stop, reopened) = (addr.clone(), stop.clone(), reopened.clone());
        slow.push(tokio::spawn(async move {
            let request = b"GET /_emulator/clock HTTP/1.1\r\nHost: slow\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut stream) = tokio::net::TcpStream::connect(&addr).await else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                for byte in request.iter().take(request.len() - 2) {
                    if stop.load(Ordering::Relaxed) || stream.write_all(&[*byte]).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                reopened.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let http = client(Duration::from_secs(30), 0);
    let started = Instant::now();
    let (mut served, mut slowest, mut attempts_total, mut late) = (0u64, Duration::ZERO, 0u64, Vec::new());
    let (mut ready_503, mut ready_checks) = (0u64, 0u64);
    while started.elapsed() < Duration::from_secs(seconds) {
        ready_checks += 1;
        if let Ok(r) = http.get(format!("{base}/_emulator/ready")).send().await {
            if r.status().as_u16() == 503 {
                ready_503 += 1;
            }
        }
        let first = Instant::now();
        let mut attempts = 0u64;
        loop {
            attempts += 1;
            match http.get(format!("{base}/_emulator/clock")).send().await {
                Ok(r) if r.status().is_success() => break,
                Ok(r) if r.status().as_u16() == 503 => {}
                Ok(r) => die(format!("unexpected status {} for the client's request", r.status())),
                Err(_) => {}
            }
            if first.elapsed() > bound * 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let took = first.elapsed();
        attempts_total += attempts;
        served += 1;
        slowest = slowest.max(took);
        if took > bound {
            late.push(took);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in slow {
        let _ = task.await;
    }
    println!("== slowloris: {connections} slow connections for {seconds} s");
    figure("slow connections closed by the emulator and reopened", reopened.load(Ordering::Relaxed));
    figure("client requests", served);
    figure("  attempts (503 990434 retried)", attempts_total);
    figure("  slowest, from the first attempt to its 2xx", secs(slowest));
    figure("readiness checks answered 503", format!("{ready_503} of {ready_checks}"));
    let mut checks = Checks { failures: Vec::new() };
    checks.require(late.is_empty(), format!("every client request succeeded within {}", secs(bound)));
    checks.require(reopened.load(Ordering::Relaxed) > 0, "the emulator closed slow connections");
    checks.require(ready_503 == 0, "readiness stayed 200: the slow connections give their places to newcomers");
    i32::from(!checks.failures.is_empty())
}

/// What a hoarding socket does once connected, before it waits for the emulator to close it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Hoard {
    /// Sends nothing.
    Silent,
    /// Sends half of a request's headers.
    HalfHeaders,
    /// Sends a POST's headers and 20 of the 200 bytes its Content-Length announces.
    StalledBody,
    /// Sends one whole request, reads the answer, and stays connected without another.
    Idle,
}

impl Hoard {
    fn name(self) -> &'static str {
        match self {
            Hoard::Silent => "silent",
            Hoard::HalfHeaders => "half-sent headers",
            Hoard::StalledBody => "stalled body",
            Hoard::Idle => "idle after one request",
        }
    }
}

/// A hoarding socket's turn: from its stall (connected and done sending, or answered) to the
/// emulator's close; None when the run ended first.
struct Held {
    mode: Hoard,
    held: Option<Duration>,
    /// From the stall to the close, or to the end of the run.
    waited: Duration,
    answered_408: bool,
}

/// An MS-RequestId of its own for each client request.
fn uuid_like(client: u64, n: u64) -> String {
    format!("40a2d000-{client:04x}-4000-8000-{:012x}", (now_ms() as u64 & 0xffff_ffff) << 16 | (n & 0xffff))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// One hoarding socket's turn: connect, do what `mode` does, wait for the close (until `end`).
async fn hoard_once(addr: &str, token: &str, mode: Hoard, end: Instant) -> Option<Held> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = match tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        _ => return None,
    };
    let mut buf = vec![0u8; 4096];
    let sent = match mode {
        Hoard::Silent => Ok(()),
        Hoard::HalfHeaders => stream.write_all(b"GET /_emulator/clock HTTP/1.1\r\nHost: hoard\r\nX-Half: aaaa").await,
        Hoard::StalledBody => {
            let head = format!(
                "POST /v1/customers HTTP/1.1\r\nHost: hoard\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"companyProfile\": {{"
            );
            stream.write_all(head.as_bytes()).await
        }
        Hoard::Idle => {
            let sent = stream.write_all(b"GET /_emulator/health HTTP/1.1\r\nHost: hoard\r\n\r\n").await;
            // the whole answer: its headers and its short body
            let mut answer = Vec::new();
            while sent.is_ok() && !answer.ends_with(b"}") {
                match tokio::time::timeout_at(end.into(), stream.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => answer.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            sent
        }
    };
    let stalled = Instant::now();
    let mut first = Vec::new();
    let closed = async {
        if sent.is_err() {
            return;
        }
        loop {
            match stream.read(&mut buf).await {
                Ok(n) if n > 0 => {
                    if first.len() < 64 {
                        first.extend_from_slice(&buf[..n.min(64)]);
                    }
                }
                _ => return,
            }
        }
    };
    let held = tokio::time::timeout_at(end.into(), closed).await.ok().map(|()| stalled.elapsed());
    Some(Held { mode, held, waited: stalled.elapsed(), answered_408: first.starts_with(b"HTTP/1.1 408") })
}

/// A raw readiness probe as the image's HEALTHCHECK makes it (`partner-center-emulator
/// healthcheck`): a new connection, `Connection: close`, 3 s to connect and 3 s to answer.
async fn healthcheck(addr: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connect = tokio::net::TcpStream::connect(addr);
    let mut stream = tokio::time::timeout(Duration::from_secs(3), connect).await.ok()?.ok()?;
    let request = format!("GET /_emulator/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut head = vec![0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut head)).await.ok()?.ok()?;
    String::from_utf8_lossy(&head[..n]).split_whitespace().nth(1)?.parse().ok()
}

/// Connections that hoard places: `--sockets` sockets, each doing what `--mode` says (silent,
/// half-headers, stalled-body, idle, or mixed: silent, half-sent headers and stalled bodies in
/// turn) and reopened as soon as the emulator closes it, for `--seconds`. Meanwhile well-behaved
/// clients (`--clients`, half on a new connection per request, half on kept-alive connections)
/// read and write through the API without retrying, and a readiness probe like the image's
/// HEALTHCHECK runs every second. Every client request must succeed, its p99 within `--bound-ms`,
/// and every probe answer 200; with `--close-within-ms`, every hoarding socket must be closed by
/// the emulator within that long of its stall.
async fn hoard(args: &Args) -> i32 {
    let base = args.pos(1, "base url");
    let state = read_json(&args.pos(2, "state file"));
    let token = state["token"].as_str().unwrap_or_else(|| die("state: no token")).to_string();
    let tag = state["tag"].as_str().unwrap_or("t").to_string();
    let customer = state["customers"][0].as_str().unwrap_or_else(|| die("state: no customer")).to_string();
    let mode = args.path("mode").unwrap_or_else(|| die("--mode silent|half-headers|stalled-body|idle|mixed"));
    let modes: Vec<Hoard> = match mode.as_str() {
        "silent" => vec![Hoard::Silent],
        "half-headers" => vec![Hoard::HalfHeaders],
        "stalled-body" => vec![Hoard::StalledBody],
        "idle" => vec![Hoard::Idle],
        "mixed" => vec![Hoard::Silent, Hoard::HalfHeaders, Hoard::StalledBody],
        other => die(format!("--mode {other}")),
    };
    let sockets = args.num("sockets", 100) as usize;
    let seconds = args.num("seconds", 15);
    let clients = args.num("clients", 4) as usize;
    let bound = Duration::from_millis(args.num("bound-ms", 3000));
    let close_within = args.path("close-within-ms").map(|_| Duration::from_millis(args.num("close-within-ms", 0)));
    let addr = base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let end = started + Duration::from_secs(seconds);
    // the customers' domains of this run (several runs share a state file)
    let tag = format!("{tag}r{:x}", now_ms() % 0xffff);

    let mut hoarders = Vec::new();
    for i in 0..sockets {
        let (addr, token, mode) = (addr.clone(), token.clone(), modes[i % modes.len()]);
        hoarders.push(tokio::spawn(async move {
            let mut turns = Vec::new();
            let mut connect_failures = 0u64;
            while Instant::now() < end {
                match hoard_once(&addr, &token, mode, end).await {
                    Some(held) => turns.push(held),
                    None => {
                        connect_failures += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
            (turns, connect_failures)
        }));
    }
    // the hoarders first take their places
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut workers = Vec::new();
    for c in 0..clients {
        let pooled = c % 2 == 1;
        let http = client(Duration::from_secs(30), if pooled { 4 } else { 0 });
        let (base, token, tag, customer) = (base.clone(), token.clone(), tag.clone(), customer.clone());
        workers.push(tokio::spawn(async move {
            let mut done: Vec<(Duration, Result<u16, String>)> = Vec::new();
            let mut n = 0u64;
            while Instant::now() < end {
                n += 1;
                let request = if n.is_multiple_of(3) {
                    let body = customer_body(&format!("h{tag}c{c}n{n}"));
                    http.post(format!("{base}/v1/customers"))
                        .bearer_auth(&token)
                        .header("MS-RequestId", uuid_like(c as u64, n))
                        .json(&body)
                } else {
                    http.get(format!("{base}/v1/customers/{customer}/agreements")).bearer_auth(&token)
                };
                let sent = Instant::now();
                let outcome = match request.send().await {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        match r.bytes().await {
                            Ok(_) => Ok(status),
                            Err(e) => Err(format!("status {status}, body cut off: {}", error_chain(&e))),
                        }
                    }
                    Err(e) => Err(format!("{}: {}", transport_class(&e), error_chain(&e))),
                };
                done.push((sent.elapsed(), outcome));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (pooled, done)
        }));
    }
    let (mut probes, mut probes_ok, mut probe_failures) = (0u64, 0u64, Vec::new());
    while Instant::now() + Duration::from_secs(1) < end {
        let sent = Instant::now();
        probes += 1;
        match healthcheck(&addr).await {
            Some(200) => probes_ok += 1,
            other => probe_failures.push(format!("{other:?} after {}", secs(sent.elapsed()))),
        }
        tokio::time::sleep(Duration::from_secs(1).saturating_sub(sent.elapsed())).await;
    }

    let (mut latencies, mut failures, mut fresh, mut pooled_count) = (Vec::new(), Vec::new(), 0u64, 0u64);
    for worker in workers {
        let (pooled, done) = worker.await.unwrap_or_else(|e| die(e));
        for (latency, outcome) in done {
            if pooled {
                pooled_count += 1;
            } else {
                fresh += 1;
            }
            latencies.push(latency);
            match outcome {
                Ok(status) if (200..300).contains(&status) => {}
                Ok(status) => failures.push(format!("status {status} after {}", secs(latency))),
                Err(e) => failures.push(format!("{e} after {}", secs(latency))),
            }
        }
    }
    let mut turns: Vec<Held> = Vec::new();
    let mut connect_failures = 0;
    for task in hoarders {
        let (mut t, failed) = task.await.unwrap_or_else(|e| die(e));
        turns.append(&mut t);
        connect_failures += failed;
    }
    latencies.sort();

    println!("== hoard: {sockets} sockets ({mode}) reopened at once for {seconds} s, {clients} clients");
    let closed: Vec<&Held> = turns.iter().filter(|t| t.held.is_some()).collect();
    figure("hoarding sockets closed by the emulator", closed.len());
    for m in &modes {
        let mut held: Vec<Duration> = closed.iter().filter(|t| t.mode == *m).filter_map(|t| t.held).collect();
        held.sort();
        figure(
            &format!("  {}: from the stall to the close", m.name()),
            format!(
                "median {} p99 {} max {} ({} closed)",
                secs(percentile(&held, 0.5)),
                secs(percentile(&held, 0.99)),
                secs(held.last().copied().unwrap_or_default()),
                held.len()
            ),
        );
    }
    if modes.contains(&Hoard::StalledBody) {
        let stalled = closed.iter().filter(|t| t.mode == Hoard::StalledBody).count();
        let answered = closed.iter().filter(|t| t.answered_408).count();
        figure("  stalled bodies answered 408 before the close", format!("{answered} of {stalled}"));
    }
    figure("  connects that failed (then retried)", connect_failures);
    figure("client requests", format!("{} ({fresh} on new connections, {pooled_count} kept alive)", latencies.len()));
    figure("  failed", failures.len());
    figure(
        "  latency",
        format!(
            "p50 {} p99 {} max {}",
            secs(percentile(&latencies, 0.5)),
            secs(percentile(&latencies, 0.99)),
            secs(latencies.last().copied().unwrap_or_default())
        ),
    );
    figure("readiness probes (as the HEALTHCHECK) answered 200", format!("{probes_ok} of {probes}"));

    let mut checks = Checks { failures: Vec::new() };
    checks.require(failures.is_empty(), "every client request succeeded, without a retry");
    for f in failures.iter().take(5) {
        println!("       {f}");
    }
    checks.require(!latencies.is_empty(), "the clients were served");
    checks.require(percentile(&latencies, 0.99) <= bound, format!("the clients' p99 is within {}", secs(bound)));
    checks.require(probe_failures.is_empty() && probes > 0, "every readiness probe answered 200 within 3 s");
    for f in probe_failures.iter().take(5) {
        println!("       {f}");
    }
    checks.require(!closed.is_empty(), "the emulator closed hoarding sockets");
    if let Some(limit) = close_within {
        // A turn the run ended before its close counts when it had been held too long already.
        let late: Vec<&Held> = turns.iter().filter(|t| t.waited > limit).collect();
        checks
            .require(late.is_empty(), format!("every hoarding socket was closed within {} of its stall", secs(limit)));
        for t in late.iter().take(5) {
            println!(
                "       {} held {} ({})",
                t.mode.name(),
                secs(t.waited),
                if t.held.is_some() { "closed" } else { "open at the end" }
            );
        }
    }
    i32::from(!checks.failures.is_empty())
}
