//! `partner-center-emulator healthcheck`: the container image's probe (it has no curl).

use std::process::ExitCode;

use crate::config::Config;

/// `partner-center-emulator healthcheck`: exit 0 when the emulator answers ready.
pub async fn healthcheck(config: &Config, url: Option<String>) -> ExitCode {
    let url = url.unwrap_or_else(|| format!("http://127.0.0.1:{}/_emulator/ready", config.listen.port()));
    match probe(&url, config.admin_token()).await {
        Ok(200) => ExitCode::SUCCESS,
        Ok(status) => {
            eprintln!("not ready: {url} answered {status}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("not ready: {url}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A minimal HTTP/1.1 GET over a plain TCP socket: the container image has no curl.
async fn probe(url: &str, admin_token: Option<&str>) -> std::io::Result<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let invalid = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidInput, m.to_string());
    let rest = url.strip_prefix("http://").ok_or_else(|| invalid("only http:// URLs are supported"))?;
    let (host_port, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let connect = tokio::net::TcpStream::connect(host_port);
    let mut stream = tokio::time::timeout(std::time::Duration::from_secs(3), connect)
        .await
        .map_err(|_| invalid("connect timed out"))??;
    let auth = admin_token.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host_port}\r\n{auth}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(3), stream.read(&mut head))
        .await
        .map_err(|_| invalid("read timed out"))??;
    let line = String::from_utf8_lossy(&head[..n]);
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| invalid("not an HTTP response"))
}
