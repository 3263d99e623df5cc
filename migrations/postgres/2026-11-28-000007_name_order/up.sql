-- A name search is answered in name order from one index: with the column in the "C" collation
-- (code-point order, as SQLite's BINARY), a plain btree serves both `name LIKE '王%'` and
-- `ORDER BY name, id`, so a page is an index range scan, not a walk of the register by time.
DROP INDEX trainees_name;
ALTER TABLE trainees ALTER COLUMN name TYPE TEXT COLLATE "C";
CREATE INDEX trainees_name ON trainees (name, id);
