-- The media pipeline's table, reproduced exactly (docs/table.md, "The row").
--
-- G0 (spring 2025): 32 columns; triggers.sql adds triggers 1-4. Names are
-- unqualified on purpose: the loader (media/demo/ddl.py) runs this file with
-- search_path set to the media schema, as the pipeline does.

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
