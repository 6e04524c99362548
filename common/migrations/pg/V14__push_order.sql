-- The twin of common/migrations/V14__push_order.sql: where each device's pushes have been
-- applied up to, seen by every store process.
ALTER TABLE devices ADD COLUMN pushed_through BIGINT;
