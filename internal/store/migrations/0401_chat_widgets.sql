-- Chat widgets of the configuration file's `chat:` section.
CREATE TABLE chat_widgets (
	name    TEXT PRIMARY KEY,
	queue   TEXT NOT NULL,
	origins TEXT NOT NULL    -- JSON array of scheme://host[:port]
);
