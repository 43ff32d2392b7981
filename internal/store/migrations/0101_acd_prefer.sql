-- The agent a work item is offered first (a conversation's agent).
ALTER TABLE acd_items ADD COLUMN prefer TEXT NOT NULL DEFAULT '';
