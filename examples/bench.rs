//! Load generator for a running emulator: prints requests/s, p50/p99 latency and the server's
//! RSS for each scenario. Usage:
//!   cargo run --release --example bench -- <base-url> <server-pid> [seconds-per-scenario] [concurrency]
//! `bench/run` starts the release binary on each backend and runs this against it.

use reqwest::Client;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

const CUSTOMERS: usize = 200;

#[derive(Clone, Copy)]
enum Scenario {
    CreateCustomer,
    Metadata,
    ListConfirmations,
    Confirm,
    OrderGate,
}

async fn run(client: &Client, base: &str, token: &str, customers: &[String], scenario: Scenario, n: u64) -> u16 {
    let customer = &customers[(n % customers.len() as u64) as usize];
    let r = match scenario {
        Scenario::CreateCustomer => client
            .post(format!("{base}/v1/customers"))
            .bearer_auth(token)
            .json(&json!({
                "companyProfile": {"domain": format!("load{}n{n}", std::process::id())},
                "billingProfile": {"email": "ap@bench.example", "culture": "en-US", "language": "en", "companyName": "Load",
                    "defaultAddress": {"firstName": "B", "lastName": "B", "addressLine1": "1 Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}}
            }))
            .send()
            .await,
        Scenario::Metadata => client.get(format!("{base}/v1/agreements?agreementType=*")).bearer_auth(token).send().await,
        Scenario::ListConfirmations => client
            .get(format!("{base}/v1/customers/{customer}/agreements?agreementType=MicrosoftCustomerAgreement"))
            .bearer_auth(token)
            .send()
            .await,
        Scenario::Confirm => client
            .post(format!("{base}/v1/customers/{customer}/agreements"))
            .bearer_auth(token)
            .json(&json!({
                "primaryContact": {"firstName": "Bench", "lastName": format!("User{n}"), "email": format!("bench{n}@contoso.example")},
                "templateId": "117a77b0-9360-443b-8795-c6dedc750cf9",
                "dateAgreed": "2024-01-01T00:00:00Z"
            }))
            .send()
            .await,
        Scenario::OrderGate => client
            .post(format!("{base}/v1/customers/{customer}/orders"))
            .bearer_auth(token)
            .json(&json!({"lineItems": [{"offerId": "CFQ7TTC0LH18:0001", "quantity": 1}]}))
            .send()
            .await,
    };
    match r {
        Ok(r) => {
            let status = r.status().as_u16();
            let _ = r.bytes().await;
            status
        }
        Err(_) => 0,
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args.get(1).cloned().unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let pid: u32 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let concurrency: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(16);
    let client = Client::builder().pool_max_idle_per_host(concurrency).build().unwrap();

    let partner: Value = client
        .post(format!("{base}/_emulator/partners"))
        .json(&json!({"name": "Bench Partner", "partnerType": "DirectBill"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tenant = partner["tenantId"].as_str().unwrap().to_string();
    let token: Value = client
        .post(format!("{base}/_emulator/tokens"))
        .json(&json!({"partnerTenantId": tenant, "roles": ["AdminAgent"], "expiresInSeconds": 86400}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    // Customers share the load the way a partner's tenants would: each confirmation goes to the
    // next customer, so lists and the order gate see a few dozen agreements per customer.
    let mut customers = Vec::new();
    for i in 0..CUSTOMERS {
        let domain = format!("bench{}c{i}", std::process::id());
        let customer: Value = client
            .post(format!("{base}/v1/customers"))
            .bearer_auth(&token)
            .json(&json!({
                "companyProfile": {"domain": domain},
                "billingProfile": {"email": "ap@bench.example", "culture": "en-US", "language": "en", "companyName": "Bench",
                    "defaultAddress": {"firstName": "B", "lastName": "B", "addressLine1": "1 Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}}
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        customers.push(customer["id"].as_str().unwrap().to_string());
    }
    let customers = Arc::new(customers);

    println!(
        "target {base}, {concurrency} concurrent clients, {seconds} s per scenario, {CUSTOMERS} customers, RSS at start {} KiB",
        rss_kib(pid)
    );
    println!(
        "{:<28} {:>9} {:>10} {:>9} {:>9} {:>10} {:>10}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "statuses", "RSS KiB"
    );
    let scenarios = [
        ("GET /v1/agreements", Scenario::Metadata),
        ("POST /v1/customers (argon2)", Scenario::CreateCustomer),
        ("POST confirm (201)", Scenario::Confirm),
        ("GET confirmations", Scenario::ListConfirmations),
        ("POST order (gate open)", Scenario::OrderGate),
    ];
    let counter = Arc::new(AtomicU64::new(0));
    for (name, scenario) in scenarios {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut workers = Vec::new();
        for _ in 0..concurrency {
            let (client, base, token, customers, counter) =
                (client.clone(), base.clone(), token.clone(), customers.clone(), counter.clone());
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let t = Instant::now();
                    let status = run(&client, &base, &token, &customers, scenario, n).await;
                    latencies.push(t.elapsed());
                    *statuses.entry(status).or_default() += 1;
                }
                (latencies, statuses)
            }));
        }
        let mut all = Vec::new();
        let mut statuses = std::collections::BTreeMap::<u16, u64>::new();
        for w in workers {
            let (l, s) = w.await.unwrap();
            all.extend(l);
            for (k, v) in s {
                *statuses.entry(k).or_default() += v;
            }
        }
        let elapsed = started.elapsed().as_secs_f64();
        all.sort();
        let status_text = statuses.iter().map(|(k, v)| format!("{k}x{v}")).collect::<Vec<_>>().join(",");
        println!(
            "{:<28} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>10} {:>10}",
            name,
            all.len(),
            all.len() as f64 / elapsed,
            percentile(&all, 0.50),
            percentile(&all, 0.99),
            status_text,
            rss_kib(pid)
        );
    }
}
