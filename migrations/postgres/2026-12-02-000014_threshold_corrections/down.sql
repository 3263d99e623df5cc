ALTER TABLE income_thresholds DROP COLUMN corrected_by;
ALTER TABLE income_thresholds DROP COLUMN corrected_at;
ALTER TABLE income_thresholds DROP COLUMN correction_reason;
