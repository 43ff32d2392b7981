package media

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Codec is one RTP payload format of an audio stream.
type Codec struct {
	PayloadType uint8
	Name        string // "PCMU", "PCMA", "telephone-event"
	ClockRate   int
}

// Codecs the appliance speaks, in its order of preference.
var (
	PCMU = Codec{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	PCMA = Codec{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
	// TelephoneEvent is RFC 4733 DTMF, at the payload type the appliance
	// offers when it starts a negotiation.
	TelephoneEvent = Codec{PayloadType: 101, Name: "telephone-event", ClockRate: 8000}
)

// Stream directions (RFC 3264 §5.1).
const (
	SendRecv = "sendrecv"
	SendOnly = "sendonly"
	RecvOnly = "recvonly"
	Inactive = "inactive"
)

// maxSDP bounds the SDP bodies the appliance reads.
const maxSDP = 16 << 10

// Description is the part of an SDP body the appliance uses: the first
// audio stream.
type Description struct {
	// Addr is where the stream's RTP goes; its port is 0 for a stream that
	// is refused or removed.
	Addr netip.AddrPort
	// Codecs are the audio codecs in the sender's order, telephone-event
	// excluded.
	Codecs []Codec
	// DTMFPayloadType is the telephone-event payload type, 0 when none.
	DTMFPayloadType uint8
	// Direction is SendRecv, SendOnly, RecvOnly or Inactive.
	Direction string
}

// Held reports whether the stream d describes is on hold or removed: any
// direction but sendrecv, a port of 0 or an unspecified address (RFC 3264
// §8.4). Held streams are exempt from the inactivity timeout.
func (d *Description) Held() bool {
	return d.Direction != SendRecv || d.Addr.Port() == 0 || d.Addr.Addr().IsUnspecified()
}

// ParseSDP reads the first audio stream of an SDP body. Every problem is an
// error wrapping ErrBadSDP.
func ParseSDP(b []byte) (*Description, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrBadSDP)
	}
	if len(b) > maxSDP {
		return nil, fmt.Errorf("%w: %d bytes is over the %d limit", ErrBadSDP, len(b), maxSDP)
	}
	var s sdp.SessionDescription
	if err := s.Unmarshal(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	sessionDir := direction(s.Attributes)
	for _, m := range s.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		d := &Description{Direction: SendRecv}
		if sessionDir != "" {
			d.Direction = sessionDir
		}
		if md := direction(m.Attributes); md != "" {
			d.Direction = md
		}
		port := m.MediaName.Port.Value
		if port < 0 || port > 65535 {
			return nil, fmt.Errorf("%w: audio port %d out of range", ErrBadSDP, port)
		}
		ci := m.ConnectionInformation
		if ci == nil {
			ci = s.ConnectionInformation
		}
		if ci == nil || ci.Address == nil {
			return nil, fmt.Errorf("%w: no connection address", ErrBadSDP)
		}
		ip, err := netip.ParseAddr(ci.Address.Address)
		if err != nil {
			return nil, fmt.Errorf("%w: connection address %q is not an IP address", ErrBadSDP, ci.Address.Address)
		}
		if ip.IsMulticast() || (ip.Is4() && ip.As4() == [4]byte{255, 255, 255, 255}) {
			return nil, fmt.Errorf("%w: connection address %s is not unicast", ErrBadSDP, ip)
		}
		d.Addr = netip.AddrPortFrom(ip.Unmap(), uint16(port))
		rtpmaps := map[uint8]Codec{}
		for _, a := range m.Attributes {
			if a.Key != "rtpmap" {
				continue
			}
			if c, ok := parseRtpmap(a.Value); ok {
				rtpmaps[c.PayloadType] = c
			}
		}
		for _, f := range m.MediaName.Formats {
			pt, err := strconv.ParseUint(f, 10, 8)
			if err != nil || pt > 127 {
				continue
			}
			c, ok := rtpmaps[uint8(pt)]
			if !ok { // static payload types need no rtpmap (RFC 3551)
				switch pt {
				case 0:
					c = PCMU
				case 8:
					c = PCMA
				default:
					continue
				}
			}
			if strings.EqualFold(c.Name, TelephoneEvent.Name) {
				if d.DTMFPayloadType == 0 && c.ClockRate == 8000 {
					d.DTMFPayloadType = c.PayloadType
				}
				continue
			}
			d.Codecs = append(d.Codecs, c)
		}
		return d, nil
	}
	return nil, fmt.Errorf("%w: no audio stream", ErrBadSDP)
}

