-- The change feed offline sync reads. One row per record and scope (a county code, '*' for
-- records every staff role may read, 'employer:<id>' for an employer's placements,
-- 'user:<id>' for an account); a write deletes the record's row and inserts it again, so the
-- row moves to a new position and the feed holds each record's latest change only. `action` is
-- 'put' while the record is in that scope, 'leave' once it has left it (a trainee moved to
-- another county), 'delete' once it is gone. Positions are taken under a lock held to the
-- commit (see db/feed.rs), so they follow commit order.
CREATE TABLE change_feed (
    position BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('trainee', 'cohort', 'enrolment', 'attendance_day',
        'assessment', 'certificate', 'placement', 'follow_up', 'organisation',
        'income_threshold', 'account')),
    entity_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('put', 'leave', 'delete')),
    changed_at TIMESTAMP NOT NULL,
    -- `<account>/<device>` when the change is the record a pushed operation answered: that
    -- device has it already and its pulls skip it.
    origin TEXT
);
CREATE UNIQUE INDEX change_feed_record ON change_feed (kind, entity_id, scope);
CREATE INDEX change_feed_scope ON change_feed (scope, position);
CREATE INDEX change_feed_tombstones ON change_feed (changed_at) WHERE action <> 'put';

-- Tombstones older than the retention are pruned; a cursor from before the last one pruned
-- cannot be continued (410).
CREATE TABLE sync_horizon (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pruned_through BIGINT NOT NULL
);
INSERT INTO sync_horizon (id, pruned_through) VALUES (1, 0);

-- What each pushed operation answered, so that the same (device, op) sent again answers the
-- same and changes nothing.
CREATE TABLE sync_ops (
    actor_id TEXT NOT NULL REFERENCES users (id),
    device_id TEXT NOT NULL,
    op_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    result TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (actor_id, device_id, op_id)
);

-- What is stored already enters the feed once, in the order of the tables.
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'organisation', id, '*', 'put', updated_at FROM organisations ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'account', id, 'user:' || id, 'put', updated_at FROM users ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'income_threshold', id, county_code, 'put', updated_at FROM income_thresholds
ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'trainee', id, county_code, 'put', updated_at FROM trainees ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'cohort', id, county_code, 'put', updated_at FROM cohorts ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT DISTINCT 'enrolment', e.id, s.county_code, 'put', e.updated_at
FROM enrolments e
JOIN cohorts c ON c.id = e.cohort_id
JOIN trainees t ON t.id = e.trainee_id
CROSS JOIN LATERAL (VALUES (c.county_code), (t.county_code)) AS s (county_code);
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'attendance_day', r.cohort_id || '/' || to_char(r.day, 'YYYY-MM-DD'), c.county_code, 'put',
    r.recorded_at
FROM attendance_registers r JOIN cohorts c ON c.id = r.cohort_id ORDER BY r.cohort_id, r.day;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT DISTINCT 'assessment', a.id, s.county_code, 'put', a.created_at
FROM assessments a
JOIN enrolments e ON e.id = a.enrolment_id
JOIN cohorts c ON c.id = e.cohort_id
JOIN trainees t ON t.id = e.trainee_id
CROSS JOIN LATERAL (VALUES (c.county_code), (t.county_code)) AS s (county_code);
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'certificate', x.id, t.county_code, 'put', x.created_at
FROM certificates x JOIN trainees t ON t.id = x.trainee_id ORDER BY x.created_at, x.id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'placement', id, county_code, 'put', updated_at FROM placements ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'placement', id, 'employer:' || employer_id, 'put', updated_at FROM placements
WHERE employer_id IS NOT NULL ORDER BY created_at, id;
INSERT INTO change_feed (kind, entity_id, scope, action, changed_at)
SELECT 'follow_up', f.id, p.county_code, 'put', f.received_at
FROM follow_ups f JOIN placements p ON p.id = f.placement_id ORDER BY f.received_at, f.id;
