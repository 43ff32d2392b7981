// Package tollfraud guards outbound calls to the phone network against the
// classic ways an on-premises PBX gets robbed: no external call without an
// authenticated extension, a per-extension cap on concurrent external calls,
// a per-extension budget of international minutes per day, and an allowlist
// of international destinations. When a limit trips, an [Alert] is logged
// and published on the events bus under topic "alert".
//
// Integration with the B2BUA, after dialplan.Outbound succeeded:
//
//	call, err := guard.Admit(ext, plan.E164, plan.International(), plan.Emergency)
//	if err != nil { respond with err's SIPStatus() }   // 403 or 503
//	defer call.End()
//	... on 200 OK from the trunk: call.Answered(); if d, ok := call.Budget(); ok { hang up after d }
package tollfraud
