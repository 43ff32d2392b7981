// Package credential derives the stored forms of secrets: SIP digest HA1
// hashes (RFC 3261 §22.4 MD5 and RFC 8760 SHA-256), so that no extension
// password is ever kept in clear.
package credential

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
