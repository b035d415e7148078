//! Packaging checks: the Dockerfile, .dockerignore and docker-compose.yml are parsed and their
//! invariants asserted, since no Docker engine is needed (or available) to run these tests.
//! `.ci/packaging` runs the commands the image runs against a real PostgreSQL.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const BINARY: &str = "partner-center-emulator";

fn repo_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(repo_file(name)).unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------------

/// One Dockerfile instruction: the keyword in upper case and its arguments (continuation lines
/// joined, comments removed).
#[derive(Debug, Clone)]
struct Instruction {
    keyword: String,
    args: String,
}

/// A build stage: its FROM line and the instructions after it.
#[derive(Debug)]
struct Stage {
    image: String,
    name: Option<String>,
    instructions: Vec<Instruction>,
}

impl Stage {
    fn all(&self, keyword: &str) -> impl Iterator<Item = (usize, &Instruction)> {
        let keyword = keyword.to_string();
        self.instructions.iter().enumerate().filter(move |(_, i)| i.keyword == keyword)
    }

    fn position(&self, keyword: &str, pred: impl Fn(&str) -> bool) -> Option<usize> {
        self.all(keyword).find(|(_, i)| pred(&i.args)).map(|(n, _)| n)
    }

    fn rposition(&self, keyword: &str, pred: impl Fn(&str) -> bool) -> Option<usize> {
        self.all(keyword).filter(|(_, i)| pred(&i.args)).map(|(n, _)| n).last()
    }
}

fn parse_instructions(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        // Comment lines (and parser directives) are dropped, also inside continued instructions.
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        let full = std::mem::take(&mut current);
        let full = full.trim();
        if full.is_empty() {
            continue;
        }
        let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((full, ""));
        out.push(Instruction { keyword: keyword.to_ascii_uppercase(), args: args.trim().to_string() });
    }
    assert!(current.trim().is_empty(), "Dockerfile ends inside a continued line: {current}");
    out
}

fn parse_dockerfile(text: &str) -> Vec<Stage> {
    let mut stages: Vec<Stage> = Vec::new();
    for instruction in parse_instructions(text) {
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction.args.split_whitespace().filter(|w| !w.starts_with("--")).collect();
            assert!(!words.is_empty(), "FROM without an image");
            let name = match words.as_slice() {
                [_, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => Some(name.to_string()),
                [_] => None,
                other => panic!("unexpected FROM line: FROM {}", other.join(" ")),
            };
            stages.push(Stage { image: words[0].to_string(), name, instructions: Vec::new() });
        } else {
            let stage = stages.last_mut().unwrap_or_else(|| panic!("{} before the first FROM", instruction.keyword));
            stage.instructions.push(instruction);
        }
    }
    stages
}

fn dockerfile() -> Vec<Stage> {
    parse_dockerfile(&read("Dockerfile"))
}

/// The JSON array of an exec-form instruction (`["a", "b"]`), or None for the shell form.
fn exec_form(args: &str) -> Option<Vec<String>> {
    let args = args.trim();
    if !args.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(args).ok()
}

/// An image reference is pinned when it carries a digest, or an explicit tag other than `latest`.
fn image_is_pinned(image: &str) -> bool {
    if let Some((_, digest)) = image.split_once('@') {
        return digest.starts_with("sha256:") && digest.len() > "sha256:".len();
    }
    // The tag follows the last ':' after the last '/', so a registry port is not a tag.
    let last_component = image.rsplit('/').next().unwrap_or(image);
    match last_component.split_once(':') {
        Some((_, tag)) => !tag.is_empty() && tag != "latest" && !tag.contains('$'),
        None => false,
    }
}

/// The sources of a `COPY` from the build context (not `--from=`), without its flags.
fn copy_sources(args: &str) -> Option<Vec<String>> {
    if args.split_whitespace().any(|w| w.starts_with("--from")) {
        return None;
    }
    let words: Vec<String> = match exec_form(args) {
        Some(words) => words,
        None => args.split_whitespace().filter(|w| !w.starts_with("--")).map(str::to_string).collect(),
    };
    let (_, sources) = words.split_last()?;
    Some(sources.to_vec())
}

