//! Users and their password hashes.

use super::SqlResultExt;
use crate::{Error, NewUser, Result, UserRecord};
use r2d2_sqlite::rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use scioc_model::{FeedTime, Role, UserName};
use std::str::FromStr;

const COLUMNS: &str = "name, role, password_hash, created_at, updated_at";

fn record(row: &Row<'_>) -> r2d2_sqlite::rusqlite::Result<(String, String, String, i64, i64)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
}

fn to_record((name, role, hash, created, updated): (String, String, String, i64, i64)) -> Result<UserRecord> {
    Ok(UserRecord {
        name: UserName::from_str(&name).map_err(|e| Error::Schema(format!("stored user name {name:?}: {e}")))?,
        role: role.parse().map_err(|e| Error::Schema(format!("stored role of {name:?}: {e}")))?,
        password_hash: hash,
        created_at: FeedTime::from_unix(created),
        updated_at: FeedTime::from_unix(updated),
    })
}

pub(super) fn create(conn: &Connection, user: &NewUser) -> Result<()> {
    let result = conn.execute(
        "INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![user.name.as_str(), user.role.as_str(), user.password_hash, user.now.unix()],
    );
    match result {
        Ok(_) => Ok(()),
        Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
            Err(Error::UserExists(user.name.to_string()))
        }
        Err(e) => Err(e).db(),
    }
}

pub(super) fn get(conn: &Connection, name: &UserName) -> Result<Option<UserRecord>> {
    let row = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM users WHERE name = ?1"))
        .db()?
        .query_row(params![name.as_str()], record)
        .optional()
        .db()?;
    row.map(to_record).transpose()
}

pub(super) fn list(conn: &Connection) -> Result<Vec<UserRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY name")).db()?;
    let rows = stmt.query_map([], record).db()?;
    rows.map(|r| r.db().and_then(to_record)).collect()
}

fn changed(n: usize, name: &UserName) -> Result<()> {
    if n == 0 { Err(Error::NoSuchUser(name.to_string())) } else { Ok(()) }
}

pub(super) fn remove(conn: &Connection, name: &UserName) -> Result<()> {
    let n = conn.execute("DELETE FROM users WHERE name = ?1", params![name.as_str()]).db()?;
    changed(n, name)
}

pub(super) fn set_password(conn: &Connection, name: &UserName, hash: &str) -> Result<()> {
    let n = conn
        .execute(
            "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE name = ?1",
            params![name.as_str(), hash, FeedTime::now().unix()],
        )
        .db()?;
    changed(n, name)
}

pub(super) fn set_role(conn: &Connection, name: &UserName, role: Role) -> Result<()> {
    let n = conn
        .execute(
            "UPDATE users SET role = ?2, updated_at = ?3 WHERE name = ?1",
            params![name.as_str(), role.as_str(), FeedTime::now().unix()],
        )
        .db()?;
    changed(n, name)
}
