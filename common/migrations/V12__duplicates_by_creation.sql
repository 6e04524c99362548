-- Intake schema, version 12: the duplicates index also orders each (last name, birthdate)
-- run by creation, so listing duplicates is one walk down the index with no sort: the
-- oldest of a run (the target) comes first.
DROP INDEX customers_duplicates;
CREATE INDEX customers_duplicates ON customers(last_name_key, birthdate, created_at)
    WHERE last_name_key IS NOT NULL AND birthdate IS NOT NULL;
