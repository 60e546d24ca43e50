//! Users and their password hashes.

use super::{Conn, PgResultExt};
use crate::{Error, NewUser, Result, UserRecord};
use scioc_model::{FeedTime, Role, UserName};
use std::str::FromStr;
use tokio_postgres::{Row, error::SqlState};

const COLUMNS: &str = "name, role, password_hash, created_at, updated_at";

/// Reads the columns of [`COLUMNS`] as a user.
pub(super) fn record(row: &Row) -> Result<UserRecord> {
    let name: String = row.get(0);
    let role: String = row.get(1);
    Ok(UserRecord {
        name: UserName::from_str(&name).map_err(|e| Error::Schema(format!("stored user name {name:?}: {e}")))?,
        role: role.parse().map_err(|e| Error::Schema(format!("stored role of {name:?}: {e}")))?,
        password_hash: row.get(2),
        created_at: FeedTime::from_unix(row.get(3)),
        updated_at: FeedTime::from_unix(row.get(4)),
    })
}

pub(super) async fn create(c: &Conn, user: &NewUser) -> Result<()> {
    let result = c
        .execute(
            "INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            &[&user.name.as_str(), &user.role.as_str(), &user.password_hash, &user.now.unix()],
        )
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => Err(Error::UserExists(user.name.to_string())),
        Err(e) => Err(e).db(),
    }
}

pub(super) async fn get(c: &Conn, name: &UserName) -> Result<Option<UserRecord>> {
    let stmt = c.prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE name = $1")).await.db()?;
    c.query_opt(&stmt, &[&name.as_str()]).await.db()?.as_ref().map(record).transpose()
}

pub(super) async fn list(c: &impl deadpool_postgres::GenericClient) -> Result<Vec<UserRecord>> {
    let rows = c.query(&format!("SELECT {COLUMNS} FROM users ORDER BY name"), &[]).await.db()?;
    rows.iter().map(record).collect()
}

fn changed(n: u64, name: &UserName) -> Result<()> {
    if n == 0 { Err(Error::NoSuchUser(name.to_string())) } else { Ok(()) }
}

pub(super) async fn remove(c: &Conn, name: &UserName) -> Result<()> {
    // The cursor goes with the user (ON DELETE CASCADE).
    let n = c.execute("DELETE FROM users WHERE name = $1", &[&name.as_str()]).await.db()?;
    changed(n, name)
}

pub(super) async fn set_password(c: &Conn, name: &UserName, hash: &str) -> Result<()> {
    let n = c
        .execute(
            "UPDATE users SET password_hash = $2, updated_at = $3 WHERE name = $1",
            &[&name.as_str(), &hash, &FeedTime::now().unix()],
        )
        .await
        .db()?;
    changed(n, name)
}

pub(super) async fn set_role(c: &Conn, name: &UserName, role: Role) -> Result<()> {
    let n = c
        .execute(
            "UPDATE users SET role = $2, updated_at = $3 WHERE name = $1",
            &[&name.as_str(), &role.as_str(), &FeedTime::now().unix()],
        )
        .await
        .db()?;
    changed(n, name)
}
