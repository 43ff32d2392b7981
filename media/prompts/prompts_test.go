package prompts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/switchboard-cc/switchboard/internal/peertest"
	"github.com/zaf/g711"
)

// rms returns the RMS level of µ-law audio, full scale 1.
func rms(ulaw []byte) float64 {
	var sum float64
	for _, v := range ulaw {
		x := float64(g711.DecodeUlawFrame(v)) / 32768
		sum += x * x
	}
	return math.Sqrt(sum / float64(max(len(ulaw), 1)))
}

// power returns the share of the audio's energy at freq (Goertzel).
func power(ulaw []byte, freq float64) float64 {
	c := 2 * math.Cos(2*math.Pi*freq/8000)
	var q1, q2, energy float64
	for _, v := range ulaw {
		x := float64(g711.DecodeUlawFrame(v))
		energy += x * x
		q1, q2 = c*q1-q2+x, q1
	}
	return 2 * (q1*q1 + q2*q2 - c*q1*q2) / float64(len(ulaw)) / energy
}

func TestEveryPromptIsSpoken(t *testing.T) {
	fixed := []string{Welcome, Closed, Invalid, Goodbye, Callback, YouAreNumber, InQueue, ExpectedWait, Minute, Minutes}
	for _, lang := range Languages() {
		for _, name := range fixed {
			b, err := Get(lang, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) < 2000 || rms(b) < 0.03 {
				t.Errorf("%s/%s: %d bytes at RMS %.3f, want speech", lang, name, len(b), rms(b))
			}
		}
		for n := range MaxNumber + 1 {
			for _, f := range []func(string, int) ([]string, error){Number, Position, Wait} {
				names, err := f(lang, n)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Audio(lang, names); err != nil {
					t.Fatalf("%s %d: %v", lang, n, err)
				}
			}
		}
	}
	if len(Music()) < 8000*5 || rms(Music()) < 0.01 {
		t.Fatalf("music on hold: %d bytes at RMS %.3f", len(Music()), rms(Music()))
	}
	if _, err := Get("de", Welcome); !errors.Is(err, ErrNoPrompt) {
		t.Fatalf("err = %v, want ErrNoPrompt", err)
	}
	if _, err := Get("en", "../fr/welcome"); !errors.Is(err, ErrNoPrompt) {
		t.Fatalf("err = %v, want ErrNoPrompt", err)
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		lang string
		n    int
		want []string
	}{
		{"en", 0, []string{"0"}}, {"en", 13, []string{"13"}}, {"en", 40, []string{"40"}}, {"en", 47, []string{"40", "7"}},
		{"en", 250, []string{"90", "9"}}, {"en", -3, []string{"0"}},
		{"fr", 16, []string{"16"}}, {"fr", 17, []string{"10", "7"}}, {"fr", 21, []string{"20", "et", "1"}},
		{"fr", 35, []string{"30", "5"}}, {"fr", 70, []string{"60", "10"}}, {"fr", 71, []string{"60", "et", "11"}},
		{"fr", 72, []string{"60", "12"}}, {"fr", 77, []string{"60", "10", "7"}}, {"fr", 80, []string{"80"}},
		{"fr", 81, []string{"80", "1"}}, {"fr", 91, []string{"80", "11"}}, {"fr", 99, []string{"80", "10", "9"}},
	}
	for _, tc := range tests {
		got, err := Number(tc.lang, tc.n)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Number(%s, %d) = %v, %v; want %v", tc.lang, tc.n, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		lang    string
		minutes int
		want    []string
	}{
		{"fr", 0, []string{ExpectedWait, "une", Minute}}, {"fr", 1, []string{ExpectedWait, "une", Minute}},
		{"fr", 21, []string{ExpectedWait, "20", "et", "une", Minutes}}, {"fr", 71, []string{ExpectedWait, "60", "et", "11", Minutes}},
		{"fr", 80, []string{ExpectedWait, "80", Minutes}}, {"fr", 81, []string{ExpectedWait, "80", "une", Minutes}},
		{"fr", 91, []string{ExpectedWait, "80", "11", Minutes}}, {"en", 1, []string{ExpectedWait, "1", Minute}},
		{"en", 21, []string{ExpectedWait, "20", "1", Minutes}},
	} {
		if got, _ := Wait(tc.lang, tc.minutes); !slices.Equal(got, tc.want) {
			t.Errorf("Wait(%s, %d) = %v; want %v", tc.lang, tc.minutes, got, tc.want)
		}
	}
	if got, _ := Position("fr", 21); !slices.Equal(got, []string{YouAreNumber, "20", "et", "1", InQueue}) {
		t.Errorf("Position(fr, 21) = %v", got)
	}
	if got, _ := Position("en", 3); !slices.Equal(got, []string{YouAreNumber, "3", InQueue}) {
		t.Errorf("Position(en, 3) = %v", got)
	}
}

