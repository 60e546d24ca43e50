//! Parsing and checking request parameters: `format`, `limit`, `{time_format}/{time}`.

use crate::error::AppError;
use scioc_api::{Format, TimeFormat};
use scioc_model::FeedTime;

/// The default and largest `limit`.
pub(crate) const MAX_LIMIT: u32 = 1000;

/// `?format=&limit=`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageParams {
    pub(crate) format: Format,
    pub(crate) limit: u32,
}

impl PageParams {
    /// Parses a raw query string, percent-decoded as a form is (`format=%6Ason` is `json`).
    /// Unknown parameters are ignored, as the vendor's are.
    pub(crate) fn parse(query: Option<&str>) -> Result<Self, AppError> {
        let mut params = PageParams { format: Format::Xml, limit: MAX_LIMIT };
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "format" => {
                    params.format =
                        value.parse().map_err(|e: scioc_api::FormatError| AppError::BadRequest(e.to_string()))?;
                }
                "limit" => {
                    // Digits only: `+5` or ` 5` is not a limit.
                    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
                    params.limit = match value.parse::<u32>() {
                        Ok(n @ 1..=MAX_LIMIT) if digits => n,
                        _ => {
                            return Err(AppError::BadRequest(format!(
                                "limit must be an integer from 1 to {MAX_LIMIT}, got {value:?}"
                            )));
                        }
                    };
                }
                _ => {}
            }
        }
        Ok(params)
    }
}

/// Parses `{time_format}/{time}` into a feed time at or after the feed epoch.
pub(crate) fn time(time_format: &str, time: &str) -> Result<(TimeFormat, FeedTime), AppError> {
    let tf: TimeFormat =
        time_format.parse().map_err(|e: scioc_api::TimeFormatError| AppError::BadRequest(e.to_string()))?;
    let t = tf.parse(time).and_then(|t| t.check_epoch()).map_err(|e| AppError::BadRequest(format!("time: {e}")))?;
    Ok((tf, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() {
        let p = PageParams::parse(None).unwrap();
        assert_eq!((p.format, p.limit), (Format::Xml, 1000));
        let p = PageParams::parse(Some("limit=10&format=json&other=1")).unwrap();
        assert_eq!((p.format, p.limit), (Format::Json, 10));
        for bad in ["limit=0", "limit=1001", "limit=ten", "limit=", "format=csv", "format=", "limit=%2B5", "limit=+5"] {
            assert!(PageParams::parse(Some(bad)).is_err(), "{bad}");
        }
        // Found by hand while tightening the OpenAPI document: values were not percent-decoded.
        let p = PageParams::parse(Some("format=%6Ason&limit=%35")).unwrap();
        assert_eq!((p.format, p.limit), (Format::Json, 5));
        assert!(time("utc", "2024-01-01T00:00:00").is_ok());
        assert!(time("iso", "2024-01-01T00:00:00").is_err());
        assert!(time("utc", "2024-01-01").is_err());
        assert!(time("timestamp", "1300000000").is_err(), "before the epoch");
    }
}
