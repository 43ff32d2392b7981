-- Extensions are the desk phones' SIP accounts. Only digest HA1 hashes are
-- kept (RFC 8760: MD5 and SHA-256), never the password.
CREATE TABLE extensions (
	number     TEXT PRIMARY KEY,
	name       TEXT NOT NULL DEFAULT '',
	ha1_md5    TEXT NOT NULL,
	ha1_sha256 TEXT NOT NULL,
	realm      TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
