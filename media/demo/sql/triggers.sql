-- Triggers 1-4 of docs/table.md ("The triggers"): G0's, and G1's from Flyway version 19 on.
-- CREATE OR REPLACE: the functions outlive a re-created table (G0 -> G1).

-- Triggers: all BEFORE UPDATE, FOR EACH ROW. PostgreSQL fires triggers of the
-- same kind in name order, hence the numbered names.

-- 1. updated_at is refreshed on every update.
CREATE OR REPLACE FUNCTION media_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER media_10_set_updated_at
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_set_updated_at();

-- 2. Back to 'ingested' from anything else: the row starts over.
CREATE OR REPLACE FUNCTION media_reset_on_ingest() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.pipeline_status = 'ingested' AND OLD.pipeline_status <> 'ingested' THEN
        IF OLD.rejection_status <> 'override' THEN
            NEW.rejection_status := 'unfiltered';
        END IF;
        NEW.rejection_reason := NULL;
        NEW.error_condition := NULL;
        NEW.error_status := false;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER media_20_reset_on_ingest
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_reset_on_ingest();

-- 3. No error, no error condition.
CREATE OR REPLACE FUNCTION media_clear_error_condition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.error_status = false THEN
        NEW.error_condition := NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER media_30_clear_error_condition
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_clear_error_condition();

-- 4. A rejection reason only while the row is rejected.
CREATE OR REPLACE FUNCTION media_clear_rejection_reason() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.rejection_status <> 'rejected' THEN
        NEW.rejection_reason := NULL;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER media_40_clear_rejection_reason
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_clear_rejection_reason();
