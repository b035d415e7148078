//! Start-up timer of the benchmark: starts a server `runs` times and measures, each time, the
//! time from just before the process is spawned to the first `200` on `path`, polling every
//! millisecond over plain TCP (no HTTP client library: nothing here should be slower than the
//! thing it measures). Prints every run and one parseable line with the median.
//!
//!   bench-startup <runs> <port> <path> <command> [args...]
//!
//! `{port}` and `{run}` in the arguments are replaced by the port and the run's number, so that
//! each run can get a fresh database file (`--database-url sqlite:///tmp/x/fresh-{run}.db`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const GIVE_UP: Duration = Duration::from_secs(60);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!("usage: bench-startup <runs> <port> <path> <command> [args...]");
        std::process::exit(2);
    }
    let runs: usize = args[0].parse().expect("runs is a number");
    let port = &args[1];
    let path = &args[2];
    let mut times = Vec::with_capacity(runs);
    for run in 1..=runs {
        let argv: Vec<String> =
            args[3..].iter().map(|a| a.replace("{port}", port).replace("{run}", &run.to_string())).collect();
        let started = Instant::now();
        let mut child = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", argv[0]));
        let result = wait_ready(&mut child, port, path, started);
        stop(&mut child);
        match result {
            Ok(elapsed) => {
                let ms = elapsed.as_secs_f64() * 1000.0;
                println!("run {run}: {ms:.1} ms");
                times.push(ms);
            }
            Err(e) => {
                eprintln!("run {run}: {e}");
                std::process::exit(1);
            }
        }
        // Let the port and the file system settle before the next start.
        std::thread::sleep(Duration::from_millis(50));
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "STARTUP runs={} median_ms={median:.1} min_ms={:.1} max_ms={:.1}",
        times.len(),
        times[0],
        times[times.len() - 1]
    );
}

/// Poll until `path` answers 200; the time since `started` when it does.
fn wait_ready(child: &mut Child, port: &str, path: &str, started: Instant) -> Result<Duration, String> {
    let address = format!("127.0.0.1:{port}");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("the server exited before it was ready ({status})"));
        }
        if started.elapsed() > GIVE_UP {
            return Err(format!("not ready after {GIVE_UP:?}"));
        }
        if let Ok(mut stream) = TcpStream::connect(&address) {
            let mut head = [0u8; 12];
            let answered = stream.write_all(request.as_bytes()).is_ok() && stream.read_exact(&mut head).is_ok();
            if answered && head.starts_with(b"HTTP/1.1 200") {
                return Ok(started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// SIGTERM, so that the server shuts down as it would normally (SQLite checkpoints its WAL); a
/// server still running after five seconds is killed.
fn stop(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
}
