-- Placements and evidence (revised): a placement is one piece of work of one of three kinds
-- (a registered employer, a household, or self-employment), and its lifecycle (open → ended)
-- is kept apart from its evidence (unverified → employer_confirmed | field_verified |
-- disputed). A trainee may hold several open placements; a dispute is settled by a manager,
-- whose reason is kept. A follow-up that finds the person in new work names the placement it
-- opened.
ALTER TABLE placements ADD COLUMN kind TEXT;
UPDATE placements SET kind = CASE WHEN employer_id IS NOT NULL THEN 'employer' ELSE 'household' END;
ALTER TABLE placements ALTER COLUMN kind SET NOT NULL;
ALTER TABLE placements ADD COLUMN business TEXT CHECK (length(business) BETWEEN 1 AND 200);

ALTER TABLE placements ADD COLUMN lifecycle TEXT;
UPDATE placements SET lifecycle = CASE WHEN ended_on IS NULL THEN 'open' ELSE 'ended' END;
ALTER TABLE placements ALTER COLUMN lifecycle SET NOT NULL;

ALTER TABLE placements ADD COLUMN evidence TEXT;
UPDATE placements SET evidence = CASE
    WHEN disputed_at IS NOT NULL THEN 'disputed'
    WHEN confirmed_at IS NOT NULL THEN 'employer_confirmed'
    WHEN verified_on IS NOT NULL THEN 'field_verified'
    ELSE 'unverified' END;
ALTER TABLE placements ALTER COLUMN evidence SET NOT NULL;

ALTER TABLE placements ADD COLUMN resolution TEXT;
ALTER TABLE placements ADD COLUMN resolution_reason TEXT
    CHECK (length(resolution_reason) BETWEEN 1 AND 500);
ALTER TABLE placements ADD COLUMN resolved_at TIMESTAMP;
ALTER TABLE placements ADD COLUMN resolved_by TEXT REFERENCES users (id);

-- The old status and the one-employer-or-household rule go with it.
DROP INDEX IF EXISTS placements_one_open;
ALTER TABLE placements DROP CONSTRAINT placements_check;
ALTER TABLE placements DROP COLUMN status;

ALTER TABLE placements ADD CONSTRAINT placements_kind CHECK (
    kind IN ('employer', 'household', 'self_employed')
    AND (kind = 'employer') = (employer_id IS NOT NULL)
    AND (kind = 'household') = (household_name IS NOT NULL)
    AND (kind = 'self_employed') = (business IS NOT NULL));
ALTER TABLE placements ADD CONSTRAINT placements_lifecycle CHECK (
    lifecycle IN ('open', 'ended')
    AND (lifecycle = 'ended') = (ended_on IS NOT NULL AND end_reason IS NOT NULL));
ALTER TABLE placements ADD CONSTRAINT placements_evidence CHECK (
    evidence IN ('unverified', 'employer_confirmed', 'field_verified', 'disputed'));
ALTER TABLE placements ADD CONSTRAINT placements_resolution CHECK (
    (resolution IS NULL OR resolution IN ('upheld', 'overruled'))
    AND (resolution IS NULL) = (resolution_reason IS NULL)
    AND (resolution IS NULL) = (resolved_at IS NULL)
    AND (resolution IS NULL OR disputed_at IS NOT NULL));
-- A trainee's open placements, for the check that one piece of work is not reported twice.
CREATE INDEX placements_open ON placements (trainee_id) WHERE lifecycle = 'open';

ALTER TABLE follow_ups ADD COLUMN new_placement_id TEXT REFERENCES placements (id);
