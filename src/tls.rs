//! The optional HTTPS listener's certificate: the user's own (`--tls-certificate`, `--tls-key`), or
//! a self-signed one made once and kept in the database, so that it stays the same across restarts
//! and replicas and a client trusts it once (`GET /_emulator/tls/certificate` exports it).

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use crate::config::ConfigurationError;
use crate::config::{Config, ListenAddr};
use crate::store::Store;

/// The certificate (chain) and key the HTTPS listener serves, as PEM.
#[derive(Clone)]
pub struct TlsMaterial {
    pub certificate_pem: String,
    key_pem: String,
}

/// The names a self-signed certificate covers: the loopback names, and the listen host when it
/// is a name or a specific address.
pub fn certificate_names(listen: &ListenAddr) -> Vec<String> {
    let mut names: Vec<String> = ["localhost", "127.0.0.1", "::1"].iter().map(|n| n.to_string()).collect();
    let host = listen.host.trim_start_matches('[').trim_end_matches(']').to_lowercase();
    if !host.is_empty() && host != "0.0.0.0" && host != "::" && !names.contains(&host) {
        names.push(host);
    }
    names
}

/// The certificate and key: from the configured files, or the database's self-signed one.
pub async fn load(config: &Config, listen: &ListenAddr, store: &Store) -> anyhow::Result<TlsMaterial> {
    if let (Some(cert), Some(key)) = (&config.tls_certificate, &config.tls_key) {
        let read = |path: &std::path::Path, what: &str| {
            std::fs::read_to_string(path).map_err(|e| {
                ConfigurationError(format!(
                    "cannot read the TLS {what} {} ({}): {e}",
                    path.display(),
                    "--tls-certificate, --tls-key"
                ))
            })
        };
        return Ok(TlsMaterial { certificate_pem: read(cert, "certificate")?, key_pem: read(key, "key")? });
    }
    let names = certificate_names(listen);
    let key = format!("tls_self_signed:{}", names.join(","));
    let proposed = self_signed(&names)?;
    let stored = store.setting_or_insert(&key, &proposed).await?;
    let (certificate_pem, key_pem) = stored
        .split_once("\n\n")
        .ok_or_else(|| anyhow::anyhow!("the stored TLS certificate ({key}) is not a certificate and a key"))?;
    Ok(TlsMaterial { certificate_pem: certificate_pem.to_string(), key_pem: key_pem.to_string() })
}

/// A new self-signed certificate for `names`, and its key: PEM, separated by a blank line.
fn self_signed(names: &[String]) -> anyhow::Result<String> {
    let certified = rcgen::generate_simple_self_signed(names.to_vec())?;
    Ok(format!("{}\n\n{}", certified.cert.pem().trim_end(), certified.key_pair.serialize_pem()))
}

/// The acceptor for the HTTPS listener (HTTP/1.1, TLS 1.2 and 1.3).
pub fn acceptor(material: &TlsMaterial) -> anyhow::Result<TlsAcceptor> {
    let certificates = CertificateDer::pem_slice_iter(material.certificate_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ConfigurationError(format!("the TLS certificate is not PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(ConfigurationError("the TLS certificate file holds no certificate".into()).into());
    }
    let key = PrivateKeyDer::from_pem_slice(material.key_pem.as_bytes())
        .map_err(|e| ConfigurationError(format!("the TLS key is not a PEM private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|e| ConfigurationError(format!("the TLS certificate and key do not go together: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_covers_loopback_and_the_listen_host() {
        let names = certificate_names(&"emulator.test:8443".parse().unwrap());
        assert_eq!(names, ["localhost", "127.0.0.1", "::1", "emulator.test"]);
        assert_eq!(certificate_names(&"0.0.0.0:8443".parse().unwrap()).len(), 3);
        let pem = self_signed(&names).unwrap();
        let (certificate_pem, key_pem) = pem.split_once("\n\n").unwrap();
        let material = TlsMaterial { certificate_pem: certificate_pem.into(), key_pem: key_pem.into() };
        assert!(acceptor(&material).is_ok());
    }
}
