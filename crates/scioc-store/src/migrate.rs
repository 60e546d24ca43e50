//! Versioned schema migrations.
//!
//! Hand-written rather than taken from a migration crate because the same rules must serve
//! SQLite (`sqlite/mod.rs`) and PostgreSQL (`postgres/migrate.rs`, under the `schema_lock` row),
//! and the candidates tie us to their own driver versions. The rules: migrations apply in version order, each in its own
//! transaction; an applied migration whose text has changed is refused (its checksum no
//! longer matches); a database newer than this build is refused.

use sha2::{Digest, Sha256};

/// One migration: a version, a name and its SQL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    pub(crate) sql: &'static str,
}

impl Migration {
    /// Hex SHA-256 of the SQL text.
    pub(crate) fn checksum(&self) -> String {
        hex::encode(Sha256::digest(self.sql.as_bytes()))
    }
}

/// Why the migrations a database has applied cannot be continued by this build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum MigrationError {
    /// Applied by a newer build.
    #[error("the database has migration {version}, which this build does not know; it was written by a newer scioc")]
    Unknown {
        /// Its version.
        version: i64,
    },
    /// Its text differs from what was applied.
    #[error("migration {version} ({name}) was changed after it was applied")]
    Changed {
        /// Its version.
        version: i64,
        /// Its name.
        name: &'static str,
    },
}

/// What to do given the migrations already applied (version, checksum), in version order.
pub(crate) fn plan<'a>(
    known: &'a [Migration],
    applied: &[(i64, String)],
) -> Result<Vec<&'a Migration>, MigrationError> {
    for (version, checksum) in applied {
        match known.iter().find(|m| m.version == *version) {
            None => return Err(MigrationError::Unknown { version: *version }),
            Some(m) if m.checksum() != *checksum => {
                return Err(MigrationError::Changed { version: *version, name: m.name });
            }
            Some(_) => {}
        }
    }
    Ok(known.iter().filter(|m| !applied.iter().any(|(v, _)| *v == m.version)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: [Migration; 2] = [
        Migration { version: 1, name: "a", sql: "CREATE TABLE a (x INTEGER);" },
        Migration { version: 2, name: "b", sql: "CREATE TABLE b (x INTEGER);" },
    ];

    #[test]
    fn plans_pending_and_refuses_drift() {
        assert_eq!(plan(&M, &[]).unwrap().len(), 2);
        assert_eq!(plan(&M, &[(1, M[0].checksum())]).unwrap()[0].version, 2);
        assert_eq!(plan(&M, &[(1, "x".into())]).unwrap_err(), MigrationError::Changed { version: 1, name: M[0].name });
        assert!(plan(&M, &[(1, "x".into())]).unwrap_err().to_string().contains("changed"));
        assert_eq!(plan(&M, &[(3, "x".into())]).unwrap_err(), MigrationError::Unknown { version: 3 });
        assert!(plan(&M, &[(3, "x".into())]).unwrap_err().to_string().contains("newer scioc"));
    }
}
