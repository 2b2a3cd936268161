//! `natter admin …`: create organizations, website accounts and staff members.

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
    eprint!("password for the new staff member: ");
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
            for origin in &origins {
                let ok = origin == "*"
                    || origin.starts_with("http://")
                    || origin.starts_with("https://");
                if !ok {
                    return Err(format!(
                        "origin {origin:?} must start with http:// or https://, or be *"
                    )
                    .into());
                }
            }
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
    }
    store.close().await;
    Ok(())
}
