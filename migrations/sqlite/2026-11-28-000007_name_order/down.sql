DROP INDEX trainees_name;
CREATE INDEX trainees_name ON trainees (name);
