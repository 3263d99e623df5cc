-- The year's targets of the programme, for the city or for one county (DOMAIN.md, Reporting):
-- trained, certification rate (in basis points: 9000 is 90 %), employed, and optionally the
-- intermediate and advanced trained.
CREATE TABLE targets (
    year INTEGER NOT NULL CHECK (year BETWEEN 2016 AND 2100),
    scope TEXT NOT NULL CHECK (scope = 'city' OR length(scope) = 6),
    trained INTEGER NOT NULL CHECK (trained BETWEEN 0 AND 10000000),
    certification_rate_bp INTEGER NOT NULL CHECK (certification_rate_bp BETWEEN 0 AND 10000),
    employed INTEGER NOT NULL CHECK (employed BETWEEN 0 AND 10000000),
    intermediate_trained INTEGER CHECK (intermediate_trained BETWEEN 0 AND 10000000),
    advanced_trained INTEGER CHECK (advanced_trained BETWEEN 0 AND 10000000),
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (year, scope)
);
