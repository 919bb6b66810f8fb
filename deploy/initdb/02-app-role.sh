#!/bin/sh
# Run once by the postgres image on a new data volume. Veracity connects as this ordinary role,
# not as the superuser: superusers skip row-level security, which backs up the label filter.
# psql variables (:'app_password') quote the values, so no password is pasted into SQL text.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_user="$VERACITY_DB_USER" -v app_password="$VERACITY_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
GRANT CONNECT, CREATE ON DATABASE :"DBNAME" TO :"app_user";
GRANT USAGE, CREATE ON SCHEMA public TO :"app_user";
SQL
