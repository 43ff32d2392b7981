package prompts

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/zaf/g711"
)

// MaxUpload bounds the WAV files ConvertWAV reads.
const MaxUpload = 64 << 20

// WAV format codes (RFC 2361).
const (
	formatPCM        = 1
	formatFloat      = 3
	formatALaw       = 6
	formatULaw       = 7
	formatExtensible = 0xfffe
)

// wavFormat is a WAV file's fmt chunk.
type wavFormat struct {
	code     uint16
	channels int
	rate     int
	bits     int
}

// ConvertWAV reads a WAV file — integer PCM of 8 to 32 bits, 32- or 64-bit
// float, A-law or µ-law, any channel count and sample rate — and returns
// its audio as 8 kHz mono G.711 µ-law: channels are averaged, the rate is
// converted with a moving-average low-pass and linear interpolation.
func ConvertWAV(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxUpload+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadWAV, err)
	}
	if len(b) > MaxUpload {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadWAV, MaxUpload)
	}
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, fmt.Errorf("%w: not a RIFF WAVE file", ErrBadWAV)
	}
	var f wavFormat
	var data []byte
	for p := b[12:]; len(p) >= 8 && data == nil; {
		id, size := string(p[:4]), binary.LittleEndian.Uint32(p[4:])
		p = p[8:]
		if uint64(size) > uint64(len(p)) {
			if id != "data" {
				return nil, fmt.Errorf("%w: truncated %q chunk", ErrBadWAV, id)
			}
			size = uint32(len(p)) // a streamed file whose size was never patched
		}
		body := p[:size]
		p = p[min(len(p), int(size)+int(size&1)):]
		switch id {
		case "fmt ":
			if f, err = parseFormat(body); err != nil {
				return nil, err
			}
		case "data":
			if f.code == 0 {
				return nil, fmt.Errorf("%w: data before fmt chunk", ErrBadWAV)
			}
			data = body
		}
	}
	if data == nil {
		return nil, fmt.Errorf("%w: no data chunk", ErrBadWAV)
	}
	if f.code == formatULaw && f.channels == 1 && f.rate == 8000 && len(data) > 0 {
		return bytes.Clone(data), nil // already what we store: kept bit for bit
	}
	mono := decode(f, data)
	if len(mono) == 0 {
		return nil, fmt.Errorf("%w: no audio", ErrBadWAV)
	}
	out := resample(mono, f.rate, 8000)
	ulaw := make([]byte, len(out))
	for i, v := range out {
		ulaw[i] = g711.EncodeUlawFrame(int16(max(min(math.Round(v*32767), 32767), -32768)))
	}
	return ulaw, nil
}

func parseFormat(b []byte) (wavFormat, error) {
	if len(b) < 16 {
		return wavFormat{}, fmt.Errorf("%w: short fmt chunk", ErrBadWAV)
	}
	f := wavFormat{
		code:     binary.LittleEndian.Uint16(b),
		channels: int(binary.LittleEndian.Uint16(b[2:])),
		rate:     int(binary.LittleEndian.Uint32(b[4:])),
		bits:     int(binary.LittleEndian.Uint16(b[14:])),
	}
	if f.code == formatExtensible {
		if len(b) < 26 {
			return wavFormat{}, fmt.Errorf("%w: short extensible fmt chunk", ErrBadWAV)
		}
		f.code = binary.LittleEndian.Uint16(b[24:]) // the sub-format GUID's first two bytes
	}
	ok := f.channels >= 1 && f.channels <= 16 && f.rate >= 1000 && f.rate <= 384000
	switch f.code {
	case formatPCM:
		ok = ok && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32)
	case formatFloat:
		ok = ok && (f.bits == 32 || f.bits == 64)
	case formatALaw, formatULaw:
		ok = ok && f.bits == 8
	default:
		return wavFormat{}, fmt.Errorf("%w: unsupported format code %#x", ErrBadWAV, f.code)
	}
	if !ok {
		return wavFormat{}, fmt.Errorf("%w: %d channels, %d Hz, %d bits not supported", ErrBadWAV, f.channels, f.rate, f.bits)
	}
	return f, nil
}

// decode returns the average of the channels, in [-1, 1].
func decode(f wavFormat, data []byte) []float64 {
	width := f.bits / 8
	frame := width * f.channels
	out := make([]float64, len(data)/frame)
	for i := range out {
		var sum float64
		for c := range f.channels {
			sum += sample(f, data[i*frame+c*width:])
		}
		out[i] = sum / float64(f.channels)
	}
	return out
}

func sample(f wavFormat, p []byte) float64 {
	switch f.code {
	case formatALaw:
		return float64(g711.DecodeAlawFrame(p[0])) / 32768
	case formatULaw:
		return float64(g711.DecodeUlawFrame(p[0])) / 32768
	case formatFloat:
		if f.bits == 32 {
			return float64(math.Float32frombits(binary.LittleEndian.Uint32(p)))
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(p))
	}
	switch f.bits {
	case 8:
		return (float64(p[0]) - 128) / 128 // 8-bit WAV is unsigned
	case 16:
		return float64(int16(binary.LittleEndian.Uint16(p))) / 32768
	case 24:
		return float64(int32(uint32(p[0])<<8|uint32(p[1])<<16|uint32(p[2])<<24)) / (1 << 31)
	default:
		return float64(int32(binary.LittleEndian.Uint32(p))) / (1 << 31)
	}
}

// resample converts x from rate in to rate out. Going down, each input
// sample is first averaged over one output period (a low-pass that keeps
// most aliasing out of the telephone band); then output samples are
// interpolated linearly.
func resample(x []float64, in, out int) []float64 {
	if in == out {
		return x
	}
	if in > out {
		w := in / out
		if w > 1 {
			y := make([]float64, len(x))
			var sum float64
			for i := range x {
				sum += x[i]
				if i >= w {
					sum -= x[i-w]
				}
				y[i] = sum / float64(min(i+1, w))
			}
			x = y
		}
	}
	n := int(int64(len(x)) * int64(out) / int64(in))
	y := make([]float64, n)
	step := float64(in) / float64(out)
	for i := range y {
		t := float64(i) * step
		j := int(t)
		frac := t - float64(j)
		if j+1 < len(x) {
			y[i] = x[j]*(1-frac) + x[j+1]*frac
		} else {
			y[i] = x[min(j, len(x)-1)]
		}
	}
	return y
}
