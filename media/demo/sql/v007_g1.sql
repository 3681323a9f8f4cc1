-- G1, Flyway version 7: the pipeline re-creates atp.media (docs/table.md, "The generations").
--
-- New enum labels (`unknown`; `file_accepted`, `media_accepted`, no `queued`),
-- no `language`, and 19 metadata columns between tmdb_id and resolution.
-- Versions 7-18 have no triggers (v019_triggers.sql adds them). Names are
-- unqualified: the loader runs this with search_path set to the media schema.

DROP TABLE IF EXISTS media;
DROP TYPE IF EXISTS media_type;
DROP TYPE IF EXISTS pipeline_status;
DROP TYPE IF EXISTS rejection_status;
DROP TYPE IF EXISTS rss_source;

CREATE TYPE media_type AS ENUM ('movie', 'tv_show', 'tv_season', 'unknown');

CREATE TYPE pipeline_status AS ENUM (
    'ingested', 'paused', 'parsed', 'rejected', 'file_accepted', 'metadata_collected',
    'media_accepted', 'downloading', 'downloaded', 'transferred', 'complete'
);

CREATE TYPE rejection_status AS ENUM ('unfiltered', 'accepted', 'rejected', 'override');

CREATE TYPE rss_source AS ENUM ('yts.mx', 'episodefeed.com');

CREATE TABLE media (
    hash                 char(40)         PRIMARY KEY
                                          CONSTRAINT media_hash_check
                                          CHECK (hash ~ '^[0-9a-f]{40}$'),
    media_type           media_type       NOT NULL,
    media_title          varchar(255),
    season               integer,
    episode              integer,
    release_year         integer          CONSTRAINT media_release_year_check
                                          CHECK (release_year BETWEEN 1850 AND 2100),
    pipeline_status      pipeline_status  NOT NULL DEFAULT 'ingested',
    error_status         boolean          NOT NULL DEFAULT false,
    error_condition      text,
    rejection_status     rejection_status NOT NULL DEFAULT 'unfiltered',
    rejection_reason     text,
    parent_path          text,
    target_path          text,
    original_title       text             NOT NULL,
    original_path        text,
    original_link        text,
    rss_source           rss_source,
    uploader             varchar(25),
    imdb_id              varchar(10)      CONSTRAINT media_imdb_id_check
                                          CHECK (imdb_id ~ '^tt[0-9]{7,8}$'),
    tmdb_id              integer          CONSTRAINT media_tmdb_id_check CHECK (tmdb_id > 0),
    budget               bigint           CONSTRAINT media_budget_check CHECK (budget >= 0),
    revenue              bigint           CONSTRAINT media_revenue_check CHECK (revenue >= 0),
    runtime              integer          CONSTRAINT media_runtime_check CHECK (runtime >= 0),
    origin_country       char(2)[],
    production_companies varchar(255)[],
    production_countries char(2)[],
    production_status    varchar(25),
    original_language    char(2),
    spoken_languages     char(2)[],
    genre                varchar(20)[],
    original_media_title varchar(255),
    tagline              varchar(255),
    overview             text,
    tmdb_rating          numeric(5, 3)    CONSTRAINT media_tmdb_rating_check
                                          CHECK (tmdb_rating IS NULL OR tmdb_rating BETWEEN 0 AND 10),
    tmdb_votes           integer          CONSTRAINT media_tmdb_votes_check CHECK (tmdb_votes >= 0),
    rt_score             integer          CONSTRAINT media_rt_score_check
                                          CHECK (rt_score IS NULL OR rt_score BETWEEN 0 AND 100),
    metascore            integer          CONSTRAINT media_metascore_check
                                          CHECK (metascore IS NULL OR metascore BETWEEN 0 AND 100),
    imdb_rating          numeric(4, 1)    CONSTRAINT media_imdb_rating_check
                                          CHECK (imdb_rating IS NULL OR imdb_rating BETWEEN 0 AND 100),
    imdb_votes           integer          CONSTRAINT media_imdb_votes_check CHECK (imdb_votes >= 0),
    resolution           varchar(10),
    video_codec          varchar(10),
    upload_type          varchar(10),
    audio_codec          varchar(10),
    -- Nullable until version 31.
    created_at           timestamptz      DEFAULT now(),
    updated_at           timestamptz      DEFAULT now()
);

CREATE INDEX media_imdb_id_idx ON media (imdb_id);
CREATE INDEX media_tmdb_id_idx ON media (tmdb_id);
CREATE INDEX media_pipeline_status_idx ON media (pipeline_status);
