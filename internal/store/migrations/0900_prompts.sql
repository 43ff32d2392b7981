-- Uploaded prompts and music on hold, converted on upload to 8 kHz mono
-- G.711 µ-law. A prompt with a built-in prompt's name overrides it for its
-- language; music has no language ('').
CREATE TABLE prompts (
	kind    TEXT NOT NULL,               -- prompt | music
	lang    TEXT NOT NULL DEFAULT '',    -- en | fr for prompts, '' for music
	name    TEXT NOT NULL,
	audio   BLOB NOT NULL,               -- 8 kHz mono G.711 µ-law
	created INTEGER NOT NULL,            -- unix seconds
	PRIMARY KEY (kind, lang, name)
);
