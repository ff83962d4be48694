-- The audit chain is computed and checked inside the database: one statement appends a batch
-- (so the serialising lock is held for the shortest time), and anyone with SQL access can verify
-- the chain without the application. The hash covers the previous hash and a jsonb rendering of
-- the event (jsonb text is canonical: keys sorted, no insignificant spaces); the instant enters
-- as epoch microseconds, independent of the session's time zone.
CREATE FUNCTION audit_event_hash(prev_hash text, e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(prev_hash || '|' || jsonb_build_object(
    'seq', e.seq,
    'jurisdictionCode', e.jurisdiction_code,
    'occurredAt', (extract(epoch from e.occurred_at) * 1000000)::bigint,
    'actorKeyId', e.actor_key_id,
    'actorRole', e.actor_role,
    'actorAgencyId', e.actor_agency_id,
    'actorEnterpriseId', e.actor_enterprise_id,
    'action', e.action,
    'entityType', e.entity_type,
    'entityId', e.entity_id,
    'enterpriseId', e.enterprise_id,
    'jurisdictionCodes', to_jsonb(e.jurisdiction_codes),
    'requestId', e.request_id,
    'before', e.before,
    'after', e.after
  )::text, 'UTF8')), 'hex')
$$;
--> statement-breakpoint
-- Appends events (a jsonb array in the audit_events column names) to the chain. The transaction
-- lock serialises appends until commit, so seq order is commit order. An event's instant is when
-- it is chained (clock_timestamp), not when its transaction began, so instants follow seq too.
CREATE FUNCTION append_audit_events(events jsonb) RETURNS void
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
