DROP TABLE biweekly_reports;
DROP TABLE report_day_counts;
DROP TABLE report_counts;
DROP TABLE report_facts;
