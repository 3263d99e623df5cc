DROP TABLE income_thresholds;
DROP TABLE follow_ups;
DROP TABLE placements;
