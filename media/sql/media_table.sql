-- The media pipeline's table, reproduced exactly (see shared spec media-table.md).
--
-- One source for the demo database (manage.py media_create_table) and the test
-- database (tests/conftest.py). Names are unqualified on purpose: the loader
-- runs this file with search_path set to the media schema, as the pipeline does.

CREATE TYPE media_type AS ENUM ('movie', 'tv_show', 'tv_season');

CREATE TYPE pipeline_status AS ENUM (
    'ingested', 'paused', 'parsed', 'metadata_collected', 'rejected',
    'queued', 'downloading', 'downloaded', 'transferred', 'complete'
);

CREATE TYPE rejection_status AS ENUM ('unfiltered', 'accepted', 'rejected', 'override');

CREATE TYPE rss_source AS ENUM ('yts.mx', 'episodefeed.com');

CREATE TABLE media (
    hash             char(40)         PRIMARY KEY
                                      CONSTRAINT media_hash_check CHECK (hash ~ '^[0-9a-f]{40}$'),
    media_type       media_type       NOT NULL,
    media_title      varchar(255),
    season           integer,
    episode          integer,
    release_year     integer          CONSTRAINT media_release_year_check
                                      CHECK (release_year BETWEEN 1850 AND 2100),
    pipeline_status  pipeline_status  NOT NULL DEFAULT 'ingested',
    error_status     boolean          NOT NULL DEFAULT false,
    error_condition  text,
    rejection_status rejection_status NOT NULL DEFAULT 'unfiltered',
    rejection_reason text,
    parent_path      text,
    target_path      text,
    original_title   text             NOT NULL,
    original_path    text,
    original_link    text,
    rss_source       rss_source,
    uploader         varchar(25),
    imdb_id          varchar(10)      CONSTRAINT media_imdb_id_check
                                      CHECK (imdb_id ~ '^tt[0-9]{7,8}$'),
    tmdb_id          integer          CONSTRAINT media_tmdb_id_check CHECK (tmdb_id > 0),
    genre            varchar(20)[],
    language         varchar(20)[],
    rt_score         integer          CONSTRAINT media_rt_score_check
                                      CHECK (rt_score IS NULL OR rt_score BETWEEN 0 AND 100),
    metascore        integer          CONSTRAINT media_metascore_check
                                      CHECK (metascore IS NULL OR metascore BETWEEN 0 AND 100),
    imdb_rating      numeric(3, 1)    CONSTRAINT media_imdb_rating_check
                                      CHECK (imdb_rating IS NULL OR imdb_rating BETWEEN 0 AND 100),
    imdb_votes       integer,
    resolution       varchar(10),
    video_codec      varchar(10),
    upload_type      varchar(10),
    audio_codec      varchar(10),
    created_at       timestamptz      NOT NULL DEFAULT now(),
    updated_at       timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX media_imdb_id_idx ON media (imdb_id);
CREATE INDEX media_pipeline_status_idx ON media (pipeline_status);

-- Triggers: all BEFORE UPDATE, FOR EACH ROW. PostgreSQL fires triggers of the
-- same kind in name order, hence the numbered names.

-- 1. updated_at is refreshed on every update.
CREATE FUNCTION media_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER media_10_set_updated_at
    BEFORE UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_set_updated_at();

-- 2. Back to 'ingested' from anything else: the row starts over.
CREATE FUNCTION media_reset_on_ingest() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE FUNCTION media_clear_error_condition() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE FUNCTION media_clear_rejection_reason() RETURNS trigger LANGUAGE plpgsql AS $$
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
