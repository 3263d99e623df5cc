DROP TABLE app_settings;
DROP TABLE counties;
