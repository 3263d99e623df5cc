DROP TABLE idempotency_keys;
DROP TABLE attendance_registers;
DROP TABLE attendance;
DROP TABLE enrolments;
DROP TABLE cohorts;
