//! [`ClientCertificateCredential`]: an application proving itself with a certificate.
//!
//! Entra ID accepts a JWT signed with the certificate's RSA key (RS256) as a client
//! assertion; the header names the certificate by its SHA-1 thumbprint (`x5t`), and the claims
//! say who (`iss` = `sub` = client id), for whom (`aud` = the token endpoint) and for how long.
//!
//! The file is PEM: the certificate and its unencrypted private key (PKCS#8 `PRIVATE KEY` or
//! PKCS#1 `RSA PRIVATE KEY`), in either order, as the Azure SDKs accept. PKCS#12 (`.pfx`)
//! files and encrypted keys are refused with the `openssl` command that converts them: no
//! maintained pure-Rust PKCS#12 reader comes without a heavy tree of pre-release crypto crates.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use strata_arm::{AccessToken, ArmError, TokenCredential};
use strata_core::Secret;
use url::Url;

use crate::cache::TokenCache;
use crate::entra::{ClientAuth, Entra, Names};
use crate::error::AuthError;
use crate::jwt;

/// How long a client assertion is valid; Entra only needs it for the one request.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// Client credentials with a certificate (`ARM_CLIENT_CERTIFICATE_PATH`).
pub struct ClientCertificateCredential {
    entra: Entra,
    key: RsaKeyPair,
    /// base64url of the certificate's SHA-1 digest.
    thumbprint: String,
    cache: TokenCache,
}

impl std::fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("token_url", &self.entra.token_url().as_str())
            .field("client_id", &self.entra.client_id())
            .field("x5t", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

impl ClientCertificateCredential {
    /// Reads the PEM file at `path` (certificate and unencrypted RSA key).
    pub fn from_file(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        path: &Path,
    ) -> Result<ClientCertificateCredential, AuthError> {
        let names = Names::new("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_CLIENT_CERTIFICATE_PATH");
        ClientCertificateCredential::load(authority, tenant_id, client_id, path, false, names)
    }

    pub(crate) fn load(
        authority: &Url,
        tenant_id: &str,
        client_id: &str,
        path: &Path,
        password_given: bool,
        names: Names,
    ) -> Result<ClientCertificateCredential, AuthError> {
        let bytes = std::fs::read(path).map_err(|source| AuthError::File {
            what: "certificate file",
            path: path.to_path_buf(),
            var: names.credential.clone(),
            source,
        })?;
        let problem = |problem: String| AuthError::Certificate {
            path: path.to_path_buf(),
            var: names.credential.clone(),
            problem,
        };
        let (certificate, key) = parse_pem(&bytes, path, password_given).map_err(problem)?;
        let thumbprint =
            jwt::b64url(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &certificate).as_ref());
        Ok(ClientCertificateCredential {
            entra: Entra::new(authority, tenant_id, client_id, names)?,
            key,
            thumbprint,
            cache: TokenCache::default(),
        })
    }

    /// A fresh signed client assertion.
    fn assertion(&self) -> Result<Secret, AuthError> {
        let now = SystemTime::now();
        let header = json!({"alg": "RS256", "typ": "JWT", "x5t": self.thumbprint});
        let claims = json!({
            "aud": self.entra.token_url().as_str(),
            "iss": self.entra.client_id(),
            "sub": self.entra.client_id(),
            "jti": uuid::Uuid::new_v4().to_string(),
            "iat": jwt::epoch_seconds(now),
            "nbf": jwt::epoch_seconds(now),
            "exp": jwt::epoch_seconds(now + ASSERTION_LIFETIME),
        });
        let input = jwt::signing_input(&header, &claims);
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| AuthError::Certificate {
                path: PathBuf::new(),
                var: self.entra.names().credential.clone(),
                problem: "has a key that cannot sign".into(),
            })?;
        Ok(Secret::new(format!("{input}.{}", jwt::b64url(&signature))))
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken, AuthError> {
        let assertion = self.assertion()?;
        self.entra.token(scope, ClientAuth::Assertion(&assertion)).await
    }
}

#[async_trait::async_trait]
impl TokenCredential for ClientCertificateCredential {
    async fn token(&self, scope: &str) -> Result<AccessToken, ArmError> {
        self.cache.get(scope, || self.fetch(scope)).await
    }
}

/// One `-----BEGIN label-----` block.
struct Block {
    label: String,
    der: Vec<u8>,
    encrypted_headers: bool,
}

