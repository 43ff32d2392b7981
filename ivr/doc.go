// Package ivr is the flow model shared by the two faces of the interactive
// voice response: the DTMF menu on the phone (package ivr/voice) and the
// visual contact page on the web (package ivr/contact). An admin describes
// each customer intent once as a Flow of Nodes; Validate checks a flow for
// both faces, Branch resolves the nodes that take no input (hours,
// condition) against a Live source, and Funnel events measure every step.
package ivr
