//! Request handlers, one module per route family.
//!
//! | route | handler |
//! |---|---|
//! | `GET  …/query/{utc\|timestamp}/{time}` | [`query::by_time`] |
//! | `PUT  …/query/start` | [`start::now`] |
//! | `PUT  …/query/start/{utc\|timestamp}/{time}` | [`start::at`] |
//! | `GET  …/query/pull` | [`pull::pull`] |
//! | `GET  /health` | [`health::health`] |
//! | `GET  /openapi.json` | [`openapi::openapi`] |
//! | `POST /api/scioc/v1/osv` (admin) | [`admin::post_osv`] |
//! | `POST /api/scioc/v1/samples` (admin) | [`admin::post_sample`] |
//! | `POST /api/scioc/v1/analyses` (admin) | [`analyses::post_analysis`] |
//! | `GET  /api/scioc/v1/analyses/{sha256}` (admin) | [`analyses::get_analysis`] |
//! | `POST /api/scioc/v1/reclassify` (admin) | [`admin::post_reclassify`] |
//! | `GET  /api/scioc/v1/knowledge` | [`knowledge::knowledge`] |

pub(crate) mod admin;
pub(crate) mod analyses;
pub(crate) mod health;
pub(crate) mod knowledge;
pub(crate) mod openapi;
mod params;
pub(crate) mod pull;
pub(crate) mod query;
pub(crate) mod start;
