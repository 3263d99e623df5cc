-- Outcomes belong to the training year: a year's figures run on after 31 December until its
-- outcome cut-off (31 March of the year after by default, at most a year on), in periods
-- 27 and later of the year's count. The sums are derived data: the server rebuilds them when
-- the way they are counted changes.
ALTER TABLE report_counts DROP CONSTRAINT report_counts_period_check;
ALTER TABLE report_counts ADD CONSTRAINT report_counts_period_check
    CHECK (period BETWEEN 0 AND 53);
