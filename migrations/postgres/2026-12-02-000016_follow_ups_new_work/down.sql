DROP INDEX follow_ups_new_placement;
