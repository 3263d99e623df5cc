DELETE FROM report_counts WHERE period > 26;
ALTER TABLE report_counts DROP CONSTRAINT report_counts_period_check;
ALTER TABLE report_counts ADD CONSTRAINT report_counts_period_check
    CHECK (period BETWEEN 0 AND 26);
