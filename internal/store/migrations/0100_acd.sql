-- The distributor: queues and agents of the configuration file (`queues:`
-- and `agents:`, each a JSON spec owned by internal/config), the durable
-- work items, the event log every statistic is computed from, agent
-- presence, presence requests from the CLI, and the live snapshot.
CREATE TABLE acd_queues (
	name TEXT PRIMARY KEY,
	spec TEXT NOT NULL
);
CREATE TABLE acd_agents (
	name TEXT PRIMARY KEY,
	spec TEXT NOT NULL
);
CREATE TABLE acd_items (
	id         TEXT PRIMARY KEY,
	channel    TEXT NOT NULL,
	queue      TEXT NOT NULL,
	priority   INTEGER NOT NULL,
	arrived_at INTEGER NOT NULL,   -- unix ms of the entry into its queue
	skills     TEXT NOT NULL,      -- JSON object skill → level
	size       INTEGER NOT NULL,
	customer   INTEGER NOT NULL,
	context    TEXT NOT NULL,      -- JSON object
	state      TEXT NOT NULL,      -- waiting, held
	agent      TEXT NOT NULL
);
CREATE INDEX acd_items_order ON acd_items (arrived_at, id);
CREATE TABLE acd_events (
	seq     INTEGER PRIMARY KEY AUTOINCREMENT,
	at      INTEGER NOT NULL,      -- unix ms
	kind    TEXT NOT NULL,
	item    TEXT NOT NULL,
	channel TEXT NOT NULL,
	queue   TEXT NOT NULL,
	agent   TEXT NOT NULL,
	target  TEXT NOT NULL
);
CREATE INDEX acd_events_at ON acd_events (at);
CREATE TABLE acd_presence (
	agent    TEXT PRIMARY KEY,
	presence TEXT NOT NULL,
	channels TEXT NOT NULL,        -- JSON array, empty for every channel
	reason   TEXT NOT NULL,
	since    INTEGER NOT NULL
);
CREATE TABLE acd_requests (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	agent    TEXT NOT NULL,
	presence TEXT NOT NULL,
	channels TEXT NOT NULL,
	reason   TEXT NOT NULL,
	at       INTEGER NOT NULL
);
CREATE TABLE acd_snapshot (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	at   INTEGER NOT NULL,
	body TEXT NOT NULL
);
