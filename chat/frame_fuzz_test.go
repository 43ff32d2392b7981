package chat

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
)

// FuzzVisitorFrames feeds hostile frame sequences to a visitor without a
// socket: every frame is either handled or refused with a protocol error
// (errBadRequest, errFlood), never a panic or another failure.
func FuzzVisitorFrames(f *testing.F) {
	seeds := [][2]string{
		{`{"type":"hello"}`, `{"type":"start","name":"<img src=x onerror=alert(1)>","email":"a@b.c"}`},
		{`{"type":"hello","token":"00000000000000000000000000000000"}`, `{"type":"msg","cid":"1","text":"hi"}`},
		{`{"type":"msg"}`, `{"type":"hello"}`},
		{`{"type":"hello"}`, `{"type":"leave_message","text":"x"}`},
		{`{"type":"hello"}`, `{"type":"transcript","email":"x"}`},
		{`[]`, `null`},
		{`{"type":"hello"}`, `{"type":"start","name":"a","phone":"+999999999999999999"}`},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	st, err := store.Open(context.Background(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	cfg := testConfig(&fakeMail{})
	d := acd.New(acd.Config{})
	d.SetConfig([]config.Queue{{Name: "support", Members: []string{"alice"}}}, []config.Agent{{Name: "alice"}})
	if err := d.SetPresence(context.Background(), "alice", acd.Presence{State: acd.Available}); err != nil {
		f.Fatal(err)
	}
	s, err := New(context.Background(), st, nil, d, cfg)
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	f.Fuzz(func(t *testing.T, a, b string) {
		c := newConn(s.ctx, nil)
		defer c.cancel(nil)
		v := &visitor{s: s, c: c, widget: s.widgets["website"], rate: bucket{rate: 5, burst: 20}}
		defer v.detach()
		for _, fr := range []string{a, b} {
			err := v.handle([]byte(fr))
			if err != nil && !errors.Is(err, errBadRequest) && !errors.Is(err, errFlood) {
				t.Fatalf("frame %q: %v", fr, err)
			}
			if err != nil {
				return
			}
			frames(c)
		}
	})
}
