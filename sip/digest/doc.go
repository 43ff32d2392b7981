// Package digest implements SIP digest authentication for the appliance's
// registrar and call handling (RFC 3261 §22.4, RFC 7616 nonce counts, RFC
// 8760 SHA-256 for SIP): challenges, verification against stored HA1
// hashes (never passwords), nonce expiry and replay protection.
package digest
