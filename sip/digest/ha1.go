// Package digest implements SIP digest authentication (RFC 3261 §22.4,
// RFC 7616 algorithms for SIP per RFC 8760): challenges, HA1 hashes, nonce
// expiry and replay protection. Only HA1 hashes are ever stored.
package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
)

// HA1MD5 returns the MD5 HA1 hash, hex(MD5(user:realm:password)).
func HA1MD5(user, realm, password string) string {
	sum := md5.Sum([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}

// HA1SHA256 returns the SHA-256 HA1 hash (RFC 8760), hex(SHA-256(user:realm:password)).
func HA1SHA256(user, realm, password string) string {
	sum := sha256.Sum256([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(sum[:])
}
