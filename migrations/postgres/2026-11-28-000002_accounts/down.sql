DROP TABLE audit_log;
DROP TABLE login_throttles;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE user_counties;
DROP TABLE users;
DROP TABLE employers;
