package dtmf

import (
	"math"
	"time"
)

// Detector thresholds. The block is the classic 205 samples at 8 kHz
// (25.6 ms); a digit needs two consecutive tone blocks (≥ 40 ms of tone,
// ITU-T Q.24) and ends after two blocks without it.
const (
	blockSize = 205
	rate      = 8000
	// minAmplitude is the weakest accepted tone peak, about -36 dBFS
	// (≈ -33 dBm0) per tone.
	minAmplitude = 520
	// normalTwist (low group louder) and reverseTwist (high group louder)
	// are the accepted level differences between the two tones, as power
	// ratios: 8 dB and 4 dB.
	normalTwist  = 6.31
	reverseTwist = 2.51
	// relativePeak is how much stronger the chosen tone must be than any
	// other of its group: 8 dB.
	relativePeak = 6.31
	// toneShare is the least part of the block's energy the two tones must
	// hold; speech and music spread theirs over many frequencies.
	toneShare = 0.8
	// onBlocks and offBlocks are the consecutive blocks that start and end
	// a digit.
	onBlocks, offBlocks = 2, 2
)

// coeffs are the Goertzel coefficients 2·cos(2πf/rate) of the rows then
// the columns.
var coeffs = func() (c [8]float64) {
	for i, f := range rowFreqs {
		c[i] = 2 * math.Cos(2*math.Pi*f/rate)
	}
	for i, f := range colFreqs {
		c[4+i] = 2 * math.Cos(2*math.Pi*f/rate)
	}
	return c
}()

// Detector finds in-band DTMF digits in 8 kHz linear audio with eight
// Goertzel filters. It checks level, twist, each tone's dominance in its
// group, the tones' share of the signal energy and duration. Its zero
// value is ready; it is used by one goroutine and does not allocate.
type Detector struct {
	q1, q2 [8]float64
	energy float64
	n      int

	candidate rune // key of the previous block, 0 for none
	key       rune // digit being held, 0 for none
	held      int  // blocks of the held digit
	missed    int  // consecutive blocks without it
}

// Feed takes the next samples and appends the digits that ended in them to
// out, returning it. A digit is reported when it ends, with its duration.
func (d *Detector) Feed(samples []int16, out []Digit) []Digit {
	for _, s := range samples {
		x := float64(s)
		d.energy += x * x
		for i, c := range coeffs {
			q0 := c*d.q1[i] - d.q2[i] + x
			d.q2[i], d.q1[i] = d.q1[i], q0
		}
		d.n++
		if d.n == blockSize {
			if dg, ok := d.block(d.classify()); ok {
				out = append(out, dg)
			}
			d.q1, d.q2, d.energy, d.n = [8]float64{}, [8]float64{}, 0, 0
		}
	}
	return out
}

// classify returns the key whose tones fill the finished block, or 0.
func (d *Detector) classify() rune {
	var p [8]float64
	for i, c := range coeffs {
		p[i] = d.q1[i]*d.q1[i] + d.q2[i]*d.q2[i] - c*d.q1[i]*d.q2[i]
	}
	r, pr := strongest(p[:4])
	c, pc := strongest(p[4:])
	// A sine of peak A gives a Goertzel power of (A·N/2)².
	minPower := math.Pow(minAmplitude*blockSize/2, 2)
	switch {
	case pr < minPower || pc < minPower:
		return 0
	case pr > pc && pr > pc*normalTwist, pc >= pr && pc > pr*reverseTwist:
		return 0
	case !dominates(p[:4], r), !dominates(p[4:], c):
		return 0
	case 2*(pr+pc)/blockSize < toneShare*d.energy:
		return 0
	}
	return rune(keypad[r][c])
}

func strongest(p []float64) (int, float64) {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	return best, p[best]
}

func dominates(p []float64, best int) bool {
	for i := range p {
		if i != best && p[i]*relativePeak > p[best] {
			return false
		}
	}
	return true
}

// block advances the duration rules by one classified block and reports a
// digit that ended.
func (d *Detector) block(key rune) (Digit, bool) {
	prev := d.candidate
	d.candidate = key
	if d.key == 0 {
		if key != 0 && key == prev {
			d.key, d.held, d.missed = key, onBlocks, 0
		}
		return Digit{}, false
	}
	if key == d.key {
		d.held++
		d.missed = 0
		return Digit{}, false
	}
	d.missed++
	if d.missed < offBlocks {
		return Digit{}, false
	}
	dg := Digit{Key: d.key, Duration: time.Duration(d.held*blockSize) * time.Second / rate}
	d.key, d.held, d.missed = 0, 0, 0
	if key != 0 && key == prev {
		d.key, d.held = key, onBlocks // the next digit followed at once
	}
	return dg, true
}
