-- Call transfer (REFER, sip/b2bua): a transferred call's record ends where
-- the transfer took effect and names who transferred it and to what number
-- (transferred_by, transferred_to); the transferee's call goes on in a new
-- record of the same call_id whose transferred_from is the id of the record
-- before it, and whose transferred_by names the transferor too.
ALTER TABLE cdrs ADD COLUMN transferred_by TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN transferred_to TEXT NOT NULL DEFAULT '';
ALTER TABLE cdrs ADD COLUMN transferred_from INTEGER NOT NULL DEFAULT 0;
