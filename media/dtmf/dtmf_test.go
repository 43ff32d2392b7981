package dtmf

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/zaf/g711"
)

func TestReceiver(t *testing.T) {
	ev := func(code uint8, end bool, dur uint16) []byte {
		return Event{Code: code, End: end, Volume: 10, Duration: dur}.AppendTo(nil)
	}
	type pkt struct {
		ts      uint32
		payload []byte
	}
	tests := []struct {
		name string
		pkts []pkt
		want []Digit
	}{
		{"one digit, three end packets", []pkt{{100, ev(5, false, 160)}, {100, ev(5, false, 320)}, {100, ev(5, true, 800)}, {100, ev(5, true, 800)}, {100, ev(5, true, 800)}},
			[]Digit{{'5', 100 * time.Millisecond}}},
		{"two digits", []pkt{{100, ev(1, true, 400)}, {100, ev(1, true, 400)}, {2000, ev(11, false, 160)}, {2000, ev(11, true, 640)}},
			[]Digit{{'1', 50 * time.Millisecond}, {'#', 80 * time.Millisecond}}},
		{"end packets lost", []pkt{{100, ev(7, false, 160)}, {100, ev(7, false, 480)}, {5000, ev(8, false, 160)}, {5000, ev(8, true, 320)}, {5000, ev(8, true, 320)}},
			[]Digit{{'7', 60 * time.Millisecond}, {'8', 40 * time.Millisecond}}},
		{"late packet of an old event", []pkt{{5000, ev(2, true, 160)}, {100, ev(3, true, 160)}, {5000, ev(2, true, 160)}},
			[]Digit{{'2', 20 * time.Millisecond}}},
		{"flash is no digit", []pkt{{100, ev(16, true, 160)}, {100, ev(16, true, 160)}}, nil},
		{"short payload", []pkt{{100, []byte{1, 2}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Receiver
			var got []Digit
			for _, p := range tc.pkts {
				d, ok, err := r.Packet(p.ts, p.payload)
				if err != nil && !errors.Is(err, ErrBadEvent) {
					t.Fatalf("err = %v, want ErrBadEvent", err)
				}
				if ok {
					got = append(got, d)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestEventPayloadsRoundTrip(t *testing.T) {
	var r Receiver
	for i, key := range keys {
		payloads, err := EventPayloads(key, 120*time.Millisecond, 20*time.Millisecond, 10, 8000)
		if err != nil {
			t.Fatal(err)
		}
		if len(payloads) != 5+3 {
			t.Fatalf("%q: %d payloads, want 8", key, len(payloads))
		}
		var got []Digit
		for _, p := range payloads {
			if d, ok, err := r.Packet(uint32(i)*10000, p); err != nil {
				t.Fatal(err)
			} else if ok {
				got = append(got, d)
			}
		}
		if len(got) != 1 || got[0] != (Digit{key, 120 * time.Millisecond}) {
			t.Fatalf("%q: got %v", key, got)
		}
	}
	if _, err := EventPayloads('x', time.Second, 20*time.Millisecond, 10, 8000); !errors.Is(err, ErrNotDigit) {
		t.Fatalf("err = %v, want ErrNotDigit", err)
	}
}

func TestParseInfo(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		want              Digit
		wantErr           bool
	}{
		{"dtmf-relay", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", Digit{'5', 160 * time.Millisecond}, false},
		{"dtmf-relay spaces and case", "Application/DTMF-Relay; charset=utf-8", "signal= #\nduration = 250", Digit{'#', 250 * time.Millisecond}, false},
		{"dtmf-relay event code", "application/dtmf-relay", "Signal=10\r\n", Digit{Key: '*'}, false},
		{"dtmf", "application/dtmf", "7\r\n", Digit{Key: '7'}, false},
		{"dtmf code", "application/dtmf", "11", Digit{Key: '#'}, false},
		{"dtmf lower-case", "application/dtmf", "d", Digit{Key: 'D'}, false},
		{"no signal", "application/dtmf-relay", "Duration=160", Digit{}, true},
		{"bad signal", "application/dtmf-relay", "Signal=X", Digit{}, true},
		{"bad duration", "application/dtmf-relay", "Signal=1\nDuration=-5", Digit{}, true},
		{"code out of range", "application/dtmf", "16", Digit{}, true},
		{"other type", "text/plain", "5", Digit{}, true},
		{"bad type", ";;", "5", Digit{}, true},
		{"huge", "application/dtmf", string(make([]byte, 2000)), Digit{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseInfo(tc.ctype, []byte(tc.body))
			if tc.wantErr {
				if !errors.Is(err, ErrBadInfo) {
					t.Fatalf("err = %v, want ErrBadInfo", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// tone returns key's dual tone with each tone at its own amplitude.
func tone(t *testing.T, key rune, d time.Duration, low, high float64) []int16 {
	t.Helper()
	n := int(d * rate / time.Second)
	fl, fh, _ := freqsOf(key)
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(low*sin(fl, i) + high*sin(fh, i))
	}
	return out
}

func sin(f float64, i int) float64 {
	return math.Sin(2 * math.Pi * f * float64(i) / rate)
}

// noise adds white noise of the given peak to s.
func noise(s []int16, peak float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = int16(float64(v) + (rng.Float64()*2-1)*peak)
	}
	return out
}

func silence(d time.Duration) []int16 { return make([]int16, int(d*rate/time.Second)) }

// viaULaw passes audio through G.711 µ-law, as it travels in a call.
func viaULaw(s []int16) []int16 {
	out := make([]int16, len(s))
	for i, v := range s {
		out[i] = g711.DecodeUlawFrame(g711.EncodeUlawFrame(v))
	}
	return out
}

// detect feeds audio in 20 ms frames, as RTP delivers it.
func detect(audio []int16) []Digit {
	var d Detector
	var got []Digit
	for len(audio) > 0 {
		n := min(160, len(audio))
		got = d.Feed(audio[:n], got)
		audio = audio[n:]
	}
	return got
}

func keysOf(ds []Digit) string {
	var s []rune
	for _, d := range ds {
		s = append(s, d.Key)
	}
	return string(s)
}

func TestDetectorFindsEveryKey(t *testing.T) {
	var audio []int16
	for _, key := range keys {
		g, err := NewToneGenerator(key, 4000, rate)
		if err != nil {
			t.Fatal(err)
		}
		frame := make([]int16, 80*rate/1000)
		g.Read(frame)
		audio = append(audio, frame...)
		audio = append(audio, silence(60*time.Millisecond)...)
	}
	audio = viaULaw(noise(audio, 300, 1))
	got := detect(audio)
	if keysOf(got) != keys {
		t.Fatalf("detected %q, want %q", keysOf(got), keys)
	}
	for _, d := range got {
		if d.Duration < 50*time.Millisecond || d.Duration > 110*time.Millisecond {
			t.Fatalf("%q lasted %v for an 80 ms tone", d.Key, d.Duration)
		}
	}
}

func TestDetectorRules(t *testing.T) {
	tests := []struct {
		name  string
		audio []int16
		want  string
	}{
		{"held key reported once", tone(t, '5', time.Second, 4000, 4000), "5"},
		{"too short", tone(t, '5', 30*time.Millisecond, 4000, 4000), ""},
		{"too quiet", tone(t, '5', 200*time.Millisecond, 300, 300), ""},
		{"low group louder by 6 dB", tone(t, '9', 200*time.Millisecond, 6000, 3000), "9"},
		{"low group louder by 10 dB", tone(t, '9', 200*time.Millisecond, 6000, 1900), ""},
		{"high group louder by 3 dB", tone(t, '9', 200*time.Millisecond, 3000, 4240), "9"},
		{"high group louder by 6 dB", tone(t, '9', 200*time.Millisecond, 3000, 6000), ""},
		{"one tone only", tone(t, '9', 200*time.Millisecond, 6000, 0.001), ""},
		{"buried in noise", noise(tone(t, '9', 200*time.Millisecond, 1500, 1500), 6000, 2), ""},
		{"same key twice", append(append(tone(t, '3', 100*time.Millisecond, 4000, 4000), silence(100*time.Millisecond)...), tone(t, '3', 100*time.Millisecond, 4000, 4000)...), "33"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			audio := append(tc.audio, silence(100*time.Millisecond)...)
			if got := keysOf(detect(viaULaw(audio))); got != tc.want {
				t.Fatalf("detected %q, want %q", got, tc.want)
			}
		})
	}
}

// soxAudio runs sox with args writing 8 kHz 16-bit mono raw audio and
// returns the samples.
func soxAudio(t *testing.T, args ...string) []int16 {
	t.Helper()
	sox := peertest.Binary(t, "sox")
	out := filepath.Join(t.TempDir(), "out.raw")
	args = append(args, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", "-t", "raw", out)
	if b, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
		t.Fatalf("sox %v: %v\n%s", args, err, b)
	}
	return readRaw(t, out)
}

func readRaw(t *testing.T, path string) []int16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, len(b)/2)
	for i := range s {
		s[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return s
}

func TestDetectorIgnoresSpeechAndMusic(t *testing.T) {
	espeak := peertest.Binary(t, "espeak-ng")
	dir := t.TempDir()
	var audio []int16
	for i, voice := range []string{"en", "fr", "en-us+f3"} {
		wav := filepath.Join(dir, "speech"+string(rune('0'+i))+".wav")
		text := "Welcome to the switchboard. You are number three in the queue. Your expected wait is about five minutes. One two three four five six seven eight nine zero. Bienvenue, vous êtes le numéro sept."
		if b, err := exec.Command(espeak, "-v", voice, "-w", wav, text).CombinedOutput(); err != nil {
			t.Fatalf("espeak-ng: %v\n%s", err, b)
		}
		audio = append(audio, soxAudio(t, wav)...)
	}
	chords := []string{"-n", "-t", "wav", "-r", "8000", "-c", "1"}
	music := filepath.Join(dir, "music.wav")
	chords = append(chords, music, "synth", "0.6", "pluck", "C4", "pluck", "E4", "pluck", "G4")
	for _, c := range [][3]string{{"F4", "A4", "C5"}, {"G4", "B4", "D5"}, {"E5", "G5", "B5"}, {"F5", "A5", "C6"}, {"D5", "F#5", "A5"}} {
		chords = append(chords, ":", "synth", "0.6", "pluck", c[0], "pluck", c[1], "pluck", c[2])
	}
	chords = append(chords, "remix", "-")
	if b, err := exec.Command(peertest.Binary(t, "sox"), chords...).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, b)
	}
	audio = append(audio, soxAudio(t, music)...)
	if len(audio) < 10*rate {
		t.Fatalf("only %d samples of test audio", len(audio))
	}
	if got := detect(viaULaw(audio)); len(got) != 0 {
		t.Fatalf("detected %q in speech and music", keysOf(got))
	}
	// The same audio with a digit mixed in still yields just that digit.
	mixed := viaULaw(audio)
	key := tone(t, '8', 120*time.Millisecond, 5000, 5000)
	at := len(mixed) / 3
	for i, v := range key {
		mixed[at+i] = int16(float64(mixed[at+i])*0.1 + float64(v))
	}
	if got := keysOf(detect(mixed)); got != "8" {
		t.Fatalf("detected %q with an 8 over quiet speech, want \"8\"", got)
	}
}

func BenchmarkDetector(b *testing.B) {
	frame := make([]int16, 160)
	g, _ := NewToneGenerator('5', 4000, rate)
	g.Read(frame)
	var d Detector
	out := make([]Digit, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		out = d.Feed(frame, out[:0])
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("11"))
	f.Add("application/dtmf-relay", []byte("Signal=\r\n"))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		d, err := ParseInfo(ctype, body)
		if err != nil {
			if !errors.Is(err, ErrBadInfo) && !errors.Is(err, ErrNotDigit) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		code, err := CodeOf(d.Key)
		if err != nil {
			t.Fatalf("parsed a non-key %q", d.Key)
		}
		if k, _ := KeyOf(code); k != d.Key {
			t.Fatalf("key %q does not round-trip", d.Key)
		}
	})
}

func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 0, 0, 5, 0x0a, 0, 160, 0, 0, 0, 5, 0x8a, 3, 32})
	f.Fuzz(func(t *testing.T, data []byte) {
		// each record: 4-byte timestamp then a 4-byte payload
		var r Receiver
		events := map[uint32]bool{}
		digits := 0
		for len(data) >= 8 {
			ts := binary.BigEndian.Uint32(data)
			events[ts] = true
			d, ok, err := r.Packet(ts, data[4:8])
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				digits++
				if _, err := CodeOf(d.Key); err != nil {
					t.Fatalf("digit %q", d.Key)
				}
			}
			data = data[8:]
		}
		if digits > len(events) {
			t.Fatalf("%d digits from %d events", digits, len(events))
		}
	})
}

func FuzzDetector(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := make([]int16, len(data)/2)
		for i := range s {
			s[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		for _, d := range detect(s) {
			if _, err := CodeOf(d.Key); err != nil {
				t.Fatalf("digit %q", d.Key)
			}
		}
	})
}
