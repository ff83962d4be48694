-- An event's instant is when it is chained, during its commit (clock_timestamp), not when its
-- transaction began (now()): instants then follow seq, so a reader paging by time misses nothing.
CREATE OR REPLACE FUNCTION append_audit_events(events jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
  event jsonb;
  e audit_events;
BEGIN
  PERFORM pg_advisory_xact_lock(7262002);
  SELECT seq, hash INTO last_seq, last_hash FROM audit_events ORDER BY seq DESC LIMIT 1;
  last_seq := coalesce(last_seq, 0);
  last_hash := coalesce(last_hash, repeat('0', 64));
  FOR event IN SELECT value FROM jsonb_array_elements(events) LOOP
    last_seq := last_seq + 1;
    e := jsonb_populate_record(null::audit_events, event || jsonb_build_object('seq', last_seq, 'prev_hash', last_hash, 'hash', ''));
    e.occurred_at := clock_timestamp();
    e.hash := audit_event_hash(last_hash, e);
    INSERT INTO audit_events VALUES (e.*);
    last_hash := e.hash;
  END LOOP;
END
$$;
