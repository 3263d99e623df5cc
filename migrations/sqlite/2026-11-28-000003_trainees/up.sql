-- The real-name register of trainees (劳动力建档): one person, one record.
CREATE TABLE trainees (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    id_number TEXT NOT NULL UNIQUE CHECK (length(id_number) = 18),
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date DATE NOT NULL,
    phone TEXT CHECK (length(phone) = 11),
    county_code TEXT NOT NULL REFERENCES counties (code),
    township TEXT,
    education TEXT CHECK (education IN ('none', 'primary', 'junior_secondary', 'senior_secondary',
        'secondary_vocational', 'technician_college', 'higher_vocational', 'college', 'bachelor')),
    education_in_care BOOLEAN NOT NULL,
    prior_care_work_months INTEGER NOT NULL CHECK (prior_care_work_months BETWEEN 0 AND 600),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Lists page by (updated_at, id) within the caller's counties; search by name prefix and phone.
CREATE INDEX trainees_county_updated ON trainees (county_code, updated_at, id);
CREATE INDEX trainees_updated ON trainees (updated_at, id);
-- Used by `name LIKE '王%'` (the connections set case_sensitive_like).
CREATE INDEX trainees_name ON trainees (name);
CREATE INDEX trainees_phone ON trainees (phone);

CREATE TABLE trainee_categories (
    trainee_id TEXT NOT NULL REFERENCES trainees (id) ON DELETE CASCADE,
    category TEXT NOT NULL CHECK (category IN ('rural_transfer', 'unemployed', 'poverty_alleviated',
        'poverty_monitoring', 'college_graduate', 'vocational_graduate', 'flexible_worker', 'gig_market',
        'disabled', 'veteran', 'enterprise_employee')),
    PRIMARY KEY (trainee_id, category)
);
CREATE INDEX trainee_categories_category ON trainee_categories (category, trainee_id);
