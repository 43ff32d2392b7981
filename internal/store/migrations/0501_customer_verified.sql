-- Where an identity came from: 1 verified (it reached us through a channel
-- that proves it: the From of a received email, a caller ID, the chat
-- visitor token itself), 0 typed by a visitor in a form (pre-chat, contact
-- page) and confirmed neither by a verified channel since nor by an agent.
-- Identities recorded before this migration came in before the distinction
-- was made and stay verified (the default).
ALTER TABLE customer_identities ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
