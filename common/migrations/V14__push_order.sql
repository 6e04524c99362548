-- Where each device's pushes have been applied up to (the outbox position its last applied
-- batch ended at), kept with the device so every store process sees it: a device's next
-- batch waits for the one before it, whichever process applies either.
ALTER TABLE devices ADD COLUMN pushed_through INTEGER;
