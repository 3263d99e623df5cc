CREATE TABLE eligibility_old (
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    occupation TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('L5', 'L4', 'L3', 'L2', 'L1')),
    eligible_from DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (trainee_id, occupation, level)
);
INSERT INTO eligibility_old (trainee_id, occupation, level, eligible_from, updated_at)
    SELECT trainee_id, occupation, level, eligible_from, updated_at FROM eligibility;
DROP TABLE eligibility;
ALTER TABLE eligibility_old RENAME TO eligibility;
CREATE INDEX eligibility_candidates ON eligibility (occupation, level, trainee_id);
