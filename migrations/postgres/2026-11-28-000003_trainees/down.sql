DROP TABLE trainee_categories;
DROP TABLE trainees;
