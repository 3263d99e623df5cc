-- Programme settings (working ages, completion share, certified kinds, outcome cut-off, the
-- days of work that make employed) are programme policy kept in the database, not in each
-- process's environment: every instance reads the same values. Each change is a row (who,
-- when, why, and the day it takes effect); the latest is in force. The environment only seeds
-- the first row, on a first start.
CREATE TABLE programme_settings (
    id TEXT PRIMARY KEY NOT NULL,
    retirement_age_male INTEGER NOT NULL CHECK (retirement_age_male BETWEEN 40 AND 75),
    retirement_age_female INTEGER NOT NULL CHECK (retirement_age_female BETWEEN 40 AND 75),
    completion_attendance_percent INTEGER NOT NULL
        CHECK (completion_attendance_percent BETWEEN 1 AND 100),
    certified_kinds TEXT NOT NULL CHECK (length(certified_kinds) BETWEEN 1 AND 100),
    outcome_cutoff TEXT NOT NULL CHECK (length(outcome_cutoff) = 5),
    employment_min_days INTEGER NOT NULL CHECK (employment_min_days BETWEEN 1 AND 365),
    effective_from DATE NOT NULL,
    reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    set_by TEXT REFERENCES users (id),
    set_at TIMESTAMP NOT NULL
);
CREATE INDEX programme_settings_latest ON programme_settings (set_at, id);
