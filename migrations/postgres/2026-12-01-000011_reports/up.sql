-- What the programme reports count, kept up to date by every write that changes it (DOMAIN.md,
-- "Rules that count"), so that no report reads the follow-ups.
--
-- report_facts: per trainee and programme year, what the trainee adds to each figure: changes
-- (+1 / -1) of each figure on a day, for the trainee's county and for each group the trainee
-- is counted in (cohort, provider, occupation, category), as a JSON array. It is what the
-- rollups below are kept from, and the record ids behind a frozen report.
CREATE TABLE report_facts (
    trainee_id TEXT NOT NULL REFERENCES trainees (id),
    year INTEGER NOT NULL,
    county_code TEXT NOT NULL REFERENCES counties (code),
    changes TEXT NOT NULL,
    PRIMARY KEY (trainee_id, year)
);
CREATE INDEX report_facts_by_year ON report_facts (year, county_code, trainee_id);

-- The sum of those changes per group up to the end of each two-week period of the year
-- (period 0 starts on 1 January): a report reads one row per figure and group ...
CREATE TABLE report_counts (
    year INTEGER NOT NULL,
    dim TEXT NOT NULL CHECK (dim IN ('county', 'cohort', 'provider', 'occupation', 'category')),
    group_key TEXT NOT NULL,
    county_code TEXT NOT NULL,
    metric TEXT NOT NULL,
    period INTEGER NOT NULL CHECK (period BETWEEN 0 AND 26),
    n BIGINT NOT NULL,
    -- Period before county and group: a report of a period reads one range of the index.
    PRIMARY KEY (year, dim, period, county_code, group_key, metric)
);

-- ... and per day, for the days of the period a report ends in.
CREATE TABLE report_day_counts (
    year INTEGER NOT NULL,
    dim TEXT NOT NULL CHECK (dim IN ('county', 'cohort', 'provider', 'occupation', 'category')),
    group_key TEXT NOT NULL,
    county_code TEXT NOT NULL,
    metric TEXT NOT NULL,
    day DATE NOT NULL,
    n BIGINT NOT NULL,
    -- A report reads the days of its period as one range per county.
    PRIMARY KEY (year, dim, county_code, day, group_key, metric)
);

-- Two-weekly reports (双周调度) as issued: frozen figures, the trainee ids behind each and the
-- figures by county, cohort, provider, occupation and category; a
-- later freeze of the same period that finds other figures is a new revision with the
-- differences.
CREATE TABLE biweekly_reports (
    id TEXT PRIMARY KEY,
    year INTEGER NOT NULL CHECK (year BETWEEN 2016 AND 2100),
    period INTEGER NOT NULL CHECK (period BETWEEN 1 AND 27),
    scope TEXT NOT NULL CHECK (scope = 'city' OR length(scope) = 6),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    as_of DATE NOT NULL,
    figures TEXT NOT NULL,
    records TEXT NOT NULL,
    breakdowns TEXT NOT NULL,
    differences TEXT,
    frozen_by TEXT REFERENCES users (id),
    frozen_at TIMESTAMP NOT NULL,
    UNIQUE (year, period, scope, revision)
);
CREATE INDEX biweekly_reports_by_scope ON biweekly_reports (scope, year, period, revision);