func parseRtpmap(v string) (Codec, bool) {
	ptText, rest, ok := strings.Cut(v, " ")
	if !ok {
		return Codec{}, false
	}
	pt, err := strconv.ParseUint(ptText, 10, 8)
	if err != nil || pt > 127 {
		return Codec{}, false
	}
	name, rateText, _ := strings.Cut(rest, "/")
	rateText, _, _ = strings.Cut(rateText, "/")
	rate, err := strconv.Atoi(rateText)
	if err != nil {
		return Codec{}, false
	}
	return Codec{PayloadType: uint8(pt), Name: strings.ToUpper(name[:min(len(name), 32)]), ClockRate: rate}, true
}

func direction(attrs []sdp.Attribute) string {
	for _, a := range attrs {
		switch a.Key {
		case SendRecv, SendOnly, RecvOnly, Inactive:
			return a.Key
		}
	}
	return ""
}

// supported returns the codec the appliance speaks matching c, by name.
func supported(c Codec) (Codec, bool) {
	for _, s := range []Codec{PCMU, PCMA} {
		if strings.EqualFold(c.Name, s.Name) && c.ClockRate == s.ClockRate {
			return Codec{PayloadType: c.PayloadType, Name: s.Name, ClockRate: s.ClockRate}, true
		}
	}
	return Codec{}, false
}

// mirror returns the answer's direction for an offered one.
func mirror(dir string) string {
	switch dir {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// marshal renders an SDP body for one audio stream.
func marshal(sessID, version uint64, ip netip.Addr, port int, codecs []Codec, dtmfPT uint8, dir string) ([]byte, error) {
	addrType := "IP4"
	if ip.Is6() && !ip.Is4In6() {
		addrType = "IP6"
	}
	ipText := ip.Unmap().String()
	m := &sdp.MediaDescription{
		MediaName: sdp.MediaName{Media: "audio", Port: sdp.RangedPort{Value: port}, Protos: []string{"RTP", "AVP"}},
	}
	for _, c := range codecs {
		m.MediaName.Formats = append(m.MediaName.Formats, strconv.Itoa(int(c.PayloadType)))
		m.Attributes = append(m.Attributes, sdp.NewAttribute("rtpmap", fmt.Sprintf("%d %s/%d", c.PayloadType, c.Name, c.ClockRate)))
	}
	if dtmfPT != 0 {
		m.MediaName.Formats = append(m.MediaName.Formats, strconv.Itoa(int(dtmfPT)))
		m.Attributes = append(m.Attributes,
			sdp.NewAttribute("rtpmap", fmt.Sprintf("%d telephone-event/8000", dtmfPT)),
			sdp.NewAttribute("fmtp", fmt.Sprintf("%d 0-16", dtmfPT)))
	}
	m.Attributes = append(m.Attributes, sdp.NewAttribute("ptime", "20"), sdp.NewPropertyAttribute(dir))
	s := &sdp.SessionDescription{
		Origin: sdp.Origin{Username: "switchboard", SessionID: sessID, SessionVersion: version,
			NetworkType: "IN", AddressType: addrType, UnicastAddress: ipText},
		SessionName:           "switchboard",
		ConnectionInformation: &sdp.ConnectionInformation{NetworkType: "IN", AddressType: addrType, Address: &sdp.Address{Address: ipText}},
		TimeDescriptions:      []sdp.TimeDescription{{Timing: sdp.Timing{}}},
		MediaDescriptions:     []*sdp.MediaDescription{m},
	}
	return s.Marshal()
}