// wav16 builds a 16-bit PCM WAV of a sine at freq on every channel.
func wav16(rate, channels int, freq float64, seconds float64) []byte {
	n := int(float64(rate) * seconds)
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n*channels*2))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(rate), uint32(rate * channels * 2), uint16(channels * 2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("LIST")
	binary.Write(&b, binary.LittleEndian, uint32(3))
	b.WriteString("abc\x00") // an odd-sized chunk with its pad byte
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n*channels*2))
	for i := range n {
		v := int16(16000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		for range channels {
			binary.Write(&b, binary.LittleEndian, v)
		}
	}
	return b.Bytes()
}

func checkTone(t *testing.T, ulaw []byte, freq, seconds float64) {
	t.Helper()
	if want := int(8000 * seconds); len(ulaw) < want-10 || len(ulaw) > want+10 {
		t.Fatalf("%d samples, want %d", len(ulaw), want)
	}
	if p := power(ulaw, freq); p < 0.8 {
		t.Fatalf("%.0f Hz holds %.2f of the energy, want most", freq, p)
	}
	if l := rms(ulaw); l < 0.2 || l > 0.5 {
		t.Fatalf("RMS %.3f, want the input's level (≈0.35)", l)
	}
}

func TestConvertWAV(t *testing.T) {
	for _, tc := range []struct{ rate, channels int }{{8000, 1}, {44100, 2}, {48000, 1}, {16000, 6}, {11025, 1}} {
		got, err := ConvertWAV(bytes.NewReader(wav16(tc.rate, tc.channels, 1000, 0.5)))
		if err != nil {
			t.Fatal(err)
		}
		checkTone(t, got, 1000, 0.5)
	}
	for _, bad := range [][]byte{nil, []byte("hello"), []byte("RIFF\x00\x00\x00\x00WAVE"), wav16(8000, 1, 440, 0.1)[:30], bytes.Replace(wav16(8000, 1, 440, 0.1), []byte{1, 0, 1, 0}, []byte{0x55, 0, 1, 0}, 1)} {
		if _, err := ConvertWAV(bytes.NewReader(bad)); !errors.Is(err, ErrBadWAV) {
			t.Fatalf("ConvertWAV(%q…) err = %v, want ErrBadWAV", bad[:min(len(bad), 16)], err)
		}
	}
}

func TestConvertWAVFormatsFromSox(t *testing.T) {
	sox := peertest.Binary(t, "sox")
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-r", "44100", "-c", "2", "-b", "24", "-e", "signed"},
		{"-r", "48000", "-c", "1", "-b", "32", "-e", "floating-point"},
		{"-r", "22050", "-c", "1", "-b", "8", "-e", "unsigned"},
		{"-r", "8000", "-c", "1", "-e", "a-law"},
		{"-r", "16000", "-c", "2", "-e", "u-law"},
		{"-r", "96000", "-c", "1", "-b", "32", "-e", "signed"},
	} {
		out := filepath.Join(dir, "t.wav")
		cmd := append(append([]string{"-n"}, args...), out, "synth", "0.5", "sine", "700", "vol", "0.5")
		if b, err := exec.Command(sox, cmd...).CombinedOutput(); err != nil {
			t.Fatalf("sox %v: %v\n%s", cmd, err, b)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ConvertWAV(f)
		f.Close()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		checkTone(t, got, 700, 0.5)
	}
}

func FuzzConvertWAV(f *testing.F) {
	f.Add(wav16(8000, 1, 440, 0.01))
	f.Add(wav16(44100, 2, 440, 0.01))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := ConvertWAV(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrBadWAV) {
				t.Fatalf("unwrapped error %v", err)
			}
			return
		}
		if len(out) > len(b)*8 {
			t.Fatalf("%d bytes of audio from a %d-byte file", len(out), len(b))
		}
	})
}
