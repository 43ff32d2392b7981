-- Web panel accounts: users with a role, login sessions and API tokens.
CREATE TABLE webui_users (
	name          TEXT PRIMARY KEY,
	role          TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
	password_hash TEXT NOT NULL,
	display_name  TEXT NOT NULL DEFAULT '',
	created_at    INTEGER NOT NULL
);

-- Sessions are stored by the SHA-256 of their cookie value, never the value.
CREATE TABLE webui_sessions (
	id_hash    TEXT PRIMARY KEY,
	user_name  TEXT NOT NULL REFERENCES webui_users(name) ON DELETE CASCADE,
	csrf       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX webui_sessions_expiry ON webui_sessions(expires_at);

-- API tokens are stored by the SHA-256 of the token, never the token.
CREATE TABLE webui_tokens (
	token_hash TEXT PRIMARY KEY,
	user_name  TEXT NOT NULL REFERENCES webui_users(name) ON DELETE CASCADE,
	label      TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