fn copies(args: &str, wanted: &str) -> bool {
    copy_sources(args)
        .is_some_and(|sources| sources.iter().any(|s| s.trim_start_matches("./").trim_end_matches('/') == wanted))
}

fn is_cargo_build(args: &str) -> bool {
    args.contains("cargo build")
}

/// The build stage that compiles the release binary.
fn builder_stage(stages: &[Stage]) -> &Stage {
    let (_, earlier) = stages.split_last().expect("no stages");
    earlier
        .iter()
        .find(|s| s.all("RUN").any(|(_, i)| is_cargo_build(&i.args)))
        .expect("no build stage before the final stage runs `cargo build`")
}

#[test]
fn dockerfile_parser_understands_continuations_comments_and_stages() {
    let stages = parse_dockerfile(
        "# comment\nFROM a:1 AS one\nRUN x \\\n  # inner comment\n  && y\n\nfrom --platform=$X b@sha256:ab\nUSER 1\n",
    );
    assert_eq!(stages.len(), 2);
    assert_eq!(stages[0].name.as_deref(), Some("one"));
    let run: Vec<&str> = stages[0].instructions[0].args.split_whitespace().collect();
    assert_eq!(run, ["x", "&&", "y"]);
    assert_eq!(stages[1].image, "b@sha256:ab");
    assert_eq!(stages[1].instructions[0].keyword, "USER");
    assert!(image_is_pinned("rust:1.95-slim-bookworm"));
    assert!(image_is_pinned("registry.local:5000/debian:bookworm-slim"));
    assert!(image_is_pinned("debian@sha256:0123abcd"));
    assert!(!image_is_pinned("debian"));
    assert!(!image_is_pinned("debian:latest"));
    assert!(!image_is_pinned("registry.local:5000/debian"));
    assert_eq!(exec_form(r#"["a", "b"]"#), Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(exec_form("a b"), None);
    assert!(copies("--chown=1:1 ./migrations ./migrations", "migrations"));
    assert!(!copies("--from=builder /build/migrations /x", "migrations"));
}

#[test]
fn dockerfile_is_multi_stage_and_every_base_image_is_pinned() {
    let stages = dockerfile();
    assert!(stages.len() >= 2, "expected a multi-stage build, found {} FROM line(s)", stages.len());
    let stage_names: Vec<&str> = stages.iter().filter_map(|s| s.name.as_deref()).collect();
    for stage in &stages {
        if stage_names.contains(&stage.image.as_str()) {
            continue; // FROM an earlier stage
        }
        assert!(image_is_pinned(&stage.image), "base image `{}` is not pinned by tag or digest", stage.image);
    }
}

#[test]
fn final_stage_runs_as_a_non_root_user() {
    let stages = dockerfile();
    let last = stages.last().unwrap();
    let user = last.all("USER").map(|(_, i)| i.args.clone()).last().expect("the final stage sets no USER");
    let name = user.split(':').next().unwrap().trim();
    assert!(!matches!(name, "" | "root" | "0"), "the final stage runs as `{user}`");
    // USER comes after every RUN of the final stage, so the image's setup is not what runs as root
    // by accident and the process itself never does.
    let user_at = last.rposition("USER", |_| true).unwrap();
    assert!(last.all("RUN").all(|(n, _)| n < user_at), "a RUN follows USER in the final stage");
}

#[test]
fn healthcheck_uses_the_binary_in_exec_form_without_curl() {
    let stages = dockerfile();
    let last = stages.last().unwrap();
    let healthchecks: Vec<&Instruction> = last.all("HEALTHCHECK").map(|(_, i)| i).collect();
    assert_eq!(healthchecks.len(), 1, "the final stage needs exactly one HEALTHCHECK");
    let args = &healthchecks[0].args;
    let (options, command) = args.split_once("CMD").expect("HEALTHCHECK without CMD");
    for option in options.split_whitespace() {
        assert!(option.starts_with("--"), "unexpected HEALTHCHECK option `{option}`");
    }
    let argv = exec_form(command).unwrap_or_else(|| panic!("HEALTHCHECK CMD is not in exec form: {command}"));
    assert!(
        argv[0] == BINARY || argv[0] == format!("/usr/local/bin/{BINARY}"),
        "HEALTHCHECK runs `{}`, not the emulator binary",
        argv[0]
    );
    assert_eq!(argv[1..], ["healthcheck".to_string()], "HEALTHCHECK must run the `healthcheck` subcommand");
    for instruction in &last.instructions {
        let text = instruction.args.to_ascii_lowercase();
        for tool in ["curl", "wget"] {
            assert!(
                !text.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == tool),
                "the final stage uses {tool}: {} {}",
                instruction.keyword,
                instruction.args
            );
        }
    }
}

#[test]
fn runtime_listens_on_8080_on_all_interfaces() {
    let stages = dockerfile();
    let last = stages.last().unwrap();
    let exposed: Vec<String> = last
        .all("EXPOSE")
        .flat_map(|(_, i)| i.args.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    assert!(exposed.iter().any(|p| p == "8080" || p == "8080/tcp"), "EXPOSE 8080 missing (found {exposed:?})");
    let mut listen = None;
    for (_, env) in last.all("ENV") {
        if let Some(value) = env.args.strip_prefix("PCE_LISTEN ") {
            listen = Some(value.trim().to_string());
        }
        for word in env.args.split_whitespace() {
            if let Some(value) = word.strip_prefix("PCE_LISTEN=") {
                listen = Some(value.trim_matches('"').to_string());
            }
        }
    }
    assert_eq!(listen.as_deref(), Some("0.0.0.0:8080"), "the image must set PCE_LISTEN=0.0.0.0:8080");
}

#[test]
fn entrypoint_is_the_binary_and_the_default_command_serves() {
    let stages = dockerfile();
    let last = stages.last().unwrap();
    let copied_binary = last.all("COPY").any(|(_, i)| {
        i.args.contains("--from=")
            && i.args.contains(&format!("target/release/{BINARY}"))
            && i.args.trim_end().ends_with(&format!("/usr/local/bin/{BINARY}"))
    });
    assert!(copied_binary, "the release binary is not copied from the builder to /usr/local/bin/{BINARY}");
    let entrypoint = last.all("ENTRYPOINT").map(|(_, i)| i.args.clone()).last().expect("no ENTRYPOINT");
    let entrypoint = exec_form(&entrypoint).expect("ENTRYPOINT is not in exec form");
    assert!(entrypoint == [BINARY] || entrypoint == [format!("/usr/local/bin/{BINARY}")], "{entrypoint:?}");
    let cmd = last.all("CMD").map(|(_, i)| i.args.clone()).last().expect("no CMD");
    assert_eq!(exec_form(&cmd), Some(vec!["serve".to_string()]));
}

#[test]
fn builder_embeds_migrations_and_caches_dependencies() {
    let stages = dockerfile();
    let builder = builder_stage(&stages);
    let final_build = builder.rposition("RUN", is_cargo_build).unwrap();
    let release = &builder.instructions[final_build].args;
    assert!(release.contains("--release") && release.contains("--locked"), "builds with: {release}");

    // sqlx::migrate! embeds migrations/ at compile time.
    let migrations = builder.position("COPY", |a| copies(a, "migrations")).expect("migrations/ is not copied");
    assert!(migrations < final_build, "migrations/ must be copied before the release build");

    // Dependency caching: the manifests first, a build of dummy sources, then the real sources.
    let manifest = builder
        .position("COPY", |a| copies(a, "Cargo.toml") && copies(a, "Cargo.lock"))
        .or_else(|| {
            let toml = builder.position("COPY", |a| copies(a, "Cargo.toml"))?;
            let lock = builder.position("COPY", |a| copies(a, "Cargo.lock"))?;
            Some(toml.max(lock))
        })
        .expect("Cargo.toml and Cargo.lock are not copied");
    let sources = builder.position("COPY", |a| copies(a, "src")).expect("src/ is not copied");
    let dependency_build = builder.position("RUN", is_cargo_build).unwrap();
    assert!(manifest < dependency_build, "the manifests must be copied before the dependency build");
    assert!(dependency_build < sources, "dependencies must be built before src/ is copied");
    let dummy = &builder.instructions[dependency_build].args;
    assert!(dummy.contains("src/main.rs") && dummy.contains("src/lib.rs"), "no dummy sources: {dummy}");
    assert!(sources < final_build, "src/ must be copied before the release build");
    let touched = builder
        .all("RUN")
        .find(|(n, i)| *n > sources && i.args.contains("touch") && i.args.contains("src/"))
        .map_or(usize::MAX, |(n, _)| n);
    assert!(
        sources < touched && touched <= final_build,
        "the real sources must be touched after they are copied, so cargo does not reuse the dummy build"
    );
}

/// Every file the crate reads at compile time (`include_str!`, `include_bytes!`, `include!`,
/// `sqlx::migrate!`), as a path relative to the repository root.
fn compile_time_inputs() -> Vec<PathBuf> {
    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    /// Resolve `.` and `..` without touching the file system.
    fn normalise(path: &Path) -> PathBuf {
        let mut out = PathBuf::new();
        for component in path.components() {
            match component {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut inputs = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (macro_name, relative_to_crate) in
            [("include_str!(", false), ("include_bytes!(", false), ("include!(", false), ("migrate!(", true)]
        {
            for (at, _) in text.match_indices(macro_name) {
                let rest = text[at + macro_name.len()..].trim_start();
                let literal = match rest.strip_prefix('"') {
                    Some(rest) => rest.split('"').next().unwrap().to_string(),
                    None if relative_to_crate && rest.starts_with(')') => "migrations".to_string(),
                    None => continue, // a macro-built path (concat!, env!): out of reach here
                };
                let base = if relative_to_crate { root.to_path_buf() } else { file.parent().unwrap().to_path_buf() };
                let resolved = normalise(&base.join(&literal));
                let relative = resolved
                    .strip_prefix(root)
                    .unwrap_or_else(|_| panic!("{} reads {literal}, outside the repository", file.display()));
                inputs.push(relative.to_path_buf());
            }
        }
    }
    inputs.sort();
    inputs.dedup();
    inputs
}

#[test]
fn builder_has_every_file_the_crate_reads_at_compile_time() {
    let inputs = compile_time_inputs();
    assert!(inputs.iter().any(|p| p.starts_with("migrations")), "no sqlx::migrate! found: {inputs:?}");
    let stages = dockerfile();
    let builder = builder_stage(&stages);
    let final_build = builder.rposition("RUN", is_cargo_build).unwrap();
    for input in inputs {
        assert!(repo_file(input.to_str().unwrap()).exists(), "{} is read at compile time but missing", input.display());
        let top = input.components().next().unwrap().as_os_str().to_str().unwrap().to_string();
        let copied = builder.position("COPY", |a| copies(a, &top));
        assert!(
            copied.is_some_and(|n| n < final_build),
            "{} is read at compile time, but the builder stage does not copy {top} before the release build",
            input.display()
        );
    }
}

#[test]
fn build_context_has_what_the_dockerfile_copies_and_excludes_target() {
    let ignore = read(".dockerignore");
    let patterns: Vec<&str> = ignore.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    let normalise = |p: &str| p.trim_start_matches('/').trim_end_matches('/').trim_end_matches("/**").to_string();
    let ignored: Vec<String> = patterns.iter().map(|p| normalise(p)).collect();
    for wanted in ["target", ".git"] {
        assert!(ignored.iter().any(|p| p == wanted), ".dockerignore does not exclude {wanted}/");
    }
    for stage in dockerfile() {
        for (_, copy) in stage.all("COPY").chain(stage.all("ADD")) {
            for source in copy_sources(&copy.args).unwrap_or_default() {
                let source = normalise(source.trim_start_matches("./"));
                assert!(repo_file(&source).exists(), "the Dockerfile copies {source}, which does not exist");
                assert!(!ignored.contains(&source), "the Dockerfile copies {source}, which .dockerignore excludes");
            }
        }
    }
}

#[test]
fn binary_has_the_subcommands_the_image_runs() {
    let bin = env!("CARGO_BIN_EXE_partner-center-emulator");
    for subcommand in ["serve", "healthcheck"] {
        let status = Command::new(bin).args([subcommand, "--help"]).output().expect("run the binary");
        assert!(status.status.success(), "`{BINARY} {subcommand} --help` failed: {status:?}");
    }
    // Nothing listens on a port that was just released: the probe must fail, quickly.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let started = std::time::Instant::now();
    let out = Command::new(bin)
        .arg("healthcheck")
        .env("PCE_LISTEN", format!("0.0.0.0:{port}"))
        .env_remove("PCE_HEALTHCHECK_URL")
        .env_remove("PCE_ADMIN_TOKEN")
        .output()
        .expect("run the healthcheck");
    assert!(!out.status.success(), "healthcheck succeeded against a closed port");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "healthcheck took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml
// ---------------------------------------------------------------------------------------------

fn compose() -> Value {
    serde_saphyr::from_str(&read("docker-compose.yml")).expect("docker-compose.yml is not valid YAML")
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose
        .get("services")
        .and_then(|s| s.get(name))
        .unwrap_or_else(|| panic!("docker-compose.yml has no service `{name}`"))
}

/// Resolve the `${NAME:-default}` / `${NAME-default}` interpolations with their defaults, as
/// compose does when the variable is unset.
fn with_defaults(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e).expect("unterminated ${");
        let inner = &rest[start + 2..end];
        let default = inner.split_once(":-").or_else(|| inner.split_once('-')).map_or("", |(_, d)| d);
        out.push_str(default);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// A service's environment, map or list syntax, as (name, value) with defaults applied; a
/// variable passed through from the host without a value maps to None.
fn environment(service: &Value) -> Vec<(String, Option<String>)> {
    let scalar = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(with_defaults(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => panic!("unexpected environment value {other:?}"),
    };
    match service.get("environment") {
        None => Vec::new(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.to_string(), scalar(v))).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let item = item.as_str().expect("environment entry");
                match item.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(with_defaults(v))),
                    None => (item.to_string(), None),
                }
            })
            .collect(),
        Some(other) => panic!("unexpected environment {other:?}"),
    }
}

fn env_var(service: &Value, name: &str) -> Option<String> {
    environment(service).into_iter().find(|(k, _)| k == name).and_then(|(_, v)| v)
}

/// A healthcheck's test as an argv (`CMD`/`CMD-SHELL` prefix kept as the first element).
fn healthcheck_test(service: &Value) -> Vec<String> {
    let test = service.get("healthcheck").and_then(|h| h.get("test")).expect("service without healthcheck test");
    match test {
        Value::String(s) => vec!["CMD-SHELL".to_string(), s.clone()],
        Value::Array(items) => items.iter().map(|i| i.as_str().expect("test entry").to_string()).collect(),
        other => panic!("unexpected healthcheck test {other:?}"),
    }
}

struct PostgresUrl {
    user: String,
    password: Option<String>,
    host: String,
    port: u16,
    database: String,
}

fn parse_postgres_url(url: &str) -> PostgresUrl {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
        .unwrap_or_else(|| panic!("DATABASE_URL `{url}` is not a postgres:// URL"));
    let (authority, path) = rest.split_once('/').expect("DATABASE_URL names no database");
    let (credentials, host_port) = authority.rsplit_once('@').expect("DATABASE_URL names no user");
    let (user, password) = match credentials.split_once(':') {
        Some((u, p)) => (u.to_string(), Some(p.to_string())),
        None => (credentials.to_string(), None),
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse().expect("port")),
        None => (host_port.to_string(), 5432),
    };
    let database = path.split('?').next().unwrap().to_string();
    PostgresUrl { user, password, host, port, database }
}

