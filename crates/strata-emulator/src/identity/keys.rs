//! The public keys of certificate clients, read from PEM: a certificate (whose
//! `SubjectPublicKeyInfo` is taken out of its DER, and whose thumbprints name it in client
//! assertions) or a bare public key.

use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::CertificateKey;

/// The key of the first certificate in `pem`, else of its first public key block.
pub(super) fn from_pem(pem: &[u8]) -> Result<CertificateKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "is not a PEM file".to_string())?;
    let blocks = pem_blocks(text)?;
    if let Some(der) = blocks.iter().find(|(l, _)| l == "CERTIFICATE").map(|(_, d)| d) {
        let public_key = certificate_public_key(der)
            .ok_or("holds a certificate that cannot be read (not X.509 DER)")?
            .to_vec();
        let sha1 = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der);
        let sha256 = digest::digest(&digest::SHA256, der);
        return Ok(CertificateKey {
            public_key,
            thumbprints: Some((
                URL_SAFE_NO_PAD.encode(sha1.as_ref()),
                URL_SAFE_NO_PAD.encode(sha256.as_ref()),
            )),
        });
    }
    let key = blocks
        .iter()
        .find(|(l, _)| l == "PUBLIC KEY" || l == "RSA PUBLIC KEY")
        .map(|(_, d)| d.clone())
        .ok_or("holds no CERTIFICATE or PUBLIC KEY block")?;
    Ok(CertificateKey {
        public_key: key,
        thumbprints: None,
    })
}

/// `(label, DER)` of every `-----BEGIN label-----` block.
fn pem_blocks(text: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
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
        let mut closed = false;
        for line in lines.by_ref() {
            if line == end {
                closed = true;
                break;
            }
            if !line.contains(':') {
                b64.push_str(line);
            }
        }
        if !closed {
            return Err(format!("has a `{label}` block without its END line"));
        }
        let der = STANDARD
            .decode(b64.as_bytes())
            .map_err(|e| format!("has a `{label}` block that is not valid base64 ({e})"))?;
        blocks.push((label.to_string(), der));
    }
    Ok(blocks)
}

/// One DER element: its tag, its whole encoding, and its contents.
struct Element<'a> {
    tag: u8,
    whole: &'a [u8],
    contents: &'a [u8],
}

/// The element at the start of `input`, and what follows it.
fn element(input: &[u8]) -> Option<(Element<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |n, b| (n << 8) | usize::from(*b));
        (length, &rest[count..])
    };
    if rest.len() < length {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Element {
            tag,
            whole: &input[..header + length],
            contents: &rest[..length],
        },
        &rest[length..],
    ))
}

const SEQUENCE: u8 = 0x30;
const VERSION: u8 = 0xa0;

/// The `SubjectPublicKeyInfo` of an X.509 certificate: the seventh field of
/// `tbsCertificate` (the sixth when the optional version is absent).
fn certificate_public_key(der: &[u8]) -> Option<&[u8]> {
    let (certificate, _) = element(der)?;
    let (tbs, _) = element(certificate.contents)?;
    if certificate.tag != SEQUENCE || tbs.tag != SEQUENCE {
        return None;
    }
    let mut rest = tbs.contents;
    let (first, after) = element(rest)?;
    if first.tag == VERSION {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject.
    for _ in 0..5 {
        rest = element(rest)?.1;
    }
    let (spki, _) = element(rest)?;
    (spki.tag == SEQUENCE).then_some(spki.whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_elements() {
        let (e, rest) = element(&[0x30, 0x03, 1, 2, 3, 9]).unwrap();
        assert_eq!((e.tag, e.contents, rest), (0x30, &[1u8, 2, 3][..], &[9u8][..]));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x80));
        let (e, rest) = element(&long).unwrap();
        assert_eq!((e.contents.len(), e.whole.len(), rest.len()), (128, 131, 0));
        assert!(element(&[0x30, 0x05, 1]).is_none());
        assert!(element(&[0x30, 0x80]).is_none());
        assert!(certificate_public_key(&[0x30, 0x00]).is_none());
    }

    #[test]
    fn certificates_and_public_keys() {
        use aws_lc_rs::rand::SystemRandom;
        use aws_lc_rs::signature::{
            RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
        };

        let pem = include_bytes!("../../tests/fixtures/client.pem");
        let key = from_pem(pem).unwrap();
        let (sha1, sha256) = key.thumbprints.clone().unwrap();
        // `openssl x509 -outform der | openssl dgst -sha1 -binary`, base64url.
        assert_eq!(sha1, "40g_l7415u08KLdTXkNqAfB-qtQ");
        assert_eq!(sha256.len(), 43);
        // The public key taken out of the certificate verifies what the private key signs.
        let text = std::str::from_utf8(pem).unwrap();
        let private = pem_blocks(text)
            .unwrap()
            .into_iter()
            .find(|(l, _)| l == "PRIVATE KEY")
            .unwrap()
            .1;
        let pair = RsaKeyPair::from_pkcs8(&private).unwrap();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), b"msg", &mut signature)
            .unwrap();
        let public = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key.public_key);
        assert!(public.verify(b"msg", &signature).is_ok());
        assert!(public.verify(b"other", &signature).is_err());
        let bare = from_pem(include_bytes!("../../tests/fixtures/client-public-key.pem")).unwrap();
        assert_eq!((bare.public_key, bare.thumbprints), (key.public_key, None));
    }

    #[test]
    fn pem_errors() {
        assert!(from_pem(b"nothing here").is_err());
        assert!(from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(from_pem(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n").is_err());
        let not_x509 = b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert!(from_pem(not_x509).unwrap_err().contains("cannot be read"));
        let key = from_pem(b"-----BEGIN PUBLIC KEY-----\nAQID\n-----END PUBLIC KEY-----\n").unwrap();
        assert_eq!((key.public_key, key.thumbprints), (vec![1, 2, 3], None));
    }
}
