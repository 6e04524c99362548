-- Intake schema, version 13: the staff console's customer list pages through a million
-- customers by seeking in an index, sorted by name or by when each was added, never by
-- sorting the table; and each staff member's choice of columns is kept for them.
--
-- The name's sort keys are kept beside the name, folded as a search folds it (case and
-- accents ignored: Álvarez among the A's), by the two statements that write a customer.
--
-- A search reads `search_name` beside the e-mail and phone keys: the first and last name
-- folded the same way, then the nickname, so a search over a million customers compares
-- one plain column a row instead of folding three names a row.
ALTER TABLE customers ADD COLUMN sort_last TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN sort_first TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
UPDATE customers SET sort_last = coalesce(search_key(last_name), ''),
                     sort_first = coalesce(search_key(first_name), ''),
                     search_name = search_name(first_name, last_name, nickname);
CREATE INDEX customers_by_name ON customers(sort_last, sort_first, id);
CREATE INDEX customers_by_added ON customers(created_at, id);

CREATE TABLE console_columns (
    user_name TEXT PRIMARY KEY,
    columns   TEXT NOT NULL            -- field column names, comma-separated, in order
) WITHOUT ROWID;

-- A customer's page shows their history from the audit log.
CREATE INDEX audit_log_customer ON audit_log(customer_id, seq) WHERE customer_id IS NOT NULL;
