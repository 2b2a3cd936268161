//! `natter admin …`: organizations, website accounts and staff members, from the
//! command line (list, create, update, delete, reset a password), plus backups and
//! query plans. The rules are the API's: validated the same way, one owner kept.

use crate::auth::hash_password;
use crate::config::{AdminCommand, DatabaseArgs};
use crate::store::{NewAccount, NewStaff, Store};
use natter_protocol::validate;
use std::io::{BufRead, Write};

type AdminResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn slug(value: &str, what: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(format!("{what} must be 1-64 of a-z, 0-9, '-' and '_'"))
    }
}

fn read_password() -> Result<String, String> {
    eprint!("password for the staff member: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.chars().count() < 4 {
        return Err("the password must have at least 4 characters".into());
    }
    Ok(password)
}

pub async fn run(database: DatabaseArgs, command: AdminCommand) -> AdminResult {
    // Two connections: a backup or a plan reads while the store's own tasks run.
    let store = Store::connect(&database.store_options(2)).await?;
    match command {
        AdminCommand::CreateOrg { id, name } => {
            let id = slug(&id, "the organization id")?;
            let name = validate::name(&name).map_err(|e| e.message)?;
            store.create_org(&id, &name).await?;
            println!("created organization {id}");
        }
        AdminCommand::CreateAccount {
            org,
            id,
            name,
            greeting,
            theme_color: color,
            origins,
        } => {
            let id = slug(&id, "the account id")?;
            let name = validate::name(&name).map_err(|e| e.message)?;
            let color = validate::theme_color(&color).map_err(|e| e.message)?;
            let origins =
                crate::chat::websites::allowed_origins(&origins).map_err(|e| e.message)?;
            let account = NewAccount {
                org_id: &org,
                id: &id,
                name: &name,
                greeting: greeting.trim(),
                theme_color: &color,
                allowed_origins: &origins,
            };
            store.create_account(account).await.map_err(|e| match e {
                crate::store::StoreError::NotFound => format!("no organization {org}"),
                other => other.to_string(),
            })?;
            println!("created website account {org}/{id}");
            println!(
                "embed: <script src=\"https://YOUR-NATTER-HOST/embed.js\" data-org=\"{org}\" data-account=\"{id}\" async></script>"
            );
        }
        AdminCommand::Backup { path } => {
            store.backup(&path).await?;
            println!("backed up to {}", path.display());
        }
        AdminCommand::Explain => {
            for plan in store.query_plans(false).await? {
                let verdict = plan
                    .problem()
                    .map_or("ok".to_owned(), |p| format!("SLOW: {p}"));
                println!("## {} ({verdict})\n{}\n", plan.name, plan.sql);
                for line in &plan.plan {
                    println!("    {line}");
                }
                println!();
            }
        }
        AdminCommand::CreateStaff {
            org,
            email,
            name,
            role,
            password,
        } => {
            let email = validate::email(&email).map_err(|e| e.message)?;
            let name = validate::name(&name).map_err(|e| e.message)?;
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let hash = hash_password(&password)?;
            let staff = NewStaff {
                org_id: &org,
                email: &email,
                name: &name,
                role: &role,
                password_hash: &hash,
            };
            let member = store.create_staff(staff).await.map_err(|e| match e {
                crate::store::StoreError::NotFound => format!("no organization {org}"),
                other => other.to_string(),
            })?;
            println!("created staff member {} ({})", member.email, member.id);
        }
        AdminCommand::ListOrgs => {
            for (id, name) in store.orgs().await? {
                println!("{id}\t{name}");
            }
        }
        AdminCommand::UpdateOrg { id, name } => {
            let name = validate::name(&name).map_err(|e| e.message)?;
            found(store.rename_org(&id, &name).await?, "organization", &id)?;
            println!("renamed organization {id}");
        }
        AdminCommand::DeleteOrg { id, yes } => {
            confirm(yes, &format!("organization {id} and everything of it"))?;
            found(store.delete_org(&id).await?, "organization", &id)?;
            println!("deleted organization {id}");
        }
        AdminCommand::ListAccounts { org } => {
            for account in store.accounts(&org).await? {
                let origins: Vec<&str> = account.origin_patterns().collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    account.id,
                    account.name,
                    account.theme_color,
                    origins.join(" "),
                    account.greeting
                );
            }
        }
        AdminCommand::UpdateAccount {
            org,
            id,
            name,
            greeting,
            theme_color,
            position,
            away_message,
            add_origins,
            remove_origins,
        } => {
            let Some(mut account) = store.account(&org, &id).await? else {
                return Err(format!("no website account {org}/{id}").into());
            };
            if let Some(name) = name {
                account.name = validate::name(&name).map_err(|e| e.message)?;
            }
            if let Some(greeting) = greeting {
                account.greeting = validate::greeting(&greeting).map_err(|e| e.message)?;
            }
            if let Some(colour) = theme_color {
                account.theme_color = validate::theme_color(&colour).map_err(|e| e.message)?;
            }
            if let Some(position) = position {
                account.position = position;
            }
            if let Some(message) = away_message {
                account.away_message = validate::away_message(&message).map_err(|e| e.message)?;
            }
            let mut origins: Vec<String> = account.origin_patterns().map(str::to_owned).collect();
            origins.extend(add_origins);
            // The API's rule: each an origin or pattern, no repeats.
            let mut origins =
                crate::chat::websites::allowed_origins(&origins).map_err(|e| e.message)?;
            for origin in remove_origins {
                let before = origins.len();
                origins.retain(|o| o != origin.trim());
                if origins.len() == before {
                    return Err(format!("{origin:?} is not an allowed origin of {org}/{id}").into());
                }
            }
            if origins.is_empty() {
                return Err("a website keeps at least one allowed origin".into());
            }
            account.allowed_origins = origins.join("\n");
            store.update_account(&account).await?;
            println!("updated website account {org}/{id} (running servers apply it within 10 s)");
        }
        AdminCommand::DeleteAccount { org, id, yes } => {
            confirm(
                yes,
                &format!("website account {org}/{id} with its visitors and conversations"),
            )?;
            found(
                store.delete_account(&org, &id).await?,
                "website account",
                &format!("{org}/{id}"),
            )?;
            println!("deleted website account {org}/{id}");
        }
        AdminCommand::ListStaff { org } => {
            for natter_protocol::TeamMember { member, .. } in store.staff_of(&org).await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    member.email, member.role, member.name, member.id
                );
            }
        }
        AdminCommand::UpdateStaff { email, role, name } => {
            let member = staff(&store, &email).await?;
            if let Some(name) = name {
                let name = validate::name(&name).map_err(|e| e.message)?;
                store.rename_staff(&member.id, &name).await?;
            }
            if let Some(role) = role
                && !store
                    .set_staff_role(&member.org_id, &member.id, &role)
                    .await?
            {
                return Err(LAST_OWNER.into());
            }
            println!("updated staff member {email}");
        }
        AdminCommand::DeleteStaff { email } => {
            let member = staff(&store, &email).await?;
            if store
                .delete_staff(&member.org_id, &member.id)
                .await?
                .is_none()
            {
                return Err(LAST_OWNER.into());
            }
            println!("removed staff member {email}; their sessions have ended");
        }
        AdminCommand::ResetPassword { email, password } => {
            let member = staff(&store, &email).await?;
            let password = match password {
                Some(p) => p,
                None => read_password()?,
            };
            let password = validate::password(&password).map_err(|e| e.message)?;
            store
                .set_password_hash(&member.id, &hash_password(&password)?)
                .await?;
            store.end_sessions(&member.id, "").await?;
            println!("set a new password for {email}; their sessions have ended");
        }
    }
    store.close().await;
    Ok(())
}

const LAST_OWNER: &str =
    "an organization keeps at least one owner: make someone else an owner first";

fn found(done: bool, what: &str, id: &str) -> Result<(), String> {
    if done {
        Ok(())
    } else {
        Err(format!("no {what} {id}"))
    }
}

fn confirm(yes: bool, what: &str) -> Result<(), String> {
    if yes {
        Ok(())
    } else {
        Err(format!("this deletes {what}: add --yes to confirm"))
    }
}

async fn staff(store: &Store, email: &str) -> Result<natter_protocol::StaffMember, String> {
    let email = email.trim().to_lowercase();
    match store.staff_by_email(&email).await {
        Ok(Some(credentials)) => Ok(credentials.staff),
        Ok(None) => Err(format!("no staff member {email}")),
        Err(e) => Err(e.to_string()),
    }
}
