// Package auth guards the web panel: users with the roles admin, supervisor
// and agent, bcrypt password hashes, login sessions in HttpOnly SameSite
// cookies, a per-session CSRF token required on every state change, login
// throttling per client address and per user name, and API tokens for
// scripts (sent as "Authorization: Bearer", exempt from CSRF because a
// browser never attaches them on its own).
package auth
