//! The binary as a person starts it: what it says when it starts, and when it cannot.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_partner-center-emulator");

/// Start the binary on `database_url`; its log lines up to the end of the start-up, and the child.
fn start(database_url: &str) -> (Child, Vec<String>, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--database-url", database_url])
        .env("RUST_LOG", "info")
        .env_remove("PCE_SERVICE_DATE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator");
    let mut lines = Vec::new();
    let mut address = String::new();
    let reader = BufReader::new(child.stdout.take().expect("stdout"));
    for line in reader.lines() {
        let line = line.expect("log line");
        if let Some(rest) = line.split("address=").nth(1) {
            address = rest.split_whitespace().next().unwrap_or_default().to_string();
        }
        let done = line.contains("service date");
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines, address)
}

#[tokio::test]
async fn the_start_says_what_runs_where_and_what_an_earlier_run_left() {
    let dir = std::env::temp_dir().join(format!("pce-startup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/startup.db", dir.display());
    let (mut first, lines, address) = start(&url);
    let text = lines.join("\n");
    assert!(text.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(text.contains(&format!("database=SQLite file {}/startup.db", dir.display())), "{text}");
    assert!(text.contains("/_emulator/docs") && text.contains("/AdminPortal/Home"), "{text}");
    assert!(text.contains("landing page: http://"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour codes when the log is not a terminal");
    let http = reqwest::Client::new();
    let clock = serde_json::json!({"now": "2026-03-01T12:00:00Z", "frozen": true});
    let r = http.put(format!("http://{address}/_emulator/clock")).json(&clock).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let rule = serde_json::json!({"operation": "listCustomers", "effect": "throttle"});
    assert_eq!(http.post(format!("http://{address}/_emulator/faults")).json(&rule).send().await.unwrap().status(), 201);
    first.kill().unwrap();
    first.wait().unwrap();

    let (mut second, lines, _) = start(&url);
    second.kill().unwrap();
    second.wait().unwrap();
    let text = lines.join("\n");
    assert!(
        text.contains("carried over from an earlier run: the emulator clock is frozen at 2026-03-01T12:00:00.000Z"),
        "{text}"
    );
    assert!(text.contains("carried over from an earlier run: 1 fault rule(s) are active"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_configuration_it_cannot_start_with_is_named_with_what_to_do_and_exit_code_2() {
    let run = |args: &[&str]| Command::new(BIN).args(args).output().expect("run the emulator");
    let out = run(&["--database-url", "mysql://root@localhost/pce"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("'mysql'") && said.contains("postgres://"), "{said}");
    let out = run(&["--listen", "8080"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not HOST:PORT"));
    let out = run(&["--database-url", "sqlite:///nonexistent-dir-for-pce/x.db", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("/nonexistent-dir-for-pce/x.db") && said.contains("Does its directory exist"), "{said}");
    assert_eq!(said.matches("unable to open database file").count(), 1, "said once: {said}");
    // A PostgreSQL server that does not answer (nothing listens on port 1) is a configuration the
    // emulator cannot start with: exit code 2, naming the host, port and database.
    let out = run(&["--database-url", "postgres://postgres@127.0.0.1:1/pce_unreachable", "--listen", "127.0.0.1:0"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("cannot connect to PostgreSQL at 127.0.0.1:1, database 'pce_unreachable'"), "{said}");
    assert!(said.contains("(DATABASE_URL)"), "{said}");
    // A seed folder without a seed file stops the start before the database is opened.
    let empty = std::env::temp_dir().join(format!("pce-no-seeds-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&empty).unwrap();
    let out = run(&["--database-url", "sqlite::memory:", "--listen", "127.0.0.1:0", "--seed", empty.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no seed file"));
    std::fs::remove_dir_all(&empty).ok();
}

/// PCE_SEED names several files and folders, separated by commas; each is loaded in turn.
#[test]
fn pce_seed_takes_several_files_separated_by_commas() {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--database-url", "sqlite::memory:"])
        .env("RUST_LOG", "info")
        .env("PCE_SEED", "seeds/attested.yaml,seeds/enhanced.yaml")
        .env_remove("PCE_SERVICE_DATE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator");
    let mut loaded = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("stdout")).lines() {
        let line = line.expect("log line");
        if line.contains("seed loaded") {
            loaded.push(line.clone());
        }
        if line.contains("service date") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(loaded.len(), 2, "{loaded:?}");
    assert!(loaded[0].contains("seeds/attested.yaml") && loaded[1].contains("seeds/enhanced.yaml"), "{loaded:?}");
}

/// The HTTPS listener serves the same routes with the certificate the control plane exports,
/// which a client trusts as its root; the discovery document it serves names HTTPS endpoints.
#[tokio::test]
async fn the_https_listener_serves_the_api_with_the_exported_certificate() {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls::{self, pki_types::ServerName, ClientConfig, RootCertStore};
    use tokio_rustls::TlsConnector;

    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--database-url", "sqlite::memory:"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the emulator");
    let (mut plain, mut secure) = (String::new(), String::new());
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("address=").nth(1) {
            plain = rest.split_whitespace().next().unwrap().to_string();
        }
        if let Some(rest) = line.split("HTTPS: https://").nth(1) {
            secure = rest.split_whitespace().next().unwrap().to_string();
            break;
        }
    }
    assert!(!plain.is_empty() && !secure.is_empty(), "the start names both listeners");
    let pem = reqwest::get(format!("http://{plain}/_emulator/tls/certificate")).await.unwrap();
    assert_eq!(pem.headers()["content-type"], "application/x-pem-file");
    let pem = pem.text().await.unwrap();

    let mut roots = RootCertStore::empty();
    for certificate in rustls_pki_types::pem::PemObject::pem_slice_iter(pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = TlsConnector::from(Arc::new(config));
    let get = |path: &'static str| {
        let (connector, secure) = (connector.clone(), secure.clone());
        async move {
            let tcp = tokio::net::TcpStream::connect(&secure).await.unwrap();
            let mut tls = connector.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
            let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            tls.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            tls.read_to_string(&mut answer).await.unwrap();
            answer
        }
    };
    // A client that connects and never says hello holds no one up: handshakes run in each
    // connection's own task, not in the accept loop.
    let _silent = tokio::net::TcpStream::connect(&secure).await.unwrap();
    let ready = tokio::time::timeout(std::time::Duration::from_secs(5), get("/_emulator/ready")).await.expect("served");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    let discovery = get("/7e57da7a-0000-4000-8000-00000000d001/v2.0/.well-known/openid-configuration").await;
    assert!(discovery.contains(&format!("\"token_endpoint\":\"https://{secure}/")), "{discovery}");
    // Over plain HTTP the discovery document names the plain endpoints.
    let plain_discovery: serde_json::Value =
        reqwest::get(format!("http://{plain}/common/v2.0/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(plain_discovery["token_endpoint"], format!("http://{plain}/common/oauth2/v2.0/token"));
    // Plain HTTP on the TLS port is no request.
    let refused = reqwest::get(format!("http://{secure}/_emulator/ready")).await;
    assert!(refused.is_err() || !refused.unwrap().status().is_success());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn without_an_https_listener_the_certificate_route_says_how_to_start_one() {
    let app = crate::helpers::TestApp::spawn().await;
    let e =
        crate::helpers::assert_error(reqwest::get(app.url("/_emulator/tls/certificate")).await.unwrap(), 404, 990448)
            .await;
    assert!(e["description"].as_str().unwrap().contains("--tls-listen"), "{e}");
}
