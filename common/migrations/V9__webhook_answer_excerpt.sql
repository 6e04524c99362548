-- The start of a receiver's answer (at most 256 characters), kept in the delivery log so an
-- admin sees what a failing receiver said. The rest of an answer is never read.
ALTER TABLE webhook_attempts ADD COLUMN answer TEXT;
