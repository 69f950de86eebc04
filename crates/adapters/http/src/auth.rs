//! JWT HS256 bearer tokens: the algorithm is pinned, `exp` and `sub` are required.

use std::fmt;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use todo_domain::UserId;

use crate::error::ApiError;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iat: Option<i64>,
}

/// Signs and verifies tokens with the shared secret. The secret never prints.
#[derive(Clone)]
pub struct JwtAuth {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JwtAuth { secret: [redacted] }")
    }
}

/// Why a token was refused; the message is safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid,
    #[error("the token's subject is not a valid user id")]
    BadSubject,
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        ApiError::unauthorized(e.to_string())
    }
}

impl JwtAuth {
    #[must_use]
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_exp = true;
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A signed token for `user`, valid for `ttl`.
    ///
    /// # Errors
    /// When signing fails (it does not with an HMAC key).
    pub fn issue(&self, user: &UserId, ttl: Duration) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl.as_secs()).map_err(|_| TokenError::Invalid)?;
        let claims = Claims {
            sub: user.as_str().to_owned(),
            exp: now.saturating_add(ttl),
            iat: Some(now),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)
    }

    /// The user a token was issued to.
    ///
    /// # Errors
    /// [`TokenError`] for a bad signature, another algorithm, a missing or past `exp`.
    pub fn verify(&self, token: &str) -> Result<UserId, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        UserId::parse(data.claims.sub).map_err(|_| TokenError::BadSubject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(s: &str) -> UserId {
        UserId::parse(s).expect("user")
    }

    #[test]
    fn issues_and_verifies() {
        let auth = JwtAuth::new(b"secret-1");
        let token = auth
            .issue(&user("alice"), Duration::from_secs(60))
            .expect("token");
        assert_eq!(auth.verify(&token), Ok(user("alice")));
        assert_eq!(
            JwtAuth::new(b"other").verify(&token),
            Err(TokenError::Invalid)
        );
        assert_eq!(auth.verify("garbage"), Err(TokenError::Invalid));
    }

    #[test]
    fn refuses_expired_and_exp_less_tokens() {
        let auth = JwtAuth::new(b"secret-1");
        let old = Claims {
            sub: "alice".into(),
            exp: chrono::Utc::now().timestamp() - 3600,
            iat: None,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &old,
            &EncodingKey::from_secret(b"secret-1"),
        )
        .expect("encode");
        assert_eq!(auth.verify(&token), Err(TokenError::Expired));

        #[derive(Serialize)]
        struct NoExp {
            sub: String,
        }
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &NoExp {
                sub: "alice".into(),
            },
            &EncodingKey::from_secret(b"secret-1"),
        )
        .expect("encode");
        assert_eq!(auth.verify(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn refuses_other_algorithms() {
        let auth = JwtAuth::new(b"secret-1");
        let claims = Claims {
            sub: "alice".into(),
            exp: chrono::Utc::now().timestamp() + 3600,
            iat: None,
        };
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"secret-1"),
        )
        .expect("encode");
        assert_eq!(auth.verify(&token), Err(TokenError::Invalid));
    }
}
