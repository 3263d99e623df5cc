-- Candidates of one county are read in trainee order from one index range: the trainee's county
-- is kept on each eligibility row, rewritten with the rows whenever the trainee changes. SQLite
-- adds a NOT NULL column only with a default, so the table is rebuilt with the county filled in.
CREATE TABLE eligibility_new (
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    occupation TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('L5', 'L4', 'L3', 'L2', 'L1')),
    eligible_from DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    county_code TEXT NOT NULL,
    PRIMARY KEY (trainee_id, occupation, level)
);
INSERT INTO eligibility_new (trainee_id, occupation, level, eligible_from, updated_at, county_code)
    SELECT e.trainee_id, e.occupation, e.level, e.eligible_from, e.updated_at, t.county_code
    FROM eligibility e JOIN trainees t ON t.id = e.trainee_id;
DROP TABLE eligibility;
ALTER TABLE eligibility_new RENAME TO eligibility;
CREATE INDEX eligibility_candidates ON eligibility (occupation, level, trainee_id);
CREATE INDEX eligibility_county_candidates ON eligibility (occupation, level, county_code, trainee_id);
