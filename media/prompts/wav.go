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
	src := mono{f: f, data: data, frame: f.bits / 8 * f.channels}
	if src.len() == 0 {
		return nil, fmt.Errorf("%w: no audio", ErrBadWAV)
	}
	return resample(src, f.rate), nil
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

// mono reads a WAV file's data as one channel: the average of its
// channels, in [-1, 1], without decoding it all at once (a long upload
// would take eight bytes a sample).
type mono struct {
	f     wavFormat
	data  []byte
	frame int // bytes per sample frame
}

func (m mono) len() int { return len(m.data) / m.frame }

// at returns sample frame i; values that are not numbers (a float file
// may hold NaN or infinities) are silence.
func (m mono) at(i int) float64 {
	width := m.f.bits / 8
	var sum float64
	for c := range m.f.channels {
		sum += sample(m.f, m.data[i*m.frame+c*width:])
	}
	v := sum / float64(m.f.channels)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
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

// resample converts x from rate in to 8 kHz µ-law. Going down, each input
// sample is first averaged over one output period (a low-pass that keeps
// most aliasing out of the telephone band); then output samples are
// interpolated linearly. It streams: the moving average is kept as a
// running sum while the input index only moves forward.
func resample(x mono, in int) []byte {
	const out = 8000
	n := x.len()
	w := max(in/out, 1) // moving-average width (1: none)
	var sum float64
	cur := -1 // the last input sample in sum
	smooth := func(i int) float64 {
		for cur < i {
			cur++
			sum += x.at(cur)
			if cur >= w {
				sum -= x.at(cur - w)
			}
		}
		return sum / float64(min(cur+1, w))
	}
	ulaw := make([]byte, int(int64(n)*out/int64(in)))
	step := float64(in) / out
	j0, s0, s1 := -2, 0.0, 0.0 // smoothed samples j0 and j0+1 (none yet)
	for i := range ulaw {
		t := float64(i) * step
		j := int(t)
		if j != j0 {
			if j == j0+1 {
				s0 = s1
			} else {
				s0 = smooth(j)
			}
			if j+1 < n {
				s1 = smooth(j + 1)
			}
			j0 = j
		}
		v := s0
		if j+1 < n {
			frac := t - float64(j)
			v = s0*(1-frac) + s1*frac
		}
		ulaw[i] = g711.EncodeUlawFrame(int16(max(min(math.Round(v*32767), 32767), -32768)))
	}
	return ulaw
}
