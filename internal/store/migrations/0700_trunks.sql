-- Trunks, inbound and outbound routes, extension permissions and live trunk
-- status (sip/trunk, sip/dialplan, sip/tollfraud; config sections trunks:,
-- routes:, permissions:).
CREATE TABLE trunks (
	name                 TEXT PRIMARY KEY,
	type                 TEXT NOT NULL,       -- register | peer
	host                 TEXT NOT NULL,
	username             TEXT NOT NULL DEFAULT '',
	password             TEXT NOT NULL DEFAULT '', -- sent to the provider: kept as given
	transport            TEXT NOT NULL DEFAULT '',
	codecs               TEXT NOT NULL DEFAULT '[]', -- JSON array
	dtmf                 TEXT NOT NULL DEFAULT '',
	outbound_proxy       TEXT NOT NULL DEFAULT '',
	country_code         TEXT NOT NULL DEFAULT '',
	national_prefix      TEXT NOT NULL DEFAULT '',
	international_prefix TEXT NOT NULL DEFAULT '',
	called_from          TEXT NOT NULL DEFAULT '',
	expiry_seconds       INTEGER NOT NULL DEFAULT 0,
	dids                 TEXT NOT NULL DEFAULT '[]' -- JSON array of E.164
);

CREATE TABLE routes_inbound (
	pos   INTEGER PRIMARY KEY,
	did   TEXT NOT NULL,
	dest  TEXT NOT NULL,
	trunk TEXT NOT NULL DEFAULT ''
);

CREATE TABLE routes_outbound (
	pos       INTEGER PRIMARY KEY,
	pattern   TEXT NOT NULL,
	strip     INTEGER NOT NULL DEFAULT 0,
	prepend   TEXT NOT NULL DEFAULT '',
	trunks    TEXT NOT NULL,             -- JSON array, failover order
	class     TEXT NOT NULL DEFAULT '',
	emergency INTEGER NOT NULL DEFAULT 0,
	caller_id TEXT NOT NULL DEFAULT ''
);

CREATE TABLE emergency_numbers (
	number TEXT PRIMARY KEY
);

CREATE TABLE extension_permissions (
	extension             TEXT PRIMARY KEY,
	class                 TEXT NOT NULL DEFAULT '',
	max_concurrent        INTEGER NOT NULL DEFAULT 0,
	international_minutes INTEGER NOT NULL DEFAULT 0,
	caller_id             TEXT NOT NULL DEFAULT ''
);

CREATE TABLE trunk_status (
	name       TEXT PRIMARY KEY,
	state      TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	expires_ms INTEGER NOT NULL DEFAULT 0,
	updated_ms INTEGER NOT NULL
);
