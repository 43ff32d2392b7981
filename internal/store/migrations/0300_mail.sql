-- The email channel. A conversation is one ticket: its id is the ticket
-- number shown as [#id] in subjects.
CREATE TABLE mail_conversations (
	id             INTEGER PRIMARY KEY,
	mailbox        TEXT NOT NULL,
	subject        TEXT NOT NULL,
	customer_email TEXT NOT NULL,
	customer_name  TEXT NOT NULL DEFAULT '',
	customer_id    INTEGER NOT NULL DEFAULT 0,    -- 0 until resolved
	agent          TEXT NOT NULL DEFAULT '',      -- the agent who last replied (sticky routing)
	created_at     INTEGER NOT NULL,              -- unix milliseconds
	updated_at     INTEGER NOT NULL
);
CREATE INDEX mail_conversations_mailbox ON mail_conversations (mailbox, updated_at);

-- Every message of a conversation, received or sent. The raw message is
-- always kept. message_id is the Message-ID header, or a content hash when
-- the header is missing, so it is never empty and dedupes across a
-- UIDVALIDITY change; (mailbox, uidvalidity, uid) dedupes a refetch.
CREATE TABLE mail_messages (
	id              INTEGER PRIMARY KEY,
	conversation_id INTEGER NOT NULL REFERENCES mail_conversations (id),
	mailbox         TEXT NOT NULL,
	direction       TEXT NOT NULL,                -- in, out
	uidvalidity     INTEGER,                      -- NULL for sent messages
	uid             INTEGER,
	message_id      TEXT NOT NULL,
	content_hash    TEXT NOT NULL,
	in_reply_to     TEXT NOT NULL DEFAULT '',
	refs            TEXT NOT NULL DEFAULT '',     -- space separated msg-ids
	from_addr       TEXT NOT NULL DEFAULT '',
	from_name       TEXT NOT NULL DEFAULT '',
	to_addr         TEXT NOT NULL DEFAULT '',
	subject         TEXT NOT NULL DEFAULT '',
	sent_at         INTEGER NOT NULL DEFAULT 0,   -- Date header, unix milliseconds
	text_body       TEXT NOT NULL DEFAULT '',
	html_body       TEXT NOT NULL DEFAULT '',     -- sanitised
	flags           TEXT NOT NULL DEFAULT '',     -- comma list: malformed, oversize, automated
	problem         TEXT NOT NULL DEFAULT '',     -- why it is flagged
	agent           TEXT NOT NULL DEFAULT '',     -- author of a sent message
	status          TEXT NOT NULL DEFAULT '',     -- sent messages: pending, sent, failed
	routed          INTEGER NOT NULL DEFAULT 0,   -- handed to the distributor
	raw             BLOB NOT NULL,
	created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX mail_messages_uid ON mail_messages (mailbox, uidvalidity, uid) WHERE uid IS NOT NULL;
CREATE UNIQUE INDEX mail_messages_msgid ON mail_messages (mailbox, message_id);
CREATE INDEX mail_messages_conversation ON mail_messages (conversation_id, id);
CREATE INDEX mail_messages_unrouted ON mail_messages (mailbox) WHERE routed = 0 AND direction = 'in';

CREATE TABLE mail_attachments (
	id           INTEGER PRIMARY KEY,
	message_id   INTEGER NOT NULL REFERENCES mail_messages (id),
	filename     TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         INTEGER NOT NULL,                -- decoded size in bytes
	truncated    INTEGER NOT NULL DEFAULT 0,      -- over the limit: data not kept
	data         BLOB
);
CREATE INDEX mail_attachments_message ON mail_attachments (message_id);

-- Per-mailbox ingest cursor and live status, written by the runner.
CREATE TABLE mail_mailboxes (
	name        TEXT PRIMARY KEY,
	uidvalidity INTEGER NOT NULL DEFAULT 0,
	last_uid    INTEGER NOT NULL DEFAULT 0,
	connected   INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT NOT NULL DEFAULT '',
	updated_at  INTEGER NOT NULL DEFAULT 0
);
