-- A placement's follow-ups include the one that found the person in it, recorded on the work
-- before: found by this index as well as by the placement's own.
CREATE INDEX follow_ups_new_placement ON follow_ups (new_placement_id) WHERE new_placement_id IS NOT NULL;