#[test]
fn compose_defines_both_services_without_container_names() {
    let compose = compose();
    let services = compose.get("services").and_then(Value::as_object).expect("no services");
    for name in ["postgres", "emulator"] {
        service(&compose, name);
    }
    for (name, definition) in services {
        assert!(
            definition.get("container_name").is_none(),
            "service {name:?} sets container_name, which prevents `docker compose up --scale`"
        );
    }
    let postgres_image = service(&compose, "postgres").get("image").and_then(Value::as_str).expect("postgres image");
    assert!(postgres_image.starts_with("postgres:"), "{postgres_image}");
    assert!(image_is_pinned(postgres_image), "the postgres image `{postgres_image}` is not pinned");
    let emulator = service(&compose, "emulator");
    assert!(emulator.get("build").is_some(), "the emulator service is not built from this repository");
}

#[test]
fn compose_emulator_waits_for_a_healthy_postgres() {
    let compose = compose();
    let emulator = service(&compose, "emulator");
    let condition = emulator
        .get("depends_on")
        .and_then(|d| d.get("postgres"))
        .and_then(|p| p.get("condition"))
        .and_then(Value::as_str);
    assert_eq!(condition, Some("service_healthy"), "the emulator must depend on a healthy postgres");
}

#[test]
fn compose_services_have_healthchecks() {
    let compose = compose();
    let postgres = healthcheck_test(service(&compose, "postgres"));
    assert!(postgres.iter().any(|w| w.contains("pg_isready")), "postgres healthcheck: {postgres:?}");
    let emulator = healthcheck_test(service(&compose, "emulator"));
    assert_eq!(emulator.first().map(String::as_str), Some("CMD"), "use the exec form: {emulator:?}");
    assert!(
        emulator[1] == BINARY || emulator[1] == format!("/usr/local/bin/{BINARY}"),
        "emulator healthcheck: {emulator:?}"
    );
    assert_eq!(emulator[2..], ["healthcheck".to_string()], "emulator healthcheck: {emulator:?}");
}

