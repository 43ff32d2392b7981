-- The unified customer: one record per person, whatever the channel.
-- A merged customer keeps its row with merged_into set, so that references
-- held elsewhere (an offer, a chat session) still resolve to the survivor.
CREATE TABLE customers (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,                 -- unix milliseconds
	merged_into INTEGER REFERENCES customers (id)  -- NULL while the record lives
);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE);

-- Identities: a normalised phone number (E.164), an email address (lower
-- case) or a chat visitor token. Each belongs to exactly one live customer.
CREATE TABLE customer_identities (
	kind        TEXT NOT NULL,                    -- phone, email, chat
	value       TEXT NOT NULL,
	customer_id INTEGER NOT NULL REFERENCES customers (id),
	added_at    INTEGER NOT NULL,                 -- unix milliseconds
	PRIMARY KEY (kind, value)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);

-- The cross-channel timeline. An entry with a ref is unique per
-- (channel, kind, ref): recording it again updates it (a chat transcript
-- that grows, a call whose CDR is closed).
CREATE TABLE customer_entries (
	id             INTEGER PRIMARY KEY,
	customer_id    INTEGER NOT NULL REFERENCES customers (id),
	channel        TEXT NOT NULL,                 -- voice, chat, email, callback, note
	kind           TEXT NOT NULL,
	at             INTEGER NOT NULL,              -- unix milliseconds
	summary        TEXT NOT NULL DEFAULT '',
	ref            TEXT NOT NULL DEFAULT '',
	detail         TEXT NOT NULL DEFAULT '{}',    -- JSON object of strings
	identity_kind  TEXT NOT NULL DEFAULT '',      -- the identity it came through, for split
	identity_value TEXT NOT NULL DEFAULT ''
);
CREATE INDEX customer_entries_timeline ON customer_entries (customer_id, at DESC, id DESC);
CREATE UNIQUE INDEX customer_entries_ref ON customer_entries (channel, kind, ref) WHERE ref <> '';
