DROP TABLE eligibility;
ALTER TABLE enrolments DROP COLUMN override_reason;
DROP TABLE certificates;
DROP TABLE assessments;