#[test]
fn compose_postgres_keeps_its_data_in_a_named_volume() {
    let compose = compose();
    let declared: Vec<String> = compose
        .get("volumes")
        .and_then(Value::as_object)
        .expect("no top-level volumes")
        .keys()
        .map(|k| k.to_string())
        .collect();
    let mounts = service(&compose, "postgres").get("volumes").and_then(Value::as_array).expect("no volumes");
    let named = mounts.iter().find_map(|m| {
        let source = match m {
            Value::String(s) => s.split(':').next().map(str::to_string),
            Value::Object(_) => m.get("source").and_then(Value::as_str).map(str::to_string),
            _ => None,
        }?;
        declared.contains(&source).then_some(source)
    });
    assert!(named.is_some(), "postgres mounts none of the declared volumes {declared:?}: {mounts:?}");
}

#[test]
fn compose_emulator_uses_the_postgres_service_and_publishes_8080() {
    let compose = compose();
    let emulator = service(&compose, "emulator");
    let url = env_var(emulator, "DATABASE_URL").expect("the emulator has no DATABASE_URL");
    let url = parse_postgres_url(&url);
    assert_eq!(url.host, "postgres", "DATABASE_URL must point at the postgres service");
    assert_eq!(url.port, 5432);
    assert_eq!(env_var(emulator, "PCE_LISTEN").as_deref(), Some("0.0.0.0:8080"));

    let ports = emulator.get("ports").and_then(Value::as_array).expect("the emulator publishes no ports");
    let publishes_8080 = ports.iter().any(|p| match p {
        Value::String(s) => with_defaults(s).rsplit(':').next().map(|c| c.trim_end_matches("/tcp")) == Some("8080"),
        Value::Number(n) => n.as_u64() == Some(8080),
        Value::Object(_) => p.get("target").and_then(Value::as_u64) == Some(8080),
        _ => false,
    });
    assert!(publishes_8080, "container port 8080 is not published: {ports:?}");
}

