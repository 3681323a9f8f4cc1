-- G2, Flyway version 28: the metadata moves to atp.training, one row per movie
-- keyed by imdb_id; atp.media keeps 27 columns (docs/table.md, "The generations").
-- atp.prediction is the model's output; the service is granted SELECT on it.

CREATE TABLE training (
    imdb_id              varchar(10)   PRIMARY KEY
                                       CONSTRAINT training_imdb_id_check
                                       CHECK (imdb_id ~ '^tt[0-9]{7,8}$'),
    tmdb_id              integer,
    budget               bigint,
    revenue              bigint,
    runtime              integer,
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
    tmdb_rating          numeric(5, 3) CHECK (tmdb_rating IS NULL OR tmdb_rating BETWEEN 0 AND 10),
    tmdb_votes           integer       CHECK (tmdb_votes >= 0),
    rt_score             integer       CHECK (rt_score IS NULL OR rt_score BETWEEN 0 AND 100),
    metascore            integer       CHECK (metascore IS NULL OR metascore BETWEEN 0 AND 100),
    imdb_rating          numeric(4, 1) CHECK (imdb_rating IS NULL OR imdb_rating BETWEEN 0 AND 100),
    imdb_votes           integer       CHECK (imdb_votes >= 0),
    created_at           timestamptz   NOT NULL DEFAULT now(),
    updated_at           timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE prediction (
    imdb_id    varchar(10) PRIMARY KEY REFERENCES training (imdb_id),
    prediction numeric(4, 3) NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One training row per movie: the most recently updated media row wins.
INSERT INTO training (
    imdb_id, tmdb_id, budget, revenue, runtime, origin_country, production_companies,
    production_countries, production_status, original_language, spoken_languages, genre,
    original_media_title, tagline, overview, tmdb_rating, tmdb_votes, rt_score, metascore,
    imdb_rating, imdb_votes
)
SELECT DISTINCT ON (imdb_id)
    imdb_id, tmdb_id, budget, revenue, runtime, origin_country, production_companies,
    production_countries, production_status, original_language, spoken_languages, genre,
    original_media_title, tagline, overview, tmdb_rating, tmdb_votes, rt_score, metascore,
    imdb_rating, imdb_votes
FROM media
WHERE imdb_id IS NOT NULL
ORDER BY imdb_id, updated_at DESC NULLS LAST;

ALTER TABLE media
    DROP COLUMN budget,
    DROP COLUMN revenue,
    DROP COLUMN runtime,
    DROP COLUMN origin_country,
    DROP COLUMN production_companies,
    DROP COLUMN production_countries,
    DROP COLUMN production_status,
    DROP COLUMN original_language,
    DROP COLUMN spoken_languages,
    DROP COLUMN genre,
    DROP COLUMN original_media_title,
    DROP COLUMN tagline,
    DROP COLUMN overview,
    DROP COLUMN tmdb_rating,
    DROP COLUMN tmdb_votes,
    DROP COLUMN rt_score,
    DROP COLUMN metascore,
    DROP COLUMN imdb_rating,
    DROP COLUMN imdb_votes;

DROP INDEX IF EXISTS media_tmdb_id_idx;
CREATE INDEX media_tmdb_id_idx ON media (tmdb_id);
