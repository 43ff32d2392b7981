-- Web chat sessions: one per conversation of a visitor (a visitor token
-- kept in the browser's localStorage finds its open session again).
CREATE TABLE chat_sessions (
	id            TEXT PRIMARY KEY,
	widget        TEXT NOT NULL,
	queue         TEXT NOT NULL,
	visitor_token TEXT NOT NULL,
	customer_id   INTEGER NOT NULL DEFAULT 0,
	name          TEXT NOT NULL DEFAULT '',
	email         TEXT NOT NULL DEFAULT '',
	phone         TEXT NOT NULL DEFAULT '',
	intent        TEXT NOT NULL DEFAULT '',
	state         TEXT NOT NULL,                  -- queued, active, closed
	agent         TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL,               -- unix milliseconds
	closed_at     INTEGER,
	disposition   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX chat_sessions_token ON chat_sessions (visitor_token, state);
CREATE INDEX chat_sessions_open ON chat_sessions (state, created_at);

-- Messages, committed before the sender is acknowledged. client_id makes a
-- resend after a reconnect idempotent.
CREATE TABLE chat_messages (
	session_id TEXT NOT NULL REFERENCES chat_sessions (id),
	seq        INTEGER NOT NULL,
	sender     TEXT NOT NULL,                     -- visitor, agent, system
	agent      TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL,
	at         INTEGER NOT NULL,                  -- unix milliseconds
	client_id  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (session_id, seq)
);
CREATE UNIQUE INDEX chat_messages_client ON chat_messages (session_id, client_id) WHERE client_id <> '';