#[test]
fn compose_database_url_matches_the_postgres_credentials() {
    let compose = compose();
    let postgres = service(&compose, "postgres");
    let url = parse_postgres_url(&env_var(service(&compose, "emulator"), "DATABASE_URL").unwrap());
    let user = env_var(postgres, "POSTGRES_USER").unwrap_or_else(|| "postgres".to_string());
    let password = env_var(postgres, "POSTGRES_PASSWORD").expect("postgres needs POSTGRES_PASSWORD");
    let database = env_var(postgres, "POSTGRES_DB").unwrap_or_else(|| user.clone());
    assert_eq!(url.user, user, "DATABASE_URL user");
    assert_eq!(url.password.as_deref(), Some(password.as_str()), "DATABASE_URL password");
    assert_eq!(url.database, database, "DATABASE_URL database");
    // The postgres healthcheck probes that same database and user.
    let test = healthcheck_test(postgres).join(" ");
    assert!(test.contains(&database) && test.contains(&user), "postgres healthcheck `{test}` checks another database");
}

/// A compose duration (`40s`, `1m`, `1m30s`, `500ms`) in seconds.
fn compose_duration_seconds(text: &str) -> f64 {
    let mut total = 0.0;
    let mut number = String::new();
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let mut unit = c.to_string();
        while let Some(&next) = chars.peek() {
            if next.is_ascii_alphabetic() {
                unit.push(next);
                chars.next();
            } else {
                break;
            }
        }
        let value: f64 = number.parse().unwrap_or_else(|_| panic!("bad duration {text:?}"));
        total += value
            * match unit.as_str() {
                "h" => 3600.0,
                "m" => 60.0,
                "s" => 1.0,
                "ms" => 0.001,
                other => panic!("unknown unit {other:?} in {text:?}"),
            };
        number.clear();
    }
    assert!(number.is_empty(), "duration {text:?} lacks a unit");
    total
}

