-- Run once by the postgres image on a new data volume (as the superuser).
CREATE EXTENSION IF NOT EXISTS vector;
