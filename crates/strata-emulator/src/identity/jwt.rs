//! JSON Web Tokens: signing what the emulator issues (HS256 with a key that lives as long as
//! the process), and reading and verifying what clients present (HS256 for our own tokens,
//! RS256 for certificate clients' assertions).

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

/// A decoded (not yet trusted) token.
pub(super) struct Jwt<'a> {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `header.claims`, what the signature covers.
    signed: &'a str,
    signature: Vec<u8>,
}

impl Jwt<'_> {
    /// A string claim (or header field).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn header_text(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// A time claim (`exp`, `nbf`, `iat`), in seconds since the epoch.
    pub fn time(&self, name: &str) -> Option<i64> {
        match self.claims.get(name)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            _ => None,
        }
    }

    /// The audience: a string, or the first of a list.
    pub fn audience(&self) -> Option<&str> {
        match self.claims.get("aud")? {
            Value::String(s) => Some(s),
            Value::Array(items) => items.first().and_then(Value::as_str),
            _ => None,
        }
    }

    pub fn verify_hs256(&self, key: &hmac::Key) -> bool {
        self.header_text("alg") == Some("HS256")
            && hmac::verify(key, self.signed.as_bytes(), &self.signature).is_ok()
    }

    /// RS256 with a DER public key (`SubjectPublicKeyInfo` or `RSAPublicKey`).
    pub fn verify_rs256(&self, public_key: &[u8]) -> bool {
        self.header_text("alg") == Some("RS256")
            && UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
                .verify(self.signed.as_bytes(), &self.signature)
                .is_ok()
    }
}

/// Splits and decodes a compact JWS. `None` when it is not one.
pub(super) fn decode(token: &str) -> Option<Jwt<'_>> {
    let mut parts = token.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let object = |part: &str| -> Option<Map<String, Value>> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    };
    Some(Jwt {
        header: object(header)?,
        claims: object(claims)?,
        signed: &token[..header.len() + 1 + claims.len()],
        signature: URL_SAFE_NO_PAD.decode(signature.trim_end_matches('=')).ok()?,
    })
}

/// An HS256 token with `claims`; `kid` names the key, so that a token of one kind is never
/// mistaken for another.
pub(super) fn sign_hs256(key: &hmac::Key, kid: &str, claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "HS256", "kid": kid});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let tag = hmac::sign(key, signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// Seconds since the epoch.
pub(super) fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A fresh random HMAC key.
pub(super) fn new_key() -> hmac::Key {
    let mut bytes = [0u8; 32];
    // The system generator does not fail on supported platforms; should it, a key from two
    // random UUIDs is still unpredictable enough for a local emulator.
    if aws_lc_rs::rand::fill(&mut bytes).is_err() {
        let a = uuid::Uuid::new_v4();
        let b = uuid::Uuid::new_v4();
        bytes[..16].copy_from_slice(a.as_bytes());
        bytes[16..].copy_from_slice(b.as_bytes());
    }
    hmac::Key::new(hmac::HMAC_SHA256, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_round_trip() {
        let key = new_key();
        let token = sign_hs256(&key, "k", &json!({"aud": ["x", "y"], "exp": 5, "tid": "t"}));
        let jwt = decode(&token).unwrap();
        assert!(jwt.verify_hs256(&key));
        assert!(!jwt.verify_hs256(&new_key()));
        assert!(!jwt.verify_rs256(&[1, 2, 3]));
        assert_eq!(jwt.audience(), Some("x"));
        assert_eq!(jwt.time("exp"), Some(5));
        assert_eq!(jwt.text("tid"), Some("t"));
        assert_eq!(jwt.header_text("kid"), Some("k"));
        // Any change to the claims breaks the signature.
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(json!({"aud": "x", "exp": 9}).to_string()),
            parts[2]
        );
        assert!(!decode(&forged).unwrap().verify_hs256(&key));
    }

    #[test]
    fn rejects_what_is_not_a_jwt() {
        for bad in [
            "",
            "a",
            "a.b",
            "a.b.c.d",
            "e30.e30.!!",
            "W10.e30.",
            "e30.bm9wZQ.x",
        ] {
            assert!(decode(bad).is_none(), "{bad}");
        }
        assert!(decode("e30.e30.").is_some());
    }
}
