-- A name search is answered in name order from one index, which serves both `name LIKE '王%'`
-- (the connections set case_sensitive_like) and `ORDER BY name, id`.
DROP INDEX trainees_name;
CREATE INDEX trainees_name ON trainees (name, id);
