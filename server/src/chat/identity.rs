//! Verified visitor identity: a website's server signs its user's id with the website's
//! identity secret (`user_hash` = hex HMAC-SHA256(secret, id)); a visitor presenting a
//! valid hash is that contact on every browser and device.

use crate::auth::{Permission, StaffAuth, new_visitor_token, token_digest};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Account, NewContact, VisitorIdentity};
use base64::Engine;
use hmac::{Hmac, Mac};
use natter_protocol::validate::{self, optional};
use natter_protocol::{Identified, Identify, IdentitySecret};
use rand::RngCore;
use sha2::Sha256;

/// The contact behind `body.id` on `account`, made on first use, with a token for this
/// browser and their conversations. A hash that does not match is refused. A browser
/// that already holds this contact's token (`holding`) keeps it: a page view adds none.
pub async fn identify(
    state: &AppState,
    account: Account,
    body: Identify,
    holding: Option<(VisitorIdentity, String)>,
) -> ApiResult<Identified> {
    let external_id = validate::external_id(&body.id)?;
    let hash = validate::user_hash(&body.user_hash)?;
    let name = optional(body.name.as_deref(), validate::name)?;
    let email = optional(body.email.as_deref(), validate::email)?;
    let Some(secret) = account.identity_secret.as_deref() else {
        return Err(ApiError::Forbidden(
            "this website has no identity secret yet: an admin makes one in its settings",
        ));
    };
    if !verifies(secret, &external_id, &hash) {
        return Err(ApiError::Forbidden(
            "user_hash does not match id: compute it on your server as the hex HMAC-SHA256 \
             of the id with this website's current identity secret",
        ));
    }
    let kept = holding.and_then(|(visitor, token)| {
        let same = visitor.org_id == account.org_id
            && visitor.account_id == account.id
            && visitor.external_id.as_deref() == Some(external_id.as_str());
        same.then_some(token)
    });
    let (token, new_hash) = match kept {
        Some(token) => (token, None),
        None => {
            let token = new_visitor_token();
            let hash = token_digest(&token);
            (token, Some(hash))
        }
    };
    let contact = NewContact {
        external_id: &external_id,
        name: name.as_deref(),
        email: email.as_deref(),
        token_hash: new_hash.as_deref(),
    };
    let visitor = state.store.identify_visitor(&account, contact).await?;
    let conversations = state.store.visitor_conversations(&visitor.id).await?;
    Ok(Identified {
        visitor_id: visitor.id,
        visitor_token: token,
        conversations,
    })
}

/// A new identity secret for a website of the caller's organization (owners and
/// admins); hashes made with the old one stop verifying at once.
pub async fn rotate_secret(
    state: &AppState,
    auth: &StaffAuth,
    account_id: &str,
) -> ApiResult<IdentitySecret> {
    let mut account = crate::chat::websites::find(state, auth, account_id).await?;
    auth.require(Permission::ManageWebsites)?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!(
        "nis_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    account.identity_secret = Some(secret.clone());
    state.store.update_account(&account).await?;
    Ok(IdentitySecret { secret })
}

/// Whether `hash` is HMAC-SHA256(secret, id), compared in constant time.
fn verifies(secret: &str, id: &str, hash: &[u8]) -> bool {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(id.as_bytes());
    mac.verify_slice(hash).is_ok()
}

#[cfg(test)]
mod tests {
    use super::verifies;

    /// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC_4231_2: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn hashes_verify_only_with_their_secret_and_id() {
        let hash = natter_protocol::validate::user_hash(RFC_4231_2).unwrap();
        let id = "what do ya want for nothing?";
        for (secret, id, ok) in [
            ("Jefe", id, true),
            ("jefe", id, false),
            ("Jefe", "what do ya want for nothing", false),
        ] {
            assert_eq!(verifies(secret, id, &hash), ok, "{secret} {id}");
        }
    }
}