fn pem_blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut b64 = String::new();
        let mut encrypted_headers = false;
        let mut closed = false;
        for line in lines.by_ref() {
            if line == end {
                closed = true;
                break;
            }
            if line.contains(':') {
                // RFC 1421 headers: only legacy encrypted keys carry them.
                encrypted_headers |= line.contains("ENCRYPTED");
                continue;
            }
            b64.push_str(line);
        }
        if !closed {
            return Err(format!("has a `{label}` block without its END line"));
        }
        let der = STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| format!("has a `{label}` block that is not valid base64 ({e})"))?;
        blocks.push(Block {
            label: label.to_string(),
            der,
            encrypted_headers,
        });
    }
    Ok(blocks)
}

/// The first certificate's DER and the RSA key of a PEM file.
fn parse_pem(bytes: &[u8], path: &Path, password_given: bool) -> Result<(Vec<u8>, RsaKeyPair), String> {
    let convert = format!("openssl pkcs12 -in {} -out client.pem -nodes", path.display());
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(format!(
            "is not PEM (a PKCS#12 .pfx file?); only PEM is supported: convert it with `{convert}`"
        ));
    };
    let blocks = pem_blocks(text)?;
    if blocks.is_empty() {
        return Err(format!(
            "holds no PEM blocks; only PEM (certificate and private key) is supported, \
             convert a .pfx with `{convert}`"
        ));
    }
    let certificate = blocks
        .iter()
        .find(|b| b.label == "CERTIFICATE")
        .map(|b| b.der.clone())
        .ok_or("holds no `CERTIFICATE` block")?;
    let key = blocks
        .iter()
        .find(|b| b.label.ends_with("PRIVATE KEY"))
        .ok_or("holds no private key block")?;
    let encrypted_hint = if password_given {
        "encrypted keys are not supported even with a password"
    } else {
        "encrypted keys are not supported"
    };
    let parsed = match key.label.as_str() {
        "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&key.der),
        "RSA PRIVATE KEY" if !key.encrypted_headers => RsaKeyPair::from_der(&key.der),
        "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" => {
            return Err(format!(
                "holds an encrypted private key; {encrypted_hint}: decrypt it with \
                 `openssl pkey -in {0} -out client-key.pem` and put the plain key in the file",
                path.display()
            ));
        }
        other => {
            return Err(format!(
                "holds a `{other}`; Entra ID client assertions need an RSA key"
            ));
        }
    };
    let key = parsed.map_err(|e| format!("holds a private key that is not a usable RSA key ({e})"))?;
    Ok((certificate, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    fn load(name: &str) -> Result<ClientCertificateCredential, AuthError> {
        ClientCertificateCredential::from_file(
            &"http://127.0.0.1:1".parse().unwrap(),
            "t",
            "c",
            &fixture(name),
        )
    }

    #[test]
    fn pem_files_in_either_key_format() {
        let expected = std::fs::read_to_string(fixture("cert-sha1.txt")).unwrap();
        let bytes: Vec<u8> = (0..expected.trim().len() / 2)
            .map(|i| u8::from_str_radix(&expected.trim()[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        for name in ["client.pem", "client-rsa.pem"] {
            let c = load(name).unwrap();
            assert_eq!(c.thumbprint, jwt::b64url(&bytes), "{name}");
            let assertion = c.assertion().unwrap();
            assert_eq!(assertion.expose().split('.').count(), 3);
        }
    }

    #[test]
    fn unsupported_files_say_how_to_convert() {
        let err = load("client.pfx").unwrap_err().to_string();
        assert!(
            err.contains("openssl pkcs12 -in ") && err.contains("client.pfx -out client.pem -nodes"),
            "{err}"
        );
        assert!(err.contains("(from ARM_CLIENT_CERTIFICATE_PATH)"), "{err}");
        let err = load("client-encrypted.pem").unwrap_err().to_string();
        assert!(err.contains("encrypted private key"), "{err}");
        let err = load("missing.pem").unwrap_err().to_string();
        assert!(err.starts_with("cannot read the certificate file"), "{err}");
    }

    #[test]
    fn pem_structure_errors() {
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(pem_blocks("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n").is_err());
        let blocks = pem_blocks("junk\n-----BEGIN X-----\nAAEC\n-----END X-----\n").unwrap();
        assert_eq!(
            (blocks[0].label.as_str(), blocks[0].der.as_slice()),
            ("X", &[0u8, 1, 2][..])
        );
        let only_cert = "-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n";
        let err = parse_pem(only_cert.as_bytes(), Path::new("c.pem"), false)
            .err()
            .unwrap();
        assert_eq!(err, "holds no private key block");
    }
}
