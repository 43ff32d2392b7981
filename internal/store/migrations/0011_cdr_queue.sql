-- The queue a call waited in ('' for a call that entered none): CDR search by queue.
ALTER TABLE cdrs ADD COLUMN queue TEXT NOT NULL DEFAULT '';
CREATE INDEX cdrs_queue ON cdrs (queue, started_at);
