DROP INDEX organisations_kind_updated;
DROP INDEX organisations_credit_code;
DELETE FROM organisations WHERE kind <> 'employer';
ALTER TABLE organisations DROP COLUMN contact_phone;
ALTER TABLE organisations DROP COLUMN contact_name;
ALTER TABLE organisations DROP COLUMN credit_code;
ALTER TABLE organisations DROP COLUMN kind;
ALTER TABLE organisations RENAME TO employers;