#[test]
fn compose_duration_parser_understands_units() {
    assert_eq!(compose_duration_seconds("40s"), 40.0);
    assert_eq!(compose_duration_seconds("1m30s"), 90.0);
    assert_eq!(compose_duration_seconds("1h"), 3600.0);
    assert_eq!(compose_duration_seconds("1500ms"), 1.5);
}

#[test]
fn compose_stop_grace_outlasts_the_request_timeout() {
    use clap::Parser;
    // Compose's default grace is 10 s; on SIGTERM the emulator lets requests in flight finish,
    // and one may run up to the request timeout.
    let cli = partner_center_emulator::config::Cli::try_parse_from([BINARY]).expect("default configuration");
    let timeout = cli.config.request_timeout_seconds as f64;
    let compose = compose();
    let grace = service(&compose, "emulator")
        .get("stop_grace_period")
        .and_then(Value::as_str)
        .map(compose_duration_seconds)
        .unwrap_or(10.0);
    assert!(grace > timeout, "stop_grace_period {grace} s is not longer than the request timeout {timeout} s");
}

/// The emulator service's entrypoint as the container receives it (compose turns `$$` into `$`).
fn compose_entrypoint(emulator: &Value) -> Vec<String> {
    match emulator.get("entrypoint") {
        Some(Value::Array(items)) => {
            items.iter().map(|v| v.as_str().expect("entrypoint item").replace("$$", "$")).collect()
        }
        other => panic!("the emulator's entrypoint is not a list: {other:?}"),
    }
}

