DROP TABLE report_counts;
CREATE TABLE report_counts (
    year INTEGER NOT NULL,
    dim TEXT NOT NULL CHECK (dim IN ('county', 'cohort', 'provider', 'occupation', 'category')),
    group_key TEXT NOT NULL,
    county_code TEXT NOT NULL,
    metric TEXT NOT NULL,
    period INTEGER NOT NULL CHECK (period BETWEEN 0 AND 26),
    n INTEGER NOT NULL,
    -- Period before county and group: a report of a period reads one range of the index.
    PRIMARY KEY (year, dim, period, county_code, group_key, metric)
);
