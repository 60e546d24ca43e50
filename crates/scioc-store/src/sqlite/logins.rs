//! The login throttle's shared state: failure buckets and the addresses users logged in from.

use super::SqlResultExt;
use crate::{LoginCharge, LoginState, Result};
use r2d2_sqlite::rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use scioc_model::UserName;

/// Buckets of `keys` and the user's last login from `address`, in one snapshot.
pub(super) fn state(conn: &mut Connection, keys: &[String], user: &str, address: &str) -> Result<LoginState> {
    let tx = conn.transaction().db()?;
    let mut out = LoginState::default();
    {
        let mut get = tx.prepare_cached("SELECT tat_ms FROM login_failures WHERE key = ?1").db()?;
        for k in keys {
            out.drains_at_ms.push(get.query_row([k], |r| r.get(0)).optional().db()?);
        }
        out.known_since_ms = tx
            .prepare_cached("SELECT last_ms FROM known_logins WHERE user_name = ?1 AND address = ?2")
            .db()?
            .query_row([user, address], |r| r.get(0))
            .optional()
            .db()?;
    }
    tx.commit().db()?;
    Ok(out)
}

/// Charges each bucket once, dropping buckets that drained.
pub(super) fn charge(conn: &mut Connection, charges: &[LoginCharge], now_ms: i64) -> Result<Vec<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let mut out = Vec::with_capacity(charges.len());
    {
        let mut put = tx
            .prepare_cached(
                "INSERT INTO login_failures (key, tat_ms) VALUES (?1, ?2 + ?3)
                 ON CONFLICT (key) DO UPDATE SET tat_ms = min(max(tat_ms, ?2) + ?3, ?2 + ?4)
                 RETURNING tat_ms",
            )
            .db()?;
        for c in charges {
            out.push(put.query_row(params![c.key, now_ms, c.interval_ms, c.cap_ms], |r| r.get(0)).db()?);
        }
    }
    tx.prepare_cached(
        "DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures WHERE tat_ms < ?1 LIMIT 1000)",
    )
    .db()?
    .execute([now_ms])
    .db()?;
    tx.commit().db()?;
    Ok(out)
}

/// Records a login and forgets the user's stale ones.
pub(super) fn record(conn: &mut Connection, user: &UserName, address: &str, now_ms: i64, forget: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    tx.prepare_cached(
        "INSERT INTO known_logins (user_name, address, last_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_name, address) DO UPDATE SET last_ms = max(last_ms, excluded.last_ms)",
    )
    .db()?
    .execute(params![user.as_str(), address, now_ms])
    .db()?;
    tx.prepare_cached("DELETE FROM known_logins WHERE user_name = ?1 AND last_ms < ?2")
        .db()?
        .execute(params![user.as_str(), forget])
        .db()?;
    tx.commit().db()
}
