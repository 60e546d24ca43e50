//! `scioc user …`.

use super::{Place, open_existing_store, open_store};
use crate::{
    cli::{ListFormat, UserCommand},
    output,
};
use anyhow::{Context, Result, bail};
use scioc_model::{FeedTime, UserName};
use scioc_server::password;
use scioc_store::NewUser;
use std::io::IsTerminal;
use std::str::FromStr;

pub(super) async fn run(place: &Place, cmd: UserCommand) -> Result<()> {
    // Only adding a user may make a store; listing, removing and changing need one.
    let store = match cmd {
        UserCommand::Add { .. } => open_store(place).await?,
        _ => open_existing_store(place).await?,
    };
    match cmd {
        UserCommand::Add { name, role, password_stdin } => {
            let name = user_name(&name)?;
            let hash = read_and_hash(password_stdin)?;
            store.create_user(NewUser { name: name.clone(), role, password_hash: hash, now: FeedTime::now() }).await?;
            output::ok(&format!("added user {name} ({role})"));
        }
        UserCommand::List { format } => {
            let users = store.users().await?;
            match format {
                ListFormat::Json => {
                    let list: Vec<_> = users
                        .iter()
                        .map(|u| {
                            serde_json::json!({
                                "name": u.name.as_str(),
                                "role": u.role.as_str(),
                                "created_at": u.created_at.to_utc_string(),
                                "updated_at": u.updated_at.to_utc_string(),
                            })
                        })
                        .collect();
                    println!("{}", serde_json::to_string_pretty(&list)?);
                }
                ListFormat::Table => {
                    if users.is_empty() {
                        output::hint("no users; add one with: scioc user add NAME --password-stdin");
                        return Ok(());
                    }
                    let mut table = comfy_table::Table::new();
                    table.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY).set_header([
                        "name",
                        "role",
                        "created (UTC)",
                        "changed (UTC)",
                    ]);
                    for u in &users {
                        table.add_row([
                            u.name.as_str(),
                            u.role.as_str(),
                            &u.created_at.to_utc_string(),
                            &u.updated_at.to_utc_string(),
                        ]);
                    }
                    println!("{table}");
                }
            }
        }
        UserCommand::Remove { name } => {
            let name = user_name(&name)?;
            store.remove_user(&name).await?;
            output::ok(&format!("removed user {name} and their cursor"));
        }
        UserCommand::Passwd { name, password_stdin } => {
            let name = user_name(&name)?;
            if store.user(&name).await?.is_none() {
                bail!("no user {name:?}");
            }
            let hash = read_and_hash(password_stdin)?;
            store.set_password(&name, hash).await?;
            output::ok(&format!("changed the password of {name}"));
        }
        UserCommand::Role { name, role } => {
            let name = user_name(&name)?;
            store.set_role(&name, role).await?;
            output::ok(&format!("{name} is now {role}"));
        }
    }
    Ok(())
}

fn user_name(name: &str) -> Result<UserName> {
    UserName::from_str(name).map_err(|e| anyhow::anyhow!("user name {name:?}: {e}"))
}

/// Reads a password from stdin's first line or, on a terminal, a hidden prompt; then hashes it.
fn read_and_hash(from_stdin: bool) -> Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("reading the password from stdin")?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ").context("reading the password")?;
        let again = rpassword::prompt_password("again: ").context("reading the password")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    } else {
        bail!("no password given: pass --password-stdin and pipe the password in, or run on a terminal to be prompted");
    };
    password::check(&password)?;
    Ok(password::hash(&password)?)
}
