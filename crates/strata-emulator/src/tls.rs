//! `--tls`: https on the emulator's port, for clients that refuse to send a bearer token over
//! http (the Azure SDKs' bearer policies, the `az` CLI).
//!
//! At start the emulator makes a throw-away certificate authority and a serving certificate it
//! signs for `localhost`, `127.0.0.1` and `::1` (and the listen address), both ECDSA P-256 and
//! never written with their keys. The authority's certificate is written as PEM to
//! [`TlsConfig::cert_file`]: clients trust it with `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE` or
//! `NODE_EXTRA_CA_CERTS`. A separate authority (rather than one self-signed serving certificate)
//! keeps strict verifiers happy (Python 3.13's `VERIFY_X509_STRICT`, Go): the trust anchor is
//! a CA, the leaf is not, and it carries the authority key identifier and `serverAuth`.
//!
//! Handshakes run in their own tasks ([`accept_loop`]), so that a client that connects and says
//! nothing cannot hold up the others.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::Datelike;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::EmulatorError;

/// How long a client may take to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve https; where to write the certificate clients should trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    /// The PEM file the emulator's certificate authority is written to at start (replaced if
    /// it exists; its folder must exist).
    pub cert_file: PathBuf,
}

/// What [`prepare`] made: the acceptor and the authority's PEM.
pub(crate) struct Prepared {
    pub acceptor: TlsAcceptor,
    pub ca_pem: String,
}

fn tls_error(message: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::Tls(message.to_string())
}

/// Makes the certificates for `addr` and writes the authority's to the configured file.
pub(crate) fn prepare(config: &TlsConfig, addr: SocketAddr) -> Result<Prepared, EmulatorError> {
    let year = chrono::Utc::now().year();
    let validity = |params: &mut CertificateParams| {
        params.not_before = rcgen::date_time_ymd(year - 1, 1, 1);
        params.not_after = rcgen::date_time_ymd(year + 2, 1, 1);
    };

    let ca_key = KeyPair::generate().map_err(tls_error)?;
    let mut ca = CertificateParams::default();
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "strata emulator local CA (NOT Azure)");
    ca.distinguished_name
        .push(DnType::OrganizationName, "strata emulator");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca);
    let ca_cert = ca.self_signed(&ca_key).map_err(tls_error)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut names = vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ];
    let ip = addr.ip();
    if !ip.is_unspecified() && !names.contains(&ip.to_string()) {
        names.push(ip.to_string());
    }
    let mut leaf = CertificateParams::new(names).map_err(tls_error)?;
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::CommonName, "strata emulator (NOT Azure)");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    validity(&mut leaf);
    let leaf_key = KeyPair::generate().map_err(tls_error)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(tls_error)?;

    let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_error)?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];

    let ca_pem = ca_cert.pem();
    std::fs::write(&config.cert_file, &ca_pem).map_err(|source| EmulatorError::CertFile {
        path: config.cert_file.clone(),
        source,
    })?;
    Ok(Prepared {
        acceptor: TlsAcceptor::from(Arc::new(server)),
        ca_pem,
    })
}

/// Accepts TCP connections and hands finished handshakes to `ready`, each in its own task.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<tokio::net::TcpStream>, SocketAddr)>,
) {
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "the emulator cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        if ready.is_closed() {
            return;
        }
        let _ = stream.set_nodelay(true);
        let (acceptor, ready) = (acceptor.clone(), ready.clone());
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, addr)).await;
                }
                Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
            }
        });
    }
}
