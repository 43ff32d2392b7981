-- Registrations: the location service's bindings, written behind so that a
-- restart keeps phones reachable until their registrations expire.
CREATE TABLE registrations (
	aor        TEXT NOT NULL,
	contact    TEXT NOT NULL,
	source     TEXT NOT NULL,   -- address:port the phone sent from (NAT)
	transport  TEXT NOT NULL,
	expires_at INTEGER NOT NULL, -- unix seconds
	call_id    TEXT NOT NULL,
	cseq       INTEGER NOT NULL,
	user_agent TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (aor, contact)
);

-- One row per call attempt.
CREATE TABLE cdrs (
	id           INTEGER PRIMARY KEY,
	call_id      TEXT NOT NULL,
	caller       TEXT NOT NULL,
	callee       TEXT NOT NULL,
	started_at   INTEGER NOT NULL,          -- unix milliseconds
	answered_at  INTEGER,                   -- NULL when never answered
	ended_at     INTEGER,                   -- NULL while the call lives
	disposition  TEXT NOT NULL DEFAULT '',  -- answered, busy, no-answer, cancelled, failed, unavailable, not-found
	hangup_cause TEXT NOT NULL DEFAULT '',
	sip_status   INTEGER NOT NULL DEFAULT 0,
	packets_a_to_b INTEGER NOT NULL DEFAULT 0,
	packets_b_to_a INTEGER NOT NULL DEFAULT 0,
	lost_a       INTEGER NOT NULL DEFAULT 0,
	lost_b       INTEGER NOT NULL DEFAULT 0,
	jitter_a_us  INTEGER NOT NULL DEFAULT 0,
	jitter_b_us  INTEGER NOT NULL DEFAULT 0,
	codec        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cdrs_started ON cdrs (started_at);
