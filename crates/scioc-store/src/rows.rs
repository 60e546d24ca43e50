//! The rows both backends read, written once: the columns each statement selects and the
//! mapping from a row to its type. Each macro takes the row and the driver's fallible getter
//! (`get` for SQLite, `try_get` for PostgreSQL), so column order lives in one place.

/// An event type as a column holds it: its wire spelling. Reading one the model does not
/// know is an error that names it, on either backend.
pub(crate) struct TypeColumn(pub(crate) scioc_model::EventType);

impl r2d2_sqlite::rusqlite::types::FromSql for TypeColumn {
    fn column_result(
        value: r2d2_sqlite::rusqlite::types::ValueRef<'_>,
    ) -> r2d2_sqlite::rusqlite::types::FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse().map(TypeColumn).map_err(|e| r2d2_sqlite::rusqlite::types::FromSqlError::Other(Box::new(e)))
    }
}

impl<'a> tokio_postgres::types::FromSql<'a> for TypeColumn {
    fn from_sql(
        ty: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let text = <&str as tokio_postgres::types::FromSql>::from_sql(ty, raw)?;
        Ok(TypeColumn(text.parse()?))
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        <&str as tokio_postgres::types::FromSql>::accepts(ty)
    }
}

/// Columns of a [`crate::StoredEvent`].
pub(crate) const STORED_EVENT_COLUMNS: &str = "seq, ts, event_type, purl, entry_json";

/// Columns of a [`crate::PackageEvent`]: a versioned event's purl and a non-OSV source only
/// where they decide something, so the covering index serves the read.
pub(crate) const PACKAGE_EVENT_COLUMNS: &str = "seq, event_type, CASE WHEN package IS NULL THEN purl END, community, \
    package, version, md5, sha1, sha256, sha512, CASE WHEN version IS NULL THEN source END, source_id, affected, threat_level";

/// Columns of an [`crate::Indicator`], in its field order.
pub(crate) const INDICATOR_COLUMNS: &str =
    "kind, value, ecosystem, package, source, source_id, match_kind, confidence, action";

/// Reads a [`crate::StoredEvent`] from a row of [`STORED_EVENT_COLUMNS`].
macro_rules! stored_event {
    ($row:expr, $get:ident) => {
        $crate::StoredEvent {
            seq: $row.$get(0)?,
            time: scioc_model::FeedTime::from_unix($row.$get(1)?),
            event_type: $row.$get::<_, $crate::rows::TypeColumn>(2)?.0,
            purl: $row.$get(3)?,
            entry_json: $row.$get(4)?,
        }
    };
}

/// Reads a [`crate::PackageEvent`] from a row of [`PACKAGE_EVENT_COLUMNS`].
macro_rules! package_event {
    ($row:expr, $get:ident) => {
        $crate::PackageEvent {
            seq: $row.$get(0)?,
            event_type: $row.$get::<_, $crate::rows::TypeColumn>(1)?.0,
            purl: $row.$get(2)?,
            community: $row.$get(3)?,
            package: $row.$get(4)?,
            version: $row.$get(5)?,
            md5: $row.$get(6)?,
            sha1: $row.$get(7)?,
            sha256: $row.$get(8)?,
            sha512: $row.$get(9)?,
            source: $row.$get(10)?,
            source_id: $row.$get(11)?,
            affected: $crate::rules::affected($row.$get::<_, Option<String>>(12)?.as_deref()),
            threat_level: $row.$get::<_, Option<i64>>(13)?.and_then(|l| u8::try_from(l).ok()),
        }
    };
}

/// Reads an [`crate::Indicator`] from a row of [`INDICATOR_COLUMNS`]; a kind or match this
/// build does not know reads as `Other` or `Exact`.
macro_rules! indicator_row {
    ($row:expr, $get:ident) => {
        $crate::Indicator {
            kind: scioc_model::IndicatorKind::parse(&$row.$get::<_, String>(0)?)
                .unwrap_or(scioc_model::IndicatorKind::Other),
            value: $row.$get(1)?,
            ecosystem: $row.$get(2)?,
            package: $row.$get(3)?,
            source: $row.$get(4)?,
            source_id: $row.$get(5)?,
            match_kind: scioc_model::MatchKind::parse(&$row.$get::<_, String>(6)?)
                .unwrap_or(scioc_model::MatchKind::Exact),
            confidence: $row.$get(7)?,
            action: $row.$get(8)?,
        }
    };
}

pub(crate) use {indicator_row, package_event, stored_event};
