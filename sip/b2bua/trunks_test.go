package b2bua

import (
	"reflect"
	"testing"

	"github.com/switchboard-cc/switchboard/media"
	"github.com/switchboard-cc/switchboard/sip/trunk"
)

func TestTrunkOffer(t *testing.T) {
	pcmu := &media.Description{Codecs: []media.Codec{media.PCMU}, Direction: media.SendRecv}
	both := &media.Description{Codecs: []media.Codec{media.PCMU, media.PCMA}, DTMFPayloadType: 96, Direction: media.SendRecv}
	cases := []struct {
		name   string
		trunk  trunk.Trunk
		caller *media.Description
		codecs []media.Codec
		dtmf   uint8
	}{
		{"no list: the caller's codecs, events at the appliance's type", trunk.Trunk{}, pcmu, []media.Codec{media.PCMU}, 101},
		{"the trunk's list in its order", trunk.Trunk{Codecs: []string{"pcma", "G722", "PCMU"}}, pcmu, []media.Codec{media.PCMA, media.PCMU}, 101},
		{"the caller's event type kept", trunk.Trunk{Codecs: []string{"PCMA"}}, both, []media.Codec{media.PCMA}, 96},
		{"no events to an in-band gateway", trunk.Trunk{DTMF: trunk.DTMFInband}, both, both.Codecs, 0},
		{"no events to a SIP INFO trunk", trunk.Trunk{DTMF: trunk.DTMFInfo, Codecs: []string{"PCMU"}}, both, []media.Codec{media.PCMU}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := trunkOffer(c.trunk, c.caller)
			if !reflect.DeepEqual(d.Codecs, c.codecs) || d.DTMFPayloadType != c.dtmf || d.Direction != c.caller.Direction {
				t.Fatalf("offer %+v; want codecs %v, telephone-event %d", d, c.codecs, c.dtmf)
			}
		})
	}
	if len(both.Codecs) != 2 || both.DTMFPayloadType != 96 {
		t.Fatalf("the caller's offer changed: %+v", both)
	}
}

func TestAnswerable(t *testing.T) {
	ulaw := media.Codec{PayloadType: 0, Name: "PCMU", ClockRate: 8000}
	alaw := media.Codec{PayloadType: 8, Name: "PCMA", ClockRate: 8000}
	offer := &media.Description{Codecs: []media.Codec{ulaw, alaw}, DTMFPayloadType: 101, Direction: media.SendRecv}
	cases := []struct {
		name   string
		codecs []string
		dtmf   media.DTMFMode
		want   []media.Codec
		events uint8
	}{
		{"no list: the offer as it is", nil, media.DTMFAuto, []media.Codec{ulaw, alaw}, 101},
		{"the trunk's preference first", []string{"pcma", "PCMU"}, media.DTMFAuto, []media.Codec{alaw, ulaw}, 101},
		{"codecs off the list dropped", []string{"G722", "PCMA"}, media.DTMFAuto, []media.Codec{alaw}, 101},
		{"nothing in common", []string{"opus"}, media.DTMFAuto, nil, 101},
		{"in-band gateway takes no events", nil, media.DTMFInband, []media.Codec{ulaw, alaw}, 0},
		{"SIP INFO trunk takes no events", []string{"PCMU"}, media.DTMFOff, []media.Codec{ulaw}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := answerable(offer, c.codecs, c.dtmf)
			if !reflect.DeepEqual(d.Codecs, c.want) || d.DTMFPayloadType != c.events {
				t.Fatalf("answerable = %+v; want codecs %v, telephone-event %d", d, c.want, c.events)
			}
		})
	}
	if len(offer.Codecs) != 2 || offer.DTMFPayloadType != 101 {
		t.Fatalf("the offer changed: %+v", offer)
	}
}
