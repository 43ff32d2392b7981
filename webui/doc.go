// Package webui is the appliance's web panel: one http.Handler serving
//   - the login page;
//   - the admin pages: extensions with their registration status, agents
//     with their live presence and queues with their live figures (each
//     change validated against the whole configuration and applied in one
//     transaction; the distributor picks it up at its next poll), trunks
//     with their live registration status (passwords write-only), routes
//     (inbound, outbound, emergency numbers, permissions per extension;
//     the SIP side reloads them at its next poll), prompts and music on
//     hold (built-in and uploaded, played in the browser, WAV upload
//     converted on the way in), calendars (weekly hours, time zone,
//     holidays and exceptions, whether each is open now), mailboxes with
//     their live connection status (passwords write-only; the mail service
//     follows the change), chat widgets with the script tag to paste in the
//     website (the chat server follows the change), web users,
//     the whole configuration as YAML with validation errors shown at their
//     line while typing (every secret shown as config.Placeholder, which
//     keeps the stored secret when saved back), and a read-only tree of
//     each IVR flow;
//   - the agent console: presence control, the screen pop of every item
//     offered to or held by the agent (caller, queue, intent, IVR path, the
//     customer's record and cross-channel timeline newest first, live over
//     Server-Sent Events; calls are answered on the desk phone), chats
//     offered, accepted, answered and closed over the chat's agent
//     WebSocket, the emails the distributor gave the agent (each thread
//     with the customer's history beside it, HTML only in a sandboxed
//     frame, replied to from the console through the mailbox's SMTP
//     server), customer search and notes;
//   - the chat widget at /chat/ and the contact page at /contact/;
//   - the supervisor's live wallboard (queues and agents from the
//     distributor, refreshed on its events over Server-Sent Events);
//   - the reports: service level, speed of answer, handle time and
//     abandonment per queue, agent and quarter hour from the distributor's
//     event log (acd/stats) with a chart of the day and the volume by
//     channel per quarter hour; calls with CSV export
//     and recordings; the IVR funnel;
//   - the REST API under /api/v1, described by /api/v1/openapi.json.
//
// Templates, CSS and JavaScript are embedded with go:embed; building needs no
// Node. Every route checks the caller's role through webui/auth, and every
// state change needs the session's CSRF token or an API bearer token.
package webui
