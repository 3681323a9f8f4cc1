-- G1, Flyway version 25: a media type for packs of episodes.

ALTER TYPE media_type ADD VALUE 'tv_episode_pack';
