-- Placements and evidence (revised): a placement is one piece of work of one of three kinds
-- (a registered employer, a household, or self-employment), and its lifecycle (open → ended)
-- is kept apart from its evidence (unverified → employer_confirmed | field_verified |
-- disputed). A trainee may hold several open placements; a dispute is settled by a manager,
-- whose reason is kept. A follow-up that finds the person in new work names the placement it
-- opened.
--
-- SQLite cannot change a table's checks in place: the rows are copied aside, the table made
-- anew and the rows put back. The follow-ups' references are checked at commit, when every
-- placement is back.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE placements_before AS SELECT * FROM placements;
DROP TABLE placements;
CREATE TABLE placements (
    id TEXT PRIMARY KEY NOT NULL,
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    -- The trainee's county, kept in step with the trainee, so that the worklist of one county
    -- is one index range.
    county_code TEXT NOT NULL REFERENCES counties (code),
    kind TEXT NOT NULL CHECK (kind IN ('employer', 'household', 'self_employed')),
    employer_id TEXT REFERENCES organisations (id),
    household_name TEXT CHECK (length(household_name) BETWEEN 1 AND 50),
    household_phone TEXT,
    -- What the business is, for self-employment (经营收入).
    business TEXT CHECK (length(business) BETWEEN 1 AND 200),
    occupation TEXT NOT NULL CHECK (occupation IN ('elderly_care', 'medical_care', 'infant_care',
        'maternity_care', 'domestic_service', 'long_term_care')),
    position TEXT NOT NULL CHECK (length(position) BETWEEN 1 AND 100),
    work_city TEXT NOT NULL CHECK (length(work_city) BETWEEN 1 AND 50),
    start_date DATE NOT NULL,
    -- The wage agreed, or the income declared for self-employment.
    monthly_wage_fen BIGINT NOT NULL CHECK (monthly_wage_fen > 0 AND monthly_wage_fen <= 10000000),
    contract_type TEXT NOT NULL CHECK (contract_type IN ('labour_contract', 'labour_service',
        'dispatch', 'household_service', 'unwritten')),
    lifecycle TEXT NOT NULL CHECK (lifecycle IN ('open', 'ended')),
    evidence TEXT NOT NULL
        CHECK (evidence IN ('unverified', 'employer_confirmed', 'field_verified', 'disputed')),
    confirmed_at TIMESTAMP,
    disputed_at TIMESTAMP,
    dispute_reason TEXT CHECK (length(dispute_reason) BETWEEN 1 AND 500),
    -- The day of the first visit or call that found the person at work there.
    verified_on DATE,
    resolution TEXT CHECK (resolution IN ('upheld', 'overruled')),
    resolution_reason TEXT CHECK (length(resolution_reason) BETWEEN 1 AND 500),
    resolved_at TIMESTAMP,
    resolved_by TEXT REFERENCES users (id),
    ended_on DATE,
    end_reason TEXT CHECK (length(end_reason) BETWEEN 1 AND 500),
    -- Kept from the follow-ups by the transaction that adds one.
    last_follow_up_on DATE,
    stopped_on DATE,
    -- When the next follow-up is due; NULL once the placement is no longer followed up.
    follow_up_due_on DATE,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((kind = 'employer') = (employer_id IS NOT NULL)),
    CHECK ((kind = 'household') = (household_name IS NOT NULL)),
    CHECK ((kind = 'self_employed') = (business IS NOT NULL)),
    CHECK ((household_name IS NULL) = (household_phone IS NULL)),
    CHECK ((lifecycle = 'ended') = (ended_on IS NOT NULL AND end_reason IS NOT NULL)),
    CHECK ((disputed_at IS NULL) = (dispute_reason IS NULL)),
    CHECK ((resolution IS NULL) = (resolution_reason IS NULL)),
    CHECK ((resolution IS NULL) = (resolved_at IS NULL)),
    CHECK (resolution IS NULL OR disputed_at IS NOT NULL),
    CHECK (ended_on IS NULL OR ended_on >= start_date)
);
INSERT INTO placements (id, trainee_id, county_code, kind, employer_id, household_name,
    household_phone, business, occupation, position, work_city, start_date, monthly_wage_fen,
    contract_type, lifecycle, evidence, confirmed_at, disputed_at, dispute_reason, verified_on,
    resolution, resolution_reason, resolved_at, resolved_by, ended_on, end_reason,
    last_follow_up_on, stopped_on, follow_up_due_on, version, created_at, updated_at)
SELECT id, trainee_id, county_code,
    CASE WHEN employer_id IS NOT NULL THEN 'employer' ELSE 'household' END,
    employer_id, household_name, household_phone, NULL, occupation, position, work_city,
    start_date, monthly_wage_fen, contract_type,
    CASE WHEN ended_on IS NULL THEN 'open' ELSE 'ended' END,
    CASE WHEN disputed_at IS NOT NULL THEN 'disputed'
        WHEN confirmed_at IS NOT NULL THEN 'employer_confirmed'
        WHEN verified_on IS NOT NULL THEN 'field_verified'
        ELSE 'unverified' END,
    confirmed_at, disputed_at, dispute_reason, verified_on, NULL, NULL, NULL, NULL, ended_on,
    end_reason, last_follow_up_on, stopped_on, follow_up_due_on, version, created_at, updated_at
FROM placements_before;
DROP TABLE placements_before;
CREATE INDEX placements_trainee ON placements (trainee_id, start_date);
CREATE INDEX placements_employer_updated ON placements (employer_id, updated_at, id);
CREATE INDEX placements_county_updated ON placements (county_code, updated_at, id);
CREATE INDEX placements_updated ON placements (updated_at, id);
CREATE INDEX placements_due ON placements (county_code, follow_up_due_on, id);
-- A trainee's open placements, for the check that one piece of work is not reported twice.
CREATE INDEX placements_open ON placements (trainee_id) WHERE lifecycle = 'open';

ALTER TABLE follow_ups ADD COLUMN new_placement_id TEXT REFERENCES placements (id);
