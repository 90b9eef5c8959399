-- The audit table: one row per journal record, in journal order, never changed.
CREATE TABLE deploytel_audit_events (
    seq          bigint      PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    occurred_at  timestamptz NOT NULL,
    actor        text        NOT NULL,
    acting_for   text,
    action       text        NOT NULL,
    target_kind  text,
    target_id    text,
    environment  text,
    decision     text,
    outcome      text        NOT NULL,
    run_id       text,
    prev_hash    text        NOT NULL,
    hash         text        NOT NULL,
    -- The document as the journal hashed it, byte for byte, and the same as jsonb for queries.
    doc_raw      text        NOT NULL,
    doc          jsonb       NOT NULL
);

-- The filters of `deploytel-audit query` and `report`, each with time as the second key.
CREATE INDEX deploytel_audit_events_occurred_at ON deploytel_audit_events (occurred_at);
CREATE INDEX deploytel_audit_events_actor ON deploytel_audit_events (actor, occurred_at);
CREATE INDEX deploytel_audit_events_acting_for ON deploytel_audit_events (acting_for, occurred_at) WHERE acting_for IS NOT NULL;
CREATE INDEX deploytel_audit_events_action ON deploytel_audit_events (action, occurred_at);
CREATE INDEX deploytel_audit_events_target ON deploytel_audit_events (target_id, occurred_at);
CREATE INDEX deploytel_audit_events_environment ON deploytel_audit_events (environment, occurred_at);
CREATE INDEX deploytel_audit_events_decision ON deploytel_audit_events (decision, occurred_at) WHERE decision IS NOT NULL;
CREATE INDEX deploytel_audit_events_outcome ON deploytel_audit_events (outcome, occurred_at);

-- Append-only: rows are inserted, never updated, deleted or truncated.
CREATE FUNCTION deploytel_audit_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'deploytel_audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER deploytel_audit_events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON deploytel_audit_events
    FOR EACH ROW EXECUTE FUNCTION deploytel_audit_reject_change();

CREATE TRIGGER deploytel_audit_events_no_truncate
    BEFORE TRUNCATE ON deploytel_audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION deploytel_audit_reject_change();
