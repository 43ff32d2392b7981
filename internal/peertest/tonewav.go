package peertest

import (
	"bytes"
	"encoding/binary"
	"math"
)

// ToneWAV returns a 16-bit PCM WAV file of a sine at freq Hz (peak 12000)
// lasting seconds, the same on each of channels, at rate Hz: an upload as
// an admin's sound editor would write it.
func ToneWAV(rate, channels int, freq, seconds float64) []byte {
	n := int(float64(rate) * seconds)
	var b bytes.Buffer
	le := binary.LittleEndian
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(36+n*channels*2))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(channels), uint32(rate), uint32(rate * channels * 2), uint16(channels * 2), uint16(16)} {
		binary.Write(&b, le, v)
	}
	b.WriteString("data")
	binary.Write(&b, le, uint32(n*channels*2))
	for i := range n {
		v := int16(12000 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		for range channels {
			binary.Write(&b, le, v)
		}
	}
	return b.Bytes()
}
