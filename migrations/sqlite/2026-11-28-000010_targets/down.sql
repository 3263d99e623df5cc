DROP TABLE targets;
