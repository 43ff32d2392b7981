package dtmf

import (
	"fmt"
	"math"
)

// rowFreqs and colFreqs are the DTMF low and high group frequencies (ITU-T
// Q.23); the key at row r, column c is keypad[r][c].
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
	keypad   = [4]string{"123A", "456B", "789C", "*0#D"}
)

// freqsOf returns the row and column frequencies of key.
func freqsOf(key rune) (float64, float64, error) {
	if _, err := CodeOf(key); err != nil {
		return 0, 0, err
	}
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	for r, row := range keypad {
		for c, k := range row {
			if k == key {
				return rowFreqs[r], colFreqs[c], nil
			}
		}
	}
	return 0, 0, fmt.Errorf("%w: %q", ErrNotDigit, key)
}

// ToneGenerator produces the in-band dual tone of one key as linear 16-bit
// samples, continuous in phase across reads.
type ToneGenerator struct {
	w1, w2    float64 // angular step per sample
	amplitude float64
	n         int // samples produced so far
}

// NewToneGenerator returns a generator of key's tone at rate Hz, each of
// the two tones with the given peak amplitude (full scale is 32767; 0 dBm0
// in G.711 is about 11400).
func NewToneGenerator(key rune, amplitude float64, rate int) (*ToneGenerator, error) {
	f1, f2, err := freqsOf(key)
	if err != nil {
		return nil, err
	}
	if rate <= 2*int(f2) || amplitude <= 0 || amplitude > 16383 {
		return nil, fmt.Errorf("dtmf: tone of %q at %d Hz, amplitude %g: rate must exceed %g Hz and amplitude lie in (0, 16383]", key, rate, amplitude, 2*f2)
	}
	return &ToneGenerator{w1: 2 * math.Pi * f1 / float64(rate), w2: 2 * math.Pi * f2 / float64(rate), amplitude: amplitude}, nil
}

// Read fills buf with the next samples of the tone and returns len(buf).
func (g *ToneGenerator) Read(buf []int16) int {
	for i := range buf {
		t := float64(g.n)
		buf[i] = int16(g.amplitude * (math.Sin(g.w1*t) + math.Sin(g.w2*t)))
		g.n++
	}
	return len(buf)
}
