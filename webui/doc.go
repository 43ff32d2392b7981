// Package webui is the appliance's web panel: one http.Handler serving
//   - the login page;
//   - the admin pages: extensions with their registration status, web users,
//     the whole configuration as YAML with validation errors shown at their
//     line while typing, and a read-only tree of each IVR flow;
//   - the agent console: presence control, chats offered, accepted, answered
//     and closed over the chat's agent WebSocket, customer search and the
//     screen pop (record, cross-channel timeline newest first, notes);
//   - the chat widget at /chat/ and the contact page at /contact/;
//   - the supervisor's live wallboard (queues and agents from the
//     distributor, refreshed on its events over Server-Sent Events);
//   - the reports: calls with CSV export, and the IVR funnel;
//   - the REST API under /api/v1, described by /api/v1/openapi.json.
//
// Templates, CSS and JavaScript are embedded with go:embed; building needs no
// Node. Every route checks the caller's role through webui/auth, and every
// state change needs the session's CSRF token or an API bearer token.
package webui
