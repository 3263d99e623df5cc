DROP INDEX trainees_name;
ALTER TABLE trainees ALTER COLUMN name TYPE TEXT COLLATE "default";
CREATE INDEX trainees_name ON trainees (name text_pattern_ops);
