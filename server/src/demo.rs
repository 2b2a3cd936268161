//! `--demo`: the demo organization, website account and staff member.

use crate::auth::hash_password;
use crate::store::{NewAccount, NewStaff, Store};

pub const ORG: &str = "demo";
pub const ACCOUNT: &str = "demo";
pub const STAFF_EMAIL: &str = "demo@example.com";
pub const STAFF_PASSWORD: &str = "demo";

/// Creates whatever of the demo data is missing; safe to run on every start.
pub async fn seed(store: &Store) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if !store.org_exists(ORG).await? {
        store.create_org(ORG, "Demo Shop").await?;
    }
    if store.account(ORG, ACCOUNT).await?.is_none() {
        let origins = [
            "http://localhost:*".to_owned(),
            "http://127.0.0.1:*".to_owned(),
        ];
        store
            .create_account(NewAccount {
                org_id: ORG,
                id: ACCOUNT,
                name: "Demo Shop",
                greeting: "Hi there! Ask us anything, we usually answer in a few minutes.",
                theme_color: "#4f46e5",
                allowed_origins: &origins,
            })
            .await?;
    }
    if store.staff_by_email(STAFF_EMAIL).await?.is_none() {
        let hash = hash_password(STAFF_PASSWORD)?;
        store
            .create_staff(NewStaff {
                org_id: ORG,
                email: STAFF_EMAIL,
                name: "Demo Agent",
                role: "admin",
                password_hash: &hash,
            })
            .await?;
    }
    tracing::info!(
        org = ORG,
        account = ACCOUNT,
        staff = STAFF_EMAIL,
        "demo data seeded (password: demo)"
    );
    Ok(())
}
