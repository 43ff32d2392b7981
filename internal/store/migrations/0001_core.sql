CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

-- config_rev is bumped by every change to business configuration, so that a
-- running server notices changes made by the CLI on the same data directory.
CREATE TABLE config_rev (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	rev INTEGER NOT NULL
);
INSERT INTO config_rev (id, rev) VALUES (1, 0);
