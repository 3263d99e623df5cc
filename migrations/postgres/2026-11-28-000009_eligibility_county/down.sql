DROP INDEX eligibility_county_candidates;
ALTER TABLE eligibility DROP COLUMN county_code;
