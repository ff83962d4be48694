-- Events are chained at commit: a deferred constraint trigger moves each transaction's pending
-- events into audit_events while the transaction commits. The chain's lock is then held for the
-- commit alone, not across the client's round trips, and seq order stays commit order.
CREATE FUNCTION chain_pending_audit_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM append_audit_events(NEW.events);
  DELETE FROM audit_pending WHERE id = NEW.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER audit_pending_chain_at_commit AFTER INSERT ON audit_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION chain_pending_audit_events();
