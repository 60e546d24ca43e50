//! The login throttle's shared state: failure buckets and the addresses users logged in from.

use super::{Conn, PgResultExt};
use crate::{LoginCharge, LoginState, Result};
use scioc_model::UserName;

/// Buckets of `keys` and the user's last login from `address`, in one statement.
pub(super) async fn state(c: &Conn, keys: &[String], user: &str, address: &str) -> Result<LoginState> {
    let stmt = c
        .prepare_cached(
            "SELECT key, tat_ms, NULL::BIGINT FROM login_failures WHERE key = ANY($1)
             UNION ALL SELECT NULL, NULL, last_ms FROM known_logins WHERE user_name = $2 AND address = $3",
        )
        .await
        .db()?;
    let rows = c.query(&stmt, &[&keys, &user, &address]).await.db()?;
    let mut out = LoginState { drains_at_ms: vec![None; keys.len()], known_since_ms: None };
    for r in rows {
        match r.get::<_, Option<String>>(0) {
            Some(key) => {
                if let Some(i) = keys.iter().position(|k| *k == key) {
                    out.drains_at_ms[i] = r.get(1);
                }
            }
            None => out.known_since_ms = r.get(2),
        }
    }
    Ok(out)
}

/// Charges each bucket once, dropping buckets that drained.
pub(super) async fn charge(c: &mut Conn, charges: &[LoginCharge], now_ms: i64) -> Result<Vec<i64>> {
    let tx = c.transaction().await.db()?;
    let put = tx
        .prepare_cached(
            "INSERT INTO login_failures (key, tat_ms) VALUES ($1::TEXT, $2::BIGINT + $3::BIGINT)
             ON CONFLICT (key) DO UPDATE
                 SET tat_ms = LEAST(GREATEST(login_failures.tat_ms, $2::BIGINT) + $3::BIGINT, $2::BIGINT + $4::BIGINT)
             RETURNING tat_ms",
        )
        .await
        .db()?;
    let mut out = Vec::with_capacity(charges.len());
    for ch in charges {
        out.push(tx.query_one(&put, &[&ch.key, &now_ms, &ch.interval_ms, &ch.cap_ms]).await.db()?.get(0));
    }
    tx.execute(
        "DELETE FROM login_failures WHERE key IN (SELECT key FROM login_failures WHERE tat_ms < $1::BIGINT LIMIT 1000)",
        &[&now_ms],
    )
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(out)
}

/// Records a login and forgets the user's stale ones.
pub(super) async fn record(c: &mut Conn, user: &UserName, address: &str, now_ms: i64, forget: i64) -> Result<()> {
    let tx = c.transaction().await.db()?;
    tx.execute(
        "INSERT INTO known_logins (user_name, address, last_ms) VALUES ($1, $2, $3)
         ON CONFLICT (user_name, address) DO UPDATE SET last_ms = GREATEST(known_logins.last_ms, excluded.last_ms)",
        &[&user.as_str(), &address, &now_ms],
    )
    .await
    .db()?;
    tx.execute("DELETE FROM known_logins WHERE user_name = $1 AND last_ms < $2", &[&user.as_str(), &forget])
        .await
        .db()?;
    tx.commit().await.db()
}
