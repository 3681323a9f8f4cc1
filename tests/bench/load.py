"""Inside Django, for cluster.py: the production table filled by the project's generator.

Usage: python -m tests.bench.load <generation> <rows> <seed> <batch>, with
DATABASE_URL set to a benchmark database (never the pipeline's: this drops and
recreates schema atp, as the generation's tables).
"""

import sys

import django


def main() -> None:
    generation = sys.argv[1]
    rows, seed, batch = (int(arg) for arg in sys.argv[2:5])
    django.setup()
    from media.demo.ddl import create_media_table
    from media.demo.generate import media_generate

    create_media_table(generation=generation, replace=True)
    media_generate(rows=rows, seed=seed, batch=batch)


if __name__ == "__main__":
    main()
