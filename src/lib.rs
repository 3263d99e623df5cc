//! The tracker for the Lüliang Mountain caregiver programme (吕梁山护工).
//!
//! Start at `routes.rs`: it mounts every operation, and each handler in `api/` says what it
//! does. `server.rs` wires the database, middleware and routes; `db/` holds the tables and
//! queries, one code path over SQLite and PostgreSQL; `error.rs` turns every failure into
//! RFC 9457 problem+json.

// The `limited!` bodies of `api/` read a struct a token at a time.
#![recursion_limit = "512"]

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod routes;
pub mod server;
pub mod service;
