-- Training: cohorts (培训班 / 期), enrolments, the daily register, and the keys that make the
-- action endpoints safe to retry.
CREATE TABLE cohorts (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 40),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    provider_id TEXT NOT NULL REFERENCES organisations (id),
    occupation TEXT NOT NULL CHECK (occupation IN ('elderly_care', 'medical_care', 'infant_care',
        'maternity_care', 'domestic_service', 'long_term_care')),
    level TEXT NOT NULL CHECK (level IN ('L5', 'L4', 'L3', 'L2', 'L1')),
    county_code TEXT NOT NULL REFERENCES counties (code),
    funding_type TEXT NOT NULL CHECK (funding_type IN ('institution', 'order_based', 'enterprise')),
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'online', 'blended')),
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    planned_days INTEGER NOT NULL CHECK (planned_days BETWEEN 1 AND 366),
    planned_hours INTEGER NOT NULL CHECK (planned_hours BETWEEN 1 AND 3000),
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
    -- Enrolments that hold a place (all but the dropped), kept by the same transaction that
    -- enrols or drops, so a conditional update can refuse the one too many.
    places_taken INTEGER NOT NULL CHECK (places_taken BETWEEN 0 AND capacity),
    status TEXT NOT NULL CHECK (status IN ('planned', 'open', 'running', 'closed')),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX cohorts_county_updated ON cohorts (county_code, updated_at, id);
CREATE INDEX cohorts_updated ON cohorts (updated_at, id);
CREATE INDEX cohorts_provider ON cohorts (provider_id);

CREATE TABLE enrolments (
    id TEXT PRIMARY KEY,
    cohort_id TEXT NOT NULL REFERENCES cohorts (id),
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    status TEXT NOT NULL CHECK (status IN ('enrolled', 'in_training', 'completed', 'dropped')),
    enrolled_on DATE NOT NULL,
    attended_days INTEGER NOT NULL CHECK (attended_days >= 0),
    completed_on DATE,
    dropped_on DATE,
    drop_reason TEXT CHECK (length(drop_reason) BETWEEN 1 AND 500),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (cohort_id, trainee_id),
    CHECK ((status = 'completed') = (completed_on IS NOT NULL)),
    CHECK ((status = 'dropped') = (dropped_on IS NOT NULL AND drop_reason IS NOT NULL))
);
CREATE INDEX enrolments_trainee ON enrolments (trainee_id, status);
CREATE INDEX enrolments_cohort_updated ON enrolments (cohort_id, updated_at, id);

-- Who was present on a day; a day's register replaces these rows for its cohort.
CREATE TABLE attendance (
    enrolment_id TEXT NOT NULL REFERENCES enrolments (id),
    day DATE NOT NULL,
    PRIMARY KEY (enrolment_id, day)
);

-- That a day's register was taken (also when no one came), and by whom.
CREATE TABLE attendance_registers (
    cohort_id TEXT NOT NULL REFERENCES cohorts (id),
    day DATE NOT NULL,
    present_count INTEGER NOT NULL CHECK (present_count >= 0),
    recorded_by TEXT,
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cohort_id, day)
);

-- `Idempotency-Key`s of action requests: a retry with the same key and body answers the
-- resource as it is; the same key with another body is refused.
CREATE TABLE idempotency_keys (
    actor_id TEXT NOT NULL,
    key TEXT NOT NULL,
    operation TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_id, key)
);
