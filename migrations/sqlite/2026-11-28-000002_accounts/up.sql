-- Accounts, sign-in and the audit trail.

-- A minimal employer record, so that employer accounts can be bound to one; the registry adds
-- the rest of its fields.
CREATE TABLE employers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    city TEXT,
    county_code TEXT REFERENCES counties (code),
    active BOOLEAN NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'field_staff', 'employer')),
    employer_id TEXT REFERENCES employers (id),
    active BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((role = 'employer') = (employer_id IS NOT NULL))
);
CREATE INDEX users_updated ON users (updated_at, id);

CREATE TABLE user_counties (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    county_code TEXT NOT NULL REFERENCES counties (code),
    PRIMARY KEY (user_id, county_code)
);

-- Refresh tokens are stored as SHA-256 digests; a family is one sign-in and its rotations.
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    spent_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Failed sign-ins per username, for throttling; kept whether or not the username exists.
CREATE TABLE login_failures (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, failed_at);

-- One row per username that signs in: each attempt updates it first, which serialises the
-- attempts of one username so that concurrent guesses cannot slip past the throttle.
CREATE TABLE login_throttles (
    username TEXT PRIMARY KEY NOT NULL,
    touched_at TIMESTAMP NOT NULL
);

-- Who did what when. No personal data: ids and action names only.
CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    county_code TEXT,
    at TIMESTAMP NOT NULL,
    request_id TEXT
);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_county ON audit_log (county_code, at);
