-- Back to one status per placement. Self-employment has no place there: those placements and
-- their follow-ups go.
PRAGMA defer_foreign_keys = ON;
ALTER TABLE follow_ups DROP COLUMN new_placement_id;
DELETE FROM follow_ups WHERE placement_id IN (SELECT id FROM placements WHERE kind = 'self_employed');
DELETE FROM placements WHERE kind = 'self_employed';
CREATE TABLE placements_after AS SELECT * FROM placements;
DROP TABLE placements;
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
INSERT INTO placements (id, trainee_id, county_code, employer_id, household_name,
    household_phone, occupation, position, work_city, start_date, monthly_wage_fen,
    contract_type, status, confirmed_at, disputed_at, dispute_reason, verified_on, ended_on,
    end_reason, last_follow_up_on, stopped_on, follow_up_due_on, version, created_at, updated_at)
SELECT id, trainee_id, county_code, employer_id, household_name, household_phone, occupation,
    position, work_city, start_date, monthly_wage_fen, contract_type,
    CASE WHEN lifecycle = 'ended' THEN 'ended'
        WHEN evidence = 'disputed' THEN 'disputed'
        WHEN evidence = 'employer_confirmed' THEN 'confirmed'
        WHEN evidence = 'field_verified' THEN 'verified'
        ELSE 'reported' END,
    confirmed_at, disputed_at, dispute_reason, verified_on, ended_on, end_reason,
    last_follow_up_on, stopped_on, follow_up_due_on, version, created_at, updated_at
FROM placements_after;
DROP TABLE placements_after;
-- Several open placements of one trainee cannot go back under the one-open index: it is not
-- restored.
