//! The black-box suite: every test drives the real server over HTTP on 127.0.0.1, with a fresh
//! database of its own (SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set).

mod support;

mod access;
mod accounts;
mod auth;
mod certification;
mod counties;
mod errors;
mod evidence;
mod migrations;
mod openapi;
mod organisations;
mod outcomes;
mod placements;
mod reports;
mod revocation;
mod service;
mod settings;
mod startup;
mod sync;
mod targets;
mod trainees;
mod training;
