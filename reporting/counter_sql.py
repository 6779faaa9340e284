"""The SQL that keeps the WhatsApp counters (see reporting.models), installed by migration 0001.

Frozen with that migration: a change to it is a new migration (drop and create again), never an edit.

Rule (the Client Profile's, `whatsapp.selectors.NOT_COUNTED`): a message counts unless its status is
'not_sent'. Key: (company, the person's club, sent_by, the local date of created_at in the company's
time zone, direction).
"""

COUNTERS_SQL = r"""
-- Inserted (+) and deleted (-) messages: one delta row per key and statement (a 10,000-row bulk
-- insert adds a handful). Both triggers name their transition table reporting_rows.
CREATE FUNCTION reporting_messages_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reporting_messagecountdelta (company_id, club_id, user_id, day, direction, n)
  SELECT m.company_id, p.club_id, m.sent_by_id, (m.created_at AT TIME ZONE c.time_zone)::date,
         m.direction, CASE TG_OP WHEN 'DELETE' THEN -count(*) ELSE count(*) END
  FROM reporting_rows m
  JOIN gymsales_person p ON p.id = m.person_id
  JOIN gymsales_company c ON c.id = m.company_id
  WHERE m.status <> 'not_sent'
  GROUP BY 1, 2, 3, 4, 5;
  RETURN NULL;
END $$;
CREATE TRIGGER reporting_messages_inserted AFTER INSERT ON whatsapp_message
  REFERENCING NEW TABLE AS reporting_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting_messages_written();
CREATE TRIGGER reporting_messages_deleted AFTER DELETE ON whatsapp_message
  REFERENCING OLD TABLE AS reporting_rows
  FOR EACH STATEMENT EXECUTE FUNCTION reporting_messages_written();

-- A changed message: only when it moves in or out of a count or to another key (the WHEN clause is
-- evaluated by PostgreSQL itself, so status callbacks sent → delivered → read cost nothing here).
CREATE FUNCTION reporting_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status <> 'not_sent' THEN
    INSERT INTO reporting_messagecountdelta (company_id, club_id, user_id, day, direction, n)
    SELECT OLD.company_id, p.club_id, OLD.sent_by_id,
           (OLD.created_at AT TIME ZONE c.time_zone)::date, OLD.direction, -1
    FROM gymsales_person p, gymsales_company c
    WHERE p.id = OLD.person_id AND c.id = OLD.company_id;
  END IF;
  IF NEW.status <> 'not_sent' THEN
    INSERT INTO reporting_messagecountdelta (company_id, club_id, user_id, day, direction, n)
    SELECT NEW.company_id, p.club_id, NEW.sent_by_id,
           (NEW.created_at AT TIME ZONE c.time_zone)::date, NEW.direction, 1
    FROM gymsales_person p, gymsales_company c
    WHERE p.id = NEW.person_id AND c.id = NEW.company_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER reporting_message_changed AFTER UPDATE ON whatsapp_message FOR EACH ROW
  WHEN ((OLD.status = 'not_sent') IS DISTINCT FROM (NEW.status = 'not_sent')
        OR OLD.created_at IS DISTINCT FROM NEW.created_at
        OR OLD.sent_by_id IS DISTINCT FROM NEW.sent_by_id
        OR OLD.direction IS DISTINCT FROM NEW.direction
        OR OLD.person_id IS DISTINCT FROM NEW.person_id
        OR OLD.company_id IS DISTINCT FROM NEW.company_id)
  EXECUTE FUNCTION reporting_message_changed();

-- A person moving to another club takes their messages' counts along.
CREATE FUNCTION reporting_person_club_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO reporting_messagecountdelta (company_id, club_id, user_id, day, direction, n)
  SELECT m.company_id, k.club_id, m.sent_by_id, (m.created_at AT TIME ZONE c.time_zone)::date,
         m.direction, k.sign * count(*)
  FROM whatsapp_message m
  JOIN gymsales_company c ON c.id = m.company_id
  CROSS JOIN (VALUES (OLD.club_id, -1), (NEW.club_id, 1)) AS k (club_id, sign)
  WHERE m.person_id = NEW.id AND m.status <> 'not_sent'
  GROUP BY m.company_id, k.club_id, k.sign, m.sent_by_id, 4, m.direction;
  RETURN NULL;
END $$;
CREATE TRIGGER reporting_person_club_changed AFTER UPDATE OF club_id ON gymsales_person
  FOR EACH ROW WHEN (OLD.club_id IS DISTINCT FROM NEW.club_id)
  EXECUTE FUNCTION reporting_person_club_changed();

-- The counters as they are: folded rows plus the deltas not folded yet.
CREATE VIEW reporting_messagecount AS
  SELECT id, company_id, club_id, user_id, day, direction, n FROM reporting_messagedaycount
  UNION ALL
  SELECT id, company_id, club_id, user_id, day, direction, n FROM reporting_messagecountdelta;

-- Make one company's counters exact again (a time zone change re-buckets every day): one statement,
-- so the messages and the counters are read from the same snapshot and concurrent writers' deltas
-- stay valid. Returns how many corrections it appended.
CREATE FUNCTION reporting_reconcile(cid bigint) RETURNS bigint LANGUAGE sql AS $$
  WITH corrections AS (
    INSERT INTO reporting_messagecountdelta (company_id, club_id, user_id, day, direction, n)
    SELECT company_id, club_id, user_id, day, direction, sum(n)
    FROM (
      SELECT m.company_id, p.club_id, m.sent_by_id AS user_id,
             (m.created_at AT TIME ZONE c.time_zone)::date AS day, m.direction, count(*) AS n
      FROM whatsapp_message m
      JOIN gymsales_person p ON p.id = m.person_id
      JOIN gymsales_company c ON c.id = m.company_id
      WHERE m.company_id = cid AND m.status <> 'not_sent'
      GROUP BY 1, 2, 3, 4, 5
      UNION ALL
      SELECT company_id, club_id, user_id, day, direction, -n
      FROM reporting_messagecount WHERE company_id = cid
    ) AS both_sides
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(n) <> 0
    RETURNING 1
  )
  SELECT count(*) FROM corrections;
$$;

CREATE FUNCTION reporting_company_time_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM reporting_reconcile(NEW.id);
  RETURN NULL;
END $$;
CREATE TRIGGER reporting_company_time_zone_changed AFTER UPDATE OF time_zone ON gymsales_company
  FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
  EXECUTE FUNCTION reporting_company_time_zone_changed();

CREATE FUNCTION reporting_company_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM reporting_messagecountdelta WHERE company_id = OLD.id;
  DELETE FROM reporting_messagedaycount WHERE company_id = OLD.id;
  RETURN NULL;
END $$;
CREATE TRIGGER reporting_company_deleted AFTER DELETE ON gymsales_company
  FOR EACH ROW EXECUTE FUNCTION reporting_company_deleted();

-- Move the deltas into the folded counters; one folder at a time (others return 0 at once).
CREATE FUNCTION reporting_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('reporting_fold')) THEN
    RETURN 0;
  END IF;
  WITH gone AS (
    DELETE FROM reporting_messagecountdelta
    RETURNING company_id, club_id, user_id, day, direction, n
  )
  INSERT INTO reporting_messagedaycount AS s (company_id, club_id, user_id, day, direction, n)
  SELECT company_id, club_id, user_id, day, direction, sum(n) FROM gone
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 4, 2, 3, 5
  ON CONFLICT (company_id, day, club_id, user_id, direction) DO UPDATE SET n = s.n + EXCLUDED.n;
  GET DIAGNOSTICS folded = ROW_COUNT;
  RETURN folded;
END $$;

-- Counters for the messages already there.
SELECT reporting_reconcile(id) FROM gymsales_company;
SELECT reporting_fold();
"""

DROP_COUNTERS_SQL = r"""
DROP TRIGGER reporting_company_deleted ON gymsales_company;
DROP FUNCTION reporting_company_deleted();
DROP TRIGGER reporting_company_time_zone_changed ON gymsales_company;
DROP FUNCTION reporting_company_time_zone_changed();
DROP FUNCTION reporting_fold();
DROP FUNCTION reporting_reconcile(bigint);
DROP VIEW reporting_messagecount;
DROP TRIGGER reporting_person_club_changed ON gymsales_person;
DROP FUNCTION reporting_person_club_changed();
DROP TRIGGER reporting_message_changed ON whatsapp_message;
DROP FUNCTION reporting_message_changed();
DROP TRIGGER reporting_messages_deleted ON whatsapp_message;
DROP TRIGGER reporting_messages_inserted ON whatsapp_message;
DROP FUNCTION reporting_messages_written();
"""
