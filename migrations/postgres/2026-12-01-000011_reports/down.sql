-- What the report data was computed with goes too: after an `up` again it is rebuilt.
DELETE FROM app_settings WHERE key = 'report_facts';
DROP TABLE biweekly_reports;
DROP TABLE report_day_counts;
DROP TABLE report_counts;
DROP TABLE report_facts;
