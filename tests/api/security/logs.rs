//! No secret in the logs: the binary at trace (JSON) and debug (text) never writes a token, key, password, CSRF token, session or database password.

use super::*;

/// The emulator binary as a child process, its stdout and stderr captured.
struct Emulator {
    child: std::process::Child,
    output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
    base: String,
}

impl Emulator {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Emulator {
        use std::io::Read;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center-emulator"))
            .args(args)
            .env_remove("PCE_ADMIN_TOKEN")
            .env_remove("PCE_TOKEN_SIGNING_KEY")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start the emulator binary");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let streams: [Box<dyn Read + Send>; 2] =
            [Box::new(child.stdout.take().unwrap()), Box::new(child.stderr.take().unwrap())];
        for mut stream in streams {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    output.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }));
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let base = loop {
            let text = strip_ansi(&String::from_utf8_lossy(&output.lock().unwrap()));
            if let Some(line) = text.lines().find(|l| l.contains("emulator listening")) {
                let at = line.find("127.0.0.1:").expect("listening address in the log line");
                let port: String = line[at + 10..].chars().take_while(char::is_ascii_digit).collect();
                break format!("http://127.0.0.1:{port}");
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("the emulator exited ({status}) before listening: {text}");
            }
            assert!(std::time::Instant::now() < deadline, "the emulator did not start: {text}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        Emulator { child, output, readers, base }
    }

    /// SIGTERM, wait for the drain, and everything it wrote (ANSI colours removed).
    fn stop(mut self) -> String {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        while self.child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        let bytes = self.output.lock().unwrap().clone();
        strip_ansi(&String::from_utf8_lossy(&bytes))
    }
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Drive every kind of request that carries a secret, then check the secrets are nowhere in
/// what the process wrote (and nowhere in the request journal). Returns the secrets checked.
async fn drive_requests_with_secrets(base: &str, admin: &str, marker: &str) -> Vec<(String, String)> {
    let mut secrets: Vec<(String, String)> = Vec::new();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let url = |p: &str| format!("{base}{p}");
    let admin_call = |method: Method, path: &str, body: Value| {
        http.request(method, url(path)).bearer_auth(admin).header("MS-CorrelationId", marker).json(&body).send()
    };
    // a wrong admin token, refused
    let wrong_admin = format!("wrong-admin-{}", uuid::Uuid::new_v4().simple());
    secrets.push(("a wrong admin token".into(), wrong_admin.clone()));
    let r = http.get(url("/_emulator/clock")).bearer_auth(&wrong_admin).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let r =
        admin_call(Method::POST, "/_emulator/partners", json!({"name": "Log Partner", "partnerType": "DirectBill"}))
            .await
            .unwrap();
    assert_eq!(r.status(), 201);
    let tenant = r.json::<Value>().await.unwrap()["tenantId"].as_str().unwrap().to_string();
    let r = admin_call(Method::POST, "/_emulator/tokens", json!({"partnerTenantId": tenant, "roles": ["AdminAgent"]}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let token = r.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_string();
    secrets.push(("the bearer token".into(), token.clone()));
    secrets.push(("the bearer token's signature".into(), token.rsplit('.').next().unwrap().to_string()));

    // bearer tokens: a good one, a forged one, and one in a malformed header
    let v1 = |path: &str, t: &str| http.get(url(path)).bearer_auth(t).header("MS-CorrelationId", marker).send();
    assert_eq!(v1("/v1/agreements", &token).await.unwrap().status(), 200);
    let forged = sign(&claims_of(&token), "not-the-key", jsonwebtoken::Algorithm::HS256);
    secrets.push(("a forged token's signature".into(), forged.rsplit('.').next().unwrap().to_string()));
    assert_eq!(v1("/v1/agreements", &forged).await.unwrap().status(), 401);
    let r = http.get(url("/v1/agreements")).header("authorization", format!("Token {token}")).send().await.unwrap();
    assert_eq!(r.status(), 401);

    // a customer creation returns a password; a retry with the same MS-RequestId issues another
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut passwords = Vec::new();
    for _ in 0..2 {
        let r = http
            .post(url("/v1/customers"))
            .bearer_auth(&token)
            .header("MS-RequestId", &request_id)
            .header("MS-CorrelationId", marker)
            .json(&customer_body(&unique("logs")))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert!(status == 201 || status == 409, "create customer: {status} {body}");
        if let Some(p) = body["userCredentials"]["password"].as_str() {
            passwords.push((body["userCredentials"]["userName"].as_str().unwrap().to_string(), p.to_string()));
        }
    }
    assert!(!passwords.is_empty());
    for (_, p) in &passwords {
        secrets.push(("a customer's generated password".into(), p.clone()));
    }
    // a seed that chooses a password
    let seed_password = format!("Seed-Secret-{}!", uuid::Uuid::new_v4().simple());
    secrets.push(("a seed file's password".into(), seed_password.clone()));
    let seed = json!({"partners": [{"key": "p", "name": "Seeded", "partnerType": "DirectBill"}],
                      "customers": [{"key": "c", "partner": "p", "domain": unique("seedlog"), "password": seed_password}]});
    let r = http
        .post(url("/_emulator/seed"))
        .bearer_auth(admin)
        .header("content-type", "application/json")
        .body(seed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // admin-center sign-ins: a wrong password, then the right one; the CSRF token and the session
    let (user, password) = passwords.last().unwrap().clone();
    let visitor = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = visitor.get(url("/AdminPortal/SignIn")).send().await.unwrap();
    let csrf_cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| !c.starts_with("pce_session="))
        .expect("sign-in CSRF cookie");
    let page = r.text().await.unwrap();
    let marker_field = "name=\"csrf\" value=\"";
    let start = page.find(marker_field).unwrap() + marker_field.len();
    let csrf = page[start..start + page[start..].find('"').unwrap()].to_string();
    secrets.push(("the sign-in CSRF token".into(), csrf.clone()));
    let wrong_password = format!("Wrong-Password-{}", uuid::Uuid::new_v4().simple());
    secrets.push(("a wrong sign-in password".into(), wrong_password.clone()));
    for (attempt, expected) in [(wrong_password.as_str(), 401), (password.as_str(), 303)] {
        let r = visitor
            .post(url("/AdminPortal/SignIn"))
            .header("cookie", &csrf_cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("returnUrl", "/AdminPortal/Home"),
                ("userName", &user),
                ("password", attempt),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "sign-in");
        if expected == 303 {
            let session = r
                .headers()
                .get_all("set-cookie")
                .iter()
                .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
                .find(|c| c.starts_with("pce_session="))
                .expect("session cookie");
            let value = session.trim_start_matches("pce_session=").to_string();
            secrets.push(("the admin-center session".into(), value));
            let r = visitor.get(url("/AdminPortal/Home")).header("cookie", &session).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    let r = visitor
        .post(url("/AdminPortal/SignIn"))
        .header("cookie", &csrf_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("userName", "admin@seedlog.onmicrosoft.com"),
            ("password", seed_password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "unknown user");

    // the journal never records them either
    let journal = http.get(url("/_emulator/requests")).bearer_auth(admin).send().await.unwrap().text().await.unwrap();
    assert!(journal.contains("/v1/customers"), "the journal recorded the requests: {journal}");
    for (what, secret) in &secrets {
        assert!(!journal.contains(secret.as_str()), "{what} is in the request journal");
    }
    secrets
}

async fn no_secret_in_logs(log_format: &str, rust_log: &str) {
    let admin = format!("admin-secret-{}", uuid::Uuid::new_v4().simple());
    let signing_key = format!("signing-secret-{}", uuid::Uuid::new_v4().simple());
    let marker = format!("log-probe-{}", uuid::Uuid::new_v4().simple());
    let database = fresh_database().await;
    let mut database_url = database.url.clone();
    let mut secrets =
        vec![("the admin token".to_string(), admin.clone()), ("the signing key".into(), signing_key.clone())];
    if database_url.starts_with("postgres://postgres@") {
        // trust authentication ignores it, so it can be any secret
        let db_password = format!("db-secret-{}", uuid::Uuid::new_v4().simple());
        database_url = database_url.replacen("postgres://postgres@", &format!("postgres://postgres:{db_password}@"), 1);
        secrets.push(("the database password".into(), db_password));
    }
    let emulator = Emulator::start(
        &["--listen", "127.0.0.1:0", "--database-url", &database_url],
        &[
            ("RUST_LOG", rust_log),
            ("PCE_LOG_FORMAT", log_format),
            ("PCE_ADMIN_TOKEN", &admin),
            ("PCE_TOKEN_SIGNING_KEY", &signing_key),
        ],
    );
    let driven = drive_requests_with_secrets(&emulator.base, &admin, &marker).await;
    let logs = emulator.stop();
    secrets.extend(driven);

    // the capture is real: requests and their correlation ids are in it
    assert!(logs.contains(&marker), "the requests' correlation id is not in the logs:\n{logs}");
    assert!(logs.matches("request finished").count() >= 15, "request lines missing:\n{logs}");
    if log_format == "json" {
        for line in logs.lines().filter(|l| l.starts_with('{')) {
            serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        }
    }
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is long enough to grep for");
        if let Some(line) = logs.lines().find(|l| l.contains(secret.as_str())) {
            panic!("{what} is in the {log_format} logs (RUST_LOG={rust_log}): {line}");
        }
    }
}

/// The binary at `RUST_LOG=trace` with JSON lines, and at `debug` with text: bearer tokens (good,
/// forged, malformed), the admin token (right and wrong), the signing key, generated and seeded
/// customer passwords, sign-in passwords (right and wrong), the CSRF token, the session and the
/// database password never appear in what it writes.
#[tokio::test]
async fn no_token_or_password_is_ever_logged() {
    no_secret_in_logs("json", "trace").await;
    no_secret_in_logs("text", "debug").await;
}
