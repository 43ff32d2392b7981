package dialplan

// Disposition maps the final status of an outbound trunk leg to the CDR
// disposition words the B2BUA writes (answered, busy, no-answer,
// not-found, rejected, unavailable, failed), so a provider's errors read the
// same as an extension's. Status 0 (no response, timeout) is unavailable.
func Disposition(status int) string {
	switch {
	case status >= 200 && status < 300:
		return "answered"
	case status == 486 || status == 600:
		return "busy"
	case status == 408 || status == 480:
		return "no-answer"
	case status == 404 || status == 484 || status == 604:
		return "not-found"
	case status == 403 || status == 603:
		return "rejected"
	case status == 0 || (status >= 500 && status < 600):
		return "unavailable"
	default:
		return "failed"
	}
}
