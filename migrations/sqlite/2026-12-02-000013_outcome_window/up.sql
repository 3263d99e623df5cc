-- Outcomes belong to the training year: a year's figures run on after 31 December until its
-- outcome cut-off (31 March of the year after by default, at most a year on), in periods
-- 27 and later of the year's count. The sums are derived data, made anew: the server rebuilds
-- them when the way they are counted changes (as it has: the kept facts' version is new).
DROP TABLE report_counts;
CREATE TABLE report_counts (
    year INTEGER NOT NULL,
    dim TEXT NOT NULL CHECK (dim IN ('county', 'cohort', 'provider', 'occupation', 'category')),
    group_key TEXT NOT NULL,
    county_code TEXT NOT NULL,
    metric TEXT NOT NULL,
    period INTEGER NOT NULL CHECK (period BETWEEN 0 AND 53),
    n INTEGER NOT NULL,
    -- Period before county and group: a report of a period reads one range of the index.
    PRIMARY KEY (year, dim, period, county_code, group_key, metric)
);
