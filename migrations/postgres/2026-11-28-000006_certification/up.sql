-- Certification: assessments of completed enrolments by an evaluation agency, the certificates
-- they issue (or that were earned before the programme), the override of the level gate, and
-- each trainee's eligibility per occupation, kept as data changes so that a manager's list of
-- candidates is a lookup, not a recomputation.
CREATE TABLE assessments (
    id TEXT PRIMARY KEY,
    enrolment_id TEXT NOT NULL REFERENCES enrolments (id),
    agency_id TEXT NOT NULL REFERENCES organisations (id),
    assessed_on DATE NOT NULL,
    theory_score INTEGER NOT NULL CHECK (theory_score BETWEEN 0 AND 100),
    practical_score INTEGER NOT NULL CHECK (practical_score BETWEEN 0 AND 100),
    passed BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_enrolment ON assessments (enrolment_id, assessed_on);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY,
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('skill_level', 'special_ability', 'training')),
    occupation TEXT NOT NULL CHECK (occupation IN ('elderly_care', 'medical_care', 'infant_care',
        'maternity_care', 'domestic_service', 'long_term_care')),
    level TEXT NOT NULL CHECK (level IN ('L5', 'L4', 'L3', 'L2', 'L1')),
    issued_on DATE NOT NULL,
    agency_id TEXT REFERENCES organisations (id),
    source TEXT NOT NULL CHECK (source IN ('assessment', 'prior')),
    assessment_id TEXT UNIQUE REFERENCES assessments (id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((source = 'assessment') = (assessment_id IS NOT NULL))
);
CREATE INDEX certificates_trainee ON certificates (trainee_id, occupation);

ALTER TABLE enrolments ADD COLUMN override_reason TEXT;

-- Per trainee, occupation and level above the one held: the day from which they are eligible
-- for it (today's date when computed for someone eligible already; a later day when time alone
-- will make them so). No row while no line of the table can be met by time alone. Rewritten
-- whenever what it is computed from changes: the trainee's record, certificates, completions.
CREATE TABLE eligibility (
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    occupation TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('L5', 'L4', 'L3', 'L2', 'L1')),
    eligible_from DATE NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (trainee_id, occupation, level)
);
-- Candidates are listed in trainee order: this index hands them over in that order, so a page
-- stops after its rows instead of sorting everyone eligible.
CREATE INDEX eligibility_candidates ON eligibility (occupation, level, trainee_id);
