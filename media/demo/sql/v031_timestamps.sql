-- G2, Flyway version 31: one shared function keeps updated_at fresh, and both
-- timestamps become NOT NULL with UTC defaults.

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

DROP TRIGGER media_10_set_updated_at ON media;
CREATE TRIGGER media_10_set_updated_at
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
DROP FUNCTION media_set_updated_at();

CREATE TRIGGER training_10_set_updated_at
    BEFORE UPDATE ON training
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

UPDATE media SET created_at = coalesce(created_at, updated_at, now()) WHERE created_at IS NULL;
UPDATE media SET updated_at = coalesce(updated_at, created_at) WHERE updated_at IS NULL;
ALTER TABLE media
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN created_at SET DEFAULT now(),
    ALTER COLUMN updated_at SET NOT NULL,
    ALTER COLUMN updated_at SET DEFAULT now();
