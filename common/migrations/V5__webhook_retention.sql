-- Intake schema, version 5: finished webhook messages are pruned after a while, with their
-- deliveries and their log; this finds a message's log entries.
CREATE INDEX webhook_attempts_message ON webhook_attempts(message_seq);
