-- Candidates of one county are read in trainee order from one index range: the trainee's county
-- is kept on each eligibility row, rewritten with the rows whenever the trainee changes. (SQLite
-- cannot drop a column's default; every row is written with the county.)
ALTER TABLE eligibility ADD COLUMN county_code TEXT NOT NULL DEFAULT '';
UPDATE eligibility SET county_code = (
    SELECT trainees.county_code FROM trainees WHERE trainees.id = eligibility.trainee_id
);
CREATE INDEX eligibility_county_candidates ON eligibility (occupation, level, county_code, trainee_id);
