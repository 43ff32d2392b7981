// Package dtmf carries telephone keypad digits the three ways phones send
// them: RFC 4733 telephone-event RTP packets (Receiver, EventPayloads), SIP
// INFO bodies (ParseInfo), and in-band dual tones in the audio (Detector, a
// Goertzel detector, and Tone). It works on payloads and linear samples and
// knows nothing of sockets, RTP headers or SIP.
package dtmf
