-- G1, Flyway version 24: soft delete (docs/table.md, "The generations").
-- NULL means active; a timestamp means a person deleted the row, and every
-- stage of the pipeline skips it.

ALTER TABLE media ADD COLUMN deleted_at timestamptz;

-- 5. A deletion rejects the row, with the reason the pipeline reports.
CREATE OR REPLACE FUNCTION media_mark_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
        NEW.rejection_status := 'rejected';
        NEW.rejection_reason := 'user deletion';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER media_50_mark_deleted
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_mark_deleted();
