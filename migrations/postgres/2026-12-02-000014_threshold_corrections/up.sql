-- A threshold entered wrongly (780 meant as yuan, stored as 7.80) is corrected by an
-- administrator, with a reason kept on the row beside who corrected it and when; the
-- figures follow. The correction is also in the audit trail.
ALTER TABLE income_thresholds ADD COLUMN correction_reason TEXT
    CHECK (length(correction_reason) BETWEEN 1 AND 500);
ALTER TABLE income_thresholds ADD COLUMN corrected_at TIMESTAMP;
ALTER TABLE income_thresholds ADD COLUMN corrected_by TEXT REFERENCES users (id);