#[test]
fn compose_public_base_url_follows_pce_port() {
    let compose = compose();
    let emulator = service(&compose, "emulator");
    // The port variable the container sees is the one the ports mapping publishes.
    let ports = emulator.get("ports").and_then(Value::as_array).expect("ports");
    let published = ports.iter().filter_map(Value::as_str).find(|p| p.contains("PCE_PORT")).expect("PCE_PORT mapping");
    let port_default = with_defaults(published).rsplit_once(':').expect("host:container").0.to_string();
    assert_eq!(env_var(emulator, "PCE_PORT").as_deref(), Some(port_default.as_str()));
    let entrypoint = compose_entrypoint(emulator);
    let command: Vec<String> = emulator
        .get("command")
        .and_then(Value::as_array)
        .map(|c| c.iter().map(|v| v.as_str().expect("command item").to_string()).collect())
        .unwrap_or_default();
    assert_eq!(command, ["serve"]);

    // Run the entrypoint with a stand-in binary that reports what it was given.
    let dir = std::env::temp_dir().join(format!("pce-compose-entrypoint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fake = dir.join(BINARY);
    std::fs::write(&fake, "#!/bin/sh\necho \"$PCE_PUBLIC_BASE_URL $*\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = |port: &str, base: &str| {
        let out = Command::new(&entrypoint[0])
            .args(&entrypoint[1..])
            .args(&command)
            .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
            .env("PCE_PORT", port)
            .env("PCE_PUBLIC_BASE_URL", base)
            .output()
            .expect("run the entrypoint");
        assert!(out.status.success(), "entrypoint failed: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(run(&port_default, ""), "http://localhost:8080 serve");
    assert_eq!(run("9090", ""), "http://localhost:9090 serve");
    assert_eq!(run("127.0.0.1:9000-9002", ""), "http://localhost:9000 serve");
    assert_eq!(run("9000-9002", "https://pce.example"), "https://pce.example serve");
    std::fs::remove_dir_all(&dir).ok();
}
