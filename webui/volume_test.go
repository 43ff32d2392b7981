package webui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/acd/stats"
	"github.com/switchboard-cc/switchboard/internal/config"
	"github.com/switchboard-cc/switchboard/internal/store"
	"github.com/switchboard-cc/switchboard/webui/auth"
)

// TestVolumeByChannel counts each item once, in the quarter hour of its
// first queue entry within the range, by channel, in the appliance's time
// zone.
func TestVolumeByChannel(t *testing.T) {
	kolkata, err := time.LoadLocation("Asia/Kolkata") // +05:30
	if err != nil {
		t.Fatal(err)
	}
	nine := time.Date(2026, 11, 20, 9, 0, 0, 0, kolkata)
	at := func(m int) time.Time { return nine.Add(time.Duration(m) * time.Minute) }
	evs := []stats.Event{
		{At: at(-1), Kind: stats.Entered, Item: "early", Channel: "voice", Queue: "support"},
		{At: at(0), Kind: stats.Entered, Item: "v1", Channel: "voice", Queue: "support"},
		{At: at(1), Kind: stats.Offered, Item: "v1", Channel: "voice", Queue: "support", Agent: "ann"},
		{At: at(2), Kind: stats.Transferred, Item: "v1", Channel: "voice", Queue: "support", Target: "queue:sales"},
		{At: at(20), Kind: stats.Entered, Item: "v1", Channel: "voice", Queue: "sales"},
		{At: at(5), Kind: stats.Entered, Item: "c1", Channel: "chat", Queue: "support"},
		{At: at(14), Kind: stats.Entered, Item: "v2", Channel: "voice", Queue: "sales"},
		{At: at(20), Kind: stats.Entered, Item: "e1", Channel: "email", Queue: "support"},
		{At: at(29), Kind: stats.Entered, Item: "b1", Channel: "callback", Queue: "sales"},
		{At: at(60), Kind: stats.Entered, Item: "late", Channel: "chat", Queue: "support"},
	}
	from, to := nine, at(60)
	for _, tc := range []struct {
		name, queue string
		want        string
	}{
		{"every queue", "", "09:00 chat 1, 09:00 voice 2, 09:15 callback 1, 09:15 email 1"},
		{"support", "support", "09:00 chat 1, 09:00 voice 1, 09:15 email 1"},
		{"sales", "sales", "09:00 voice 1, 09:15 callback 1, 09:15 voice 1"},
		{"no such queue", "nope", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, v := range volumeByChannel(evs, from, to, tc.queue, kolkata) {
				if v.Start.Location() != kolkata {
					t.Fatalf("start %v not in the appliance's zone", v.Start)
				}
				got = append(got, v.Start.Format("15:04")+" "+v.Channel+" "+strconv.Itoa(v.Offered))
			}
			if s := strings.Join(got, ", "); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
}

// TestVolumeChart stacks the channels of a quarter hour in the channel
// order, the stack as tall as its total, days folded onto one.
func TestVolumeChart(t *testing.T) {
	loc := time.UTC
	day := time.Date(2026, 11, 20, 9, 15, 0, 0, loc)
	c := newVolumeChart([]channelVolume{
		{Start: day, Channel: "chat", Offered: 2},
		{Start: day, Channel: "voice", Offered: 4},
		{Start: day.AddDate(0, 0, 1), Channel: "voice", Offered: 2},
		{Start: day.Add(time.Hour), Channel: "fax", Offered: 1},
	}, config.Channels, loc)
	if c.Empty || c.MaxCount != 8 || len(c.Bars) != 3 {
		t.Fatalf("chart: %+v", c)
	}
	voice, chat, fax := c.Bars[0], c.Bars[1], c.Bars[2]
	if voice.X != chartLeft+37*chartColumn || voice.Y+voice.H != c.Bottom || voice.H != chartHeight*6/8 || voice.Title != "09:15: 6 voice" || voice.Fill != channelFills["voice"] {
		t.Fatalf("voice segment %+v", voice)
	}
	if chat.X != voice.X || chat.Y+chat.H != voice.Y || chat.Y != c.Top || chat.Fill != channelFills["chat"] {
		t.Fatalf("chat segment %+v on %+v", chat, voice)
	}
	if fax.X != chartLeft+41*chartColumn || fax.H != chartHeight/8 || fax.Fill != channelFills[""] {
		t.Fatalf("fax segment %+v", fax)
	}
	var legend []string
	for _, k := range c.Legend {
		legend = append(legend, k.Text)
	}
	if strings.Join(legend, " ") != "voice chat email callback fax" || len(config.Channels) != 4 {
		t.Fatalf("legend %v, channels %v", legend, config.Channels)
	}
	if empty := newVolumeChart(nil, config.Channels, loc); !empty.Empty || len(empty.Bars) != 0 {
		t.Fatalf("empty chart %+v", empty)
	}
}

// TestServiceVolumeByChannel shows the volume by channel in the service
// report's JSON and as a chart on its page.
func TestServiceVolumeByChannel(t *testing.T) {
	f := newFixture(t, Config{})
	admin := f.login(t, "admin1", auth.RoleAdmin)
	yaml := "settings: {timezone: Europe/Paris}\nagents:\n  - {name: ann}\nqueues:\n  - {name: support, members: [ann]}\n"
	if w := f.do(t, admin, "PUT", "/api/v1/config", "application/yaml", yaml, true); w.Code != http.StatusNoContent {
		t.Fatalf("import: %d %s", w.Code, w.Body)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	ten := time.Date(2026, 11, 20, 10, 0, 0, 0, paris)
	var evs []store.ACDEvent
	for i, ch := range []string{"voice", "voice", "chat", "email", "callback"} {
		evs = append(evs, store.ACDEvent{At: ten.Add(time.Duration(i) * time.Minute), Kind: "entered", Item: "i" + strconv.Itoa(i), Channel: ch, Queue: "support"})
	}
	if _, err := f.st.AppendACDEvents(t.Context(), evs); err != nil {
		t.Fatal(err)
	}
	w := f.do(t, admin, "GET", "/api/v1/reports/service?from=2026-11-20", "", "", false)
	var rep struct {
		Volume []struct {
			Start   time.Time `json:"start"`
			Channel string    `json:"channel"`
			Offered int       `json:"offered"`
		} `json:"volume_by_channel"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil || len(rep.Volume) != 4 {
		t.Fatalf("report: %d %s", w.Code, w.Body)
	}
	if v := rep.Volume[3]; v.Channel != "voice" || v.Offered != 2 || !v.Start.Equal(ten) {
		t.Fatalf("voice volume %+v", v)
	}
	body := f.do(t, admin, "GET", "/reports/service?from=2026-11-20", "", "", false).Body.String()
	for _, want := range []string{`id="volume-chart"`, "<title>10:00: 2 voice</title>", "<title>10:00: 1 callback</title>", `data-channel="email"`} {
		if !strings.Contains(body, want) {
			t.Errorf("service page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Fatal(body)
	}
	empty := f.do(t, admin, "GET", "/reports/service?from=2026-11-21", "", "", false).Body.String()
	if !strings.Contains(empty, `id="volume-chart-empty"`) {
		t.Fatalf("empty range without the note:\n%s", empty)
	}
}
