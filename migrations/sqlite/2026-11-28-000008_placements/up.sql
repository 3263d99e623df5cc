-- Work: placements reported from the field and confirmed (or disputed) by the employer named, or
-- verified by a follow-up for a household; the follow-ups, append-only; and the dated table of
-- each county's minimum living guarantee that income is measured against.
CREATE TABLE placements (
    id TEXT PRIMARY KEY NOT NULL,
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    -- The trainee's county, kept in step with the trainee, so that the worklist of one county
    -- is one index range.
    county_code TEXT NOT NULL REFERENCES counties (code),
    employer_id TEXT REFERENCES organisations (id),
    household_name TEXT CHECK (length(household_name) BETWEEN 1 AND 50),
    household_phone TEXT,
    occupation TEXT NOT NULL CHECK (occupation IN ('elderly_care', 'medical_care', 'infant_care',
        'maternity_care', 'domestic_service', 'long_term_care')),
    position TEXT NOT NULL CHECK (length(position) BETWEEN 1 AND 100),
    work_city TEXT NOT NULL CHECK (length(work_city) BETWEEN 1 AND 50),
    start_date DATE NOT NULL,
    monthly_wage_fen BIGINT NOT NULL CHECK (monthly_wage_fen > 0 AND monthly_wage_fen <= 10000000),
    contract_type TEXT NOT NULL CHECK (contract_type IN ('labour_contract', 'labour_service',
        'dispatch', 'household_service', 'unwritten')),
    status TEXT NOT NULL CHECK (status IN ('reported', 'confirmed', 'disputed', 'verified', 'ended')),
    confirmed_at TIMESTAMP,
    disputed_at TIMESTAMP,
    dispute_reason TEXT CHECK (length(dispute_reason) BETWEEN 1 AND 500),
    verified_on DATE,
    ended_on DATE,
    end_reason TEXT CHECK (length(end_reason) BETWEEN 1 AND 500),
    -- Kept from the follow-ups by the transaction that adds one.
    last_follow_up_on DATE,
    stopped_on DATE,
    -- When the next follow-up is due; NULL once the placement is no longer open.
    follow_up_due_on DATE,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((employer_id IS NULL) <> (household_name IS NULL)),
    CHECK ((household_name IS NULL) = (household_phone IS NULL)),
    CHECK ((status = 'ended') = (ended_on IS NOT NULL AND end_reason IS NOT NULL)),
    CHECK ((disputed_at IS NULL) = (dispute_reason IS NULL)),
    CHECK (ended_on IS NULL OR ended_on >= start_date)
);
CREATE INDEX placements_trainee ON placements (trainee_id, start_date);
CREATE INDEX placements_employer_updated ON placements (employer_id, updated_at, id);
CREATE INDEX placements_county_updated ON placements (county_code, updated_at, id);
CREATE INDEX placements_updated ON placements (updated_at, id);
CREATE INDEX placements_due ON placements (county_code, follow_up_due_on, id);
-- One open placement per trainee; a new one needs the old one ended (or disputed) first.
CREATE UNIQUE INDEX placements_one_open ON placements (trainee_id)
    WHERE status IN ('reported', 'confirmed', 'verified');

CREATE TABLE follow_ups (
    id TEXT PRIMARY KEY NOT NULL,
    placement_id TEXT NOT NULL REFERENCES placements (id),
    followed_up_on DATE NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('visit', 'phone', 'app')),
    still_employed BOOLEAN NOT NULL,
    same_employer BOOLEAN NOT NULL,
    monthly_income_fen BIGINT CHECK (monthly_income_fen >= 0 AND monthly_income_fen <= 10000000),
    note TEXT CHECK (length(note) <= 500),
    -- The phone's clock when the field worker saved it, and the server's when it arrived.
    recorded_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    recorded_by TEXT,
    CHECK (still_employed OR NOT same_employer)
);
CREATE INDEX follow_ups_placement ON follow_ups (placement_id, received_at, id);

CREATE TABLE income_thresholds (
    id TEXT PRIMARY KEY NOT NULL,
    county_code TEXT NOT NULL REFERENCES counties (code),
    monthly_fen BIGINT NOT NULL CHECK (monthly_fen > 0 AND monthly_fen <= 10000000),
    valid_from DATE NOT NULL,
    valid_to DATE,
    source TEXT NOT NULL CHECK (length(source) BETWEEN 1 AND 200),
    -- A period is closed (valid_to set) when the next amount is announced.
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX income_thresholds_county ON income_thresholds (county_code, valid_from);
